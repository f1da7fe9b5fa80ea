"""Cell values as registry exports and office ledgers write them: one reading of each.

Every reader (enterprises, ledgers, the analyses on hand-made frames) asks these
functions whether a cell is blank, how a list cell splits, and what date or
number it holds, so ``"2024 年 3 月 5 日"`` and ``"ahf、pvdf"`` mean the same
everywhere.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import pandas as pd

__all__ = [
    "DASHES",
    "DATE_RANGE",
    "LIST_SEPARATORS",
    "date_outside",
    "html_text",
    "is_blank",
    "json_escaped",
    "parse_date",
    "split_list",
    "text",
    "to_number",
    "visible",
]

#: Cells that mean "no value" in registry exports.
DASHES = frozenset({"-", "--", "—", "——", "/", "无"})

#: Separators between the items of a list cell: ``; ； , ， 、 |``.
LIST_SEPARATORS = ";；,，、|"
_LIST_SPLIT = re.compile(r"\s*[" + re.escape(LIST_SEPARATORS) + r"]\s*")

_EXCEL_EPOCH = dt.date(1899, 12, 30)

#: Control characters but TAB, LF and CR: C0, DEL and C1. Invisible in a document, refused
#: by XML, and a terminal acts on some (ESC and the one-byte CSI ``\x9b`` start escape
#: sequences), so outputs read by people show U+FFFD in their place.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: DEL and C1, which ``json.dumps`` leaves raw (it escapes C0 itself).
_JSON_RAW_CONTROL = re.compile("[\x7f-\x9f]")


def visible(value: str) -> str:
    r"""``value`` with each control character but TAB, LF and CR replaced by U+FFFD.

    For every text from data in an output read by people: the terminal, Markdown, HTML,
    SVG, XLSX and DOCX (CSV and JSON keep the data as it is; JSON escapes it).

    >>> visible("永和\x1b[31m制冷\x9b2J") == "永和\ufffd[31m制冷\ufffd2J", visible("a\tb\nc")
    (True, 'a\tb\nc')
    """
    return _CONTROL.sub("\ufffd", value)


def html_text(value: object) -> str:
    """Text from data for HTML or SVG (text and attributes): :func:`visible`, then escaped.

    >>> html_text('<b a="1">永和\x1b</b>')
    '&lt;b a=&quot;1&quot;&gt;永和\ufffd&lt;/b&gt;'
    """
    import html  # (with html.entities: 3 ms of a start-up that writes no HTML)

    return html.escape(visible(str(value)), quote=True)


def json_escaped(text: str) -> str:
    r"""JSON text with DEL and C1 characters written as ``\u`` escapes (the same data).

    ``json.dumps(ensure_ascii=False)`` escapes C0 but writes DEL and C1 raw, and they
    only occur inside its strings, so the escape leaves every value as it was.

    >>> import json
    >>> out = json_escaped(json.dumps("a\x9bb", ensure_ascii=False))
    >>> out, json.loads(out) == "a\x9bb"
    ('"a\\u009bb"', True)
    """
    return _JSON_RAW_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def is_blank(value: object) -> bool:
    """True for ``None``, ``pd.NA``, NaN and text that is only whitespace.

    Examples
    --------
    >>> is_blank(None), is_blank(float("nan")), is_blank("  "), is_blank("0"), is_blank(0)
    (True, True, True, False, False)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def text(value: object) -> str | None:
    """The stripped text of a cell, ``None`` when blank.

    Examples
    --------
    >>> text("  甲公司 "), text("")
    ('甲公司', None)
    """
    return None if is_blank(value) else str(value).strip()


def split_list(value: object) -> list[str]:
    """The items of a list cell, in order, each once; a list or array cell as it is.

    Items are separated by any of :data:`LIST_SEPARATORS`.

    Examples
    --------
    >>> split_list("ahf、pvdf"), split_list("高新技术企业；专精特新 | 高新技术企业")
    (['ahf', 'pvdf'], ['高新技术企业', '专精特新'])
    >>> split_list(None), split_list(["a", None, " b "])
    ([], ['a', 'b'])
    >>> split_list("['ahf', 'pvdf']"), split_list('["ahf"]')  # a list saved as text by to_csv
    (['ahf', 'pvdf'], ['ahf'])
    """
    if hasattr(value, "__len__") and not isinstance(value, str):  # list, array from Parquet
        return [str(v).strip() for v in value if not is_blank(v)]
    raw = text(value)
    if raw is None:
        return []
    if raw[0] == "[" and raw[-1] == "]":  # pandas' to_csv of a list cell, or JSON
        import ast

        try:
            items = ast.literal_eval(raw)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            items = None
        if isinstance(items, (list, tuple)) and all(isinstance(i, str) for i in items):
            return split_list(list(items))
    out: list[str] = []
    for part in _LIST_SPLIT.split(raw):
        if part and part not in out:
            out.append(part)
    return out


#: Dates outside these years are typing errors (and pandas timestamps end in 2262).
DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2100, 12, 31))


def date_outside(day: dt.date | None, what: str = "date") -> str | None:
    """The message for a ``day`` outside :data:`DATE_RANGE`, or None when it is inside.

    >>> date_outside(dt.date(9999, 12, 31), "--as-of")
    '日期超出 1900-2100 / --as-of 9999-12-31 is outside 1900-2100'
    >>> date_outside(dt.date(2024, 6, 30)) is None
    True
    """
    if day is None or DATE_RANGE[0] <= day <= DATE_RANGE[1]:
        return None
    first, last = DATE_RANGE[0].year, DATE_RANGE[1].year
    return f"日期超出 {first}-{last} / {what} {day.isoformat()} is outside {first}-{last}"


def parse_date(value: object) -> dt.date | None:
    """Read a date as registries and offices write it; ``None`` if blank, ``ValueError`` if not a date.

    Accepts ``2001-03-15``, ``2001/3/15``, ``2001.03.15``, ``2001年3月15日`` (with or
    without spaces), ``20010315``, ``2001-03-15 00:00:00`` and Excel serial day numbers.

    Examples
    --------
    >>> parse_date("2024 年 3 月 5 日"), parse_date("20240305"), parse_date("45356")
    (datetime.date(2024, 3, 5), datetime.date(2024, 3, 5), datetime.date(2024, 3, 5))
    >>> parse_date("2024-03-05 14:30:00"), parse_date(" ")
    (datetime.date(2024, 3, 5), None)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = text(value)
    if raw is None:
        return None
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?", raw)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", raw)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.fullmatch(r"(\d{4,5})(?:\.0+)?", raw)
    if m and 10000 < int(m.group(1)) < 80000:  # Excel serial day (1927-2119)
        return _EXCEL_EPOCH + dt.timedelta(days=int(m.group(1)))
    raise ValueError(f"not a date: {raw!r}")


def to_number(value: object, kind: type = float) -> float | int | None:
    """The number in a cell (``"3,000 人"`` → 3000.0); ``None`` if blank or a dash.

    Raises ``ValueError`` when the cell holds no number, or one beyond ±10^15 (a
    400-digit cell is a typing error, not a figure).

    Examples
    --------
    >>> to_number("3,000 人"), to_number("—"), to_number("12", int)
    (3000.0, None, 12)
    """
    raw = text(value)
    if raw is None or raw in DASHES:
        return None
    m = re.fullmatch(r"[^\d\-]*(-?\d[\d,]*(?:\.\d+)?)\s*[^\d]*", raw)
    if not m:
        raise ValueError(f"not a number: {raw!r}")
    number = float(m.group(1).replace(",", ""))
    if not math.isfinite(number) or abs(number) > 1e15:
        raise ValueError(f"数字超出范围 / number out of range: {raw[:40]!r}")
    return int(number) if kind is int else number
