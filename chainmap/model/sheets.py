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
from typing import Literal

import pandas as pd

from chainmap.errors import InputError

__all__ = ["detect_encoding", "detect_header_row", "read_table", "sheet_names"]

_ENCODINGS = ("utf-8-sig", "gb18030")


def detect_encoding(raw: bytes) -> str:
    """Return the first of UTF-8 (BOM-aware) and GB18030 that decodes ``raw``.

    GB18030 is a superset of GBK and GB2312, so GBK exports decode with it.

    Examples
    --------
    >>> detect_encoding("企业名称".encode("gbk"))
    'gb18030'
    >>> detect_encoding("企业名称".encode("utf-8"))
    'utf-8-sig'
    """
    for enc in _ENCODINGS:
        try:
            raw.decode(enc)
        except UnicodeDecodeError:
            continue
        return enc
    raise UnicodeDecodeError("utf-8/gb18030", raw[:1], 0, 1, "not UTF-8 or GB18030")


def _filled(value: object) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(str(value).strip())


def detect_header_row(rows: list[list[object]], *, scan: int = 20) -> int:
    """Index of the header among raw ``rows``: the first row about as wide as the table.

    Title and note rows above a header fill one or two cells; the header fills
    (nearly) every column. The first of the first ``scan`` rows with at least 60 %
    of the widest row's filled cells (and at least two) is the header.

    Examples
    --------
    >>> detect_header_row([["企业名单"], [], ["企业名称", "地址", "状态"], ["甲", "乙", "存续"]])
    2
    >>> detect_header_row([["name", "city"], ["a", "b"]])
    0
    """
    counts = [sum(_filled(v) for v in row) for row in rows[:scan]]
    width = max(counts, default=0)
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

    book = load_workbook(path, read_only=True)
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
        frame = raw.iloc[at + 1 :].reset_index(drop=True)
        frame.columns = _unique_names(raw.iloc[at].tolist()) if len(raw) else []
        frame.attrs["first_row"] = at + 2
        return frame
    if not path.is_file():
        raise InputError("文件不存在 / file not found", file=str(path))
    suffix = path.suffix.lower()
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
                enc = detect_encoding(raw)
            except UnicodeDecodeError:
                raise InputError(
                    "无法识别编码 / cannot decode as UTF-8 or GBK/GB18030",
                    file=str(path),
                    hint="save the file as UTF-8 CSV",
                ) from None
            text = raw.decode(enc)
            sep = "\t" if suffix == ".tsv" else ","
            # Raw rows: title rows are narrower than the table, so name every column
            # up front or the parser stops at the first wider row.
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
    except Exception as exc:  # corrupt zip, parquet errors, csv tokeniser errors …
        raise InputError(
            f"无法读取 / cannot read: {type(exc).__name__}: {exc}".splitlines()[0],
            file=str(path),
        ) from None
    frame = frame.astype("object").where(frame.notna(), None)
    frame = frame.map(lambda v: None if isinstance(v, str) and not v.strip() else v)
    frame.attrs["first_row"] = 1 if header is None else header + 2
    return frame
