"""Classify business scopes (经营范围) into chain segments.

One Aho-Corasick automaton per chain (pyahocorasick) finds every keyword of
every segment, and the trigger words of the rules below, in one pass over a
text. The rules, documented with examples in ``docs/classify.md``:

1. **Specific terms win (leftmost-longest).** Scanning left to right, the
   longest term starting at a position is taken and the scan resumes after
   it, so a term inside a longer one is never counted: ``电子级氢氟酸`` gives
   ``electronic_hf`` and not also ``ahf``, while plain ``氢氟酸`` named
   elsewhere in the text still counts. A keyword that starts or ends with a
   Latin letter or digit must not touch another one there (``R22`` does not
   match inside ``R227``).
2. **Negation.** A mention inside a negated span is ignored. A trigger
   (``不含``, ``不包括``, ``不得从事`` …) negates up to the end of its clause
   (the next ``，,；;。：:`` or line break; ``、`` joins items of the negated
   list and does not end it) or, inside round brackets, up to the closing one;
   ``的`` also ends it (``不含氢氟酸的化工原料``: the 化工原料 are not negated).
   ``除…外`` negates what lies between 除 and 外.
3. **Markets and raw materials.** What follows ``用于 / 应用于 / 适用于 / 面向``
   up to the end of the scope (as for negation) names a customer market, and what lies in
   ``以…为原料`` / ``利用…生产`` or follows ``原料为 / 原料：`` names an input:
   neither is a product of the firm, so neither is assigned.
4. **Application stage.** A segment of stage ``application`` is assigned only
   when its clause also has an operation verb (生产, 制造, 经营, 运营, 建设 …)
   and the term is not a qualifier: a grade or use (``汽车用…``, ``冶金级…``)
   or a modifier of the term right after it (``锂电池PVDF粘结剂``).

5. **Official wording.** The phrases of SAMR's 《经营范围规范表述目录》 mapped in
   ``graphs/scope_catalog.csv`` are terms too (``电池制造`` -> ``lithium_battery``);
   a phrase of kind ``other`` names no segment and only shadows the shorter
   keywords inside it (``光伏逆变器`` is not a motor controller).
6. **Trade is not production.** A mention whose item (the ``、``-separated part
   of its clause) says 销售 / 批发 / 零售 / 进出口 and no making verb is evidence
   of trade: its segment goes to ``trade_segments``, never to ``segments``
   (``电池销售``; ``化工产品销售（氢氟酸）``). Catalogue phrases carry their kind.

A row's GB/T 4754 class (``国标行业``) is evidence too, through
``graphs/gbt4754_segments.csv``: :meth:`Classifier.classify_row` reports each
segment's confidence, ``code+scope``, ``scope`` or ``code`` (the code alone).

Latin letters match in any case and in full-width upper case (``pvdf``,
``ＰＶＤＦ``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, product
from operator import attrgetter
import re
import sys
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from chainmap.collector import collector_paused
from chainmap.errors import InputError
from chainmap.model.values import is_blank

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from chainmap.model.chain import Chain

__all__ = [
    "APPLICATION_STAGE",
    "CODE_COLUMNS",
    "CONFIDENCE_LEVELS",
    "MARKET_TRIGGERS",
    "NATIVE_MIN_TEXTS",
    "NEGATION_TRIGGERS",
    "OPERATION_VERBS",
    "PRODUCTION_VERBS",
    "TAG_COLUMNS",
    "TRADE_VERBS",
    "UPPER_INTO_LATIN",
    "Classification",
    "Classifier",
    "assign_segments",
    "classification_records",
    "classify",
    "frequent_chars",
    "meets_confidence",
    "segment_terms",
]

#: The stage whose segments need an operation verb (rule 4).
APPLICATION_STAGE = "application"
#: Words that negate the rest of their clause, or of their bracket (rule 2).
NEGATION_TRIGGERS: tuple[str, ...] = (
    "不含",
    "不包含",
    "不包括",
    "不涉及",
    "不从事",
    "不得从事",
    "不得经营",
    "不经营",
    "不生产",
    "禁止",
    "严禁",
)
#: Words after which the rest of the clause names a customer market (rule 3).
MARKET_TRIGGERS: tuple[str, ...] = (
    "用于",
    "应用于",
    "适用于",
    "运用于",
    "服务于",
    "面向",
)
#: Verbs that say the firm makes or runs what its clause names (rule 4).
OPERATION_VERBS: tuple[str, ...] = (
    "生产",
    "制造",
    "制备",
    "加工",
    "组装",
    "装配",
    "研制",
    "经营",
    "运营",
    "运维",
    "建设",
    "施工",
)
#: Verbs that make a mention evidence of production, not trade (rule 6).
PRODUCTION_VERBS: tuple[str, ...] = (
    *(v for v in OPERATION_VERBS if v != "经营"),
    "开采",
    "采选",
    "冶炼",
    "提纯",
    "提取",
    "合成",
    "精炼",
    "回收",
    "利用",
    "拆解",
)
#: Verbs of trading (rule 6): an item with one of these and no production verb is trade.
#: 经营 is the registry's word for trading licences (危险化学品经营, 电线、电缆经营).
TRADE_VERBS: tuple[str, ...] = ("销售", "批发", "零售", "经销", "进出口", "贸易", "经营")
#: Confidence of a classified segment, strongest first (the code alone is the weakest).
CONFIDENCE_LEVELS: tuple[str, ...] = ("code+scope", "scope", "code")
#: Input columns read as the GB/T 4754 industry (国标行业), in order of preference.
CODE_COLUMNS: tuple[str, ...] = ("gb_industry", "国标行业", "industry_class")
# Other trigger words found by the automaton: 除…外 and the raw-material forms.
_RAW_TRIGGERS = ("原料", "原材料", "利用")
_EXCEPT_TRIGGER = "除"
_TRIGGERS = (
    ("negation", NEGATION_TRIGGERS),
    ("market", MARKET_TRIGGERS),
    ("raw", _RAW_TRIGGERS),
    ("except", (_EXCEPT_TRIGGER,)),
)

_CLAUSE_END = "，,；;。：:！!？?\n\r"
_CLOSE = "）)"
_CLAUSE_RE = re.compile(f"[{re.escape(_CLAUSE_END)}]")
# A negation or market scope also ends at 的, after which the product it modifies is named
# (生产用于锂电池的PVDF); inside brackets it ends at the closing bracket.
_SCOPE_END_RE = re.compile(f"[{re.escape(_CLAUSE_END)}的]")
_BRACKET_SCOPE_END_RE = re.compile(f"[{re.escape(_CLAUSE_END + _CLOSE)}的]")
_LAST_CLAUSE_END = re.compile(f".*[{re.escape(_CLAUSE_END)}]", re.DOTALL)
_VERB_RE = re.compile("|".join(OPERATION_VERBS))
_VERB_OR_CLAUSE_END_RE = re.compile("|".join(OPERATION_VERBS) + f"|[{re.escape(_CLAUSE_END)}]")
# 除…外: 除 not part of 去除/除湿/除尘 … (words where 除 means "remove").
_NOT_EXCEPT_BEFORE = frozenset("去消清排拆删扣剔免破革切根")
_NOT_EXCEPT_AFTER = frozenset("草湿尘锈臭垢霜雾味冰油虫螨甲")
_RAW_RES = (
    re.compile(f"以([^{re.escape(_CLAUSE_END)}]*?)为(?:主要)?(?:原料|原材料|主原料|基料)"),
    re.compile(
        f"(?:原料|原材料)(?:主要)?(?:为|是|包括|采用|使用|：|:)([^{re.escape(_CLAUSE_END)}]*)"
    ),
    re.compile(f"利用([^{re.escape(_CLAUSE_END)}]*?)(?:生产|制备|制取|提取|回收)"),
)
_QUALIFIER_AFTER = ("用", "级")
_PRODUCTION_RE = re.compile("|".join(PRODUCTION_VERBS))
_TRADE_RE = re.compile("|".join(TRADE_VERBS))
_BARE_PRODUCTION_RE = re.compile(f"(?:{'|'.join(PRODUCTION_VERBS)})+")
_CLOSED_BRACKETS = re.compile(r"[（(][^（()）]*[）)]")
_PAD = "\x00"  # second character of pad words (see _compile); never in a scope text
# pyahocorasick's iter_long drops a shorter keyword when the text ends inside a longer
# one ("…高品位萤石块" lost 萤石); a character no keyword holds lets it fall back (rule 1).
_END = "\x01"
#: classify_many learns the frequent characters from this many texts, when it has
#: at least _TUNE_MIN texts, and puts this many of them first in the automaton.
_TUNE_SAMPLE, _TUNE_MIN, _TUNE_CHARS = 2_000, 10_000, 64
# When more of the first _TUNE_SAMPLE texts than this pass the native filter (a list of
# chain firms, not a registry), it is skipped: it would cost about 3 % and save nothing.
_NATIVE_MAX_SHARE = 0.5
_LABEL_BRACKETS = re.compile(r"[（(][^）)]*[）)]")
_FULLWIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in map(chr, range(0x21, 0x7F))})


@dataclass(frozen=True, slots=True)
class _Term:
    """One keyword as the automaton knows it."""

    term: str  # as written in the chain
    length: int
    products: tuple[str, ...]  # segments that list it and are assigned on sight
    markets: tuple[str, ...]  # application-stage segments that list it (rule 4)
    ascii_left: bool  # starts with a Latin letter or digit: needs a boundary
    ascii_right: bool
    latin_edge: bool  # either of the two
    plain: bool  # one non-application segment, no Latin edge: assigned on sight
    qualifier: bool  # the term itself is a grade (冶金级萤石): never an application
    fixed: str | None  # "production" / "trade" for catalogue phrases (rule 5), else None


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _label_terms(name_zh: str) -> list[str]:
    """Usable keywords from a zh label: brackets removed, split on ``/``, no 等/及/其他."""
    parts = _LABEL_BRACKETS.sub("", name_zh).split("/")
    return [p for p in parts if len(p) >= 2 and not any(w in p for w in ("等", "及", "其他"))]


def segment_terms(chain: Chain) -> dict[str, list[str]]:
    """The chain's own terms of each segment: its keywords plus its usable zh label.

    The catalogue phrases of ``graphs/scope_catalog.csv`` are matched too (rule 5);
    :func:`chainmap.model.registry_terms.scope_phrases` lists them.

    Examples
    --------
    >>> from chainmap.model.chain import load_chain
    >>> terms = segment_terms(load_chain("fluorochem"))
    >>> "电子级氢氟酸" in terms["electronic_hf"]
    True
    """
    return {s.id: sorted(_terms(s.keywords, s.name_zh)) for s in chain.ordered_segments()}


def _terms(keywords: Iterable[str], name_zh: str) -> set[str]:
    return {k.strip() for k in keywords if k and k.strip()} | set(_label_terms(name_zh))


def _variants(term: str) -> set[str]:
    """The forms of a term the automaton holds: upper case, ASCII and full-width.

    Texts with lower-case ASCII letters are upper-cased before matching, so
    lower-case forms are not needed; each extra first letter slows every scan.
    """
    if not any(c.isascii() and c.isalpha() for c in term):
        return {term}
    upper = term.upper()
    return {upper, upper.translate(_FULLWIDTH)}


def _compile_key(chain: Chain) -> tuple:
    return tuple(
        (s.id, s.stage, s.name_zh, tuple(sorted(s.keywords))) for s in chain.ordered_segments()
    )


def _catalog_key(chain: Chain) -> tuple[tuple[str, str, str], ...]:
    """The catalogue phrases that concern ``chain``: its segments', and every ``other``."""
    from chainmap.model.registry_terms import scope_phrases

    ids = set(chain.segments_by_id)
    return tuple(
        (p.phrase, p.segment_id, p.kind)
        for p in scope_phrases()
        if p.segment_id in ids or p.kind == "other"
    )


@lru_cache(maxsize=32)
def _term_table(key: tuple, catalog: tuple = ()) -> tuple[_Term, ...]:
    """Every term of a chain's segment content (and its catalogue phrases), sorted."""
    # term -> (segment, stage, kind); kind None for chain keywords (rule 6 decides).
    by_term: dict[str, list[tuple[str, str, str | None]]] = {}
    for sid, stage, name_zh, keywords in key:
        for term in _terms(keywords, name_zh):
            by_term.setdefault(term, []).append((sid, stage, None))
    for phrase, sid, kind in catalog:  # catalogue phrases are products whatever the stage
        by_term.setdefault(phrase, []).append((sid, "", kind))
    table = []
    for term, owners in sorted(by_term.items()):
        owners = sorted(set(owners), key=lambda o: (o[0], o[1], o[2] or ""))
        kinds = {o[2] for o in owners}
        fixed = next(iter(kinds)) if len(kinds) == 1 else None
        owners = [o for o in owners if o[0]]  # "other" phrases own no segment
        left, right = _is_ascii_alnum(term[0]), _is_ascii_alnum(term[-1])
        products = tuple(s for s, st, _k in owners if st != APPLICATION_STAGE)
        table.append(
            _Term(
                term=term,
                length=len(term),
                products=products,
                markets=tuple(s for s, st, _k in owners if st == APPLICATION_STAGE),
                ascii_left=left,
                ascii_right=right,
                latin_edge=left or right,
                plain=len(owners) == 1 and len(products) == 1 and not (left or right),
                qualifier="级" in term,
                fixed=fixed if fixed in ("production", "trade") else None,
            )
        )
    return tuple(table)


@lru_cache(maxsize=32)
def _compile(
    key: tuple, catalog: tuple = (), frequent_chars: str = ""
) -> tuple[Any, dict[str, int]]:
    """Build the automaton for a chain's segment content (cached on that content).

    pyahocorasick finds a node's child by a linear scan in insertion order, and
    most characters of a text are tried at the root. Inserting the text's
    frequent characters first, as pad nodes that end no word, makes those
    scans short; matches do not change.
    """
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for ch in frequent_chars:
        automaton.add_word(ch + _PAD, None)
    for info in _term_table(key, catalog):
        for form in _variants(info.term):
            automaton.add_word(form, info)
    for kind, words in _TRIGGERS:
        for word in words:
            if word in automaton:  # a keyword that is also a trigger stays a keyword
                continue
            automaton.add_word(word, (kind, len(word)))
    automaton.make_automaton()
    rank = {sid: i for i, (sid, *_rest) in enumerate(key)}
    return automaton, rank


# Non-ASCII characters that str.upper() turns into a Latin letter of a term form: a text
# holding one is upper-cased before matching (_scan), so the native filter passes it on.
# (ASCII lower case it matches itself; tests/test_classify_native.py recomputes this.)
UPPER_INTO_LATIN = "ıſ" + "".join(map(chr, range(0xFF41, 0xFF5B)))
#: From this many texts on, :class:`Classifier` passes over the texts that cannot hold a
#: mention with a native filter first (polars); below it, starting polars costs more.
NATIVE_MIN_TEXTS = 10_000


def _leaves_clause_alone(form: str) -> bool:
    """Whether an application term's rule-4 test reads only what lies outside it.

    Its clause's verb must then start after it or end before it, which the native
    filter's regex can say; a term holding (part of) a verb, or a cased letter, is
    passed on whenever it is found.
    """
    if any(c.lower() != c.upper() for c in form):
        return False
    if any(v in form for v in (*OPERATION_VERBS, *TRADE_VERBS)):
        return False
    return not any(form.endswith(v[:k]) for v in OPERATION_VERBS for k in range(1, len(v)))


@lru_cache(maxsize=32)
def _native_filter(key: tuple, catalog: tuple = ()) -> tuple[tuple[str, ...], str, str] | None:
    """The native filter of a chain's terms: forms found anywhere, then for the rest, the
    application terms (a regex of literals) and the regex that says whether one counts.

    A text passes when it holds one of the forms (Latin letters in any ASCII case), or an
    application term sharing its clause with an operation verb or touching a trade verb
    (rule 4's only ways to count). Every text that rules 1-4 find a mention in passes;
    the others are settled without the Python scan. None when a term holds a cased
    letter the filter cannot fold (Greek, say): the Python pass then reads every text.
    """
    import polars as pl

    anywhere: set[str] = set()
    markets: set[str] = set()
    for info in _term_table(key, catalog):
        if not info.products and not info.markets:
            continue  # an "other" phrase only shadows the terms inside it, listed themselves
        for form in _variants(info.term):
            if any(
                not c.isascii() and c.lower() != c.upper() and not 0xFF21 <= ord(c) <= 0xFF3A
                for c in form
            ):
                return None
            if info.products:
                anywhere.add(form)
            elif not info.qualifier:  # a grade (冶金级萤石) never names the market
                (markets if _leaves_clause_alone(form) else anywhere).add(form)
    if any(c.lower() != c.upper() for form in anywhere for c in form):
        anywhere.update(UPPER_INTO_LATIN)
    if not markets:
        return tuple(sorted(anywhere)), "", ""

    def either(words: Iterable[str]) -> str:
        return "(?:" + "|".join(pl.escape_regex(w) for w in sorted(set(words))) + ")"

    ends = "".join(pl.escape_regex(c) for c in _CLAUSE_END)
    qualifiers = "".join(_QUALIFIER_AFTER)
    m, v, t = either(markets), either(OPERATION_VERBS), either(TRADE_VERBS)
    # The term not followed by 用 / 级 (a qualifier, rule 4), a verb later in its clause or
    # a trade verb right after it; or a verb earlier in its clause, a trade verb right before.
    after = f"{m}(?:{v}|{t}|[^{qualifiers}{ends}][^{ends}]*{v})"
    before = f"(?:{v}[^{ends}]*|{t}){m}(?:[^{qualifiers}]|$)"
    # A leading "start or any character" changes nothing a search finds, but leaves the
    # regex no verb to scan for first (verbs are in every scope): Rust's regex then looks
    # for the market terms and reads back from them, twice as fast.
    return tuple(sorted(anywhere)), m, f"(?:^|[\\s\\S])(?:{after}|{before})"


#: A form with more Latin letters than this is matched in any ASCII case by contains_any;
#: shorter ones by a regex of their every case (2 ** letters literals: far faster).
_CASED_LETTERS_MAX = 8


@lru_cache(maxsize=64)
def _case_literals(forms: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """``forms`` as one regex of literals, every ASCII case of their Latin letters written
    out (what ``contains_any(forms, ascii_case_insensitive=True)`` finds, several times
    faster), and the forms with too many letters to write out."""
    import polars as pl

    literals: set[str] = set()
    long_cased: list[str] = []
    for form in forms:
        letters = sum(c.isascii() and c.isalpha() for c in form)
        if letters > _CASED_LETTERS_MAX:
            long_cased.append(form)
            continue
        cases = [(c, c.swapcase()) if c.isascii() and c.isalpha() else (c,) for c in form]
        literals.update("".join(chars) for chars in product(*cases))
    ordered = sorted(literals, key=lambda f: (-len(f), f))
    return "|".join(pl.escape_regex(f) for f in ordered), tuple(long_cased)


def _holds_any(text: Any, forms: tuple[str, ...]) -> Any:
    """A polars expression: whether ``text`` holds one of ``forms`` (Latin letters in any
    ASCII case), by :func:`_case_literals`."""
    literal, long_cased = _case_literals(forms)
    if not long_cased:
        return text.str.contains(literal)
    cased = text.str.contains_any(list(long_cased), ascii_case_insensitive=True)
    return cased if not literal else text.str.contains(literal) | cased


def _native_mask(texts: Any, key: tuple, catalog: tuple) -> np.ndarray | None:
    """Which of ``texts`` (a list, or a pandas Series read through Arrow) may hold a mention.

    A superset, computed by polars on every core. None when polars is not installed
    or the filter cannot be exact for these terms.
    """
    filtered = _native_filtered(texts, key, catalog)
    return None if filtered is None else filtered[0]


def _native_filtered(texts: Any, key: tuple, catalog: tuple) -> tuple[np.ndarray, Any] | None:
    """:func:`_native_mask`, and the texts as a polars column (read once for the clauses)."""
    try:
        import polars as pl
    except ImportError:  # pragma: no cover - polars is a dependency; a broken install
        return None
    patterns = _native_filter(key, catalog)
    if patterns is None:
        return None
    anywhere, markets, regex = patterns
    column = None
    if not isinstance(texts, list):  # a Series of text (Arrow): no Python strings made
        try:
            column = pl.from_pandas(texts)
        except (TypeError, ValueError, ImportError, pl.exceptions.PolarsError):
            texts = texts.tolist()  # mixed cells (pyarrow refuses), or no pyarrow
        else:  # pragma: no branch
            if column.dtype != pl.String:
                column, texts = None, texts.tolist()
    if column is None:  # a cell that is not text holds no mention (_scan)
        try:
            column = pl.Series([t if isinstance(t, str) else None for t in texts], dtype=pl.String)
        except UnicodeError:  # a lone surrogate (an undecodable byte kept): no UTF-8
            return None
    text = pl.col("t")
    first = [_holds_any(text, anywhere).alias("a")]
    if regex:
        first.append(text.str.contains(markets).alias("m"))
    found = _parts_frame(column, pl).select(first).collect()
    passed = found["a"].fill_null(False).to_numpy().copy()
    if regex:  # the clause test only where an application term is and nothing else passed
        rows = np.flatnonzero(found["m"].fill_null(False).to_numpy() & ~passed)
        if len(rows):
            counts = _parts_frame(column.gather(rows), pl).select(text.str.contains(regex))
            passed[rows[counts.collect().to_series().fill_null(False).to_numpy()]] = True
    return passed, column


#: Code point ranges whose characters ``str.upper`` maps to one character each: ASCII,
#: CJK ideographs and punctuation, full-width forms. The reference upper-cases a text
#: with lower-case Latin letters only when its length stays (:meth:`Classifier._scan`);
#: a text with such letters and a character outside these ranges is read whole
#: (:meth:`Classifier._passed_rows`). tests/test_classify_native.py checks every one.
_CASE_SAFE_RANGES = (
    (0x00, 0x7F),
    (0xB7, 0xB7),
    (0x2010, 0x205F),
    (0x3000, 0x303F),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xFF00, 0xFFEF),
)
_CASE_SAFE = "".join(f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in _CASE_SAFE_RANGES)
#: The clause ends that cut a scope into pieces (not the colon: rule 6 reads its heading).
_PIECE_ENDS = "，,；;。！!？?\n\r"
#: Distinct clause pieces remembered per chain (:func:`_piece_memory`) before it starts afresh.
_PIECES_KEPT = 1 << 16


@lru_cache(maxsize=32)
def _clause_pieces(key: tuple, catalog: tuple = ()) -> tuple[str, str, tuple[str, ...]] | None:
    """The regex that cuts scopes into clause pieces, the regex of the raw-material words
    (whose texts may take the general path), and the forms a piece with a mention holds;
    None when every clause end is part of a term (no cut is safe)."""
    patterns = _native_filter(key, catalog)
    words = [f for info in _term_table(key, catalog) for f in _variants(info.term)]
    words += [w for _kind, ws in _TRIGGERS for w in ws]
    # A clause end inside a term (1,1-二氟乙烯) does not cut: no term may be cut in two.
    ends = "".join(c for c in _PIECE_ENDS if not any(c in word for word in words))
    if patterns is None or not ends:
        return None
    # The forms that may give a mention: products, and applications that are not grades.
    forms = {
        form
        for info in _term_table(key, catalog)
        if info.products or (info.markets and not info.qualifier)
        for form in _variants(info.term)
    }
    forms.update(patterns[0])  # and the letters str.upper makes Latin (UPPER_INTO_LATIN)
    ends = ends.replace("\n", r"\n").replace("\r", r"\r")
    # A piece: text up to a clause end, where an open round bracket runs on to the next
    # bracket (a clause end inside brackets does not cut: _inside_brackets).
    cut = f"(?:[^{ends}（()）]|[）)]|[（(][^（()）]*)+"
    return cut, "|".join(_RAW_TRIGGERS), tuple(sorted(forms))


#: Rows from which a call's results are promoted to the collector's oldest generation
#: (:func:`~chainmap.collector.collector_paused`); below it, the young pass made as the
#: block starts would cost more than the scans of the results it saves.
_PROMOTE_MIN_ROWS = 10_000

#: Rows per part, at least, when a text column is cut into one part per polars thread.
_PART_MIN_ROWS = 5_000


def _parts_frame(column: Any, pl: Any, parts: int | None = None) -> Any:
    """A LazyFrame of ``column`` as ``t``, in one chunk per polars thread (or ``parts``).

    polars runs a string kernel (``contains_any``, ``contains``) on each chunk of a
    column in parallel, but a column read whole is one chunk: its kernels ran on one
    core. Cut into parts (no copy), they run on every core; the rows keep their order.
    """
    if parts is None:
        parts = min(pl.thread_pool_size(), len(column) // _PART_MIN_ROWS)
    if parts > 1 and column.n_chunks() < parts:
        size = -(-len(column) // parts)
        column = pl.concat([column.slice(i * size, size) for i in range(parts)], rechunk=False)
    return pl.LazyFrame({"t": column})


class Classification(NamedTuple):
    """What :meth:`Classifier.classify_row` finds in one row.

    ``segments`` (stage order, then id) are the segments the firm makes or runs,
    with ``confidence`` in the same order (``code+scope``, ``scope`` or ``code``);
    ``trade_segments`` are the ones it only trades (rule 6); ``evidence`` maps
    every segment of either list to the sorted terms (and ``GB/T 4754 ...``
    codes) that gave it.
    """

    segments: list[str]
    evidence: dict[str, list[str]]
    trade_segments: list[str]
    confidence: list[str]


def meets_confidence(level: str, minimum: str) -> bool:
    """Whether a segment's confidence ``level`` is at least ``minimum``.

    Examples
    --------
    >>> meets_confidence("code", "scope"), meets_confidence("code+scope", "scope")
    (False, True)
    """
    order = {c: i for i, c in enumerate(CONFIDENCE_LEVELS)}
    if minimum not in order:
        raise ValueError(f"min_confidence must be one of {CONFIDENCE_LEVELS}, got {minimum!r}")
    return order.get(level, len(order)) <= order[minimum]


class Classifier:
    """Assign chain segments to business-scope texts (see the module docstring for the rules).

    Parameters
    ----------
    chain
        The chain whose segment keywords (and catalogue phrases) are matched.
        The matcher is compiled once per distinct segment content and cached.
    frequent_chars
        Characters to put first in the automaton (:func:`frequent_chars`); faster, same results.
    native
        Whether :meth:`classify_many` and :meth:`classify_rows` first pass over the texts
        that cannot hold a mention with a native filter (polars, every core): ``None``
        (default) from :data:`NATIVE_MIN_TEXTS` texts on, ``True`` always, ``False``
        never (the reference: every text through the Python scan). Same results.

    Examples
    --------
    >>> from chainmap.model.chain import load_chain
    >>> clf = Classifier(load_chain("fluorochem"))
    >>> clf.classify_one("电子级氢氟酸生产；氟化工产品销售（不含危险化学品）")
    (['electronic_hf'], {'electronic_hf': ['电子级氢氟酸']})
    >>> clf.classify_one("氟橡胶生产，产品用于汽车密封")[0]
    ['fkm']
    >>> clf.classify_row("氢氟酸销售；氟化铝生产").trade_segments
    ['ahf']
    """

    def __init__(self, chain: Chain, *, frequent_chars: str = "", native: bool | None = None):
        from chainmap.model.registry_terms import industry_segments

        self.chain = chain
        self.frequent_chars = frequent_chars
        self.native = native
        # Segments in stage order then id; the cache key is the segment content.
        self._key = (_compile_key(chain), _catalog_key(chain))
        self._automaton, self._rank = _compile(*self._key, frequent_chars)
        ids = set(chain.segments_by_id)
        self._codes = {
            code: found
            for code, sids in industry_segments().items()
            if (found := tuple(s for s in sids if s in ids))
        }

    def classify_one(self, text: str | None) -> tuple[list[str], dict[str, list[str]]]:
        """Segments the text says the firm makes or runs, and the terms that matched each.

        Trade-only mentions (rule 6) are left out; :meth:`classify_row` reports them.
        """
        found = self._scan(text)
        if not found:
            return [], {}
        return self._ordered(self._settle(text, found)[0])

    def classify_row(self, text: str | None, code: object = None) -> Classification:
        """Production and trade segments of one row, from its scope and its GB/T 4754 code."""
        found = self._scan(text)
        if not found and code is None:  # nothing to settle (most rows of a registry)
            return Classification([], {}, [], [])
        made, traded = self._settle(text, found) if found else ({}, {})
        return self._finish(made, traded, code)

    def _finish(
        self, made: dict[str, list[str]], traded: dict[str, list[str]], code: object
    ) -> Classification:
        """A row's result from its settled mentions (changed in place) and its code."""
        if code is None and not traded:  # the scope alone, nothing traded (most rows)
            segments, evidence = self._ordered(made)
            return Classification(segments, evidence, [], ["scope"] * len(segments))
        from chainmap.model.registry_terms import industry_code

        digits = industry_code(code) if code is not None else None
        by_code = self._codes.get(digits, ()) if digits else ()
        confidence = {sid: "scope" for sid in made}
        for sid in by_code:
            confidence[sid] = "code+scope" if sid in made else "code"
            made.setdefault(sid, []).append(f"GB/T 4754 {digits}")
        for sid in made.keys() & traded.keys():  # made and also traded: evidence is both
            made[sid] = made[sid] + traded[sid]
        segments, evidence = self._ordered(made)
        trade = {sid: terms for sid, terms in traded.items() if sid not in made}
        trade_ids, trade_evidence = self._ordered(trade)
        evidence.update(trade_evidence)
        return Classification(segments, evidence, trade_ids, [confidence[s] for s in segments])

    def _scan(self, text: str | None) -> dict[str, list[tuple[int, _Term]]]:
        """Segment id -> (start, term) of every mention kept by rules 1-4."""
        if not isinstance(text, str) or not text:
            return {}
        latin = text.encode("ascii", "ignore")
        if latin != latin.upper():  # lower-case Latin letters: match upper-cased
            upper = text.upper()
            if len(upper) == len(text):
                text = upper
        found: dict[str, list[tuple[int, _Term]]] = {}
        add = found.setdefault
        term_class = _Term
        fence = -1  # negation and market scopes seen so far reach up to here
        held: tuple[int, int, _Term] | None = None  # application term, settled by what follows
        pending: list[tuple[int, int, str]] = []  # triggers whose scope is not computed yet
        # Leftmost-longest, non-overlapping (rule 1), in one pass of the automaton. Scopes
        # reach forward only, so a trigger's scope is computed when a term follows it.
        for end, info in self._automaton.iter_long(text + _END):
            if info.__class__ is not term_class:  # a trigger word (kind, length), or a pad
                if info is None:
                    continue
                if info[0] == "raw":  # 以…为原料 reaches back: the general path
                    return self._scan_with_inputs(text)
                pending.append((end + 1 - info[1], end + 1, info[0]))
                continue
            end += 1
            start = end - info.length
            if pending:
                for trigger in pending:
                    reach = _scope_reach(text, *trigger)
                    if reach > fence:
                        fence = reach
                pending.clear()
            if start < fence:
                continue
            if info.latin_edge and not _word_bounded(text, start, end, info):
                continue
            if held is not None:  # an application term right before this one modifies it
                if start != held[1]:
                    _add_markets(text, *held, add)
                held = None
            if info.plain:
                add(info.products[0], []).append((start, info))
                continue
            for sid in info.products:
                add(sid, []).append((start, info))
            if info.markets:
                held = (start, end, info)
        if held is not None:
            _add_markets(text, *held, add)
        return found

    def _scan_with_inputs(self, text: str) -> dict[str, list[tuple[int, _Term]]]:
        """The general path for texts that name raw materials: all spans, then all terms."""
        hits: list[tuple[int, int, _Term]] = []
        spans: list[tuple[int, int]] = []
        for end, info in self._automaton.iter_long(text + _END):
            if info.__class__ is _Term:
                start = end + 1 - info.length
                if not info.latin_edge or _word_bounded(text, start, end + 1, info):
                    hits.append((start, end + 1, info))
            elif info is not None and info[0] != "raw":
                spans.append((end + 1, _scope_reach(text, end + 1 - info[1], end + 1, info[0])))
        if not hits:  # no term at all: no scope can matter (most texts naming 原料 or 利用)
            return {}
        for regex in _RAW_RES:
            spans.extend(match.span(1) for match in regex.finditer(text))
        found: dict[str, list[tuple[int, _Term]]] = {}
        kept = [h for h in hits if not any(a <= h[0] and h[1] <= b for a, b in spans)]
        for i, (start, end, info) in enumerate(kept):
            for sid in info.products:
                found.setdefault(sid, []).append((start, info))
            if info.markets and (i + 1 == len(kept) or kept[i + 1][0] != end):
                _add_markets(text, start, end, info, found.setdefault)
        return found

    @staticmethod
    def _settle(
        text: str, found: dict[str, list[tuple[int, _Term]]]
    ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """Split mentions into production and trade (rule 6): segment id -> terms."""
        made: dict[str, list[str]] = {}
        traded: dict[str, list[str]] = {}
        # Without a trade verb anywhere, every mention is production (the common case).
        items = _Items(text) if _TRADE_RE.search(text) is not None else None
        for sid, mentions in found.items():
            for start, info in mentions:
                kind = info.fixed or ("production" if items is None else items.kind(start))
                (made if kind == "production" else traded).setdefault(sid, []).append(info.term)
        return made, traded

    def _ordered(self, found: dict[str, list[str]]) -> tuple[list[str], dict[str, list[str]]]:
        """Segments in stage order and their sorted, distinct terms."""
        if not found:
            return [], {}
        if len(found) == 1:
            ((sid, terms),) = found.items()
            return [sid], {sid: terms if len(terms) == 1 else sorted(set(terms))}
        order = sorted(found, key=self._rank.__getitem__)
        evidence = {}
        for sid in order:  # one lookup per segment; most have one term
            terms = found[sid]
            evidence[sid] = terms if len(terms) == 1 else sorted(set(terms))
        return order, evidence

    def _tuned(self, n: int, texts: list) -> Classifier:
        """This classifier, or one tuned to the texts' frequent characters when there are many."""
        if not self.frequent_chars and n >= _TUNE_MIN:
            return Classifier(self.chain, frequent_chars=frequent_chars(texts[:_TUNE_SAMPLE]))
        return self

    def _passed(self, texts: Any) -> np.ndarray | None:
        """Which texts may hold a mention (:func:`_native_mask`), or None: read them all."""
        filtered = self._filtered(texts)
        return None if filtered is None else filtered[0]

    def _filtered(self, texts: Any) -> tuple[np.ndarray, Any] | None:
        """:meth:`_passed` and the texts as a polars column, or None: read them all."""
        if self.native is False or (self.native is None and len(texts) < NATIVE_MIN_TEXTS):
            return None
        if self.native is None:  # texts that mostly name the chain: the filter saves nothing
            sample = texts[:_TUNE_SAMPLE] if isinstance(texts, list) else texts.iloc[:_TUNE_SAMPLE]
            passed = _native_mask(sample, *self._key)
            if passed is None or passed.mean() > _NATIVE_MAX_SHARE:
                return None
        return _native_filtered(texts, *self._key)

    def classify_many(
        self, texts: Iterable[str | None]
    ) -> list[tuple[list[str], dict[str, list[str]]]]:
        """:meth:`classify_one` over many texts, in order.

        With many texts, a native filter first sets aside the texts that cannot hold a
        mention, and the automaton is tuned to the others' frequent characters (faster,
        same results).
        """
        texts = texts if isinstance(texts, list) or _is_series(texts) else list(texts)
        read, keep = self._read(texts)
        classify = self._tuned(len(read), read).classify_one
        # Each result is new lists and dicts (no cycles), and outlives the call.
        with collector_paused(promote=len(texts) >= _PROMOTE_MIN_ROWS):
            if keep is None:
                return [classify(t) for t in read]
            given = iter(read)
            return [classify(next(given)) if k else ([], {}) for k in keep]

    def classify_rows(
        self, texts: Iterable[str | None], codes: Iterable[object] | None = None
    ) -> list[Classification]:
        """:meth:`classify_row` over many rows (``codes``: their 国标行业 cells, or None).

        ``texts`` may be a pandas Series (of text read from Parquet, say): the native
        filter then reads its Arrow data, and only the texts it passes become strings.
        """
        texts = texts if isinstance(texts, list) or _is_series(texts) else list(texts)
        # The results outlive the call: to the collector's oldest generation with them.
        with collector_paused(promote=len(texts) >= _PROMOTE_MIN_ROWS):
            at, found = self._classify_some(texts, codes)
            if at is None:
                return found
            new = tuple.__new__  # (not the class's Python-level __new__: 100,000 rows)
            out: list[Classification | None] = [None] * len(texts)
            for i, result in zip(at, found, strict=True):
                out[i] = result
            return [new(Classification, ([], {}, [], [])) if r is None else r for r in out]

    def _classify_some(
        self, texts: list | pd.Series, codes: Iterable[object] | None
    ) -> tuple[list[int] | None, list[Classification]]:
        """:meth:`classify_row` of the rows that may find something, and which rows they are.

        The other rows (no text the native filter passes, no industry code) find nothing. ``None``
        for the rows: every row was read, in order.
        """
        coded = codes is not None
        codes = list(codes) if coded else [None] * len(texts)
        if len(codes) != len(texts):
            raise ValueError("texts and codes differ in length")
        filtered = self._filtered(texts)
        with collector_paused():
            if filtered is None:
                read = texts if isinstance(texts, list) else texts.tolist()
                row = self._tuned(len(read), read).classify_row
                return None, [row(t, c) for t, c in zip(read, codes, strict=True)]
            passed, column = filtered
            rows = np.flatnonzero(passed)
            found = self._passed_rows(column.gather(rows), [codes[i] for i in rows.tolist()])
            if not coded:  # no codes: the passed rows are the rows that may find something
                return rows.tolist(), found
            given = iter(found)
            # A text without a mention: its code alone decides, as in classify_row.
            # (industry_code reads a class only from text that is not blank.)
            keep = passed.tolist()
            at = [
                i
                for i, (k, c) in enumerate(zip(keep, codes, strict=True))
                if k or (isinstance(c, str) and c.strip())
            ]
            row = self.classify_row
            return at, [next(given) if keep[i] else row(None, codes[i]) for i in at]

    def _passed_rows(self, column: Any, codes: list) -> list[Classification]:
        """:meth:`classify_row` of the texts the native filter passed (a polars column).

        Every rule reads within a clause (rule 6's heading before a colon apart), and a
        round bracket only from where it opens, so a scope's result is the sum of its
        pieces' results, cut at the clause ends no bracket holds open (``；``, ``，`` …,
        never ``：``; :func:`_clause_pieces`). polars cuts the texts and keeps the pieces
        that hold a term; each distinct piece is read once (:meth:`_scan`,
        :meth:`_settle`) and remembered for the chain (:func:`_piece_memory`).

        - A text with lower-case Latin letters is read upper-cased, each piece as the
          whole text would be; when it also holds a character outside
          :data:`_CASE_SAFE` (where ``str.upper`` might change a length), it is read
          whole, as :meth:`classify_row` reads it.
        - A text that names a raw material (原料, 利用) is read on the general path
          (:meth:`_scan_with_inputs`) when any of its pieces holds such a trigger, as
          :meth:`_scan` switches for the whole text.
        """
        pieces = _clause_pieces(*self._key)
        if pieces is None:  # terms that hold every clause end: the texts are read whole
            texts = column.to_list()
            row = self._tuned(len(texts), texts).classify_row
            return [row(t, c) for t, c in zip(texts, codes, strict=True)]
        import polars as pl

        cut, raw_re, forms = pieces
        text = pl.col("t")
        flags = (
            _parts_frame(column, pl)
            .select(
                upper=text.str.contains("[a-z]").fill_null(False),
                raw=text.str.contains(raw_re).fill_null(False),
            )
            .collect()
        )
        upper, raw = flags["upper"].to_list(), flags["raw"].to_list()
        # Read whole: a text with lower-case letters and a character outside _CASE_SAFE
        # (looked for only in the texts with lower-case letters: a third of them).
        cased = np.flatnonzero(flags["upper"].to_numpy())
        unsafe = _parts_frame(column.gather(cased), pl).select(
            text.str.contains(f"[^{_CASE_SAFE}]").fill_null(False)
        )
        whole_rows = cased[unsafe.collect().to_series().to_numpy()]
        read_whole = np.zeros(len(column), dtype=bool)
        read_whole[whole_rows] = True
        whole = read_whole.tolist()
        # The pieces that hold a term, or a raw-material word (only a text with one has it).
        # (A LazyFrame cut into parts runs the regexes on every core; the row numbers
        # are added after them, which would otherwise run them on one.)
        held = (
            _parts_frame(column, pl)
            .select(text.str.extract_all(cut))
            .with_row_index("i")
            .explode("t", empty_as_null=True)
            .filter(_holds_any(text, forms) | text.str.contains(raw_re))
            .collect()
        )
        memory = _piece_memory(*self._key)
        by_row: dict[int, tuple[dict[str, list[str]], dict[str, list[str]]]] = {}
        named_inputs: dict[int, list[str]] = {}  # the pieces of texts that may name inputs
        plain = memory.plain
        for i, piece in zip(held["i"].to_list(), held["t"].to_list(), strict=True):
            if whole[i]:
                continue
            if upper[i]:  # the text has lower-case Latin letters: _scan reads it upper-cased
                piece = piece.upper()
            if raw[i]:
                named_inputs.setdefault(i, []).append(piece)
                continue
            settled = plain.get(piece)
            if settled is None:
                settled = memory.settled(self, piece, general=False)
            if settled:
                _add_settled(by_row, i, settled)
        for i, text_pieces in named_inputs.items():
            general = any(memory.names_input(self, piece) for piece in text_pieces)
            for piece in text_pieces:
                _add_settled(by_row, i, memory.settled(self, piece, general=general))
        out: list[Classification | None] = [None] * len(codes)
        row = self.classify_row
        for i, text_ in zip(whole_rows.tolist(), column.gather(whole_rows).to_list(), strict=True):
            out[i] = row(text_, codes[i])
        finish = self._finish
        for i, code in enumerate(codes):
            if out[i] is None:
                made, traded = by_row.get(i) or ({}, {})
                out[i] = finish(made, traded, code)
        return out  # type: ignore[return-value]

    def _read(self, texts: Any) -> tuple[list, list[bool] | None]:
        """The texts to scan in Python, and which rows they are (None: all of them)."""
        passed = self._passed(texts)
        if passed is None:
            return (texts if isinstance(texts, list) else texts.tolist()), None
        if isinstance(texts, list):
            return list(compress(texts, passed.tolist())), passed.tolist()
        return texts.iloc[passed].tolist(), passed.tolist()


_Settled = tuple[dict[str, list[str]], dict[str, list[str]]]


def _add_settled(by_row: dict[int, _Settled], i: int, settled: _Settled | tuple[()]) -> None:
    """Add a piece's settled mentions to row ``i``'s (new lists: the piece's are remembered)."""
    if not settled:
        return
    if i not in by_row:
        by_row[i] = ({}, {})
    made, traded = by_row[i]
    for sid, terms in settled[0].items():
        made.setdefault(sid, []).extend(terms)
    for sid, terms in settled[1].items():
        traded.setdefault(sid, []).extend(terms)


class _Pieces:
    """What each clause piece settles, on both scan paths, and whether it names an input."""

    __slots__ = ("general", "inputs", "plain")

    def __init__(self) -> None:
        self.plain: dict[str, _Settled | tuple[()]] = {}
        self.general: dict[str, _Settled | tuple[()]] = {}
        self.inputs: dict[str, bool] = {}

    def settled(self, clf: Classifier, piece: str, *, general: bool) -> _Settled | tuple[()]:
        """:meth:`Classifier._settle` of the piece's mentions; ``()`` for none."""
        memo = self.general if general else self.plain
        found = memo.get(piece)
        if found is None:
            if len(memo) > _PIECES_KEPT:
                memo.clear()
            mentions = clf._scan_with_inputs(piece) if general else clf._scan(piece)
            found = memo[piece] = clf._settle(piece, mentions) if mentions else ()
        return found

    def names_input(self, clf: Classifier, piece: str) -> bool:
        """Whether the automaton finds a raw-material trigger in the piece (:meth:`_scan`)."""
        found = self.inputs.get(piece)
        if found is None:
            if len(self.inputs) > _PIECES_KEPT:
                self.inputs.clear()
            found = self.inputs[piece] = any(
                info.__class__ is tuple and info[0] == "raw"
                for _end, info in clf._automaton.iter_long(piece + _END)
            )
        return found


@lru_cache(maxsize=4)
def _piece_memory(key: tuple, catalog: tuple = ()) -> _Pieces:
    """The pieces read so far for a chain's segment content (shared by its classifiers)."""
    return _Pieces()


def _is_series(values: object) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(values, pandas.Series)


@lru_cache(maxsize=1 << 16)
def _verb_kind(part: str) -> str | None:
    """``production``, ``trade`` or None for one item of a clause (closed brackets ignored).

    Cached: registry scopes repeat the same items (化工产品销售) across many firms.
    """
    if "（" in part or "(" in part:
        part = _CLOSED_BRACKETS.sub("", part)
    if _PRODUCTION_RE.search(part):
        return "production"
    if _TRADE_RE.search(part):
        return "trade"
    return None


class _Items:
    """The clauses of one text, split into ``、`` items, for rule 6 (each clause read once).

    The item holding a mention decides whether it is production or trade; an item
    without a verb takes the verb of the next items (``萤石、氢氟酸生产``), then of
    the previous ones (``销售萤石、氢氟酸``), then of a heading before a colon
    (``销售：氢氟酸``). A bare making verb before a trading item makes it production
    (``生产、销售氢氟酸``). No verb at all: production.
    """

    __slots__ = ("clauses", "reverse", "text")

    def __init__(self, text: str):
        self.text = text
        self.reverse = text[::-1]  # finds the clause start with one forward search
        self.clauses: dict[int, tuple[list[int], list[str | None], list[str]]] = {}

    def _start(self, pos: int) -> int:
        """Start of the clause holding ``pos``: after the last delimiter before it."""
        n = len(self.text)
        before = _CLAUSE_RE.search(self.reverse, n - pos)
        return n - before.start() if before else 0

    def kind(self, start: int) -> str:
        """``production`` or ``trade`` for the mention starting at ``start``."""
        text = self.text
        c0 = self._start(start)
        after = _CLAUSE_RE.search(text, start)
        c1 = after.start() if after else len(text)
        if _TRADE_RE.search(text, c0, c1) is None:  # most clauses: no trading here
            kind = None
        elif text.find("、", c0, c1) < 0:  # one item
            kind = _verb_kind(text[c0:c1])
        else:
            starts, kinds, parts = self._items(c0, c1)
            j = bisect_right(starts, start) - 1
            kind = kinds[j]
            if kind == "trade" and j and _BARE_PRODUCTION_RE.fullmatch(parts[j - 1]):
                return "production"
            # An item without a verb: the next items', then the previous ones'.
            kind = kind or next((k for k in kinds[j + 1 :] if k), None)
            kind = kind or next((k for k in reversed(kinds[:j]) if k), None)
        if kind:
            return kind
        if c0 and text[c0 - 1] in "：:":  # a heading: 销售：萤石、氢氟酸
            return _verb_kind(text[self._start(c0 - 1) : c0 - 1]) or "production"
        return "production"

    def _items(self, c0: int, c1: int) -> tuple[list[int], list[str | None], list[str]]:
        """Item starts, item kinds and item texts of the clause ``c0:c1`` (read once)."""
        if c0 not in self.clauses:
            parts = self.text[c0:c1].split("、")
            starts, at = [], c0
            for part in parts:
                starts.append(at)
                at += len(part) + 1
            self.clauses[c0] = (starts, [_verb_kind(p) for p in parts], parts)
        return self.clauses[c0]


def frequent_chars(texts: Iterable[str | None], n: int = _TUNE_CHARS) -> str:
    """The ``n`` most frequent characters of ``texts``, most frequent first (ties by code point).

    Pass them as ``Classifier(chain, frequent_chars=...)`` to speed up matching.

    Examples
    --------
    >>> frequent_chars(["技术服务", "技术咨询"], n=3)
    '技术务'
    """
    joined = "".join(t for t in texts if isinstance(t, str)).encode("utf-32-le", "surrogatepass")
    counts = np.bincount(np.frombuffer(joined, dtype="<u4"))  # by code point
    if len(counts) > ord(_PAD):
        counts[ord(_PAD)] = 0
    chars = np.flatnonzero(counts)
    # Most frequent first, ties by code point (chars ascend; the sort is stable).
    first = chars[np.argsort(-counts[chars], kind="stable")[:n]]
    return "".join(map(chr, first.tolist()))


def _word_bounded(text: str, start: int, end: int, info: _Term) -> bool:
    """A term with a Latin letter or digit at an edge must not touch another one there."""
    if info.ascii_left and start > 0 and _is_ascii_alnum(text[start - 1]):
        return False
    return not (info.ascii_right and end < len(text) and _is_ascii_alnum(text[end]))


def _scope_end(text: str, pos: int) -> int:
    """End of a negation or market scope starting at ``pos`` (rules 2 and 3)."""
    # Both scopes end at the first clause end or 的; only a closing bracket found first
    # needs the (slower) bracket test, so most scopes take one search.
    match = _BRACKET_SCOPE_END_RE.search(text, pos)
    if match is None:
        return len(text)
    if match.group() not in _CLOSE or _inside_brackets(text, pos):
        return match.start()
    match = _SCOPE_END_RE.search(text, match.end())
    return match.start() if match else len(text)


def _inside_brackets(text: str, pos: int) -> bool:
    """Whether a round bracket opened before ``pos`` is still open there."""
    opened = max(text.rfind("（", 0, pos), text.rfind("(", 0, pos))
    return opened >= 0 and opened > max(text.rfind("）", 0, pos), text.rfind(")", 0, pos))


def _scope_reach(text: str, start: int, end: int, kind: str) -> int:
    """Where the scope of a negation, market or 除…外 trigger at ``start:end`` ends.

    An empty scope returns ``end``. 除 inside a word meaning "remove" (去除, 除湿 …)
    and 除 without a 外 later in its clause have no scope.
    """
    if kind != "except":
        return _scope_end(text, end)
    if text[start - 1 : start] in _NOT_EXCEPT_BEFORE or text[end : end + 1] in _NOT_EXCEPT_AFTER:
        return end
    stop = _CLAUSE_RE.search(text, end)
    close = text.find("外", end, stop.start() if stop else len(text))
    return close if close > 0 else end


def _add_markets(text: str, start: int, end: int, info: _Term, add: Any) -> None:
    """Assign an application term's segments if its clause says the firm makes or runs them.

    Rule 4, inlined here (one call per application term, the most frequent helper call).
    """
    if info.qualifier or text.startswith(_QUALIFIER_AFTER, end):
        return
    # Registry scopes mostly put the verb after the object (汽车零部件制造): look there first.
    ahead = _VERB_OR_CLAUSE_END_RE.search(text, start)  # the term may hold the verb (芯片制造)
    if ahead is None or ahead.group() in _CLAUSE_END:
        before = _LAST_CLAUSE_END.match(text, 0, start)
        c0 = before.end() if before else 0
        if _VERB_RE.search(text, c0, start) is None:
            # No making verb: a market traded right here (汽车销售, 销售汽车) is trade
            # evidence (rule 6 settles it); 汽车零配件批发 names parts, not cars.
            if not (text.startswith(TRADE_VERBS, end) or text.endswith(TRADE_VERBS, c0, start)):
                return
    for sid in info.markets:
        add(sid, []).append((start, info))


# ---------------------------------------------------------------------- tables


def classify(
    chain: Chain,
    texts: Sequence[str | None] | pd.Series,
    *,
    codes: Sequence[object] | pd.Series | None = None,
) -> pd.DataFrame:
    """Classify texts into segments, one output row per input text.

    Parameters
    ----------
    chain
        The chain whose segments are assigned.
    texts
        Business-scope texts; a Series keeps its index. Missing texts give no segments.
    codes
        The rows' GB/T 4754 industry (国标行业) cells, or None.

    Returns
    -------
    DataFrame
        ``segments`` (list of ids, stage order then id), ``evidence`` (dict segment
        id -> sorted list of matched terms), ``trade_segments`` (segments only
        traded) and ``segments_confidence`` (one level per segment of ``segments``).

    Examples
    --------
    >>> from chainmap.model.chain import load_chain
    >>> frame = classify(load_chain("fluorochem"), ["电子级氢氟酸、氢氟酸生产", "氢氟酸销售"])
    >>> frame["segments"].tolist(), frame["trade_segments"].tolist()
    ([['ahf', 'electronic_hf'], []], [[], ['ahf']])
    """
    import pandas as pd

    if isinstance(texts, str):  # one text, not its characters
        texts = [texts]
    index = texts.index if isinstance(texts, pd.Series) else None
    values = texts if isinstance(texts, pd.Series) else list(texts)
    code_values = codes.tolist() if isinstance(codes, pd.Series) else codes
    results = Classifier(chain).classify_rows(values, code_values)
    return pd.DataFrame(
        {
            "segments": [r.segments for r in results],
            "evidence": [r.evidence for r in results],
            "trade_segments": [r.trade_segments for r in results],
            "segments_confidence": [r.confidence for r in results],
        },
        index=index,
        columns=["segments", "evidence", "trade_segments", "segments_confidence"],
    )


_TAG_SPLIT = re.compile(r"[;；,，、|\s]+")


def _parse_tags(
    value: Any,
    chain: Chain,
    names: tuple[frozenset[str], frozenset[str]] | None = None,
    rank: dict[str, int] | None = None,
) -> list[str]:
    """Segment ids from a tag cell (list, text joined by ; , 、 |, or a Parquet list); empty if none.

    Ids and labels of ``chain`` resolve to its ids, in stage order; other tags
    (segments of other chains, for instance) are kept as given, after them.
    ``names`` and ``rank`` (:func:`_tag_names`, the chain's stage order) may be
    computed once for many cells.
    """
    if isinstance(value, np.ndarray):  # a list cell read from Parquet
        if not value.size:  # (untagged: most cells of an imported registry)
            return []
        value = value.tolist()
    if not isinstance(value, (list, tuple, set)) and is_blank(value):
        return []
    items = list(value) if isinstance(value, (list, tuple, set)) else _TAG_SPLIT.split(str(value))
    exact, english = _tag_names(chain) if names is None else names
    ids: list[str] = []
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        if item in exact or item.lower() in english:  # what chain.resolve accepts
            item = chain.resolve(item)
        if item not in ids:
            ids.append(item)
    if rank is None:
        rank = {s.id: i for i, s in enumerate(chain.ordered_segments())}
    return sorted(ids, key=lambda s: (rank.get(s, len(rank)), ids.index(s)))


def _tag_names(chain: Chain) -> tuple[frozenset[str], frozenset[str]]:
    """The tags :meth:`Chain.resolve` accepts: ids, retired ids, labels; English ones lower-cased.

    Anything else is kept as given without asking ``resolve``, whose "did you mean"
    suggestions cost more than the whole classification of a row.
    """
    from chainmap.model.chain import segment_aliases

    aliases = segment_aliases()
    exact = {*chain.segments_by_id}
    exact |= {old for old, new in aliases.items() if new in chain.segments_by_id}
    for seg in chain.segments_by_id.values():
        exact |= {seg.name_zh, seg.name_en}
    english = {seg.name_en.lower() for seg in chain.segments_by_id.values()}
    return frozenset(exact), frozenset(english)


def assign_segments(
    chain: Chain,
    enterprises: pd.DataFrame,
    *,
    text_column: str = "scope",
    tag_column: str | None = "segments",
    code_column: str | None = "auto",
    evidence: bool = False,
    file: str | None = None,
) -> pd.DataFrame:
    """Return a copy of an enterprise table with ``segments`` and ``segments_source``.

    Also adds ``trade_segments`` (segments the row only trades) and
    ``segments_confidence`` (per segment of ``segments``: ``code+scope``,
    ``scope`` or ``code``; empty for tagged rows).

    Rows whose ``tag_column`` holds segment tags keep them (``"tagged"``): tags
    always win. Other rows get the segments classified from ``text_column``
    (``"classified"``). Tags may be ids or zh labels, as a list or joined by
    ``;``, ``,`` or ``、``; labels of ``chain`` become its ids, and tags it does
    not know (segments of another chain) are kept as given.

    Parameters
    ----------
    chain, enterprises
        The chain and the enterprise table (canonical columns, extra columns kept).
    text_column
        The business-scope column.
    tag_column
        The column of explicit tags, if present (``None``: ignore tags).
    code_column
        The GB/T 4754 industry column (国标行业); ``"auto"``: the first of
        :data:`CODE_COLUMNS` present; ``None``: classify from the scope alone.
    evidence
        Also add an ``evidence`` column (dict segment id -> matched terms; ``{}`` if tagged).
    file
        Where the table came from, for error messages.

    Examples
    --------
    >>> import pandas as pd
    >>> from chainmap.model.chain import load_chain
    >>> table = pd.DataFrame({"scope": ["聚偏氟乙烯生产", "聚偏氟乙烯生产"],
    ...                       "segments": [None, "萤石"]})
    >>> out = assign_segments(load_chain("fluorochem"), table)
    >>> out[["segments", "segments_source"]].values.tolist()
    [[['pvdf'], 'classified'], [['fluorspar'], 'tagged']]
    """
    if text_column not in enterprises.columns:
        raise InputError(
            f"找不到文本列 / no column {text_column!r}; 现有列 / columns: "
            + ", ".join(str(c)[:40] for c in list(enterprises.columns)[:30])
            + (" …" if len(enterprises.columns) > 30 else ""),
            file=file,
            hint="请指定经营范围所在列 / name the business-scope column",
        )
    out = enterprises.copy()
    tags = (
        out[tag_column].tolist()
        if tag_column is not None and tag_column in out.columns
        else [None] * len(out)
    )
    names = _tag_names(chain)
    rank = {s.id: i for i, s in enumerate(chain.ordered_segments())}
    none: list[str] = []  # (read only) an empty Parquet list cell: most rows of a registry
    tagged = [
        none if type(tag) is np.ndarray and not tag.size else _parse_tags(tag, chain, names, rank)
        for tag in tags
    ]
    texts = out[text_column]
    if code_column == "auto":
        code_column = next((c for c in CODE_COLUMNS if c in out.columns), None)
    codes = out[code_column].tolist() if code_column in out.columns else [None] * len(out)
    untagged = [i for i, ids in enumerate(tagged) if not ids]
    if len(untagged) < len(out):
        texts, codes = texts.iloc[untagged], [codes[i] for i in untagged]
    # New lists, no cycles (most rows of a registry find nothing), kept in the table.
    with collector_paused(promote=len(out) >= _PROMOTE_MIN_ROWS):
        at, results = Classifier(chain)._classify_some(texts, codes)
        if at is None and len(untagged) == len(out):  # every row read and found in order
            segments, proofs, trades, levels = (
                list(map(attrgetter(f), results))
                for f in ("segments", "evidence", "trade_segments", "confidence")
            )
        else:  # the tags in their rows, empty lists elsewhere, then what was found
            segments = [ids if ids else [] for ids in tagged]
            proofs = [{} for _ in tagged] if evidence else []
            trades, levels = ([[] for _ in tagged] for _ in range(2))
            rows = untagged if at is None else [untagged[i] for i in at]
            for i, result in zip(rows, results, strict=True):
                segments[i], trades[i] = result.segments, result.trade_segments
                levels[i] = result.confidence
                if evidence:
                    proofs[i] = result.evidence
    sources = ["tagged" if ids else "classified" for ids in tagged]
    out["segments"] = segments
    out["segments_source"] = sources
    out["segments_confidence"] = levels
    out["trade_segments"] = trades
    if evidence:
        out["evidence"] = proofs
    return out


#: Input columns read as explicit segment tags, in order of preference.
TAG_COLUMNS: tuple[str, ...] = ("segments", "环节")


def classification_records(
    chain: Chain, table: pd.DataFrame, *, text_column: str, file: str | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Every row of ``table`` as a record with ``segments``, ``evidence``, ``segments_source``,
    ``segments_confidence`` and ``trade_segments``.

    The tag column is the first of :data:`TAG_COLUMNS` present, the code column
    the first of :data:`CODE_COLUMNS`. Returns the records and the column order
    (input columns, then the added ones).
    """
    tag_column = next((c for c in TAG_COLUMNS if c in table.columns), None)
    out = assign_segments(
        chain,
        table,
        text_column=text_column,
        tag_column=tag_column,
        evidence=True,
        file=file,
    )
    added = ["segments", "evidence", "segments_source", "segments_confidence", "trade_segments"]
    columns = [c for c in table.columns if c not in added] + added
    records = [
        {str(k): _missing_as_none(v) for k, v in rec.items()}
        for rec in out[columns].to_dict(orient="records")
    ]
    return records, [str(c) for c in columns]


def _missing_as_none(value: Any) -> Any:
    """``None`` for NaN / NA cells (pandas may turn empty text cells into NaN); a list for a
    Parquet list cell (a numpy array)."""
    if value is None or isinstance(value, (list, dict, str)):
        return value
    if isinstance(value, np.ndarray):
        return value.tolist()
    import pandas as pd

    return None if pd.isna(value) else value
