"""Text widths for layouts that must fit text in boxes without a browser.

Widths are in em of a CJK font: a wide (CJK) or ambiguous (…, ★, ·) character is
1 em; anything else counts 0.62 em, a bound on Latin letters and digits in the
fonts of :data:`chainmap.outputs.poster.FONT_STACK`. The browser tests measure
the drawn text and hold these bounds to account.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata

__all__ = ["clip_text", "text_em", "wrap_text"]


@functools.lru_cache(maxsize=65536)  # layouts measure the same labels many times
def text_em(text: str) -> float:
    """Width of ``text`` in em.

    >>> text_em("巨化股份"), text_em("3M")
    (4.0, 1.24)
    """
    return round(sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.62 for ch in text), 6)


def wrap_text(text: str, limit: float) -> str:
    """Break ``text`` into balanced lines of at most ``limit`` em, joined by newlines.

    Never breaks inside a Latin word or number (a token longer than the limit
    gets a line of its own); lines are about equally long.

    >>> wrap_text("全氟烯烃及含氟单体中间体", 5)
    '全氟烯烃\\n及含氟单\\n体中间体'
    >>> wrap_text("锂离子电池电解液", 5)
    '锂离子电\\n池电解液'
    >>> wrap_text("三代制冷剂(HFCs)", 5)
    '三代制冷剂\\n(HFCs)'
    """
    width = text_em(text)
    if width <= limit:
        return text
    tokens = re.findall(r"[(（]?[A-Za-z0-9][A-Za-z0-9.+\-/]*[)）]?|.", text)
    limit = min(limit, width / math.ceil(width / limit) + 0.99)
    lines: list[str] = []
    line = ""
    for tok in tokens:
        if line and text_em(line + tok) > limit:
            lines.append(line)
            line = tok.lstrip()
        else:
            line += tok
    if line:
        lines.append(line)
    return "\n".join(lines)


def clip_text(text: str, limit: float) -> str:
    """``text`` cut to at most ``limit`` em, ending in "…" when cut.

    >>> clip_text("中昊晨光化工研究院", 6)
    '中昊晨光化…'
    """
    if text_em(text) <= limit:
        return text
    while text and text_em(text + "…") > limit:
        text = text[:-1]
    return text + "…"
