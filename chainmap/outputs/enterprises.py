"""Write the canonical enterprise table to Parquet, CSV or XLSX.

Parquet keeps lists (``segments``, ``flags``) and dates as native types; CSV
(UTF-8 with BOM) and XLSX join lists with ``;`` so that reading the file back
with :func:`chainmap.model.enterprises.read_enterprises` restores them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
import os
from pathlib import Path
import tempfile
from typing import Any

import numpy as np
import pandas as pd

from chainmap.errors import InputError, MissingExtraError
from chainmap.model.report import ImportReport

__all__ = [
    "ENTERPRISE_FILE_SUFFIXES",
    "import_enterprises",
    "write_enterprises",
    "write_import_report",
]

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


#: CSV exports from this size on are imported to Parquet part by part (:func:`import_enterprises`).
PART_IMPORT_BYTES = 64 << 20
#: Rows per part of such an import: its memory is about that of a whole import of this many rows.
PART_ROWS = 100_000


def import_enterprises(
    path: str | Path,
    output: str | Path,
    *,
    mapping: str | Path | Mapping[str, str] | None = None,
    strict: bool = False,
    part_rows: int | None = None,
    min_bytes: int | None = None,
    workers: int | None = None,
) -> ImportReport:
    """``chainmap import``: read an enterprise list, write the canonical table to ``output``.

    The table and report are those of :func:`~chainmap.model.enterprises.read_enterprises`
    then :func:`write_enterprises`. A plain CSV export of ``min_bytes`` or more (default
    :data:`PART_IMPORT_BYTES`) written to Parquet is read ``part_rows`` rows at a time
    (default :data:`PART_ROWS`), normalised by ``workers`` processes (default: the cores,
    at most two) and kept on disk until written, so memory stays that of a few parts. The
    workers parse their own ranges of lines
    (:func:`~chainmap.readwrite.reader.export_ranges`); where a cell holds a line break,
    this process reads the parts (:func:`~chainmap.readwrite.reader.iter_export`). Rows
    that share an id are merged across parts, the report keeps the whole file's order,
    and the file is the same, byte for byte (``tests/test_import_parts.py`` compares
    them). Any other file, or one pyarrow stops on part way, is read whole.
    """
    from chainmap.model.enterprises import read_enterprises, read_mapping
    from chainmap.readwrite.reader import (
        ExportDeclined,
        RangesDeclined,
        export_ranges,
        iter_export,
    )
    from chainmap.readwrite.workers import default_workers

    path, output = Path(path), Path(output)
    if isinstance(mapping, (str, Path)):
        mapping = read_mapping(mapping)
    if output.suffix.lower() == ".parquet":
        least = PART_IMPORT_BYTES if min_bytes is None else min_bytes
        rows, jobs = part_rows or PART_ROWS, workers or default_workers()
        # Byte ranges of lines, parsed by the workers; where a cell holds a line break,
        # the parts pyarrow's streaming reader gives here; else the whole file, below.
        for parts in (
            lambda: export_ranges(path, rows, min_bytes=least),
            lambda: iter_export(path, rows, min_bytes=least, raw=True),
        ):
            if (todo := parts()) is None:
                continue
            try:
                return _import_parts(todo, str(path), output, mapping, strict, jobs)
            except RangesDeclined:
                continue
            except ExportDeclined:
                break  # read whole below, as read_table reads such a file
    table, report = read_enterprises(path, mapping=mapping, strict=strict)
    write_enterprises(table, output)
    return report


def _import_parts(
    parts: Iterator[Any],
    source: str,
    output: Path,
    mapping: Mapping[str, str] | None,
    strict: bool,
    workers: int,
) -> ImportReport:
    """Normalise each part (duplicates left), keep it as Arrow IPC, then merge and write.

    With more than one worker, parts are normalised by ``workers`` processes
    (:class:`~chainmap.readwrite.workers.Workers`: the normaliser is Python, and pyarrow
    reads on in this process, which never holds a part's Python objects); their results
    are taken in file order, so the output does not depend on which finished first.

    The whole-table import infers the Parquet schema from every row; here each part's
    schema is inferred, and the table's is inferred from one value per column taken from
    a part whose type is the parts' common type (a list with items, where there is one).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from chainmap.model.enterprises import (
        mapping_notes,
        merge_duplicates,
        normalise_part,
        note_blank_rows,
    )
    from chainmap.readwrite import atomic
    from chainmap.readwrite.reader import ExportDeclined
    from chainmap.readwrite.workers import Workers

    report = ImportReport(source=source)
    kept = total = 0
    notes: list[str] = []
    by_target: dict[str, str] = {}
    dtypes: dict[str, str] | None = None
    schemas: list = []
    samples: list[dict[str, tuple[bool, Any]]] = []
    ids: list = []
    with (
        tempfile.TemporaryDirectory(dir=output.parent, prefix=f".{output.name}.parts-") as tmp,
        Workers(workers) as pool,
    ):
        files: list[Path] = []
        jobs: list[tuple] = []

        def take(done: dict) -> None:
            nonlocal kept, total, notes, by_target, dtypes
            kept, total = kept + done["read"], total + done["rows"]
            notes, by_target = done["notes"], done["by_target"]
            report.items.extend(done["items"])
            dtypes = dtypes or done["dtypes"]
            schemas.append(done["schema"])
            samples.append(done["samples"])
            ids.append((done["ids"], done["id_hashes"]))

        for k, part in enumerate(parts):
            if k == 0:  # a header without a name column is raised here, as it is
                header = part.empty().frame()
                normalise_part(header, source=source, mapping=mapping)
                mapped = mapping_notes([str(c) for c in header.columns], mapping or {})
            files.append(Path(tmp) / f"{k}.arrow")
            jobs.append((part, str(files[-1]), source, mapping, strict))
            del part
            if k > 0:  # (a file of one part is normalised here, without workers)
                while jobs:
                    pool.submit(take, normalise_export_part, *jobs.pop(0))
        pool.drain()
        if jobs:
            take(normalise_export_part(*jobs.pop()))
        if dtypes is None:  # no part at all: not a table to read in parts
            raise ExportDeclined("no rows")
        note_blank_rows(kept, total, report, notes)  # the reader's notes after, as whole
        report.notes.extend(mapped)
        schema = _table_schema(schemas, samples, dtypes)
        merged, dropped = _merged_rows(files, ids, report, by_target, merge_duplicates)
        report.check()
        ids.clear()
        # The workers cast and patch the parts (the caller only writes), in file order.
        with atomic.atomic_path(output) as out, pq.ParquetWriter(out, schema) as writer:
            held: list = []
            rows = written = 0

            def write(done: tuple[str, str]) -> None:
                nonlocal held, rows, written
                with pa.OSFile(done[1]) as final:
                    part = pa.ipc.open_file(final).read_all()
                for name in done:
                    os.remove(name)
                held.append(part)
                rows += part.num_rows
                while rows >= PARQUET_ROW_GROUP:
                    joined = pa.concat_tables(held)
                    group = joined.slice(0, PARQUET_ROW_GROUP).combine_chunks()
                    writer.write_table(group, row_group_size=PARQUET_ROW_GROUP)
                    written += group.num_rows
                    held, rows = [joined.slice(PARQUET_ROW_GROUP)], rows - PARQUET_ROW_GROUP

            for k, file in enumerate(files):
                change = (merged.get(k, {}), dropped.get(k, ()))
                pool.submit(write, final_part, str(file), schema, *change, f"{file}.final")
            pool.drain()
            if rows or not written:  # as write_parquet_groups: one (empty) group at least
                group = pa.concat_tables(held) if held else schema.empty_table()
                writer.write_table(group.combine_chunks(), row_group_size=PARQUET_ROW_GROUP)
    return report


def normalise_export_part(
    part: Any, file: str, source: str, mapping: Mapping[str, str] | None, strict: bool
) -> dict:
    """Normalise one :class:`~chainmap.readwrite.reader.ExportPart` (no duplicate merge) to
    Arrow IPC at ``file``; return its report items, counts and column types (picklable).
    An :class:`~chainmap.readwrite.reader.ExportRange` is read here first."""
    import pyarrow as pa

    from chainmap.model.enterprises import (
        STORED_TEXT_COLUMNS,
        arrow_text_cells,
        normalise_part,
    )
    from chainmap.readwrite.reader import ExportRange

    if isinstance(part, ExportRange):
        part = part.read()

    # Columns that are only stripped and stored stay in Arrow: the normaliser sees a
    # stand-in that is blank where the cell is (a row of blanks is skipped, as before),
    # and the kept rows' cells replace it in the Arrow table it gives.
    empty = part.empty().frame()
    headers = [str(c) for c in empty.columns]
    targets = normalise_part(empty, source=source, mapping=mapping)[2]
    stored = {}
    for target in STORED_TEXT_COLUMNS:
        if target in targets:
            at = headers.index(targets[target])
            stored[target] = arrow_text_cells(part.cells.column(at))
            blank = stored[target].is_null().to_numpy(zero_copy_only=False)
            stand_in = pa.array(np.where(blank, "", "x"), pa.string())
            part = part._replace(cells=part.cells.set_column(at, f"c{at}", stand_in))
    frame = part.frame()
    first_row = part.first_row
    del part
    table, report, by_target = normalise_part(
        frame,
        source=source,
        mapping=mapping,
        strict=strict,
        row_numbers=range(frame.attrs["first_row"], frame.attrs["first_row"] + len(frame)),
        merge=False,
    )
    done = {
        "read": report.read,
        "rows": len(frame),
        "notes": list(frame.attrs["notes"]),
        "by_target": by_target,
        "items": report.items,
        "dtypes": {c: str(t) for c, t in table.dtypes.items()},
        "file": file,
    }
    del frame
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    rows = table["source_row"].to_numpy(dtype=np.int64) - first_row
    del table
    for target, cells in stored.items():
        at = arrow.schema.get_field_index(target)
        if arrow.field(at).type == cells.type:  # (null when no kept row has one: as it is)
            arrow = arrow.set_column(at, arrow.field(at), cells.take(rows))
    done["schema"] = arrow.schema
    done["ids"] = arrow.column("enterprise_id").combine_chunks().cast(pa.string())
    # 64-bit hashes of the ids (pandas' fixed-key SipHash): the main process finds ids
    # that may repeat among ten million hashes in 0.4 s, where hashing the strings took 5 s.
    done["id_hashes"] = pd.util.hash_array(
        done["ids"].to_numpy(zero_copy_only=False), categorize=False
    )
    done["samples"] = {name: _first_value(arrow.column(name)) for name in arrow.column_names}
    # zstd: a part of 100,000 registry rows is 16 MiB on disk instead of 80 (10M rows: 1.6 GB
    # of temporary files next to the output, not 8), for 0.1 s more per part
    options = pa.ipc.IpcWriteOptions(compression="zstd")
    with pa.ipc.new_file(file, arrow.schema, options=options) as writer:
        writer.write_table(arrow)
    return done


def final_part(file: str, schema: Any, merged: dict[int, dict], dropped: Any, target: str) -> tuple:
    """Part ``file`` (:func:`normalise_export_part`) as the output holds it: cast to the
    table's ``schema``, its merged rows patched in, the rows merged away left out; written
    uncompressed to ``target``, for the caller to write without decoding it. Returns both
    paths (the caller removes them)."""
    import pyarrow as pa

    with pa.memory_map(file) as source:
        part = pa.ipc.open_file(source).read_all().cast(schema)
    if merged or dropped:
        part = _patched(part, merged, dropped, schema)
    with pa.ipc.new_file(target, schema) as writer:
        writer.write_table(part)
    return file, target


def _first_value(column: Any) -> tuple[bool, Any]:
    """``(True, value)``: a column's first value not null (of a list column, the first list
    with items, else the first list); ``(False, None)`` when every value is null."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = column.drop_null()
    if pa.types.is_list(column.type):  # an empty list infers list<null>: one with items
        filled = column.filter(pc.greater(pc.list_value_length(column), 0))
        column = filled if len(filled) else column
    return (True, column[0].as_py()) if len(column) else (False, None)


def _table_schema(
    schemas: list, samples: list[dict[str, tuple[bool, Any]]], dtypes: dict[str, str]
) -> Any:
    """``pa.Schema.from_pandas`` of the whole table, from the parts' schemas and first values.

    Each column's value is the first one (:func:`_first_value`) of the first part whose
    type is the parts' common type.
    """
    import pyarrow as pa

    from chainmap.readwrite.reader import ExportDeclined

    try:
        common = pa.unify_schemas(schemas, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ExportDeclined(str(exc)) from None
    values: dict[str, Any] = {}
    for name in common.names:
        want = common.field(name).type
        for schema, first in zip(schemas, samples, strict=True):
            if schema.field(name).type == want and first[name][0]:
                values[name] = first[name][1]
                break
    one = pd.DataFrame(
        {c: pd.Series([values.get(c)], dtype=dtypes[c]) for c in common.names},
        columns=common.names,
    )
    schema = pa.Schema.from_pandas(one, preserve_index=False)
    if schema.remove_metadata() != common.remove_metadata():
        raise ExportDeclined("the parts' types do not meet")
    return schema


def _merged_rows(
    files: list[Path], ids: list, report: ImportReport, by_target: Mapping[str, str], merge: Any
) -> tuple[dict[int, dict[int, dict]], dict[int, set[int]]]:
    """Rows that share an id, merged over every part in file order (items to ``report``).

    ``ids``: each part's ids and their hashes. Ids whose hash repeats are counted
    exactly (equal ids hash alike, so every row of a repeated id is among them).
    Returns, per part, the merged first rows by position and the positions merged away.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    hashes = np.concatenate([h for _, h in ids]) if ids else np.zeros(0, np.uint64)
    maybe = np.flatnonzero(pd.Series(hashes).duplicated(keep=False).to_numpy())
    if not len(maybe):
        return {}, {}
    everyone = pa.chunked_array([i for i, _ in ids], type=pa.string())
    counts = pc.value_counts(everyone.take(pa.array(maybe)))
    shared = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    if not len(shared):
        return {}, {}
    records: list[dict] = []
    where: list[tuple[int, int]] = []
    for k, (file, (part_ids, _)) in enumerate(zip(files, ids, strict=True)):
        at = np.flatnonzero(pc.is_in(part_ids, value_set=shared).to_numpy(zero_copy_only=False))
        if not len(at):
            continue
        with pa.memory_map(str(file)) as source_file:
            rows = pa.ipc.open_file(source_file).read_all().take(pa.array(at)).to_pylist()
        records.extend(rows)
        where.extend((k, int(i)) for i in at)
    firsts = {id(rec) for rec in merge(records, report, by_target)}
    merged: dict[int, dict[int, dict]] = {}
    dropped: dict[int, set[int]] = {}
    for (k, i), rec in zip(where, records, strict=True):
        if id(rec) in firsts:
            merged.setdefault(k, {})[i] = rec
        else:
            dropped.setdefault(k, set()).add(i)
    return merged, dropped


def _patched(part: Any, merged: dict[int, dict], dropped: Any, schema: Any) -> Any:
    """``part`` with its merged rows replaced and the rows merged away left out."""
    import pyarrow as pa

    order = sorted(merged)
    patch = pa.Table.from_pydict(
        {
            name: pa.array(
                [merged[i][name] for i in order], type=schema.field(name).type, from_pandas=True
            )
            for name in schema.names
        },
        schema=schema,
    )
    index = np.arange(part.num_rows + len(order))
    index[order] = part.num_rows + np.arange(len(order))
    keep = np.ones(part.num_rows, dtype=bool)
    keep[list(dropped)] = False
    return pa.concat_tables([part, patch]).take(pa.array(index[: part.num_rows][keep]))


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
