"""How a ledger cell becomes a value: amounts as offices write them, chain and segment names.

Two facts live here and nowhere else:

- **Amounts** are in 亿元; a unit in the cell (万亿, 亿, 万, 元, with or without 元) is
  converted, so "80,000万元" is 8. "约6", "6左右", "6余" are approximate; "6-8" is a range. Both are kept,
  with an ``approx`` flag. A range counts at its lower bound, so a KPI never claims more
  than the ledger promises. A value that is not a finite number (``inf``, ``1e309``,
  ``nan``) is unreadable: :func:`parse_amount` raises ``ValueError`` with the reason.
- **Chains and segments.** 产业链 and 细分环节 cells may hold an id (``fluorochem``), the
  Chinese or English label (氟化工产业链, 氟化工, Fluorochemical industry chain) or, for
  segments, a keyword or abbreviation (聚四氟乙烯, PTFE). They resolve to ids through the
  bundled chains; a value that matches nothing, or more than one id, stays as given.
"""

from __future__ import annotations

from collections.abc import Iterable
import functools
import math
import re

from chainmap.model.values import is_blank

__all__ = [
    "has_unit",
    "header_unit",
    "in_header_unit",
    "parse_amount",
    "resolve_chain",
    "resolve_segment",
]

_APPROX_BEFORE = ("大约", "约合", "约", "近", "逾", "超", "预计")
_APPROX_AFTER = ("左右", "上下", "以上", "多", "余")
_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:-|~|～|—|–|至|到)\s*(\d+(?:\.\d+)?)")
#: A unit written after the number, and how it converts to 亿元 (the ledger's unit):
#: ``(multiply, divide)``, so 8万 is 8 / 10,000 exactly.
_SCALE = {  # (longest first: the alternations below try them in this order)
    "万亿元": (1e4, 1.0),
    "万亿": (1e4, 1.0),
    "亿元": (1.0, 1.0),
    "亿": (1.0, 1.0),
    "万元": (1.0, 1e4),
    "万": (1.0, 1e4),
    "元": (1.0, 1e8),
}
_UNIT = re.compile(f"({'|'.join(_SCALE)})$")
#: A unit named in a header's brackets (总投资（万元）): the unit of the column's bare numbers.
_HEADER_UNIT = re.compile(rf"[(（\[【]\s*({'|'.join(_SCALE)})\s*[)）\]】]")


def header_unit(text: object) -> str | None:
    """The unit a header names in brackets when it is not 亿元 (the ledger's own unit, in
    which bare numbers are read anyway), else None.

    >>> header_unit("总投资（万元）"), header_unit("金额(亿元)"), header_unit("总投资")
    ('万元', None, None)
    """
    found = _HEADER_UNIT.search(str(text))
    return found[1] if found and found[1] not in ("亿元", "亿") else None


def in_header_unit(cell: object, unit: str | None) -> object:
    """An amount cell as read under a header naming ``unit``: a bare number in that unit,
    a cell that writes its own unit (or a blank one) as it is.

    >>> in_header_unit(12000, "万元"), in_header_unit("8亿左右", "万元"), in_header_unit(6, None)
    ('12000万元', '8亿左右', 6)
    """
    if unit is None or is_blank(cell) or has_unit(cell):
        return cell
    return f"{str(cell).strip()}{unit}"


def has_unit(cell: object) -> bool:
    """Whether an amount cell writes a unit of its own, anywhere in it (a header's unit
    then does not apply).

    >>> has_unit("80,000万元"), has_unit("8亿左右"), has_unit("约6"), has_unit(12000.0)
    (True, True, False, False)
    """
    return re.search("[亿万元]", str(cell)) is not None


def parse_amount(value: object) -> tuple[float | None, bool]:
    """An amount and whether it is approximate; ``(None, False)`` when empty.

    Raises ``ValueError`` (its message is the reason) for text that is no amount and
    for values that are not finite numbers.

    Examples
    --------
    >>> parse_amount("约6"), parse_amount("6左右"), parse_amount("6-8"), parse_amount("1,200")
    ((6.0, True), (6.0, True), (6.0, True), (1200.0, False))

    The unit is 亿元; a unit in the cell is honoured (``80,000万元`` is 8 亿元, not 80,000):

    >>> parse_amount("80,000万元"), parse_amount("8万"), parse_amount("约3亿"), parse_amount("1.2万亿")
    ((8.0, False), (0.0008, False), (3.0, True), (12000.0, False))
    >>> parse_amount("5000万-8000万元")
    Traceback (most recent call last):
    ...
    ValueError: not a number: '5000万-8000万元'
    >>> parse_amount("3000-5000万")
    (0.3, True)
    >>> parse_amount(""), parse_amount(12), parse_amount("-1")
    ((None, False), (12.0, False), (-1.0, False))
    >>> parse_amount("nan")
    Traceback (most recent call last):
    ...
    ValueError: not a finite number: 'nan'
    >>> parse_amount("1e309")
    Traceback (most recent call last):
    ...
    ValueError: not a finite number: '1e309'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, False  # an empty cell (readers give NaN); the text "nan" is rejected below
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _finite(float(value), value), False
    text = str(value).strip().replace(",", "").replace("，", "").replace(" ", "")
    if not text:
        return None, False
    text, unit = _without_unit(text, "")
    approx = False
    for mark in _APPROX_BEFORE:
        if text.startswith(mark):
            text, approx = text[len(mark) :], True
            break
    for mark in _APPROX_AFTER:
        if text.endswith(mark):
            text, approx = text[: -len(mark)], True
            break
    text, unit = _without_unit(text, unit)
    mul, div = _SCALE.get(unit, (1.0, 1.0))
    if m := _RANGE.fullmatch(text):
        low, high = float(m[1]), float(m[2])
        if high < low:
            raise ValueError(f"range runs backwards: {value!r}")
        return _finite(low * mul / div, value), True
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"not a number: {value!r}") from None
    return _finite(number * mul / div, value), approx


def _without_unit(text: str, unit: str) -> tuple[str, str]:
    """``text`` less a trailing unit, and the unit (``unit`` when it has none)."""
    if m := _UNIT.search(text):
        if unit:  # a unit on both sides of an approximation mark: "约6亿左右亿"
            raise ValueError(f"two units: {text!r}")
        return text[: m.start()], m[1]
    return text, unit


def _finite(number: float, given: object) -> float:
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {given!r}")
    return number


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


@functools.cache
def _chains() -> tuple:
    from chainmap.model.catalog import bundled_chain_ids
    from chainmap.model.chain import load_chain

    return tuple(load_chain(cid) for cid in bundled_chain_ids())


@functools.cache
def _chain_index() -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    for chain in _chains():
        en = chain.name_en
        names = {chain.id, chain.name_zh, en, re.sub(r"(?i)\s*industry\s*chain$", "", en)}
        names |= {re.sub(r"(产业链|产业|链)$", "", chain.name_zh)}
        for name in names:
            if name:
                index.setdefault(_key(name), set()).add(chain.id)
    return index


@functools.cache
def _segment_index(chain_ids: tuple[str, ...]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Two indexes, ids and labels first, keywords second (a label outranks a keyword)."""
    labels: dict[str, set[str]] = {}
    keywords: dict[str, set[str]] = {}
    for chain in _chains():
        if chain_ids and chain.id not in chain_ids:
            continue
        for seg in chain:
            abbrev = re.findall(r"[(（]([^)）]+)[)）]", seg.name_en)
            bare = re.sub(r"\s*[(（][^)）]*[)）]", "", seg.name_en)
            for name in (seg.id, seg.name_zh, seg.name_en, bare, *abbrev):
                labels.setdefault(_key(name), set()).add(seg.id)
            for word in seg.keywords:
                keywords.setdefault(_key(word), set()).add(seg.id)
    return labels, keywords


def resolve_chain(text: str) -> str | None:
    """The bundled chain id that ``text`` names, or ``None``.

    Examples
    --------
    >>> resolve_chain("氟化工"), resolve_chain("Fluorochemical industry chain")
    ('fluorochem', 'fluorochem')
    >>> resolve_chain("光伏玻璃") is None
    True
    """
    found = _chain_index().get(_key(text), set())
    return next(iter(found)) if len(found) == 1 else None


def resolve_segment(text: str, chain_ids: Iterable[str] = ()) -> str | None:
    """The segment id that ``text`` names in ``chain_ids`` (all bundled chains if empty).

    Examples
    --------
    >>> resolve_segment("聚四氟乙烯", ["fluorochem"]), resolve_segment("PVDF")
    ('ptfe', 'pvdf')
    """
    labels, keywords = _segment_index(tuple(sorted(set(chain_ids))))
    key = _key(text)
    for index in (labels, keywords):
        found = index.get(key, set())
        if len(found) == 1:
            return next(iter(found))
        if found:
            return None
    return None
