"""Fresh memory for registry-sized arrays: numpy's huge-page advice, off where it stalls.

numpy asks the kernel for transparent huge pages (``madvise(MADV_HUGEPAGE)``) for every
array of 4 MiB or more. Where the host's ``defrag`` setting makes a fault in such a
region compact memory synchronously (``always``, ``madvise``, ``defer+madvise``: the
kernel's admin guide, *Transparent Hugepage Support*), a long-running machine's
fragmented memory turns those faults into stalls: ranking a million firms spent
0.36-0.56 s in the kernel with the advice and 0.20-0.29 s without, for the same work
(docs/scale.md, section 19). :func:`huge_pages_unadvised` switches the advice off for a
block and restores it, through numpy's own switch (the one ``NUMPY_MADVISE_HUGEPAGE=0``
sets at import). It leaves the advice alone where faults do not stall (``defer``,
``never``), where the user set ``NUMPY_MADVISE_HUGEPAGE`` themselves, and where numpy
has no such switch.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import functools
import os
from pathlib import Path
import re

__all__ = ["huge_pages_unadvised"]

#: The kernel's setting: which faults in huge-page regions compact memory synchronously.
DEFRAG = Path("/sys/kernel/mm/transparent_hugepage/defrag")
#: ``defrag`` modes in which a fault in an advised region may stall on compaction.
STALLING = frozenset({"always", "madvise", "defer+madvise"})


def defrag_mode(text: str) -> str:
    """The selected mode of a ``defrag`` file's text (the bracketed one), else ``""``.

    >>> defrag_mode("always defer defer+madvise [madvise] never")
    'madvise'
    >>> defrag_mode("")
    ''
    """
    found = re.search(r"\[([\w+]+)\]", text)
    return found.group(1) if found else ""


@functools.cache
def _advice_stalls() -> bool:
    try:
        return defrag_mode(DEFRAG.read_text(encoding="ascii")) in STALLING
    except (OSError, UnicodeDecodeError):  # not Linux, or no transparent huge pages
        return False


def _switch():
    """numpy's ``_set_madvise_hugepage`` (it returns the previous setting), or None."""
    import numpy as np

    core = getattr(np, "_core", None) or getattr(np, "core", None)
    return getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)


@contextlib.contextmanager
def huge_pages_unadvised() -> Iterator[None]:
    """numpy's huge-page advice off for the block where the host would stall on it, then
    as it was (nested blocks and other callers see their own setting restored).

    >>> with huge_pages_unadvised():
    ...     pass
    """
    switch = None
    if "NUMPY_MADVISE_HUGEPAGE" not in os.environ and _advice_stalls():
        switch = _switch()
    if switch is None:
        yield
        return
    previous = switch(False)
    try:
        yield
    finally:
        switch(previous)
