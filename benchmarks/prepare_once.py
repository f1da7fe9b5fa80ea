"""Benchmark: an untagged table is classified once per plan (SYNTHETIC registry).

``build_plan`` on a raw (untagged) table must cost about what classifying it
once and planning the classified table costs: the status, the ranking and the
plan's counts share one :class:`~chainmap.analysis.holdings.Holdings`. Before
issue #14 each of them classified again (3 passes).

Prints the three timings and the ratio
``build_plan(untagged) / (classify once + build_plan(classified))``; the
target is at most 1.3.

Usage::

    python benchmarks/prepare_once.py             # 100,000 synthetic firms
    python benchmarks/prepare_once.py --n 20000   # quicker
"""

from __future__ import annotations

import argparse
import time

from chainmap.analysis.classify import assign_segments
from chainmap.analysis.plan import build_plan
from chainmap.model.chain import load_chain
from chainmap.synthetic import synthetic_registry


def _best(func, *args, repeat: int, **kwargs) -> tuple[object, float]:
    """The result and the best wall time of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = func(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return result, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="synthetic firms")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (best kept)")
    args = parser.parse_args()

    chain = load_chain("fluorochem")
    raw = synthetic_registry(args.n, chain, seed=1)
    assert "segments" not in raw.columns  # untagged: every row is classified from scope
    build_plan(chain, raw.head(2_000))  # warm the classifier and region tables

    plan_raw, t_raw = _best(build_plan, chain, raw, repeat=args.repeat)
    classified, t_classify = _best(assign_segments, chain, raw, repeat=args.repeat)
    plan_done, t_plan = _best(build_plan, chain, classified, repeat=args.repeat)
    assert plan_raw.to_dict() == plan_done.to_dict()  # the same plan either way

    ratio = t_raw / (t_classify + t_plan)
    print(f"SYNTHETIC registry, N={args.n:,}, fluorochem")
    print(f"build_plan(untagged):      {t_raw:.2f} s")
    print(f"classify once:             {t_classify:.2f} s")
    print(f"build_plan(classified):    {t_plan:.2f} s")
    print(f"ratio untagged / (classify + classified): {ratio:.2f}x (target ≤ 1.3x)")


if __name__ == "__main__":
    main()
