"""Worker processes for work done in parts: a national import, classification, ranking.

:class:`Workers` runs module-level functions on parts in ``python -m
chainmap.readwrite.workers`` processes: fresh interpreters, so nothing of the caller's
``__main__`` runs again (a script or notebook needs no ``if __name__ == "__main__"``
guard) and no thread state is forked (pyarrow runs threads). Each job's function and
arguments are pickled to a file in a private temporary folder; the worker answers with
one line and writes the result next to it. Results are taken in the order the jobs were
given, so the output does not depend on which worker finished first. At most one job
per worker runs and one more waits, pickled on disk (:data:`AHEAD`), so memory stays a
few parts, and the caller prepares the next part while the workers run.

A job a worker did not finish (an error, a worker that is gone) is run again in the
calling process, which so raises its error as it is. With one worker (one core, or
``workers=1``) every job runs in the calling process, as it is given.
"""

from __future__ import annotations

from collections.abc import Callable
import contextlib
import json
import os
from pathlib import Path
import pickle
import shutil
import subprocess
import sys
import tempfile
from typing import Any

from chainmap.collector import collector_paused

__all__ = ["AHEAD", "WORKERS", "Workers", "default_workers"]

#: At most this many worker processes (each holds a part; the machines this runs on have 2–8
#: cores and the parts are Python-bound, so two halve the time and keep memory small).
WORKERS = 2


#: Jobs given beyond one per worker. With none, a worker that finished waited while the
#: caller read and pickled the next part: the import's two workers were idle 40 % of the
#: time (the caller reads each CSV part of the export with pyarrow, about 0.5 s per
#: 100,000 rows). The extra job waits as a file, queued to a worker's input.
AHEAD = 1


def default_workers() -> int:
    """Worker processes to use here: the cores, at most :data:`WORKERS`."""
    return max(1, min(os.cpu_count() or 1, WORKERS))


class Workers:
    """Run jobs ``func(*args, **kwargs)`` in ``workers`` processes, results in job order.

    Examples
    --------
    >>> import operator
    >>> with Workers(1) as pool:
    ...     pool.map(operator.add, [(1, 2), (3, 4)])
    [3, 7]
    """

    def __init__(self, workers: int | None = None):
        self.workers = default_workers() if workers is None else max(int(workers), 1)
        if not sys.executable:  # embedded without an interpreter to start
            self.workers = 1
        self.procs: list[subprocess.Popen] = []
        self.waiting: list[tuple[subprocess.Popen, dict, Callable[[Any], None]]] = []
        self.sent = 0
        self.folder: Path | None = None

    def __enter__(self) -> Workers:
        return self

    def submit(
        self, take: Callable[[Any], None], func: Callable, *args: Any, **kwargs: Any
    ) -> None:
        """Run ``func(*args, **kwargs)``; ``take`` its result once the earlier jobs' are taken."""
        if self.workers == 1:
            take(func(*args, **kwargs))
            return
        if not self.procs:
            self._start()
        assert self.folder is not None
        spec = {
            "job": str(self.folder / f"{self.sent}.job"),
            "result": str(self.folder / f"{self.sent}.result"),
        }
        with open(spec["job"], "wb") as f:
            pickle.dump((func, args, kwargs), f, protocol=pickle.HIGHEST_PROTOCOL)
        proc = self.procs[self.sent % self.workers]
        self.sent += 1
        try:
            proc.stdin.write(json.dumps(spec) + "\n")
            proc.stdin.flush()
        except OSError:  # the worker has gone: its answer is empty, and the job is run here
            pass
        self.waiting.append((proc, spec, take))
        while len(self.waiting) > self.workers + AHEAD - 1:
            self._take_first()

    def drain(self) -> None:
        """Take the results of every job given so far."""
        while self.waiting:
            self._take_first()

    def map(self, func: Callable, jobs: list[tuple]) -> list:
        """``[func(*job) for job in jobs]``, the jobs run by the workers."""
        out: list = []
        for job in jobs:
            self.submit(out.append, func, *job)
        self.drain()
        return out

    def _start(self) -> None:
        import chainmap

        self.folder = Path(tempfile.mkdtemp(prefix="chainmap-workers-"))
        env = dict(os.environ)  # the workers import this chainmap, wherever it is
        here = str(Path(chainmap.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, env.get("PYTHONPATH")]))
        # polars' threads: each worker its share of the cores (the classifier's native
        # filter; on two cores, one thread each: 5 % less time than two threads each that
        # fight the other worker for both cores). A value the user set is kept.
        env.setdefault("POLARS_MAX_THREADS", str(max(1, (os.cpu_count() or 1) // self.workers)))
        # -P: the working directory is not put first on the path, where a folder named
        # chainmap (another checkout, an older copy) or pandas would shadow what the caller
        # imported; the workers find this chainmap through PYTHONPATH alone.
        command = [sys.executable, "-P", "-m", "chainmap.readwrite.workers"]
        for _ in range(self.workers):
            self.procs.append(
                subprocess.Popen(
                    command,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    encoding="utf-8",
                    env=env,
                )
            )

    def _take_first(self) -> None:
        proc, spec, take = self.waiting.pop(0)
        line = proc.stdout.readline() if proc.stdout else ""
        if line and json.loads(line) == "ok":
            # Written by our own worker, in our private folder; a part's candidates are
            # many small lists, so the collector waits (chainmap.collector).
            with open(spec["result"], "rb") as f, collector_paused():
                result = pickle.load(f)
        else:
            with open(spec["job"], "rb") as f:
                func, args, kwargs = pickle.load(f)
            result = func(*args, **kwargs)
        for name in ("job", "result"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(spec[name])
        take(result)

    def __exit__(self, *exc: object) -> None:
        for proc in self.procs:
            if exc[0] is None:
                with contextlib.suppress(OSError):  # (a worker that has gone)
                    proc.stdin.close()  # the worker's loop ends
            else:
                proc.kill()
        for proc in self.procs:
            proc.wait()
            if proc.stdout:
                proc.stdout.close()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def run_job(spec: dict) -> None:
    """Run the pickled job ``spec["job"]`` and pickle its result to ``spec["result"]``."""
    with open(spec["job"], "rb") as f:
        func, args, kwargs = pickle.load(f)  # written by the process that started this one
    result = func(*args, **kwargs)
    with open(spec["result"], "wb") as f:
        pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)


def main() -> None:
    """A worker: one answer line per job line, until stdin closes."""
    import signal

    # Ctrl-C reaches every process of the terminal's group: the caller handles it (its
    # previous output kept) and stops its workers, which so print nothing of their own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # One compute thread for pyarrow (it reads OMP_NUM_THREADS when its pool starts): the
    # workers already fill the cores, and pyarrow's threads fought the other worker for
    # them. Converting a normalised part of 100,000 rows to Arrow took 0.5 s with a
    # thread per core, 0.15 s with one. A value the user set is kept.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    for line in sys.stdin:
        try:
            run_job(json.loads(line))
            reply = "ok"
        except Exception as exc:  # the caller runs the job itself, and so raises it
            reply = f"{type(exc).__name__}: {exc}"
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
