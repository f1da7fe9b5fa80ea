"""Benchmark: rank 1,000,000 SYNTHETIC enterprises, against the previous method and peers.

The enterprises come from :func:`chainmap.synthetic.synthetic_registry` (every scope
names a chain keyword), classified once and stored as Parquet before any timing. Each
measurement then runs in a fresh Python process that reads that file (not timed) and
ranks it (timed, first call in the process):

- ``current``: ``rank_enterprises`` of this checkout;
- ``previous``: the same call in a git worktree of ``--baseline`` (default: the branch
  point of the polars-core issue, #20), so both run on this machine, in the same run;
- ``pandas``: a plain pandas peer of the same shape of work: eligible rows, each firm's
  first segment, strength on the same fixed log scales, a per-segment percentile of
  strength (``groupby().rank(pct=True)``), the top 20 per segment. It omits what makes
  chainmap's ranking explainable (stage one, groups, sites, signals, reasons), so it
  is a floor, not an equal;
- ``polars``: the same peer as a polars LazyFrame;
- ``loop``: the same peer as a plain Python loop over the full table (every row);
- ``no-huge``: ``current`` without stability, run with ``NUMPY_MADVISE_HUGEPAGE=0``
  (numpy's documented switch, read at import): numpy asks the kernel for transparent huge
  pages for every array of 4 MiB or more, and where the host's ``defrag`` setting makes a
  huge-page fault wait (``madvise``, ``always``), the ranking's fresh memory costs several
  times as much kernel time. The host's settings are printed; the ratio of the two says
  how much of ``current``'s time is the kernel's, not the ranking's.

Timed: without stability and with it (profile ``[stability]``) for the two methods.
Each child reports its peak resident memory (the table is written by a separate
process, so no child inherits a large parent's peak) and the system CPU time of the
timed call (page faults: on a shared machine the same ranking spent 0.2-0.7 s there).
The median, the fastest run and the median kernel time are printed, and the ratios of
the medians to ``previous`` and to the peers.

Usage::

    python benchmarks/rank.py                  # N = 1,000,000
    python benchmarks/rank.py --n 200000 --repeat 3
    python benchmarks/rank.py --baseline none  # no previous method
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
DEFAULT_BASELINE = "df95e0e"  # main before issue #20

CHILD = r"""
import json, resource, sys, time
import pandas as pd
from chainmap.analysis.scoring import rank_enterprises
from chainmap.model.chain import load_chain
table = pd.read_parquet(sys.argv[1])
chain = load_chain(sys.argv[2])
stability = sys.argv[3] == "1"
kwargs = {"with_stability": stability, "top_per_segment": 20}
sys0 = resource.getrusage(resource.RUSAGE_SELF).ru_stime
t0 = time.perf_counter()
ranking = rank_enterprises(chain, table, **kwargs)
elapsed = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
peak, kernel = usage.ru_maxrss / 1024, usage.ru_stime - sys0
print(json.dumps({"seconds": elapsed, "rows": len(ranking), "peak_mib": peak, "sys": kernel}))
"""


def _peers() -> tuple[str, ...]:
    """The peers to run: polars only where it is installed (a dependency; said once)."""
    import importlib.util

    if importlib.util.find_spec("polars") is None:
        print("no polars peer: pip install polars", file=sys.stderr)
        return ("pandas", "loop")
    return ("pandas", "polars", "loop")


PEERS = _peers()

PEER = r"""
import json, math, resource, sys, time
kind = sys.argv[2]
if kind == "polars":
    import polars as pl
import numpy as np
import pandas as pd
table = pd.read_parquet(sys.argv[1])
HOME, K = "330723", 20
LO = {"revenue": (0.1, 1000.0), "registered_capital": (100.0, 1e6), "employees": (10.0, 1e4)}
W = {"revenue": 0.4, "registered_capital": 0.2, "employees": 0.2}
sys0 = resource.getrusage(resource.RUSAGE_SELF).ru_stime
t0 = time.perf_counter()
if kind == "pandas":
    t = table[["enterprise_id", "region_code", "active", "segments", "listed", "flags", *W]]
    t = t[t["active"] & t["region_code"].ne(HOME)]
    t = t.assign(segment=t["segments"].str[0]).dropna(subset=["segment"])
    strength = 0.1 * t["listed"].notna() + 0.1 * t["flags"].str.contains("高新", na=False)
    for c, (lo, hi) in LO.items():
        x = np.log10(t[c].where(t[c] > 0))
        s = ((x - math.log10(lo)) / (math.log10(hi) - math.log10(lo))).clip(0, 1)
        strength = strength + W[c] * s.fillna(0.0)
    t = t.assign(strength=strength)
    t = t.assign(score=0.5 * t.groupby("segment")["strength"].rank(pct=True) + 0.5 * strength)
    t = t.sort_values(["segment", "score", "enterprise_id"], ascending=[True, False, True])
    out = t.groupby("segment").head(K)
elif kind == "polars":
    lf = pl.from_pandas(table[["enterprise_id", "region_code", "active", "listed", "flags", *W]])
    lf = lf.with_columns(segment=pl.Series([s[0] if len(s) else None for s in table["segments"]]))
    def scaled(c, lo, hi):
        x = pl.when(pl.col(c) > 0).then(pl.col(c).log10())
        v = ((x - math.log10(lo)) / (math.log10(hi) - math.log10(lo))).clip(0, 1)
        return W[c] * v.fill_null(0.0).fill_nan(0.0)
    strength = (
        0.1 * pl.col("listed").is_not_null()
        + 0.1 * pl.col("flags").str.contains("高新").fill_null(False)
        + sum(scaled(c, lo, hi) for c, (lo, hi) in LO.items())
    )
    out = (
        lf.lazy()
        .filter(pl.col("active") & (pl.col("region_code") != HOME) & pl.col("segment").is_not_null())
        .with_columns(strength=strength)
        .with_columns(
            score=0.5 * (pl.col("strength").rank("average").over("segment")
                         / pl.len().over("segment")) + 0.5 * pl.col("strength")
        )
        .sort(["segment", "score", "enterprise_id"], descending=[False, True, False])
        .group_by("segment", maintain_order=True).head(K)
        .collect()
    )
else:  # loop: the same peer in plain Python over every row
    cols = {c: table[c].tolist() for c in ["enterprise_id", "region_code", "active", "segments",
                                           "listed", "flags", *W]}
    by_seg = {}
    for i in range(len(table)):
        segs = cols["segments"][i]
        if not cols["active"][i] or cols["region_code"][i] == HOME or not len(segs):
            continue
        st = 0.1 * (cols["listed"][i] is not None and cols["listed"][i] == cols["listed"][i])
        f = cols["flags"][i]
        st += 0.1 * (isinstance(f, str) and "高新" in f)
        for c, (lo, hi) in LO.items():
            v = cols[c][i]
            if v == v and v is not None and v > 0:
                x = (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
                st += W[c] * min(1.0, max(0.0, x))
        by_seg.setdefault(segs[0], []).append((st, cols["enterprise_id"][i]))
    out = []
    for seg, rows in by_seg.items():
        rows.sort()
        n = len(rows)
        pct, j = {}, 0
        while j < n:  # average rank of ties, as pandas rank(pct=True)
            k = j
            while k + 1 < n and rows[k + 1][0] == rows[j][0]:
                k += 1
            for m in range(j, k + 1):
                pct[m] = (j + k + 2) / 2 / n
            j = k + 1
        scored = sorted(((-(0.5 * pct[m] + 0.5 * r[0]), r[1]) for m, r in enumerate(rows)))
        out.extend((seg, eid) for _, eid in scored[:K])
elapsed = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
peak, kernel = usage.ru_maxrss / 1024, usage.ru_stime - sys0
print(json.dumps({"seconds": elapsed, "rows": len(out), "peak_mib": peak, "sys": kernel}))
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


def _run(
    tree: Path,
    table: Path,
    chain: str,
    stability: bool,
    peer: str | None = None,
    *,
    huge_pages: bool = True,
) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    if not huge_pages:
        env["NUMPY_MADVISE_HUGEPAGE"] = "0"
    args = (
        [PEER, str(table), peer] if peer else [CHILD, str(table), chain, "1" if stability else "0"]
    )
    out = subprocess.run(
        [sys.executable, "-c", *args],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise SystemExit(f"{tree}: the child failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _huge_page_settings() -> str:
    """The kernel's transparent huge-page settings (the bracketed word is the one in use)."""
    base = Path("/sys/kernel/mm/transparent_hugepage")
    try:
        return "; ".join(
            f"{name} {(base / name).read_text().strip()}" for name in ("enabled", "defrag")
        )
    except OSError:
        return "not reported by this system"


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
        # In its own process: a child inherits its parent's peak RSS, so the parent stays small.
        subprocess.run(
            [sys.executable, __file__, "--write-table", str(table), str(args.n), args.chain],
            check=True,
        )
        trees = {"current": ROOT}
        if args.baseline != "none":
            trees["previous"] = _baseline_tree(args.baseline, tmp)
        try:
            results: dict[tuple[str, bool], list[dict]] = {}
            for rep in range(args.repeat):  # interleaved, so all see the same machine load
                # The order flips every other repeat: the first child after the peers ran
                # measurably slower, whichever method it was.
                flip = (lambda x: x[::-1]) if rep % 2 else (lambda x: x)
                for stability in flip((False, True)):
                    for name, tree in flip(list(trees.items())):
                        results.setdefault((name, stability), []).append(
                            _run(tree, table, args.chain, stability)
                        )
                results.setdefault(("no-huge", False), []).append(
                    _run(ROOT, table, args.chain, False, huge_pages=False)
                )
                for peer in PEERS:  # loop: every row, however long
                    results.setdefault((peer, False), []).append(
                        _run(ROOT, table, args.chain, False, peer)
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
    print(f"transparent huge pages: {_huge_page_settings()}")
    # "kernel s": the median system CPU time of the timed call. On a shared machine the
    # kernel's page faults vary (0.2-0.7 s for the same ranking): a slow run shows it here.
    print(
        f"{'method':<10} {'stability':<10} {'median s':>9} {'fastest s':>10} {'kernel s':>9} "
        f"{'rows':>7} {'peak MiB':>9}"
    )
    medians = {}
    for (name, stability), runs in sorted(results.items()):
        med = statistics.median(r["seconds"] for r in runs)
        medians[(name, stability)] = med
        print(
            f"{name:<10} {'yes' if stability else 'no':<10} {med:>9.2f} "
            f"{min(r['seconds'] for r in runs):>10.2f} "
            f"{statistics.median(r.get('sys', float('nan')) for r in runs):>9.2f} "
            f"{runs[-1]['rows']:>7} {max(r['peak_mib'] for r in runs):>9.0f}"
        )
    for stability in (False, True):
        if ("previous", stability) in medians:
            ratio = medians[("current", stability)] / medians[("previous", stability)]
            print(
                f"ratio current/previous ({'with' if stability else 'without'} stability): "
                f"{ratio:.2f}"
            )
    ratio = medians[("current", False)] / medians[("no-huge", False)]
    print(f"ratio current/no-huge (numpy's huge-page advice off): {ratio:.2f}")
    for peer in PEERS:
        ratio = medians[("current", False)] / medians[(peer, False)]
        print(f"ratio current/{peer} peer (without stability): {ratio:.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write-table"]:
        _write_table(Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        main()
