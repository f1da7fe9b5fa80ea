"""Option decorators shared by the ``chainmap`` commands: each flag is declared once.

- :func:`output_options`: ``--format`` and ``-o/--output`` of every tabular command;
  :func:`output_option` is the one ``-o/--output`` (also for commands with a fixed format).
- :func:`enterprises_option`: ONE syntax, ``--enterprises PATH | sample``, with a
  documented default per command: ``sample`` (the bundled sample firms) for the
  analyses (gaps, rank, plan, map), none for the knowledge-graph commands
  (export, query), which then hold the chain alone.
- :func:`chain_argument`, :func:`home_option`, :func:`profile_option`,
  :func:`engine_options`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

__all__ = [
    "SAMPLE",
    "chain_argument",
    "engine_options",
    "enterprises_option",
    "home_option",
    "output_option",
    "output_options",
    "profile_option",
    "signals_option",
]

#: The ``--enterprises`` value that means the bundled sample firms.
SAMPLE = "sample"


def chain_argument(func: Callable) -> Callable:
    """The ``CHAIN`` argument: a bundled name, names joined by commas, ``all``, or a ``.ttl`` path."""
    return click.argument("chain", metavar="CHAIN")(func)


def output_option(
    *,
    required: bool = False,
    default: Path | None = None,
    help: str = "输出文件 / write to this file (format from its suffix).",
    folder: bool = False,
) -> Callable[[Callable], Callable]:
    """``-o/--output PATH`` (a file, or with ``folder=True`` a folder), declared here only."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=folder, file_okay=not folder, path_type=Path),
        required=required,
        default=default,
        show_default=default is not None,
        help=help,
    )


def output_options(
    formats: Sequence[str] = ("table", "csv", "json", "xlsx"),
    *,
    help: str | None = None,
) -> Callable[[Callable], Callable]:
    """Shared ``--format`` and ``-o/--output`` options for every tabular command.

    The format defaults to the suffix of ``-o``, or ``formats[0]`` without ``-o``.
    """

    def decorator(func: Callable) -> Callable:
        func = output_option(**({"help": help} if help else {}))(func)
        func = click.option(
            "--format",
            "fmt",
            type=click.Choice(list(formats)),
            default=None,
            help=f"输出格式 / output format (default: from -o suffix, else {formats[0]}).",
        )(func)
        return func

    return decorator


def _enterprises_value(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """``sample`` (unless a file of that name exists) → :data:`SAMPLE`; else a Path, or None."""
    if value is None:
        return None
    if value == SAMPLE and not Path(value).exists():
        return SAMPLE
    return Path(value)


def enterprises_option(*, default: str | None) -> Callable[[Callable], Callable]:
    """``--enterprises PATH | sample``; ``default`` is ``"sample"`` (analyses) or None (export).

    The command receives a :class:`~pathlib.Path`, :data:`SAMPLE` or None.
    """
    if default == SAMPLE:
        what = "默认内置样本 / default: the bundled sample"
    else:
        what = "默认不含企业 / default: none (the chain alone)"
    return click.option(
        "--enterprises",
        default=default,
        metavar="PATH|sample",
        callback=_enterprises_value,
        help=f"企业表 (CSV/XLSX/Parquet) 或 sample / enterprise table, or `sample` "
        f"for the bundled sample firms; {what}.",
    )


def home_option(func: Callable) -> Callable:
    """``--home REGION``: adcode or unambiguous name (default: the profile's home)."""
    return click.option(
        "--home",
        default=None,
        help="本地地区 / home region: adcode or name (default: the profile's [home] region).",
    )(func)


def profile_option(func: Callable) -> Callable:
    """``--profile FILE``: a TOML profile merged over the bundled default."""
    return click.option(
        "--profile",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="配置文件 / TOML profile merged over the default (weights, thresholds, home).",
    )(func)


def signals_option(func: Callable) -> Callable:
    """``--signals FILE|none``: dated investment events (intent, exits); default: bundled."""
    return click.option(
        "--signals",
        "signals",
        default=None,
        metavar="FILE|none",
        help="企业动态事件表(扩产/募投/退出…) / dated events per firm (intent, exits): a CSV or "
        "XLSX with enterprise, date, kind, note, source_url; default: the bundled sourced events; "
        "`none` for no events.",
    )(func)


def engine_options(func: Callable) -> Callable:
    """``--engine memory|stream|dask|auto`` and ``--scheduler ADDRESS`` (docs/scale.md)."""
    func = click.option(
        "--scheduler", default=None, help="Dask 调度器地址 / dask scheduler address."
    )(func)
    return click.option(
        "--engine",
        type=click.Choice(["memory", "stream", "dask", "auto"]),
        default="memory",
        show_default=True,
        help="计算引擎 / memory, stream (chunks), dask (cluster) or auto (by input size).",
    )(func)
