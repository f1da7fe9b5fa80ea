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
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = {
    "import pandas": [sys.executable, "-c", "import pandas"],
    "chainmap rank fluorochem": [sys.executable, "-m", "chainmap", "rank", "fluorochem"],
}


_CACHE = tempfile.mkdtemp(prefix="chainmap-startup-pyc-")
_ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "PYTHONPYCACHEPREFIX": _CACHE,
}


def _seconds(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, cwd=Path(__file__).parent, env=_ENV)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    for argv in COMMANDS.values():  # warm the file and bytecode caches once, untimed
        _seconds(argv)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, argv in COMMANDS.items():
            times[name].append(_seconds(argv))
    print(f"fresh processes, {args.runs} runs each, interleaved ({sys.executable})")
    for name, runs in times.items():
        print(f"{name:<26} median {statistics.median(runs):6.2f} s  min {min(runs):6.2f} s")
    ratio = statistics.median(times["chainmap rank fluorochem"]) / statistics.median(
        times["import pandas"]
    )
    print(f"ratio chainmap rank / import pandas (medians): {ratio:.2f}")
    shutil.rmtree(_CACHE, ignore_errors=True)


if __name__ == "__main__":
    main()
