"""Stability of a ranking under perturbed data and weights (docs/methods.md).

Each run perturbs three things at once:

- the data: a Poisson bootstrap of the region × segment counts behind the segment
  status (each count ``x`` becomes ``Poisson(x)``), so a segment the home holds with a
  single firm can be lost in a run, as it would be if that one fact were wrong;
- the tags: each segment tag is dropped with probability ``dropout``, in the counts
  (binomial thinning) and in the scored firms' own tag lists;
- the weights: each is multiplied by ``U(1 - spread, 1 + spread)``, then renormalised.

Segment status, strategy, gap priority and feasibility are recomputed in every run
with the same functions as the real ranking (:mod:`chainmap.analysis.strategy`);
policy gates, importance and co-location density are held fixed. Firms are re-ranked
within the *pool* (the first rows of the real ranking); a firm whose tags all drop
ranks last in that run. ``stability`` is the share of runs in which a firm stays in
the top K; ``rank_band`` the 5th–95th percentile of its rank.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from chainmap.analysis.strategy import held_sides, strategies
from chainmap.model.chain import Chain
from chainmap.model.vocab import CRITERIA

__all__ = ["DROPOUT", "POOL_FACTOR", "segment_scores", "stability_runs"]

#: Runs computed at once (their draws first, in order): memory of a few arrays of
#: runs × pool size.
_BLOCK = 256
#: Probability that a segment tag is dropped in a run.
DROPOUT = 0.10
#: The pool re-ranked in each run is the first ``POOL_FACTOR × top_k`` rows (at least 100).
POOL_FACTOR = 5


def segment_scores(status: pd.DataFrame) -> pd.DataFrame:
    """Stage one: ``gap_priority`` and ``feasibility`` of each segment, scaled across segments.

    ``gap_priority`` is the segment's priority (strategy weight × importance) divided by
    the largest priority among target segments; ``feasibility`` the chain-adjacency
    feasibility (averaged with co-location density where computed) divided by the
    largest among target segments. Both are 0 for non-target segments. They depend on
    segments only, so adding candidate firms cannot change them.

    Examples
    --------
    >>> st = pd.DataFrame({"priority": [0.8, 0.4, 0.0], "feasibility": [0.5, 1.0, 1.0],
    ...     "density": [None, None, None], "target": [True, True, False]}, index=list("abc"))
    >>> segment_scores(st).to_dict("index")["b"]
    {'gap_priority': 0.5, 'feasibility': 1.0}
    """
    target = status["target"].astype(bool)
    gp = status["priority"].astype(float).where(target, 0.0)
    adj = status["feasibility"].astype(float)
    dens = pd.to_numeric(status["density"], errors="coerce")
    feas = adj.where(dens.isna(), (adj + dens) / 2).where(target, 0.0)
    return pd.DataFrame(
        {"gap_priority": _scaled(gp), "feasibility": _scaled(feas)}, index=status.index
    )


def _scaled(values: pd.Series) -> pd.Series:
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else values * 0.0


def stability_runs(
    chain: Chain,
    status: pd.DataFrame,
    pool: pd.DataFrame,
    profile: Mapping[str, Any],
    *,
    n: int,
    spread: float,
    top_k: int,
    seed: int,
    dropout: float = DROPOUT,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(stability, band_lo, band_hi)`` for the rows of ``pool`` (in rank order).

    ``pool`` holds the first rows of the real ranking with ``chain_segments`` (the
    firm's tags in the chain) and the firm-level criteria ``strength``, ``affinity``
    and ``intent``.
    """
    m = len(pool)
    if m == 0 or n == 0:
        return np.full(m, np.nan), np.full(m, np.nan), np.full(m, np.nan)
    rng = np.random.default_rng(seed)
    weights = np.array([float(profile["weights"][c]) for c in CRITERIA])
    strong_lq = float(profile["thresholds"]["strong_lq"])
    decay = float(profile["thresholds"]["hop_decay"])
    sw = profile["strategy_weight"]
    order = list(status.index)
    pos = {s: i for i, s in enumerate(order)}
    x_home = status["x_home"].to_numpy(dtype=float)
    x_total = status["x_total"].to_numpy(dtype=float)
    other = status["count_total"].to_numpy(dtype=float) - x_total
    importance = status["importance"].to_numpy(dtype=float)
    density = pd.to_numeric(status["density"], errors="coerce").to_numpy(dtype=float)
    gated = status["policy_gated"].to_numpy(dtype=bool)
    excluded = status["excluded_by_profile"].to_numpy(dtype=bool)
    if "made_on_site" in status.columns:  # (a captive segment: never a target alone)
        excluded = excluded | status["made_on_site"].to_numpy(dtype=bool)
    context = set(status.index[status["held_nearby"].to_numpy(dtype=bool)])
    graph = chain.feedstock
    firm = pool[["strength", "affinity", "intent"]].to_numpy(dtype=float)
    tags = [[pos[t] for t in tl if t in pos] for tl in pool["chain_segments"]]
    # The pool's tags flattened (firm j, segment t): a firm scores on its best kept
    # target tag (ties among tags give the same score, whichever stage or id wins them).
    tag_t = np.array([t for tl in tags for t in tl], dtype=np.int64)
    tag_j = np.repeat(np.arange(m), [len(tl) for tl in tags])

    ranks = np.empty((n, m), dtype=np.int64)
    planned: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    walks: dict = {}  # the feasibility walked from each held set (fewer than the statuses)

    def parts(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        held = codes >= 2  # weak or strong
        if not held.any():  # 建链: the chain's entry segments, as strategies() plans them
            st = dict(zip(order, [_STATUSES[c] for c in codes.tolist()], strict=True))
            return _segment_parts(
                strategies(chain, st, hop_decay=decay, context_held=context, graph=graph),
                order, gated | excluded, sw, importance, density,
            )  # fmt: skip
        key = held.tobytes()
        if key not in walks:
            walks[key] = _reach_of(chain, graph, order, held, decay)
        return _run_parts(codes, walks[key], gated | excluded, sw, importance, density)

    spare = np.maximum(x_total - x_home, 0)
    for first in range(0, n, _BLOCK):  # the runs a block at a time (memory: runs × pool)
        runs = min(_BLOCK, n - first)
        # The draws of each run, in the order every run draws them (the same stream).
        u = np.empty((runs, len(weights)))
        home = np.empty((runs, len(order)), dtype=np.int64)
        rest = np.empty((runs, len(order)), dtype=np.int64)
        keep = np.empty((runs, len(tag_t)), dtype=bool)
        for r in range(runs):
            u[r] = rng.uniform(1 - spread, 1 + spread, size=len(weights))
            home[r] = rng.binomial(rng.poisson(x_home).astype(np.int64), 1 - dropout)
            rest[r] = rng.binomial(rng.poisson(spare).astype(np.int64), 1 - dropout)
            keep[r] = rng.random(len(tag_t)) >= dropout
        # Then every run of the block at once, each as its own draws alone would give.
        w = weights * u
        w = w / w.sum(axis=1, keepdims=True)
        total = home + rest
        code = _status_codes(
            home, total + other, _lq(home.astype(float), total.astype(float)), strong_lq
        )
        gp = np.empty((runs, len(order)))
        fe = np.empty((runs, len(order)))
        target = np.empty((runs, len(order)), dtype=bool)
        for r in range(runs):
            key = code[r].tobytes()
            if key not in planned:  # runs often draw the same statuses: plan each once
                planned[key] = parts(code[r])
            gp[r], fe[r], target[r] = planned[key]
        seg_score = w[:, :1] * _scaled_rows(gp) + w[:, 1:2] * _scaled_rows(fe)
        firm_part = np.empty((runs, m))
        for r in range(runs):  # (one product per run, as each run computes it)
            firm_part[r] = firm @ w[r, 2:]
        # Each firm scores on its best kept target tag (the same score, whichever tag
        # of equal score wins); a firm with none ranks last.
        run_at, k = np.nonzero(keep & target[:, tag_t])
        best = np.full((runs, m), -np.inf)
        np.maximum.at(best, (run_at, tag_j[k]), seg_score[run_at, tag_t[k]])
        found = np.zeros((runs, m), dtype=bool)
        found[run_at, tag_j[k]] = True
        scores = np.full((runs, m), -np.inf)
        scores[found] = best[found] + firm_part[found]
        # rank within the pool: higher score first, the real rank order breaks ties
        ranking = np.lexsort((np.broadcast_to(np.arange(m), (runs, m)), -scores), axis=-1)
        rank = np.empty((runs, m), dtype=np.int64)
        np.put_along_axis(rank, ranking, np.arange(1, m + 1)[None, :], axis=1)
        rank[np.isneginf(scores)] = m + 1
        ranks[first : first + runs] = rank
    stability = (ranks <= top_k).mean(axis=0)
    lo = np.percentile(ranks, 5, axis=0, method="lower").astype(float)
    hi = np.percentile(ranks, 95, axis=0, method="higher").astype(float)
    return stability, lo, hi


_STATUSES = ("no_data", "missing", "weak", "strong")


def _status_codes(
    home: np.ndarray, total: np.ndarray, lq: np.ndarray, strong_lq: float
) -> np.ndarray:
    """:func:`status_of` of every segment at once, as indexes into ``_STATUSES``."""
    return np.where(total == 0, 0, np.where(home == 0, 1, np.where(lq < strong_lq, 2, 3)))


def _segment_parts(
    plans: Mapping[str, Any],
    order: list[str],
    barred: np.ndarray,
    sw: Mapping[str, Any],
    importance: np.ndarray,
    density: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw gap priority, feasibility and the target mask of one run's ``(strategy,
    feasibility)`` per segment (:func:`~chainmap.analysis.strategy.strategies`)."""
    gp = np.zeros(len(order))
    fe = np.zeros(len(order))
    target = np.zeros(len(order), dtype=bool)
    for i, s in enumerate(order):
        strategy, f = plans[s]
        if strategy is None or barred[i]:
            continue
        target[i] = True
        gp[i] = float(sw[strategy]) * (0.5 + 0.5 * importance[i])
        fe[i] = f if np.isnan(density[i]) else (f + density[i]) / 2
    return gp, fe, target


def _reach_of(
    chain: Chain, graph: Any, order: list[str], held: np.ndarray, decay: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For one set of held segments (a mask over ``order``): whether each segment has a
    held segment upstream, downstream, its feasibility, and whether it is a by-product
    (what :func:`~chainmap.analysis.strategy.strategies` reads besides the statuses)."""
    held_ids = {s for s, h in zip(order, held.tolist(), strict=True) if h}
    up, down, f = (np.array(v) for v in held_sides(graph, held_ids, decay, order))
    by_product = np.array(
        [bool(getattr(chain.segments_by_id[s], "by_product", False)) for s in order]
    )
    return up, down, f, by_product


def _run_parts(
    codes: np.ndarray,
    reach: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    barred: np.ndarray,
    sw: Mapping[str, Any],
    importance: np.ndarray,
    density: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_segment_parts` of :func:`~chainmap.analysis.strategy.strategies` for one
    run's status codes, on arrays: weak → 强链, missing held on both sides → 补链, on one
    → 延链 (``_strategy``), by-products none; the same arithmetic, element by element."""
    up, down, f, by_product = reach
    weak, missing = codes == 2, codes == 1
    both = missing & up & down
    planned = (weak | (missing & (up | down))) & ~by_product
    target = planned & ~barred
    weight = np.where(
        weak,
        float(sw["强链"]),
        np.where(both, float(sw["补链"]), float(sw["延链"])),
    )
    gp = np.where(target, weight * (0.5 + 0.5 * importance), 0.0)
    fe = np.where(target, np.where(np.isnan(density), f, (f + density) / 2), 0.0)
    return gp, fe, target


def _lq(home: np.ndarray, total: np.ndarray) -> np.ndarray:
    """LQ of the home row: (x_hs / Σ_s x_hs) / (x_s / Σ x), 0 where undefined (as :func:`rca`).

    Of each row when given runs × segments (each row as alone).
    """
    h = home.sum(axis=-1, keepdims=True)
    t = total.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((h > 0) & (t > 0), (home / h) / (total / t), 0.0)
    return np.nan_to_num(out, nan=0.0, posinf=0.0)


def _scaled_rows(values: np.ndarray) -> np.ndarray:
    """Each row divided by its largest value, where that is above 0 (else as it is)."""
    top = values.max(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(top > 0, values / top, values)


def pool_size(n_rows: int, top_k: int) -> int:
    """How many of the first rows are re-ranked in each run."""
    return min(n_rows, max(100, POOL_FACTOR * top_k))


__all__ += ["pool_size"]
