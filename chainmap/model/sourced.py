"""Read the small sourced tables (policy gates, enterprise signals) row by row.

Both tables are read the same way: the bundled file through
:func:`chainmap.model.catalog.data_path`, a user's file through
:func:`chainmap.model.sheets.read_table` (CSV in UTF-8 or GBK, XLSX, Parquet).
Every problem is an :class:`~chainmap.errors.InputError` naming the file, the
spreadsheet row and the column, so a bad row is never silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
import datetime as dt
from importlib import resources
from pathlib import Path

import pandas as pd

from chainmap.errors import InputError
from chainmap.model.catalog import data_path
from chainmap.model.enterprises import parse_date
from chainmap.model.sheets import read_table
from chainmap.model.values import date_outside

__all__ = [
    "as_date",
    "finish_record",
    "iter_rows",
    "read_sourced_table",
    "sourced_frame",
    "split_sources",
]


def read_sourced_table(
    path: str | Path | None, *, bundled: str, required: Sequence[str]
) -> tuple[pd.DataFrame, str, int]:
    """Read ``path`` (or the bundled file ``bundled``) with every cell as text.

    Returns the frame (columns stripped of blanks, empty cells as ``None``), the
    file name to quote in errors and the spreadsheet row of the first data row.
    Raises :class:`InputError` when a ``required`` column is missing.
    """
    if path is None:
        label = f"graphs/{bundled}"
        with resources.as_file(data_path(bundled)) as real:
            frame = read_table(real, header=0)
    else:
        label = str(path)
        frame = read_table(path, header=0)
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(
            f"缺少列 / missing column(s): {', '.join(missing)}",
            file=label,
            hint="需要的列 / required columns: " + ", ".join(required),
        )
    return frame, label, int(frame.attrs.get("first_row", 2))


def iter_rows(frame: pd.DataFrame, first_row: int) -> Iterator[tuple[int, dict[str, object]]]:
    """Yield ``(spreadsheet row, record)`` for every data row, text stripped."""
    for offset, record in enumerate(frame.to_dict("records")):
        yield first_row + offset, {k: _cell(v) for k, v in record.items()}


def _cell(value: object) -> object:
    """Text stripped; blank text, NaN and None all become ``None``."""
    if isinstance(value, str):
        return value.strip() or None
    if value is None or (isinstance(value, float) and value != value):  # NaN
        return None
    return value


def as_date(value: object, *, file: str, row: int, column: str) -> dt.date:
    """Parse a required date cell or raise an :class:`InputError` at its place."""
    try:
        parsed = parse_date(value)
    except (ValueError, OverflowError):  # "2024-02-30" or text
        parsed = None
    if parsed is None:
        raise InputError(
            f"日期无效或缺失 / missing or invalid date {value!r}",
            file=file,
            row=row,
            column=column,
            hint="use YYYY-MM-DD",
        )
    outside = date_outside(parsed)  # 0001-01-01 broke the date arithmetic
    if outside:
        raise InputError(
            outside,
            file=file,
            row=row,
            column=column,
            hint="check the year",
        )
    return parsed


def split_sources(
    value: object, *, file: str, row: int, column: str, check: Callable[[str], bool] | None = None
) -> list[str]:
    """Split a ``source_url`` cell on whitespace; a row without a source is an error.

    ``check`` (default: ``http://`` or ``https://``) must accept every item.
    """
    items = str(value).split() if value is not None else []
    if not items:
        raise InputError(
            "缺少来源 / no source: every row needs a source_url",
            file=file,
            row=row,
            column=column,
            hint="add the URL of the page the fact was read from",
        )
    check = check or (lambda url: url.startswith(("http://", "https://")))
    for url in items:
        if not check(url):
            raise InputError(
                f"来源不是网址 / not a URL: {url!r}",
                file=file,
                row=row,
                column=column,
                hint="sources are http(s) URLs separated by spaces",
            )
    return items


def finish_record(
    rec: dict[str, object], *, file: str, row: int, date_column: str
) -> dict[str, object]:
    """Parse the row's date and sources; add ``sources`` (list) and ``source_row``."""
    out = dict(rec)
    out[date_column] = as_date(rec.get(date_column), file=file, row=row, column=date_column)
    out["sources"] = split_sources(rec.get("source_url"), file=file, row=row, column="source_url")
    out["source_row"] = row
    return out


def sourced_frame(
    records: list[dict[str, object]], columns: Sequence[str], present: Sequence[str]
) -> pd.DataFrame:
    """A frame of ``records``: the table's ``columns`` first, then extra ``present`` ones.

    Declared columns a user file lacks are kept, empty (``None``).
    """
    names = list(dict.fromkeys([*columns, *present, "sources", "source_row"]))
    table = pd.DataFrame.from_records(records, columns=names)
    for column in names[:-2]:  # empty cells and absent columns are None, never NaN
        values = table[column].astype(object)
        table[column] = values.where(values.notna(), None)
    return table
