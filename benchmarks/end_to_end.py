"""Benchmark: raw export → import → classify → rank → plan on a SYNTHETIC registry.

Writes (once, not timed) a seeded synthetic **raw export** of ``N`` enterprises: one
UTF-8 CSV (with BOM, as Excel saves it) whose headers are the Chinese ones of a registry
export (企业名称, 统一社会信用代码, 登记状态, 注册资本 "1234.56万人民币", 成立日期,
所属省份/城市/区县, 经营范围, 参保人数, …). The rows come from
:func:`chainmap.synthetic.synthetic_registry` (12 % of firms name a keyword of the chain),
with **realistic business scopes**: 150–250 characters, built from the chains' real
vocabulary (the segment names and keywords of every bundled chain, with an operation
verb) and registry filler clauses, each kept only when the benchmark chain's classifier
finds nothing in it; so the chain is named only in the 12 % of firms the generator puts
in it, and the chain's share stays known.

Each stage then runs in its own subprocess, so its wall time and peak resident memory
(``ru_maxrss``) are its own:

1. **import**: ``chainmap import``'s path, :func:`import_enterprises`: the one table
   reader (encoding, header detection), the import normaliser (USCC check, capital, date
   and region parsing, every row kept or rejected with a reason), a canonical Parquet
   file; an export this large is read in parts of 250,000 rows, so memory stays that of
   a part;
2. **classify**: :func:`chainmap.analysis.stream.classify_file` on that file;
3. **rank**: :func:`chainmap.analysis.stream.stream_rank`, top 20 per gap segment,
   with stability;
4. **plan**: :func:`chainmap.analysis.stream.stream_plan`.

It prints per-stage time and peak memory, the totals, the time ratio between sizes and
a projection for 60M from the largest run.

Usage::

    python benchmarks/end_to_end.py                      # N = 1M and 10M
    python benchmarks/end_to_end.py --n 1000000          # one size
    python benchmarks/end_to_end.py --engine dask        # stages on a 2-worker LocalCluster

Targets (issue #20), on the 2-core development machine: 10M end to end on realistic
scopes in 3 minutes or less, within 4 GiB.
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
BUNDLED = ("fluorochem", "hydrogen", "lithium_battery", "nev", "power_tools")
BUNDLED += ("semiconductor_materials",)
BLOCK = 250_000  # rows generated and appended to the CSV at a time
SCOPE_MIN, SCOPE_MAX = 150, 250

#: Registry export headers (Chinese, as the exports spell them) for canonical columns.
RAW_HEADERS = {
    "name": "企业名称",
    "uscc": "统一社会信用代码",
    "legal_rep": "法定代表人",
    "status": "登记状态",
    "registered_capital": "注册资本",
    "founded": "成立日期",
    "country": "国家",
    "province": "所属省份",
    "city": "所属城市",
    "county": "所属区县",
    "address": "企业地址",
    "scope": "经营范围",
    "employees": "参保人数",
}


def vocabulary(chain_id: str = CHAIN) -> tuple[list[str], list[str]]:
    """(clauses from the other bundled chains' real vocabulary, registry filler clauses).

    A word of another chain that contains, or is contained in, a keyword of ``chain_id``
    is left out, so that only the generator's chain rows name the benchmark chain.
    """
    from chainmap.analysis.classify import Classifier
    from chainmap.model.chain import load_chain
    from chainmap.synthetic import _FILLER, _VERBS, _keywords

    chain = load_chain(chain_id)
    own = _keywords(chain)
    words = set()
    for other in BUNDLED:
        if other != chain_id:
            words.update(_keywords(load_chain(other)))
    words = sorted(w for w in words if not any(w in k or k in w for k in own))
    verbs = [v for v in _VERBS if v != "销售"]  # trade-only clauses would be filler too
    clauses = [f"{verbs[i % len(verbs)]}{w}" for i, w in enumerate(words)]
    # The chain's classifier decides, not its keyword list: a clause that names one of the
    # chain's markets (汽车, 光伏 …) or a catalogue phrase would put the firm in the chain.
    classifier = Classifier(chain)
    clauses = [c for c in clauses if not _in_chain(classifier.classify_row(c))]
    filler = [c for c in _FILLER if not _in_chain(classifier.classify_row(c))]
    return clauses, filler


def _in_chain(found) -> bool:
    return bool(found.segments or found.trade_segments)


def realistic_scopes(scopes: list[str], seed: int, start: int) -> list[str]:
    """Each scope lengthened to a drawn 150–250 characters with vocabulary clauses."""
    import numpy as np

    rng = np.random.default_rng([seed, start, 20])
    clauses, filler = vocabulary()
    pool = clauses + filler
    shortest = min(filler, key=len)
    targets = rng.integers(SCOPE_MIN, SCOPE_MAX + 1, len(scopes))
    picks = rng.integers(0, len(pool), (len(scopes), 40))
    out = []
    for scope, target, row in zip(scopes, targets.tolist(), picks.tolist(), strict=True):
        parts, size = [scope], len(scope)
        for i in row:
            if size >= target:
                break
            clause = pool[i] if size + 1 + len(pool[i]) <= SCOPE_MAX else shortest
            parts.append(clause)
            size += 1 + len(clause)
        out.append("；".join(parts))
    return out


def raw_export(frame, seed: int, start: int):
    """The canonical synthetic rows as a registry export: Chinese headers, text cells."""
    import numpy as np

    cap = frame["registered_capital"].map("{:.2f}".format)
    unit = np.where(frame["capital_currency"] == "USD", "万美元", "万人民币")
    raw = frame.assign(
        scope=realistic_scopes(frame["scope"].tolist(), seed, start),
        registered_capital=cap + unit,
        founded=frame["founded"].dt.strftime("%Y-%m-%d"),
        employees=frame["employees"].map(lambda v: "" if v != v else f"{v:.0f}"),
    )
    return raw[list(RAW_HEADERS)].rename(columns=RAW_HEADERS)


def _raw_path(root: Path, n: int) -> Path:
    # v2: clauses filtered by the chain's classifier (v1 put 66 % of firms in the chain)
    return root / f"synthetic_raw_export_v2_{n}.csv"


def _dataset(root: Path, n: int) -> Path:
    from chainmap.model.chain import load_chain
    from chainmap.synthetic import synthetic_registry

    path = _raw_path(root, n)
    if not path.exists():
        print(f"writing a raw export of {n:,} synthetic enterprises to {path} …", file=sys.stderr)
        root.mkdir(parents=True, exist_ok=True)
        chain = load_chain(CHAIN)
        part = path.with_suffix(".part")
        with part.open("w", encoding="utf-8-sig", newline="") as out:
            for start in range(0, n, BLOCK):
                size = min(BLOCK, n - start)
                frame = synthetic_registry(size, chain, seed=0, start=start)
                raw_export(frame, 0, start).to_csv(out, index=False, header=start == 0)
        part.replace(path)
    return path


def _stage(stage: str, raw: Path, work: Path, engine: str) -> dict:
    """Run one stage in this process; return its own wall time and peak RSS."""
    from chainmap.analysis import stream
    from chainmap.model.chain import load_chain

    chain = load_chain(CHAIN)
    tree = _TreeMemory()  # this process and its workers together (ru_maxrss: one process)
    imported = work / "synthetic_imported.parquet"
    classified = work / "synthetic_classified"
    start = time.perf_counter()
    info: dict = {}
    if stage == "import":
        from chainmap.outputs.enterprises import import_enterprises

        report = import_enterprises(raw, imported)  # as chainmap import: in parts when large
        info.update(rows=report.kept, read=report.read)
    elif stage == "classify":
        info.update(stream.classify_file(chain, imported, classified, engine=engine))
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
    info["tree_peak_mib"] = max(tree.stop(), info["peak_rss_mib"])
    return info


class _TreeMemory:
    """The largest sum of resident memory of this process and its descendants, sampled every
    0.2 s (psutil; without it, 0). A stage whose work runs in worker processes (the import's
    normalisers, dask's workers) is judged on this sum, not on one process's peak."""

    def __init__(self) -> None:
        import threading

        self.peak = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        try:
            import psutil
        except ImportError:
            return
        me = psutil.Process()
        while not self.done.wait(0.2):
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)

    def stop(self) -> float:
        self.done.set()
        self.thread.join()
        return self.peak / 2**20


def _scope_lengths(raw: Path) -> tuple[int, float, int]:
    import pandas as pd

    scopes = pd.read_csv(raw, usecols=["经营范围"], nrows=50_000, encoding="utf-8-sig")
    lengths = scopes["经营范围"].str.len()
    return int(lengths.min()), float(lengths.mean()), int(lengths.max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--data", type=Path, default=Path("/tmp/chainmap_bench"))
    parser.add_argument("--engine", choices=["stream", "dask"], default="stream")
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--raw", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--write-data", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:  # child process: one stage
        print(json.dumps(_stage(args.stage, args.raw, args.work, args.engine)))
        return
    if args.write_data:  # child process: the raw export of each N, and its scope lengths
        print(json.dumps({n: _scope_lengths(_dataset(args.data, n)) for n in args.n}))
        return

    results: dict[int, dict[str, dict]] = {}
    # The raw exports are written by a child process: Linux keeps a process's peak RSS across
    # exec, so a stage started from a process that had generated 1M rows reported that
    # process's peak (1,060 MiB for every stage) as its own.
    # (the scope lengths too: reading them took this process to 150 MiB).
    made = subprocess.run(
        [sys.executable, __file__, "--write-data", "--data", str(args.data), "--n"]
        + [str(n) for n in args.n],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    lengths = json.loads(made.stdout.strip().splitlines()[-1])
    for n in args.n:
        raw = _raw_path(args.data, n)  # written by the child
        lo, mean, hi = lengths[str(n)]
        print(
            f"N={n:,}: scope length on the first 50,000 rows: min {lo}, mean {mean:.0f}, max {hi}"
        )
        work = args.data / f"synthetic_work_{n}"
        work.mkdir(parents=True, exist_ok=True)
        results[n] = {}
        for stage in STAGES:
            cmd = [sys.executable, __file__, "--stage", stage, "--raw", str(raw)]
            cmd += ["--work", str(work), "--engine", args.engine]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode:
                raise SystemExit(f"stage {stage} failed:\n{done.stderr[-4000:]}")
            results[n][stage] = r = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"N={n:>11,} {stage:<9} {r['seconds']:8.1f} s  {r['peak_rss_mib']:8.0f} MiB"
                f" (with its workers {r.get('tree_peak_mib', 0):.0f} MiB)"
            )

    print(f"\nSYNTHETIC raw export, realistic scopes, chain {CHAIN}, engine {args.engine}")
    print(
        f"{'N':>12} | {'stage':<8} | {'seconds':>8} | {'peak RSS MiB':>12} | {'with workers':>12}"
    )
    for n, stages in results.items():
        for stage, r in stages.items():
            print(
                f"{n:>12,} | {stage:<8} | {r['seconds']:8.1f} | {r['peak_rss_mib']:12.0f}"
                f" | {r['tree_peak_mib']:12.0f}"
            )
        total = sum(r["seconds"] for r in stages.values())
        peak = max(r["peak_rss_mib"] for r in stages.values())
        tree = max(r["tree_peak_mib"] for r in stages.values())
        print(f"{n:>12,} | {'TOTAL':<8} | {total:8.1f} | {peak:12.0f} | {tree:12.0f}")
    sizes = sorted(results)
    totals = {n: sum(r["seconds"] for r in results[n].values()) for n in sizes}
    if len(sizes) > 1:
        a, b = sizes[0], sizes[-1]
        print(
            f"\ntime ratio {b:,}/{a:,} = {totals[b] / totals[a]:.2f} for a size ratio of {b / a:g}"
        )
    big = sizes[-1]
    per_m = totals[big] / (big / 1e6)
    print(
        f"\n10M at {per_m:.1f} s per million (if linear): {per_m * 10:.0f} s "
        f"(target ≤ 180 s); 60M: {per_m * 60 / 60:.1f} min. Measured at N={big:,}."
    )


if __name__ == "__main__":
    main()
