"""Benchmark: importing a raw registry export (``read_enterprises``) against its peers.

The input is the realistic synthetic raw export of ``benchmarks/end_to_end.py`` (Chinese
headers, "1234.56万人民币" capitals, 150–250-character business scopes, 95 % of rows with a
USCC, a fifth of those with a wrong check character), written once and untimed. Each
measurement runs in a fresh process, interleaved, and reports wall time and peak RSS:

- ``now``: ``read_enterprises(path)``, the import as ``chainmap import`` runs it (the one
  reader, then the column-by-column normaliser);
- ``rows reference``: the same reader, then ``normalise_enterprises(method="rows")``, the
  plain-Python reference that checks every row on its own;
- ``whole → Parquet`` / ``parts → Parquet``: all of ``chainmap import … -o x.parquet``,
  the file read whole then written (``read_enterprises`` + ``write_enterprises``), and
  read in parts of 250,000 rows (``import_enterprises``, which takes exports of 64 MiB or
  more that way); their files are compared byte for byte, and their peak memory is that of
  the process and its worker processes together (sampled every 0.2 s);
- ``previous``: ``read_enterprises`` in a git worktree of ``--baseline`` (default: main
  before the columnar import; ``--baseline none`` to skip);
- ``peer: pandas read_csv``: ``pd.read_csv(path, dtype=object)`` and nothing else, the
  floor of any pandas-based import (no header detection, no normalising, no report);
- ``peer: stdnum`` / ``now: numpy``: checking every USCC of the file with python-stdnum one
  by one, and with :func:`chainmap.model.uscc.valid_usccs` (the answers are compared).

Usage::

    python benchmarks/import_registry.py                 # N = 1,000,000
    python benchmarks/import_registry.py --n 200000 --repeat 3
    python benchmarks/import_registry.py --skip-reference --repeat 5 --baseline HEAD~1

Target (issue #20): 1M rows in 15 s or less.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import statistics
import subprocess
import sys

sys.path.insert(0, str(Path(__file__).resolve().parent))

from end_to_end import _dataset
from worktree import baseline_worktree

DEFAULT_BASELINE = "2f993c5"  # main before the columnar import

CHILD = r"""
import json, resource, sys, time
kind, path = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
if kind == "now":
    from chainmap.model.enterprises import read_enterprises
    table, report = read_enterprises(path)
    rows = len(table)
elif kind == "rows":
    from chainmap.model.enterprises import normalise_enterprises
    from chainmap.readwrite.reader import read_table
    frame = read_table(path)
    first = int(frame.attrs.get("first_row", 2))
    table, report = normalise_enterprises(
        frame, source=path, method="rows", row_numbers=range(first, first + len(frame))
    )
    rows = len(table)
elif kind in ("whole", "parts"):
    from end_to_end import _TreeMemory  # this process and its workers, summed
    from chainmap.outputs.enterprises import import_enterprises, write_enterprises
    out = sys.argv[3]
    tree = _TreeMemory()
    if kind == "whole":
        from chainmap.model.enterprises import read_enterprises
        table, report = read_enterprises(path)
        write_enterprises(table, out)
    else:
        report = import_enterprises(path, out, min_bytes=0)
    rows = report.kept
    tree_mib = tree.stop()
elif kind == "read_csv":
    import pandas as pd
    rows = len(pd.read_csv(path, dtype=object, encoding="utf-8-sig"))
elif kind in ("stdnum", "numpy"):
    import pandas as pd
    codes = pd.read_csv(path, dtype=object, usecols=["统一社会信用代码"], encoding="utf-8-sig")
    codes = [c for c in codes.iloc[:, 0].tolist() if isinstance(c, str)]
    t0 = time.perf_counter()
    if kind == "stdnum":
        from stdnum.cn import uscc
        valid = [uscc.is_valid(c) for c in codes]
    else:
        from chainmap.model.uscc import valid_usccs
        valid = valid_usccs(codes).tolist()
    rows = [len(codes), sum(valid)]
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
peak = max(peak, globals().get("tree_mib", 0))
print(json.dumps({"seconds": seconds, "rows": rows, "peak_mib": peak}))
"""


def _run(kind: str, path: Path, tree: Path | None = None) -> dict:
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    written = path.with_name(f"{path.stem}.{kind}.parquet")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(path), str(written)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tree or Path(__file__).parent,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--data", type=Path, default=Path("/tmp/chainmap_bench"))
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git revision, or none")
    parser.add_argument(
        "--skip-reference",
        action="store_true",
        help="leave out the row-by-row reference (about 100 s a run), to afford more repeats",
    )
    args = parser.parse_args()
    path = _dataset(args.data, args.n)
    labels = {
        "now": "now (read_enterprises)",
        "rows": "rows reference",
        "previous": f"previous ({args.baseline})",
        "read_csv": "peer: pandas read_csv",
        "whole": "whole → Parquet",
        "parts": "parts → Parquet",
        "stdnum": "peer: stdnum USCC check",
        "numpy": "now: numpy USCC check",
    }
    kinds = ["now", *([] if args.skip_reference else ["rows"]), "whole", "parts", "read_csv"]
    kinds += ["stdnum", "numpy"]
    results: dict[str, list[dict]] = {k: [] for k in kinds}
    with (
        baseline_worktree(args.baseline)
        if args.baseline != "none"
        else _nothing()
    ) as tree:  # fmt: skip
        if tree is not None:
            kinds.insert(2, "previous")
            results["previous"] = []
        for _ in range(args.repeat):
            for kind in kinds:
                tree_arg = tree if kind == "previous" else None
                results[kind].append(_run(kind if kind != "previous" else "now", path, tree_arg))
    print(f"N = {args.n:,} rows of a synthetic raw registry export ({path.name})")
    print(f"{'':32} {'median s':>9} {'min s':>8} {'peak MiB':>9}  rows")
    med = {}
    for kind in kinds:
        runs = results[kind]
        med[kind] = statistics.median(r["seconds"] for r in runs)
        low = min(r["seconds"] for r in runs)
        peak = max(r["peak_mib"] for r in runs)
        print(f"{labels[kind]:32} {med[kind]:9.2f} {low:8.2f} {peak:9.0f}  {runs[-1]['rows']}")
    assert results["stdnum"][-1]["rows"] == results["numpy"][-1]["rows"], "USCC answers differ"
    files = [path.with_name(f"{path.stem}.{k}.parquet") for k in ("whole", "parts")]
    same = files[0].read_bytes() == files[1].read_bytes()
    print()
    print(f"whole and parts files identical: {same}")
    peak = {k: max(r["peak_mib"] for r in results[k]) for k in ("whole", "parts")}
    print(
        f"parts / whole → Parquet:     {statistics.median(r['seconds'] for r in results['parts']) / statistics.median(r['seconds'] for r in results['whole']):.2f} time, {peak['parts'] / peak['whole']:.2f} peak memory"
    )
    if "rows" in med:
        print(f"rows reference / now:        {med['rows'] / med['now']:.2f}")
    if "previous" in med:
        print(f"previous / now:              {med['previous'] / med['now']:.2f}")
    print(f"now / pandas read_csv alone: {med['now'] / med['read_csv']:.2f}")
    print(f"stdnum / numpy USCC check:   {med['stdnum'] / med['numpy']:.1f}")
    per_m = med["now"] / (args.n / 1e6)
    print(f"import: {per_m:.1f} s per million rows (target ≤ 15 s)")


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    main()
