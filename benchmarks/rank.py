"""Benchmark: rank 1,000,000 SYNTHETIC enterprises, against the previous method, fresh processes.

The enterprises come from :func:`chainmap.synthetic.synthetic_registry` (every scope
names a chain keyword), classified once and stored as Parquet before any timing. Each
measurement then runs in a fresh Python process that reads that file and calls
``rank_enterprises`` of one source tree:

- ``current``: this checkout (the two-stage method of the credible-targeting issue);
- ``previous``: the same call in a git worktree of ``--baseline`` (default: the commit
  before the two-stage method), so both run on this machine, in the same run.

Timed: the ranking without stability, and with it (profile ``[stability]``). Each child
also reports its peak resident memory. The ratios current / previous are printed.

Usage::

    python benchmarks/rank.py                  # N = 1,000,000
    python benchmarks/rank.py --n 200000 --repeat 3
    python benchmarks/rank.py --baseline none  # current only
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import statistics
import subprocess
import sys
import tempfile

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BASELINE = "1c2b199"

CHILD = r"""
import json, resource, sys, time
import pandas as pd
from chainmap.analysis.scoring import rank_enterprises
from chainmap.model.chain import load_chain
table = pd.read_parquet(sys.argv[1])
chain = load_chain(sys.argv[2])
stability = sys.argv[3] == "1"
kwargs = {"with_stability": stability, "top_per_segment": 20}
t0 = time.perf_counter()
ranking = rank_enterprises(chain, table, **kwargs)
elapsed = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "rows": len(ranking), "peak_mib": peak}))
"""


def _write_table(path: Path, n: int, chain_id: str) -> None:
    from chainmap.analysis.classify import assign_segments
    from chainmap.model.chain import load_chain
    from chainmap.synthetic import synthetic_registry

    chain = load_chain(chain_id)
    table = synthetic_registry(n, chain, seed=7, chain_share=1.0)
    done = assign_segments(chain, table[["scope"]])
    table = table.assign(segments=done["segments"], segments_source=done["segments_source"])
    table.drop(columns=["scope"]).to_parquet(path)


def _run(tree: Path, table: Path, chain: str, stability: bool) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(table), chain, "1" if stability else "0"],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise SystemExit(f"{tree}: the child failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _baseline_tree(rev: str, where: Path) -> Path:
    tree = where / "baseline"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), rev], check=True
    )
    # The wheel ships graphs/ as chainmap.graphs; from a bare tree on PYTHONPATH, point the
    # package at the tree's own data (not at the installed checkout's).
    (tree / "chainmap" / "graphs").symlink_to(tree / "graphs", target_is_directory=True)
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--chain", default="fluorochem")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git revision, or none")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        table = tmp / "registry_synthetic.parquet"
        _write_table(table, args.n, args.chain)
        trees = {"current": ROOT}
        if args.baseline != "none":
            trees["previous"] = _baseline_tree(args.baseline, tmp)
        try:
            results: dict[tuple[str, bool], list[dict]] = {}
            for _ in range(args.repeat):  # interleaved, so both see the same machine load
                for stability in (False, True):
                    for name, tree in trees.items():
                        results.setdefault((name, stability), []).append(
                            _run(tree, table, args.chain, stability)
                        )
        finally:
            if "previous" in trees:
                subprocess.run(
                    [
                        "git",
                        "-C",
                        str(ROOT),
                        "worktree",
                        "remove",
                        "--force",
                        str(trees["previous"]),
                    ],
                    check=False,
                )
    print(f"rank_enterprises on {args.n:,} synthetic firms ({args.chain}), fresh process each")
    print(f"{'method':<10} {'stability':<10} {'median s':>9} {'rows':>7} {'peak MiB':>9}")
    medians = {}
    for (name, stability), runs in sorted(results.items()):
        med = statistics.median(r["seconds"] for r in runs)
        medians[(name, stability)] = med
        print(
            f"{name:<10} {'yes' if stability else 'no':<10} {med:>9.2f} "
            f"{runs[-1]['rows']:>7} {max(r['peak_mib'] for r in runs):>9.0f}"
        )
    for stability in (False, True):
        if ("previous", stability) in medians:
            ratio = medians[("current", stability)] / medians[("previous", stability)]
            print(
                f"ratio current/previous ({'with' if stability else 'without'} stability): "
                f"{ratio:.2f}"
            )


if __name__ == "__main__":
    main()
