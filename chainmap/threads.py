"""Work run on a second thread while the caller goes on.

A ranking of a national registry is mostly single-threaded numpy and Python, but the
hashing of its names and groups runs in polars and Arrow, which release the
interpreter lock. Run alongside the segment counts and the candidates' criteria, it
takes no wall time of its own on a machine with two cores (docs/scale.md, section 20).

The work given to :func:`alongside` reads only its own arguments and makes new
objects: nothing it touches is written by the caller meanwhile, so the result is the
same whichever thread finishes first. :func:`joined` waits, on leaving its block (an
error included), for every piece of work started in it, so no thread outlives the
call that started it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
import contextlib
import contextvars
import os
from typing import Any, TypeVar

__all__ = ["alongside", "joined", "second_core"]

T = TypeVar("T")

#: The work started inside the current :func:`joined` block (None: outside one).
_started: contextvars.ContextVar[list[Future] | None] = contextvars.ContextVar(
    "chainmap_started", default=None
)


def second_core() -> bool:
    """Whether this process may run on two cores or more (its CPU affinity, where the
    system reports one): on one, a second thread only takes turns with the first."""
    try:
        return len(os.sched_getaffinity(0)) > 1
    except (AttributeError, OSError):  # (not Linux)
        return (os.cpu_count() or 1) > 1


def alongside(fn: Callable[..., T], /, *args: Any, inline: bool = False) -> Future[T]:
    """``fn(*args)`` started now on a thread of its own; ``.result()`` waits for it and
    returns its value or raises its error.

    It runs here instead, before this returns, with ``inline``, on a single core
    (:func:`second_core`), or where no thread can start. It runs in a copy of the
    caller's context (numpy's error state, among others, is a context variable).

    Examples
    --------
    >>> with joined():
    ...     total = alongside(sum, range(10))
    ...     total.result()
    45
    """
    future: Future[T]
    if not inline and second_core():
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chainmap-alongside")
        try:
            # (shutdown without waiting: the thread ends with its one task, not before)
            future = pool.submit(contextvars.copy_context().run, fn, *args)
        except RuntimeError:  # (no thread can start: interpreter shutting down, or none)
            pool.shutdown(wait=False, cancel_futures=True)
        else:
            pool.shutdown(wait=False)
            _running.add(pool)
            future.add_done_callback(lambda _: _running.discard(pool))
            started = _started.get()
            if started is not None:
                started.append(future)
            return future
    future = Future()
    try:
        future.set_result(fn(*args))
    except Exception as error:  # (given to .result(), as a thread's would be)
        future.set_exception(error)
    return future


#: The pools whose one task is still running (:func:`_finish_before_fork`).
_running: set[ThreadPoolExecutor] = set()


def _finish_before_fork() -> None:
    """Let running work end, its thread included, before the process forks: a child
    forked while it holds a lock (polars', Arrow's, the import lock) could wait for that
    lock for ever. (chainmap's own workers are fresh interpreters, not forks; a caller's
    ``multiprocessing`` may fork.)"""
    for pool in list(_running):
        pool.shutdown(wait=True)


if hasattr(os, "register_at_fork"):  # (POSIX)
    os.register_at_fork(before=_finish_before_fork)


@contextlib.contextmanager
def joined() -> Iterator[None]:
    """Wait, on leaving the block, for the work :func:`alongside` started in it, on an
    error too (whose error is then the one raised: the work's own is left unread)."""
    started: list[Future] = []
    token = _started.set(started)
    try:
        yield
    finally:
        _started.reset(token)
        wait(started)
