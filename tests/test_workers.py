"""Worker processes: results in job order, errors raised as they are, workers that go away."""

from __future__ import annotations

import operator
import os
from pathlib import Path
import sys

import pytest

from chainmap.errors import InputError
from chainmap.readwrite.workers import Workers, default_workers


def _slow_square(x: int, delay: float) -> int:
    import time

    time.sleep(delay)
    return x * x


def _fails(x: int) -> int:
    raise InputError(f"bad part {x}", file="part.csv", row=x)


def test_results_come_in_job_order_whoever_finishes_first():
    jobs = [(k, 0.3 if k % 2 == 0 else 0.0) for k in range(6)]  # the even ones finish last
    with Workers(2) as pool:
        assert len(pool.procs) == 0  # started on the first job only
        got = pool.map(_slow_square, jobs)
        assert len(pool.procs) == 2
        folder = pool.folder
    assert got == [k * k for k in range(6)]
    assert folder is not None and not folder.exists()  # the jobs' files are removed


def test_one_worker_runs_the_jobs_here():
    with Workers(1) as pool:
        assert pool.map(operator.mul, [(2, 3), (4, 5)]) == [6, 20]
        assert pool.procs == []
    assert 1 <= default_workers() <= 2


def test_an_error_in_a_worker_is_raised_here_as_it_is():
    with pytest.raises(InputError) as caught, Workers(2) as pool:
        pool.map(_fails, [(7,)])
    assert "bad part 7" in str(caught.value) and caught.value.row == 7


@pytest.mark.skipif(not Path("/bin/false").exists(), reason="needs /bin/false")
def test_jobs_of_workers_that_are_gone_run_here(monkeypatch):
    monkeypatch.setattr(sys, "executable", "/bin/false")  # each worker exits at once
    with Workers(2) as pool:
        assert pool.map(operator.add, [(k, 1) for k in range(5)]) == [1, 2, 3, 4, 5]
        assert [p.wait(timeout=30) for p in pool.procs] == [1, 1]  # /bin/false: status 1


def test_a_chainmap_folder_in_the_working_directory_is_not_what_workers_import(
    tmp_path, monkeypatch
):
    """Workers import the caller's chainmap, not one that the working directory shadows."""
    fake = tmp_path / "chainmap"
    fake.mkdir()
    marker = tmp_path / "imported"
    (fake / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with Workers(2) as pool:
        assert pool.map(operator.add, [(k, 1) for k in range(4)]) == [1, 2, 3, 4]
        assert all(p.poll() is None for p in pool.procs)  # the workers are running
    assert not marker.exists()


def test_one_job_waits_beyond_one_per_worker():
    """The caller prepares the next part while the workers run (AHEAD)."""
    from chainmap.readwrite.workers import AHEAD

    seen: list[int] = []
    with Workers(2) as pool:
        for k in range(8):
            pool.submit(lambda _r: seen.append(len(pool.waiting)), operator.add, k, 1)
        pool.drain()
    assert max(seen) == 2 + AHEAD - 1  # when a result is taken, the others are still queued


def test_each_worker_gets_its_share_of_the_cores_for_polars(monkeypatch):
    """Two workers on n cores: n // 2 polars threads each (at least one); a value the user
    set is kept."""
    monkeypatch.delenv("POLARS_MAX_THREADS", raising=False)
    with Workers(2) as pool:
        got = pool.map(os.getenv, [("POLARS_MAX_THREADS",), ("POLARS_MAX_THREADS",)])
    assert got == [str(max(1, (os.cpu_count() or 1) // 2))] * 2
    monkeypatch.setenv("POLARS_MAX_THREADS", "3")
    with Workers(2) as pool:
        assert pool.map(os.getenv, [("POLARS_MAX_THREADS",)]) == ["3"]
