"""Short names (简称) of enterprises, for maps, posters and narrow tables.

One rule, used everywhere a firm's name must fit a small space
(``CONTRACTS.md``: ``short_name`` is "the 证券简称 for listed firms, else given,
else derived by a documented rule"):

1. A given short name (the 证券简称 or an office's own) wins, trimmed.
2. Otherwise the registered name is shortened:

   a. a trailing bracketed note is dropped: ``…有限公司(武义分公司)`` → ``…有限公司``;
   b. the legal form is dropped from the end: ``股份有限公司`` becomes ``股份``
      (as 证券简称 write it), ``集团有限公司`` becomes ``集团``, and ``有限责任公司``,
      ``有限公司``, ``公司`` and ``Co., Ltd.``-style English forms go;
   c. leading place names are dropped, repeatedly: provinces and prefecture-level
      cities, with or without 省/市/自治区 (``浙江``, ``浙江省``, ``金华市`` …), and the
      county-level place with its 县/市/区 written out (``武义县``);
   d. before a final ``股份``, one generic industry word is dropped
      (化工, 科技, 新材料, 材料, 实业 …): ``三美化工股份`` → ``三美股份``.

   A step is skipped when it would leave fewer than two characters, so the
   result is never emptier than the name allows.

No step guesses: a name the rule cannot shorten is returned whole, and layouts
wrap it (see ``chainmap.outputs.poster``).

Examples
--------
>>> derive_short_name("浙江巨化股份有限公司")
'巨化股份'
>>> derive_short_name("浙江三美化工股份有限公司")
'三美股份'
>>> derive_short_name("浙江三美化工股份有限公司", given="三美股份 ")
'三美股份'
>>> derive_short_name("金华氢途科技有限公司")
'氢途科技'
>>> derive_short_name("中化蓝天集团有限公司")
'中化蓝天集团'
>>> derive_short_name("浙江省武义县某某氟材料有限公司(武义分公司)")
'某某氟材料'
>>> derive_short_name("Zhejiang Example Chemical Co., Ltd.")
'Zhejiang Example Chemical'
>>> derive_short_name("吉林")  # never shortened to nothing
'吉林'
"""

from __future__ import annotations

import functools
import math
import re

__all__ = ["derive_short_name"]

# Longest first, so 股份有限公司 wins over 有限公司.
_LEGAL_FORMS: tuple[tuple[str, str], ...] = (
    ("股份有限公司", "股份"),
    ("集团股份有限公司", "集团股份"),
    ("集团有限责任公司", "集团"),
    ("集团有限公司", "集团"),
    ("有限责任公司", ""),
    ("有限公司", ""),
    ("总公司", ""),
    ("公司", ""),
)
_ENGLISH_FORM = re.compile(
    r"[\s,]*(co\.?,?\s*ltd\.?|company\s+limited|corporation|corp\.?|limited|ltd\.?|inc\.?)\s*$",
    re.IGNORECASE,
)
_BRACKETED_TAIL = re.compile(r"[（(][^（）()]*[）)]\s*$")
_INDUSTRY_WORDS = (
    "新材料",
    "新能源",
    "化工",
    "化学",
    "科技",
    "材料",
    "实业",
    "工业",
    "控股",
    "电子",
)
_MIN_LEFT = 2


def derive_short_name(name: object, given: object = None) -> str:
    """The short name of a firm: ``given`` when present, else derived from ``name``.

    The rule is in the module docstring. Blank or missing values (None, NaN)
    count as absent; a blank name gives ``""``.
    """
    short = _clean(given)
    if short:
        return short
    full = _clean(name)
    if not full:
        return ""
    out = _BRACKETED_TAIL.sub("", full).strip() or full
    out = _drop_legal_form(out)
    out = _drop_places(out)
    return _drop_industry_word(out)


def _clean(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value).strip()
    return "" if text.lower() in ("nan", "<na>", "none") else text


def _drop_legal_form(name: str) -> str:
    for suffix, keep in _LEGAL_FORMS:
        if name.endswith(suffix) and len(name) - len(suffix) >= _MIN_LEFT:
            return name[: -len(suffix)] + keep
    english = _ENGLISH_FORM.sub("", name)
    return english if len(english) >= _MIN_LEFT else name


def _drop_places(name: str) -> str:
    places, lengths = _place_prefixes()
    changed = True
    while changed:
        changed = False
        for size in lengths:  # longest first
            if len(name) - size >= _MIN_LEFT and name[:size] in places:
                name = name[size:]
                changed = True
                break
    return name


def _drop_industry_word(name: str) -> str:
    for tail in ("集团股份", "股份"):
        if not name.endswith(tail):
            continue
        head = name[: -len(tail)]
        for word in _INDUSTRY_WORDS:
            if head.endswith(word) and len(head) - len(word) >= _MIN_LEFT:
                return head[: -len(word)] + tail
        return name
    return name


@functools.cache
def _place_prefixes() -> tuple[frozenset[str], tuple[int, ...]]:
    """Place names a firm's name may start with, and their lengths, longest first.

    Provinces and prefecture-level cities in full and short form; counties only
    in full form (their short forms, such as 东方 or 永康, are too often a brand).
    """
    from chainmap.model.regions import regions

    table = regions()
    names: set[str] = set()
    for name, short, level in zip(table["name"], table["short_name"], table["level"], strict=True):
        for text in (name, short if level != "county" else None):
            if isinstance(text, str) and len(text) >= 2:
                names.add(text)
    return frozenset(names), tuple(sorted({len(n) for n in names}, reverse=True))
