"""How registries write: official business-scope phrases and GB/T 4754 industry codes.

Two bundled tables map registry wording to segment ids, apart from the chains'
own keywords (the chain tables are edited on their own):

- ``graphs/scope_catalog.csv`` (``phrase, segment_id, kind, source, note``):
  entries of SAMR's 《经营范围规范表述目录》 as registries write them, and a few
  phrases of registry usage. ``kind`` is ``production`` (the firm makes or runs
  it), ``trade`` (销售 / 批发 / 零售: the firm only trades it) or ``other`` (the
  phrase names no segment; it only keeps a shorter keyword inside it from
  matching, as 逆变器 inside 光伏逆变器).
- ``graphs/gbt4754_segments.csv`` (``code, name, segment_id, source, note``):
  GB/T 4754-2017 classes that mean one segment of a chain.

Segment ids that a chain merge retired are mapped through
``graphs/segment_aliases.csv`` when that table is bundled. This module is the
only place that reads these tables.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
import io
import re

from chainmap.model.catalog import data_path

__all__ = [
    "PHRASE_KINDS",
    "ScopePhrase",
    "industry_code",
    "industry_segments",
    "scope_phrases",
]

#: The kinds of a catalogue phrase.
PHRASE_KINDS = ("production", "trade", "other")
_CODE_RE = re.compile(r"(?<![0-9A-Za-z])([A-Ta-t])?\s*(\d{4})(?![0-9])")
_NAME_SPLIT = re.compile(r"[\s/／>＞\-—|·,，;；()（）]+")


@dataclass(frozen=True, slots=True)
class ScopePhrase:
    """One row of ``graphs/scope_catalog.csv`` (``segment_id`` is empty for ``other``)."""

    phrase: str
    segment_id: str
    kind: str


def _rows(name: str) -> list[dict[str, str]]:
    path = data_path(name)
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8-sig")
    return [
        {k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(io.StringIO(text))
    ]


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    """Retired segment id -> current id, from ``graphs/segment_aliases.csv`` if bundled."""
    out: dict[str, str] = {}
    for row in _rows("segment_aliases.csv"):
        values = list(row.values())
        old = row.get("old_id") or (values[0] if values else "")
        new = row.get("new_id") or (values[1] if len(values) > 1 else "")
        if old and new:
            out[old] = new
    return out


def _current(segment_id: str) -> str:
    aliases = _aliases()
    seen = {segment_id}
    while segment_id in aliases and aliases[segment_id] not in seen:
        segment_id = aliases[segment_id]
        seen.add(segment_id)
    return segment_id


@lru_cache(maxsize=1)
def scope_phrases() -> tuple[ScopePhrase, ...]:
    """The catalogue phrases, retired ids mapped to current ones, sorted and distinct.

    Examples
    --------
    >>> [p.segment_id for p in scope_phrases() if p.phrase == "电池销售"]
    ['lithium_battery']
    """
    out = set()
    for row in _rows("scope_catalog.csv"):
        if row["kind"] not in PHRASE_KINDS or not row["phrase"]:
            raise ValueError(f"scope_catalog.csv: bad row {row!r}")
        sid = _current(row["segment_id"]) if row["segment_id"] else ""
        out.add(ScopePhrase(row["phrase"], sid, row["kind"]))
    return tuple(sorted(out, key=lambda p: (p.phrase, p.segment_id, p.kind)))


@lru_cache(maxsize=1)
def _industry_table() -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    by_code: dict[str, set[str]] = {}
    names: dict[str, str] = {}
    for row in _rows("gbt4754_segments.csv"):
        digits = row["code"][-4:]
        by_code.setdefault(digits, set()).add(_current(row["segment_id"]))
        names[row["name"]] = digits
    return {c: tuple(sorted(s)) for c, s in by_code.items()}, names


def industry_segments() -> dict[str, tuple[str, ...]]:
    """GB/T 4754 class (4 digits) -> the segment ids it means (at most one per chain).

    Examples
    --------
    >>> industry_segments()["3841"]
    ('lithium_battery',)
    """
    return dict(_industry_table()[0])


def industry_code(value: object) -> str | None:
    """The GB/T 4754 class (4 digits) in a 国标行业 cell, or None.

    Accepts ``C3841``, ``3841``, ``C3841 锂离子电池制造``, the class name alone
    (for the classes the bundled table maps) and hierarchical forms such as
    ``制造业/电气机械和器材制造业/电池制造/锂离子电池制造``.

    Examples
    --------
    >>> industry_code("C2614 有机化学原料制造"), industry_code("锂离子电池制造")
    ('2614', '3841')
    >>> industry_code("制造业") is None
    True
    """
    if not isinstance(value, str) or not value.strip():
        return None
    match = _CODE_RE.search(value)
    if match:
        return match.group(2)
    names = _industry_table()[1]
    parts = [p for p in _NAME_SPLIT.split(value) if p]
    for part in reversed(parts):  # the finest level is written last
        if part in names:
            return names[part]
    return None
