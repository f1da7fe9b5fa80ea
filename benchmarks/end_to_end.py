"""Benchmark: import → classify → rank → plan on a SYNTHETIC national-scale registry.

Writes (once, not timed) a seeded synthetic registry of ``N`` enterprises as a
partitioned Parquet dataset (:func:`chainmap.synthetic.write_synthetic_registry`:
500k rows per file, row groups of 100k, 12 % of scopes naming a chain keyword),
then runs each stage in its own subprocess so that its wall time and peak
resident memory (``ru_maxrss``) are its own:

1. **import**: read every row group and check that it is canonical (the
   synthetic columns are canonical, so nothing is normalised; the row-by-row
   import normaliser's own speed is printed separately on a 20k sample);
2. **classify**: :func:`chainmap.analysis.stream.classify_file` writes the
   classified dataset (``segments``, ``segments_source``);
3. **rank**: :func:`chainmap.analysis.stream.stream_rank` on the classified
   dataset, top 20 per gap segment, with stability;
4. **plan**: :func:`chainmap.analysis.stream.stream_plan` on it.

Then it prints the table (N, stage, seconds, peak RSS), the time ratio between
runs, and a projection for 60M from the per-million figures of the largest run.

Usage::

    python benchmarks/end_to_end.py                      # N = 1M and 10M
    python benchmarks/end_to_end.py --n 1000000          # one size
    python benchmarks/end_to_end.py --engine dask        # stages on a 2-worker LocalCluster

Targets on a 2-core, 24 GiB machine: 1M under 30 s end to end; 10M under 6
minutes with peak memory under 4 GiB; time linear in N.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import resource
import subprocess
import sys
import time

STAGES = ("import", "classify", "rank", "plan")
CHAIN = "fluorochem"


def _dataset(root: Path, n: int) -> Path:
    from chainmap.model.chain import load_chain
    from chainmap.synthetic import write_synthetic_registry

    path = root / f"synthetic_registry_{n}"
    if not (path / "part-00000.parquet").exists():
        print(f"writing {n:,} synthetic enterprises to {path} …", file=sys.stderr)
        write_synthetic_registry(path, n, load_chain(CHAIN), seed=0)
    return path


def _stage(stage: str, raw: Path, classified: Path, engine: str) -> dict:
    """Run one stage in this process; return its own wall time and peak RSS."""
    from chainmap.analysis import stream
    from chainmap.model.chain import load_chain

    chain = load_chain(CHAIN)
    start = time.perf_counter()
    info: dict = {}
    if stage == "import":
        rows = 0
        for part in stream.parts(raw):
            for chunk in stream.iter_chunks(part):
                rows += len(chunk)
        info["rows"] = rows
    elif stage == "classify":
        info.update(stream.classify_file(chain, raw, classified, engine=engine))
    elif stage == "rank":
        ranking = stream.stream_rank(chain, classified, engine=engine, top_per_segment=20)
        info.update(targets=int(ranking.attrs["candidates"]), rows_out=len(ranking))
    elif stage == "plan":
        plan = stream.stream_plan(chain, classified, engine=engine)
        info.update(fields=len(plan.key_fields), enterprises=len(plan.key_enterprises))
    info["seconds"] = time.perf_counter() - start
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    info["peak_rss_mib"] = max(self_kb, child_kb) / 1024
    return info


def _import_normaliser_speed(raw: Path) -> float:
    """Seconds per million rows of the row-by-row import normaliser, on 20k rows."""
    import pandas as pd

    from chainmap.model.enterprises import normalise_enterprises

    sample = pd.read_parquet(next(iter(sorted(raw.glob("*.parquet"))))).head(20_000)
    start = time.perf_counter()
    normalise_enterprises(sample)
    return (time.perf_counter() - start) / len(sample) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--data", type=Path, default=Path("/tmp/chainmap_bench"))
    parser.add_argument("--engine", choices=["stream", "dask"], default="stream")
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--raw", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--classified", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:  # child process: one stage
        print(json.dumps(_stage(args.stage, args.raw, args.classified, args.engine)))
        return

    results: dict[int, dict[str, dict]] = {}
    for n in args.n:
        raw = _dataset(args.data, n)
        classified = args.data / f"synthetic_classified_{n}"
        results[n] = {}
        for stage in STAGES:
            cmd = [sys.executable, __file__, "--stage", stage, "--raw", str(raw)]
            cmd += ["--classified", str(classified), "--engine", args.engine]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            results[n][stage] = json.loads(out.strip().splitlines()[-1])
            r = results[n][stage]
            print(f"N={n:>11,} {stage:<9} {r['seconds']:8.1f} s  {r['peak_rss_mib']:8.0f} MiB")

    print(f"\nSYNTHETIC registry, chain {CHAIN}, engine {args.engine}")
    print(f"{'N':>12} | {'stage':<8} | {'seconds':>8} | {'peak RSS MiB':>12}")
    for n, stages in results.items():
        for stage, r in stages.items():
            print(f"{n:>12,} | {stage:<8} | {r['seconds']:8.1f} | {r['peak_rss_mib']:12.0f}")
        total = sum(r["seconds"] for r in stages.values())
        peak = max(r["peak_rss_mib"] for r in stages.values())
        print(f"{n:>12,} | {'TOTAL':<8} | {total:8.1f} | {peak:12.0f}")
    sizes = sorted(results)
    totals = {n: sum(r["seconds"] for r in results[n].values()) for n in sizes}
    if len(sizes) > 1:
        a, b = sizes[0], sizes[-1]
        print(
            f"\ntime ratio {b:,}/{a:,} = {totals[b] / totals[a]:.2f} for a size ratio of {b / a:g}"
        )
    big = sizes[-1]
    per_m = totals[big] / (big / 1e6)
    peak = max(r["peak_rss_mib"] for r in results[big].values())
    print(
        f"\nprojection for 60,000,000: {per_m * 60:.0f} s ({per_m * 60 / 60:.1f} min) from "
        f"{per_m:.1f} s per million measured at N={big:,}."
    )
    print(
        "assumptions: time linear in N (each stage reads every row group once and the "
        "candidate scoring is O(n log n) on ~12 % of rows); same chain, keyword share and "
        "synthetic column distributions; data on local disk; 2 cores. Peak memory grows "
        f"with the candidates kept for exact scoring: {peak:,.0f} MiB at N={big:,} → about "
        f"{peak * 60e6 / big:,.0f} MiB at 60M if all of it scaled (an upper bound: the "
        "per-chunk part does not grow); beyond one machine, --engine dask spreads the "
        "classify and per-part work across workers."
    )
    raw = _dataset(args.data, sizes[0])
    print(
        f"\nimport normaliser (row-by-row, non-canonical exports only): "
        f"{_import_normaliser_speed(raw):.1f} s per million rows, measured on 20k rows"
    )


if __name__ == "__main__":
    main()
