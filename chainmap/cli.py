"""The ``chainmap`` command line: thin click adapters over the library.

Each command resolves its inputs, makes one library call, and formats the
result. stdout carries only the result; notes go to stderr, one line each.
Library errors (:class:`chainmap.errors.ChainmapError`) become one-line
messages, never tracebacks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from chainmap.errors import ChainmapError

__all__ = ["cli", "emit", "main", "note", "output_options"]


class _Group(click.Group):
    """A click group that turns chainmap errors into friendly one-line messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ChainmapError as exc:
            raise click.ClickException(str(exc)) from None
        except (BrokenPipeError, KeyboardInterrupt):  # `chainmap … | head`, Ctrl-C
            raise SystemExit(1) from None


def note(message: str) -> None:
    """Write one note line to stderr (never stdout, which carries only the result)."""
    click.echo(message, err=True)


def output_options(
    formats: Sequence[str] = ("table", "csv", "json", "xlsx"),
) -> Callable[[Callable], Callable]:
    """Shared ``--format`` and ``-o/--output`` options for every tabular command.

    The format defaults to the suffix of ``-o``, or ``table`` without ``-o``.
    """

    def decorator(func: Callable) -> Callable:
        func = click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="输出文件 / write to this file (format from its suffix).",
        )(func)
        func = click.option(
            "--format",
            "fmt",
            type=click.Choice(list(formats)),
            default=None,
            help=f"输出格式 / output format (default: from -o suffix, else {formats[0]}).",
        )(func)
        return func

    return decorator


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
            output.write_bytes(text.encode("utf-8"))
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
        output.write_text(text, encoding="utf-8")


def chain_argument(func: Callable) -> Callable:
    """The ``CHAIN`` argument: a bundled name, names joined by commas, ``all``, or a ``.ttl`` path."""
    return click.argument("chain", metavar="CHAIN")(func)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chainmap")
def cli() -> None:
    """chainmap: 产业链招商图谱 / industry-chain targeting knowledge graphs.

    CHAIN is a bundled chain name (see `chainmap chains`), several names joined
    by commas, `all`, or a path to a .ttl file.

    Example: chainmap show fluorochem --segment pvdf
    """


# ---------------------------------------------------------------------- chains


@cli.command("chains")
@output_options()
def chains_cmd(fmt: str | None, output: Path | None) -> None:
    """列出内置产业链 / List the bundled chains with segment and link counts.

    Example: chainmap chains --format json
    """
    from chainmap.model.chain import describe_bundled_chains

    emit(
        describe_bundled_chains(),
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


@cli.group("chain", cls=_Group)
def chain_group() -> None:
    """自定义产业链 / Build your own chains from spreadsheets.

    Example: chainmap chain import segments.csv links.csv -o my.ttl
    """


@chain_group.command("import")
@click.argument("segments", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("links", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="输出 Turtle 文件 / the .ttl file to write.",
)
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

    chain = read_chain_tables(segments, links, chain_id=chain_id, name_zh=name_zh, name_en=name_en)
    chain.save(output)
    note(f"已写入 / wrote {output}: {len(chain)} segments, {len(chain.link_list)} links")


# ---------------------------------------------------------------------- kpi


@cli.command("kpi")
@click.argument("ledger", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--targets",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="类别与目标 TOML / classes and targets file.",
)
@click.option("--period", required=True, help="期间 / 2024, 2024H1, 2024Q3 or 2024-01..2024-06.")
@click.option("--cohort", default=None, help="落地批次年份 / landing years, e.g. 2022-2023.")
@click.option(
    "--by",
    type=click.Choice(["chain", "segment", "platform"]),
    default=None,
    help="分组 / break down by chain, segment or platform.",
)
@click.option(
    "--investment",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="实物量投资表 / physical investment file (project_id, month, amount).",
)
@click.option("--as-of", "as_of", default=None, help="漏斗与超期的截止日 / default: period end.")
@output_options()
def kpi_cmd(
    ledger: Path,
    targets: Path,
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
    from chainmap.analysis.kpi import kpi_report
    from chainmap.model.kpi_targets import read_targets
    from chainmap.outputs import kpi_report as out
    from chainmap.outputs.tables import resolve_format

    projects, physical, report = _read_ledger_noted(ledger, investment)
    result = kpi_report(
        projects, physical, read_targets(targets), period=period, cohort=cohort, by=by, as_of=as_of
    )
    late = [r["list"] for r in result["overdue"]]
    note(
        f"超期 overdue: 签约未落地 signed_not_landed {late.count('signed_not_landed')}, "
        f"落地未开工 landed_not_started {late.count('landed_not_started')} (-o report.xlsx)"
    )
    fmt = resolve_format(fmt, output)
    if fmt == "xlsx":
        reports = {"台账 ledger": report, "实物量投资 investment": report.investment}
        note(f"已写入 / wrote {out.write_kpi_workbook(result, output, reports=reports)}")
    elif fmt == "table":
        title = f"项目考核指标 KPIs · {period}" + (f" · 批次 cohort {cohort}" if cohort else "")
        _write_text(out.render_kpi_table(result["kpi"], title=title), output)
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
}


def main(argv: Sequence[str] | None = None) -> Any:
    """Console entry point."""
    return cli.main(args=argv, prog_name="chainmap")
