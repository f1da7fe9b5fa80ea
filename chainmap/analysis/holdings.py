"""Holdings: the enterprises of one chain, prepared once and passed on.

Every analysis reads the same three things from an enterprise table: which
chain segments each firm holds (tags, else classified from ``scope``), whether
it is active, and its region at the comparison level. :func:`prepare_holdings`
computes them once; :func:`~chainmap.analysis.gaps.segment_status`,
:func:`~chainmap.analysis.scoring.rank_enterprises` and
:func:`~chainmap.analysis.plan.build_plan` accept the raw table or a
:class:`Holdings` and never prepare twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
import functools
import itertools
import os
import sys
import threading
from typing import Any

import numpy as np
import pandas as pd

from chainmap.collector import collector_paused
from chainmap.model.chain import Chain
from chainmap.model.values import is_blank, split_list
from chainmap.threads import alongside, joined

__all__ = [
    "NATIVE_MIN_ROWS",
    "FlatSegments",
    "Holdings",
    "active",
    "as_list",
    "as_lists",
    "chain_enterprises",
    "confident",
    "polars_texts",
    "prepare_holdings",
    "region_at",
]


class Holdings:
    """An enterprise table prepared for one chain.

    Attributes
    ----------
    chain
        The chain it was prepared for.
    table
        The input table, as given (rows read, data year).
    frame
        :func:`chain_enterprises` of ``table``: the rows holding a segment of the
        chain, with ``segments`` classified where untagged and ``chain_segments``
        (built on first use by :func:`prepare_holdings`; :meth:`columns` reads a few
        columns, or rows, without it).
    active
        Boolean array over ``frame``: False for deregistered firms.
    """

    def __init__(self, chain: Chain, table: pd.DataFrame, frame: pd.DataFrame):
        self.frame = frame
        self._start(chain, table, None)

    @classmethod
    def _of_kept(cls, chain: Chain, table: pd.DataFrame, kept: _Kept) -> Holdings:
        """Holdings whose ``frame`` is built on first use: ``columns`` takes only the
        columns (and rows) asked for from what :func:`chain_enterprises` keeps."""
        held = cls.__new__(cls)
        held._start(chain, table, kept)
        return held

    def _start(self, chain: Chain, table: pd.DataFrame, kept: _Kept | None) -> None:
        self.chain = chain
        self.table = table
        self._kept = kept
        self._taken: dict[str, pd.Series] = {}  # columns of every kept row, taken once
        self.active = active(self.columns(["active"])).to_numpy(dtype=bool)
        self._regions: dict[str, pd.Series] = {}
        self._numbers: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    @functools.cached_property
    def frame(self) -> pd.DataFrame:
        """:func:`chain_enterprises` of ``table`` (built on first use)."""
        return self._kept.frame()

    def columns(
        self, names: Sequence[str] | None = None, at: np.ndarray | None = None
    ) -> pd.DataFrame:
        """``frame[[c for c in names if c in frame.columns]]`` (every column when None), at
        positions ``at`` (then indexed from 0), without taking the other columns or rows.

        An analysis reads a few columns of a table that may be wide (``scope``, addresses),
        and every column only of the rows it shows: columns and rows are chosen first.
        """
        if self._kept is not None and "frame" not in self.__dict__:
            if at is not None or names is None or len(set(names)) < len(names):
                return self._kept.frame(names, at)
            # Every kept row of a few columns: each column is taken once (the ranking's
            # frame, the region numbers of two levels and the active flags share them).
            taken = self._taken
            missing = [c for c in names if c not in taken]
            if missing:
                taken.update(self._kept.frame(missing).items())
            columns = {c: taken[c] for c in names if c in taken}
            if not columns:  # (no column: the frame's own empty column index)
                return self._kept.frame(names)
            return pd.DataFrame(columns, copy=False)
        frame = self.frame
        if names is not None:
            frame = frame[[c for c in names if c in frame.columns]]
        return frame if at is None else frame.take(at).reset_index(drop=True)

    def __len__(self) -> int:
        return len(self.active)

    def __repr__(self) -> str:
        return f"Holdings({self.chain.id!r}, {len(self)} of {len(self.table)} rows)"

    @functools.cached_property
    def flat(self) -> FlatSegments:
        """Every row's ``chain_segments`` as :class:`FlatSegments`, read once."""
        if self._kept is not None and "frame" not in self.__dict__:
            return self._kept.flat(self.chain)
        return FlatSegments(self.frame["chain_segments"].to_numpy(), self.chain)

    def region_at(self, level: str) -> pd.Series:
        """Each row's region at ``level`` (:func:`region_at`), computed once per level."""
        if level not in self._regions:
            number, regions = self.region_numbers(level)
            self._regions[level] = pd.Series(
                np.append(regions, None)[number], index=self.columns([]).index, dtype=object
            )
        return self._regions[level]

    def in_region(self, level: str, code: str) -> np.ndarray:
        """Whether each row's region at ``level`` is ``code`` (``region_at(level) == code``)."""
        number, regions = self.region_numbers(level)
        hit = np.flatnonzero(regions == code)
        return number == hit[0] if len(hit) else np.zeros(len(number), dtype=bool)

    def region_numbers(self, level: str) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`region_at` as ``(number, regions)``: row i is in ``regions[number[i]]``,
        or in none (foreign, unresolved, or resolved more coarsely) where ``number`` is -1.

        The counts read the numbers: factorising a million region texts again cost 0.2 s.
        """
        if level not in self._numbers:
            self._numbers[level] = _region_numbers(None, level, self.region_codes)
        return self._numbers[level]

    @functools.cached_property
    def region_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """Each row's ``region_code`` as ``(number, codes)``: row i's code is
        ``codes[number[i]]``, or it has none (missing or blank) where ``number`` is -1.

        Read once: the region numbers of every level and the ranking's sites and
        distances read the numbers (a million codes are a few thousand distinct ones).
        """
        narrow = self.columns(["region_code"])
        codes = narrow.get("region_code", pd.Series(None, index=narrow.index))
        number, uniques = pd.factorize(codes)
        uniques = np.asarray(uniques, dtype=object)
        blank = np.array([str(u) == "" for u in uniques.tolist()], dtype=bool)
        if blank.any():  # (a missing code is -1 already)
            number = np.where(np.append(blank, True)[number], -1, number)
        return number, uniques


def prepare_holdings(
    chain: Chain,
    enterprises: pd.DataFrame | Holdings,
    *,
    min_confidence: str = "scope",
    part: bool = False,
) -> Holdings:
    """The :class:`Holdings` of ``enterprises`` for ``chain``; prepared ones pass through.

    ``part``: ``enterprises`` is a part of a table read part by part (the stream engine):
    :func:`checked_table` then checks what a part can show.

    Examples
    --------
    >>> from chainmap import datasets, load_chain
    >>> chain = load_chain("fluorochem")
    >>> held = prepare_holdings(chain, datasets.enterprises(chain))
    >>> prepare_holdings(chain, held) is held
    True
    """
    if isinstance(enterprises, Holdings):
        if enterprises.chain is not chain and enterprises.chain.id != chain.id:
            raise ValueError(
                f"holdings prepared for chain {enterprises.chain.id!r}, not {chain.id!r}"
            )
        return enterprises
    if isinstance(enterprises, pd.DataFrame) and "name" in enterprises.columns:
        _import_polars_early(len(enterprises))  # (while the table is checked and read)
    enterprises = checked_table(enterprises, part=part)
    return Holdings._of_kept(chain, enterprises, _kept_rows(chain, enterprises, min_confidence))


@collector_paused()  # a list per row: see chainmap.collector
def chain_enterprises(
    chain: Chain, enterprises: pd.DataFrame, *, min_confidence: str = "scope"
) -> pd.DataFrame:
    """Enterprises that operate in ``chain``, with ``segments`` restricted to it.

    Rows without segment tags are classified from ``scope`` (and the GB/T 4754
    code, when a 国标行业 column is present) first; tags always win. Classified
    segments below ``min_confidence`` (``code+scope`` > ``scope`` > ``code``;
    the profile's ``[thresholds] min_confidence``) are not holdings, and neither
    are ``trade_segments``. Returns a copy with a ``chain_segments`` list
    column; rows holding no segment of the chain are dropped.
    """
    kept = _kept_rows(chain, enterprises, min_confidence)
    frame = kept.frame()
    frame.index = kept.base.index if kept.all else kept.base.index.take(kept.rows)
    return frame


@collector_paused()  # a list per row: see chainmap.collector
def _kept_rows(chain: Chain, enterprises: pd.DataFrame, min_confidence: str) -> _Kept:
    """The rows of ``enterprises`` holding a segment of ``chain``, and their lists."""
    with joined():  # (the check of the ids runs alongside: :func:`_read_kept`)
        return _read_kept(chain, enterprises, min_confidence)


def _read_kept(chain: Chain, enterprises: pd.DataFrame, min_confidence: str) -> _Kept:
    """:func:`_kept_rows`, in a :func:`~chainmap.threads.joined` block."""
    if "name" not in enterprises.columns:
        from chainmap.errors import InputError

        raise InputError(
            "企业表缺少 name 列 / the enterprise table has no 'name' column",
            hint="read files with read_enterprises, which maps 企业名称 to name",
        )
    if "enterprise_id" not in enterprises.columns:  # a hand-made table: the documented id
        from chainmap.model.enterprises import enterprise_id

        none = pd.Series(None, index=enterprises.index)
        enterprises = enterprises.assign(
            enterprise_id=[
                enterprise_id(
                    u if isinstance(u, str) else None, str(n), r if isinstance(r, str) else None
                )
                for u, n, r in zip(
                    enterprises.get("uscc", none),
                    enterprises["name"],
                    enterprises.get("region_code", none),
                    strict=True,
                )
            ]
        )
    n = len(enterprises)
    cols = enterprises.columns
    # Whether every id of the table is distinct, hashed on a second thread (in polars,
    # which releases the interpreter lock) while this one reads the lists.
    distinct = alongside(_distinct, enterprises["enterprise_id"], inline=n < NATIVE_MIN_ROWS)
    arrays = False  # Parquet's list cells, made lists only for the rows kept (_listed)
    if "segments" not in cols:
        lists: list = [[] for _ in range(n)]
    else:
        cells = enterprises["segments"].tolist()
        arrays = bool(cells) and set(map(type, cells)) == {np.ndarray}
        lists = cells if arrays else as_lists(enterprises["segments"])
    # Parquet arrays of a large table: read by Arrow once, for their lengths here and
    # their ids below (unless a list changes in between)
    read = _arrow_lists(lists) if arrays and n >= NATIVE_MIN_ROWS else None
    if read is not None:
        lengths = np.diff(read.offsets.to_numpy()).astype(np.int64, copy=False)
    else:
        lengths = np.fromiter(map(len, lists), dtype=np.int64, count=n)
    needs = lengths == 0
    if "segments_source" in cols and needs.any():  # already classified (found nothing): done
        # One comparison over the column (Arrow's, for text): taking the empty rows first
        # and comparing them as objects was a sixth of a stream worker's time.
        classified = enterprises["segments_source"].eq("classified")
        needs &= ~classified.to_numpy(dtype=bool, na_value=False)
    source = None
    meets: dict[str, bool] = {}  # meets_confidence per distinct level (three of them)
    if "segments_confidence" in cols:  # classified already: keep the confident segments
        levels_of = enterprises["segments_confidence"].tolist()
        filled = np.flatnonzero(lengths)  # (an empty list stays empty: most rows)
        if arrays:  # Parquet arrays: only the rows where a level falls short change
            filled = _short_of(filled, levels_of, min_confidence, meets)
        for i in filled.tolist():
            lists[i] = confident(lists[i], levels_of[i], min_confidence, meets)
            lengths[i] = len(lists[i])
            read = None  # (a list changed: Arrow reads them again)
    if needs.any() and "scope" in cols and enterprises.loc[needs, "scope"].notna().any():
        from chainmap.analysis.classify import CODE_COLUMNS, assign_segments

        # Classify only the untagged rows: tags always win, so the others keep theirs.
        code = [c for c in CODE_COLUMNS if c in cols][:1]
        done = assign_segments(chain, enterprises.loc[needs, ["scope", *code]])
        for i, found, levels in zip(
            np.flatnonzero(needs), done["segments"], done["segments_confidence"], strict=True
        ):
            lists[i] = confident(as_list(found), levels, min_confidence, meets)
            lengths[i] = len(lists[i])
        read = None
        source = (
            enterprises["segments_source"].astype(object).to_numpy(copy=True)
            if "segments_source" in cols
            else np.full(n, np.nan, dtype=object)
        )
        source[needs] = done["segments_source"].to_numpy()
    ids = set(chain.segments_by_id)
    every = None  # every id of the lists in row order (factorised), if Parquet arrays
    if arrays:  # one array of every id (1M Parquet cells: 0.15 s, against 0.35 s walking them)
        every = _every_id(lists, lengths, read)
        held = every[1]
    else:
        held = itertools.chain.from_iterable(lists)
    if ids.issuperset(held):  # every id in the chain: one check
        in_chain = lists
        keep = lengths > 0  # the lengths known already: no second pass over 1M lists
    else:  # reuse a row's list when all its ids are in the chain (the usual case): fewer objects
        in_chain = [v if ids.issuperset(v) else [s for s in v if s in ids] for v in lists]
        keep = np.fromiter(map(len, in_chain), dtype=np.int64, count=n) > 0
        every = None
    rows = np.flatnonzero(keep)
    captive = Captive.of(chain)
    kept_lengths = lengths[rows]
    if captive is not None and every is not None:  # (the lists get theirs in _Kept.frame)
        every, kept_lengths = captive.numbered(every, kept_lengths)
    _unique_ids(enterprises["enterprise_id"], rows, distinct=distinct.result())  # (last)
    return _Kept(
        base=enterprises,
        rows=rows,
        lists=lists,
        in_chain=in_chain,
        arrays=arrays,
        source=None if source is None else source[keep],
        every=every,
        lengths=kept_lengths,
        captive=captive,
    )


class Captive:
    """The segments a firm holds because it holds another: made on site, never traded
    (the chain's ``captive`` links, :attr:`Chain.captive_upstreams`: a PTFE maker makes
    its TFE). They join a row's ``chain_segments`` after its own, in the chain's order
    (:meth:`Chain.ordered_segments`); its ``segments`` stay as the data gives them.
    """

    def __init__(self, upstreams: dict[str, tuple[str, ...]], order: dict[str, int]):
        self.upstreams = upstreams
        self.order = order

    @classmethod
    def of(cls, chain: Chain) -> Captive | None:
        """The chain's captive segments, or None when it has none."""
        upstreams = chain.captive_upstreams
        if not upstreams:
            return None
        return cls(upstreams, {s.id: k for k, s in enumerate(chain.ordered_segments())})

    def added(self, ids: Iterable[str]) -> list[str]:
        """The segments ``ids`` imply and do not hold, in the chain's order."""
        have = set(ids)
        implied = {u for s in have if s in self.upstreams for u in self.upstreams[s]}
        return sorted(implied - have, key=self.order.__getitem__)

    def lists(self, lists: list) -> list:
        """``lists`` with what each implies added (a new list of the same rows when any
        row gains a segment; the rows that gain none are the same objects)."""
        keys = self.upstreams.keys()
        out = None
        for i, ids in enumerate(lists):
            if keys.isdisjoint(ids):
                continue
            extra = self.added(ids)
            if extra:
                out = list(lists) if out is None else out
                out[i] = [*(ids.tolist() if type(ids) is np.ndarray else ids), *extra]
        return lists if out is None else out

    def numbered(
        self, every: tuple[np.ndarray, np.ndarray], lengths: np.ndarray
    ) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
        """:meth:`lists` for lists read as every id in row order, factorised (``every``),
        ``lengths`` ids each: the implied ids inserted at the end of their lists, at once."""
        codes, ids = every
        names = ids.tolist()
        number = {s: k for k, s in enumerate(names)}
        if number.keys().isdisjoint(self.upstreams):
            return every, lengths
        row_of = np.repeat(np.arange(len(lengths)), lengths)
        holds: dict[str, np.ndarray] = {}  # rows holding an id (by their own lists)

        def rows_with(s: str) -> np.ndarray:
            if s not in holds:
                mask = np.zeros(len(lengths), dtype=bool)
                if s in number:
                    mask[row_of[codes == number[s]]] = True
                holds[s] = mask
            return holds[s]

        add_rows, add_ids = [], []
        for up in sorted(
            {u for ups in self.upstreams.values() for u in ups}, key=self.order.__getitem__
        ):
            need = np.zeros(len(lengths), dtype=bool)
            for down, ups in self.upstreams.items():
                if up in ups and down in number:
                    need |= rows_with(down)
            need &= ~rows_with(up)
            if need.any():
                if up not in number:
                    number[up] = len(names)
                    names.append(up)
                add_rows.append(np.flatnonzero(need))
                add_ids.append(np.full(int(need.sum()), number[up], dtype=codes.dtype))
        if not add_rows:
            return every, lengths
        rows = np.concatenate(add_rows)
        values = np.concatenate(add_ids)
        at = np.argsort(rows, kind="stable")  # by row, then chain order (as added above)
        rows, values = rows[at], values[at]
        ends = np.cumsum(lengths)
        codes = np.insert(codes, ends[rows], values)
        lengths = lengths + np.bincount(rows, minlength=len(lengths))
        return (codes, np.array(names, dtype=object)), lengths


def _every_id(lists: list, lengths: np.ndarray, read: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Every id of ``lists`` (arrays or lists of ids), in row order, as ``pd.factorize``
    numbers them: ``(numbers, ids)`` (the ids as an object array from Arrow).

    From ``NATIVE_MIN_ROWS`` lists on, Arrow reads them into one list array and numbers
    the ids in first-seen order, as ``pd.factorize`` does (1M Parquet cells: 0.09 s,
    against 0.15 s concatenating 800,000 arrays and hashing their Python strings); lists
    Arrow cannot read as text, or holding a missing id, are numbered by pandas.
    ``read``: the lists as Arrow read them already (:func:`_arrow_lists`), or None.
    """
    numbered = _arrow_ids(lists, read) if len(lists) >= NATIVE_MIN_ROWS else None
    if numbered is not None:
        return numbered
    filled = list(itertools.compress(lists, lengths.astype(bool).tolist()))  # (not [])
    return pd.factorize(
        np.concatenate(filled) if filled else np.array([], dtype=object), use_na_sentinel=False
    )


def _arrow_lists(lists: list) -> Any:
    """``lists`` as one Arrow list array of text, or None where Arrow cannot read them so
    (not text, or too long for one array)."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pandas' str columns need pyarrow anyway
        return None
    try:
        read = pa.array(lists, type=pa.list_(pa.string()))
    except (pa.ArrowException, TypeError, ValueError, UnicodeError):
        return None
    return read if isinstance(read, pa.ListArray) and read.null_count == 0 else None


def _arrow_ids(lists: list, read: Any = None) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`_every_id` by Arrow, or None where Arrow cannot read every id as text."""
    import pyarrow.compute as pc

    read = _arrow_lists(lists) if read is None else read
    if read is None:
        return None
    flat = pc.list_flatten(read)
    if flat.null_count:
        return None
    encoded = flat.dictionary_encode()
    numbers = encoded.indices.to_numpy(zero_copy_only=False).astype(np.intp)
    return numbers, np.array(encoded.dictionary.to_pylist(), dtype=object)


def _short_of(rows: np.ndarray, levels_of: list, minimum: str, meets: dict) -> np.ndarray:
    """The ``rows`` where :func:`confident` may change the list: a level below ``minimum``
    (all of them where a cell is not an array); it keeps the others as they are.

    Every level is read at once (the arrays concatenated, each distinct level judged once)
    rather than row by row: a classified registry holds a level for every segment.
    """
    levels = [levels_of[i] for i in rows.tolist()]
    if not levels or set(map(type, levels)) != {np.ndarray}:
        return rows
    sizes = np.fromiter(map(len, levels), dtype=np.int64, count=len(levels))
    codes, uniques = pd.factorize(np.concatenate(levels), use_na_sentinel=False)
    # whether each distinct level meets the minimum, as confident() judges it for one id
    met = np.array([bool(confident([0], [u], minimum, meets)) for u in uniques], dtype=np.int8)
    every_met = np.ones(len(levels), dtype=bool)
    some = np.flatnonzero(sizes > 0)
    if len(codes):
        starts = (np.cumsum(sizes) - sizes)[some]
        every_met[some] = np.minimum.reduceat(met[codes], starts) > 0
    return rows[~every_met]  # (levels not as long as the list: confident keeps it, too)


@dataclass(frozen=True, eq=False)  # (never compared: it holds a million lists)
class _Kept:
    """What :func:`chain_enterprises` keeps of a table, before any column is taken."""

    base: pd.DataFrame  # the table (with ``enterprise_id`` where it had none)
    rows: np.ndarray  # the positions kept
    lists: list  # every row's segments (Parquet arrays where ``arrays``)
    in_chain: list  # those of the chain (``lists`` itself when all are the chain's)
    arrays: bool
    source: np.ndarray | None  # the kept rows' ``segments_source``, when classified here
    # every kept id in row order, factorised (codes, ids), when the lists are arrays of
    # the chain's ids: the numbers of :class:`FlatSegments` at once
    every: tuple[np.ndarray, np.ndarray] | None
    lengths: np.ndarray  # the kept lists' lengths (``every``'s, when it is there)
    captive: Captive | None = None  # the segments a row holds by holding another

    @property
    def all(self) -> bool:
        """Whether every row of the table is kept."""
        return len(self.rows) == len(self.base)

    def frame(
        self, names: Sequence[str] | None = None, at: np.ndarray | None = None
    ) -> pd.DataFrame:
        """The :func:`chain_enterprises` frame, its columns ``names`` (those it has, in
        that order; all when None) at positions ``at`` of the kept rows (all when None)."""
        table = self.base
        new = [
            "segments",
            *(["segments_source"] if self.source is not None else []),
            "chain_segments",
        ]
        order = [*table.columns, *(c for c in new if c not in table.columns)]
        wanted = order if names is None else [c for c in names if c in order]
        rows = self.rows if at is None else self.rows[at]
        as_is = at is None and self.all  # every row of the table, in order
        base = table[[c for c in wanted if c not in new]]
        base = base if as_is else _take_rows(base, rows)
        base = base.reset_index(drop=True)
        picked = {}
        if "segments" in wanted or "chain_segments" in wanted:
            lists = self.lists if as_is else [self.lists[i] for i in rows.tolist()]
            same = self.in_chain is self.lists
            if self.arrays:
                lists = _listed(lists)
            if "segments" in wanted:
                picked["segments"] = lists
            if "chain_segments" in wanted:
                if same:
                    chain = lists
                else:
                    chain = self.in_chain if as_is else [self.in_chain[i] for i in rows.tolist()]
                    chain = _listed(chain) if self.arrays else chain
                if self.captive is not None:
                    chain = self.captive.lists(chain)
                picked["chain_segments"] = chain
        if "segments_source" in wanted and self.source is not None:
            picked["segments_source"] = self.source
            if at is not None:  # the whole column's type (text), then the rows
                whole = pd.DataFrame(index=pd.RangeIndex(len(self.source)))
                whole["segments_source"] = self.source
                picked["segments_source"] = whole["segments_source"].take(at).reset_index(drop=True)
        if at is not None and len(self.rows):  # rows of the frame's object columns
            for c in ("segments", "chain_segments"):
                if c in picked:
                    picked[c] = pd.Series(picked[c], dtype=object)
        if "segments" in picked:
            base = base.assign(segments=picked["segments"])
        if "segments_source" in picked:
            base["segments_source"] = picked["segments_source"]
        if "chain_segments" in picked:
            base["chain_segments"] = picked["chain_segments"]
        return base if list(base.columns) == wanted else base[wanted]

    def flat(self, chain: Chain) -> FlatSegments:
        """:class:`FlatSegments` of the kept ``chain_segments``, without making them lists."""
        if self.every is None:  # (not arrays, or ids outside the chain)
            return FlatSegments(self.frame(["chain_segments"])["chain_segments"].to_numpy(), chain)
        return FlatSegments.of_ids(*self.every, self.lengths, chain)


#: From this many rows on, texts are hashed (numbered, looked up, checked for repeats)
#: natively: by polars, on every core and without Python strings, and a column of segment
#: lists by Arrow. Below it, starting polars (about 0.08 s) costs more than it saves.
NATIVE_MIN_ROWS = 50_000


def polars_texts(values: pd.Series | np.ndarray) -> Any:
    """``values`` (text, or None) as a polars String Series, or None: fewer than
    ``NATIVE_MIN_ROWS`` of them, or cells polars cannot hold (not text, or a lone
    surrogate of an undecodable byte), or polars not importable (a core dependency, but a
    wheel can fail to load on a machine): the caller then hashes them with pandas."""
    if len(values) < NATIVE_MIN_ROWS:
        return None
    try:
        import polars as pl
    except ImportError:
        return None
    try:
        if isinstance(values, pd.Series):
            series = pl.from_pandas(values)
            return series if series.dtype == pl.String else None
        return pl.Series(values, dtype=pl.String, strict=True)
    except (TypeError, ValueError, UnicodeError, ImportError, pl.exceptions.PolarsError):
        return None


_polars_early = threading.Lock()


def _import_polars_early(rows: int) -> None:
    """Start importing polars on another thread when a table is long enough for polars
    to hash it (``NATIVE_MIN_ROWS``; :func:`polars_texts`), and polars is not imported.

    The import (0.06 s, most of it Python modules) then runs while this thread checks the
    table and reads its segment lists (much of it in Arrow and numpy, which release the
    interpreter lock), instead of before the first hash: a fresh process ranking a
    million rows, 10 runs of each alternated, median 1.14 -> 1.06 s (1.31 -> 1.15 s
    with numpy's huge pages). The first ``import polars`` of this thread, in the same
    call (:func:`_unique_ids`), waits for that one (the import lock), so polars is
    imported once and ready when the call returns; an import that fails is left to that
    one too (:func:`polars_texts` then falls back to pandas).
    """
    global _polars_thread
    if rows < NATIVE_MIN_ROWS or "polars" in sys.modules or not _polars_early.acquire(False):
        return  # (the lock is never released: one attempt per process)

    def load() -> None:
        try:
            import polars  # noqa: F401
        except Exception:  # (the main thread's import reports it, or falls back)
            pass

    thread = threading.Thread(target=load, name="chainmap-import-polars", daemon=True)
    try:
        thread.start()
    except RuntimeError:  # (no threads here: the first hash imports it)
        return
    _polars_thread = thread


_polars_thread: threading.Thread | None = None


def _polars_imported() -> None:
    """Wait for the import thread before the process forks: a child forked while it holds
    polars' import lock would wait for that lock for ever."""
    thread = _polars_thread
    if thread is not None and thread.is_alive():
        thread.join()


if hasattr(os, "register_at_fork"):  # (POSIX)
    os.register_at_fork(before=_polars_imported)


def _distinct(values: pd.Series) -> bool:
    """Whether polars finds every value distinct (nulls count as one value); False when
    polars does not read them (:func:`polars_texts`): the caller checks with pandas."""
    texts = polars_texts(values)
    return texts is not None and texts.n_unique() == len(texts)


def _unique_ids(ids: pd.Series, rows: np.ndarray, *, distinct: bool | None = None) -> None:
    """Refuse two chain rows with one ``enterprise_id``: the firm would count twice.

    ``read_enterprises`` merges rows that share an id; a hand-made table may not. Only the
    rows that hold a segment of the chain are checked (the others are never counted).
    ``distinct``: :func:`_distinct` of ``ids``, when the caller has it.
    """
    if _distinct(ids) if distinct is None else distinct:  # every id distinct: the kept too
        return
    kept = ids if len(rows) == len(ids) else ids.take(rows)
    if len(rows) < len(ids) and _distinct(kept):
        return
    dup = kept.duplicated().to_numpy(copy=True)  # one hash pass; the rest only if one repeats
    if not dup.any():
        return
    dup &= kept.notna().to_numpy()  # blank ids are not one firm
    if not dup.any():
        return
    from chainmap.errors import InputError

    first = kept.iloc[np.flatnonzero(dup)[0]]
    same = np.flatnonzero((kept == first).to_numpy(dtype=bool))
    at = ", ".join(str(r + 1) for r in rows[same][:5].tolist()) + (", …" if len(same) > 5 else "")
    raise InputError(
        f"enterprise_id 重复 / enterprise_id {first!r} is on {len(same)} rows of the "
        f"enterprise table (rows {at}, counting from 1): the firm would be counted twice in "
        f"the segment counts and listed twice",
        column="enterprise_id",
        hint="merge them: `chainmap import FILE -o OUT.parquet` and read_enterprises merge rows "
        "that share an id (or drop_duplicates('enterprise_id') on a DataFrame)",
    )


#: At most one row in this many of a table: :func:`_take_rows` takes text by chunk.
_FEW_ROWS = 16


def _take_rows(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """``frame.take(rows)``; a few rows of a long table are taken column by column, each
    Arrow text column chunk by chunk (:func:`_take_text`), and many rows in increasing
    order through a mask (Arrow filters each chunk where it lies).

    pyarrow's take of a chunked column joins every chunk first, a copy of the whole
    column: 1.8 ms for 340 of a million names (more where the copy's memory is new to
    the process), against 0.2 ms taken from each chunk. A ranking takes its shown rows
    of every column (25 of them), and the other sites of their groups.
    """
    if frame.columns.empty or not frame.columns.is_unique or len(frame) < NATIVE_MIN_ROWS:
        return frame.take(rows)  # (a short table: one take of its blocks is faster)
    if len(rows) * _FEW_ROWS > len(frame):
        rows = np.asarray(rows)
        if len(rows) < 2 or rows.dtype.kind not in "iu" or not (rows[1:] > rows[:-1]).all():
            return frame.take(rows)
        # Rows in increasing order (the rows a chain keeps, and its candidates): a mask.
        # Arrow filters each chunk as it is; its take joins the chunks first (0.07 s
        # against 0.03 s for the six columns of 800,000 of a million rows). On a short
        # table, building each column (2.2 ms for 39) costs more than one take (0.07 ms).
        if rows[0] < 0 or rows[-1] >= len(frame):
            return frame.take(rows)  # (its own IndexError)
        mask = np.zeros(len(frame), dtype=bool)
        mask[rows] = True
        out = pd.DataFrame(
            {c: pd.Series(frame[c].array[mask], dtype=frame[c].dtype) for c in frame.columns}
        )
    else:
        out = pd.DataFrame({c: _take_text(frame[c], rows) for c in frame.columns})
    out.index = frame.index.take(rows)
    return out.__finalize__(frame)  # (its attrs, as take keeps them)


def _take_text(column: pd.Series, rows: np.ndarray) -> pd.Series:
    """``column.take(rows)`` indexed from 0; an Arrow text column's rows taken from each
    chunk, then put in the order asked."""
    dtype = column.dtype
    values = None
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        values = column.array.__arrow_array__()
    if values is None or getattr(values, "num_chunks", 0) < 2:
        return column.take(rows).reset_index(drop=True)
    import pyarrow as pa

    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) == 0 or rows.min() < 0 or rows.max() >= len(column):
        return column.take(rows).reset_index(drop=True)  # (nothing, or its own IndexError)
    sizes = np.array([len(chunk) for chunk in values.chunks], dtype=np.int64)
    starts = np.cumsum(sizes) - sizes
    which = np.searchsorted(starts, rows, side="right") - 1  # each row's chunk
    order = np.argsort(which, kind="stable")  # the rows chunk by chunk, in asked order
    bounds = np.searchsorted(which[order], np.arange(len(sizes) + 1))
    parts = [
        values.chunk(k).take(pa.array(rows[order[a:b]] - starts[k]))
        for k, (a, b) in enumerate(itertools.pairwise(bounds.tolist()))
        if b > a
    ]
    joined = pa.concat_arrays(parts)
    if (np.diff(order) < 0).any():  # (not asked in row order: back to the order asked)
        inverse = np.empty(len(rows), dtype=np.int64)
        inverse[order] = np.arange(len(rows))
        joined = joined.take(pa.array(inverse))
    return pd.Series(pd.array(joined, dtype=dtype), name=column.name)


def _listed(cells: list) -> list[list[str]]:
    """:func:`as_lists` of cells that are Parquet arrays or lists (filtered, or classified)."""
    out = [v.tolist() if type(v) is np.ndarray else v for v in cells]
    if set(map(type, itertools.chain.from_iterable(out))) <= {str}:
        return out
    return [as_list(v) for v in out]


class FlatSegments:
    """Lists of segment ids read once: every id as its number, each list as a slice.

    ``number`` numbers the chain's ids in ``chain.segments_by_id`` order, then any other
    id the lists hold; ``flat`` is every list's ids as numbers, ``lengths`` and ``starts``
    where each list lies in it. The ranking's gap search and count of gated firms and the
    segment counts of :mod:`chainmap.analysis.gaps` read the lists through it.
    """

    def __init__(self, lists: Sequence[list[str]], chain: Chain):
        self.number = {s: k for k, s in enumerate(chain.segments_by_id)}
        unknown = set(itertools.chain.from_iterable(lists)) - self.number.keys()
        for s in sorted(unknown, key=repr):
            self.number[s] = len(self.number)  # ids outside the chain (none, from chainmap)
        self.lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        self.flat = np.fromiter(
            map(self.number.__getitem__, itertools.chain.from_iterable(lists)),
            dtype=np.int64,
            count=int(self.lengths.sum()),
        )
        self.starts = np.cumsum(self.lengths) - self.lengths

    @classmethod
    def of_ids(
        cls, codes: np.ndarray, ids: np.ndarray, lengths: np.ndarray, chain: Chain
    ) -> FlatSegments:
        """The lists of ``lengths`` ids each, given every id in order factorised as
        ``ids[codes]`` (Parquet arrays concatenated), ``ids`` all the chain's: numbered at
        once, not one by one."""
        number = {s: k for k, s in enumerate(chain.segments_by_id)}
        out = object.__new__(cls)
        out.number = number
        out.flat = np.array([number[s] for s in ids], dtype=np.int64)[codes]
        out.lengths = np.asarray(lengths, dtype=np.int64)
        out.starts = np.cumsum(out.lengths) - out.lengths
        return out

    def take(self, rows: np.ndarray) -> FlatSegments:
        """The lists at ``rows`` (positions), numbered as here, without reading them again."""
        if len(rows) == len(self.lengths) and np.array_equal(rows, np.arange(len(rows))):
            return self  # every list, in order (read only: nothing changes a FlatSegments)
        sub = object.__new__(FlatSegments)
        sub.number = self.number
        sub.lengths = self.lengths[rows]
        sub.starts = np.cumsum(sub.lengths) - sub.lengths
        shift = np.repeat(self.starts[rows] - sub.starts, sub.lengths)
        sub.flat = self.flat[np.arange(len(shift), dtype=np.int64) + shift]
        return sub

    def _reduce(self, values: dict[str, int], ufunc: np.ufunc, empty: int) -> np.ndarray:
        """``ufunc`` over each list of the ids' ``values`` (``empty``: ids without one)."""
        per_id = np.full(len(self.number) + 1, empty, dtype=np.int64)
        for s, v in values.items():
            if s in self.number:
                per_id[self.number[s]] = v
        if not len(self.lengths):
            return per_id[:0]
        per = np.append(per_id[self.flat], empty)  # (an empty last list starts past the end)
        return np.where(self.lengths > 0, ufunc.reduceat(per, self.starts), empty)

    def first_of(self, order: list[str]) -> np.ndarray:
        """Per list, the position in ``order`` of its earliest id (``len(order)`` when none)."""
        return self._reduce({s: i for i, s in enumerate(order)}, np.minimum, len(order))

    def any_of(self, ids: set[str]) -> np.ndarray:
        """Per list, whether it holds one of ``ids``."""
        return self._reduce(dict.fromkeys(ids, 1), np.maximum, 0) > 0


def confident(
    segments: list[str], levels: Any, minimum: str, meets: dict[str, bool] | None = None
) -> list[str]:
    """The segments whose confidence (a list in the same order) is at least ``minimum``.

    Rows without levels (tagged, or classified before confidences existed) keep theirs.
    ``meets`` memoises :func:`~chainmap.analysis.classify.meets_confidence` per level.

    >>> confident(["ahf", "pvdf"], ["scope", "code"], "scope")
    ['ahf']
    """
    meets = {} if meets is None else meets
    if not isinstance(levels, (list, tuple, np.ndarray)) or len(levels) != len(segments):
        return segments
    ok = []
    for level in levels:
        level = str(level)
        if level not in meets:
            from chainmap.analysis.classify import meets_confidence

            meets[level] = meets_confidence(level, minimum)
        ok.append(meets[level])
    if all(ok):
        return segments
    return [s for s, keep in zip(segments, ok, strict=True) if keep]


def checked_table(enterprises: Any, *, part: bool = False) -> pd.DataFrame:
    """The enterprise table as the analyses read it, or one clear error.

    A notebook user's table may come straight from ``pd.read_csv``: region codes read as
    numbers become 6-digit text (they counted as "no region"), the statistics bureau's
    9- and 12-digit codes ending in zeros their 6-digit adcodes (CONTRACTS: region_code
    is the adcode), and a table that can place no firm in any segment or region is
    refused rather than ranked as empty. ``part``: a part of a table read part by part,
    which may lack codes where the whole does not (it is not refused for that), and whose
    positions are not the table's rows (a warning counts the rows, without numbers).
    """
    from chainmap.errors import InputError

    if not isinstance(enterprises, pd.DataFrame):
        raise InputError(
            f"企业表须为 DataFrame / the enterprise table must be a pandas DataFrame, "
            f"not {type(enterprises).__name__}",
            hint="read a file with chainmap.read_enterprises(path), or pass engine='stream'",
        )
    cols = enterprises.columns
    if "segments" not in cols and "scope" not in cols:
        raise InputError(
            "企业表既无 segments 也无 scope 列 / the enterprise table has neither a 'segments' "
            "nor a 'scope' column: no firm can be placed in the chain",
            hint="add segment tags or business scopes (read_enterprises maps 环节 and 经营范围)",
        )
    if "region_code" not in cols:
        raise InputError(
            "企业表缺少 region_code 列 / the enterprise table has no 'region_code' column",
            hint="read it with chainmap.read_enterprises, which derives the code from "
            "所属省份/城市/区县 or the address",
        )
    codes = enterprises["region_code"]
    if pd.api.types.is_numeric_dtype(codes.dtype) and not pd.api.types.is_bool_dtype(codes.dtype):
        values = codes.to_numpy(dtype=float)
        whole = np.isnan(values) | (values == np.round(values))
        if not whole.all():
            bad = codes[~whole].iloc[0]
            raise InputError(
                f"region_code 须为行政区划代码 / region_code {bad!r} is not an adcode",
                column="region_code",
            )
        text = [None if v != v else f"{int(v):06d}" for v in values.tolist()]
        codes = pd.Series(text, index=codes.index, dtype=object)
        enterprises = enterprises.assign(region_code=codes)
    distinct = _distinct_codes(codes)
    current, read = _current_codes_read(codes, distinct, numbered=not part)
    if current is not None:
        enterprises = enterprises.assign(region_code=current)
    given = [c for c in distinct if not is_blank(c)]
    placed = [c for c in given if read.get(c, c) is not None]
    if len(codes) and not part and not placed and _any_domestic(enterprises):
        what = (
            f"none of its {len(given)} distinct region codes is an adcode (see the warning)"
            if given
            else "no firm in the table has a region code"
        )
        raise InputError(
            f"没有可用的地区代码 / {what}: no segment can be counted for any region, so "
            "every status would be 'no data' and nothing ranked",
            column="region_code",
            hint="give 所属省份/所属城市/所属区县, an address or 行政区划代码 columns "
            "(read_enterprises derives the code from them)",
        )
    return enterprises


def _distinct_codes(codes: pd.Series) -> list:
    """The distinct cells of ``codes`` (a million Arrow cells: 7 ms, a few thousand codes)."""
    if isinstance(codes.dtype, pd.StringDtype) and codes.dtype.storage == "pyarrow":
        import pyarrow.compute as pc

        return pc.unique(codes.array.__arrow_array__()).to_pylist()
    try:
        return pd.unique(codes.to_numpy(dtype=object)).tolist()
    except TypeError:  # (a list or a dict in a cell)
        from chainmap.errors import InputError

        raise InputError(
            "region_code 须为行政区划代码文本 / region_code holds cells that are not codes "
            "(lists or tables)",
            column="region_code",
            hint="give each firm one 6-digit adcode as text, e.g. '330723'",
        ) from None


def _any_domestic(enterprises: pd.DataFrame) -> bool:
    """Whether any firm is Chinese (a blank ``country`` is: registries list Chinese firms);
    a table of foreign firms alone has no region codes, and is ranked by their sites."""
    if "country" not in enterprises.columns:
        return True
    from chainmap.model.vocab import is_chinese

    return any(is_blank(c) or is_chinese(c) for c in pd.unique(enterprises["country"]))


def _current_codes_read(
    codes: pd.Series, distinct: list, *, numbered: bool = True
) -> tuple[pd.Series | None, dict[Any, str | None]]:
    """``codes`` with each code that is not a current adcode read as the rest of chainmap
    reads it, or None when every code is current (the usual case), and what each changed
    distinct code was read as. ``distinct``: the distinct cells (:func:`_distinct_codes`);
    ``numbered``: the warning names the rows (counting from 1), else counts them.

    A code padded with spaces, a whole number, or the statistics bureau's 9- or 12-digit
    code ending in zeros (330723000000, :func:`~chainmap.model.regions.six_digits`) is its
    6-digit text; an abolished or
    renumbered code (330185 临安市) is its successor (``graphs/region_aliases.csv``, as
    :func:`~chainmap.model.regions.resolve_region` and the distances read it); any
    other (a typo, 330799) is no code: the firm is placed in no region, as a firm without
    a code is (a typo reached the zone look-up and stopped the ranking with a traceback).
    One :class:`~chainmap.model.regions.RegionCodeWarning` names the codes changed,
    with their rows; a padded or statistical code is read silently, as a code read as a
    number is.
    """
    from chainmap.model import regions

    live = regions.levels()
    odd = [c for c in distinct if not is_blank(c) and not (isinstance(c, str) and c in live)]
    if not odd:
        return None, {}
    aliases = regions.region_aliases()
    read: dict[Any, str | None] = {}
    same: set = set()  # a padded, numeric or statistical form of a current code
    for code in odd:
        text = code.strip() if isinstance(code, str) else None
        whole = isinstance(code, (float, np.floating)) and float(code).is_integer()
        if (isinstance(code, (int, np.integer)) or whole) and not isinstance(code, bool):
            text = f"{int(code):06d}" if code >= 0 else None  # (330723, 330723.0)
        text = regions.six_digits(text) if text else None
        if text in live:
            same.add(code)
        read[code] = text if text in live else aliases.get(text) if text else None
    # Only the codes a reader must hear of (not a padded or statistical form of a current
    # code) are named, with their rows: a column of 12-digit codes is read silently.
    named = sorted((c for c in odd if c not in same), key=str)
    at_rows = np.flatnonzero(codes.isin(named).to_numpy(dtype=bool)) if named else []
    rows_of: dict[Any, list[int]] = {}
    for i, code in zip(list(at_rows), codes.take(at_rows).tolist(), strict=True):
        rows_of.setdefault(code, []).append(int(i) + 1)  # (counting from 1)
    changed: list[str] = []
    for code in named:
        rows = rows_of.get(code, [])
        listed = ", ".join(map(str, rows[:3])) + (", …" if len(rows) > 3 else "")
        at = (
            f"{code!r} (行 / row{'s' if len(rows) != 1 else ''} {listed})"
            if numbered
            else f"{code!r} ({len(rows)} 行 / row{'s' if len(rows) != 1 else ''})"
        )
        if read[code] is None:
            changed.append(f"{at}: 未知代码 / not an adcode, placed in no region")
        else:
            changed.append(
                f"{at} → {read[code]} {regions.region_path(read[code])} (已撤销或改号 / "
                "abolished or renumbered: read as its successor)"
            )
    if changed:
        import warnings

        n = len(changed)
        what = "codes are not current adcodes" if n != 1 else "code is not a current adcode"
        shown = "; ".join(changed[:5]) + (f"; … ({n - 5} more)" if n > 5 else "")
        counting = " (rows counting from 1)" if numbered else ""
        warnings.warn(
            f"region_code: {n} 个代码不是现行行政区划代码 / {n} {what}{counting}: "
            f"{shown}. 请更正代码 / correct the codes, or import the raw export "
            "(`chainmap import`), which derives them from 省/市/县 names",
            regions.RegionCodeWarning,
            stacklevel=2,
        )
    number, uniques = pd.factorize(codes)  # each distinct code rewritten once
    new = [read.get(u, u) for u in uniques.tolist()]
    values = np.array([*new, None], dtype=object)[number]  # (-1, a missing code: None)
    dtype = codes.dtype if isinstance(codes.dtype, pd.StringDtype) else object
    return pd.Series(values, index=codes.index, dtype=dtype, name=codes.name), read


def as_lists(column: pd.Series) -> list[list[str]]:
    """:func:`as_list` of every cell; one type check over the whole column in the usual case.

    A classified table holds lists of ``str`` ids: checking the types of all cells and ids
    at once costs about a fifth of one ``as_list`` call per row (1M rows: 0.9 s → 0.2 s).
    """
    cells = column.tolist()
    types = set(map(type, cells))
    if types == {np.ndarray}:  # Parquet list columns: arrays of ids (1M rows: 0.5 s)
        cells = list(map(np.ndarray.tolist, cells))
        types = {list}
    ids = itertools.chain.from_iterable(cells)  # read only when every cell is a list
    if types <= {list} and set(map(type, ids)) <= {str}:
        return cells
    return [as_list(v) for v in cells]


def as_list(value: Any) -> list[str]:
    """A segment cell as a list of ids: a list as it is, a text cell split by :func:`split_list`.

    Examples
    --------
    >>> as_list("ahf、pvdf"), as_list(["ahf"]), as_list(None)
    (['ahf', 'pvdf'], ['ahf'], [])
    """
    if value.__class__ is list and all(v.__class__ is str for v in value):
        return value  # already a list of ids (the common case on large tables)
    if isinstance(value, str) or is_blank(value):
        return split_list(value)
    return [str(v) for v in value]


def active(frame: pd.DataFrame) -> pd.Series:
    """True for rows whose ``active`` is not False (a table without the column: all True)."""
    if "active" not in frame.columns:
        return pd.Series(True, index=frame.index)
    if frame["active"].dtype == bool:
        return frame["active"].copy()
    return frame["active"].map(_is_active)


#: ``active`` cells that mean "not operating" (a hand-made table: text, 0/1, 是/否).
_INACTIVE = frozenset({"false", "0", "0.0", "no", "n", "否", "注销", "吊销", "撤销", "停业"})


def _is_active(value: Any) -> bool:
    if value is False or value is np.False_:
        return False
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return value != 0 or value != value  # NaN: not known to be inactive
    return not (isinstance(value, str) and value.strip().lower() in _INACTIVE)


def region_at(codes: pd.Series, level: str) -> pd.Series:
    """Each enterprise's region at ``level`` (None when foreign or resolved only more coarsely)."""
    number, regions = _region_numbers(codes, level)
    return pd.Series(np.append(regions, None)[number], index=codes.index, dtype=object)


def _region_numbers(
    codes: pd.Series | None, level: str, factorised: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`region_at` as numbers into the distinct regions (-1: none); ``factorised``:
    the codes as ``pd.factorize`` numbers them, when the caller has them."""
    from chainmap.model import regions
    from chainmap.model.vocab import LEVELS

    levels = regions.levels()
    rank = {lv: i for i, lv in enumerate(LEVELS)}

    def at(code: Any) -> str | None:
        if not isinstance(code, str) or code not in levels:
            return None
        if rank[str(levels[code])] < rank[level]:
            return None
        return regions.ancestor(code, level)

    # Resolve each distinct code once: registry-sized tables repeat a few thousand codes.
    positions, uniques = pd.factorize(codes) if factorised is None else factorised
    values = np.array([at(code) for code in uniques] + [None], dtype=object)
    numbers, distinct = pd.factorize(values)  # None (and a missing code, -1) -> -1
    return numbers[positions], np.asarray(distinct, dtype=object)
