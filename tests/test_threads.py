"""chainmap.threads: work alongside the caller, and the ranking's use of it."""

from __future__ import annotations

import contextvars
import threading
import time

import numpy as np
import pytest

from chainmap import threads
from chainmap.threads import alongside, joined


@pytest.fixture
def started(monkeypatch):
    """The work :func:`alongside` starts on threads (its pool, as a subclass), by name."""
    count = []

    class Counted(threads.ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            count.append(getattr(args[0], "__name__", repr(args[0])))  # (fn: context.run)
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(threads, "ThreadPoolExecutor", Counted)
    monkeypatch.setattr(threads, "second_core", lambda: True)
    return count


def test_work_runs_on_another_thread_and_returns_its_value(started):
    with joined():
        where = alongside(threading.get_ident)
        assert where.result() != threading.get_ident()
        assert alongside(sum, [1, 2, 3]).result() == 6
    assert len(started) == 2


@pytest.mark.parametrize("why", ["inline", "one core"])
def test_work_runs_here_inline_or_on_one_core(monkeypatch, started, why):
    if why == "one core":
        monkeypatch.setattr(threads, "second_core", lambda: False)
    where = alongside(threading.get_ident, inline=why == "inline")
    assert where.done() and where.result() == threading.get_ident()
    assert started == []


@pytest.mark.parametrize("inline", [False, True])
def test_an_error_of_the_work_is_raised_by_result(started, inline):
    with joined():
        failed = alongside(int, "not a number", inline=inline)
        with pytest.raises(ValueError, match="not a number"):
            failed.result()


def test_a_thread_that_cannot_start_runs_the_work_here(monkeypatch, started):
    def refuse(self, *args, **kwargs):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    assert alongside(threading.get_ident).result() == threading.get_ident()


def test_joined_waits_for_the_work_on_an_error_too(started):
    done = []

    def slow():
        time.sleep(0.2)
        done.append(True)

    with pytest.raises(KeyError), joined():
        alongside(slow)
        raise KeyError("the caller's error")
    assert done == [True]  # (not left running past the block)


def test_the_work_sees_the_callers_context(started):
    var = contextvars.ContextVar("var", default="unset")
    var.set("set here")
    with joined():
        assert alongside(var.get).result() == "set here"
    with np.errstate(divide="raise"), joined():  # (numpy's error state: a context variable)
        with pytest.raises(FloatingPointError):
            alongside(np.divide, np.ones(1), np.zeros(1)).result()


def test_second_core_reads_the_affinity(monkeypatch):
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert threads.second_core() is False
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert threads.second_core() is True


@pytest.mark.parametrize("stability", [False, True])
def test_a_ranking_is_the_same_with_its_groups_on_a_second_thread(
    monkeypatch, fluorochem, started, stability
):
    """Polars hashes (NATIVE_MIN_ROWS 0) in both runs; only the thread differs."""
    from test_rank_vectorised import _grouped_registry

    from chainmap.analysis import holdings
    from chainmap.analysis.scoring import rank_enterprises, rank_narrow

    table = _grouped_registry(fluorochem)
    monkeypatch.setattr(holdings, "NATIVE_MIN_ROWS", 0)
    kwargs = {"with_stability": stability, "top": None, "top_per_segment": None}
    got = rank_enterprises(fluorochem, table, **kwargs)
    narrow = rank_narrow(fluorochem, table, with_stability=stability)
    assert started == ["_distinct", "_group_parts"] * 2  # the ids' check, the groups
    monkeypatch.setattr(threads, "second_core", lambda: False)
    want = rank_enterprises(fluorochem, table, **kwargs)
    want_narrow = rank_narrow(fluorochem, table, with_stability=stability)
    assert len(started) == 4
    assert want.attrs["group_duplicates"] > 0 and want["sites"].map(len).gt(0).any()
    assert got.to_csv() == want.to_csv() and got.attrs == want.attrs
    assert narrow.frame.to_csv() == want_narrow.frame.to_csv()


def test_repeated_ids_are_refused_with_the_check_on_a_second_thread(
    monkeypatch, fluorochem, started
):
    from chainmap.analysis import holdings
    from chainmap.analysis.holdings import prepare_holdings
    from chainmap.errors import InputError
    from chainmap.synthetic import synthetic_registry

    table = synthetic_registry(2000, fluorochem, seed=3, chain_share=1.0)
    table.loc[table.index[7], "enterprise_id"] = table["enterprise_id"].iloc[3]
    monkeypatch.setattr(holdings, "NATIVE_MIN_ROWS", 0)
    with pytest.raises(InputError, match="enterprise_id"):
        prepare_holdings(fluorochem, table)
    assert started == ["_distinct"]


#: A fresh interpreter starts slow work alongside, forks while it runs, and prints what
#: the child saw of it: the parent waits for the work before it forks.
_FORKED = r"""
import os, sys, time
from chainmap import threads
threads.second_core = lambda: True
done = []
def slow():
    time.sleep(0.3)
    done.append(True)
with threads.joined():
    threads.alongside(slow)
    pid = os.fork()
    if pid == 0:
        alive = [t.name for t in __import__("threading").enumerate()
                 if t.name.startswith("chainmap-alongside")]
        print("child", done, alive, flush=True)
        os._exit(0)
    os.waitpid(pid, 0)
"""


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="POSIX fork only")
def test_work_ends_before_the_process_forks():
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", _FORKED],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "child [True] []"
