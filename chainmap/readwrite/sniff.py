"""What a raw table file is, before pandas reads it: encoding, separator, line breaks.

Small checks the table readers call (``chainmap.model.sheets`` and the stream
engine's reader): each takes raw bytes, text or raw rows, and returns what to read
them as plus a note for the import report, or the row numbers that do not fit.
They live apart from the readers so that every reader uses the same ones.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
import re

import pandas as pd

from chainmap.errors import InputError

__all__ = [
    "fix_bare_carriage_returns",
    "guess_encoding",
    "guess_separator",
    "is_filled",
    "lift_cell_limit",
    "not_a_workbook",
    "overlong_rows",
    "read_utf8",
]

#: Encodings besides UTF-8 and GB18030 that Chinese registry exports arrive in.
_OTHER_CHINESE = {"big5", "cp950", "big5hkscs"}
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_SNIFF_BYTES = 256 * 1024


def is_filled(value: object) -> bool:
    """A cell that holds something other than blanks (None and NaN are empty)."""
    if value is None or (isinstance(value, float) and value != value):
        return False
    return bool(str(value).strip())


def guess_encoding(raw: bytes) -> tuple[str, str | None]:
    """The encoding to read ``raw`` with, and a note when the choice is a guess.

    A UTF-16/32 byte-order mark decides. Otherwise UTF-8, then GB18030, as
    :func:`chainmap.readwrite.reader.detect_encoding`; but GB18030 decodes almost any bytes, and UTF-8
    decodes NULs, so then charset-normalizer is asked: when it names another
    encoding that decodes the whole file (Big5, UTF-16 without a BOM …), that
    one is used and the note says so.

    Examples
    --------
    >>> guess_encoding("企业名称,城市".encode("utf-8"))
    ('utf-8-sig', None)
    >>> enc, note = guess_encoding("臺灣範例股份有限公司,存續,臺北市中正區\\n".encode("big5") * 20)
    >>> enc, "Big5" in note
    ('big5', True)
    """
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            return enc, None
    from chainmap.readwrite.reader import detect_encoding

    try:
        enc = detect_encoding(raw)
    except UnicodeDecodeError:
        enc = None
    if enc == "utf-8-sig" and b"\x00" not in raw:
        return enc, None
    from charset_normalizer import from_bytes

    # Only encodings Chinese-speaking offices actually send replace GB18030, and only
    # when GB18030 reads the bytes worse: short GBK files look Korean to any detector.
    found = {m.encoding: m.chaos for m in from_bytes(raw[:_SNIFF_BYTES])}
    guess = min(
        (e for e in found if e in _OTHER_CHINESE or e.startswith(("utf_16", "utf_32"))),
        key=lambda e: (found[e], e),
        default=None,
    )
    if guess and found[guess] < found.get("gb18030", float("inf")):
        try:
            raw.decode(guess)
        except (UnicodeDecodeError, LookupError):
            guess = None
        else:
            name = {"big5": "Big5", "cp950": "Big5"}.get(guess, guess.upper())
            return guess, (
                f"编码不确定 / encoding guessed: read as {name}, not UTF-8 or GB18030; "
                "check the text, and save the file as UTF-8 to be sure"
            )
    if enc is None:
        raise UnicodeDecodeError("utf-8/gb18030", raw[:1], 0, 1, "not UTF-8 or GB18030")
    return enc, None


def overlong_rows(raw: pd.DataFrame, header_at: int, first_row: int) -> dict[int, int]:
    """Rows (as the user numbers them) holding cells right of the header's last name.

    Such a row has more fields than the header, usually an unquoted comma in a
    cell; its fields would shift, so the row is rejected rather than read.
    """
    header = raw.iloc[header_at].tolist()
    width = max((i + 1 for i, v in enumerate(header) if is_filled(v)), default=0)
    body = raw.iloc[header_at + 1 :, width:]
    if body.shape[1] == 0:
        return {}
    filled = body.map(is_filled)
    out = {}
    for offset, (_, row) in enumerate(filled.iterrows()):
        if row.any():
            out[first_row + offset] = int(row[row].index.max()) + 1
    return out


def lift_cell_limit() -> None:
    """Let the csv module read cells of any length: registry exports hold business scopes
    longer than its default limit of 128 KiB. (The limit is the module's, so process-wide.)"""
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))


def read_utf8(path: str | Path, kind: str) -> str:
    """The text of a UTF-8 file (a BOM is dropped); one line naming it when it is not UTF-8.

    For the files chainmap reads as text (Turtle chains, SPARQL queries): a UTF-16 or GBK
    file gave a bare ``UnicodeDecodeError``.
    """
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        found = next((enc for bom, enc in _BOMS if raw.startswith(bom)), None)
        if found is None:
            try:
                raw.decode("gb18030")
                found = "GBK/GB18030"
            except UnicodeDecodeError:
                pass
        seen = f" (it looks like {found.upper()})" if found else ""
        raise InputError(
            f"{kind} 文件不是 UTF-8 文本 / the {kind} file is not UTF-8 text: byte "
            f"{exc.start} cannot be read{seen}",
            file=str(path),
            hint=f"save it as UTF-8 ({kind} files are UTF-8 text)",
        ) from None


def not_a_workbook(path: str | Path, exc: Exception) -> InputError:
    return InputError(
        f"无法读取, 不是有效的 Excel 工作簿 / cannot read: not a valid .xlsx workbook ({type(exc).__name__})",
        file=str(path),
        hint="open it in Excel or WPS and save it again as .xlsx, or export it as UTF-8 CSV",
    )


_BARE_CR = re.compile(r"\r(?!\n)")


def fix_bare_carriage_returns(text: str, notes: list[str]) -> str:
    """Line breaks as the csv module can read them, without inventing rows.

    A file without any LF uses CR alone as its line break (old Mac exports). In a
    file with LF line breaks a lone CR sits inside a cell (pasted text); an
    unquoted one would end the row early, so it becomes a space (noted).
    """
    if "\r" not in text:
        return text
    if "\n" not in text:
        return text.replace("\r", "\n")
    count = len(_BARE_CR.findall(text))
    if not count:  # CRLF line breaks only
        return text
    lift_cell_limit()  # (a cell longer than 128 KiB is no CR problem)
    try:
        for _ in csv.reader(io.StringIO(text)):
            pass
    except csv.Error:
        notes.append(f"  单元格内的回车 / {count} carriage returns inside cells read as spaces")
        return _BARE_CR.sub(" ", text)
    return text


def guess_separator(text: str, notes: list[str]) -> str:
    """``,`` unless the first line has no comma but tabs or semicolons (noted)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if "," in first:
        return ","
    for sep, name in (("\t", "tab"), (";", "semicolon")):
        if first.count(sep) >= 1:
            notes.append(f"  分隔符 / fields are {name}-separated: read with {sep!r}")
            return sep
    return ","
