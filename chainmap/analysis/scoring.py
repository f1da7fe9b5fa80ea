"""Explainable enterprise ranking: who fills the home region's gaps, and why.

Each target enterprise gets four criteria, each a percentile in [0, 1]
(``rank(method="average", pct=True)``): gap priority, feasibility, strength and
affinity. The score is their weighted sum, so it splits exactly into
per-criterion contributions. ``docs/methods.md`` gives every formula.
"""

from __future__ import annotations

from collections.abc import Mapping
import itertools
import math
from typing import Any

import numpy as np
import pandas as pd

from chainmap.analysis.gaps import segment_status
from chainmap.analysis.holdings import Holdings, prepare_holdings
from chainmap.model.chain import Chain
from chainmap.model.home import Home, resolve_home
from chainmap.model.profile import as_profile, min_confidence
from chainmap.model.values import is_blank, split_list
from chainmap.model.vocab import CRITERIA, is_chinese

__all__ = [
    "RANK_FIELDS",
    "describe_ranking",
    "flat_rank_columns",
    "rank_enterprises",
    "rank_records",
    "stability",
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
    "reasons",
)


def flat_rank_columns(fields: tuple[str, ...] = RANK_FIELDS) -> list[str]:
    """Column names for CSV/XLSX: ``contributions`` expanded to ``contributions.<criterion>``.

    Examples
    --------
    >>> flat_rank_columns()[9:13]
    ['contributions.gap_priority', 'contributions.feasibility', 'contributions.strength', 'contributions.affinity']
    """
    out: list[str] = []
    for f in fields:
        out.extend([f"contributions.{c}" for c in CRITERIA] if f == "contributions" else [f])
    return out


#: The columns the four criteria and the tie-breaks read.
_SCORING_COLUMNS = (
    "enterprise_id",
    "name",
    "revenue",
    "revenue_year",
    "registered_capital",
    "capital_currency",
    "employees",
    "listed",
    "flags",
    "parent",
)
_QUALITY_FLAGS = ("高新技术企业", "专精特新", "小巨人", "单项冠军", "瞪羚")


def _pct(values: pd.Series, groups: pd.Series | list[pd.Series] | None = None) -> pd.Series:
    """Percentile rank in [0, 1], within ``groups`` if given; NaN (missing signal) stays NaN."""
    if groups is None:
        return values.rank(method="average", pct=True)
    return values.groupby(groups, sort=False).rank(method="average", pct=True)


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
    engine: str = "memory",
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Rank outside enterprises by how well they fill the home region's gaps.

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
        Compute stability under random weight perturbations (profile ``[stability]``).
    describe
        Add contributions, names and reasons (:func:`describe_ranking`); when
        False the rows keep the per-criterion ``_c_*`` columns instead.
    engine, scheduler
        ``memory`` (default) ranks the table in hand. ``stream`` and ``dask``
        read ``enterprises``, a file or directory, part by part
        (:func:`chainmap.analysis.stream.stream_rank`, same result); ``auto``
        streams inputs larger than ``AUTO_STREAM_BYTES``. ``scheduler`` is a
        dask scheduler address (default: a local cluster).

    Returns
    -------
    pandas.DataFrame
        Targets only, sorted by ``rank``, with the ``rank`` record columns of
        CONTRACTS.md (:data:`RANK_FIELDS`) plus the four criteria, the segment
        name, country, distance and zones. ``attrs`` records home and counts.

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
    if engine != "memory":
        from chainmap.analysis.stream import engine_for, stream_rank

        if engine_for(engine, enterprises) != "memory":
            return stream_rank(
                chain,
                enterprises,
                home=home,
                profile=profile,
                engine=engine_for(engine, enterprises),
                scheduler=scheduler,
                segments=segments,
                zone=zone,
                top=top,
                top_per_segment=top_per_segment,
                with_stability=with_stability,
                describe=describe,
            )
    prof = as_profile(profile)
    where = resolve_home(home, prof)
    level = level or where.level
    held = prepare_holdings(chain, enterprises, min_confidence=min_confidence(prof))
    if status is None:
        status = segment_status(chain, held, home=where, profile=prof, level=level)
    home_code = where.at(level)

    frame = held.frame
    active = held.active
    n_inactive = int((~active).sum())
    codes = (
        frame["region_code"]
        if "region_code" in frame.columns
        else pd.Series(None, index=frame.index)
    )
    # Missing and empty codes resolve to None alike, so the raw column serves here.
    at_home = held.region_at(level).eq(home_code).to_numpy() & active
    n_home = int(at_home.sum())
    rows = np.flatnonzero(active & ~at_home)  # positions of the candidate targets

    targets = status[status["target"]]
    stage_order = {s.id: s.stage_order for s in chain.ordered_segments()}

    # Best gap segment per enterprise: highest priority, then stage order, then id.
    order = targets.assign(_o=targets.index.map(stage_order), _id=targets.index)
    if segments:
        order = order[order.index.isin({chain.resolve(s) for s in segments})]
    order = order.sort_values(["priority", "_o", "_id"], ascending=[False, True, True]).index
    first = _first_of(frame["chain_segments"].to_numpy()[rows], list(order), chain)
    has_gap = first < len(order)
    best = pd.Series(np.asarray(order)[first[has_gap]], index=rows[has_gap], dtype="str")
    # The stage of each best segment, by position (Series.map of 477k strings took 0.15 s).
    stages = np.array([stage_order[s] for s in order], dtype=np.int64)[first[has_gap]]
    n_no_gap = len(rows) - len(best)
    # Score on the few columns the criteria read; the others join the returned rows only.
    wide = frame
    narrow = [c for c in frame.columns if c in _SCORING_COLUMNS]
    frame = frame[narrow].take(best.index)
    frame = frame.assign(segment=best.values, _pos=best.index.to_numpy(), _stage=stages)
    codes = codes.take(best.index)  # None for a missing or empty code, on the targets only
    codes = codes.astype(object).where(codes.notna() & (codes.astype(str) != ""), None)

    extra_zones = prof.get("zones") or {}
    if zone is not None:
        from chainmap.model import regions

        members = _zone_members(zone, extra_zones)
        inside = {
            c: zone in regions.region_zones(c, extra_zones)
            for c in pd.unique(codes.dropna())
            if isinstance(c, str) and c
        }
        # A plain bool array: an object-dtype mask would select columns, not rows.
        mask = codes.map(inside).fillna(False).to_numpy(dtype=bool) & bool(members)
        frame, codes = frame[mask], codes[mask]

    crit = _criteria(frame, codes, status, prof, where.code)
    weights = np.array([float(prof["weights"][c]) for c in CRITERIA])
    contrib = crit[list(CRITERIA)].to_numpy() * weights
    # score = ((c1 + c2) + c3) + c4, the same order in which a reader sums the contributions
    score = contrib[:, 0] + contrib[:, 1] + contrib[:, 2] + contrib[:, 3]

    # Sort and cut without the input's columns: they join the returned rows only, at the end
    # (carrying the string columns of every target through the sort cost 0.2 s at 1M firms).
    out = frame[["segment", "_pos"]].assign(score=score)
    out = out.assign(**{c: crit[c].to_numpy() for c in CRITERIA})
    for i, c in enumerate(CRITERIA):
        out[f"_c_{c}"] = contrib[:, i]
    out = out.assign(
        _stage=frame["_stage"].to_numpy(),
        _eid=frame["enterprise_id"].astype(str)
        if "enterprise_id" in frame
        else frame["name"].astype(str),
    )
    # Ties break by: higher gap priority, earlier stage, then enterprise id.
    out = out.take(_rank_order(out)).reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    if with_stability:
        st = prof["stability"]
        out["stability"] = stability(
            out[list(CRITERIA)].to_numpy(),
            weights,
            n=int(st["n"]),
            spread=float(st["spread"]),
            top_k=int(st["top_k"]),
            seed=int(st["seed"]),
        )
    else:
        out["stability"] = np.nan
    if top_per_segment is not None:
        out = out[out.groupby("segment").cumcount() < top_per_segment]
    if top is not None:
        out = out.head(top)
    out = out.reset_index(drop=True)
    rest = [c for c in wide.columns if c not in out.columns]
    out = pd.concat([out, wide[rest].take(out["_pos"].to_numpy()).reset_index(drop=True)], axis=1)
    out = out[[*wide.columns, *(c for c in out.columns if c not in wide.columns)]]
    out = out.drop(columns="_pos")
    out["strategy"] = out["segment"].map(status["strategy"])
    out.attrs.update(
        home=where.code,
        home_name=where.name,
        level=level,
        inactive_excluded=n_inactive,
        home_anchors_excluded=n_home,
        no_gap_segment=n_no_gap,
        candidates=len(frame),
    )
    return describe_ranking(out, chain, status, prof, where) if describe else out


def describe_ranking(
    ranking: pd.DataFrame,
    chain: Chain,
    status: pd.DataFrame,
    profile: Mapping[str, Any],
    where: Home,
) -> pd.DataFrame:
    """Add ``contributions``, region and segment names and ``reasons`` to ranked rows.

    :func:`rank_enterprises` does this for the rows it returns; with
    ``describe=False`` a caller can pick rows first (as the plan does) and
    describe only those. Each row's description depends on that row alone.
    """
    attrs = dict(ranking.attrs)
    out = ranking.reset_index(drop=True)
    out["contributions"] = [
        {c: float(row[f"_c_{c}"]) for c in CRITERIA} for row in out.to_dict(orient="records")
    ]
    out = _describe(out, chain, status, None, where, profile.get("zones") or {})
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


def _criteria(
    frame: pd.DataFrame,
    codes: pd.Series,
    status: pd.DataFrame,
    prof: Mapping[str, Any],
    home_code: str,
) -> pd.DataFrame:
    """The four criteria as percentiles (the reasons text re-reads the raw signals per row)."""
    from chainmap.model import regions

    seg = frame["segment"].reset_index(drop=True)
    # Group by integer codes of the segment, not its strings: the same groups, fewer
    # string hashes (five groupings over every target).
    group = pd.Series(pd.factorize(seg)[0])
    idx = seg.index
    codes = codes.reset_index(drop=True)

    # gap priority: strategy weight × segment importance of the best gap segment
    gap_raw = _lookup(seg, status["priority"].to_dict())

    # feasibility: chain adjacency, averaged with co-location density when computed
    adj = _lookup(seg, status["feasibility"].to_dict())
    dens = _lookup(seg, status["density"].to_dict())
    feas_raw = adj.where(dens.isna(), (adj + dens) / 2)

    # strength: size and quality signals, each a percentile within the segment
    def num(col: str) -> pd.Series:
        if col not in frame.columns:
            return pd.Series(np.nan, index=idx)
        return pd.to_numeric(frame[col].reset_index(drop=True), errors="coerce")

    revenue = num("revenue")
    year = num("revenue_year")
    # Figures from different years are never compared: percentile within segment × year,
    # and only where at least two firms report that year.
    rev_size = year.groupby([group, year], sort=False).transform("size")
    comparable = revenue.notna() & year.notna() & (rev_size >= 2)
    rev_pct = _pct(revenue.where(comparable), [group, year])
    capital = num("registered_capital")
    currency = (
        frame["capital_currency"].reset_index(drop=True).fillna("?")
        if "capital_currency" in frame.columns
        else pd.Series("?", index=idx)
    )
    cap_pct = _pct(capital, [group, currency.astype(str)])
    emp_pct = _pct(num("employees"), group)
    listed = (
        _per_value(frame["listed"], lambda v: isinstance(v, str) and v.strip() != "")
        if "listed" in frame.columns
        else pd.Series(False, index=idx)
    )
    flags = (
        _per_value(frame["flags"], _quality_flags)
        if "flags" in frame.columns
        else pd.Series([[] for _ in idx], index=idx)
    )
    listed_sig = pd.Series(np.where(listed.to_numpy(dtype=bool), 1.0, np.nan), index=idx)
    flag_sig = pd.Series(np.where(flags.map(len).to_numpy() > 0, 1.0, np.nan), index=idx)
    signals_pct = pd.DataFrame(
        {
            "revenue": rev_pct,
            "capital": cap_pct,
            "employees": emp_pct,
            "listed": listed_sig,
            "flags": flag_sig,
        }
    )
    strength_raw = signals_pct.fillna(0.5).mean(axis=1)  # a missing signal is neutral

    # affinity: target zones, distance decay from home, existing ties
    extra = prof.get("zones") or {}
    wanted = list(prof["affinity"]["zones"])
    uniq = [c for c in pd.unique(codes.dropna()) if c]
    zone_of = regions.zones_of(uniq, extra)
    in_zone = _lookup(codes, {c: float(any(z in wanted for z in zone_of[c])) for c in uniq})
    # Distances of each distinct region, looked up per row (registry tables repeat codes).
    dist_of = dict(zip(uniq, regions.distance_km_many(uniq, home_code).tolist(), strict=True))
    dist = _lookup(codes, dist_of)
    half = float(prof["affinity"]["distance_half_life_km"])
    decay = np.power(0.5, dist / half)
    ties = _ties(frame, status)
    parts = pd.DataFrame({"zone": in_zone, "distance": decay, "ties": ties})
    if ties.isna().all():
        parts = parts.drop(columns="ties")
    affinity_raw = parts.fillna(0.5).mean(axis=1)

    crit = pd.DataFrame(
        {
            "gap_priority": _pct(gap_raw),
            "feasibility": _pct(feas_raw),
            "strength": _pct(strength_raw, group),
            "affinity": _pct(affinity_raw),
        }
    )
    return crit


_RANK_KEYS = {
    "by": ["score", "gap_priority", "_stage", "_eid"],
    "ascending": [False, False, True, True],
}


def _rank_order(out: pd.DataFrame) -> np.ndarray:
    """Positions of ``out`` sorted by :data:`_RANK_KEYS` (as ``sort_values``, stable).

    Few rows tie on all three numbers (50 of 477k at 1M firms), so the numbers are
    sorted alone and the ids are compared only among tied rows: sorting every id
    string cost 0.68 s, this 0.1 s.
    """
    numbers = out[["score", "gap_priority", "_stage"]]
    score, gap, stage = (numbers[c].to_numpy(dtype=float) for c in numbers.columns)
    order = np.lexsort((stage, -gap, -score))  # the last key sorts first; NaN last, as pandas
    tied = numbers.take(order).duplicated(keep=False).to_numpy()  # NaN equals NaN here
    if tied.any():  # the tied rows' slots, in the same groups, now ordered by id within each
        sub = out.take(order[tied]).reset_index(drop=True)
        order[tied] = order[tied][sub.sort_values(**_RANK_KEYS).index.to_numpy()]
    return order


def _first_of(lists: np.ndarray, order: list[str], chain: Chain) -> np.ndarray:
    """Per list, the position in ``order`` of its earliest id (``len(order)`` when none).

    Replaces exploding the lists and sorting the long table (1M rows: 0.5 s → 0.15 s):
    each id becomes its position, and a row's best is the minimum over its run.
    """
    none = len(order)
    position = dict.fromkeys(chain.segments_by_id, none) | {s: i for i, s in enumerate(order)}
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    flat = np.fromiter(
        map(position.__getitem__, itertools.chain.from_iterable(lists)),
        dtype=np.int64,
        count=int(lengths.sum()),
    )
    flat = np.append(flat, none)  # so that the run of an empty last list starts inside
    starts = np.cumsum(lengths) - lengths
    return np.where(lengths > 0, np.minimum.reduceat(flat, starts), none) if len(lists) else starts


def _lookup(keys: pd.Series, mapping: Mapping[Any, Any]) -> pd.Series:
    """``keys.map(mapping).astype(float)``, one dictionary look-up per distinct key."""
    codes, uniques = pd.factorize(keys)
    values = np.array([mapping.get(u, np.nan) for u in uniques] + [np.nan], dtype=float)
    return pd.Series(values[codes], index=keys.index)  # code -1 (missing key) takes the NaN


def _per_value(column: pd.Series, func: Any) -> pd.Series:
    """``func`` of each cell, computed once per distinct value when the cells are hashable."""
    column = column.reset_index(drop=True)
    try:
        codes, uniques = pd.factorize(column)
    except TypeError:  # unhashable cells (lists): one call per row
        return column.map(func)
    results = [func(v) for v in uniques] + [func(None)]
    return pd.Series([results[c] for c in codes])


def _quality_flags(value: Any) -> list[str]:
    if not isinstance(value, (list, tuple)) and is_blank(value):
        return []
    items = value if isinstance(value, (list, tuple)) else split_list(value)
    return [f.strip() for f in items if any(q in str(f) for q in _QUALITY_FLAGS)]


def _ties(frame: pd.DataFrame, status: pd.DataFrame) -> pd.Series:
    """1 where the firm's group (``parent``) already has a firm at home; NaN where unknown."""
    idx = range(len(frame))
    if "parent" not in frame.columns:
        return pd.Series(np.nan, index=idx)
    parents = frame["parent"].reset_index(drop=True)
    anchors = {a for names in status["anchors"] for a in names}
    known = parents.notna() & (parents.astype(str).str.strip() != "")
    if not known.any():
        return pd.Series(np.nan, index=idx)
    tie = pd.Series(np.where(parents.isin(anchors).to_numpy(dtype=bool), 1.0, 0.0))
    return tie.where(known.to_numpy(), np.nan).astype(float)


def stability(
    criteria: np.ndarray,
    weights: np.ndarray,
    *,
    n: int = 200,
    spread: float = 0.20,
    top_k: int = 20,
    seed: int = 0,
) -> np.ndarray:
    """Share of ``n`` perturbed weight sets under which each row stays in the top ``top_k``.

    ``criteria`` is rows × criteria, already in rank order (row 0 ranks first),
    so ties at the top-K boundary break by that order. Each weight is multiplied
    by U(1 − spread, 1 + spread) and the set renormalised to sum to 1.

    Examples
    --------
    >>> crit = np.array([[1.0, 1.0], [0.5, 0.5], [0.0, 0.0]])
    >>> stability(crit, np.array([0.5, 0.5]), n=10, top_k=1).tolist()
    [1.0, 0.0, 0.0]
    """
    m = len(criteria)
    if m == 0 or n == 0:
        return np.full(m, np.nan)
    k = min(top_k, m)
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - spread, 1 + spread, size=(n, len(weights)))
    sets = weights * factors
    sets /= sets.sum(axis=1, keepdims=True)
    criteria = np.asarray(criteria, dtype=float)
    rows = _stability_candidates(criteria, sets, k)
    hits = np.zeros(m)
    hits[rows] = _top_k_hits(criteria[rows], sets, k)
    return hits / n


def _weighted(criteria: np.ndarray, w: np.ndarray) -> np.ndarray:
    # Column by column, so each row's score is the same whichever rows are passed.
    out = criteria[:, 0] * w[0]
    for j in range(1, criteria.shape[1]):
        out = out + criteria[:, j] * w[j]
    return out


def _top_k_hits(criteria: np.ndarray, sets: np.ndarray, k: int) -> np.ndarray:
    hits = np.zeros(len(criteria))
    for w in sets:
        scores = _weighted(criteria, w)
        kth = np.partition(-scores, k - 1)[k - 1]
        inside = -scores < kth
        need = k - int(inside.sum())
        if need > 0:
            ties = np.flatnonzero(-scores == kth)[:need]  # rank order breaks ties
            inside[ties] = True
        hits += inside
    return hits


def _stability_candidates(criteria: np.ndarray, sets: np.ndarray, k: int) -> np.ndarray:
    """Rows that can enter the top ``k`` under some weight set (exact pruning).

    Criteria are percentiles (≥ 0), so no row scores more than its score under
    the column-wise largest weights. The ``k``-th best score among the first
    rows is a lower bound of the ``k``-th best overall under every set; a row
    whose bound stays below the smallest such threshold is never in the top
    ``k`` nor tied at its edge, and leaving it out changes no other row's count.
    """
    m = len(criteria)
    head = min(m, 64 * k)
    if head == m or not np.isfinite(criteria).all() or (criteria < 0).any():
        return np.arange(m)
    floor = max(np.partition(-_weighted(criteria[:head], w), k - 1)[k - 1] for w in sets)
    best = _weighted(criteria, sets.max(axis=0))
    return np.flatnonzero(-best <= floor + 1e-9)


def _describe(
    out: pd.DataFrame,
    chain: Chain,
    status: pd.DataFrame,
    signals: pd.DataFrame | None,
    where: Home,
    extra_zones: Mapping[str, Any],
) -> pd.DataFrame:
    """Region names, segment names and the Chinese reasons text, for the returned rows only."""
    from chainmap.model import regions

    names, reasons, region_names, dist_col, zones_col = [], [], [], [], []
    for row in out.to_dict(orient="records"):
        s = row["segment"]
        srow = status.loc[s]
        code = row.get("region_code")
        code = code if isinstance(code, str) and code else None
        region = _region_label(code, row) if code else (row.get("country") or "")
        region_names.append(region)
        names.append(srow["name_zh"])
        parts = [_gap_phrase(chain, srow)]
        zones_here = regions.region_zones(code, extra_zones) if code else []
        zones_col.append(zones_here)
        if code is None:
            country = row.get("country") or "境外"
            if is_chinese(country):
                parts.append("地区未能解析, 距离与经济区按中性计")
            else:
                parts.append(f"境外企业({country}), 距离不计")
            dist_col.append(None)
        else:
            d = regions.distance_km(code, where.code)
            dist_col.append(None if d is None or (isinstance(d, float) and math.isnan(d)) else d)
            if zones_here:
                parts.append("、".join(zones_here))
            if dist_col[-1] is not None:
                parts.append(f"距{where.name}{dist_col[-1]:.0f}公里")
        parts.extend(_strength_phrases(row))
        reasons.append("; ".join(p for p in parts if p))
    out = out.assign(
        region=region_names,
        segment_name=names,
        reasons=reasons,
        distance_km=dist_col,
        zones=zones_col,
    )
    keep = [c for c in out.columns if not c.startswith("_")]
    front = [c for c in RANK_FIELDS if c in keep]
    rest = [c for c in keep if c not in front]
    return out[front + rest]


def _region_label(code: str, row: Mapping[str, Any]) -> str:
    """Province + city + county names of ``code``, e.g. 浙江省衢州市柯城区."""
    from chainmap.model import regions

    chain_codes = []
    current: str | None = code
    for level in ("county", "city", "province"):
        if current is None:
            break
        up = regions.ancestor(current, level)
        if up and up not in chain_codes:
            chain_codes.append(up)
    names = [regions.region_name(c) for c in reversed(chain_codes)]
    return "".join(dict.fromkeys(names))


def _gap_phrase(chain: Chain, srow: pd.Series) -> str:
    name = srow["name_zh"]
    strategy = srow["strategy"]
    if strategy == "补链":
        return f"补链: {name} (本地缺失; 上游{_few(chain, srow['held_upstream'])}、下游{_few(chain, srow['held_downstream'])}本地已有)"
    if strategy == "延链":
        side, ids = (
            ("上游", srow["held_upstream"])
            if srow["held_upstream"]
            else ("下游", srow["held_downstream"])
        )
        return f"延链: {name} (本地缺失; {side}{_few(chain, ids)}本地已有, 相距{srow['hops']}跳)"
    if strategy == "强链":
        return f"强链: {name} (本地{srow['count_home']}家, 区位商{srow['lq']:.2f})"
    return str(name)


def _few(chain: Chain, ids: list[str], limit: int = 2) -> str:
    names = [chain.segments_by_id[i].name_zh for i in ids[:limit]]
    return "、".join(names) + ("…" if len(ids) > limit else "")


def _strength_phrases(row: Mapping[str, Any]) -> list[str]:
    parts = []
    listed = row.get("listed")
    if isinstance(listed, str) and listed.strip():
        parts.append(f"上市公司 {listed.strip()}")
    flags = _quality_flags(row.get("flags"))
    if flags:
        parts.append("、".join(flags))
    revenue, year = row.get("revenue"), row.get("revenue_year")
    missing = []
    if _is_number(revenue):
        y = f"{int(float(year))}年" if _is_number(year) else "年份未知"
        parts.append(f"营收{float(revenue):g}亿元({y})")
    else:
        missing.append("营收")
    if not _is_number(row.get("registered_capital")):
        missing.append("注册资本")
    if not _is_number(row.get("employees")):
        missing.append("参保人数")
    if missing:
        parts.append("缺少" + "/".join(missing) + "信号(按中性计)")
    return parts


def _is_number(value: Any) -> bool:
    try:
        return value is not None and not math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def rank_records(ranking: pd.DataFrame) -> list[dict[str, Any]]:
    """The ``rank`` JSON records (exactly :data:`RANK_FIELDS`) from :func:`rank_enterprises`."""
    records = []
    for row in ranking.to_dict(orient="records"):
        rec = {k: row.get(k) for k in RANK_FIELDS}
        rec["rank"] = int(rec["rank"])
        rec["stability"] = None if _nan(rec["stability"]) else float(rec["stability"])
        for key in ("uscc", "region_code"):
            rec[key] = None if _nan(rec[key]) or rec[key] == "" else rec[key]
        records.append(rec)
    return records


def _nan(v: Any) -> bool:
    return is_blank(v)
