"""Read user tables (CSV, XLSX, Parquet) as they arrive from registry exports.

CSV encodings are detected (UTF-8, UTF-8 with BOM, GB18030 which covers GBK);
every cell is read as text so nothing is coerced or lost before validation.
Title rows above the header (``XX企业名单 (导出时间 …)``) are detected and
skipped; ``frame.attrs["first_row"]`` keeps the spreadsheet number of the first
data row, so reports can name rows as the user sees them.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
import statistics
from typing import Literal

import pandas as pd

from chainmap.errors import InputError
from chainmap.sniff import (
    detect_encoding,
    fix_bare_carriage_returns,
    guess_encoding,
    guess_separator,
    not_a_workbook,
    overlong_rows,
)
from chainmap.sniff import (
    is_filled as _filled,
)

__all__ = [
    "detect_encoding",
    "detect_header_row",
    "guess_encoding",
    "read_table",
    "sheet_names",
]


def detect_header_row(rows: list[list[object]], *, scan: int = 20) -> int:
    """Index of the header among raw ``rows``: the first row about as wide as the table.

    Title and note rows above a header fill one or two cells; the header fills
    (nearly) every column. The table's width is the most common count of filled
    cells among rows with two or more; the first of the first ``scan`` rows with
    at least 60 % of it (and at least two) is the header.

    Examples
    --------
    >>> detect_header_row([["企业名单"], [], ["企业名称", "地址", "状态"], ["甲", "乙", "存续"]])
    2
    >>> detect_header_row([["name", "city"], ["a", "b"]])
    0
    """
    counts = [sum(_filled(v) for v in row) for row in rows[:scan]]
    # The most common width of rows with two or more cells, not the widest: one
    # overlong data row must not pass for the header.
    wide = [n for n in counts if n >= 2]
    width = max(statistics.multimode(wide)) if wide else max(counts, default=0)
    if width <= 1:
        return 0
    need = max(2, math.ceil(0.6 * width))
    return next(i for i, n in enumerate(counts) if n >= need)


def _unique_names(cells: list[object]) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = str(cell).strip() if _filled(cell) else f"Unnamed: {i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    return names


def sheet_names(path: str | Path) -> list[str]:
    """Sheet names of an XLSX workbook."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True)
    except OSError:
        raise
    except Exception as exc:  # BadZipFile, KeyError for a zip without a workbook …
        raise not_a_workbook(path, exc) from None
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def read_table(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    header: int | Literal["auto"] | None = "auto",
) -> pd.DataFrame:
    """Read a CSV, XLSX or Parquet file with every cell as text (``None`` when empty).

    ``header`` is the 0-based row of the header, ``"auto"`` (default) to find it
    below any title rows (:func:`detect_header_row`), or ``None`` to return the raw
    rows. ``frame.attrs["first_row"]`` is the 1-based spreadsheet row of the first
    data row. Raises :class:`InputError` naming the file for unreadable or empty files.
    """
    path = Path(path)
    if header == "auto":
        raw = read_table(path, sheet=sheet, header=None)
        if path.suffix.lower() == ".parquet" or raw.empty:
            at = 0
        else:
            at = detect_header_row(raw.head(20).values.tolist())
        notes = list(raw.attrs.get("notes", []))
        overlong = (
            overlong_rows(raw, at, at + 2) if path.suffix.lower() != ".parquet" and len(raw) else {}
        )
        frame = raw.iloc[at + 1 :].reset_index(drop=True)
        frame.columns = _unique_names(raw.iloc[at].tolist()) if len(raw) else []
        if overlong:  # drop the nameless columns the extra fields spilled into
            named = [c for c in frame.columns if not str(c).startswith("Unnamed: ")]
            spill = frame.columns[len(named) :]
            frame = frame.drop(columns=[c for c in spill if str(c).startswith("Unnamed: ")])
        frame.attrs.update(first_row=at + 2, notes=notes, overlong_rows=overlong)
        return frame
    if path.is_dir():
        raise InputError(
            "这是目录, 不是文件 / this is a folder, not a file",
            file=str(path),
            hint="give one CSV/XLSX/Parquet file (folders of parts: --engine stream)",
        )
    if not path.is_file():
        raise InputError("文件不存在 / file not found", file=str(path))
    suffix = path.suffix.lower()
    notes: list[str] = []  # encoding and separator guesses, for the import report
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(
                path, sheet_name=sheet or 0, header=header, dtype=str, engine="openpyxl"
            )
        elif suffix == ".parquet":
            frame = pd.read_parquet(path)
            if header is None:
                frame = pd.concat([frame.columns.to_frame().T, frame], ignore_index=True)
            frame = frame.astype("object").where(frame.notna(), None)
        elif suffix in (".csv", ".txt", ".tsv"):
            raw = path.read_bytes()
            if not raw.strip():
                raise InputError("文件为空 / the file is empty", file=str(path))
            try:
                enc, note = guess_encoding(raw)
                text = raw.decode(enc)
            except UnicodeDecodeError:
                raise InputError(
                    "无法识别编码 / cannot decode as UTF-8 or GBK/GB18030",
                    file=str(path),
                    hint="save the file as UTF-8 CSV",
                ) from None
            notes += [f"  {note}"] if note else []
            sep = "\t" if suffix == ".tsv" else guess_separator(text, notes)
            # Raw rows: title rows are narrower than the table, so name every column
            # up front or the parser stops at the first wider row.
            # Registry exports hold long business scopes; csv's default cell limit is 128 KiB.
            csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
            text = fix_bare_carriage_returns(text, notes)
            width = max((len(r) for r in csv.reader(io.StringIO(text), delimiter=sep)), default=0)
            frame = pd.read_csv(
                io.StringIO(text),
                sep=sep,
                header=header,
                names=list(range(width)) if header is None else None,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
            )
        else:
            raise InputError(
                f"不支持的文件类型 / unsupported file type {suffix!r}",
                file=str(path),
                hint="use .csv, .xlsx or .parquet",
            )
    except InputError:
        raise
    except ValueError as exc:
        if "Worksheet" in str(exc) or "sheet" in str(exc).lower():
            raise InputError(
                f"找不到工作表 / no sheet {sheet!r}", file=str(path), hint=str(exc)
            ) from None
        raise InputError(f"无法读取 / cannot read: {exc}", file=str(path)) from None
    except OSError:
        raise  # permission, missing folder …: one line from the CLI
    except Exception as exc:  # corrupt zip, parquet errors, csv tokeniser errors …
        if suffix in (".xlsx", ".xlsm"):
            raise not_a_workbook(path, exc) from None
        raise InputError(
            f"无法读取 / cannot read: {type(exc).__name__}: {exc}".splitlines()[0],
            file=str(path),
        ) from None
    frame = frame.astype("object").where(frame.notna(), None)
    frame = frame.map(lambda v: None if isinstance(v, str) and not v.strip() else v)
    frame.attrs["first_row"] = 1 if header is None else header + 2
    frame.attrs["notes"] = notes
    return frame
