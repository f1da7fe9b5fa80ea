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
import importlib
import sys

__all__ = ["collector_paused", "import_quietly"]


@contextlib.contextmanager
def collector_paused(*, promote: bool = False) -> Iterator[None]:
    """Pause the cyclic collector for the block (or decorated function), then restore it.

    Nested use is safe: only the outermost block that found it enabled enables it again.

    With ``promote``, the objects made in the block go straight to the collector's oldest
    generation when it ends. Use it for a block that returns many objects that outlive it
    (a list of 100,000 classification results): enabled again, the collector would
    otherwise scan them all at its next young pass only to find them alive, and again
    at the pass after (a tenth of the classifier's time). The young generations are
    collected as the block starts, so only the block's own objects are promoted; the
    oldest generation is scanned as usual at the next full pass. Nothing is promoted
    when the collector was disabled, or when the caller holds objects frozen with
    :func:`gc.freeze` (promoting goes through ``gc.freeze`` and ``gc.unfreeze``, which
    would release them; counting them walks the frozen objects, about 5 ms for two
    million, paid once per block).

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
    if was_enabled and promote:
        gc.collect(1)  # the caller's young objects: collected now, not promoted
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if promote and not gc.get_freeze_count():
                gc.freeze()  # every tracked object to the permanent generation (a list
                gc.unfreeze()  # splice), then all of it to the oldest: none is scanned
            gc.enable()


def import_quietly(name: str) -> None:
    """Import module ``name`` (if it is not imported yet) with the collector paused, its
    objects then promoted to the oldest generation (:func:`collector_paused`).

    Importing pandas makes about 300,000 objects, none of them garbage: the collector
    ran about 150 young passes and a full one over them while they were made (0.015 s
    of a 0.26 s ``import pandas``), and would scan them again as they age. The commands
    import pandas so at their start (``chainmap.cli``).

    >>> import_quietly("json")
    >>> "json" in sys.modules
    True
    """
    if name in sys.modules:
        return
    with collector_paused(promote=True):
        importlib.import_module(name)
