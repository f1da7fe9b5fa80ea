"""Tabular outputs: terminal table, CSV (UTF-8 with BOM), JSON and XLSX.

All writers take a list of records (dicts, the JSON shape of a command) or a
DataFrame. Every tabular writer (CSV, XLSX, DOCX tables, Markdown) passes
headers and cells through :func:`neutralise` against formula injection
(CONTRACTS "Formula injection"); numbers stay numbers. Files are written
atomically (:mod:`chainmap.readwrite.atomic`). Output is deterministic: no timestamps,
fixed XLSX document properties.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
import datetime as _dt
import io
import itertools
import json
import math
from pathlib import Path
import re
from typing import IO, Any

import pandas as pd

from chainmap.errors import InputError
from chainmap.model.values import json_escaped, visible
from chainmap.readwrite import atomic

__all__ = [
    "FIXED_XLSX_DATE",
    "FORMATS",
    "display_width",
    "format_sheet",
    "format_xlsx",
    "neutralise",
    "neutralise_frame",
    "pin_zip_times",
    "records_to_frame",
    "render_table",
    "resolve_format",
    "sheet_title",
    "to_csv",
    "to_json",
    "write_xlsx",
    "xml_text",
]

FORMATS = ("table", "csv", "json", "xlsx")
#: A spreadsheet reads a cell starting with one of these as a formula (or, for TAB
#: and CR, strips them and then does); after an embedded line break too.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_AFTER_BREAK = re.compile(r"[\r\n][=+\-@\t]")
#: A cell that is wholly a number (``-120.5``, ``+3``, ``1e5``) is data, not a formula.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
#: XLSX created/modified stamp, pinned so the same data gives the same bytes.
FIXED_XLSX_DATE = _dt.datetime(2000, 1, 1)


def neutralise(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would read as a formula with ``'``.

    A text cell starting with ``= + - @``, TAB or CR, or holding one after an
    embedded line break, is prefixed; one that is wholly a number is left alone,
    and non-text values pass through, so column types never change.

    Examples
    --------
    >>> neutralise('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> neutralise("本地公司\\r=1+2")
    "'本地公司\\r=1+2"
    >>> neutralise("-120.5"), neutralise(-3.5), neutralise("002156")
    ('-120.5', -3.5, '002156')
    """
    if not isinstance(value, str) or _NUMBER.fullmatch(value):
        return value
    if value.startswith(_FORMULA_START) or _AFTER_BREAK.search(value):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with :func:`neutralise` applied to every header and cell."""
    safe = frame.apply(lambda s: s.map(neutralise)) if len(frame.columns) else frame.copy()
    safe.columns = [neutralise(str(c)) for c in frame.columns]
    return safe


def _cell(value: Any, list_sep: str = "; ") -> Any:
    """Flatten one value for a tabular cell: lists joined, dicts as JSON, NaN as empty."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (list, tuple, set)):
        return list_sep.join(str(v) for v in value)
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, (pd.Timestamp, _dt.date)):
        return value.isoformat()[:10] if not isinstance(value, _dt.datetime) else value.isoformat()
    return value


def records_to_frame(
    records: Sequence[Mapping[str, Any]] | pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    list_sep: str = "; ",
    flatten: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Turn records into a flat DataFrame for CSV/XLSX/table.

    ``flatten`` expands a dict-valued column into ``column.key`` columns
    (e.g. ``contributions``), in the given key order.
    """
    if isinstance(records, pd.DataFrame):
        kept = (
            records.columns
            if columns is None
            else dict.fromkeys(c for c in columns if c in records)
        )
        frame = records[list(kept)].copy()  # (the columns first: a ranking has 40)
    else:
        rows = []
        for rec in records:
            row = dict(rec)
            for col, keys in (flatten or {}).items():
                inner = row.pop(col, None) or {}
                for k in keys:
                    row[f"{col}.{k}"] = inner.get(k)
            rows.append(row)
        frame = pd.DataFrame(rows)
        if columns is None and records:
            columns = list(frame.columns)
    if columns is not None:
        for col in columns:
            if col not in frame.columns:
                frame[col] = None
        frame = frame[list(columns)]
    return frame.apply(lambda s: s.map(lambda v: _cell(v, list_sep))).astype(object)


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (pd.Timestamp, _dt.date)):
        return value.isoformat()[:10] if not isinstance(value, _dt.datetime) else value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        return _jsonable(value.item())
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def to_json(data: Any) -> str:
    """Deterministic JSON text (UTF-8, unescaped Chinese, NaN as null, 2-space indent)."""
    if isinstance(data, pd.DataFrame):
        data = data.to_dict(orient="records")
    return json_escaped(json.dumps(_jsonable(data), ensure_ascii=False, indent=2)) + "\n"


def to_csv(frame: pd.DataFrame, target: str | Path | IO[str] | None = None) -> str | None:
    """Write CSV as UTF-8 with BOM (so Chinese Excel opens it), formula-safe.

    Rows end in CRLF (RFC 4180): Python's ``csv`` quotes a field that holds
    any character of the line terminator, so with CRLF a cell with a bare CR
    or LF is quoted and stays one cell. With ``target=None`` return the text
    (BOM included).
    """
    buffer = io.StringIO()
    neutralise_frame(frame).to_csv(buffer, index=False, lineterminator="\r\n")
    text = "\ufeff" + buffer.getvalue()
    if target is None:
        return text
    if isinstance(target, (str, Path)):
        atomic.write_bytes(target, text.encode("utf-8"))
    else:
        target.write(text)
    return None


def write_xlsx(
    sheets: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    headers: Mapping[str, str] | None = None,
    title: str = "chainmap",
    created: _dt.datetime = FIXED_XLSX_DATE,
) -> Path:
    """Write one or more DataFrames to an XLSX workbook, formula-safe and deterministic.

    Headers are optionally renamed (``headers``), the header row is frozen and
    bold, and column widths fit their content (CJK counted double).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for name, frame in sheets.items():
        sheet = book.create_sheet(title=sheet_title(name))
        cols = [str(c) for c in frame.columns]
        shown = [headers.get(c, c) if headers else c for c in cols]
        sheet.append([xml_text(neutralise(h)) for h in shown])
        for row in frame.itertuples(index=False, name=None):
            sheet.append([xml_text(neutralise(_xlsx_value(v))) for v in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for i, header in enumerate(shown, start=1):
            values = [header] + [str(v) for v in frame.iloc[:, i - 1].tolist() if v is not None]
            width = max((display_width(v) for v in values), default=8)
            letter = sheet.cell(row=1, column=i).column_letter
            sheet.column_dimensions[letter].width = min(max(width + 2, 8), 60)
    props = book.properties
    props.creator = "chainmap"
    props.lastModifiedBy = "chainmap"
    props.title = title
    props.created = created
    props.modified = created
    path = Path(path)
    with atomic.atomic_path(path) as tmp:
        book.save(tmp)
        pin_zip_times(tmp, created)
    return path


def format_sheet(sheet: Any, spec: Mapping[str, Any]) -> None:
    """Number formats and print setup for one openpyxl worksheet written by :func:`write_xlsx`.

    ``spec`` keys (all optional): ``number_formats``, ``{column number (1-based): format}``
    such as ``"0.000"`` or ``"0.0%"``; ``landscape`` (default true); ``title``, a page
    header. Pages are A4, fit to one page wide, and repeat the header row.
    """
    from openpyxl.worksheet.properties import PageSetupProperties

    for col, fmt in (spec.get("number_formats") or {}).items():
        for (cell,) in sheet.iter_rows(min_row=2, min_col=col, max_col=col):
            if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                cell.number_format = fmt
    setup = sheet.page_setup
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.orientation = "landscape" if spec.get("landscape", True) else "portrait"
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = "1:1"
    sheet.print_options.gridLines = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    if spec.get("title"):
        sheet.oddHeader.center.text = xml_text(str(spec["title"])).replace("&", "&&")
    sheet.oddFooter.center.text = "&P / &N"
    if not sheet.freeze_panes:
        sheet.freeze_panes = "A2"


def format_xlsx(
    path: str | Path,
    specs: Mapping[str, Mapping[str, Any]],
    *,
    created: _dt.datetime = FIXED_XLSX_DATE,
) -> Path:
    """Apply :func:`format_sheet` to the named sheets of a workbook on disk, in place
    (through a temp file and a rename), keeping the bytes deterministic."""
    from openpyxl import load_workbook

    from chainmap.readwrite import atomic

    path = Path(path)
    book = load_workbook(path)
    for name, spec in specs.items():
        if sheet_title(name) in book.sheetnames:
            format_sheet(book[sheet_title(name)], spec)
    book.properties.created = created
    book.properties.modified = created
    with atomic.atomic_path(path) as tmp:
        book.save(tmp)
        pin_zip_times(Path(tmp), created)
    return path


#: Characters Excel refuses in a sheet name, shown as their full-width forms.
_SHEET_CHARS = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "[]:*?/\\"})


def sheet_title(name: str) -> str:
    """``name`` as an Excel sheet name: ``[ ] : * ? / \\`` full-width, at most 31 characters.

    >>> sheet_title("交办单 经信局/招商科"), len(sheet_title("很长" * 20))
    ('交办单 经信局／招商科', 31)
    """
    title = xml_text(str(name)).translate(_SHEET_CHARS).strip("'")[:31]
    return title or "sheet"


def xml_text(value: Any) -> Any:
    """Replace control characters with U+FFFD (:func:`chainmap.model.values.visible`).

    openpyxl and python-docx refuse those XML 1.0 cannot hold; DEL and C1 are invisible
    in a cell. A text cell is otherwise kept as it is.

    >>> xml_text("中船\\x01派瑞"), xml_text("a\\tb"), xml_text(3)
    ('中船�派瑞', 'a\\tb', 3)
    """
    return visible(value) if isinstance(value, str) else value


def _xlsx_value(value: Any) -> Any:
    value = _cell(value)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    return value


def pin_zip_times(path: Path, stamp: _dt.datetime = FIXED_XLSX_DATE) -> None:
    """Rewrite an Office zip (XLSX, DOCX) so identical data gives identical bytes.

    Member times are fixed, and the created/modified dates in ``docProps/core.xml``
    are set to ``stamp`` (openpyxl stamps the save time into ``modified``).
    """
    import re
    import zipfile

    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as src:
        members = [(info, src.read(info.filename)) for info in src.infolist()]
    members = [
        (
            info,
            re.sub(
                rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                rb"\g<1>" + iso + rb"\g<2>",
                data,
            )
            if info.filename == "docProps/core.xml"
            else data,
        )
        for info, data in members
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in members:
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, data)


def display_width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def render_table(
    frame: pd.DataFrame,
    *,
    title: str | None = None,
    width: int = 100,
    max_colwidth: int | None = None,
) -> str:
    """Render a DataFrame as a terminal table (rich), CJK-aware, at most ``width`` columns.

    Every text is a :class:`rich.text.Text`, never markup: a firm named ``[bold]…`` or
    ``坏[/]公司`` is printed as it is written.
    """
    headers = [str(col) for col in frame.columns]
    rows = [[_short(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    drawn = _plain_table(headers, rows, title, width, max_colwidth)
    if drawn is not None:
        return drawn
    return _rich_table(headers, rows, title, width, max_colwidth)


def _rich_table(
    headers: list[str],
    rows: list[list[str]],
    title: str | None,
    width: int,
    max_colwidth: int | None,
) -> str:
    """:func:`render_table` drawn by rich itself: the reference, and every case
    :func:`_plain_table` does not take."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=None if title is None else Text(title),
        box=box.SIMPLE_HEAD,
        show_lines=False,
        pad_edge=False,
    )
    for header in headers:
        table.add_column(Text(header), overflow="fold", max_width=max_colwidth)
    for row in rows:
        table.add_row(*[Text(v) for v in row])
    console = Console(
        file=io.StringIO(),
        width=width,
        force_terminal=False,
        color_system=None,
        emoji=False,
        highlight=False,
    )
    console.print(table)
    return console.file.getvalue()


def _plain_table(
    headers: list[str],
    rows: list[list[str]],
    title: str | None,
    width: int,
    max_colwidth: int | None,
) -> str | None:
    """The table :func:`_rich_table` draws, drawn without rich's console; ``None`` when
    the texts or the widths leave the cases this follows.

    rich's console and table machinery take about 0.04 s of a 0.4 s command to import
    and lay out 55 rows (docs/scale.md, section 19). This follows the same steps for
    the one layout :func:`render_table` asks for (``box.SIMPLE_HEAD``, no edge padding,
    folded cells, left-justified, a centred title, no styles) with rich's own cell widths
    and line division (:mod:`rich.cells`, :func:`rich._wrap.divide_line`). It takes
    single-line texts of printable characters whose only white space is the ASCII
    space, columns without ``max_colwidth`` and cells at least two cells wide; anything
    else goes to rich. A test draws thousands of random tables both ways and compares
    the strings (rich 13.9, 14.1 and 15.0 agreed with it on 3,000 such tables each).
    """
    try:
        from rich._wrap import divide_line
        from rich.cells import cell_len, set_cell_size
    except ImportError:  # a rich without these private helpers: rich draws it
        return None
    if not headers or width < 1 or max_colwidth is not None:
        return None  # (rich 15 caps a column where rich 13 and 14 did not; no command caps)
    texts = [*headers, *(v for row in rows for v in row)]
    if title is not None:
        texts.append(title)
    if not all(t.isprintable() for t in texts):
        return None  # newlines, tabs, controls, other spaces: rich's own paths
    ncols = len(headers)
    edge = 2 + ncols - 1
    columns = [[headers[i], *(row[i] for row in rows)] for i in range(ncols)]
    pads = [(0 if i == 0 else 1) + (0 if i == ncols - 1 else 1) for i in range(ncols)]

    def widest(i: int, avail: int) -> int:
        # the maximum of Table._measure_column over Padding(Text) cells (rich's
        # minimum is a cell's longest word, never more than its line: it lifts nothing)
        if avail < 1:
            return 0
        pad = pads[i]
        if avail - pad < 1:
            high = avail
        else:
            high = min(max(min(cell_len(text), avail) for text in columns[i]) + pad, avail)
        return high

    avail = width - edge
    widths = [widest(i, avail) or 1 for i in range(ncols)]
    if sum(widths) > avail:
        widths = _collapse_widths(widths, avail)
        if sum(widths) > avail:
            widths = _ratio_reduce(sum(widths) - avail, [1] * ncols, widths, widths)
        widths = [widest(i, w) for i, w in enumerate(widths)]
    inner = [w - p for w, p in zip(widths, pads, strict=True)]
    if min(inner) < 2:
        return None  # rich's folding at one cell and less is its own

    def wrapped(text: str, size: int) -> list[str]:
        # Text.wrap: the line divided where rich divides it, then each piece's white
        # space beyond ``size`` characters dropped (Text.rstrip_end)
        offsets = divide_line(text, size, fold=True)
        bounds = [0, *offsets, len(text)] if offsets else [0, len(text)]
        lines = []
        for start, end in itertools.pairwise(bounds):
            line = text[start:end]
            if len(line) > size:
                trailing = len(line) - len(line.rstrip())
                line = line[: len(line) - min(trailing, len(line) - size)]
            lines.append(line)
        return lines

    out = []
    table_width = sum(widths) + edge
    for line in wrapped(title, table_width) if title else []:  # rich: ``if self.title``
        # justify="center": strip, crop, then pad both sides
        line = line.rstrip()
        if cell_len(line) > table_width:
            line = set_cell_size(line, table_width)
        line = " " * ((table_width - cell_len(line)) // 2) + line
        out.append(line + " " * (table_width - cell_len(line)))
    out.append(" " * table_width)
    for index, cells in enumerate([headers, *rows]):
        drawn = []
        for i, text in enumerate(cells):
            lead = " " if i else ""
            tail = " " if i < ncols - 1 else ""
            # justify="left": each line cropped or padded to the cell
            lines = wrapped(text, inner[i])
            drawn.append([lead + set_cell_size(line, inner[i]) + tail for line in lines])
        height = max(len(lines) for lines in drawn)
        for i, lines in enumerate(drawn):
            blank = [" " * widths[i]] * (height - len(lines))
            drawn[i] = blank + lines if index == 0 else lines + blank
        for n in range(height):
            out.append(" " + " ".join(lines[n] for lines in drawn) + " ")
        if index == 0:
            out.append(" " + "─".join("─" * w for w in widths) + " ")
    out.append(" " * table_width)
    return "\n".join(out) + "\n"


def _collapse_widths(widths: list[int], max_width: int) -> list[int]:
    """rich's ``Table._collapse_widths`` with every column wrappable: the widest
    columns give way first."""
    total = sum(widths)
    excess = total - max_width
    while total and excess > 0:
        widest = max(widths)
        second = max((w if w != widest else 0) for w in widths)
        difference = widest - second
        ratios = [1 if w == widest else 0 for w in widths]
        if not difference:
            break
        widths = _ratio_reduce(excess, ratios, [min(excess, difference)] * len(widths), widths)
        total = sum(widths)
        excess = total - max_width
    return widths


def _ratio_reduce(
    total: int, ratios: list[int], maximums: list[int], values: list[int]
) -> list[int]:
    """rich's ``_ratio.ratio_reduce`` (its module imports :mod:`fractions` for another
    function)."""
    ratios = [ratio if top else 0 for ratio, top in zip(ratios, maximums, strict=True)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining = total
    result = []
    for ratio, top, value in zip(ratios, maximums, values, strict=True):
        if ratio and total_ratio > 0:
            distributed = min(top, round(ratio * remaining / total_ratio))
            result.append(value - distributed)
            remaining -= distributed
            total_ratio -= ratio
        else:
            result.append(value)
    return result


def _short(value: Any) -> str:
    """Terminal cell text: floats to 3 decimals, None as empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.3f}"
    return visible(str(value))


def resolve_format(
    fmt: str | None, output: str | Path | None, allowed: Iterable[str] = FORMATS
) -> str:
    """Pick the output format: explicit, else the suffix of ``output``, else ``table``."""
    allowed = tuple(allowed)
    if output is not None and Path(output).is_dir():
        raise InputError(
            "这是目录 / is a folder; give a file name, e.g. -o out.csv", file=str(output)
        )
    suffix = Path(output).suffix.lower().lstrip(".") if output is not None else ""
    by_suffix = {"md": "markdown", "htm": "html"}.get(suffix, suffix)
    if fmt is None:
        if output is None:
            fmt = "table" if "table" in allowed else allowed[0]
        else:
            fmt = by_suffix
            if fmt not in allowed:
                raise InputError(
                    f"无法从后缀推断格式 / cannot tell the format from {str(output)!r}; "
                    f"use --format {'|'.join(allowed)}"
                )
    elif by_suffix in {*FORMATS, *allowed, "markdown", "html", "docx"} and by_suffix != fmt:
        # (CSV was written into x.xlsx)
        raise InputError(
            f"后缀与格式不一致 / {str(output)!r} says {by_suffix}, --format says {fmt}; "
            "change the file name or the format"
        )
    if fmt not in allowed:
        raise InputError(f"未知格式 / unknown format {fmt!r}; use one of {', '.join(allowed)}")
    if fmt == "xlsx" and output is None:
        raise InputError("xlsx 需要 -o 输出文件 / xlsx needs -o/--output FILE.xlsx")
    return fmt
