"""Write the canonical enterprise table to Parquet, CSV or XLSX.

Parquet keeps lists (``segments``, ``flags``) and dates as native types; CSV
(UTF-8 with BOM) and XLSX join lists with ``;`` so that reading the file back
with :func:`chainmap.model.enterprises.read_enterprises` restores them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from chainmap.errors import InputError, MissingExtraError
from chainmap.model.report import ImportReport

__all__ = ["ENTERPRISE_FILE_SUFFIXES", "write_enterprises", "write_import_report"]

ENTERPRISE_FILE_SUFFIXES = (".parquet", ".csv", ".xlsx")


#: Rows per Parquet row group in written enterprise tables.
PARQUET_ROW_GROUP = 100_000


def write_enterprises(table: pd.DataFrame, path: str | Path) -> Path:
    """Write ``table`` to ``path``, the format chosen by its suffix."""
    from chainmap.outputs import tables

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in ENTERPRISE_FILE_SUFFIXES:
        raise InputError(
            f"不支持的输出类型 / unsupported output type {suffix!r}",
            file=str(path),
            hint="use .parquet, .csv or .xlsx",
        )
    if suffix == ".parquet":
        from chainmap.readwrite import atomic

        # Row groups of 100,000: the streaming engines read one group at a time, so an
        # imported registry streams in bounded memory (one group of 1M rows held 2+ GiB).
        with atomic.atomic_path(path) as tmp:
            write_parquet_groups(table, tmp)
        return path
    flat = tables.records_to_frame(table, list_sep=";")
    if suffix == ".csv":
        tables.to_csv(flat, path)
    else:
        tables.write_xlsx({"enterprises": flat}, path, title="chainmap enterprises")
    return path


def write_parquet_groups(table: pd.DataFrame, path: str | Path) -> None:
    """``table.to_parquet(path, index=False, row_group_size=PARQUET_ROW_GROUP)``, a group at a time.

    pandas converts the whole table to Arrow before writing the first group (a
    million imported firms: about a gigabyte more at the peak). Here the schema comes
    from the whole table, one column at a time, and each group is converted and
    written on its own: the same file (a test compares the bytes).
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingExtraError("pyarrow") from None

    schema = pa.Schema.from_pandas(table, preserve_index=False)
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, max(len(table), 1), PARQUET_ROW_GROUP):
            group = table.iloc[start : start + PARQUET_ROW_GROUP]
            writer.write_table(
                pa.Table.from_pandas(group, schema=schema, preserve_index=False),
                row_group_size=PARQUET_ROW_GROUP,
            )


def write_import_report(report: ImportReport, path: str | Path) -> Path:
    """Write an :class:`~chainmap.model.report.ImportReport` as CSV (UTF-8 with BOM) or XLSX, by suffix."""
    from chainmap.outputs.tables import to_csv, write_xlsx

    path = Path(path)
    frame = report.to_frame().astype(object).where(lambda f: f.notna(), None)
    if path.suffix.lower() == ".xlsx":
        write_xlsx({"report": frame}, path, title=f"import report: {report.source}")
    else:
        to_csv(frame, path)
    return path
