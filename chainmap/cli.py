"""The ``chainmap`` command line: thin click adapters over the library.

Each command resolves its inputs, makes one library call, and formats the
result. stdout carries only the result; notes go to stderr, one line each.
Library errors (:class:`chainmap.errors.ChainmapError`) become one-line
messages, never tracebacks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
import contextlib
import errno
import functools
import gc
import operator
import os
from pathlib import Path
import sys
from typing import Any

import click

from chainmap.cli_options import (
    SAMPLE,
    chain_argument,
    engine_options,
    enterprises_option,
    home_option,
    output_option,
    output_options,
    profile_option,
    signals_option,
)
from chainmap.collector import import_quietly
from chainmap.errors import ChainmapError, MissingExtraError
from chainmap.readwrite import atomic

__all__ = ["ChainmapGroup", "cli", "emit", "main", "note", "output_options"]


#: Parameters that name files (or folders) a command writes.
_OUTPUT_PARAMS = ("output", "report_path", "leads")


def _same_path(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # one does not exist (yet), or a name the OS refuses
        return os.path.abspath(a) == os.path.abspath(b)


def _refuse_overwriting_inputs(ctx: click.Context) -> None:
    """Stop before any work when an output names an input, or two outputs name one file.

    ``chainmap import firms.csv -o firms.csv`` replaced the export with the canonical table,
    and ``plan --leads x.xlsx -o x.xlsx`` kept only one of the two.
    """
    params = {p.name: p for p in ctx.command.params}

    def shown(name: str) -> str:
        param = params[name]
        opts = [o for o in getattr(param, "opts", []) if o.startswith("--")]
        return opts[0] if opts else param.human_readable_name

    outputs = [
        (name, Path(value))
        for name in _OUTPUT_PARAMS
        if isinstance(value := ctx.params.get(name), (str, Path)) and str(value) not in ("", "-")
    ]
    if not outputs:
        return
    inputs = []
    for name, value in ctx.params.items():
        if name in _OUTPUT_PARAMS or name not in params:
            continue
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(item, (str, Path)) and str(item) and os.path.exists(item):
                inputs.append((name, Path(item)))
    for i, (name, out) in enumerate(outputs):
        for other, path in [*outputs[:i], *inputs]:
            if _same_path(out, path):
                raise click.ClickException(
                    f"{shown(name)} {out} 与 {shown(other)} 是同一个文件 / {shown(name)} names "
                    f"the same file as {shown(other)}: it would be overwritten; "
                    "choose another output path"
                )


class _Command(click.Command):
    """A command that refuses outputs that would overwrite its inputs (before any work)."""

    def invoke(self, ctx: click.Context) -> Any:
        import_quietly("pandas")  # every command reads tables (not --help: parsed before)
        _refuse_overwriting_inputs(ctx)
        return super().invoke(ctx)


class ChainmapGroup(click.Group):
    """A click group that turns chainmap errors into friendly one-line messages."""

    command_class = _Command

    def invoke(self, ctx: click.Context) -> Any:
        with _sigint_noted() as sigint:
            try:
                return self._invoke(ctx)
            except click.ClickException:
                if sigint.seen:  # a library turned Ctrl-C into an error of its own
                    _interrupted()
                raise

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ChainmapError as exc:
            raise click.ClickException(str(exc)) from None
        except ImportError as exc:  # an optional dependency of this one feature is missing
            missing = MissingExtraError.from_import_error(exc)
            if missing is None:
                raise
            raise click.ClickException(str(missing)) from None
        except BrokenPipeError:  # `chainmap … | head`
            raise SystemExit(1) from None
        except KeyboardInterrupt:  # every file output is atomic (chainmap.readwrite.atomic)
            _interrupted()
        except OSError as exc:  # permission, missing folder, disk full … at a file edge
            raise click.ClickException(_os_error_line(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:  # a library error no edge turned into a message
            if os.environ.get("CHAINMAP_DEBUG"):
                raise
            raise click.ClickException(_library_error_line(exc, ctx)) from None


#: What to do about an OS error, by errno.
_OS_ADVICE = {
    errno.ENOENT: "找不到文件或目录 / no such file or folder; check the path (the folder must exist)",
    errno.EACCES: "没有权限 / permission denied; choose a folder you may write to, or fix its permissions",
    errno.EPERM: "没有权限 / operation not permitted; fix the file's permissions",
    errno.EROFS: "只读文件系统 / read-only file system; write somewhere else",
    errno.ENOSPC: "磁盘已满 / disk full; free some space and run again (previous output kept)",
    errno.EFBIG: "文件过大 / file too large (a file size limit, or a full disk); free some space "
    "or raise the limit, and run again (previous output kept)",
    errno.EDQUOT: "超出磁盘配额 / disk quota exceeded; free some space and run again",
    errno.EISDIR: "这是目录 / is a folder; give a file name",
    errno.ENOTDIR: "路径中有一部分不是目录 / part of the path is not a folder; check the path",
    errno.ENAMETOOLONG: "文件名太长 / file name too long; use a shorter path",
    errno.EMFILE: "打开的文件太多 / too many open files; raise the limit (ulimit -n)",
}


def _os_error_line(exc: OSError) -> str:
    """One line naming the file and what to do about an OS error."""
    what = _OS_ADVICE.get(exc.errno or 0) or (
        f"{exc.strerror or type(exc).__name__}"
        + (f": {str(exc).splitlines()[0]}" if not exc.strerror and str(exc) else "")
    )
    if exc.filename is None:  # (a connection, not a file: a dask scheduler out of reach)
        return what
    return f"{exc.filename}: {what}"


def _library_error_line(exc: Exception, ctx: click.Context) -> str:
    """One line for an error no input edge caught: the files involved and the error's first line."""
    files = [
        str(v)
        for v in _leaf_params(ctx, exc).values()
        if isinstance(v, Path) or (isinstance(v, str) and os.path.sep in v)
    ]
    text = (str(exc).strip().splitlines() or [""])[0][:300]
    where = f" ({', '.join(files)})" if files else ""
    return (
        f"无法处理输入{where} / cannot process the input: {type(exc).__name__}: {text}. "
        "请检查文件, 或报告此问题 / check the file, or report this (CHAINMAP_DEBUG=1 shows details)"
    )


def _leaf_params(ctx: click.Context, exc: BaseException) -> dict[str, Any]:
    """The parameters of the innermost command that was running when ``exc`` was raised."""
    leaf = ctx
    tb = exc.__traceback__
    while tb is not None:
        found = tb.tb_frame.f_locals.get("ctx")
        if isinstance(found, click.Context):
            leaf = found
        tb = tb.tb_next
    return dict(leaf.params)


class _Sigint:
    seen = False


@contextlib.contextmanager
def _sigint_noted() -> Iterator[_Sigint]:
    """Note Ctrl-C while a command runs, then raise ``KeyboardInterrupt`` as Python does.

    pandas' C CSV reader catches every exception of its read callback, Ctrl-C included,
    and raises ``ParserError: Calling read(nbytes) on source failed``: an interrupted
    export said "cannot process the input" and exited 1. With the signal noted, any error
    after it is the interruption. Only Python's own handler is replaced (the main thread).
    """
    import signal

    noted = _Sigint()

    def handler(signum: int, frame: Any) -> None:
        noted.seen = True
        raise KeyboardInterrupt

    swap = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    try:
        previous = signal.signal(signal.SIGINT, handler) if swap else None
    except ValueError:  # (not the main thread: leave it)
        previous, swap = None, False
    try:
        yield noted
    finally:
        if swap:
            signal.signal(signal.SIGINT, previous)


def _interrupted() -> None:
    """Ctrl-C: one line and exit 130 (128 + SIGINT), as shells report it.

    Every file output is atomic, so what was there before is still there; the dask
    engine has closed its workers quietly by now (``analysis.stream._client``).
    """
    click.echo("interrupted; previous output kept / 已中断, 原有输出保留", err=True)
    raise SystemExit(130)


def note(message: str) -> None:
    """Write one note line to stderr (never stdout, which carries only the result).

    Control characters from data (an ESC in a firm's name) are shown as U+FFFD.
    """
    from chainmap.model.values import visible

    click.echo(visible(message), err=True)


def emit(
    records: Sequence[Mapping[str, Any]],
    *,
    fmt: str | None,
    output: Path | None,
    columns: Sequence[str] | None = None,
    table_columns: Sequence[str] | None = None,
    headers: Mapping[str, str] | None = None,
    title: str | None = None,
    flatten: Mapping[str, Sequence[str]] | None = None,
    sheet: str = "data",
) -> None:
    """Write records in the chosen format to ``output`` or stdout."""
    from chainmap.outputs import tables

    fmt = tables.resolve_format(fmt, output)
    if fmt == "json":
        _write_text(tables.to_json(list(records)), output)
        return
    chosen = table_columns if fmt == "table" and table_columns else columns
    frame = tables.records_to_frame(records, chosen, flatten=flatten)
    if fmt == "csv":
        text = tables.to_csv(frame)
        if output is None:
            click.echo(text.removeprefix("\ufeff"), nl=False)
        else:
            atomic.write_bytes(output, text.encode("utf-8"))
    elif fmt == "xlsx":
        tables.write_xlsx({sheet: frame}, output, headers=headers, title=title or "chainmap")
    else:
        shown = frame.rename(columns=dict(headers or {}))
        _write_text(tables.render_table(shown, title=title), output)
    if output is not None:
        note(f"已写入 / wrote {output}")


def _write_text(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
    else:
        atomic.write_text(output, text)


def _pipeline_ledger_option(func: Any) -> Any:
    from chainmap.cli_ledger import pipeline_ledger_option

    return pipeline_ledger_option(func)


def _pipeline_db_option(func: Any) -> Any:
    from chainmap.cli_ledger import pipeline_db_option

    return pipeline_db_option(func)


@click.group(cls=ChainmapGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chainmap")
def cli() -> None:
    """chainmap: 产业链招商图谱 / industry-chain targeting knowledge graphs.

    CHAIN is a bundled chain name (see `chainmap chains`), several names joined
    by commas, `all`, or a path to a .ttl file.

    Example: chainmap show fluorochem --segment pvdf
    """
    _quiet_rdflib()
    _warnings_as_lines()


def _warnings_as_lines() -> None:
    """Show a warning as one line on stderr, not with a source path and a line of code."""
    import warnings

    def show(message: Any, category: type, filename: str, lineno: int, *_: Any) -> None:
        click.echo(f"警告 / warning: {message}", err=True)

    warnings.showwarning = show


def _quiet_rdflib() -> None:
    """rdflib logs a traceback for every ill-typed literal it parses ("ore"^^xsd:integer)
    and warns when one is printed; chainmap's loader reports the literals it needs itself,
    in one line, so on the command line those logs and warnings only bury that line."""
    import logging
    import warnings

    logging.getLogger("rdflib").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"rdflib(\.|$)")


# ---------------------------------------------------------------------- chains


@cli.command("chains")
@output_options()
def chains_cmd(fmt: str | None, output: Path | None) -> None:
    """列出内置产业链 / List the bundled chains with segment and link counts.

    Example: chainmap chains --format json
    """
    from chainmap.model.chain import describe_bundled_chains

    records = describe_bundled_chains()
    if fmt is None and output is None:  # terminal: the shared list would swamp the table
        records = [{**r, "shared_segments": _few(r["shared_segments"])} for r in records]
    emit(
        records,
        fmt=fmt,
        output=output,
        columns=["id", "name_zh", "name_en", "segments", "links", "shared_segments"],
        headers=_HEADERS,
        title="内置产业链 / bundled chains",
        sheet="chains",
    )


# ---------------------------------------------------------------------- show


@cli.command("show")
@chain_argument
@click.option(
    "--segment",
    "segment",
    default=None,
    help="只看该环节及其上下游 / one segment and its neighbours.",
)
@click.option(
    "--depth",
    type=click.IntRange(min=1),
    default=None,
    help="与 --segment 同用: 上下游跳数 (默认全部) / hops up and down (default: all).",
)
@output_options()
def show_cmd(
    chain: str, segment: str | None, depth: int | None, fmt: str | None, output: Path | None
) -> None:
    """按阶段显示环节 / Show a chain's segments by stage, or one segment's neighbours.

    Example: chainmap show fluorochem --segment pvdf --format json
    """
    from chainmap.model.chain import load_chain, segment_records

    loaded = load_chain(chain)
    records = segment_records(loaded, segment=segment, depth=depth)
    emit(
        records,
        fmt=fmt,
        output=output,
        columns=[
            "stage",
            "id",
            "name_zh",
            "name_en",
            "upstream",
            "downstream",
            "keywords",
            "sources",
        ],
        table_columns=["stage", "id", "name_zh", "name_en", "upstream", "downstream"],
        headers=_HEADERS,
        title=f"{loaded.name_zh} / {loaded.name_en}"
        + (f" · {loaded.segment(segment).name_zh}" if segment else ""),
        sheet="segments",
    )


# ---------------------------------------------------------------------- chain import


@cli.group("chain", cls=ChainmapGroup)
def chain_group() -> None:
    """自定义产业链 / Build your own chains from spreadsheets.

    Example: chainmap chain import segments.csv links.csv -o my.ttl
    """


@chain_group.command("import")
@click.argument("segments", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("links", type=click.Path(dir_okay=False, path_type=Path), required=False)
@output_option(required=True, help="输出 Turtle 文件 / the .ttl file to write.")
@click.option(
    "--id", "chain_id", default=None, help="产业链编号 / chain id (default: from the file name)."
)
@click.option("--name-zh", default=None, help="中文名 / Chinese name.")
@click.option("--name-en", default="", help="英文名 / English name.")
def chain_import_cmd(
    segments: Path,
    links: Path | None,
    output: Path,
    chain_id: str | None,
    name_zh: str | None,
    name_en: str,
) -> None:
    """从 CSV/XLSX 导入产业链 / Convert segment and link tables to a chain .ttl file.

    SEGMENTS and LINKS use the columns of the reference files; an XLSX may hold
    both as sheets `segments` and `links`.

    Example: chainmap chain import segments.csv links.csv -o my.ttl --name-zh 我的产业链
    """
    from chainmap.model.chain import read_chain_tables

    if output.suffix.lower() != ".ttl":  # Turtle in a .nt or .rdf file reads as broken
        raise click.UsageError(
            f"-o {output}: 产业链写为 .ttl / the chain is written as Turtle: use .ttl"
        )
    chain = read_chain_tables(segments, links, chain_id=chain_id, name_zh=name_zh, name_en=name_en)
    chain.save(output)
    note(f"已写入 / wrote {output}: {len(chain)} segments, {len(chain.link_list)} links")


# ---------------------------------------------------------------------- gaps and ranking


def load_inputs(chain: str, enterprises: Path | str | None, profile: Path | None):
    """Resolve CHAIN, the ``--enterprises`` table and the profile; report what was read on stderr.

    ``enterprises`` is a path, :data:`~chainmap.cli_options.SAMPLE` or None (no firms).
    """
    from chainmap.model.chain import load_chain
    from chainmap.model.profile import load_profile

    loaded = load_chain(chain)
    prof = load_profile(profile)
    if enterprises is None:
        import pandas as pd

        table = pd.DataFrame({"name": pd.Series(dtype=object)})
    elif enterprises == SAMPLE:
        table = _sample(loaded)
        note(
            f"企业 / enterprises: 内置样本 bundled sample, {len(table)} rows (--enterprises FILE to use yours)"
        )
    elif (table := _read_canonical(enterprises)) is not None:
        note(f"企业 / enterprises: {enterprises}: canonical table, {len(table)} rows")
    else:
        from chainmap.model.enterprises import read_enterprises

        table, report = read_enterprises(enterprises)
        c = report.counts()
        note(
            f"企业 / enterprises: {enterprises}: read {c['read']}, kept {c['kept']}, "
            f"rejected {c['rejected']}, warnings {c['warnings']}"
        )
        note_rows(report, enterprises)
    return loaded, table, prof


#: Row problems of an ``--enterprises`` file shown on stderr; the rest are counted.
ROWS_SHOWN = 5


def note_rows(report: Any, path: Path | str) -> None:
    """The first :data:`ROWS_SHOWN` rejected or warned rows of a file read for a command,
    one line each (``file:row: column: code: message``), then how many more and where
    every one is listed: the counts alone did not say which rows to fix."""
    from chainmap.model.report import RowAccount  # (its order of the items, and their cut)

    name = str(path)  # (as the user gave it, not the report's source)
    first = [(name, item) for _source, item in RowAccount.of(report).first]
    _note_items(first, len(report.items), name)


def _note_items(first: Sequence[tuple[str, Any]], total: int, name: str) -> None:
    """:func:`note_rows` of the ``first`` of ``total`` report items, each ``(file, item)``,
    of the input ``name`` (a file, or a folder whose files ``chainmap import`` reads one
    by one)."""
    for file, item in first:
        where = f"{file}:{item.row}" if item.row is not None else file
        what = "拒绝 rejected" if item.severity == "rejected" else "警告 warning"
        note(f"  {where}: {item.column or '-'}: {what} {item.code}: {item.message}")
    if total > len(first):
        which = f"{name}/FILE" if Path(name).is_dir() else name
        note(
            f"  … 另有 {total - len(first)} 条 / {total - len(first)} more: "
            f"chainmap import {which} -o OUT.parquet --report REPORT.csv lists every row"
        )


@contextlib.contextmanager
def streamed_rows(engine: str, enterprises: Any) -> Iterator[None]:
    """Around a library call with ``engine``: for ``stream``/``dask``, what the call read
    of ``enterprises`` (the counts and first problems :func:`load_inputs` shows for
    ``memory``; the engines' frames carry no import report), once the call returns."""
    if engine == "memory":
        yield
        return
    from chainmap.analysis.stream import accounting

    with accounting() as accounts:
        yield
    if not accounts:
        return
    account = functools.reduce(operator.add, accounts)
    if account.canonical:
        note(f"企业 / enterprises: {enterprises}: canonical table, {account.read} rows")
        return
    c = account.counts()
    note(
        f"企业 / enterprises: {enterprises}: read {c['read']}, kept {c['kept']}, "
        f"rejected {c['rejected']}, warnings {c['warnings']}"
    )
    _note_items(account.first, account.items, str(enterprises))


def _few(items: Sequence[str], limit: int = 4) -> str:
    """``n: a, b, c, d …`` for a terminal cell."""
    head = ", ".join(items[:limit])
    return f"{len(items)}: {head}" + (" …" if len(items) > limit else "") if items else "0"


def load_signals_option(spec: str | None):
    """The ``signals=`` argument of the library calls for a ``--signals`` value."""
    if spec is None:
        return None
    if spec.strip().lower() == "none":
        return False
    from chainmap.model.signals import load_signals

    return load_signals(Path(spec))


def note_targeting(attrs: Mapping[str, Any]) -> None:
    """What admissibility removed before scoring (stderr, one line each)."""
    if attrs.get("gated_segments"):
        note(
            f"政策限制 / policy gates: {attrs['gated_segments']} 个环节不作为目标 segments barred, "
            f"{attrs.get('gated_firms', 0)} 家企业因此无可招引环节 firms left without a gap"
        )
    if attrs.get("exited_excluded"):
        note(
            f"已退出/正在退出 / exited or exiting, not targets: {attrs['exited_excluded']} "
            f"({', '.join(attrs.get('exited_names', [])[:6])})"
        )
    if attrs.get("risk_excluded"):
        note(
            f"严重违法失信/失信被执行人 / serious risk flags, not targets: {attrs['risk_excluded']}"
        )
    if attrs.get("same_city_excluded"):
        note(f"同城企业按配置排除 / same-city firms excluded: {attrs['same_city_excluded']}")
    if attrs.get("group_duplicates"):
        note(
            f"同一集团只列一次 / one target per group: {attrs['group_duplicates']} "
            "further sites listed under `sites`"
        )
    if attrs.get("missing_everywhere"):
        note(
            "所有企业均缺少 / missing for every firm (scored at the bottom of its scale): "
            + "、".join(attrs["missing_everywhere"])
        )


def note_stability(ranking: Any, profile: Mapping[str, Any]) -> None:
    """Say why the stability column is empty, when the ranking is too short to test it."""
    st = profile.get("stability", {})
    if not len(ranking) or not int(st.get("n", 0)) or "stability" not in ranking:
        return
    if ranking["stability"].isna().all():
        note(
            f"稳定性未计算: 排名目标少于 {int(st['top_k'])} 家 / stability not computed: fewer "
            f"ranked targets than the profile's [stability] top_k = {int(st['top_k'])}, so "
            "staying in the top k says nothing (lower top_k to test a shorter list)"
        )


def note_home(attrs: Mapping[str, Any]) -> None:
    """Say which home was used and how to change it (stderr)."""
    note(
        f"本地 / home: {attrs['home_name']} ({attrs['home']}), 比较级别 level {attrs['level']} "
        "— 用 --home 或配置文件 [home] region 修改 / change with --home or the profile's [home] region"
    )


@cli.command("gaps")
@chain_argument
@home_option
@click.option(
    "--level",
    type=click.Choice(["county", "city", "province"]),
    default=None,
    help="比较级别 / compare at this level (default: the home's own level).",
)
@enterprises_option(default=SAMPLE)
@profile_option
@output_options()
def gaps_cmd(
    chain: str,
    home: str | None,
    level: str | None,
    enterprises: Path | str | None,
    profile: Path | None,
    fmt: str | None,
    output: Path | None,
) -> None:
    """环节强弱与补链/强链/延链 / Segment status and strategy for the home region.

    Example: chainmap gaps fluorochem --home 武义县
    """
    from chainmap.analysis.gaps import gap_records, segment_status

    loaded, table, prof = load_inputs(chain, enterprises, profile)
    status = segment_status(loaded, table, home=home, profile=prof, level=level)
    note_home(status.attrs)
    if status.attrs["inactive_excluded"]:
        note(
            f"已排除注销/吊销企业 / excluded deregistered firms: {status.attrs['inactive_excluded']}"
        )
    gated = status[status["gated"].astype(bool)]
    if len(gated):
        note(
            f"政策限制 / policy gates: {len(gated)} 个环节不作为招商目标 segments barred: "
            + "、".join(gated["name_zh"].tolist())
        )
    for name, warning in status.loc[
        status["policy_warning"].astype(str) != "", ["name_zh", "policy_warning"]
    ].itertuples(index=False):
        note(f"{name}: {warning}")
    if not status["count_home"].astype(int).any():
        note(
            "本地在该链尚无企业, 按建链分析链首环节 / the home holds nothing in this chain: "
            "entry segments are labelled 建链 (docs/methods.md)"
        )
    records = gap_records(status)
    if fmt is None and output is None:  # terminal: Chinese labels, anchors summarised
        records = [_gap_row_for_terminal(r) for r in records]
    emit(
        records,
        fmt=fmt,
        output=output,
        table_columns=[
            "stage",
            "name_zh",
            "status",
            "strategy",
            "count_home",
            "lq",
            "feasibility",
            "anchors",
        ],
        headers={
            **_HEADERS,
            "stage": "阶段",
            "name_zh": "环节",
            "status": "现状",
            "strategy": "策略",
            "count_home": "本地",
            "lq": "区位商",
            "feasibility": "可行性",
            "anchors": "本地企业",
        },
        title=f"{loaded.name_zh} · {status.attrs['home_name']}",
        sheet="gaps",
    )


def _gap_row_for_terminal(record: Mapping[str, Any]) -> dict[str, Any]:
    from chainmap.model.vocab import STAGE_LABELS, STATUS_LABELS

    anchors = record["anchors"]
    return {
        **record,
        "stage": STAGE_LABELS[record["stage"]][0],
        "status": STATUS_LABELS[record["status"]],
        "anchors": anchors[0] + (f" 等{len(anchors)}家" if len(anchors) > 1 else "")
        if anchors
        else "",
    }


@cli.command("rank")
@chain_argument
@home_option
@enterprises_option(default=SAMPLE)
@click.option(
    "--top", type=click.IntRange(min=1), default=None, help="只列前N家 / show the first N targets."
)
@click.option(
    "--segment", "segments", multiple=True, help="只看该环节 / only this gap segment (repeatable)."
)
@click.option(
    "--zone", default=None, help="只看该经济区内企业 / only targets in this zone, e.g. 长三角."
)
@profile_option
@signals_option
@engine_options
@_pipeline_ledger_option
@_pipeline_db_option
@output_options()
def rank_cmd(
    chain: str,
    home: str | None,
    enterprises: Path | str | None,
    top: int | None,
    segments: tuple[str, ...],
    zone: str | None,
    profile: Path | None,
    signals: str | None,
    engine: str,
    scheduler: str | None,
    ledger: Path | None,
    db: Path | None,
    fmt: str | None,
    output: Path | None,
) -> None:
    """招商目标企业排序 / Rank outside enterprises by how well they fill the home's gaps.

    Example: chainmap rank fluorochem --top 10
    """
    from chainmap.analysis.scoring import (
        flat_rank_columns,
        flat_rank_records,
        rank_enterprises,
        rank_records,
    )
    from chainmap.cli_ledger import mark_targets, with_pipeline
    from chainmap.model.vocab import CRITERIA
    from chainmap.outputs.tables import resolve_format

    check_scheduler(engine, scheduler)
    loaded, source, prof, engine = engine_inputs(chain, enterprises, profile, engine)
    # The terminal shows the first TERMINAL_TOP; a file (csv, xlsx, json) every target.
    terminal = resolve_format(fmt, output) == "table"
    with streamed_rows(engine, enterprises):
        ranking = rank_enterprises(
            loaded,
            source,
            home=home,
            profile=prof,
            segments=list(segments) or None,
            zone=zone,
            top=TERMINAL_TOP if top is None and terminal else top,
            engine=engine,
            scheduler=scheduler,
            signals=load_signals_option(signals),
        )
    ranking = mark_targets(ranking, ledger=ledger, db=db, profile=profile, chain=chain)
    a = ranking.attrs
    note_home(a)
    shown = (
        f"{len(ranking)} of {a['candidates']}"
        if len(ranking) >= a.get("targets", len(ranking))
        else f"{len(ranking)} shown of {a['targets']} (候选场址 candidate sites {a['candidates']})"
    )
    note(
        f"目标 / targets: {shown}; 本地企业作为锚点未列入 / home firms kept as anchors: "
        f"{a['home_anchors_excluded']}; 注销/吊销排除 / deregistered excluded: {a['inactive_excluded']}"
    )
    if top is None and terminal and a["targets"] > len(ranking):
        note(
            f"终端只列前 {TERMINAL_TOP} 家 / the terminal lists the first {TERMINAL_TOP} of "
            f"{a['targets']:,} targets: --top N for more, or -o ranking.csv (.xlsx, .json) for all"
        )
    note_targeting(a)
    note_stability(ranking, prof)
    if not len(ranking):
        note(
            "没有目标企业: 数据中没有企业持有本地可招引的环节(见 `chainmap gaps` 的理由) / no target: "
            "no firm in the data holds a segment the home can target; `chainmap gaps` says why "
            "for each segment"
        )
    if terminal:
        _write_text(
            render_ranking(
                ranking, title=f"{loaded.name_zh} · 招商目标 / targets for {a['home_name']}"
            ),
            output,
        )
        return
    records = with_pipeline(rank_records(ranking), ranking)
    emit(
        records if resolve_format(fmt, output) == "json" else flat_rank_records(records),
        fmt=fmt,
        output=output,
        columns=[*flat_rank_columns(), *(["pipeline"] if "pipeline" in ranking else [])],
        headers=_HEADERS,
        flatten={"contributions": list(CRITERIA)},
        sheet="rank",
    )


def render_ranking(ranking, *, title: str) -> str:
    """The ranking for a 100-column terminal: a compact table, then each row's reasons."""
    from chainmap.model.values import visible
    from chainmap.outputs.tables import records_to_frame, render_table

    frame = records_to_frame(
        ranking, ["rank", "name", "region", "segment_name", "strategy", "score", "stability"]
    ).rename(columns={**_HEADERS, "segment_name": "环节 segment"})
    lines = [render_table(frame, title=title), "理由 / reasons:"]
    shown = zip(ranking["rank"], ranking["name"], ranking["reasons"], strict=True)
    lines += [f"{rank:>3}. {visible(f'{name}: {reasons}')}" for rank, name, reasons in shown]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- plan


def plan_options(func: Callable) -> Callable:
    """``--fields``, ``--per-field`` and ``--region-level``: the plan's size (plan, brief)."""
    func = click.option(
        "--region-level",
        type=click.Choice(["province", "city", "county"]),
        default="city",
        show_default=True,
        help="重点区域级别 / level of key regions.",
    )(func)
    func = click.option(
        "--per-field",
        type=click.IntRange(min=1),
        default=5,
        show_default=True,
        help="每个领域的重点企业数 / key enterprises per field.",
    )(func)
    return click.option(
        "--fields",
        type=click.IntRange(min=1),
        default=5,
        show_default=True,
        help="重点领域数 / number of key fields.",
    )(func)


@cli.command("plan")
@chain_argument
@home_option
@enterprises_option(default=SAMPLE)
@profile_option
@plan_options
@output_options(
    ("markdown", "json", "html", "xlsx", "docx"),
    help="输出文件 / plan.md, plan.html, plan.xlsx, plan.docx or plan.json "
    "(with --one-page: brief.docx, brief.html or brief.pdf).",
)
@click.option(
    "--leads",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="把重点企业写成台账新行(盯引) / also write the key enterprises as new ledger rows "
    "at stage 盯引 (.xlsx or .csv), ready for `chainmap kpi`.",
)
@click.option(
    "--tracked-on",
    default=None,
    help="与 --leads 同用: 盯引日期 / the 盯引 date for --leads rows (default: left empty).",
)
@click.option(
    "--one-page",
    is_flag=True,
    help="领导一页简报 / the leaders' one-pager: -o brief.docx, brief.html or brief.pdf.",
)
@click.option(
    "--date",
    "issue_date",
    default=None,
    metavar="YYYY-MM-DD",
    help="印发日期 / the issuing date printed on DOCX/HTML (default: the data's own date).",
)
@click.option(
    "--compare",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="OLD_PLAN.json",
    help="与上次方案比较 / add what changed since an earlier plan (its JSON output).",
)
@signals_option
@engine_options
@_pipeline_ledger_option
@_pipeline_db_option
def plan_cmd(
    chain: str,
    home: str | None,
    enterprises: Path | str | None,
    profile: Path | None,
    signals: str | None,
    fields: int,
    per_field: int,
    region_level: str,
    fmt: str | None,
    output: Path | None,
    leads: Path | None,
    tracked_on: str | None,
    one_page: bool,
    issue_date: str | None,
    compare: Path | None,
    engine: str,
    scheduler: str | None,
    ledger: Path | None,
    db: Path | None,
) -> None:
    """招商目标方案 (重点领域+重点区域+重点企业) / The targeting plan: key fields, regions, enterprises.

    Example: chainmap plan fluorochem -o plan.xlsx
    """
    from chainmap.outputs import report
    from chainmap.outputs.tables import resolve_format, to_json

    check_scheduler(engine, scheduler)
    if tracked_on is not None and leads is None:
        raise click.UsageError(
            "--tracked-on 与 --leads 同用 / --tracked-on dates the rows --leads writes; add "
            "--leads LEADS.xlsx, or leave --tracked-on out"
        )
    if one_page and (output is None or output.suffix.lower() not in (".docx", ".html", ".pdf")):
        raise click.UsageError("--one-page 需要 -o brief.docx|brief.html|brief.pdf")
    if not one_page:
        fmt = resolve_format(fmt, output, ("markdown", "json", "html", "xlsx", "docx"))
        if fmt == "docx" and output is None:
            raise click.UsageError("docx 需要 -o 输出文件 / docx needs -o/--output FILE.docx")
    if leads is not None:  # before any work: never the office's own ledger
        from chainmap.outputs.kpi_report import check_leads_target

        check_leads_target(leads)
    loaded, source, prof, engine = engine_inputs(chain, enterprises, profile, engine)
    plan = _plan_for(
        loaded,
        source,
        home=home,
        profile=prof,
        enterprises=enterprises,
        signals=signals,
        engine=engine,
        scheduler=scheduler,
        issue_date=issue_date,
        compare=compare,
        fields=fields,
        per_field=per_field,
        region_level=region_level,
    )
    from chainmap.cli_ledger import mark_targets

    plan.key_enterprises = mark_targets(
        plan.key_enterprises, ledger=ledger, db=db, profile=profile, chain=chain
    )
    for line in plan.notes:
        note(line)
    if one_page:
        note(f"已写入一页简报 / wrote {report.write_one_page(plan, output)}")
        return
    if leads is not None:
        from chainmap.outputs.kpi_report import write_leads

        write_leads(plan, leads, tracked_on=tracked_on)
        note(f"已写入台账线索 / wrote {len(plan.key_enterprises)} ledger leads to {leads}")
    if output is None:
        render = {
            "json": lambda p: to_json(p.to_dict()),
            "markdown": report.plan_to_markdown,
            "html": report.plan_to_html,
        }
        click.echo(render[fmt](plan), nl=False)
        return
    report.write_plan(plan, output, fmt=fmt)
    note(f"已写入 / wrote {output}")


def _plan_for(
    loaded: Any,
    source: Any,
    *,
    home: str | None,
    profile: Any,
    enterprises: Path | str | None,
    signals: str | None,
    engine: str = "memory",
    scheduler: str | None = None,
    issue_date: str | None = None,
    compare: Path | None = None,
    **options: Any,
):
    """Build the plan the ``plan`` and ``brief`` commands render, with its notes on stderr."""
    from chainmap.analysis.plan import build_plan, compare_plans

    previous = _read_plan_json(compare) if compare is not None else None
    issue_date = _checked_date(issue_date) if issue_date is not None else None
    with streamed_rows(engine, enterprises):
        plan = build_plan(
            loaded,
            source,
            home=home,
            profile=profile,
            sources=_plan_sources(enterprises),
            signals=load_signals_option(signals),
            engine=engine,
            scheduler=scheduler,
            **options,
        )
    if not isinstance(enterprises, Path):  # the bundled sample is not a county's register
        plan.notes.insert(0, SAMPLE_NOTE.format(n=plan.params["counts"]["input"]))
        plan.params["sample"] = True
    if issue_date is not None:
        plan.params["date"] = issue_date
    if previous is not None:
        plan.changes = compare_plans(previous, plan)
    note_home(plan.params)
    return plan


#: The first note of a plan made from the bundled sample: its "missing" and "weak" are the
#: sample's (listed and leading firms), not the county's (武义's fluorspar mines are not in it).
SAMPLE_NOTE = (
    "企业名单为内置样本({n}家, 以上市公司和行业重点企业为主), 不是本地企业全量名录: "
    '"缺失""薄弱"指样本中的情况, 用于决策前请以本地企业名录核实'
    " / the firms are the bundled sample ({n}, mostly listed and leading firms), not a local "
    'register: "missing" and "weak" describe the sample; check them against the local '
    "register before deciding"
)


def _plan_sources(enterprises: Path | str | None) -> list[str]:
    """The plan's data sources by title: a user file by its name only, never its path."""
    if isinstance(enterprises, Path):
        return [f"用户提供的企业名单 / user enterprise list: {enterprises.name}"]
    return [
        "chainmap 内置样本企业名单, 每行注明公开来源网址 / bundled sample, a source URL per row"
    ]


@cli.command("brief")
@chain_argument
@output_option(
    required=True,
    folder=True,
    help="简报包文件夹 / the folder to write (replaced only if it is an earlier pack).",
)
@home_option
@enterprises_option(default=SAMPLE)
@profile_option
@signals_option
@plan_options
@click.option(
    "--date", "issue_date", default=None, metavar="YYYY-MM-DD", help="印发日期 / issuing date."
)
def brief_cmd(
    chain: str,
    output: Path,
    home: str | None,
    enterprises: Path | str | None,
    profile: Path | None,
    signals: str | None,
    fields: int,
    per_field: int,
    region_level: str,
    issue_date: str | None,
) -> None:
    """招商简报包 (图谱+方案+一页简报) / The briefing pack: map, poster, plan, one-pager, manifest.

    Example: chainmap brief fluorochem -o 武义氟化工简报
    """
    from importlib.metadata import version

    from chainmap.outputs import brief, report
    from chainmap.outputs.tables import to_json

    loaded, table, prof = load_inputs(chain, enterprises, profile)
    sig = load_signals_option(signals)
    plan = _plan_for(
        loaded,
        table,
        home=home,
        profile=prof,
        enterprises=enterprises,
        signals=signals,
        issue_date=issue_date,
        fields=fields,
        per_field=per_field,
        region_level=region_level,
    )
    maps = _brief_maps(loaded, table, prof, sig, plan)
    p = plan.params
    files = [
        *maps,
        ("plan.docx", lambda path: report.write_plan_docx(plan, path)),
        ("plan.xlsx", lambda path: report.write_plan_xlsx(plan, path)),
        ("plan.json", lambda path: path.write_text(to_json(plan.to_dict()), encoding="utf-8")),
        ("brief.docx", lambda path: report.write_one_page(plan, path)),
        ("brief.html", lambda path: report.write_one_page(plan, path)),
        ("brief.pdf", _pdf_or_skip(lambda path: report.write_one_page(plan, path))),
    ]
    manifest = {
        "chainmap": version("chainmap"),
        "chain": p["chain"],
        "home": p["home"],
        "home_name": p["home_name"],
        "data_year": p["data_year"],
        "data_date": p.get("signals_date"),
        "date": p.get("date"),
        "parameters": {
            "fields": fields,
            "per_field": per_field,
            "region_level": region_level,
            "enterprises": enterprises.name if isinstance(enterprises, Path) else "bundled",
            "profile": profile.name if profile else "default",
            "signals": Path(signals).name if signals else "bundled",
            "weights": p["weights"],
            "policy_exclude": p["policy_exclude"],
        },
    }
    out = brief.write_pack(
        output, files, manifest, on_skip=lambda name, why: note(f"跳过 / skipped {name}: {why}")
    )
    note(f"已写入简报包 / wrote the briefing pack {out}")


def _pdf_or_skip(write: Callable[[Path], Any]) -> Callable[[Path], Any]:
    """A pack writer for a PDF that is skipped, not failed, where no renderer is installed."""
    from chainmap.outputs.brief import SkipFile
    from chainmap.outputs.printing import find_chromium

    def writer(path: Path) -> Any:
        if find_chromium() is None:
            raise SkipFile("no Chromium to print PDF (apt-get install chromium)")
        return write(path)

    return writer


def _brief_maps(loaded, table, prof, signals, plan):
    """The pack's map writers: the interactive map, and the static poster when present."""
    import importlib.util

    from chainmap.analysis.scoring import rank_enterprises
    from chainmap.outputs.brief import SkipFile
    from chainmap.outputs.maps import build_map, write_map

    ranking = rank_enterprises(
        loaded,
        table,
        home=plan.params["home"],
        profile=prof,
        status=plan.status,
        with_stability=False,
        signals=signals,
    )
    overlay = {"enterprises": table, "home": plan.params["home"], "status": plan.status}
    net = build_map(loaded, **overlay, ranking=ranking)

    drawn: list[Any] = []

    def poster(path: Path) -> Any:
        # The static poster (issue 18 §2) is chainmap.outputs.poster from the mapviz
        # branch (build_poster + write_poster as of its commit 27ecb71); until it is
        # merged the pack lists the poster as skipped instead of failing.
        if importlib.util.find_spec("chainmap.outputs.poster") is None:
            raise SkipFile("chainmap.outputs.poster is not installed in this build")
        from chainmap.outputs import poster as module

        if not drawn:  # built once for the SVG and the PDF
            drawn.append(
                module.build_poster(
                    loaded, **overlay, ranking=ranking, data_date=plan.params.get("signals_date")
                )
            )
        return module.write_poster(drawn[0], path)

    return [
        ("map.html", lambda path: write_map(net, path)),
        ("map.svg", poster),
        ("map.pdf", _pdf_or_skip(poster)),
    ]


def _checked_date(text: str) -> str:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise click.BadParameter(f"{text!r}: use YYYY-MM-DD", param_hint="--date") from None


def _read_plan_json(path: Path) -> dict[str, Any]:
    import json

    from chainmap.errors import InputError

    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError("找不到文件 / file not found", file=str(path)) from None
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise InputError(
            f"不是方案 JSON / not a plan JSON: {why}",
            file=str(path),
            hint="pass the output of `chainmap plan CHAIN -o plan.json`",
        ) from None
    if not isinstance(data, dict) or "key_fields" not in data or "key_enterprises" not in data:
        raise InputError(
            "不是方案 JSON, 缺少 key_fields/key_enterprises / not a plan JSON",
            file=str(path),
            hint="pass the output of `chainmap plan CHAIN -o plan.json`",
        )
    problem = _plan_json_problem(data)
    if problem:
        raise InputError(
            f"方案 JSON 结构不对 / not a plan JSON as chainmap writes it: {problem}",
            file=str(path),
            hint="pass the output of `chainmap plan CHAIN -o plan.json`, unedited",
        )
    return data


def _plan_json_problem(data: dict[str, Any]) -> str | None:
    """What in a plan JSON is not of the shape ``compare_plans`` reads, or None."""
    import math

    if not isinstance(data.get("params", {}), dict):
        return "params must be an object"
    for key, ident in (("key_fields", "id"), ("key_enterprises", "enterprise_id")):
        items = data[key]
        if not isinstance(items, list):
            return f"{key} must be a list"
        for i, item in enumerate(items):
            if not (
                isinstance(item, dict)
                and ident in item
                and (item[ident] is None or isinstance(item[ident], (str, int)))
            ):
                return f"{key}[{i}] must be an object with {ident}"
            score = item.get("score", 0.0)
            if isinstance(score, bool) or not isinstance(score, (int, float)):
                return f"{key}[{i}].score must be a number"
            if not math.isfinite(score):
                return f"{key}[{i}].score must be finite"
    return None


# ---------------------------------------------------------------------- import


@cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@output_option(
    required=True,
    help="输出文件 / write the canonical table here (.parquet, .csv or .xlsx).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="导入报告 / write the row-by-row import report (.csv or .xlsx).",
)
@click.option("--strict", is_flag=True, help="拒绝无效信用代码 / reject rows with an invalid USCC.")
@click.option(
    "--mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help='表头映射 / TOML with [columns] "原表头" = "canonical_column".',
)
def import_cmd(
    file: Path, output: Path, report_path: Path | None, strict: bool, mapping: Path | None
) -> None:
    """导入企业名单 / Import an enterprise list (CSV/XLSX/Parquet) into the canonical table.

    Example: chainmap import firms.csv -o firms.parquet --report report.csv
    """
    from chainmap.outputs.enterprises import import_enterprises, write_import_report

    atomic.check_writable(output, report_path)  # both outputs or neither
    report = import_enterprises(file, output, mapping=mapping, strict=strict)
    if report_path is not None:
        write_import_report(report, report_path)
    note(report.summary())
    note(f"已写入 / wrote {output}" + (f", {report_path}" if report_path else ""))


# ---------------------------------------------------------------------- kpi


@cli.command("kpi")
@click.argument("ledger", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="台账历史库 / read the snapshot as of --as-of (or the period end) from this store.",
)
@click.option(
    "--targets",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="类别与目标 TOML / classes and targets file (without it: actuals only).",
)
@click.option("--period", required=True, help="期间 / 2024, 2024H1, 2024Q3 or 2024-01..2024-06.")
@click.option("--cohort", default=None, help="落地批次年份 / landing years, e.g. 2022-2023.")
@click.option(
    "--by",
    type=click.Choice(["chain", "segment", "platform", "owner"]),
    default=None,
    help="分组 / break down by chain, segment, platform or owner (each unit against its targets).",
)
@click.option(
    "--investment",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="实物量投资表 / physical investment file (project_id, month, amount).",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="截止日: 漏斗、超期, 且不计其后的日期 / as of this day (funnel, overdue; no KPI counts "
    "a later date); default: period end.",
)
@output_options()
def kpi_cmd(
    ledger: Path | None,
    db: Path | None,
    targets: Path | None,
    period: str,
    cohort: str | None,
    by: str | None,
    investment: Path | None,
    as_of: str | None,
    fmt: str | None,
    output: Path | None,
) -> None:
    """项目台账考核指标 / Project KPIs, funnel and overdue lists from a ledger.

    Example: chainmap kpi ledger.xlsx --targets targets.toml --period 2024H1
    """
    from chainmap.cli_ledger import kpi_caption, kpi_inputs
    from chainmap.outputs import kpi_report as out
    from chainmap.outputs.tables import resolve_format

    data, result, office = kpi_inputs(ledger, db, investment, targets, period, cohort, by, as_of)
    late = [r["list"] for r in result["overdue"]]
    note(
        f"超期 overdue: 签约未落地 signed_not_landed {late.count('signed_not_landed')}, "
        f"落地未开工 landed_not_started {late.count('landed_not_started')} (-o report.xlsx)"
    )
    fmt = resolve_format(fmt, output)
    if fmt == "xlsx":
        from chainmap.cli_ledger import unit_names

        written = out.write_kpi_workbook(
            result,
            output,
            reports=data.reports,
            office=office,
            units=unit_names(targets),
            caption=kpi_caption(period, cohort, result, data, terminal=False),
            by=by,
        )
        note(f"已写入 / wrote {written}")
    elif fmt == "table":
        title = kpi_caption(period, cohort, result, data, terminal=True)
        _write_text(out.render_kpi_table(result["kpi"], title=title, by=by), output)
    else:
        emit(result["kpi"], fmt=fmt, output=output)


def _read_ledger_noted(ledger: Path, investment: Path | None) -> tuple:
    """Read a ledger and write its import summary and first problems to stderr."""
    from chainmap.model.ledger import read_ledger

    projects, physical, report = read_ledger(ledger, investment=investment)
    for line in report.summary().splitlines():
        note(line)
    for name, rep in (("", report), ("实物量投资 ", report.investment)):
        for item in rep.items[:10]:
            note(f"  {name}row {item.row} {item.column}: {item.severity}: {item.message}")
        if len(rep.items) > 10:
            note(f"  … {len(rep.items) - 10} more; see the import report (-o report.xlsx)")
    return projects, physical, report


# ---------------------------------------------------------------------- map


@cli.command("map")
@chain_argument
@output_option(
    default=Path("map.html"),
    help="输出文件: .html 交互图, .svg/.png/.pdf 静态图谱 / .html (interactive) or .svg/.png/.pdf "
    "(poster).",
)
@home_option
@enterprises_option(default=SAMPLE)
@profile_option
@click.option(
    "--top-per-segment",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="每环节显示的目标企业数 / target enterprises shown per segment.",
)
@click.option("--segment", default=None, help="只画该环节附近 / only around this segment.")
@click.option(
    "--depth",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="与 --segment 同用: 上下游跳数 / hops up and down from --segment.",
)
@click.option("--physics/--no-physics", default=False, help="力导向布局 / let nodes move.")
@click.option(
    "--ledger",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="项目台账 / mark segments with projects in the pipeline (a `chainmap kpi` ledger).",
)
@_pipeline_db_option
@signals_option
@click.option(
    "--hide-stage",
    "hide_stages",
    multiple=True,
    metavar="STAGE",
    help="不画该阶段 (可重复) / leave out a stage, e.g. application (repeatable).",
)
@click.option("--title", default=None, help="标题 / title (default: chain, home and focus).")
def map_cmd(
    chain: str,
    output: Path,
    home: str | None,
    enterprises: Path | str | None,
    profile: Path | None,
    signals: str | None,
    top_per_segment: int,
    segment: str | None,
    depth: int,
    physics: bool,
    ledger: Path | None,
    db: Path | None,
    hide_stages: tuple[str, ...],
    title: str | None,
) -> None:
    """生成产业链招商图谱 (离线 HTML 或 SVG/PNG/PDF) / Write the chain map: HTML or a poster.

    `-o map.html` writes the interactive map; `-o map.svg|png|pdf` the static
    poster (PNG and PDF need Chromium and a Chinese font).

    Example: chainmap map fluorochem -o map.html --top-per-segment 3
    """
    from chainmap.analysis.gaps import segment_status
    from chainmap.analysis.holdings import prepare_holdings
    from chainmap.analysis.scoring import rank_enterprises
    from chainmap.model.home import resolve_home
    from chainmap.model.profile import min_confidence
    from chainmap.outputs.maps import build_map, write_map

    if output.suffix.lower() not in (".html", ".htm", ".svg", ".png", ".pdf"):
        raise click.UsageError(
            f"-o {output}: 图谱写为 .html (交互) 或 .svg/.png/.pdf (海报) / the map is written "
            "as .html (interactive) or .svg, .png or .pdf (poster); choose one of these suffixes"
        )
    loaded, table, prof = load_inputs(chain, enterprises, profile)
    # Read (and note) the ledger once: it marks the targets and the segments' projects.
    in_ledger = _read_ledger_noted(ledger, None)[0] if ledger is not None else None
    drawn = loaded.neighbourhood(segment, depth) if segment is not None else loaded
    if hide_stages:
        from chainmap.model.vocab import STAGES

        unknown = sorted(set(hide_stages) - set(STAGES))
        if unknown:
            raise click.BadParameter(
                f"{', '.join(unknown)}: 可选 / choose from {', '.join(STAGES)}",
                param_hint="--hide-stage",
            )
        kept = [s.id for s in drawn.segments_by_id.values() if s.stage not in hide_stages]
        if not kept:
            raise click.BadParameter(
                "每个环节都被隐藏, 无图可画 / every segment of the map is hidden: nothing to "
                "draw; hide fewer stages",
                param_hint="--hide-stage",
            )
        drawn = drawn.subchain(kept)
    overlay: dict[str, Any] = {}
    if len(table):
        where, held = (
            resolve_home(home, prof),
            prepare_holdings(loaded, table, min_confidence=min_confidence(prof)),
        )
        status = segment_status(loaded, held, home=where, profile=prof)
        note_home(status.attrs)
        # The map shows no stability share, so skip its resampling.
        ranking = rank_enterprises(
            loaded,
            held,
            home=where,
            profile=prof,
            status=status,
            with_stability=False,
            signals=load_signals_option(signals),
        )
        from chainmap.cli_ledger import mark_targets

        ranking = mark_targets(
            ranking, ledger=ledger, db=db, profile=profile, chain=chain, projects=in_ledger
        )
        overlay = {"enterprises": table, "home": where, "status": status, "ranking": ranking}
    else:
        note("无企业叠加 / no enterprises for this chain: plain map")
    if in_ledger is not None:
        from chainmap.analysis.kpi import active_projects, classify_projects

        overlay["projects"] = active_projects(classify_projects(in_ledger), loaded.members)
        note(f"在谈/在建项目所在环节 / segments with active projects: {len(overlay['projects'])}")
    focus = loaded.resolve(segment) if segment is not None else None
    if output.suffix.lower() in (".svg", ".png", ".pdf"):
        from chainmap.outputs.poster import build_poster, write_poster

        overlay.pop("projects", None)
        source = (
            "企业: 内置样本 bundled sample"
            if enterprises is None or enterprises == SAMPLE
            else f"企业: {Path(enterprises).name}"
        )
        poster = build_poster(
            drawn, **overlay, title=title, focus=focus, source=f"来源 source: chainmap · {source}"
        )
        for line in poster.notes:
            note(line)
        note(f"已写入 / wrote {write_poster(poster, output)}")
        return
    net = build_map(
        drawn,
        **overlay,
        top_per_segment=top_per_segment,
        physics=physics,
        title=title,
        focus=focus,
    )
    for line in net.chainmap["notes"]:
        note(line)
    note(f"已写入 / wrote {write_map(net, output)}")


# ---------------------------------------------------------------------- classify


@cli.command("classify")
@chain_argument
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--text-column",
    required=True,
    help="经营范围所在列 / the column holding the business scope (经营范围).",
)
@engine_options
@output_options()
def classify_cmd(
    chain: str,
    file: Path,
    text_column: str,
    engine: str,
    scheduler: str | None,
    fmt: str | None,
    output: Path | None,
) -> None:
    """经营范围分类到产业链环节 / Classify business scopes into chain segments.

    Adds `segments`, `evidence`, `segments_source`, `segments_confidence` and
    `trade_segments` to every input row (`--engine stream`: all but `evidence`); tags
    in a `segments` or `环节` column win over classification.

    Example: chainmap classify fluorochem firms.xlsx --text-column 经营范围 --format json
    """
    from chainmap.analysis.classify import classification_records
    from chainmap.model.chain import load_chain
    from chainmap.outputs.tables import resolve_format
    from chainmap.readwrite.reader import read_table

    check_scheduler(engine, scheduler)
    if classify_streamed(chain, file, text_column, output, engine, scheduler):
        return
    loaded = load_chain(chain)
    fmt = resolve_format(fmt, output)
    records, columns = classification_records(
        loaded, read_table(file), text_column=text_column, file=str(file)
    )
    found = sum(1 for rec in records if rec["segments"])
    if fmt != "json":  # one cell per row: ids joined by ";", empty cells empty
        for rec in records:
            rec.update({k: "" for k, v in rec.items() if v is None})
            rec["segments"] = ";".join(rec["segments"])
    name = next((c for c in ("name", "企业名称", "名称") if c in columns), columns[0])
    shown = [name, "segments", "segments_source", "segments_confidence", "trade_segments"]
    if fmt == "table":  # names and segments, not twenty one-character columns
        note(
            "表格只显示名称与环节 / the table shows names and segments; -o FILE.csv or .xlsx "
            "writes every column with the evidence"
        )
    emit(
        records,
        fmt=fmt,
        output=output,
        columns=columns,
        table_columns=shown,
        title=loaded.name_zh,
        sheet="classified",
    )
    note(f"{found}/{len(records)} 行有环节 / rows with segments ({loaded.id})")


# ---------------------------------------------------------------------- kg


def _sample(chain: Any):
    """The bundled sample firms of ``chain`` (every firm when there is no chain)."""
    from chainmap import datasets

    return datasets.enterprises(chain if chain is not None else "all")


def _kg_enterprises(spec: Path | str | None, chain: Any):
    """The ``--enterprises`` table: a file (read_enterprises), ``sample`` (bundled) or None."""
    if spec is None:
        return None
    if spec == SAMPLE:
        return _sample(chain)
    from chainmap.model.enterprises import read_enterprises

    frame, _report = read_enterprises(spec)
    note(f"企业 / enterprises: {len(frame)} rows from {spec}")
    if chain is None:
        return frame
    from chainmap.outputs.kg import placed

    out = placed(chain, frame)  # (write_kg and query_kg would place them too: noted here)
    if out is not frame:
        found = out["segments"].map(bool) & out["segments_source"].eq("classified")
        note(
            "按经营范围归入产业链 / placed in the chain from their business scope: "
            f"{int(found.sum())} rows"
        )
    return out


def _kg_chain(chain: str):
    """The CHAIN argument for kg commands; ``-`` means no chain (enterprises only)."""
    from chainmap.model.chain import load_chain

    return None if chain == "-" else load_chain(chain)


@cli.command("export")
@chain_argument
@enterprises_option(default=None)
@click.option("--regions", is_flag=True, help="导出全部行政区 / export the whole region table.")
@output_options(("ttl", "nt", "jsonld"))
def export_cmd(
    chain: str,
    enterprises: Path | str | None,
    regions: bool,
    fmt: str | None,
    output: Path | None,
) -> None:
    """导出知识图谱 RDF / Export the chain, enterprises and regions as RDF.

    Example: chainmap export fluorochem --enterprises firms.csv --format nt -o kg.nt
    """
    from chainmap.outputs.kg import FORMATS, write_kg
    from chainmap.readwrite.formats import format_of

    named = format_of(output) if output is not None else None
    if fmt is None and output is not None and named not in FORMATS:  # (Turtle was written)
        raise click.UsageError(
            f"无法从后缀推断 RDF 格式 / cannot tell the RDF format from {str(output)!r}; "
            f"use -o kg.ttl|kg.nt|kg.jsonld or --format {'|'.join(FORMATS)}"
        )
    if fmt is not None and named in FORMATS and named != fmt:
        raise click.UsageError(
            f"后缀与格式不一致 / {str(output)!r} says {named}, --format says {fmt}; "
            "change the file name or the format"
        )
    fmt = fmt or named or "ttl"
    loaded = _kg_chain(chain)
    table = _kg_enterprises(enterprises, loaded)
    target = output if output is not None else sys.stdout.buffer
    write_kg(loaded, target, enterprises=table, regions=True if regions else None, format=fmt)
    if output is not None:
        note(f"已写入 / wrote {output}")


#: ``chainmap rank``'s table shows at most this many targets unless --top says otherwise
#: (a registry gives hundreds of thousands: a table nobody reads, and minutes to draw).
TERMINAL_TOP = 100

#: ``chainmap query``'s default row limit: a bundled query gives at most some thousands of
#: rows; a cross product over a registry's KG gave 2.57 million (3.5 GB) before this.
QUERY_LIMIT = 100_000


@cli.command("query")
@chain_argument
@click.argument("sparql")
@enterprises_option(default=None)
@click.option(
    "--bind",
    "binds",
    multiple=True,
    metavar="NAME=VALUE",
    help="绑定变量 / bind ?NAME to a Turtle term: <iri>, seg:pvdf, '\"长三角\"@zh', 42. "
    "A bare word is a plain string and will not match @zh labels.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=QUERY_LIMIT,
    show_default=True,
    help="最多输出行数 / at most this many rows (0: no limit); a query matching more stops "
    "there instead of filling memory.",
)
@output_options(("table", "csv", "json"))
def query_cmd(
    chain: str,
    sparql: str,
    enterprises: Path | str | None,
    binds: tuple[str, ...],
    limit: int,
    fmt: str | None,
    output: Path | None,
) -> None:
    """SPARQL 查询知识图谱 / Run a SPARQL query (text, @file.rq or a bundled name).

    Example: chainmap query fluorochem segments-of-stage --bind stage=stage:material
    """
    from chainmap.outputs.kg import parse_term, query_kg, read_query

    bindings = {}
    for bind in binds:
        name, sep, value = bind.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"需要 NAME=VALUE / expected NAME=VALUE, got {bind!r}")
        key = name.strip().lstrip("?$")
        if key in bindings:  # the second would replace the first, silently
            raise click.BadParameter(
                f"?{key} 绑定了两次 / ?{key} is bound twice", param_hint="--bind"
            )
        if not value.strip():
            raise click.BadParameter(
                f"?{key} 的值为空 / ?{key} has an empty value; quote an empty string as '\"\"'",
                param_hint="--bind",
            )
        bindings[key] = parse_term(value)
    loaded = _kg_chain(chain)
    table = _kg_enterprises(enterprises, loaded)
    rows = query_kg(
        loaded, read_query(sparql), enterprises=table, bindings=bindings, limit=limit or None
    )
    if rows.attrs["truncated"]:
        note(
            f"结果超过 {limit:,} 行, 只输出前 {limit:,} 行 / more than {limit:,} rows: the "
            f"first {limit:,} are output; add LIMIT to the query, or raise --limit "
            f"(0: no limit)"
        )
    else:
        note(f"{len(rows)} 行 / rows")
    emit(rows.to_dict("records"), fmt=fmt, output=output, columns=list(rows.columns))


@cli.command("validate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help='企业表的表头映射 / for an enterprise table: TOML with [columns] "原表头" = "canonical_column".',
)
@output_options(("table", "csv", "json"))
def validate_cmd(file: Path, mapping: Path | None, fmt: str | None, output: Path | None) -> None:
    """SHACL 校验产业链或企业表 / Validate a .ttl chain or an enterprise table with SHACL.

    Exits with status 1 when the file does not conform.

    Example: chainmap validate graphs/fluorochem.ttl
    """
    from chainmap.outputs.kg import build_kg, validate_file, validate_kg
    from chainmap.readwrite.formats import TABLE_FORMATS, format_of

    if format_of(file) in TABLE_FORMATS:  # an enterprise table: its rows as RDF
        from chainmap.model.enterprises import read_enterprises

        table, _report = read_enterprises(file, mapping=mapping)
        result = validate_kg(build_kg(None, enterprises=table))
    elif mapping is not None:
        raise click.UsageError("--mapping 只用于企业表 / --mapping applies to an enterprise table")
    else:
        result = validate_file(file)
    if result.conforms:
        note(f"符合 / conforms: {file}")
        return
    emit(
        result.violations,
        fmt=fmt,
        output=output,
        columns=["focus", "path", "value", "message", "severity"],
        title=f"不符合 / does not conform: {file}",
    )
    note(f"不符合 / does not conform: {len(result.violations)} violations in {file}")
    raise SystemExit(1)


# ---------------------------------------------------------------------- engines (stream, dask)


def check_scheduler(engine: str, scheduler: str | None) -> None:
    """``--scheduler`` is an address for the dask engine; with another it was ignored."""
    if scheduler is not None and engine != "dask":
        raise click.UsageError(
            f"--scheduler 只用于 --engine dask / --scheduler is for --engine dask (got --engine "
            f"{engine}); add --engine dask, or leave --scheduler out"
        )


def engine_inputs(
    chain: str, enterprises: Path | str | None, profile: Path | None, engine: str
) -> tuple[Any, Any, Any, str]:
    """Resolve CHAIN, the profile and ``--engine`` (``auto`` by input size).

    Returns ``(chain, source, profile, engine)``: ``source`` is the loaded table
    for ``memory``, and the ``--enterprises`` path, read part by part, for
    ``stream``/``dask``; the library call takes it with ``engine=``.
    """
    from chainmap.analysis.engines import choose_engine
    from chainmap.model.chain import load_chain
    from chainmap.model.profile import load_profile

    engine = choose_engine(engine, enterprises if isinstance(enterprises, Path) else None)
    if engine == "memory":
        loaded, source, prof = load_inputs(chain, enterprises, profile)
        return loaded, source, prof, engine
    if not isinstance(enterprises, Path):
        raise click.UsageError(
            f"--engine {engine} 需要 --enterprises 文件或目录 / needs --enterprises FILE or DIR"
        )
    note(f"企业 / enterprises: {enterprises} (engine {engine}, 按块读取 / read part by part)")
    return load_chain(chain), enterprises, load_profile(profile), engine


def _read_canonical(path: Path):
    """A canonical Parquet table as it is (the stream engines read it so too), else None."""
    from chainmap.analysis.stream import read_canonical

    return read_canonical(path)


def classify_streamed(
    chain: str,
    file: Path,
    text_column: str,
    output: Path | None,
    engine: str,
    scheduler: str | None,
) -> bool:
    """``classify --engine stream|dask``: write a Parquet dataset to ``-o DIR``; False for memory."""
    from chainmap.analysis.stream import choose_engine, classify_file
    from chainmap.model.chain import load_chain

    engine = choose_engine(engine, file)
    if engine == "memory":
        return False
    if output is None:
        raise click.UsageError(
            f"--engine {engine} 需要 -o 输出目录 / needs -o DIR (a Parquet dataset is written)"
        )
    counts = classify_file(
        load_chain(chain), file, output, text_column=text_column, engine=engine, scheduler=scheduler
    )
    note(f"{counts['with_segments']}/{counts['rows']} 行有环节 / rows with segments")
    note(f"已写入 / wrote {output}")
    return True


_HEADERS = {
    "id": "编号 id",
    "name_zh": "中文名",
    "name_en": "English",
    "stage": "阶段 stage",
    "segments": "环节数 segments",
    "links": "链接数 links",
    "shared_segments": "共享环节 shared",
    "upstream": "上游 upstream",
    "downstream": "下游 downstream",
    "keywords": "关键词 keywords",
    "sources": "来源 sources",
    "status": "现状 status",
    "strategy": "策略 strategy",
    "count_home": "本地 home",
    "count_total": "全部 total",
    "lq": "区位商 LQ",
    "feasibility": "可行性 feasibility",
    "density": "密度 density",
    "reason": "理由 reason",
    "anchors": "本地企业 anchors",
    "rank": "排名",
    "name": "企业 name",
    "region": "地区 region",
    "segment": "环节 segment",
    "score": "得分 score",
    "stability": "稳定性",
    "rank_band": "排名区间 rank band",
    "group": "集团 group",
    "sites": "集团其他企业 sites",
    "flags": "标记 flags",
    "policy": "政策 policy",
    "reasons": "理由 reasons",
    "evidence": "依据 evidence",
    "segments_source": "环节来源 segments_source",
}


def main(argv: Sequence[str] | None = None) -> Any:
    """Console entry point: runs one command, then the process ends (click exits).

    As it ends, every object left is frozen (:func:`gc.freeze`): the interpreter's last
    collections would otherwise scan all of them (pandas, the bundled tables, the
    results) for cycles only to hand the memory back to the system, a tenth of a
    0.45 s command. atexit handlers, the flush of stdout and stderr and reference
    counting run as before; every file chainmap writes is closed before this point
    (:mod:`chainmap.readwrite.atomic`). Call it as a process's last act.
    """
    if not os.environ.get("CHAINMAP_DEBUG"):
        sys.unraisablehook = _quiet_unraisable
    try:
        return cli.main(args=argv, prog_name="chainmap")
    finally:
        gc.freeze()


def _quiet_unraisable(unraisable: Any) -> None:
    """Say nothing of errors in finalisers: after a failed write, a library's writer
    (openpyxl's worksheet stream) fails again as it is collected, and Python would print
    that traceback after the one line that reported the failure. ``CHAINMAP_DEBUG=1``
    shows them."""


# ---------------------------------------------------------------------- ledger (chainmap/cli_ledger.py)
from chainmap.cli_ledger import ledger_group  # noqa: E402  (registered after cli is defined)

cli.add_command(ledger_group)
