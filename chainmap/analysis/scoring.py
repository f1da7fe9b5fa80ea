"""Explainable enterprise ranking in two stages: which gap, then which firm, and why.

Stage one scores segments: ``gap_priority`` (strategy weight × importance) and
``feasibility`` (relatedness to what the home holds), each scaled across segments
(:func:`chainmap.analysis.stability.segment_scores`). Stage two scores firms on fixed
scales: ``strength``, ``affinity`` and ``intent``
(:mod:`chainmap.analysis.attainability`). The score is the weighted sum of the five,
so it splits exactly into contributions. A firm's gap is the target segment it holds
with the highest stage-one score.

Before any score, admissibility: policy-gated segments are no target's gap
(:mod:`chainmap.analysis.admissibility`); exited and exiting firms, firms flagged
严重违法失信 or 失信被执行人 and (with ``same_city = "exclude"``) firms elsewhere in the
home's prefecture are no targets. A group (``parent``) is one target, scored at its
best site. ``docs/methods.md`` gives every formula.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import datetime as dt
import itertools
import math
import operator
from typing import Any

import numpy as np
import pandas as pd

from chainmap.analysis import attainability as att
from chainmap.analysis.gaps import (
    cap_phrases,
    captive_phrases,
    gated_classes,
    segment_status,
    status_cap,
)
from chainmap.analysis.holdings import FlatSegments, Holdings, polars_texts, prepare_holdings
from chainmap.analysis.stability import pool_size, segment_scores, stability_runs
from chainmap.analysis.strategy import nearest_held
from chainmap.collector import collector_paused
from chainmap.model.chain import Chain
from chainmap.model.home import Home, resolve_home
from chainmap.model.profile import as_profile, min_confidence
from chainmap.model.vocab import CRITERIA, is_chinese
from chainmap.pages import huge_pages_unadvised
from chainmap.threads import alongside, joined

__all__ = [
    "RANK_FIELDS",
    "SCORING_COLUMNS",
    "NarrowRanking",
    "describe_ranking",
    "flat_rank_columns",
    "flat_rank_records",
    "group_key",
    "rank_enterprises",
    "rank_narrow",
    "rank_records",
]

#: Keys of a ``rank`` JSON record, in order (CONTRACTS.md).
RANK_FIELDS = (
    "rank",
    "enterprise_id",
    "name",
    "uscc",
    "region_code",
    "region",
    "segment",
    "strategy",
    "score",
    "contributions",
    "stability",
    "rank_band",
    "group",
    "sites",
    "flags",
    "reasons",
)

#: The enterprise columns the ranking reads (the streaming engines must keep them).
SCORING_COLUMNS = (
    "enterprise_id",
    "name",
    "region_code",
    "country",
    "province",
    "city",
    "county",
    "revenue",
    "revenue_year",
    "registered_capital",
    "capital_currency",
    "employees",
    "listed",
    "flags",
    "parent",
    "exit_status",
)
#: Columns of SCORING_COLUMNS the ranking reads for every chain firm (the others: for
#: the candidates, the firms a signal names, or the rows shown; region codes as numbers,
#: :attr:`Holdings.region_codes`).
_EVERY_ROW = ("enterprise_id", "name", "flags", "parent", "exit_status")


def flat_rank_columns(fields: tuple[str, ...] = RANK_FIELDS) -> list[str]:
    """Column names for CSV/XLSX: ``contributions`` expanded to ``contributions.<criterion>``.

    Examples
    --------
    >>> flat_rank_columns()[9:14]
    ['contributions.gap_priority', 'contributions.feasibility', 'contributions.strength', 'contributions.affinity', 'contributions.intent']
    """
    out: list[str] = []
    for f in fields:
        out.extend([f"contributions.{c}" for c in CRITERIA] if f == "contributions" else [f])
    return out


def flat_rank_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rank records with ``sites`` and ``rank_band`` as text, for CSV/XLSX/tables.

    >>> flat_rank_records([{"sites": [{"name": "甲", "region": "衢州市"}], "rank_band": [1, 3]}])
    [{'sites': ['甲(衢州市)'], 'rank_band': '1–3'}]
    """
    out = []
    for rec in records:
        row = dict(rec)
        if "sites" in row:
            row["sites"] = [
                f"{s['name']}({s['region']})" if s.get("region") else s["name"]
                for s in row["sites"] or []
            ]
        if "rank_band" in row:
            band = row["rank_band"]
            row["rank_band"] = None if band is None else f"{band[0]}–{band[1]}"
        out.append(row)
    return out


def _texts(frame: pd.DataFrame, column: str) -> np.ndarray:
    """The column as stripped text, ``""`` where blank or not text (vectorised on str columns)."""
    if column not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    col = frame[column]
    if isinstance(col.dtype, pd.StringDtype):  # pandas' str columns: strip in one pass
        return col.str.strip().fillna("").to_numpy(dtype=object)
    return np.array(
        ["" if not isinstance(v, str) else v.strip() for v in col.tolist()],
        dtype=object,
    )


def group_key(frame: pd.DataFrame, *, names: np.ndarray | None = None) -> np.ndarray:
    """Each firm's group: its ultimate ``parent`` in the data, else its own name.

    A parent that is itself a firm of the table with a parent of its own is followed up
    (中化蓝天 → 昊华科技 → 中国中化), so a group is one target however deep it is.

    >>> group_key(pd.DataFrame({"name": ["甲公司", "乙公司", "丙公司"],
    ...                         "parent": ["甲集团", None, "甲公司"]})).tolist()
    ['甲集团', '乙公司', '甲集团']

    ``names``: ``_texts(frame, "name")`` when the caller has it already.
    """
    name = _Texts.of(frame, "name") if names is None else _Texts(names)
    return _groups(name, _Texts.of(frame, "parent")).values


def _group_parts(frame: pd.DataFrame) -> tuple[_Texts, _Texts, np.ndarray]:
    """The ranking's names, groups (:func:`group_key`) and group numbers
    (:meth:`_Texts.numbers`) of ``frame``'s ``name`` and ``parent``."""
    names = _Texts.of(frame, "name")
    groups = _groups(names, _Texts.of(frame, "parent"))
    return names, groups, groups.numbers()


def _groups(name: _Texts, parent: _Texts) -> _Texts:
    """:func:`group_key` of the stripped ``name`` and ``parent`` texts (in polars where
    both are: no Python string is made but for the firms with a parent in the data)."""
    if name.series is None or parent.series is None:
        name_v, parent_v = name.values, parent.values
        linked = np.flatnonzero((parent_v != "") & (parent_v != name_v))
        start = _Texts(np.where(parent_v != "", parent_v, name_v))
    else:
        has_parent = parent.series != ""
        linked = np.flatnonzero((has_parent & (parent.series != name.series)).to_numpy())
        start = _Texts(series=parent.series.zip_with(has_parent, name.series))
    up = dict(zip(name.take(linked).tolist(), parent.take(linked).tolist(), strict=True))

    def root(n: str) -> str:
        seen = {n}
        while n in up and up[n] not in seen:
            n = up[n]
            seen.add(n)
        return n

    # Only a start that is itself someone's child moves: the rest are their own roots.
    moves = np.flatnonzero(start.isin(up)) if up else np.array([], dtype=np.int64)
    roots = [root(n) for n in start.take(moves).tolist()]
    if start.series is None:
        out = start.values.copy()
        out[moves] = roots
        return _Texts(out)
    out_s = start.series.clone()
    if len(moves):
        out_s.scatter(moves, roots)
    return _Texts(series=out_s)


class _Texts:
    """A column of texts (stripped, ``""`` where blank: :func:`_texts`), hashed by polars
    when it is long (:func:`~chainmap.analysis.holdings.polars_texts`), else by pandas.

    A national registry holds nearly as many groups as firms, and as many names: making
    a million names Python strings took 0.09 s, numbering a million group texts 0.2 s
    with ``pd.factorize``, 0.05 s with polars' dense rank. In polars, the texts become
    Python strings only at the rows read (:meth:`take`).
    """

    def __init__(self, values: np.ndarray | None = None, *, series: Any = None):
        self._values = values
        self.series = polars_texts(values) if series is None else series

    @classmethod
    def of(cls, frame: pd.DataFrame, column: str) -> _Texts:
        """:func:`_texts` of the column, kept in polars when long and text (Arrow)."""
        col = frame[column] if column in frame.columns else None
        if col is not None and isinstance(col.dtype, pd.StringDtype):
            series = polars_texts(col.str.strip().fillna(""))  # (as _texts strips it)
            if series is not None:
                return cls(series=series)
        return cls(_texts(frame, column))

    @property
    def values(self) -> np.ndarray:
        """Every text, as an object array."""
        if self._values is None:
            self._values = self.take(None)
        return self._values

    def take(self, at: np.ndarray | None) -> np.ndarray:
        """The texts at positions ``at`` (all when None), as an object array."""
        if self._values is not None:
            return self._values if at is None else self._values[at]
        series = self.series if at is None else self.series.gather(at)
        return np.array(series.to_list(), dtype=object) if len(series) else np.array([], object)

    def __len__(self) -> int:
        return len(self.series) if self._values is None else len(self._values)

    def numbers(self) -> np.ndarray:
        """Each text as a number from 0: equal texts, equal numbers, none skipped. Which
        text gets which number is not part of it (pandas numbers them in row order,
        polars in sorted order): the ranking keeps the first row of each group in rank
        order and lists a group's sites in row order."""
        if self.series is None:
            return pd.factorize(self.values, use_na_sentinel=False)[0]
        return self.series.rank("dense").to_numpy().astype(np.int64) - 1

    def isin(self, wanted: Any, at: np.ndarray | None = None) -> np.ndarray:
        """Whether each text (at positions ``at``, all when None) is one of ``wanted``."""
        wanted = list(wanted)
        if self.series is None or not all(isinstance(w, str) for w in wanted):
            return pd.Index(self.take(at), dtype=object).isin(wanted)
        series = self.series if at is None else self.series.gather(at)
        return series.is_in(wanted).to_numpy()


class _Lists:
    """Each row's list, as ``lists[numbers[row]]`` (rows share their lists)."""

    def __init__(self, numbers: np.ndarray, lists: list[list[str]]):
        self.numbers, self.lists = numbers, lists

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, row: int) -> list[str]:
        return self.lists[self.numbers[row]]


class _TextsAt:
    """``texts.take(at)`` as a ranking column, made only at the rows shown
    (:func:`_frame_rows`): every cell is text."""

    dtype = np.dtype(object)

    def __init__(self, texts: _Texts, at: np.ndarray):
        self.texts, self.at = texts, at

    def __len__(self) -> int:
        return len(self.at)

    def __getitem__(self, rows: np.ndarray) -> np.ndarray:
        return self.texts.take(self.at[rows])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self[np.arange(len(self.at))]


def _is_foreign(frame: pd.DataFrame) -> np.ndarray:
    if "country" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    # A few distinct countries: numbered as they are, then each stripped (as _texts does)
    codes, countries = pd.factorize(frame["country"], use_na_sentinel=False)
    texts = _texts(pd.DataFrame({"country": countries}), "country")
    foreign = np.array([c != "" and not is_chinese(c) for c in texts.tolist()], dtype=bool)
    return np.append(foreign, False)[codes]


def _data_year(table: pd.DataFrame) -> int | None:
    if "revenue_year" not in table.columns:
        return None
    years = pd.to_numeric(table["revenue_year"], errors="coerce").dropna()
    return int(years.max()) if len(years) else None


def _signals_table(signals: pd.DataFrame | bool | None) -> pd.DataFrame | None:
    if signals is False:
        return None
    if signals is None or signals is True:
        from chainmap.model.signals import load_signals

        return load_signals()
    return signals


def _signals_date(signals: pd.DataFrame | None) -> dt.date | None:
    """The data date of the signals table (never the clock)."""
    if signals is None or not len(signals):
        return None
    from chainmap.model.signals import data_date

    return data_date(signals)


def rank_enterprises(
    chain: Chain,
    enterprises: pd.DataFrame | Holdings,
    *,
    home: str | Home | None = None,
    profile: Mapping[str, Any] | str | None = None,
    status: pd.DataFrame | None = None,
    level: str | None = None,
    segments: list[str] | None = None,
    zone: str | None = None,
    top: int | None = None,
    top_per_segment: int | None = None,
    with_stability: bool = True,
    describe: bool = True,
    signals: pd.DataFrame | bool | None = None,
    as_of: dt.date | None = None,
    policy: pd.DataFrame | None = None,
    engine: str = "memory",
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Rank outside enterprises by how well, and how attainably, they fill the home's gaps.

    Parameters
    ----------
    chain, enterprises
        The chain and the enterprise table (canonical columns), or its
        :class:`~chainmap.analysis.holdings.Holdings` (prepared once, not again).
    home, profile
        As in :func:`chainmap.analysis.gaps.segment_status`.
    status
        A precomputed :func:`segment_status` frame (computed when None).
    level
        The comparison level that decides which firms are at home; default the
        home's own level (pass the ``level`` ``status`` was computed at).
    segments
        Keep only targets whose gap segment is one of these ids.
    zone
        Keep only targets located in this zone (bundled or profile ``[zones]``).
    top, top_per_segment
        Keep the first ``top`` rows overall, or per gap segment.
    with_stability
        Compute stability and rank bands (profile ``[stability]``).
    describe
        Add contributions, names and reasons (:func:`describe_ranking`).
    signals
        Dated events per firm (:func:`chainmap.model.signals.load_signals`): intent and
        exits. None: the bundled table; False: none.
    as_of
        The data date for the signals' 24-month window; default: the table's latest event.
    policy
        The policy table; None: the bundled ``graphs/policy.csv``.
    engine, scheduler
        ``memory`` (default) ranks the table in hand. ``stream`` and ``dask``
        read ``enterprises``, a file or directory, part by part
        (:func:`chainmap.analysis.stream.stream_rank`, same result); ``auto``
        streams inputs larger than ``AUTO_STREAM_BYTES``. ``scheduler`` is a
        dask scheduler address (default: a local cluster).

    Returns
    -------
    pandas.DataFrame
        Targets only, one per group, sorted by ``rank``, with the ``rank`` record
        columns of CONTRACTS.md (:data:`RANK_FIELDS`) plus the five criteria, the
        segment name, distance and zones. ``attrs`` records home and counts.

    Examples
    --------
    >>> from chainmap import datasets, load_chain
    >>> chain = load_chain("fluorochem")
    >>> firms = datasets.enterprises(chain)
    >>> ranking = rank_enterprises(chain, firms, home="武义县", top=5, with_stability=False)
    >>> ranking["rank"].tolist()
    [1, 2, 3, 4, 5]
    >>> bool(ranking["region_code"].eq("330723").any())  # home firms are anchors, not targets
    False
    >>> first = ranking.iloc[0]
    >>> bool(abs(sum(first["contributions"].values()) - first["score"]) < 1e-12)
    True
    """
    from chainmap.errors import InputError

    for name, value in (("top", top), ("top_per_segment", top_per_segment)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise InputError(
                f"{name} 须为非负整数 / {name} must be a whole number ≥ 0, got {value!r}"
            )
    if engine not in ("memory", "stream", "dask", "auto"):
        raise InputError(f"engine must be memory, stream, dask or auto, got {engine!r}")
    if isinstance(segments, str):  # one id, not its characters
        segments = [segments]
    options = {
        "home": home,
        "profile": profile,
        "segments": segments,
        "zone": zone,
        "top": top,
        "top_per_segment": top_per_segment,
        "with_stability": with_stability,
        "describe": describe,
        "signals": signals,
        "as_of": as_of,
        "policy": policy,
    }
    if engine != "memory":
        from chainmap.analysis.stream import engine_for, stream_rank

        if engine_for(engine, enterprises) != "memory":
            return stream_rank(
                chain,
                enterprises,
                engine=engine_for(engine, enterprises),
                scheduler=scheduler,
                **options,
            )
    # (a registry's lists and records: chainmap.collector; its arrays: chainmap.pages)
    with collector_paused(), huge_pages_unadvised(), joined():
        return _rank_table(chain, enterprises, status=status, level=level, **options)


def rank_narrow(
    chain: Chain,
    enterprises: pd.DataFrame | Holdings,
    *,
    home: str | Home | None = None,
    profile: Mapping[str, Any] | str | None = None,
    status: pd.DataFrame | None = None,
    level: str | None = None,
    with_stability: bool = True,
    signals: pd.DataFrame | bool | None = None,
    as_of: dt.date | None = None,
    policy: pd.DataFrame | None = None,
) -> NarrowRanking:
    """Every target of :func:`rank_enterprises` (in memory, ``describe=False``), its other
    columns built only for the rows asked for.

    A plan ranks every candidate and shows a few of them; ``assemble_plan`` takes either
    ranking. :meth:`NarrowRanking.rows` equals the same rows of the ranking
    ``rank_enterprises`` returns with these options (``tests/test_rank_narrow.py``).
    """
    with collector_paused(), huge_pages_unadvised(), joined():  # (as rank_enterprises)
        return _rank_table(
            chain,
            enterprises,
            home=home,
            profile=profile,
            status=status,
            level=level,
            segments=None,
            zone=None,
            top=None,
            top_per_segment=None,
            with_stability=with_stability,
            describe=False,
            signals=signals,
            as_of=as_of,
            policy=policy,
            narrow=True,
        )


def _rank_table(
    chain: Chain,
    enterprises: pd.DataFrame | Holdings,
    *,
    home: str | Home | None,
    profile: Mapping[str, Any] | str | None,
    status: pd.DataFrame | None,
    level: str | None,
    segments: list[str] | None,
    zone: str | None,
    top: int | None,
    top_per_segment: int | None,
    with_stability: bool,
    describe: bool,
    signals: pd.DataFrame | bool | None,
    as_of: dt.date | None,
    policy: pd.DataFrame | None,
    narrow: bool = False,
) -> pd.DataFrame | NarrowRanking:
    """The memory engine of :func:`rank_enterprises`, with its parameters (``narrow``:
    :func:`rank_narrow`)."""
    from chainmap.analysis import holdings
    from chainmap.model import regions

    prof = as_profile(profile)
    where = resolve_home(home, prof)
    level = level or where.level
    held = prepare_holdings(chain, enterprises, min_confidence=min_confidence(prof))
    # The columns read for every row (then the rows); the criteria's columns only for the
    # candidates, every column only for the rows returned (``held.columns``).
    frame = held.columns(_EVERY_ROW)
    n = len(frame)
    # The groups (names and parents hashed in polars) on a second thread, while this one
    # counts the segments and scores the candidates: nothing below reads them until the
    # candidates' sites (chainmap.threads).
    grouping = alongside(_group_parts, frame, inline=n < holdings.NATIVE_MIN_ROWS)
    if status is None:
        status = segment_status(chain, held, home=where, profile=prof, level=level, policy=policy)
    home_code = where.at(level)
    table = _signals_table(signals)
    as_of = as_of or _signals_date(table)
    active = held.active
    code_no, code_list = held.region_codes  # (-1: no region code)
    at_home = held.in_region(level, home_code) & active

    # Exits: the enterprise table's own exit_status, and 停产/退出 events of the signals.
    firm_signals = att.match_signals(
        frame, table, as_of=as_of, rows_of=lambda rows: held.columns(att.SIGNAL_MATCH_COLUMNS, rows)
    )
    exit_status = np.full(n, "", dtype=object)  # (a registry has no exit_status column)
    if "exit_status" in frame.columns:
        given_exit = _texts(frame, "exit_status")
        exit_status = np.where(
            pd.Index(given_exit, dtype=object).isin(("exiting", "exited")), given_exit, ""
        ).astype(object)
    has_events = map(operator.is_not, firm_signals, itertools.repeat(None))
    with_events = list(itertools.compress(range(n), has_events))  # (C-level: 1M rows)
    for i in with_events:  # the table's own status wins; else the signals' exit
        s = firm_signals[i]
        if exit_status[i] == "":
            exit_status[i] = "exited" if s.exit else "exiting" if s.exiting else ""
    # One parse, one risk reading per distinct flags cell (a registry repeats a few).
    flag_no, flag_kinds = att.flag_numbers(frame)
    flags = _Lists(flag_no, flag_kinds)
    risk_of = {id(f): att.risk_flags(f) for f in flag_kinds if f}
    barred = np.array([bool(f) and bool(risk_of[id(f)][0]) for f in flag_kinds], dtype=bool)
    barred_risk = barred[flag_no] if barred.any() else np.zeros(n, dtype=bool)
    home_city = regions.ancestor(where.code, "city") if where.level == "county" else None
    same_city = (
        (held.in_region("city", home_city) & ~at_home) if home_city else np.zeros(n, dtype=bool)
    )
    exclude_same_city = prof["affinity"].get("same_city", "flag") == "exclude"

    eligible = active & ~at_home & (exit_status == "") & ~barred_risk
    if exclude_same_city:
        eligible &= ~same_city

    # Stage one: the segment scores, and each firm's best gap among the target segments.
    seg = segment_scores(status)
    targets = status[status["target"]]
    weights = np.array([float(prof["weights"][c]) for c in CRITERIA])
    stage_order = {s.id: s.stage_order for s in chain.ordered_segments()}
    seg_value = weights[0] * seg["gap_priority"] + weights[1] * seg["feasibility"]
    order = list(targets.index)
    if segments:
        wanted = {chain.resolve(s) for s in segments}
        order = [s for s in order if s in wanted]
    order.sort(key=lambda s: (-seg_value[s], stage_order[s], s))
    rows = np.flatnonzero(eligible)
    held_lists = held.flat.take(rows)
    first = held_lists.first_of(order)
    has_gap = first < len(order)
    cand = rows[has_gap]
    best_at = first[has_gap]  # each candidate's gap as a position in order
    best = np.asarray(order, dtype=object)[best_at] if len(order) else np.array([])

    # Stage two: the firm-level criteria on fixed scales.
    # Only the columns the criteria read, then the rows (the table may be wide and long).
    # (flags: parsed already; name: only where a hand-made table has no enterprise_id)
    read = ("enterprise_id", "country", *(c for c in att.STRENGTH_COLUMNS if c != "flags"))
    sub = held.columns(read, cand)
    strength = att.strength(
        sub, data_year=_data_year(held.table), flag_numbers=(flag_no[cand], flag_kinds)
    )

    # The groups, from the second thread.
    names_all, group_texts, group_no_all = grouping.result()
    home_members: dict[str, list[str]] = {}
    home_rows = np.flatnonzero(at_home)
    home_at = zip(
        group_texts.take(home_rows).tolist(), names_all.take(home_rows).tolist(), strict=True
    )
    for group, name in home_at:  # a home firm's group, and its own name as a group
        for key in {group, name}:
            home_members.setdefault(key, []).append(name)
    home_groups = set(home_members)
    # Groups with an active site in the home's prefecture (not at home): their targets
    # elsewhere say so (永和's best site is 94 km off in 衢州, its 金华永和 in 金华 went unsaid).
    city_members: dict[str, list[str]] = {}
    city_rows = np.flatnonzero(same_city & active)
    for group, name in zip(
        group_texts.take(city_rows).tolist(), names_all.take(city_rows).tolist(), strict=True
    ):
        city_members.setdefault(group, []).append(name)
    site_no, site_name = _nearest_site(
        frame, group_texts, (code_no, code_list), active, cand, where.code
    )
    foreign = _is_foreign(sub)
    use_no = np.where(code_no[cand] >= 0, code_no[cand], site_no)  # a code's number, or -1
    extra_zones = prof.get("zones") or {}
    wanted_zones = set(prof["affinity"]["zones"])
    # Distance and zones per distinct region code used, then spread to the rows by number.
    used = np.unique(use_no[use_no >= 0])
    uniq = code_list[used].tolist()
    distance_of = np.full(len(code_list) + 1, np.nan)  # (the last: no code)
    distance_of[used] = regions.distance_km_many(uniq, where.code)
    distance = distance_of[use_no]
    zones_at = regions.zones_of([c for c in uniq if c], extra_zones)  # the zone table once
    zone_of = [zones_at[c] if c else [] for c in uniq]
    in_zone_of = np.zeros(len(code_list) + 1, dtype=bool)
    in_zone_of[used] = [bool(wanted_zones & set(z)) for z in zone_of]
    in_zone = in_zone_of[use_no].astype(float)
    tie = group_texts.isin(home_groups, cand) if len(cand) else np.zeros(0, bool)
    affinity = att.affinity(
        distance, in_zone, tie, half_life_km=float(prof["affinity"]["distance_half_life_km"])
    )
    intent = np.zeros(len(cand))
    events = np.asarray(with_events, dtype=np.int64)
    at = np.minimum(np.searchsorted(cand, events), max(len(cand) - 1, 0))  # cand is sorted
    for i, j in zip(with_events, at.tolist(), strict=True):
        if len(cand) and cand[j] == i:
            intent[j] = att.intent_score(firm_signals[i])

    crit = pd.DataFrame(
        {
            # per segment of order, then spread by position (not a look-up per candidate)
            "gap_priority": seg["gap_priority"].reindex(order).to_numpy(dtype=float)[best_at],
            "feasibility": seg["feasibility"].reindex(order).to_numpy(dtype=float)[best_at],
            "strength": strength["strength"].to_numpy(),
            "affinity": affinity,
            "intent": intent,
        }
    )
    contrib = crit[list(CRITERIA)].to_numpy() * weights
    score = contrib[:, 0]
    for j in range(1, len(CRITERIA)):  # summed in the order a reader sums the contributions
        score = score + contrib[:, j]
    columns = {
        "segment": best,
        "_pos": cand,
        "score": score,
        **{c: crit[c].to_numpy() for c in CRITERIA},
        **{f"_c_{c}": contrib[:, i] for i, c in enumerate(CRITERIA)},
        # per segment of order, spread by position; with no candidate, the empty object
        # array the per-candidate map gave (an empty ranking's columns keep their types)
        "_stage": pd.Series(order, dtype=object).map(stage_order).to_numpy()[best_at]
        if len(best_at)
        else pd.Series(best, dtype=object).map(stage_order).to_numpy(),
        "_eid": _texts(sub, "enterprise_id")
        if "enterprise_id" in sub
        else _texts(held.columns(["name"], cand), "name"),
        "group": _TextsAt(group_texts, cand),
        "_tie": tie,
        "_foreign": foreign,
        "_site": site_name,
        "_same_city": same_city[cand],
        "distance_km": distance,
        "_j": np.arange(len(cand)),
    }
    within = np.arange(len(cand))
    if zone is not None:
        members = _zone_members(zone, extra_zones)
        in_given_zone = np.zeros(len(code_list) + 1, dtype=bool)
        in_given_zone[used] = [isinstance(c, str) and zone in zones_at[c] for c in uniq]
        within = within[in_given_zone[use_no] & bool(members)]
    # One target per group, at its best site (the first in rank order), then the rows
    # kept (top, top per segment, the stability pool): only those become a frame.
    ranked = within[_rank_order(columns, within)]
    n_candidates = len(within)
    # Groups numbered in row order (their texts lie in memory in that order: hashing them
    # in rank order was 0.3 s at 700,000 candidates), then read in rank order.
    group_no = group_no_all[cand][ranked]
    first = np.zeros(len(ranked), dtype=bool)
    first[np.unique(group_no, return_index=True)[1]] = True
    ranked = ranked[first]
    shown = np.arange(len(ranked))  # positions in rank order (rank - 1)
    if top_per_segment is not None:
        segment_no = pd.factorize(columns["segment"][ranked], use_na_sentinel=False)[0]
        shown = shown[
            pd.Series(segment_no).groupby(segment_no).cumcount().to_numpy() < top_per_segment
        ]
    if top is not None:
        shown = shown[:top]
    k = int(prof["stability"]["top_k"])
    m = pool_size(len(ranked), k) if with_stability and len(ranked) >= k else 0
    built = np.concatenate([np.arange(m), shown[shown >= m]])  # the pool first (shown: sorted)
    out = _frame_rows(columns, ranked[built])
    out["rank"] = built + 1
    out["stability"] = np.nan
    out["rank_band"] = None
    if m:
        st = prof["stability"]
        pool = out.head(m).assign(
            chain_segments=held.columns(["chain_segments"], out["_pos"].head(m).to_numpy())[
                "chain_segments"
            ].to_numpy()
        )
        stab, lo, hi = stability_runs(
            chain,
            status,
            pool,
            prof,
            n=int(st["n"]),
            spread=float(st["spread"]),
            top_k=k,
            seed=int(st["seed"]),
        )
        out.loc[: m - 1, "stability"] = stab
        out["rank_band"] = [
            [int(lo[i]), int(hi[i])] if i < m and not math.isnan(lo[i]) else None
            for i in built.tolist()
        ]
    out = out[np.isin(built, shown)]
    out = out.reset_index(drop=True)
    wide = _Wide(
        held=held,
        status=status,
        group_no=group_no_all,
        active=active,
        home_members=home_members,
        city_members=city_members,
        strength=strength,
        firm_signals=firm_signals,
        flags=flags,
        risk_of=risk_of,
        no_risk=[],
    )
    if not narrow:
        out = wide.rows(out)
    else:  # the keys a plan reads of every target; the rest on demand (NarrowRanking)
        keys = held.columns(["enterprise_id", "region_code"], out["_pos"].to_numpy())
        out = pd.concat([out, keys], axis=1)
    out.attrs.update(
        home=where.code,
        home_name=where.name,
        level=level,
        inactive_excluded=int((~active).sum()),
        home_anchors_excluded=int(at_home.sum()),
        exited_excluded=int(((exit_status != "") & active & ~at_home).sum()),
        exited_names=_exited_names(
            frame, np.flatnonzero((exit_status != "") & active & ~at_home), exit_status
        ),
        risk_excluded=int((barred_risk & active & ~at_home & (exit_status == "")).sum()),
        # (each count is the firms removed at its own step, so the steps add up: a
        # same-city firm that has exited is counted as exited only)
        same_city_excluded=(
            int((same_city & active & (exit_status == "") & ~barred_risk).sum())
            if exclude_same_city
            else 0
        ),
        no_gap_segment=int(len(rows) - len(cand)),
        zone_excluded=int(len(cand) - n_candidates),
        gated_segments=int(status["gated"].sum()),
        gated_firms=_gated_firms(held_lists, status),
        candidates=n_candidates,
        targets=len(ranked),  # one per group, before top / top per segment
        # (only when every target is returned: a cut list would not show them all)
        group_duplicates=int(n_candidates - len(out.index) if len(out.index) == len(ranked) else 0),
        missing_everywhere=_missing_everywhere(strength, intent, table),
        data_date=None if as_of is None else as_of.isoformat(),
    )
    if narrow:
        return NarrowRanking(out, wide, tuple(keys.columns))
    return describe_ranking(out, chain, status, prof, where) if describe else out


@dataclass(frozen=True, eq=False)
class _Wide:
    """What the ranked rows' other columns are read from (:meth:`rows`)."""

    held: Holdings
    status: pd.DataFrame
    group_no: np.ndarray
    active: np.ndarray
    home_members: dict[str, list[str]]
    city_members: dict[str, list[str]]  # groups with a site in the home's prefecture
    strength: pd.DataFrame
    firm_signals: list
    flags: _Lists
    risk_of: dict[int, tuple[list[str], list[str]]]
    no_risk: list[str]  # (read only) the warnings of every firm without flags

    def rows(self, out: pd.DataFrame) -> pd.DataFrame:
        """``out`` (ranked rows, indexed from 0) with the table's columns and the per-row
        details, built only for these rows (the candidates may be a million)."""
        wide = self.held.columns(at=out["_pos"].to_numpy())
        rest = [c for c in wide.columns if c not in out.columns and c != "group"]
        out = pd.concat([out, wide[rest].reset_index(drop=True)], axis=1)
        out["strategy"] = out["segment"].map(self.status["strategy"]).astype(object)
        shown, pos = out["group"].tolist(), out["_pos"].tolist()  # (not Arrow cell by cell)
        members, flags = self.home_members, self.flags
        out["_home_firms"] = [sorted(set(members[g])) if g in members else [] for g in shown]
        city = self.city_members
        out["_city_firms"] = [sorted(set(city[g])) if g in city else [] for g in shown]
        out["_strength_signals"] = _records(
            self.strength.drop(columns="strength"), out["_j"].to_numpy()
        )
        out["_signals"] = [self.firm_signals[p] for p in pos]
        risk_of, none = self.risk_of, self.no_risk
        out["_risk_warnings"] = [risk_of[id(flags[p])][1] if flags[p] else none for p in pos]
        out["_flags_in"] = [flags[p] for p in pos]
        out["sites"] = _sites(self.held, self.group_no, self.active, out)
        return out


@dataclass(frozen=True, eq=False)
class NarrowRanking:
    """:func:`rank_enterprises` (``describe=False``) of every target, with its other
    columns built only for the rows asked for (:func:`rank_narrow`).

    A plan ranks every candidate (half a million at national scale) to count them and
    place them in their segments, and shows a few hundred: ``frame`` holds the ranking's
    own columns and ``enterprise_id`` and ``region_code`` for every target, and
    :meth:`rows` gives rows of it as the full ranking holds them.
    """

    frame: pd.DataFrame
    wide: _Wide = field(repr=False)
    keys: tuple[str, ...] = ()

    def rows(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Rows of :attr:`frame` (a selection, its index kept) with every column of the full
        ranking, in its order, and its ``attrs``: equal to the same rows of it."""
        if not len(rows) and len(self.frame):  # no row: the columns' types of one
            out = self.rows(self.frame.iloc[:1]).iloc[:0]
            out.index, out.attrs = rows.index, dict(rows.attrs)
            return out
        out = rows.drop(columns=list(self.keys)).reset_index(drop=True)
        out.attrs = {}
        out = self.wide.rows(out)
        out.index = rows.index
        out.attrs = dict(rows.attrs)
        return out


def _exited_names(frame: pd.DataFrame, rows: np.ndarray, exit_status: np.ndarray) -> list[str]:
    """``name(exiting)`` of each exited or exiting firm at ``rows``, sorted."""
    names = frame["name"].take(rows).tolist()  # (frame.at was 10 µs a firm)
    return sorted(f"{n}({s})" for n, s in zip(names, exit_status[rows].tolist(), strict=True))


def _gated_firms(lists: FlatSegments, status: pd.DataFrame) -> int:
    """Candidates whose only gap segments are policy-gated (so no target at all)."""
    gated = set(status.index[status["gated"].to_numpy(dtype=bool)])
    if not gated:  # no gate: no list to look at
        return 0
    target = set(status.index[status["target"].to_numpy(dtype=bool)])
    return int((lists.any_of(gated) & ~lists.any_of(target)).sum())


def _missing_everywhere(
    strength: pd.DataFrame, intent: np.ndarray, table: pd.DataFrame | None
) -> list[str]:
    """Signals missing for every candidate: stated once in the notes, not on every row."""
    names = {"s_revenue": "营收", "s_capital": "注册资本", "s_employees": "参保人数"}
    out = [zh for col, zh in names.items() if len(strength) and strength[col].isna().all()]
    if table is None or not len(table) or (len(intent) and not (intent > 0).any()):
        out.append("投资动态事件")
    return out


def _nearest_site(
    frame: pd.DataFrame,
    group_texts: _Texts,
    codes: tuple[np.ndarray, np.ndarray],
    active: np.ndarray,
    cand: np.ndarray,
    home_code: str,
) -> tuple[np.ndarray, list[str]]:
    """For candidates without a Chinese region: the region code and name of their group's
    nearest active Chinese site (-1 and "" where the group has none).

    ``codes``: each row's region code as :attr:`Holdings.region_codes` numbers it; the
    sites' codes are returned as those numbers.
    """
    from chainmap.model import regions

    code_no, code_list = codes
    code_out = np.full(len(cand), -1, dtype=np.int64)
    name_out = np.full(len(cand), "", dtype=object)
    lacking = np.flatnonzero(code_no[cand] < 0)
    if not len(lacking):
        return code_out, name_out.tolist()
    lacking_groups = group_texts.take(cand[lacking])
    needed = pd.unique(lacking_groups)
    site_rows = np.flatnonzero((code_no >= 0) & active & group_texts.isin(needed))
    if len(site_rows):
        site_codes = code_no[site_rows]
        uniq = np.unique(site_codes)
        dist = np.full(len(code_list), np.nan)
        dist[uniq] = regions.distance_km_many(code_list[uniq].tolist(), home_code)
        sites = pd.DataFrame(
            {
                "group": group_texts.take(site_rows),
                "d": dist[site_codes],
                "name": frame["name"].take(site_rows).astype(str).to_numpy(dtype=object),
                "pos": site_rows,
            }
        )
        sites["d"] = sites["d"].fillna(np.inf)
        # The nearest site of each group; equal distances: the first name, then the first row.
        best = sites.sort_values(["group", "d", "name", "pos"]).drop_duplicates("group")
        by_group = dict(
            zip(best["group"], zip(best["pos"], best["name"], strict=True), strict=True)
        )
        for j, group in zip(lacking.tolist(), lacking_groups.tolist(), strict=True):
            hit = by_group.get(group)
            if hit is not None:
                code_out[j] = code_no[hit[0]]
                name_out[j] = hit[1]
    return code_out, name_out.tolist()


def _sites(
    held: Holdings, group_no: np.ndarray, active: np.ndarray, out: pd.DataFrame
) -> list[list[dict[str, Any]]]:
    """The group's other active firms in the data, as ``{enterprise_id, name, region}``.

    ``group_no``: each row's group as a number (:func:`group_key`, factorised).

    A plan ranks every candidate (half a million shown groups at 10M rows, most of one
    site): the other sites are found first, then only their cells are read, column by
    column (``frame.at`` was 10 µs a cell).
    """
    shown_at = out["_pos"].to_numpy(dtype=np.int64)
    shown = group_no[shown_at]
    # The active rows of the shown groups, by group number; most groups have one site,
    # the shown firm itself: only the others are listed, and only for their groups.
    wanted = np.zeros(int(group_no.max()) + 1 if len(group_no) else 0, dtype=bool)
    wanted[shown] = True
    rows = np.flatnonzero(active & wanted[group_no])
    size = np.bincount(group_no[rows], minlength=len(wanted))
    start = np.cumsum(size) - size
    members = rows[np.argsort(group_no[rows], kind="stable")]  # by group, in row order
    listed = np.flatnonzero((size[shown] > 1) | ((size[shown] == 1) & ~active[shown_at]))
    others: list[list[int]] = [[]] * len(shown_at)  # (read only: [] where none)
    for k in listed.tolist():
        g, pos = shown[k], shown_at[k]
        others[k] = [i for i in members[start[g] : start[g] + size[g]].tolist() if i != pos]
    read = np.unique(np.fromiter(itertools.chain.from_iterable(others), dtype=np.int64))
    at = {i: k for k, i in enumerate(read.tolist())}

    taken = held.columns(["enterprise_id", "name", "region_code", "country"], read)

    def cells(column: str, default: Any) -> list:
        return taken[column].tolist() if column in taken else [default] * len(read)

    eid, name, code, country = (
        cells(c, d)
        for c, d in (("enterprise_id", ""), ("name", ""), ("region_code", None), ("country", ""))
    )
    labels: dict[str, str] = {}

    def site(i: int) -> dict[str, Any]:
        k = at[i]
        c = code[k]
        if isinstance(c, str) and c:
            if c not in labels:
                labels[c] = _region_label(c)
            region = labels[c]
        else:
            region = str(country[k])
        return {"enterprise_id": str(eid[k]), "name": str(name[k]), "region": region}

    return [
        sorted(map(site, ks), key=lambda s: (s["name"], s["enterprise_id"])) if ks else []
        for ks in others
    ]


def describe_ranking(
    ranking: pd.DataFrame,
    chain: Chain,
    status: pd.DataFrame,
    profile: Mapping[str, Any],
    where: Any,
) -> pd.DataFrame:
    """Add ``contributions``, region and segment names, ``flags`` and ``reasons`` to ranked rows.

    :func:`rank_enterprises` does this for the rows it returns; with
    ``describe=False`` a caller can pick rows first (as the plan does) and
    describe only those. Each row's description depends on that row alone.
    """
    attrs = dict(ranking.attrs)
    out = ranking.reset_index(drop=True)
    parts = [out[f"_c_{c}"].to_numpy(dtype=float).tolist() for c in CRITERIA]
    out["contributions"] = [
        dict(zip(CRITERIA, row, strict=True)) for row in zip(*parts, strict=True)
    ]
    out = _describe(out, chain, status, where, profile, set(attrs.get("missing_everywhere", [])))
    out.attrs.update(attrs)
    return out


def _zone_members(zone: str, extra: Mapping[str, Any]) -> list[str]:
    from chainmap.errors import UnknownRegionError, closest
    from chainmap.model import regions

    all_zones = regions.zones(extra)
    if zone not in all_zones:
        raise UnknownRegionError(
            zone, closest(zone, all_zones), hint="zones: " + ", ".join(all_zones)
        )
    return list(all_zones[zone])


_RANK_KEYS = {
    "by": ["score", "gap_priority", "_stage", "_eid"],
    "ascending": [False, False, True, True],
}


def _rank_order(columns: Mapping[str, Any], rows: np.ndarray) -> np.ndarray:
    """Positions in ``rows`` sorted by :data:`_RANK_KEYS` (as ``sort_values``, stable).

    The scores are sorted alone; the other keys are read only where rows tie before them
    (most scores differ: at 350,000 candidates, 0.04 s against 0.08 s for every key).
    """
    score, gap, stage = (
        np.asarray(columns[c], dtype=float)[rows] for c in ("score", "gap_priority", "_stage")
    )
    order = np.argsort(-score, kind="stable")  # (NaN last, as lexsort and sort_values)
    # Rows of equal score (or both NaN) lie next to each other: sorted there by gap and
    # stage, each run of equal scores kept in its place.
    tied, runs = _runs(score[order])
    if tied.any():
        at = np.flatnonzero(tied)
        sub = order[at]
        order[at] = sub[np.lexsort((stage[sub], -gap[sub], runs[at]))]
        # Then rows whose three numbers all tie: by id.
        tied, runs = _runs(score[order], gap[order], stage[order])
    if tied.any():
        at = np.flatnonzero(tied)
        sub = order[at]
        ids = np.asarray(columns["_eid"], dtype=object)[rows[sub]]
        codes = _text_ranks(ids)  # each id's place among them
        if codes is not None:
            order[at] = sub[np.lexsort((codes, runs[at]))]
        else:  # other ids (None, numbers): pandas' own rules
            frame = _frame_rows({c: columns[c] for c in _RANK_KEYS["by"]}, rows[sub])
            order[at] = sub[frame.sort_values(**_RANK_KEYS).index.to_numpy()]
    return order


def _text_ranks(values: np.ndarray) -> np.ndarray | None:
    """Each text's place in sorted order (equal texts, equal places), in UTF-8 byte order
    as pandas' ``str`` sorts; None unless every value is text."""
    if not all(type(v) is str for v in values.tolist()):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.rank(pa.array(values, type=pa.string()), tiebreaker="dense").to_numpy()


def _runs(*keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted rows: whether each row's keys equal a neighbour's (equal, or both NaN),
    and each row's run of equal keys as a number (increasing)."""
    n = len(keys[0])
    same = np.ones(max(n - 1, 0), dtype=bool)
    for key in keys:
        a, b = key[1:], key[:-1]
        same &= (a == b) | (np.isnan(a) & np.isnan(b))
    tied = np.zeros(n, dtype=bool)
    tied[1:] |= same
    tied[:-1] |= same
    runs = np.concatenate(([0], np.cumsum(~same))) if n else np.zeros(0, dtype=np.int64)
    return tied, runs


def _records(frame: pd.DataFrame, rows: np.ndarray) -> list[dict[str, Any]]:
    """``frame.take(rows).to_dict(orient="records")`` of numeric and bool columns.

    Zipped from the columns' ``tolist`` (Python floats and bools, as ``to_dict`` gives).
    """
    names = list(frame.columns)
    if not names:
        return [{} for _ in rows]
    values = [frame[c].to_numpy()[rows].tolist() for c in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def _frame_rows(columns: Mapping[str, Any], rows: np.ndarray) -> pd.DataFrame:
    """``pd.DataFrame(columns).take(rows).reset_index(drop=True)``, converting only ``rows``.

    A ranking's columns hold a million candidates; the ranking shows a few hundred.
    Each column gets the dtype the whole column would: text (``str``) where every
    value of the whole column is text or missing, else as it is.
    """
    n = len(next(iter(columns.values()))) if columns else 0
    if not n or not len(rows):
        whole = {k: np.asarray(v) if isinstance(v, _TextsAt) else v for k, v in columns.items()}
        return pd.DataFrame(whole).take(rows).reset_index(drop=True)
    data = {}
    for name, values in columns.items():
        values = np.asarray(values, dtype=object) if isinstance(values, list) else values
        part = values[rows]
        if isinstance(values, _TextsAt):  # text in every cell
            data[name] = pd.Series(part, dtype=_TEXT, copy=False)
            continue
        if values.dtype == object:  # (the rows alone might all be text: say which)
            text = pd.api.types.infer_dtype(values, skipna=True) == "string"
            part = pd.Series(part, dtype=_TEXT if text else object, copy=False)
        data[name] = part
    return pd.DataFrame(data)


#: The dtype pandas infers for a column of text (``str`` in pandas 3, object before).
_TEXT = pd.Series(np.array(["text"], dtype=object)).dtype


def _describe(
    out: pd.DataFrame,
    chain: Chain,
    status: pd.DataFrame,
    where: Any,
    profile: Mapping[str, Any],
    missing_everywhere: set[str],
) -> pd.DataFrame:
    """Region names, segment names, flags and the Chinese reasons, for the returned rows only."""
    from chainmap.model import regions

    extra_zones = profile.get("zones") or {}
    home_city = regions.ancestor(where.code, "city") if where.level == "county" else None
    names, reasons, region_names, zones_col, flags_col = [], [], [], [], []
    # What depends on the segment or the region alone, once each (without ``top`` every
    # target is described: 50,000 rows took 23 s looking these up row by row).
    by_segment: dict[str, tuple[str, str]] = {}  # segment -> (name, gap phrase)
    labels: dict[str, str] = {}
    zones_of: dict[str, list[str]] = {}
    gated: dict[str, str] | None = None
    read = [c for c in _DESCRIBE_COLUMNS if c in out.columns]
    columns = [out[c].tolist() for c in read]  # (to_dict boxes cell by cell: 7 s at 350,000)
    for values in zip(*columns, strict=True):
        row = dict(zip(read, values, strict=True))
        s = row["segment"]
        if s not in by_segment:
            if gated is None:  # (once per description, when a target is described)
                gated = gated_classes(status) if "policy_gated" in status.columns else {}
            srow = status.loc[s]
            by_segment[s] = (srow["name_zh"], _gap_phrase(chain, srow, status, gated))
        name, gap = by_segment[s]
        code = row.get("region_code")
        code = code if isinstance(code, str) and code else None
        if code and code not in labels:
            labels[code] = _region_label(code)
            zones_of[code] = regions.region_zones(code, extra_zones)
        region = labels[code] if code else (row.get("country") or "")
        region_names.append(region)
        names.append(name)
        flags: list[str] = []
        parts = [gap]
        if row["_tie"]:
            flags.append("已有合作")
            home_firms = list(row.get("_home_firms") or [])
            parts.append(
                "已有合作: 同集团/合资企业已在本地"
                + (f"({'、'.join(home_firms[:2])})" if home_firms else "")
                + ", 增资扩产/以商引商线索"
            )
        if row["_same_city"]:
            city = regions.region_name(home_city) if home_city else ""
            flags.append("同城")
            parts.append(f"同城({city}): 宜协同, 勿挖角")
        elif row.get("_city_firms"):  # the group, not this site, is in the home's prefecture
            city = regions.region_name(home_city) if home_city else ""
            sites = "、".join(row["_city_firms"][:2])
            flags.append("同城基地")
            parts.append(f"集团在{city}已有基地({sites}): 宜协同, 勿挖角")
        zones_here = list(zones_of[code]) if code else []  # (a list of its own per row)
        zones_col.append(zones_here)
        if code is None and row["_foreign"]:
            country = row.get("country") or "境外"
            flags.append("境外")
            if row["_site"]:
                parts.append(
                    f"境外企业({country}); 在华最近基地{row['_site']}, 距{where.name}"
                    f"{row['distance_km']:.0f}公里"
                )
            else:
                parts.append(f"境外企业({country}), 未知在华基地: 亲和度按最低计")
        elif code is None and row["_site"]:
            parts.append(
                f"地区未能解析, 按集团在华最近基地{row['_site']}计, 距{where.name}"
                f"{row['distance_km']:.0f}公里"
            )
        elif code is None:
            parts.append("地区未能解析: 亲和度按最低计")
        else:
            if zones_here:
                parts.append("、".join(zones_here))
            if not _nan(row.get("distance_km")):
                parts.append(f"距{where.name}{row['distance_km']:.0f}公里")
        parts.extend(_strength_phrases(row, missing_everywhere))
        sig = row.get("_signals")
        if sig is not None and sig.positive:
            parts.append("投资动态: " + "、".join(f"{d[:7]} {k}" for d, k, _ in sig.positive[-3:]))
        if sig is not None and sig.negative:
            parts.append("风险: " + "、".join(f"{d[:7]} {k}" for d, k, _ in sig.negative[-2:]))
            flags.append("风险:亏损")
        for w in row.get("_risk_warnings") or []:
            flags.append(f"风险:{w}")
        if row.get("_risk_warnings"):
            parts.append("登记风险提示: " + "、".join(row["_risk_warnings"]))
        flags_col.append(sorted(set(flags), key=flags.index))
        reasons.append("; ".join(p for p in parts if p))
    # Foreign firms without a known Chinese site: the plan lists them apart (境外).
    overseas = [
        bool(f) and not s
        for f, s in zip(out["_foreign"].tolist(), out["_site"].tolist(), strict=True)
    ]
    out = out.assign(
        region=region_names,
        segment_name=names,
        reasons=reasons,
        zones=zones_col,
        flags=flags_col,
        overseas=overseas,
    )
    keep = [c for c in out.columns if not c.startswith("_")]
    front = [c for c in RANK_FIELDS if c in keep]
    rest = [c for c in keep if c not in front]
    return out[front + rest]


#: The columns :func:`_describe` (and :func:`_strength_phrases`) read of each row.
_DESCRIBE_COLUMNS = (
    "segment", "region_code", "country", "_tie", "_home_firms", "_same_city", "_city_firms",
    "_foreign",
    "_site", "distance_km", "listed", "_flags_in", "_strength_signals", "revenue",
    "revenue_year", "_signals", "_risk_warnings",
)  # fmt: skip


def _region_label(code: str) -> str:
    """Province + city + county names of ``code``, e.g. 浙江省衢州市柯城区."""
    from chainmap.model import regions

    chain_codes = []
    for level in ("county", "city", "province"):
        up = regions.ancestor(code, level)
        if up and up not in chain_codes:
            chain_codes.append(up)
    names = [regions.region_name(c) for c in reversed(chain_codes)]
    return "".join(dict.fromkeys(names))


def _gap_phrase(
    chain: Chain, srow: pd.Series, status: pd.DataFrame, gated: Mapping[str, str] | None = None
) -> str:
    """The gap a target fills, as its reason says it (``gated``: :func:`gated_classes` of
    ``status``, when the caller has it)."""
    name = srow["name_zh"]
    strategy = srow["strategy"]
    sid = str(srow.name)  # (the index: a status frame need not keep an ``id`` column)
    # the gap would supply only barred segments
    cap = status_cap(chain, status, sid, row=srow, gated=gated)
    capped = f"; {cap_phrases(cap)[2].replace('下游', '下游环节', 1)}" if cap else ""
    made_with = captive_phrases(chain, sid)  # (TFE: only with PTFE, on one site)
    capped = (made_with[0] if made_with else "") + capped
    if strategy == "补链":
        return (
            f"补链: {name} (本地缺失; 上游{_few(chain, srow['held_upstream'])}、"
            f"下游{_few(chain, srow['held_downstream'])}本地已有{capped})"
        )
    if strategy == "延链":
        ups = srow["held_upstream"]
        side, ids = ("上游", ups) if ups else ("下游", srow["held_downstream"])
        ids, hop = nearest_held(chain, sid, ids, "up" if ups else "down")
        return f"延链: {name} (本地缺失; {side}{_few(chain, ids)}本地已有, 相距{hop}跳{capped})"
    if strategy == "强链":
        return f"强链: {name} (本地{srow['count_home']}家, 区位商{srow['lq']:.2f})"
    if strategy == "建链":
        near = list(srow.get("build_context") or [])
        return f"建链: {name} (本地尚无本链企业" + (
            f"; 周边已有{_few(chain, near)})" if near else "; 链首环节)"
        )
    return str(name)


def _few(chain: Chain, ids: list[str], limit: int = 2) -> str:
    names = [chain.segments_by_id[i].name_zh for i in ids[:limit]]
    return "、".join(names) + ("…" if len(ids) > limit else "")


def _strength_phrases(row: Mapping[str, Any], missing_everywhere: set[str]) -> list[str]:
    parts = []
    listed = row.get("listed")
    if isinstance(listed, str) and listed.strip():
        parts.append(f"上市公司 {listed.strip()}")
    quality = [f for f in row.get("_flags_in") or [] if any(q in f for q in att.QUALITY_FLAGS)]
    if quality:
        parts.append("、".join(quality))
    signals = row.get("_strength_signals") or {}
    revenue, year = row.get("revenue"), row.get("revenue_year")
    missing = []
    if _is_number(revenue) and not signals.get("revenue_stale"):
        y = f"{int(float(year))}年" if _is_number(year) else "年份未知"
        parts.append(f"营收{float(revenue):g}亿元({y})")
    elif _is_number(revenue):
        y = f"{int(float(year))}年" if _is_number(year) else "年份未知"
        parts.append(f"营收数据过旧({y}), 不计")
    elif "营收" not in missing_everywhere:
        missing.append("营收")
    if _nan(signals.get("s_capital")) and "注册资本" not in missing_everywhere:
        missing.append("注册资本")
    if _nan(signals.get("s_employees")) and "参保人数" not in missing_everywhere:
        missing.append("参保人数")
    if missing:
        parts.append("缺少" + "/".join(missing) + "(按最低计)")
    return parts


def _is_number(value: Any) -> bool:
    try:
        return value is not None and not math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def _nan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def rank_records(ranking: pd.DataFrame) -> list[dict[str, Any]]:
    """The ``rank`` JSON records (exactly :data:`RANK_FIELDS`) from :func:`rank_enterprises`."""
    records = []
    for row in ranking.to_dict(orient="records"):
        rec = {k: row.get(k) for k in RANK_FIELDS}
        rec["rank"] = int(rec["rank"])
        rec["stability"] = None if _nan(rec["stability"]) else float(rec["stability"])
        band = rec["rank_band"]
        rec["rank_band"] = None if band is None or _nan(band) else [int(b) for b in band]
        for key in ("uscc", "region_code"):
            rec[key] = None if _nan(rec[key]) or rec[key] == "" else rec[key]
        rec["sites"] = list(rec["sites"] or [])
        rec["flags"] = list(rec["flags"] or [])
        records.append(rec)
    return records
