"""The cyclic garbage collector paused while registry-sized tables are built.

Building a million small lists or dicts (segment lists, classification results,
ranking rows) makes no reference cycles, but each one counts towards the collector's
next pass, and every full pass re-scans all the objects made so far, the input
table's cells included. On a 1M-row table that was a fifth of the import's time and
most of the time spent turning Parquet list cells into lists. Reference counting
still frees everything as usual; only the cycle search waits until the block ends.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import gc

__all__ = ["collector_paused"]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block (or decorated function), then restore it.

    Nested use is safe: only the outermost block that found it enabled enables it again.

    Examples
    --------
    >>> import gc
    >>> with collector_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
