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
   list and does not end it) or, inside brackets, up to the closing bracket;
   ``的`` also ends it (``不含氢氟酸的化工原料``: the 化工原料 are not negated).
   ``除…外`` negates what lies between 除 and 外.
3. **Markets and raw materials.** What follows ``用于 / 应用于 / 适用于 / 面向``
   up to the end of the scope (as for negation) names a customer market, and what lies in
   ``以…为原料`` / ``利用…生产`` or follows ``原料为 / 原料：`` names an input:
   neither is a product of the firm, so neither is assigned.
4. **Application stage.** A segment of stage ``application`` is assigned only
   when its clause also has an operation verb (生产, 制造, 经营, 运营, 建设 …)
   and the term is not a grade or use qualifier (``汽车用…``, ``冶金级…``).

Matching is case-sensitive except for Latin letters, which match in upper,
lower and full-width forms (``pvdf``, ``ＰＶＤＦ``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
import re
from typing import TYPE_CHECKING, Any

from chainmap.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from chainmap.model.chain import Chain

__all__ = [
    "APPLICATION_STAGE",
    "MARKET_TRIGGERS",
    "NEGATION_TRIGGERS",
    "OPERATION_VERBS",
    "Classifier",
    "assign_segments",
    "classification_records",
    "classify",
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
# Other trigger words found by the automaton: 除…外 and the raw-material forms.
_RAW_TRIGGERS = ("原料", "原材料", "利用")
_EXCEPT_TRIGGER = "除"

_CLAUSE_END = "，,；;。：:！!？?\n\r"
_OPEN = "（(【[〔"
_CLOSE = "）)】]〕"
_CLAUSE_RE = re.compile(f"[{re.escape(_CLAUSE_END)}]")
# A negation or market scope also ends at 的, after which the product it modifies is named
# (生产用于锂电池的PVDF); inside brackets it ends at the closing bracket.
_SCOPE_END_RE = re.compile(f"[{re.escape(_CLAUSE_END)}的]")
_BRACKET_SCOPE_END_RE = re.compile(f"[{re.escape(_CLAUSE_END + _CLOSE)}的]")
_LAST_CLAUSE_END = re.compile(f".*[{re.escape(_CLAUSE_END)}]", re.DOTALL)
_LAST_BRACKET = re.compile(f".*[{re.escape(_OPEN + _CLOSE)}]", re.DOTALL)
_VERB_RE = re.compile("|".join(OPERATION_VERBS))
# 除…外: 除 not part of 去除/除湿/除尘 … (words where 除 means "remove").
_EXCEPT_RE = re.compile(
    r"(?<![去消清排拆删扣剔免破革切根])除(?![草湿尘锈臭垢霜雾味冰油虫螨甲])"
    f"[^{re.escape(_CLAUSE_END)}]*?外"
)
_RAW_RES = (
    re.compile(f"以([^{re.escape(_CLAUSE_END)}]*?)为(?:主要)?(?:原料|原材料|主原料|基料)"),
    re.compile(
        f"(?:原料|原材料)(?:主要)?(?:为|是|包括|采用|使用|：|:)([^{re.escape(_CLAUSE_END)}]*)"
    ),
    re.compile(f"利用([^{re.escape(_CLAUSE_END)}]*?)(?:生产|制备|制取|提取|回收)"),
)
_QUALIFIER_AFTER = ("用", "级")
_LABEL_BRACKETS = re.compile(r"[（(][^）)]*[）)]")
_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in map(chr, range(0x21, 0x7F))}


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
    qualifier: bool  # the term itself is a grade (冶金级萤石): never an application


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _label_terms(name_zh: str) -> list[str]:
    """Usable keywords from a zh label: brackets removed, split on ``/``, no 等/及/其他."""
    parts = _LABEL_BRACKETS.sub("", name_zh).split("/")
    return [p for p in parts if len(p) >= 2 and not any(w in p for w in ("等", "及", "其他"))]


def segment_terms(chain: Chain) -> dict[str, list[str]]:
    """The terms each segment is matched by: its keywords plus its usable zh label.

    Examples
    --------
    >>> from chainmap.model.chain import load_chain
    >>> terms = segment_terms(load_chain("fluorochem"))
    >>> "电子级氢氟酸" in terms["electronic_hf"]
    True
    """
    out: dict[str, list[str]] = {}
    for seg in chain.ordered_segments():
        terms = {k.strip() for k in seg.keywords if k and k.strip()}
        terms.update(_label_terms(seg.name_zh))
        out[seg.id] = sorted(terms)
    return out


def _variants(term: str) -> set[str]:
    """Case and full-width forms of the Latin letters in a term."""
    if not any(c.isascii() and c.isalpha() for c in term):
        return {term}
    forms = {term, term.upper(), term.lower()}
    forms |= {f.translate(str.maketrans(_FULLWIDTH)) for f in list(forms)}
    return forms


def _compile_key(chain: Chain) -> tuple:
    return tuple(
        (s.id, s.stage, s.name_zh, tuple(sorted(s.keywords))) for s in chain.ordered_segments()
    )


@lru_cache(maxsize=32)
def _compile(key: tuple) -> tuple[Any, dict[str, int]]:
    """Build the automaton for a chain's segment content (cached on that content)."""
    import ahocorasick

    by_term: dict[str, list[tuple[str, str]]] = {}
    for sid, stage, name_zh, keywords in key:
        terms = {k.strip() for k in keywords if k and k.strip()} | set(_label_terms(name_zh))
        for term in terms:
            by_term.setdefault(term, []).append((sid, stage))
    automaton = ahocorasick.Automaton()
    for term, owners in sorted(by_term.items()):
        owners.sort()
        info = _Term(
            term=term,
            length=len(term),
            products=tuple(s for s, st in owners if st != APPLICATION_STAGE),
            markets=tuple(s for s, st in owners if st == APPLICATION_STAGE),
            ascii_left=_is_ascii_alnum(term[0]),
            ascii_right=_is_ascii_alnum(term[-1]),
            latin_edge=_is_ascii_alnum(term[0]) or _is_ascii_alnum(term[-1]),
            qualifier="级" in term,
        )
        for form in _variants(term):
            automaton.add_word(form, info)
    for kind, words in (
        ("negation", NEGATION_TRIGGERS),
        ("market", MARKET_TRIGGERS),
        ("raw", _RAW_TRIGGERS),
        ("except", (_EXCEPT_TRIGGER,)),
    ):
        for word in words:
            if word in automaton:  # a keyword that is also a trigger stays a keyword
                continue
            automaton.add_word(word, (kind, len(word)))
    automaton.make_automaton()
    rank = {sid: i for i, (sid, *_rest) in enumerate(key)}
    return automaton, rank


class Classifier:
    """Assign chain segments to business-scope texts (see the module docstring for the rules).

    Parameters
    ----------
    chain
        The chain whose segment keywords are matched. The matcher is compiled
        once per distinct segment content and cached.

    Examples
    --------
    >>> from chainmap.model.chain import load_chain
    >>> clf = Classifier(load_chain("fluorochem"))
    >>> clf.classify_one("电子级氢氟酸生产；氟化工产品销售（不含危险化学品）")
    (['electronic_hf'], {'electronic_hf': ['电子级氢氟酸']})
    >>> clf.classify_one("氟橡胶生产，产品用于汽车密封")[0]
    ['fkm']
    """

    def __init__(self, chain: Chain):
        self.chain = chain
        # Segments in stage order then id; the cache key is the segment content.
        self._automaton, self._rank = _compile(_compile_key(chain))

    def classify_one(self, text: str | None) -> tuple[list[str], dict[str, list[str]]]:
        """Segments of one text (stage order, then id) and the terms that matched each."""
        if not text or text.__class__ is not str:
            return [], {}
        hits: list[tuple[int, int, _Term]] = []
        triggers: list[tuple[int, int, str]] | None = None
        # Leftmost-longest, non-overlapping (rule 1), in one pass of the automaton.
        for end, info in self._automaton.iter_long(text):
            if info.__class__ is tuple:  # a trigger word: (kind, length)
                if triggers is None:
                    triggers = []
                triggers.append((end + 1 - info[1], end + 1, info[0]))
                continue
            start = end + 1 - info.length
            if info.latin_edge and not _word_bounded(text, start, end + 1, info):
                continue
            hits.append((start, end + 1, info))
        if not hits:
            return [], {}
        if triggers is not None:
            hits = _drop_excluded(text, hits, triggers)
        found: dict[str, list[str]] = {}
        for start, end, info in hits:
            for sid in info.products:
                found.setdefault(sid, []).append(info.term)
            if info.markets:
                if _operated(text, start, end, info):
                    for sid in info.markets:
                        found.setdefault(sid, []).append(info.term)
        if not found:
            return [], {}
        order = sorted(found, key=self._rank.__getitem__)
        return order, {sid: sorted(set(found[sid])) for sid in order}

    def classify_many(
        self, texts: Iterable[str | None]
    ) -> list[tuple[list[str], dict[str, list[str]]]]:
        """:meth:`classify_one` over many texts, in order."""
        one = self.classify_one
        return [one(t) for t in texts]


def _word_bounded(text: str, start: int, end: int, info: _Term) -> bool:
    """A term with a Latin letter or digit at an edge must not touch another one there."""
    if info.ascii_left and start > 0 and _is_ascii_alnum(text[start - 1]):
        return False
    return not (info.ascii_right and end < len(text) and _is_ascii_alnum(text[end]))


def _scope_end(text: str, pos: int) -> int:
    """End of a negation or market scope starting at ``pos`` (rules 2 and 3)."""
    stop = _BRACKET_SCOPE_END_RE if _inside_brackets(text, pos) else _SCOPE_END_RE
    match = stop.search(text, pos)
    return match.start() if match else len(text)


def _inside_brackets(text: str, pos: int) -> bool:
    """Whether the last bracket before ``pos`` is an opening one."""
    match = _LAST_BRACKET.match(text, 0, pos)
    return match is not None and text[match.end() - 1] in _OPEN


def _excluded_spans(
    text: str, triggers: list[tuple[int, int, str]], last_start: int
) -> list[tuple[int, int]]:
    """Negated, market and raw-material spans of a text (rules 2 and 3)."""
    spans = []
    kinds = set()
    for start, end, kind in triggers:
        kinds.add(kind)
        if kind in ("negation", "market") and start <= last_start:
            spans.append((end, _scope_end(text, end)))
    if "except" in kinds:
        for match in _EXCEPT_RE.finditer(text):
            if match.start() <= last_start:
                spans.append((match.start() + 1, match.end() - 1))
    if "raw" in kinds:
        for regex in _RAW_RES:
            for match in regex.finditer(text):
                spans.append(match.span(1))
    return spans


def _drop_excluded(
    text: str, hits: list[tuple[int, int, _Term]], triggers: list[tuple[int, int, str]]
) -> list[tuple[int, int, _Term]]:
    spans = _excluded_spans(text, triggers, max(h[0] for h in hits))
    if not spans:
        return hits
    kept = []
    for hit in hits:
        for a, b in spans:
            if a <= hit[0] and hit[1] <= b:
                break
        else:
            kept.append(hit)
    return kept


def _operated(text: str, start: int, end: int, info: _Term) -> bool:
    """Whether an application term names what the firm makes or runs (rule 4)."""
    if info.qualifier or text.startswith(_QUALIFIER_AFTER, end):
        return False
    before = _LAST_CLAUSE_END.match(text, 0, start)
    after = _CLAUSE_RE.search(text, end)
    lo = before.end() if before else 0
    hi = after.start() if after else len(text)
    return _VERB_RE.search(text, lo, hi) is not None


# ---------------------------------------------------------------------- tables


def classify(chain: Chain, texts: Sequence[str | None] | pd.Series) -> pd.DataFrame:
    """Classify texts into segments, one output row per input text.

    Parameters
    ----------
    chain
        The chain whose segments are assigned.
    texts
        Business-scope texts; a Series keeps its index. Missing texts give no segments.

    Returns
    -------
    DataFrame
        ``segments`` (list of ids, stage order then id) and ``evidence``
        (dict segment id -> sorted list of matched terms).

    Examples
    --------
    >>> from chainmap.model.chain import load_chain
    >>> frame = classify(load_chain("fluorochem"), ["电子级氢氟酸、氢氟酸生产", "餐饮服务"])
    >>> frame["segments"].tolist()
    [['ahf', 'electronic_hf'], []]
    """
    import pandas as pd

    index = texts.index if isinstance(texts, pd.Series) else None
    values = texts.tolist() if isinstance(texts, pd.Series) else list(texts)
    results = Classifier(chain).classify_many(values)
    return pd.DataFrame(
        {"segments": [r[0] for r in results], "evidence": [r[1] for r in results]},
        index=index,
        columns=["segments", "evidence"],
    )


_TAG_SPLIT = re.compile(r"[;；,，、|\s]+")


def _parse_tags(value: Any, chain: Chain, file: str | None, row: int, column: str) -> list[str]:
    """Segment ids from a tag cell (list, or text joined by ; , 、 |); empty if none."""
    if value is None:
        return []
    if isinstance(value, float) and value != value:
        return []
    items = list(value) if isinstance(value, (list, tuple, set)) else _TAG_SPLIT.split(str(value))
    ids = []
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        try:
            sid = chain.resolve(item)
        except KeyError as exc:
            raise InputError(
                f"未知环节标签 / unknown segment tag {item!r}",
                file=file,
                row=row,
                column=column,
                hint=f"{exc}; 请使用环节编号或中文名 / use a segment id or zh label of {chain.id}",
            ) from None
        if sid not in ids:
            ids.append(sid)
    rank = {s.id: i for i, s in enumerate(chain.ordered_segments())}
    return sorted(ids, key=rank.__getitem__)


def assign_segments(
    chain: Chain,
    enterprises: pd.DataFrame,
    *,
    text_column: str = "scope",
    tag_column: str | None = "segments",
    evidence: bool = False,
    file: str | None = None,
    first_row: int = 1,
) -> pd.DataFrame:
    """Return a copy of an enterprise table with ``segments`` and ``segments_source``.

    Rows whose ``tag_column`` holds segment tags keep them (``"tagged"``): tags
    always win. Other rows get the segments classified from ``text_column``
    (``"classified"``). Tags may be ids or zh labels, as a list or joined by
    ``;``, ``,`` or ``、``; an unknown tag raises :class:`InputError`.

    Parameters
    ----------
    chain, enterprises
        The chain and the enterprise table (canonical columns, extra columns kept).
    text_column
        The business-scope column.
    tag_column
        The column of explicit tags, if present (``None``: ignore tags).
    evidence
        Also add an ``evidence`` column (dict segment id -> matched terms; ``{}`` if tagged).
    file, first_row
        Where the table came from and the row number of its first data row,
        for error messages.

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
            + ", ".join(str(c) for c in enterprises.columns),
            file=file,
            hint="请指定经营范围所在列 / name the business-scope column",
        )
    out = enterprises.copy()
    tags = (
        out[tag_column].tolist()
        if tag_column is not None and tag_column in out.columns
        else [None] * len(out)
    )
    classifier = Classifier(chain)
    segments, sources, proofs = [], [], []
    for row, (tag, text) in enumerate(zip(tags, out[text_column].tolist(), strict=True)):
        tagged = _parse_tags(tag, chain, file, row + first_row, str(tag_column))
        if tagged:
            segments.append(tagged)
            sources.append("tagged")
            proofs.append({})
        else:
            found, proof = classifier.classify_one(text)
            segments.append(found)
            sources.append("classified")
            proofs.append(proof)
    out["segments"] = segments
    out["segments_source"] = sources
    if evidence:
        out["evidence"] = proofs
    return out


#: Input columns read as explicit segment tags, in order of preference.
TAG_COLUMNS: tuple[str, ...] = ("segments", "环节")


def classification_records(
    chain: Chain, table: pd.DataFrame, *, text_column: str, file: str | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Every row of ``table`` as a record with ``segments``, ``evidence``, ``segments_source``.

    The tag column is the first of :data:`TAG_COLUMNS` present. Returns the
    records and the column order (input columns, then the three added ones).
    Rows are numbered as in a sheet whose header is row 1.
    """
    tag_column = next((c for c in TAG_COLUMNS if c in table.columns), None)
    out = assign_segments(
        chain,
        table,
        text_column=text_column,
        tag_column=tag_column,
        evidence=True,
        file=file,
        first_row=2,
    )
    added = ["segments", "evidence", "segments_source"]
    columns = [c for c in table.columns if c not in added] + added
    records = [
        {str(k): _missing_as_none(v) for k, v in rec.items()}
        for rec in out[columns].to_dict(orient="records")
    ]
    return records, [str(c) for c in columns]


def _missing_as_none(value: Any) -> Any:
    """``None`` for NaN / NA cells (pandas may turn empty text cells into NaN)."""
    if value is None or isinstance(value, (list, dict, str)):
        return value
    import pandas as pd

    return None if pd.isna(value) else value
