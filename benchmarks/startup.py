"""Benchmark: ``chainmap rank fluorochem`` on the bundled sample against ``import pandas``.

Both run as fresh processes, interleaved, in the same run (so both see the same machine
load); the medians and their ratio are printed. The goal of issue #20 is a ratio of
1.2 or less: the command should cost little more than the pandas it needs.

Both commands run with bytecode caches, as an installed wheel does (pip compiles it): the
caches go to a temporary ``PYTHONPYCACHEPREFIX``, and ``PYTHONDONTWRITEBYTECODE`` (set on
some machines, this one included) is cleared, else every run would compile chainmap's
sources again (about 0.05 s here). The first, untimed, run of each fills the caches.

Usage::

    python benchmarks/startup.py             # 7 runs each
    python benchmarks/startup.py --runs 15
    python benchmarks/startup.py --baseline 381f563 --command "rank fluorochem" \
        --command "show fluorochem"          # against an earlier revision, same run
"""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PANDAS = [sys.executable, "-c", "import pandas"]

_CACHE = tempfile.mkdtemp(prefix="chainmap-startup-pyc-")
_ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "PYTHONPYCACHEPREFIX": _CACHE,
}


def _seconds(argv: list[str], tree: Path | None = None) -> float:
    env = _ENV if tree is None else {**_ENV, "PYTHONPATH": str(tree)}
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, cwd=Path(__file__).parent, env=env)
    return time.perf_counter() - t0


def _measure(command: list[str], runs: int, baseline: Path | None) -> dict[str, list[float]]:
    """Medians of ``runs`` fresh processes: pandas, the baseline tree (if any), this tree."""
    argv = [sys.executable, "-m", "chainmap", *command]
    plan = {"import pandas": (PANDAS, None), "chainmap": (argv, None)}
    if baseline is not None:
        plan = {
            "import pandas": (PANDAS, None),
            "baseline": (argv, baseline),
            "chainmap": (argv, None),
        }
    for args, tree in plan.values():  # warm the file and bytecode caches once, untimed
        _seconds(args, tree)
    times: dict[str, list[float]] = {name: [] for name in plan}
    for _ in range(runs):
        for name, (args, tree) in plan.items():
            times[name].append(_seconds(args, tree))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--command",
        action="append",
        help="chainmap arguments to time, quoted (repeatable; default: rank fluorochem)",
    )
    parser.add_argument("--baseline", help="also time this git revision (a worktree)")
    args = parser.parse_args()
    commands = [c.split() for c in (args.command or ["rank fluorochem"])]
    with contextlib.ExitStack() as stack:
        tree = None
        if args.baseline:
            from worktree import baseline_worktree

            tree = stack.enter_context(baseline_worktree(args.baseline))
        print(f"fresh processes, {args.runs} runs each, interleaved ({sys.executable})")
        for command in commands:
            times = _measure(command, args.runs, tree)
            pandas = statistics.median(times["import pandas"])
            for name, runs in times.items():
                label = name if name == "import pandas" else f"chainmap {' '.join(command)}"
                if name == "baseline":
                    label += f" @ {args.baseline}"
                ratio = statistics.median(runs) / pandas
                print(
                    f"{label:<44} median {statistics.median(runs):6.3f} s"
                    f"  min {min(runs):6.3f} s  ratio to import pandas {ratio:5.2f}"
                )
    shutil.rmtree(_CACHE, ignore_errors=True)


if __name__ == "__main__":
    main()
