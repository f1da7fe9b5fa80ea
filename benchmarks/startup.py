"""Benchmark: ``chainmap rank fluorochem`` on the bundled sample against ``import pandas``.

Both run as fresh processes, interleaved, in the same run (so both see the same machine
load); the medians and their ratio are printed. The goal of issue #20 is a ratio of
1.2 or less: the command should cost little more than the pandas it needs.

Both commands run with bytecode caches, as an installed wheel does (pip compiles it): the
caches go to a temporary ``PYTHONPYCACHEPREFIX``, and ``PYTHONDONTWRITEBYTECODE`` (set on
some machines, this one included) is cleared, else every run would compile chainmap's
sources again (about 0.05 s here). The first, untimed, run of each fills the caches.

A second peer imports pandas as chainmap's commands do, with the cyclic collector
paused and the objects then promoted (``chainmap.collector.import_quietly``): it shows
that the pause itself saves ``import pandas`` almost nothing (its objects are scanned
once at exit either way); what it saves is the command's later collections rescanning
pandas' 300,000 objects.

``--floor`` adds another peer: a process that imports every module the command imports
(listed by one untimed run of the command, in the order it imported them) and ends as
the command's entry point ends (``gc.freeze``), doing nothing else. It is the floor of
this command's start-up while it imports what it imports: the ratio no change to the
work alone can pass. ``--phases`` times the command's work phase by phase in fresh
processes whose imports are done first (:data:`PHASES`), each as a share of ``import
pandas``: 1.2x leaves 0.2 of it for all the work.

Usage::

    python benchmarks/startup.py             # 7 runs each
    python benchmarks/startup.py --floor --command "rank fluorochem"
    python benchmarks/startup.py --phases --command "gaps fluorochem"  # where the work goes
    python benchmarks/startup.py --runs 15
    python benchmarks/startup.py --baseline 381f563 --command "rank fluorochem" \
        --command "show fluorochem"          # against an earlier revision, same run
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
from pathlib import Path
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PANDAS = [sys.executable, "-c", "import pandas"]
#: pandas imported as chainmap's commands import it: the cyclic collector paused, the
#: objects then promoted (``chainmap.collector.import_quietly``). A second peer, printed
#: so the ratio to plain ``import pandas`` (the issue's measure) can be read without it.
PANDAS_QUIET = [
    sys.executable,
    "-c",
    "from chainmap.collector import import_quietly; import_quietly('pandas')",
]

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


# Runs the command as ``python -m chainmap`` does, then prints the modules it imported.
_LIST_MODULES = """
import sys
before = set(sys.modules)
sys.argv = ["chainmap", *sys.argv[1:]]
from chainmap.cli import main
try:
    main()
except SystemExit:
    pass
print("-- modules --")
print("\\n".join(m for m in sys.modules if m not in before))
"""


# Imports the modules listed, in that order (the first lines of the floor and the phases).
_IMPORT_ALL = """
import importlib, sys
for m in {names!r}:
    if m not in sys.modules:
        try:
            importlib.import_module(m)
        except ImportError:
            pass
"""


def _floor(command: list[str]) -> list[str]:
    """``python -c`` arguments importing what ``command`` imports, then freezing as it ends."""
    body = _IMPORT_ALL.format(names=_imported(tuple(command))) + "import gc\ngc.freeze()\n"
    return [sys.executable, "-c", body]


@functools.cache
def _imported(command: tuple[str, ...]) -> list[str]:
    """The modules ``command`` imports, in the order it imports them (one untimed run)."""
    listed = _stdout([sys.executable, "-c", _LIST_MODULES, *command])
    listed = listed.rpartition("-- modules --\n")[2].splitlines()  # (after its output)
    return [m for m in listed if m and m != "__main__"]


def _stdout(argv: list[str]) -> str:
    """What a child prints (it must succeed)."""
    run = subprocess.run(
        argv, check=True, capture_output=True, text=True, cwd=Path(__file__).parent, env=_ENV
    )
    return run.stdout


#: The phases ``--phases`` times: (label, module, function). Each is looked up where its
#: callers find it (a module attribute), so wrapping it times every call.
PHASES = (
    ("inputs (chain, sample, profile)", "chainmap.cli", "load_inputs"),
    ("ranking", "chainmap.analysis.scoring", "rank_enterprises"),
    ("  segment status", "chainmap.analysis.scoring", "segment_status"),
    ("  stability runs", "chainmap.analysis.scoring", "stability_runs"),
    ("  description", "chainmap.analysis.scoring", "describe_ranking"),
    ("segment status", "chainmap.analysis.gaps", "segment_status"),
    ("terminal table", "chainmap.outputs.tables", "render_table"),
)

# After _IMPORT_ALL (what the command imports), runs the command in the same process with
# each phase timed: the command's work alone, phase by phase.
_PHASES = """
import contextlib, io, json, time
spent = {}
def timed(label, f):
    def run(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return f(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - t0
    return run
for label, module, name in PHASES:
    mod = sys.modules.get(module)
    if mod is not None and hasattr(mod, name):
        setattr(mod, name, timed(label, getattr(mod, name)))
from chainmap.cli import cli
t0 = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        cli.main(COMMAND, standalone_mode=False)
    except SystemExit:
        pass
spent["work (all of it)"] = time.perf_counter() - t0
print(json.dumps(spent))
"""


def _phases(command: list[str], runs: int) -> dict[str, list[float]]:
    """Each phase's seconds in ``runs`` fresh processes, imports done before the work."""
    body = _IMPORT_ALL.format(names=_imported(tuple(command)))
    body += f"PHASES, COMMAND = {PHASES!r}, {command!r}\n" + _PHASES
    out: dict[str, list[float]] = {}
    for _ in range(runs + 1):  # (the first fills the bytecode caches: not counted)
        printed = _stdout([sys.executable, "-c", body])
        for label, seconds in json.loads(printed.strip().splitlines()[-1]).items():
            out.setdefault(label, []).append(seconds)
    order = [label for label, _, _ in PHASES] + ["work (all of it)"]  # (as PHASES lists them)
    return {label: out[label][1:] for label in order if len(out.get(label, ())) > 1}


def _measure(
    command: list[str], runs: int, baseline: Path | None, *, floor: bool = False
) -> dict[str, list[float]]:
    """Medians of ``runs`` fresh processes: pandas, the baseline tree (if any), this tree,
    and the import floor (``floor``)."""
    argv = [sys.executable, "-m", "chainmap", *command]
    plan = {"import pandas": (PANDAS, None), "quiet": (PANDAS_QUIET, None)}
    if baseline is not None:
        plan["baseline"] = (argv, baseline)
    if floor:
        plan["imports only"] = (_floor(command), None)
    plan["chainmap"] = (argv, None)
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
    parser.add_argument(
        "--floor", action="store_true", help="also time the command's imports alone (the floor)"
    )
    parser.add_argument(
        "--phases",
        action="store_true",
        help="also time the command's work phase by phase, its imports done first",
    )
    args = parser.parse_args()
    commands = [c.split() for c in (args.command or ["rank fluorochem"])]
    with contextlib.ExitStack() as stack:
        tree = None
        if args.baseline:
            from worktree import baseline_worktree

            tree = stack.enter_context(baseline_worktree(args.baseline))
        print(f"fresh processes, {args.runs} runs each, interleaved ({sys.executable})")
        for command in commands:
            times = _measure(command, args.runs, tree, floor=args.floor)
            pandas = statistics.median(times["import pandas"])
            for name, runs in times.items():
                label = name if name == "import pandas" else f"chainmap {' '.join(command)}"
                if name == "baseline":
                    label += f" @ {args.baseline}"
                if name == "imports only":
                    label = f"its imports only ({' '.join(command)})"
                if name == "quiet":
                    label = "import pandas, collector paused"
                ratio = statistics.median(runs) / pandas
                print(
                    f"{label:<44} median {statistics.median(runs):6.3f} s"
                    f"  min {min(runs):6.3f} s  ratio to import pandas {ratio:5.2f}"
                )
            if args.phases:  # as shares of import pandas: 1.2x leaves 0.2 for all the work
                print(f"  its work, imports done first ({args.runs} fresh processes):")
                for label, runs in _phases(command, args.runs).items():
                    median = statistics.median(runs)
                    print(
                        f"    {label:<40} {median:6.3f} s  {median / pandas:5.2f} of import pandas"
                    )
    shutil.rmtree(_CACHE, ignore_errors=True)


if __name__ == "__main__":
    main()
