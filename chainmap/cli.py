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


# ---------------------------------------------------------------------- kg


def _kg_enterprises(spec: str | None, chain_id: str):
    """The ``--enterprises`` table: a file (read_enterprises) or ``sample`` (bundled)."""
    if spec is None:
        return None
    if spec == "sample" and not Path(spec).exists():
        from chainmap.datasets import enterprises

        return enterprises(chain_id.split(",")[0])
    from chainmap.model.enterprises import read_enterprises

    frame, _report = read_enterprises(Path(spec))
    note(f"企业 / enterprises: {len(frame)} rows from {spec}")
    return frame


def _kg_chain(chain: str):
    """The CHAIN argument for kg commands; ``-`` means no chain (enterprises only)."""
    from chainmap.model.chain import load_chain

    return None if chain == "-" else load_chain(chain)


_enterprises_option = click.option(
    "--enterprises",
    "enterprises",
    default=None,
    metavar="FILE",
    help="企业表 (CSV/XLSX/Parquet) 或 sample / enterprise table, or `sample` for the bundled one.",
)


@cli.command("export")
@chain_argument
@_enterprises_option
@click.option("--regions", is_flag=True, help="导出全部行政区 / export the whole region table.")
@output_options(("ttl", "nt", "jsonld"))
def export_cmd(
    chain: str, enterprises: str | None, regions: bool, fmt: str | None, output: Path | None
) -> None:
    """导出知识图谱 RDF / Export the chain, enterprises and regions as RDF.

    Example: chainmap export fluorochem --enterprises firms.csv --format nt -o kg.nt
    """
    from chainmap.outputs.kg import FORMATS, write_kg

    if fmt is None:
        suffixes = {v: k for k, v in FORMATS.items()}
        fmt = suffixes.get(output.suffix.lower(), "ttl") if output else "ttl"
    table = _kg_enterprises(enterprises, chain)
    target = output if output is not None else click.get_binary_stream("stdout")
    write_kg(
        _kg_chain(chain), target, enterprises=table, regions=True if regions else None, format=fmt
    )
    if output is not None:
        note(f"已写入 / wrote {output}")


@cli.command("query")
@chain_argument
@click.argument("sparql")
@_enterprises_option
@click.option(
    "--bind",
    "binds",
    multiple=True,
    metavar="NAME=VALUE",
    help="绑定变量 / bind ?NAME to a Turtle term: <iri>, seg:pvdf, '\"长三角\"@zh', 42. "
    "A bare word is a plain string and will not match @zh labels.",
)
@output_options(("table", "csv", "json"))
def query_cmd(
    chain: str,
    sparql: str,
    enterprises: str | None,
    binds: tuple[str, ...],
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
        bindings[name.strip().lstrip("?$")] = parse_term(value)
    table = _kg_enterprises(enterprises, chain)
    rows = query_kg(_kg_chain(chain), read_query(sparql), enterprises=table, bindings=bindings)
    note(f"{len(rows)} 行 / rows")
    emit(rows.to_dict("records"), fmt=fmt, output=output, columns=list(rows.columns))


@cli.command("validate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@output_options(("table", "csv", "json"))
def validate_cmd(file: Path, fmt: str | None, output: Path | None) -> None:
    """SHACL 校验产业链或企业表 / Validate a .ttl chain or an enterprise table with SHACL.

    Exits with status 1 when the file does not conform.

    Example: chainmap validate graphs/fluorochem.ttl
    """
    from chainmap.outputs.kg import validate_file

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
