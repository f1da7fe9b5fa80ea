"""Benchmark: ``chainmap rank fluorochem`` on the bundled sample against ``import pandas``.

Both run as fresh processes, interleaved, in the same run (so both see the same machine
load); the medians and their ratio are printed. The goal of issue #20 is a ratio of
1.2 or less: the command should cost little more than the pandas it needs.

Usage::

    python benchmarks/startup.py             # 7 runs each
    python benchmarks/startup.py --runs 15
"""

from __future__ import annotations

import argparse
from pathlib import Path
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "import pandas": [sys.executable, "-c", "import pandas"],
    "chainmap rank fluorochem": [sys.executable, "-m", "chainmap", "rank", "fluorochem"],
}


def _seconds(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, cwd=Path(__file__).parent)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    for argv in COMMANDS.values():  # warm the file cache once, untimed
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


if __name__ == "__main__":
    main()
