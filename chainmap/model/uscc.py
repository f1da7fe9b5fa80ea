"""The unified social credit code (统一社会信用代码, GB 32100-2015): cleaning and checking.

:func:`valid_uscc` asks python-stdnum, the reference; :func:`valid_usccs` checks a
whole column at once with numpy and gives the same answer for every code (the
tests compare the two on over 100,000 codes). Registry exports hold one code per
firm, so an import of a million rows checks a million codes: per code, stdnum
spends about 12 µs, the array check well under one.
"""

from __future__ import annotations

from collections.abc import Sequence
import re
import unicodedata

import numpy as np

from chainmap.model import values

__all__ = [
    "ALPHABET",
    "USCC_PLAIN",
    "WEIGHTS",
    "check_characters",
    "clean_uscc",
    "valid_uscc",
    "valid_usccs",
]

#: GB 32100-2015 code alphabet: digits and upper-case letters without I, O, S, V, Z.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Weights of positions 1–17 (3^i mod 31).
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

_SEPARATORS = re.compile(r"[\s\-]")
#: A code that needs no folding: 18 digits and capital letters.
USCC_PLAIN = re.compile(r"[0-9A-Z]{18}")

# byte -> value in ALPHABET, -1 for any other byte
_VALUE = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(ALPHABET):
    _VALUE[ord(_c)] = _i


def _values(codes: Sequence[str], width: int) -> np.ndarray:
    """``(n, width)`` alphabet values of ASCII codes of ``width`` characters (-1: not in it)."""
    raw = np.frombuffer("".join(codes).encode("ascii"), dtype=np.uint8)
    return _VALUE[raw.reshape(-1, width)]


def _check_values(values: np.ndarray) -> np.ndarray:
    """Check-character values of ``(n, 17)`` body values: ``(31 - Σ value·weight mod 31) mod 31``."""
    return (31 - values[:, :17] @ np.asarray(WEIGHTS, dtype=np.int64) % 31) % 31


def check_characters(bodies: Sequence[str]) -> np.ndarray:
    """The 18th character of each 17-character body (characters of :data:`ALPHABET`).

    Examples
    --------
    >>> check_characters(["91330723MA2E1234X"]).tolist()
    ['B']
    """
    if not len(bodies):
        return np.array([], dtype="<U1")
    return np.array(list(ALPHABET))[_check_values(_values(bodies, 17))]


def clean_uscc(value: object) -> str | None:
    """The code as written, NFKC-folded, without spaces or dashes, upper-cased.

    Examples
    --------
    >>> clean_uscc(" 9133 0723-7042 1234 5x "), clean_uscc("")
    ('91330723704212345X', None)
    """
    raw = values.text(value)
    if raw is None:
        return None
    if USCC_PLAIN.fullmatch(raw):  # the usual cell: nothing to fold
        return raw
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()


def valid_uscc(code: str) -> bool:
    """True when python-stdnum accepts ``code`` (length, format, check digit).

    Examples
    --------
    >>> valid_uscc("91110000600037341L"), valid_uscc("91110000600037341M")
    (True, False)
    """
    from stdnum.cn import uscc

    return bool(uscc.is_valid(code))


def valid_usccs(codes: Sequence[str | None]) -> np.ndarray:
    """:func:`valid_uscc` of every code at once (``False`` for ``None``).

    Codes of 18 digits and capital letters (what a clean export holds) are checked
    as one ``uint8`` array: the first eight characters digits, the rest in
    :data:`ALPHABET`, and the 18th equal to ``ALPHABET[(31 - Σ value·weight) mod 31]``.
    Any other code is asked of :func:`valid_uscc`, which folds separators, case and
    Unicode dashes its own way.

    Examples
    --------
    >>> valid_usccs(["91110000600037341L", "91110000600037341M", None, "123"]).tolist()
    [True, False, False, False]
    """
    n = len(codes)
    out = np.zeros(n, dtype=bool)
    plain = []
    for i, code in enumerate(codes):
        if code is None:
            continue
        if USCC_PLAIN.fullmatch(code):
            plain.append(i)
        else:
            out[i] = valid_uscc(code)
    if plain:
        value = _values([codes[i] for i in plain], 18)
        digits = (value[:, :8] >= 0) & (value[:, :8] <= 9)
        shape_ok = digits.all(axis=1) & (value[:, 8:] >= 0).all(axis=1)
        out[plain] = shape_ok & (_check_values(value) == value[:, 17])
    return out
