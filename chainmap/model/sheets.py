"""Read user tables (CSV, XLSX, Parquet) as they arrive from registry exports.

CSV encodings are detected (UTF-8, UTF-8 with BOM, GB18030 which covers GBK);
every cell is read as text so nothing is coerced or lost before validation.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from chainmap.errors import InputError

__all__ = ["detect_encoding", "read_table", "sheet_names"]

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


def sheet_names(path: str | Path) -> list[str]:
    """Sheet names of an XLSX workbook."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def read_table(
    path: str | Path, *, sheet: str | int | None = None, header: int | None = 0
) -> pd.DataFrame:
    """Read a CSV, XLSX or Parquet file with every cell as text (``None`` when empty).

    ``header`` is the 0-based row of the header, or ``None`` to return the raw rows.
    Raises :class:`InputError` naming the file for unreadable or empty files.
    """
    path = Path(path)
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
            frame = pd.read_csv(
                io.StringIO(raw.decode(enc)),
                sep="\t" if suffix == ".tsv" else ",",
                header=header,
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
    return frame
