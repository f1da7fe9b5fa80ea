"""A narrow ranking (rank_narrow) gives, for any rows, the rows of the full ranking.

The plan ranks every candidate and shows a few: ``NarrowRanking.rows`` builds the
table's columns and the per-row details only for the rows asked for. The reference is
``rank_enterprises(..., describe=False)`` with the same options, taken whole.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chainmap import datasets
from chainmap.analysis.gaps import segment_status
from chainmap.analysis.holdings import prepare_holdings
from chainmap.analysis.plan import assemble_plan, build_plan, plan_counts
from chainmap.analysis.scoring import NarrowRanking, rank_enterprises, rank_narrow
from chainmap.model.home import resolve_home
from chainmap.model.profile import as_profile
from chainmap.synthetic import synthetic_registry


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Equal frames and attrs; object cells equal in type and repr (a dict holding NaN is
    not == to an equal one holding another NaN object)."""
    assert list(got.columns) == list(want.columns)
    assert got.dtypes.equals(want.dtypes) and got.index.equals(want.index)
    assert got.attrs == want.attrs
    plain = [c for c in want.columns if want[c].dtype != object]
    pd.testing.assert_frame_equal(got[plain], want[plain], check_exact=True)
    for name in want.columns.difference(plain):
        assert [(type(v), repr(v)) for v in got[name]] == [
            (type(v), repr(v)) for v in want[name]
        ], name


def _tables(chain):
    sample = datasets.enterprises(chain)
    registry = synthetic_registry(20_000, chain, seed=31)
    rng = np.random.default_rng(5)
    registry["flags"] = [
        [] if k == 0 else ["listed"] if k == 1 else ["失信被执行人"]
        for k in rng.integers(0, 4, len(registry))
    ]
    return {"sample": sample, "registry": registry}


@pytest.mark.parametrize("stability", [True, False])
@pytest.mark.parametrize("name", ["sample", "registry"])
def test_rows_of_a_narrow_ranking_equal_the_full_ranking(fluorochem, name, stability):
    table = _tables(fluorochem)[name]
    full = rank_enterprises(fluorochem, table, describe=False, with_stability=stability)
    narrow = rank_narrow(fluorochem, table, with_stability=stability)
    assert isinstance(narrow, NarrowRanking) and len(full) > 20
    frame = narrow.frame
    assert frame.attrs == full.attrs and len(frame) == len(full)
    assert len(frame.columns) < len(full.columns)
    _same(frame, full[frame.columns])
    n = len(full)
    by_segment = frame.groupby("segment").cumcount().to_numpy() < 2
    for mask in (
        np.ones(n, bool),
        np.zeros(n, bool),
        np.arange(n) % 3 == 1,
        by_segment,
        by_segment & frame["_foreign"].to_numpy(dtype=bool),
    ):
        _same(narrow.rows(frame[mask]), full[mask])
    picked = [n - 1, 3, 0]  # any order, any index
    _same(narrow.rows(frame.iloc[picked]), full.iloc[picked])


@pytest.mark.parametrize("name", ["sample", "registry"])
def test_a_plan_from_the_narrow_ranking_equals_one_from_the_full(fluorochem, name):
    table = _tables(fluorochem)[name]
    prof = as_profile(None)
    where = resolve_home(None, prof)
    held = prepare_holdings(fluorochem, table)
    status = segment_status(fluorochem, held, home=where, profile=prof)
    full = rank_enterprises(
        fluorochem, held, home=where, profile=prof, status=status, describe=False
    )
    counts = plan_counts(fluorochem, held, region_level="city", table=held.table)
    for options in ({}, {"fields": 8, "per_field": 12}):
        want = assemble_plan(fluorochem, status, full, counts, profile=prof, where=where, **options)
        got = build_plan(fluorochem, table, **options)
        assert got.to_dict() == want.to_dict()
        pd.testing.assert_frame_equal(got.targets, want.targets, check_exact=True)
        assert len(want.key_enterprises) > 3
