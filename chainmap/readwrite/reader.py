"""The one table reader: user tables (CSV, XLSX, Parquet) as they arrive from registry exports.

Every command and every engine reads through here, whole (:func:`read_table`) or
part by part (:func:`iter_table`), so both see the same cells:

- CSV encodings are detected (UTF-16 by its BOM, UTF-8 with or without BOM,
  else GB18030, which covers GBK and GB2312);
- every cell is read as text (``None`` when blank) so nothing is coerced or lost
  before validation;
- title rows above the header (``XX企业名单 (导出时间 …)``) are detected and
  skipped; ``frame.attrs["first_row"]`` keeps the spreadsheet number of the
  first data row, so reports can name rows as the user sees them.

Header mapping (``--mapping``) is applied by the normaliser of each table kind
(:func:`chainmap.model.enterprises.normalise_enterprises`) on what this returns.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Sequence
import contextlib
import csv
import io
import math
from pathlib import Path
import re
from typing import Any, Literal, NamedTuple
import warnings

import numpy as np
import pandas as pd

from chainmap.errors import InputError
from chainmap.model.values import is_blank
from chainmap.readwrite.formats import STREAMABLE, TABLE_FORMATS, format_of
from chainmap.readwrite.sniff import (
    fix_bare_carriage_returns,
    guess_encoding,
    guess_separator,
    is_filled,
    lift_cell_limit,
    not_a_workbook,
    overlong_rows,
)

__all__ = [
    "ExportDeclined",
    "ExportPart",
    "ExportRange",
    "RangesDeclined",
    "detect_encoding",
    "detect_header_row",
    "export_ranges",
    "file_encoding",
    "iter_export",
    "iter_table",
    "read_row_group",
    "read_table",
    "row_groups",
    "sheet_names",
]

_ENCODINGS = ("utf-8-sig", "gb18030")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def detect_encoding(raw: bytes) -> str:
    """Return UTF-16 (by its BOM), else the first of UTF-8 (BOM-aware) and GB18030 that decodes ``raw``.

    GB18030 is a superset of GBK and GB2312, so GBK exports decode with it.

    Examples
    --------
    >>> detect_encoding("企业名称".encode("gbk"))
    'gb18030'
    >>> detect_encoding("企业名称".encode("utf-8"))
    'utf-8-sig'
    >>> detect_encoding("企业名称".encode("utf-16"))
    'utf-16'
    """
    if raw.startswith(_UTF16_BOMS):
        return "utf-16"
    for enc in _ENCODINGS:
        try:
            raw.decode(enc)
        except UnicodeDecodeError:
            continue
        return enc
    raise UnicodeDecodeError("utf-8/gb18030", raw[:1], 0, 1, "not UTF-8 or GB18030")


#: UTF-8 lead bytes before a file's first invalid byte from which the file is taken for
#: UTF-8 with a foreign line: GBK text almost never holds even a few valid sequences,
#: and GB18030 would otherwise decode the whole file, every UTF-8 name as mojibake.
_UTF8_EVIDENCE = 16


def _breaks(raw: bytes, end: int) -> int:
    """Line breaks in ``raw[:end]``: LF, or CR in a file of CR line ends (old Mac exports)."""
    lf = raw.count(b"\n", 0, end)
    return lf if lf or b"\n" in raw else raw.count(b"\r", 0, end)


def _utf8_leads(window: bytes | memoryview) -> int:
    """How many multi-byte UTF-8 characters start in ``window`` (its lead bytes)."""
    lead = np.frombuffer(window, dtype=np.uint8)
    return int(((lead >= 0xC2) & (lead <= 0xF4)).sum())


def undecodable_at(
    raw: bytes, *, lines_before: int = 0, utf8_before: int = 0
) -> tuple[int | None, str]:
    """Where UTF-8 text holds a foreign line: ``(line, words)`` for an error message (the
    line counted from 1, as an editor numbers it, plus ``lines_before``), or
    ``(None, "")`` when ``raw`` is valid UTF-8 or is not UTF-8 before its first bad byte
    (another encoding throughout: GBK, Big5 …). ``utf8_before``: multi-byte characters
    read before ``raw`` (a file read block by block)."""
    skip = 0  # (a window cut from a file may start inside a character)
    while skip < 3 and skip < len(raw) and raw[skip] & 0xC0 == 0x80:
        skip += 1
    try:
        str(memoryview(raw)[skip:], "utf-8")  # (no copy of the bytes)
    except UnicodeDecodeError as exc:
        at = skip + exc.start
        if utf8_before + _utf8_leads(memoryview(raw)[skip:at]) < _UTF8_EVIDENCE:
            return None, ""
        line = lines_before + _breaks(raw, at) + 1
        return line, (
            f": 第 {line} 行含非 UTF-8 字节 / line {line} holds byte 0x{raw[at]:02X}, "
            "not UTF-8, while the lines before it are (a row pasted from a GBK file, or a "
            "file cut short?)"
        )
    return None, ""


def _counted_before(f: Any, end: int, block: int) -> tuple[int, int]:
    """The newlines and the multi-byte UTF-8 characters of ``f``'s first ``end`` bytes."""
    f.seek(0)
    lines = leads = 0
    while end > 0 and (part := f.read(min(block, end))):
        lines += _breaks(part, len(part))
        leads += _utf8_leads(part) if leads < _UTF8_EVIDENCE else 0
        end -= len(part)
    return lines, leads


def _mixed(path: Path, line: int, words: str) -> InputError:
    return InputError(
        f"文件混有两种编码 / the file mixes two encodings{words}",
        file=str(path),
        row=line,
        hint="save the file as UTF-8 CSV (or retype that line's text)",
    )


#: pandas' C tokenizer errors, and what they mean to a person with a spreadsheet.
_EOF_IN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")
_FIELD_COUNT = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def parser_problem(exc: BaseException) -> tuple[str, int | None, str] | None:
    """``(message, line, hint)`` for a CSV tokenizer error pandas raised, or None.

    pandas says "EOF inside string starting at row 1" (its row counted from 0) for a
    quote that is never closed, and "Expected 3 fields in line 5, saw 4" for a row wider
    than the header: the line is given as an editor numbers it (from 1).
    """
    text = str(exc)
    if m := _EOF_IN_QUOTE.search(text):
        line = int(m[1]) + 1
        return (
            f"引号未闭合 / a quoted cell opened on line {line} is never closed",
            line,
            'close the quote, or write a quote inside a cell twice ("")',
        )
    if m := _FIELD_COUNT.search(text):
        return (
            f"第 {m[2]} 行有 {m[3]} 个单元格, 表头有 {m[1]} 个 / line {m[2]} has {m[3]} cells, "
            f"the header {m[1]}",
            int(m[2]),
            "check that line's quoting and separators",
        )
    return None


def file_encoding(path: str | Path, *, block: int = 2**22) -> str:
    """:func:`detect_encoding` over a whole file, read block by block (never all at once).

    A GBK file whose first megabytes happen to be ASCII is still found to be GBK.
    Raises :class:`InputError` naming the file when no encoding decodes it.
    """
    path = Path(path)
    with path.open("rb") as f:
        head = f.read(4)
        if head.startswith(_UTF16_BOMS):
            return "utf-16"
        for enc in _ENCODINGS:
            f.seek(0)
            decoder = codecs.getincrementaldecoder(enc)()
            before = 0  # the bytes before the previous chunk
            prev = chunk = b""
            try:
                while chunk := f.read(block):
                    decoder.decode(chunk)
                    before += len(prev)
                    prev = chunk
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                if enc == "utf-8-sig":  # UTF-8 with a foreign line, not another encoding?
                    # The chunk read, the one before it (a character cut between them)
                    # and a character cut at its end; the lines and UTF-8 characters
                    # before them counted only now (the usual file never gets here).
                    window = (prev if prev is not chunk else b"") + chunk + f.read(8)
                    lines, leads = _counted_before(f, before, block)
                    line, words = undecodable_at(window, lines_before=lines, utf8_before=leads)
                    if line is not None:
                        raise _mixed(path, line, words) from None
                continue
            return enc
    raise InputError(
        "无法识别编码 / cannot decode as UTF-8, UTF-16 or GBK/GB18030",
        file=str(path),
        hint="save the file as UTF-8 CSV",
    )


def _streamed_encoding(path: Path, *, head: int = 256 * 1024) -> str:
    """:func:`file_encoding`, corrected as :func:`~chainmap.readwrite.sniff.guess_encoding`
    corrects it on the file's first lines (Big5, UTF-16 without a BOM), as
    :func:`read_table` reads the whole file."""
    enc = file_encoding(path)
    if enc not in _ENCODINGS:
        return enc
    with path.open("rb") as f:
        raw = f.read(head)
    if len(raw) == head and b"\n" in raw:  # whole lines only: no character cut in two
        raw = raw[: raw.rindex(b"\n") + 1]
    try:
        guess, _ = guess_encoding(raw)
    except UnicodeDecodeError:
        return enc
    return guess if guess not in _ENCODINGS else enc


def _filled(value: object) -> bool:
    return not is_blank(value)


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
    import statistics  # (with fractions: 3 ms of a start-up that reads no sheet)

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
    text_cells: bool = True,
) -> pd.DataFrame:
    """Read a CSV, XLSX or Parquet file with every cell as text (``None`` when empty).

    ``header`` is the 0-based row of the header, ``"auto"`` (default) to find it
    below any title rows (:func:`detect_header_row`), or ``None`` to return the raw
    rows. ``frame.attrs["first_row"]`` is the 1-based spreadsheet row of the first
    data row. Raises :class:`InputError` naming the file for unreadable or empty files.

    ``text_cells=False`` leaves the cells as the parser gives them (object columns,
    where a blank cell may still be ``""``, blanks or NaN): for a normaliser that
    reads every cell through :func:`chainmap.model.values.text` anyway, which then
    skips two passes over every cell (a million-row export: about ten seconds).
    """
    path = Path(path)
    fmt = format_of(path)
    if header == "auto":
        raw = read_table(path, sheet=sheet, header=None, text_cells=text_cells)
        if fmt == "parquet" or raw.empty:
            at = 0
        else:
            at = detect_header_row(raw.head(20).values.tolist())
        notes = list(raw.attrs.get("notes", []))
        overlong = overlong_rows(raw, at, at + 2) if fmt != "parquet" and len(raw) else {}
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
    notes: list[str] = []  # encoding and separator guesses, for the import report
    try:
        if fmt == "xlsx":
            frame = pd.read_excel(
                path, sheet_name=sheet or 0, header=header, dtype=str, engine="openpyxl"
            )
        elif fmt == "parquet":
            with parquet_errors(path):
                frame = pd.read_parquet(path)
            if header is None:
                frame = pd.concat([frame.columns.to_frame().T, frame], ignore_index=True)
            frame = frame.astype("object").where(frame.notna(), None)
        elif fmt in ("csv", "tsv"):
            frame = _read_csv(path, fmt, header, notes)
        else:
            raise _unsupported(path)
    except InputError:
        raise
    except ValueError as exc:
        if "Worksheet" in str(exc) or "sheet" in str(exc).lower():
            raise InputError(
                f"找不到工作表 / no sheet {sheet!r}", file=str(path), hint=str(exc)
            ) from None
        parsed = parser_problem(exc)  # (pandas' ParserError is a ValueError)
        if parsed is not None:
            message, line, hint = parsed
            raise InputError(message, file=str(path), row=line, hint=hint) from None
        raise InputError(f"无法读取 / cannot read: {exc}", file=str(path)) from None
    except OSError:
        raise  # permission, missing folder …: one line from the CLI
    except Exception as exc:  # corrupt zip, parquet errors, csv tokeniser errors …
        if fmt == "xlsx":
            raise not_a_workbook(path, exc) from None
        raise InputError(
            f"无法读取 / cannot read: {type(exc).__name__}: {exc}".splitlines()[0],
            file=str(path),
        ) from None
    if text_cells:
        frame = _as_text_cells(frame)
    frame.attrs["first_row"] = 1 if header is None else header + 2
    frame.attrs["notes"] = notes
    return frame


def _read_csv(path: Path, fmt: str, header: int | None, notes: list[str]) -> pd.DataFrame:
    """Every field of a CSV/TSV file as ``str`` (``""`` when empty; NaN past a short row)."""
    raw = path.read_bytes()
    if not raw or raw.isspace():  # (raw.strip() would copy the whole file)
        raise InputError("文件为空 / the file is empty", file=str(path))
    if header is None:
        held = [raw]  # given away, so that pyarrow's path can free it once parsed
        del raw
        frame = _arrow_export(held, fmt, notes)
        if frame is not None:
            return frame
        raw = held[0]
    try:
        enc, note = guess_encoding(raw)
    except UnicodeDecodeError:
        enc, note = None, None
    if enc is None or not enc.lower().startswith("utf"):  # UTF-8 with a GBK row? GB18030
        # (or a guessed Chinese encoding) would read every UTF-8 name as mojibake
        line, words = undecodable_at(raw)
        if line is not None:
            raise _mixed(path, line, words)
    if enc == "gb18030" and raw.startswith(codecs.BOM_UTF8):
        # A UTF-8 mark before GBK text (a GBK file some tool marked): the mark would be
        # read as GBK too, and the first header become 锘縩ame.
        raw = raw[len(codecs.BOM_UTF8) :]
        note = "UTF-8 标记后为 GBK 文本, 按 GBK 读取 / a UTF-8 byte-order mark before GBK text: read as GBK; check the text"
    notes += [f"  {note}"] if note else []
    options = dict(header=header, dtype=object, keep_default_na=False, skip_blank_lines=False)
    if enc == "utf-8-sig" and b"\r" not in raw and b"\x00" not in raw:
        # The usual export: valid UTF-8 (guess_encoding decoded it), LF line breaks.
        # Parse its bytes as they are, and try the first row's width before a pass
        # over every row to find the widest (which title rows above the table need).
        body = memoryview(raw)[len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0 :]
        head = _first_lines(body)
        sep = "\t" if fmt == "tsv" else guess_separator(head, notes)
        try:  # (pyarrow, when it applies, was tried first: _arrow_export)
            return pd.read_csv(io.BytesIO(body), encoding="utf-8", sep=sep, **options)
        except pd.errors.ParserError:
            if header is not None:
                raise
        text = str(body, "utf-8")
    else:
        try:
            if enc is None:
                raise UnicodeDecodeError("", b"", 0, 1, "")
            text = raw.decode(enc)
        except UnicodeDecodeError:
            raise InputError(
                "无法识别编码 / cannot decode as UTF-8 or GBK/GB18030",
                file=str(path),
                hint="save the file as UTF-8 CSV",
            ) from None
        sep = "\t" if fmt == "tsv" else guess_separator(text, notes)
        text = fix_bare_carriage_returns(text, notes)
    # Raw rows: title rows are narrower than the table, so name every column
    # up front or the parser stops at the first wider row.
    lift_cell_limit()
    width = max((len(r) for r in csv.reader(io.StringIO(text), delimiter=sep)), default=0)
    # UTF-8 bytes, not a StringIO: pandas re-encodes a text stream through a
    # wrapper whose overflow buffer is copied on every read, quadratic in the
    # file for CJK text (a 1M-row registry export: minutes instead of seconds).
    return pd.read_csv(
        io.BytesIO(text.encode("utf-8")),
        encoding="utf-8",
        sep=sep,
        names=list(range(width)) if header is None else None,
        **options,
    )


def _arrow_export(held: list[bytes], fmt: str, notes: list[str]) -> pd.DataFrame | None:
    """A large plain export read by pyarrow before any decode of the whole file.

    :func:`guess_encoding` reads such a file as UTF-8 without a note, and pyarrow checks
    that every field is valid UTF-8 as it parses (delimiters, quotes and line breaks are
    ASCII), so decoding it first is a second pass over the bytes for nothing. ``None``
    for anything else: a byte-order mark of UTF-16/32, NULs, CR line breaks, a head
    that is not UTF-8, or whatever :func:`_arrow_cells` declines (invalid UTF-8
    included); the caller then reads it as before. ``held`` holds the file's bytes; it is
    emptied once pyarrow has parsed them (:func:`_arrow_cells`).
    """
    raw = held[0]
    if raw.startswith(_BOMS_NOT_UTF8) or b"\x00" in raw or b"\r" in raw:
        return None
    start = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    if len(raw) - start < ARROW_MIN_BYTES:
        return None
    try:
        head = _first_lines(memoryview(raw)[start:])
    except UnicodeDecodeError:
        return None
    del raw
    found: list[str] = []  # the separator's note, kept only when pyarrow reads the file
    sep = "\t" if fmt == "tsv" else guess_separator(head, found)
    frame = _arrow_cells(held, start, head, sep)
    if frame is not None:
        notes += found
    return frame


_BOMS_NOT_UTF8 = (
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
)

#: Plain UTF-8 files from this size on are parsed by pyarrow when it is installed (the
#: ``parquet`` extra): two cores instead of one, a million-row export in a third of the time.
ARROW_MIN_BYTES = 1 << 20


def _arrow_cells(held: list[bytes], start: int, head: str, sep: str) -> pd.DataFrame | None:
    """The fields of a rectangular CSV as pandas' parser gives them, read by pyarrow.

    ``None`` (pandas reads it instead) without pyarrow, for a one-column file, and for
    anything pyarrow will not read as a rectangle of text: rows of other widths (title
    rows, ragged rows), blank lines, bad quoting. What it does read are the same
    strings (``tests/test_readwrite.py`` compares the two on every fixture).
    """
    try:
        import pyarrow as pa
        from pyarrow import csv as pacsv
    except ImportError:
        return None
    first = next(csv.reader(io.StringIO(head), delimiter=sep), [])
    if len(first) < 2:
        return None
    names = [f"c{i}" for i in range(len(first))]
    body = pa.py_buffer(held[0]).slice(start)
    try:
        table = pacsv.read_csv(pa.BufferReader(body), **_arrow_options(names, sep))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_columns != len(names):
        return None
    del body
    held.clear()  # pyarrow holds the fields now: the file's bytes go before the text is built
    columns = table.columns
    del table
    cells = {}
    for i in range(len(columns)):  # one column at a time, each freed once it is text
        cells[i] = np.array(columns[i].to_pylist(), dtype=object)
        columns[i] = None
    frame = pd.DataFrame(cells, dtype=object)  # as pandas' parser: no str-dtype inference
    frame.columns = pd.Index(list(range(len(names))))  # as pandas' parser labels them
    return frame


class ExportDeclined(Exception):
    """pyarrow's streaming reader stopped on a file :func:`iter_export` had taken: read it whole."""


class ExportPart(NamedTuple):
    """Rows of an export as pyarrow read them (every field a string), before any conversion."""

    cells: Any  # a pyarrow Table, columns c0, c1, …
    header: list[str]
    first_row: int  # the spreadsheet row of its first row
    notes: list[str]

    def frame(self) -> pd.DataFrame:
        """The part as :func:`read_table` (``text_cells=False``) gives these rows."""
        frame = _raw_cells(self.cells)
        frame.columns = _unique_names(self.header)
        frame.attrs.update(first_row=self.first_row, notes=list(self.notes), overlong_rows={})
        return frame

    def empty(self) -> ExportPart:
        """The part without its rows (its header and notes)."""
        return self._replace(cells=self.cells.slice(0, 0))


class RangesDeclined(ExportDeclined):
    """A cell of the export holds a line break: its lines are not its rows (read in parts
    by the calling process instead, :func:`iter_export`)."""


class ExportRange(NamedTuple):
    """Bytes ``start`` to ``end`` of an export: whole lines, read by the process that
    normalises them (:func:`export_ranges`), so the caller neither parses nor pickles them."""

    path: str
    start: int
    end: int
    rows: int  # its lines: its rows, unless a cell holds a line break
    width: int
    sep: str
    header: list[str]
    first_row: int  # the spreadsheet row of its first line
    notes: list[str]

    def empty(self) -> ExportPart:
        """The part without its rows (its header and notes), not reading the file."""
        import pyarrow as pa

        names = [f"c{i}" for i in range(self.width)]
        cells = pa.schema([(n, pa.string()) for n in names]).empty_table()
        return ExportPart(cells, self.header, self.first_row, list(self.notes))

    def read(self) -> ExportPart:
        """Its rows as :func:`iter_export` gives them (one thread: the workers fill the cores).

        Raises :class:`ExportDeclined` where pyarrow stops (a ragged row, invalid UTF-8),
        and :class:`RangesDeclined` when its lines are not its rows.
        """
        import pyarrow as pa
        from pyarrow import csv as pacsv

        names = [f"c{i}" for i in range(self.width)]
        with pa.memory_map(self.path) as source:
            source.seek(self.start)
            data = source.read_buffer(self.end - self.start)  # (mapped, not copied)
            try:
                cells = pacsv.read_csv(
                    pa.BufferReader(data), **_arrow_options(names, self.sep, use_threads=False)
                )
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                if b'"' in data.to_pybytes():  # perhaps a quoted cell cut at a line break
                    raise RangesDeclined(str(exc)) from None
                raise ExportDeclined(str(exc)) from None
            del data
        if cells.num_rows != self.rows:
            raise RangesDeclined(f"rows {self.first_row}–: a cell holds a line break")
        return ExportPart(cells, self.header, self.first_row, list(self.notes))


def iter_export(
    path: str | Path,
    chunk_rows: int = 250_000,
    *,
    min_bytes: int = ARROW_MIN_BYTES,
    raw: bool = False,
) -> Iterator[pd.DataFrame] | Iterator[ExportPart] | None:
    """A large plain export in parts: the cells :func:`read_table` (``text_cells=False``) reads.

    For the files :func:`read_table` gives to pyarrow whole (:func:`_arrow_export`: plain
    UTF-8, no NULs, no CR line breaks, a rectangle of two or more columns) of at least
    ``min_bytes``, and whose header row names every column (so no row can spill past it):
    pyarrow's streaming reader, about ``chunk_rows`` rows at a time, each part with its
    ``attrs`` ``first_row``, ``notes`` and ``overlong_rows`` (none) as :func:`read_table`
    sets them. ``None`` for any other file, which the caller reads whole.

    A file pyarrow stops on part way (a ragged row, invalid UTF-8 further down) raises
    :class:`ExportDeclined` from the iterator; the caller then reads it whole, where the
    pandas parser takes such files. Parts are never yielded before the header is known.
    ``raw=True`` yields each part as pyarrow read it (:class:`ExportPart`), for a caller
    that converts it elsewhere (another process).
    """
    path = Path(path)
    if (plain := _plain_export(path, min_bytes, scan=True)) is None:
        return None
    _block, start, sep, found, width = plain
    parts = _export_parts(path, start, width, sep, found, chunk_rows)
    return parts if raw else (part.frame() for part in parts)


def _plain_export(
    path: Path, min_bytes: int, *, scan: bool
) -> tuple[bytes, int, str, list[str], int] | None:
    """What :func:`iter_export` and :func:`export_ranges` take: a CSV or TSV of ``min_bytes``
    or more, UTF-8 (a BOM of UTF-16/32 declines it), no NUL or CR (in the whole file with
    ``scan``, else in its first MiB), line breaks early on, two columns or more; with
    pyarrow installed (the ``parquet`` extra). Its first MiB, where its text starts (after
    a UTF-8 BOM), the separator, its note, and the first line's width; else None."""
    if format_of(path) not in ("csv", "tsv") or not path.is_file():
        return None
    try:
        import pyarrow  # noqa: F401  (the ``parquet`` extra)
    except ImportError:
        return None
    with path.open("rb") as f:
        block = f.read(1 << 20)
        if block.startswith(_BOMS_NOT_UTF8) or b"\x00" in block or b"\r" in block:
            return None
        start = len(codecs.BOM_UTF8) if block.startswith(codecs.BOM_UTF8) else 0
        size = path.stat().st_size
        if size - start < min_bytes:
            return None
        f.seek(len(block))
        while scan and (chunk := f.read(1 << 26)):  # as _arrow_export: no NUL, no CR anywhere
            if b"\x00" in chunk or b"\r" in chunk:
                return None
    try:
        head = _first_lines(memoryview(block)[start:])
    except UnicodeDecodeError:
        return None
    if len(head.encode()) > 1 << 16 and size > len(block):
        return None  # no line break early on: read_table reads the whole file as its head
    found: list[str] = []
    sep = "\t" if format_of(path) == "tsv" else guess_separator(head, found)
    first = next(csv.reader(io.StringIO(head), delimiter=sep), [])
    if len(first) < 2:
        return None
    return block, start, sep, found, len(first)


def _export_parts(
    path: Path, start: int, width: int, sep: str, notes: list[str], chunk_rows: int
) -> Iterator[ExportPart]:
    """The parts of :func:`iter_export`, read with :func:`_arrow_cells`' options."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    names = [f"c{i}" for i in range(width)]
    chunk_rows = max(chunk_rows, 1)
    # Blocks of 1 MiB: pyarrow reads ahead a number of blocks, so larger blocks held more
    # (16 MiB: 680 MiB in its pool for a 766 MB export, 1 MiB: 190 MiB, and faster). A
    # row longer than a block stops the reader: the file is then read whole.
    header: list[str] | None = None
    first = 0
    with pa.OSFile(str(path)) as source:
        source.seek(start)
        try:
            reader = pacsv.open_csv(source, **_arrow_options(names, sep, block_size=1 << 20))
            pending = reader.schema.empty_table()  # rows read and not yet given out
            done = False
            while not done:
                try:
                    batch = reader.read_next_batch()
                    pending = pa.concat_tables([pending, pa.Table.from_batches([batch])])
                except StopIteration:
                    done = True
                if header is None:  # found in the first 20 rows, as read_table finds it
                    if pending.num_rows <= 20 and not done:
                        continue
                    head = _raw_cells(pending.slice(0, 20))
                    at = detect_header_row(head.values.tolist()) if len(head) else 0
                    header = head.iloc[at].tolist() if len(head) else []
                    if not all(_filled(v) for v in header):
                        raise ExportDeclined("the header leaves columns unnamed")
                    pending, first = pending.slice(min(at + 1, pending.num_rows)), at + 2
                while pending.num_rows >= chunk_rows or (done and pending.num_rows):
                    cells = pending.slice(0, chunk_rows)
                    pending = pending.slice(min(chunk_rows, pending.num_rows))
                    yield ExportPart(cells, header, first, list(notes))
                    first += cells.num_rows
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise ExportDeclined(str(exc)) from None


def export_ranges(
    path: str | Path, chunk_rows: int = 250_000, *, min_bytes: int = ARROW_MIN_BYTES
) -> Iterator[ExportRange] | None:
    """The parts of :func:`iter_export` as byte ranges of whole lines, for other processes to read.

    For the files :func:`iter_export` takes whose first 21 lines are 21 rows. The caller
    maps each range in turn, only to check it (no NUL, no CR, as :func:`iter_export`)
    and to count its lines (its first row number is that of the range before plus its
    lines); pyarrow parses it where it is normalised
    (:meth:`ExportRange.read`). A range of about ``chunk_rows`` lines ends at a line
    break, so where no cell holds a line break its lines are its rows; a range whose
    rows are fewer raises :class:`RangesDeclined` as it is read, and the caller reads the
    file with :func:`iter_export`. A NUL or CR further on raises :class:`ExportDeclined`
    (read whole, as :func:`iter_export` has it). ``None`` where :func:`iter_export` gives
    ``None``, and for a file whose head does not split into rows at its line breaks.
    """
    path = Path(path)
    if (plain := _plain_export(path, min_bytes, scan=False)) is None:
        return None
    import pyarrow as pa
    from pyarrow import csv as pacsv

    block, start, sep, found, width = plain
    size = path.stat().st_size
    # the header is found in the first 20 rows, as _export_parts finds it: here they must
    # be the first 20 lines (and one more, so that the 20th row is whole)
    ends, at = [], start
    while len(ends) < 21 and (at := block.find(b"\n", at) + 1) > 0:
        ends.append(at)
    if len(ends) < 21 and size > len(block):
        return None  # long lines: iter_export's reader takes them
    cut = ends[-1] if len(ends) == 21 else len(block)
    lines = len(ends) + (cut == len(block) and not block.endswith(b"\n"))
    names = [f"c{i}" for i in range(width)]
    try:
        rows = pacsv.read_csv(
            pa.BufferReader(block[start:cut]), **_arrow_options(names, sep, use_threads=False)
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None  # iter_export's reader declines it, or reads rows that span lines
    if rows.num_rows != lines:
        return None
    cells = _raw_cells(rows.slice(0, 20))
    skip = detect_header_row(cells.values.tolist())
    like = ExportRange(str(path), 0, 0, 0, width, sep, cells.iloc[skip].tolist(), skip + 2, found)
    per_line = (len(block) - start) / max(block.count(b"\n", start), 1)
    step = max(int(per_line * max(chunk_rows, 1)), 1)
    return _ranges(path, ends[skip] if skip < len(ends) else size, size, step, like)


def _ranges(path: Path, pos: int, size: int, step: int, like: ExportRange) -> Iterator[ExportRange]:
    """The ranges of :func:`export_ranges` from byte ``pos``, each about ``step`` bytes."""
    if not all(_filled(v) for v in like.header):
        raise ExportDeclined("the header leaves columns unnamed")
    import mmap

    first = like.first_row
    # Each range mapped, not read, then unmapped: no copy of the file's bytes here, and
    # none of them left in this process (a mapping of the whole file kept every page read,
    # 8 GiB of resident memory for a 10M-row export). memchr finds a NUL or CR, numpy
    # counts the line breaks (the 766 MB 1M-row export: 0.2–0.4 s; reading it and
    # bytes.count, 0.8 s).
    with path.open("rb") as f:
        while pos < size:
            end = pos + step
            if end >= size:
                end = size
            else:  # on to the end of the line that holds byte end - 1
                f.seek(end - 1)
                while True:
                    tail = f.read(1 << 16)
                    if not tail:
                        end = size
                        break
                    if (at := tail.find(b"\n")) >= 0:
                        end = f.tell() - len(tail) + at + 1
                        break
            base = pos - pos % mmap.ALLOCATIONGRANULARITY
            lo, hi = pos - base, end - base
            try:
                mm = mmap.mmap(f.fileno(), hi, access=mmap.ACCESS_READ, offset=base)
            except (OSError, ValueError):  # (the file was cut short while read)
                raise ExportDeclined("the file changed while it was read") from None
            with mm:
                if mm.find(b"\x00", lo, hi) >= 0 or mm.find(b"\r", lo, hi) >= 0:
                    raise ExportDeclined("a NUL or CR further on")
                rows = int(np.count_nonzero(np.frombuffer(mm, np.uint8, hi - lo, lo) == 10))
                rows += mm[hi - 1] != 10
            yield like._replace(start=pos, end=end, rows=rows, first_row=first)
            first, pos = first + rows, end


def _raw_cells(table: object) -> pd.DataFrame:
    """Rows of pyarrow's strings as :func:`_arrow_cells` gives them: object columns 0, 1, …"""
    # (strings, never null here: ``to_numpy`` gives the same object array as ``to_pylist``,
    # in three quarters of the time)
    cells = {i: c.to_numpy() for i, c in enumerate(table.columns)}
    frame = pd.DataFrame(cells, dtype=object)
    frame.columns = pd.Index(list(range(table.num_columns)))
    return frame


def _arrow_options(names: list[str], sep: str, **read: int | bool) -> dict:
    """pyarrow's CSV options for the cells pandas' parser gives: every field a string, ``""``
    when empty, quoted line breaks kept, blank lines not skipped (they decline the file)."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    return {
        "read_options": pacsv.ReadOptions(column_names=names, **read),
        "parse_options": pacsv.ParseOptions(
            delimiter=sep, newlines_in_values=True, ignore_empty_lines=False
        ),
        "convert_options": pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    }


def _first_lines(body: memoryview, size: int = 1 << 16) -> str:
    """The start of a UTF-8 file, whole lines only (the whole file when its first line is longer)."""
    head = bytes(body[:size])
    if len(body) > size:
        cut = head.rfind(b"\n")
        head = bytes(body) if cut < 0 or not head[:cut].strip() else head[: cut + 1]
    return head.decode("utf-8")


def _as_text_cells(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype("object").where(frame.notna(), None)
    # column by column (DataFrame.map calls back per cell); each column is then
    # inferred as DataFrame.map infers it (text columns become pandas' str dtype)
    return pd.DataFrame(
        {
            k: pd.Series(
                [None if isinstance(v, str) and not v.strip() else v for v in column],
                index=frame.index,
            )
            for k, (_, column) in enumerate(frame.items())
        },
        index=frame.index,
    ).set_axis(frame.columns, axis=1)


def _unsupported(path: Path) -> InputError:
    return InputError(
        f"不支持的文件类型 / unsupported file type {path.suffix.lower()!r}",
        file=str(path),
        hint="use " + ", ".join(f".{f}" for f in TABLE_FORMATS if f != "tsv"),
    )


def iter_table(
    path: str | Path, chunk_rows: int = 250_000, *, header: int | Literal["auto"] = "auto"
) -> Iterator[pd.DataFrame]:
    """Read a CSV or Parquet file part by part: the same cells :func:`read_table` reads.

    CSV comes in chunks of ``chunk_rows`` rows, with the encoding and the header
    row found as :func:`read_table` finds them; each chunk's ``attrs["first_row"]``
    is the spreadsheet row of its first row. Parquet comes row group by row group,
    as stored (a canonical table keeps its types; see :func:`read_row_group`).
    An XLSX workbook is one zip archive and cannot be read in parts: that is an
    :class:`InputError` saying so.
    """
    path = Path(path)
    fmt = format_of(path)
    if fmt == "xlsx":
        raise InputError(
            "XLSX 工作簿不能分块读取 / an XLSX workbook cannot be read part by part",
            file=str(path),
            hint="save it as CSV, import it to Parquet (chainmap import), or use --engine memory",
        )
    if fmt not in STREAMABLE:
        raise _unsupported(path)
    if not path.is_file():
        raise InputError("文件不存在 / file not found", file=str(path))
    if fmt == "parquet":
        for group in range(row_groups(path)):
            yield read_row_group(path, group)
        return
    enc = _streamed_encoding(path)
    sep = "\t" if fmt == "tsv" else ","
    lift_cell_limit()
    with path.open(encoding=enc, newline="") as f:
        head = [row for _, row in zip(range(20), csv.reader(f, delimiter=sep), strict=False)]
    if not head:
        raise InputError("文件为空 / the file is empty", file=str(path))
    at = detect_header_row(head) if header == "auto" else header
    # As read_table: cells beyond the header (trailing commas) get "Unnamed: i" columns,
    # as wide as the widest of the first rows. Wider rows further down spill into
    # SPILL_COLUMNS more, which find them (overlong_rows) and are then dropped.
    width = max((len(row) for row in head[at:]), default=0)
    names = _unique_names([*head[at], *[""] * (width - len(head[at]))]) if at < len(head) else []
    named = max((i + 1 for i, v in enumerate(head[at]) if _filled(v)), default=0) if names else 0
    spill = [f"\x00spill{i}" for i in range(SPILL_COLUMNS)]
    first = at + 2
    try:
        reader = pd.read_csv(
            path,
            sep=sep,
            encoding=enc,
            header=None,
            skiprows=at + 1,
            names=[*names, *spill],
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            index_col=False,
            chunksize=chunk_rows,
        )
        for chunk in _quietly(reader):
            chunk = chunk.reset_index(drop=True)
            overlong = _spilled(chunk, named, first)
            chunk = _as_text_cells(chunk.drop(columns=spill))
            chunk.attrs.update(first_row=first, overlong_rows=overlong)
            first += len(chunk)
            yield chunk
    except pd.errors.EmptyDataError:
        return
    except (ValueError, pd.errors.ParserError) as exc:
        parsed = parser_problem(exc)  # (its line is the file's)
        raise InputError(
            f"无法读取 / cannot read: {parsed[0] if parsed else exc}".splitlines()[0],
            file=str(path),
            row=parsed[1] if parsed else first,
            hint="a row has more cells than the header, or a quote is never closed; "
            "check the quoting from this row on",
        ) from None


#: Columns past the widest of a CSV's first rows into which :func:`iter_table` lets a
#: wider row spill, to find it: a row with more fields still is found, its count capped.
SPILL_COLUMNS = 8


def _spilled(chunk: pd.DataFrame, named: int, first: int) -> dict[int, int]:
    """:func:`~chainmap.readwrite.sniff.overlong_rows` of a chunk whose header names its
    first ``named`` columns: row (numbered from ``first``) -> its fields up to the last
    filled one."""
    beyond = chunk.iloc[:, named:]
    if beyond.shape[1] == 0:
        return {}
    some = np.zeros(len(beyond), dtype=bool)  # any non-empty cell there (usually none)
    for _, column in beyond.items():
        some |= column.fillna("").astype(str).str.len().to_numpy() > 0
    candidates = np.flatnonzero(some)
    out = {}
    for k in candidates.tolist():
        filled = [
            j for j, v in enumerate(beyond.iloc[k].tolist()) if is_filled(v)
        ]  # overlong_rows' test
        if filled:
            out[first + k] = named + filled[-1] + 1
    return out


def _quietly(reader: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """The chunks of ``reader`` without pandas' warning about cells beyond the header."""
    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            chunk = next(reader, None)
        if chunk is None:
            return
        yield chunk


@contextlib.contextmanager
def parquet_errors(path: str | Path) -> Iterator[None]:
    """Turn pyarrow's errors on an empty, truncated or damaged Parquet file into one line.

    pyarrow raises ``ArrowInvalid`` (a ValueError) or an ``OSError`` without an errno
    ("Couldn't deserialize thrift"); an OSError with an errno (permission, missing
    folder) is the operating system's and passes on as it is.

    Examples
    --------
    >>> import pyarrow as pa
    >>> with parquet_errors("x.parquet"):  # doctest: +ELLIPSIS
    ...     raise pa.ArrowInvalid("Parquet file size is 0 bytes")
    Traceback (most recent call last):
    chainmap.errors.InputError: x.parquet: 无法读取 Parquet / cannot read this Parquet file: ...
    """
    try:
        yield
    except InputError:
        raise
    except OSError as exc:
        if exc.errno is not None:
            raise
        raise _bad_parquet(path, exc) from None
    except (ValueError, TypeError, KeyError) as exc:
        if type(exc).__module__.split(".")[0] != "pyarrow":
            raise
        raise _bad_parquet(path, exc) from None


def _bad_parquet(path: str | Path, exc: Exception) -> InputError:
    first = (str(exc).splitlines() or [type(exc).__name__])[0].rstrip(". ")
    return InputError(
        f"无法读取 Parquet / cannot read this Parquet file: {first}",
        file=str(path),
        hint="it is empty or damaged; write it again (for example with chainmap import)",
    )


def row_groups(path: str | Path) -> int:
    """The number of row groups of a Parquet file."""
    import pyarrow.parquet as pq

    with parquet_errors(path):
        return pq.ParquetFile(path).metadata.num_row_groups


def read_row_group(
    path: str | Path, group: int, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row group of a Parquet file as a DataFrame, types as stored (``columns``: only these)."""
    import pyarrow.parquet as pq

    with parquet_errors(path):
        return pq.ParquetFile(path).read_row_group(group, columns=columns).to_pandas()


def parquet_columns(path: str | Path) -> list[str] | None:
    """The columns of a Parquet file as a DataFrame reads them; None when it stores an index."""
    import pyarrow.parquet as pq

    with parquet_errors(path):
        schema = pq.ParquetFile(path).schema_arrow
    index = (schema.pandas_metadata or {}).get("index_columns") or []
    if any(not isinstance(i, dict) for i in index):  # an index stored as a column
        return None
    return list(schema.names)
