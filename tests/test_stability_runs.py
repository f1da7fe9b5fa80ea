"""The vectorised stability runs against the per-firm loop they replaced (the oracle).

``_ref_stability_runs`` is the pre-vectorisation code, kept here only as the reference:
the same draws from the same generator, the same plans, one firm and one tag at a time.
The pools come from real rankings of seeded synthetic registries (several chains, a large
pool, tags that tie on score and stage), so every branch of the best-tag choice runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chainmap.analysis import scoring, stability
from chainmap.analysis.stability import _segment_parts, stability_runs
from chainmap.analysis.strategy import plan_segments, status_of
from chainmap.model.chain import load_chain, load_chains
from chainmap.model.vocab import CRITERIA
from chainmap.synthetic import synthetic_registry


def _ref_lq(home, total):
    """The LQ of one run's home row, as the loop computed it (the runs' own is batched)."""
    h, t = home.sum(), total.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (home / h) / (total / t) if h > 0 and t > 0 else np.zeros_like(home)
    return np.nan_to_num(out, nan=0.0, posinf=0.0)


def _ref_stability_runs(chain, status, pool, profile, *, n, spread, top_k, seed, dropout=0.10):
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
    excluded = excluded | status["made_on_site"].to_numpy(dtype=bool)  # (TFE: never alone)
    context = set(status.index[status["held_nearby"].to_numpy(dtype=bool)])
    stage = {s.id: s.stage_order for s in chain.ordered_segments()}
    firm = pool[["strength", "affinity", "intent"]].to_numpy(dtype=float)
    tags = [[pos[t] for t in tl if t in pos] for tl in pool["chain_segments"]]
    ranks = np.empty((n, m), dtype=np.int64)
    for _ in range(n):
        w = weights * rng.uniform(1 - spread, 1 + spread, size=len(weights))
        w = w / w.sum()
        home = rng.binomial(rng.poisson(x_home).astype(np.int64), 1 - dropout)
        rest = rng.binomial(
            rng.poisson(np.maximum(x_total - x_home, 0)).astype(np.int64), 1 - dropout
        )
        total = home + rest
        lq = _ref_lq(home.astype(float), total.astype(float))
        st = {
            s: status_of(home[i], total[i] + other[i], lq[i], strong_lq)
            for i, s in enumerate(order)
        }
        plans = plan_segments(chain, st, hop_decay=decay, context_held=context)
        gp, fe, target = _segment_parts(
            {s: (p.strategy, p.feasibility) for s, p in plans.items()},
            order, gated | excluded, sw, importance, density,
        )  # fmt: skip
        gp = gp / gp.max() if gp.max() > 0 else gp
        fe = fe / fe.max() if fe.max() > 0 else fe
        seg_score = w[0] * gp + w[1] * fe
        firm_part = firm @ w[2:]
        keep = rng.random(sum(len(t) for t in tags)) >= dropout
        scores = np.full(m, -np.inf)
        k = 0
        for j, tl in enumerate(tags):
            best = None
            for t in tl:
                if keep[k] and target[t]:
                    key = (-seg_score[t], stage[order[t]], order[t])
                    if best is None or key < best[0]:
                        best = (key, t)
                k += 1
            if best is not None:
                scores[j] = seg_score[best[1]] + firm_part[j]
        ranking = np.lexsort((np.arange(m), -scores))
        rank = np.empty(m, dtype=np.int64)
        rank[ranking] = np.arange(1, m + 1)
        rank[np.isneginf(scores)] = m + 1
        ranks[_] = rank
    stability = (ranks <= top_k).mean(axis=0)
    lo = np.percentile(ranks, 5, axis=0, method="lower").astype(float)
    hi = np.percentile(ranks, 95, axis=0, method="higher").astype(float)
    return stability, lo, hi


@pytest.mark.parametrize(
    ("chains", "n", "seed", "home_share"),
    [
        ("fluorochem", 3000, 11, 0.02),
        ("lithium_battery", 2500, 3, 0.05),
        ("fluorochem,semiconductor_materials", 2000, 8, 0.0),  # home holds little: 建链 runs
        ("nev", 1500, 21, 0.2),
    ],
)
def test_vectorised_runs_equal_the_per_firm_loop(monkeypatch, chains, n, seed, home_share):
    chain = load_chains(chains.split(","))
    table = synthetic_registry(n, chain, seed=seed, chain_share=1.0, home_share=home_share)
    calls = []

    def recording(*args, **kwargs):
        got = stability_runs(*args, **kwargs)
        calls.append((args, kwargs, got))
        return got

    monkeypatch.setattr(scoring, "stability_runs", recording)
    scoring.rank_enterprises(chain, table, top=60)
    assert len(calls) == 1
    args, kwargs, got = calls[0]
    pool = args[2]
    assert len(pool) >= 100
    assert sum(len(t) > 1 for t in pool["chain_segments"]) > 10  # the best-tag choice runs
    want = _ref_stability_runs(*args, **kwargs)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)
    assert 0 < np.nanmean(got[0]) < 1  # runs that move the ranking
    # One importance for every segment and no weight on feasibility: the segments of
    # one strategy tie, so the stage and id tie-breaks decide a firm's tag.
    chain_, status, pool_, profile = args
    profile = {**profile, "weights": {**profile["weights"], CRITERIA[1]: 0.0}}
    flat = (chain_, status.assign(importance=0.5), pool_, profile)
    got = stability_runs(*flat, **kwargs)
    want = _ref_stability_runs(*flat, **kwargs)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)
    # Runs computed a block at a time: blocks that do not divide the runs, the same stream.
    monkeypatch.setattr(stability, "_BLOCK", 7)
    few = {**kwargs, "n": 45}
    for a, b in zip(stability_runs(*args, **few), _ref_stability_runs(*args, **few), strict=True):
        np.testing.assert_array_equal(a, b)


def test_no_runs_or_no_pool_give_nan(monkeypatch):
    chain = load_chain("fluorochem")
    table = synthetic_registry(300, chain, seed=1, chain_share=1.0)
    calls = []

    def recording(*args, **kwargs):
        calls.append((args, kwargs))
        return stability_runs(*args, **kwargs)

    monkeypatch.setattr(scoring, "stability_runs", recording)
    scoring.rank_enterprises(chain, table)
    args, kwargs = calls[0]
    got = stability_runs(*args, **{**kwargs, "n": 0})
    assert all(np.isnan(a).all() for a in got)


def test_status_codes_are_status_of_for_every_segment():
    from chainmap.analysis.stability import _STATUSES, _status_codes

    rng = np.random.default_rng(4)
    home = rng.integers(0, 3, 5000)
    total = home + rng.integers(0, 3, 5000).astype(float)
    lq = rng.choice([0.0, 0.5, 0.999, 1.0, 1.5, np.inf], 5000)
    got = [_STATUSES[c] for c in _status_codes(home, total, lq, 1.0)]
    want = [status_of(h, t, q, 1.0) for h, t, q in zip(home, total, lq, strict=True)]
    assert got == want and len(set(got)) == 4


@pytest.mark.parametrize("chain_id", ["fluorochem", "lithium_battery", "nev"])
def test_run_parts_equal_the_strategies_they_replace(chain_id):
    """Each run's gap priority, feasibility and targets on arrays, against
    ``_segment_parts(strategies(...))`` for random statuses: equal to the bit."""
    from chainmap.analysis.strategy import strategies
    from chainmap.model.profile import default_profile

    chain = load_chain(chain_id)
    order = sorted(chain.segments_by_id)  # not the chain's own order
    sw = default_profile()["strategy_weight"]
    rng = np.random.default_rng(5)
    importance = rng.random(len(order))
    density = np.where(rng.random(len(order)) < 0.3, np.nan, rng.random(len(order)))
    barred = rng.random(len(order)) < 0.15
    checked = 0
    for _ in range(300):
        codes = rng.choice(4, size=len(order), p=[0.2, 0.5, 0.2, 0.1])
        held = codes >= 2
        if not held.any():
            continue
        st = dict(zip(order, [stability._STATUSES[c] for c in codes], strict=True))
        want = _segment_parts(
            strategies(chain, st, hop_decay=0.7), order, barred, sw, importance, density
        )
        reach = stability._reach_of(chain, chain.feedstock, order, held, 0.7)
        got = stability._run_parts(codes, reach, barred, sw, importance, density)
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(a, b)
        checked += want[2].sum() > 0
    assert checked > 200
