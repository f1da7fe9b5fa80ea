"""A worker process of ``chainmap import``: it normalises the export parts it is sent.

:func:`chainmap.outputs.enterprises.import_enterprises` starts two of these with
``python -m chainmap.outputs.import_worker``: a fresh interpreter, so nothing of the
caller's ``__main__`` runs again (a script without an ``if __name__ == "__main__"`` guard
works) and no thread state is carried over by a fork. Each line on stdin is one JSON job
naming a part written as Arrow IPC; the worker writes the normalised part and its results
(:func:`~chainmap.outputs.enterprises.normalise_export_part`, pickled) to the files the
job names, then answers with one JSON line: ``"ok"``, or the error, which the caller
reproduces by normalising that part itself.
"""

from __future__ import annotations

import json
import os
import pickle
import sys

__all__ = ["main", "run_job"]


def run_job(job: dict) -> None:
    """Normalise the part ``job["raw"]`` into ``job["file"]``, its results into ``job["result"]``."""
    import pyarrow as pa

    from chainmap.outputs.enterprises import normalise_export_part
    from chainmap.readwrite.reader import ExportPart

    with pa.OSFile(job["raw"]) as source:
        cells = pa.ipc.open_file(source).read_all()
    part = ExportPart(cells, job["header"], job["first_row"], job["notes"])
    del cells
    done = normalise_export_part(part, job["file"], job["source"], job["mapping"], job["strict"])
    with open(job["result"], "wb") as f:
        pickle.dump(done, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.remove(job["raw"])  # only once done: a caller that normalises it itself still has it


def main() -> None:
    """Answer one line per job line until stdin closes."""
    for line in sys.stdin:
        try:
            run_job(json.loads(line))
            reply = "ok"
        except Exception as exc:  # the caller normalises the part itself, and so raises it
            reply = f"{type(exc).__name__}: {exc}"
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
