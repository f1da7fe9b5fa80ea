"""Which engine ranks a table: the choice ``--engine auto`` makes by input size.

Kept apart from :mod:`chainmap.analysis.stream` (which re-exports these names), so a
command on a table in memory does not import the stream engine to learn that it needs
none of it (about 5 ms of ``chainmap rank``'s start-up, docs/scale.md section 19).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["AUTO_STREAM_BYTES", "ENGINES", "choose_engine"]

#: Engine names accepted by ``--engine`` (``auto`` picks by input size).
ENGINES = ("memory", "stream", "dask", "auto")

#: Under ``--engine auto``, inputs larger than this many bytes on disk stream.
AUTO_STREAM_BYTES = 256 * 2**20


def choose_engine(engine: str, source: str | Path | None) -> str:
    """Resolve ``auto``: ``stream`` when ``source`` is larger than :data:`AUTO_STREAM_BYTES`.

    Examples
    --------
    >>> choose_engine("dask", None), choose_engine("auto", None)
    ('dask', 'memory')
    """
    if engine != "auto":
        return engine
    if source is None:
        return "memory"
    root = Path(source)
    size = (
        sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        if root.is_dir()
        else root.stat().st_size
    )
    return "stream" if size > AUTO_STREAM_BYTES else "memory"
