"""Inputs prepared once: holdings, home and profile are resolved once and passed on."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from chainmap import datasets
from chainmap.analysis import classify
from chainmap.analysis.gaps import gap_records, segment_status
from chainmap.analysis.holdings import Holdings, prepare_holdings
from chainmap.analysis.plan import build_plan
from chainmap.analysis.scoring import rank_enterprises, rank_records
from chainmap.model.home import Home, resolve_home

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def counted(monkeypatch):
    """Count classification passes and home resolutions."""
    calls = {"classify": 0, "home": 0}
    assign = classify.assign_segments

    def counting_assign(*args, **kwargs):
        calls["classify"] += 1
        return assign(*args, **kwargs)

    from chainmap.model import regions

    resolve = regions.resolve_region

    def counting_resolve(*args, **kwargs):
        calls["home"] += 1
        return resolve(*args, **kwargs)

    monkeypatch.setattr(classify, "assign_segments", counting_assign)
    monkeypatch.setattr(regions, "resolve_region", counting_resolve)
    return calls


def _untagged(chain):
    firms = datasets.enterprises(chain).head(12).copy()
    scopes = ["无水氟化氢生产", "聚偏氟乙烯生产", "萤石开采", "氟橡胶生产"]
    firms["scope"] = [scopes[i % len(scopes)] for i in range(len(firms))]
    firms["segments"] = [[] for _ in range(len(firms))]
    return firms.drop(columns=["segments_source"])


def test_plan_classifies_and_resolves_home_once(fluorochem, counted):
    plan = build_plan(fluorochem, _untagged(fluorochem), home="武义县")
    assert plan.params["counts"]["in_chain"] > 0
    assert counted == {"classify": 1, "home": 1}


def test_cli_plan_on_a_raw_file_classifies_once(invoke, counted):
    res = invoke(
        "plan", "fluorochem", "--enterprises", FIXTURES / "registry_gbk_title_synthetic.csv"
    )
    assert res.exit_code == 0, res.output
    assert counted["classify"] == 1


def test_prepared_and_raw_inputs_give_the_same_results(fluorochem):
    raw = _untagged(fluorochem)
    held = prepare_holdings(fluorochem, raw)
    assert isinstance(held, Holdings) and prepare_holdings(fluorochem, held) is held
    where = resolve_home("武义县")
    assert resolve_home(where) is where
    assert gap_records(segment_status(fluorochem, held, home=where)) == gap_records(
        segment_status(fluorochem, raw, home="330723")
    )
    kw = {"with_stability": False}
    assert rank_records(rank_enterprises(fluorochem, held, home=where, **kw)) == rank_records(
        rank_enterprises(fluorochem, raw, home="武义县", **kw)
    )
    with pytest.raises(ValueError, match="prepared for chain"):
        prepare_holdings(datasets.load_chain("lithium_battery"), held)


def test_home_at_level_and_holds():
    wuyi = Home("330723", "武义县", "county")
    assert wuyi.at("city") == "330700" and wuyi.at("county") == "330723"
    jinhua = resolve_home("330700")
    assert jinhua.holds("330723") and not wuyi.holds("330702") and not wuyi.holds("999999")
    with pytest.raises(Exception, match="finer"):
        jinhua.at("county")


def test_list_cells_split_alike_everywhere(fluorochem):
    # A hand-made frame whose segments are one text cell: the firm must not vanish.
    firms = pd.DataFrame(
        {
            "name": ["甲氟材料公司", "乙氟材料公司"],
            "region_code": ["330723", "330802"],
            "segments": ["ahf、pvdf", "ahf;pvdf"],
        }
    )
    status = segment_status(fluorochem, firms, home="武义县")
    assert status.loc["pvdf", "count_total"] == 2 and status.loc["ahf", "count_home"] == 1


def test_dates_read_alike_for_firms_and_ledgers():
    import datetime as dt

    from chainmap.model import enterprises, ledger

    when = dt.date(2024, 3, 5)
    assert (
        enterprises.parse_date("2024 年 3 月 5 日")
        == ledger.parse_date("2024 年 3 月 5 日")
        == when
    )


def _reference_counts(chain, held, level):
    """The matrix and totals as pandas computes them: explode, pivot_table, groupby."""
    from chainmap.analysis.gaps import _matrix

    frame = held.frame[["chain_segments"]].assign(_region=held.region_at(level))[held.active]
    order = [s.id for s in chain.ordered_segments()]
    exploded = frame[["chain_segments"]].explode("chain_segments")
    total = exploded.groupby("chain_segments").size().reindex(order, fill_value=0)
    return _matrix(chain, frame), total


def _random_firms(chain, n, seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    ids = [s.id for s in chain.ordered_segments()]
    codes = ["330723", "330702", "330100", "110105", "440300", None, "", "999999"]
    return pd.DataFrame(
        {
            "name": [f"甲{i}公司" for i in range(n)],
            "segments": [
                list(rng.choice(ids, size=rng.integers(0, 4), replace=False)) for _ in range(n)
            ],
            "region_code": rng.choice(np.array(codes, dtype=object), size=n),
            "active": rng.random(n) > 0.2,
        }
    )


@pytest.mark.parametrize("level", ["province", "city", "county"])
@pytest.mark.parametrize("firms", ["sample", "random", "none active", "no rows"])
def test_counts_equal_the_pandas_reference(firms, level):
    from chainmap import load_chain
    from chainmap.analysis.gaps import _counted, region_segment_matrix

    chain = load_chain("fluorochem")
    table = (
        datasets.enterprises(chain)
        if firms == "sample"
        else _random_firms(chain, 0 if firms == "no rows" else 3000, seed=7)
    )
    if firms == "none active":
        table = table.assign(active=False)
    held = prepare_holdings(chain, table)
    matrix, total = _counted(chain, held, level)
    ref_matrix, ref_total = _reference_counts(chain, held, level)
    pd.testing.assert_series_equal(total, ref_total, check_exact=True)
    pd.testing.assert_frame_equal(matrix, ref_matrix, check_exact=True)
    assert (len(matrix) > 0) == (firms in ("sample", "random"))
    pd.testing.assert_frame_equal(region_segment_matrix(chain, held, level=level), matrix)


@pytest.mark.parametrize("min_confidence", ["scope", "code+scope"])
def test_parquet_arrays_give_the_frame_their_lists_give(tmp_path, min_confidence):
    """Parquet list cells (numpy arrays) are made lists only for the rows kept; the frame
    equals the one built from every cell made a list first (as_lists)."""
    import numpy as np

    from chainmap import load_chain
    from chainmap.analysis.holdings import as_lists, chain_enterprises

    chain = load_chain("fluorochem")
    ids = [s.id for s in chain.ordered_segments()]
    rng = np.random.default_rng(3)
    n = 2000
    segments = [np.array(list(rng.choice(ids, size=rng.integers(0, 3))), dtype=object)
                for _ in range(n)]  # fmt: skip
    segments[5] = np.array(["not_a_segment", ids[0]], dtype=object)
    segments[6] = np.array([], dtype=object)
    levels = [np.array(rng.choice(["scope", "code", "code+scope"], size=len(v)), dtype=object)
              for v in segments]  # fmt: skip
    # Levels the row-by-row rule keeps as they are, or reads as falling short:
    segments[7] = np.array([ids[0], ids[1]], dtype=object)
    levels[7] = np.array(["scope"], dtype=object)  # not as long as the list: kept
    segments[8] = np.array([ids[2], ids[3]], dtype=object)
    levels[8] = np.array([None, "scope"], dtype=object)  # None falls short
    segments[9] = np.array([ids[4]], dtype=object)
    levels[9] = np.array(["code+scope?"], dtype=object)  # no such level: falls short
    table = pd.DataFrame(
        {
            "name": [f"甲{i}公司" for i in range(n)],
            "segments": pd.Series(segments, dtype=object),
            "segments_source": ["classified"] * n,
            "segments_confidence": pd.Series(levels, dtype=object),
            "region_code": "330723",
        }
    )
    path = tmp_path / "firms.parquet"
    table.to_parquet(path, index=False)
    for frame in (pd.read_parquet(path), table):
        lists = frame.assign(segments=as_lists(frame["segments"]))
        got = chain_enterprises(chain, frame, min_confidence=min_confidence)
        ref = chain_enterprises(chain, lists, min_confidence=min_confidence)
        pd.testing.assert_frame_equal(got, ref, check_exact=True)
        assert all(type(v) is list for v in got["segments"])
        assert all(type(v) is list for v in got["chain_segments"])
    odd = table.assign(segments=pd.Series([np.array([None, ids[1]], dtype=object)] * n))
    got = chain_enterprises(chain, odd.drop(columns="segments_confidence"))
    ref = chain_enterprises(
        chain, odd.drop(columns="segments_confidence").assign(segments=as_lists(odd["segments"]))
    )
    pd.testing.assert_frame_equal(got, ref, check_exact=True)
    assert got["segments"].iloc[0] == ["None", ids[1]]


def _frame_first(chain, table, min_confidence="scope"):
    """The reference: every row kept taken with every column, then the new columns (the
    way chain_enterprises built its frame before columns were chosen first)."""
    import numpy as np

    from chainmap.analysis.holdings import _kept_rows, _listed

    kept = _kept_rows(chain, table, min_confidence)
    base, rows, lists, in_chain = kept.base, kept.rows, kept.lists, kept.in_chain
    every = len(rows) == len(base)
    frame = base if every else base.take(rows)
    kept_lists = lists if every else [lists[i] for i in rows]
    kept_chain = (
        kept_lists if in_chain is lists else in_chain if every else [in_chain[i] for i in rows]
    )
    if kept.arrays:
        same = kept_chain is kept_lists
        kept_lists = _listed(kept_lists)
        kept_chain = kept_lists if same else _listed(kept_chain)
    if kept.captive is not None:  # (TFE held by a PTFE maker: chain_segments only)
        kept_chain = kept.captive.lists(kept_chain)
    frame = frame.assign(segments=kept_lists)
    if kept.source is not None:
        frame["segments_source"] = kept.source
    frame["chain_segments"] = kept_chain
    assert isinstance(rows, np.ndarray)
    return frame


def _tables(tmp_path, chain):
    """Enterprise tables of every shape the columns are taken from."""
    import numpy as np

    ids = [s.id for s in chain.ordered_segments()]
    rng = np.random.default_rng(11)
    n = 600
    segments = [np.array(list(rng.choice(ids, size=rng.integers(0, 3))), dtype=object)
                for _ in range(n)]  # fmt: skip
    table = pd.DataFrame(
        {
            "name": [f"乙{i}公司" for i in range(n)],
            "parent": [None if i % 3 else f"乙集团{i % 7}" for i in range(n)],
            "group": "x",  # an input column the ranking drops from its output
            "segments": pd.Series(segments, dtype=object),
            "segments_source": ["tagged"] * n,
            "region_code": ["330723", "330702", None, "110105"] * (n // 4),
            "revenue": rng.random(n) * 1e5,
            "active": [i % 9 != 0 for i in range(n)],
            "scope": "氟化工",
        }
    )
    path = tmp_path / "firms.parquet"
    table.to_parquet(path, index=False)
    arrays = pd.read_parquet(path)
    odd = arrays.copy()
    odd.loc[3, "segments"] = np.array(["not_a_segment", ids[0]], dtype=object)
    nones = arrays.assign(segments=pd.Series([np.array([None, ids[1]], dtype=object)] * n))
    every = arrays.assign(segments=pd.Series([np.array([ids[2]], dtype=object)] * n))
    lists = table.assign(segments=[v.tolist() for v in segments]).set_index(
        pd.Index([f"r{i}" for i in range(n)])
    )
    untagged = _untagged(chain).assign(chain_segments="old")  # classified here
    return {
        "arrays": arrays,
        "outside the chain": odd,
        "None in a list": nones,
        "every row kept": every,
        "lists, labelled rows": lists,
        "classified here": untagged,
        "bundled sample": datasets.enterprises(chain),
    }


@pytest.mark.parametrize("native_from", [0, None], ids=["long-table paths", "short tables"])
def test_columns_taken_first_equal_the_whole_frame(tmp_path, fluorochem, monkeypatch, native_from):
    """Holdings.columns(names, at) and Holdings.flat, built without the whole frame, equal
    the frame taken whole first, its columns and rows chosen after, for every shape of input
    (with the paths of a long table too: NATIVE_MIN_ROWS 0)."""
    import numpy as np

    from chainmap.analysis import holdings
    from chainmap.analysis.holdings import FlatSegments, chain_enterprises
    from chainmap.analysis.scoring import SCORING_COLUMNS

    if native_from is not None:
        monkeypatch.setattr(holdings, "NATIVE_MIN_ROWS", native_from)

    for label, table in _tables(tmp_path, fluorochem).items():
        ref = _frame_first(fluorochem, table)
        pd.testing.assert_frame_equal(chain_enterprises(fluorochem, table), ref, obj=label)
        ref = ref.reset_index(drop=True)
        held = prepare_holdings(fluorochem, table)
        prepared = Holdings(fluorochem, table, ref)  # the frame given: the same answers
        flat = FlatSegments(ref["chain_segments"].to_numpy(), fluorochem)
        for got in (held.flat, prepared.flat):
            assert got.number == flat.number, label
            for part in ("flat", "lengths", "starts"):
                np.testing.assert_array_equal(getattr(got, part), getattr(flat, part), label)
        n = len(ref)
        ats = [None, np.arange(n), np.arange(n)[::-3][::-1], np.array([], dtype=np.int64)]
        if n > 1:
            ats.append(np.array([n - 1, 0]))
        for names in (None, SCORING_COLUMNS, ["chain_segments", "name"], ["active"], [],
                      ["segments_source", "segments", "scope"], ["nothing"]):  # fmt: skip
            want = ref if names is None else ref[[c for c in names if c in ref.columns]]
            for at in ats:
                expect = want if at is None else want.take(at).reset_index(drop=True)
                for h in (held, prepared):
                    pd.testing.assert_frame_equal(h.columns(names, at), expect, obj=label)
        pd.testing.assert_frame_equal(held.frame, ref, obj=label)
        np.testing.assert_array_equal(held.active, prepared.active)


@pytest.mark.parametrize("dtype", ["str", object])
def test_region_codes_number_every_row_and_leave_blanks_out(fluorochem, dtype):
    """Holdings.region_codes: row i's code is codes[number[i]], -1 where the code is
    missing or empty (a space is a code, as the ranking always read it); the region
    numbers of each level are those region_at gives."""
    import numpy as np

    from chainmap.analysis.holdings import region_at

    table = datasets.enterprises(fluorochem).reset_index(drop=True)
    codes = table["region_code"].astype(object).to_numpy(copy=True)
    codes[:6] = ["", None, float("nan"), " ", "330723", "330110"]
    table["region_code"] = pd.Series(codes, dtype=dtype)
    held = prepare_holdings(fluorochem, table)
    number, uniques = held.region_codes
    cells = held.columns(["region_code"])["region_code"].astype(object).tolist()
    assert len(number) == len(cells) == len(held)
    for cell, k in zip(cells, number.tolist(), strict=True):
        missing = cell is None or (isinstance(cell, float) and np.isnan(cell)) or cell == ""
        assert (k == -1) if missing else (uniques[k] == cell)
    assert (number == -1).any() and " " in uniques.tolist()
    for level in ("province", "city", "county"):
        want = region_at(held.columns(["region_code"])["region_code"], level)
        assert held.region_at(level).tolist() == want.tolist(), level


def test_take_rows_by_chunk_equals_take(monkeypatch):
    """_take_rows (a few rows of a long table: Arrow text taken chunk by chunk; many rows in
    increasing order: a mask) equals DataFrame.take for rows in order, out of order,
    repeated, counted from the end. (Long: from NATIVE_MIN_ROWS rows; 0 here.)"""
    import numpy as np

    from chainmap.analysis import holdings

    monkeypatch.setattr(holdings, "NATIVE_MIN_ROWS", 0)

    parts = []
    for k in range(3):  # concatenated frames: their text columns are chunked Arrow arrays
        n = 700 + 100 * k
        parts.append(
            pd.DataFrame(
                {
                    "name": pd.Series(
                        [f"企业{k}-{i}" if i % 7 else None for i in range(n)], dtype="str"
                    ),
                    "count": np.arange(n) + 1000 * k,
                    "share": np.linspace(0, 1, n),
                    "active": np.arange(n) % 3 > 0,
                    "founded": pd.to_datetime("2001-01-01") + pd.to_timedelta(np.arange(n), "D"),
                    "lists": [[f"s{i % 5}"] for i in range(n)],
                },
                index=np.arange(n) % 50,  # (labels repeat: kept as take keeps them)
            )
        )
    frame = pd.concat(parts)
    frame.attrs["source"] = {"file": "x.parquet"}
    assert frame["name"].array.__arrow_array__().num_chunks == 3  # the case under test
    n = len(frame)
    rng = np.random.default_rng(0)
    cases = [
        np.sort(rng.choice(n, 60, replace=False)),
        rng.choice(n, 60, replace=False),  # out of order, across chunks
        rng.choice(n, 40, replace=True),  # repeated
        np.array([n - 1, 0, 700, 699, 1500, 1499]),  # chunk edges
        np.array([-1, 3, -n]),  # from the end, as take counts them
        np.array([5]),
        np.array([], dtype=np.int64),
    ]
    for rows in cases:
        assert len(rows) * holdings._FEW_ROWS <= n  # the chunk-by-chunk path
        got = holdings._take_rows(frame, rows)
        pd.testing.assert_frame_equal(got, frame.take(rows), check_exact=True)
        assert got.attrs == frame.attrs
        text = holdings._take_text(frame["name"], rows)
        assert text.array.__arrow_array__().num_chunks <= 1
    with pytest.raises(IndexError):
        holdings._take_rows(frame, np.array([n]))
    many = [
        np.arange(0, n, 2),  # increasing: the mask
        np.sort(rng.choice(n, n // 3, replace=False)),
        np.arange(n),
        rng.choice(n, n // 3, replace=False),  # not increasing: DataFrame.take itself
        np.repeat(np.arange(0, n, 5), 2),  # repeated
    ]
    for rows in many:
        assert len(rows) * holdings._FEW_ROWS > n
        got = holdings._take_rows(frame, rows)
        pd.testing.assert_frame_equal(got, frame.take(rows), check_exact=True)
        assert got.attrs == frame.attrs
    with pytest.raises(IndexError):
        holdings._take_rows(frame, np.arange(1, n + 1))


@pytest.mark.parametrize("case", ["plain", "confidence", "classify"])
def test_parquet_lists_read_by_arrow_once_give_the_same_holdings(tmp_path, monkeypatch, case):
    """Large tables: Arrow reads the Parquet list cells once, for their lengths and their
    ids; the kept rows, lengths and numbered ids equal those of the row-by-row path (also
    when lists change in between, by confident() or by classifying untagged rows, and
    Arrow must read them again)."""
    import numpy as np

    from chainmap import load_chain
    from chainmap.analysis import holdings

    chain = load_chain("fluorochem")
    ids = [s.id for s in chain.ordered_segments()]
    rng = np.random.default_rng(9)
    n = 3000
    segments = [list(rng.choice(ids, size=rng.integers(0, 3))) for _ in range(n)]
    if case == "plain":  # an id outside the chain (every id is numbered only without one)
        segments[3] = ["not_a_segment", ids[0]]
    columns = {
        "name": [f"乙{i}公司" for i in range(n)],
        "segments": segments,
        "segments_source": ["classified"] * n,
        "region_code": "330723",
    }
    if case == "confidence":
        columns["segments_confidence"] = [
            list(rng.choice(["scope", "code"], size=len(v))) for v in segments
        ]
    if case == "classify":  # untagged rows with a scope: classified, their lists new
        columns["segments_source"] = [None] * n
        columns["scope"] = [
            "生产聚偏氟乙烯树脂、无水氟化氢" if i % 9 == 0 else "" for i in range(n)
        ]
        for i in range(0, n, 9):
            segments[i] = []
    pd.DataFrame(columns).to_parquet(tmp_path / "t.parquet", index=False)
    table = pd.read_parquet(tmp_path / "t.parquet")
    assert type(table["segments"].iloc[0]) is np.ndarray  # Parquet's cells
    seen = []
    for rows in (10**9, 0):  # the row-by-row path, then Arrow's
        monkeypatch.setattr(holdings, "NATIVE_MIN_ROWS", rows)
        seen.append(holdings._kept_rows(chain, table, "scope"))
    ref, got = seen
    np.testing.assert_array_equal(got.rows, ref.rows)
    np.testing.assert_array_equal(got.lengths, ref.lengths)
    assert [list(v) for v in got.lists] == [list(v) for v in ref.lists]
    assert (got.every is None) == (ref.every is None) == (case == "plain")
    if got.every is not None:
        np.testing.assert_array_equal(got.every[0], ref.every[0])
        assert got.every[1].tolist() == ref.every[1].tolist()


#: A fresh interpreter ranks the bundled sample with polars hashing from ``{rows}`` rows
#: on (``NATIVE_MIN_ROWS``), polars importable or not (``{block}``), and prints the
#: threads it started and its ranking.
_EARLY_IMPORT = r"""
import importlib.abc, json, sys, threading
if {block}:
    class Blocked(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "polars" or name.startswith("polars."):
                raise ImportError("polars blocked")
            return None
    sys.meta_path.insert(0, Blocked())
from chainmap import datasets
from chainmap.analysis import holdings
from chainmap.analysis.scoring import rank_enterprises, rank_records
from chainmap.model.chain import load_chain
started = []
start = threading.Thread.start
def recorded(self):
    started.append(self.name)
    return start(self)
threading.Thread.start = recorded
holdings.NATIVE_MIN_ROWS = {rows}
chain = load_chain("fluorochem")
ranking = rank_enterprises(chain, datasets.enterprises(chain), with_stability=False)
for thread in threading.enumerate():  # (the import ends before the ranking: its lock)
    if thread is not threading.main_thread():
        thread.join()
from chainmap.threads import second_core
print(json.dumps({{"started": started, "polars": "polars" in sys.modules, "two": second_core(),
                  "ranking": rank_records(ranking)}}, ensure_ascii=False, default=str))
"""


@pytest.mark.parametrize("block", [False, True], ids=["polars", "no-polars"])
def test_polars_is_imported_early_on_another_thread_for_long_tables(block):
    """A table polars will hash starts polars' import on a thread (the ranking the same);
    a short one does not; an import that fails on that thread prints nothing, and the
    ranking falls back to pandas as before."""
    import json
    import subprocess
    import sys

    def run(rows: int) -> dict:
        code = _EARLY_IMPORT.format(rows=rows, block=block)
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""  # (a failed import on the thread would print a traceback)
        return json.loads(done.stdout)

    long, short = run(10), run(10**9)
    # then the check of the ids and the groups alongside (chainmap.threads), on two cores
    alongside = ["chainmap-alongside_0"] * 2 if long["two"] else []
    assert long["started"] == ["chainmap-import-polars", *alongside]
    assert short["started"] == []
    assert long["polars"] is not block and short["polars"] is False
    assert len(long["ranking"]) > 20
    assert long["ranking"] == short["ranking"]  # polars' hashing or pandas': the same


@pytest.mark.parametrize("storage", ["str", "object"])
def test_region_codes_not_current_are_read_as_their_successors_or_as_none(storage):
    """A hand-made table's abolished code (330185 临安市) is read as its successor, a typo
    (330799) as no code (the firm placed in no region; it stopped the ranking with a
    traceback), a padded code or an integer as its text: the same ranking as the codes
    corrected by hand, and one warning naming the two changed codes and their rows."""
    import warnings

    from chainmap.errors import InputError
    from chainmap.model.chain import load_chain
    from chainmap.model.regions import RegionCodeWarning

    chain = load_chain("fluorochem")
    table = datasets.enterprises(chain)
    codes = table["region_code"].astype(object)
    renamed = int(codes[codes == "330112"].index[0])  # 浙江万马 in 临安区
    typo = int(table.index[table["name"].str.contains("金石资源")][0])
    padded = int(codes[codes == "330604"].index[0])
    hand, given = codes.copy(), codes.copy()
    given[renamed], hand[renamed] = "330185", "330112"
    given[typo], hand[typo] = "330799", None
    given[padded], hand[padded] = " 330604 ", "330604"
    if storage == "object":
        number = int(codes[codes == "320500"].index[0])
        given[number], hand[number] = 320500, "320500"  # (an integer among texts)
        floating = int(codes[codes == "330800"].index[0])
        given[floating], hand[floating] = 330800.0, "330800"  # (a whole float among texts)
    else:
        given = given.astype(table["region_code"].dtype)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        got = rank_records(rank_enterprises(chain, table.assign(region_code=given)))
    want = rank_records(rank_enterprises(chain, table.assign(region_code=hand)))
    assert got == want
    assert [w.category for w in seen] == [RegionCodeWarning]
    message = str(seen[0].message)
    assert f"'330185' (行 / row {renamed + 1}) → 330112 浙江省/杭州市/临安区" in message
    assert f"'330799' (行 / row {typo + 1}): 未知代码 / not an adcode" in message
    assert "2 codes are not current adcodes" in message and "330604" not in message
    row = next(r for r in got if r["name"].startswith("浙江万马"))
    assert row["region_code"] == "330112"
    assert all(r["region_code"] != "330799" for r in got)

    with warnings.catch_warnings():  # every code current: no warning, the table as it is
        warnings.simplefilter("error", RegionCodeWarning)
        rank_enterprises(chain, table, with_stability=False)
    with pytest.raises(InputError, match="region_code"):
        rank_enterprises(chain, table.assign(region_code=codes.map(lambda c: [c])))


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_a_table_where_no_firm_has_a_region_code_is_refused(blank):
    """No code anywhere: every status would be 'no data' and the ranking empty, with a
    message blaming the segments ('no firm holds a segment the home can target'). It is
    refused naming the column; a table of foreign firms alone (no codes by nature) and a
    table with one code are not."""
    from chainmap.errors import InputError
    from chainmap.model.chain import load_chain

    chain = load_chain("fluorochem")
    table = datasets.enterprises(chain)
    none = table.assign(
        region_code=pd.Series([blank] * len(table), index=table.index, dtype=object)
    )
    for given in (none, none.assign(region_code=none["region_code"].astype("str"))):
        with pytest.raises(InputError, match="no firm in the table has a region code"):
            segment_status(chain, given)
    foreign = none.assign(country="日本")
    assert len(segment_status(chain, foreign)) == len(chain)  # (not refused)
    one = none.copy()
    one.loc[one.index[0], "region_code"] = "330723"
    assert len(segment_status(chain, one)) == len(chain)


def test_a_stream_part_without_codes_is_not_refused_and_other_inputs_are_refused_clearly(
    tmp_path,
):
    """The stream engine checks each part: a part whose firms all lack a region code is
    not a table without codes (the review found the whole run refused). A table whose
    codes are all unusable says so, and an input that is no table is an InputError."""
    from pathlib import Path

    from chainmap.analysis.stream import stream_rank
    from chainmap.errors import InputError
    from chainmap.model.chain import load_chain

    chain = load_chain("fluorochem")
    table = datasets.enterprises(chain)
    domestic = table.index[table["region_code"].notna()][-5:]  # Chinese firms, codes gone
    table.loc[domestic, "region_code"] = None
    first = table.loc[[*domestic, *table.index.difference(domestic)]].reset_index(drop=True)
    path = tmp_path / "t.parquet"
    first.to_parquet(path, index=False, row_group_size=5)  # (a first part without codes)
    assert first["region_code"].head(5).isna().all() and first["country"].head(5).eq("中国").all()
    got = stream_rank(chain, path, with_stability=False, chunk_rows=5)
    want = rank_enterprises(chain, first, with_stability=False)
    assert rank_records(got) == rank_records(want)

    typos = table.assign(region_code="999999")
    with pytest.raises(InputError, match="none of its 1 distinct region codes is an adcode"):
        segment_status(chain, typos)
    for given in (Path("firms.csv"), None, iter([])):
        with pytest.raises(InputError, match="must be a pandas DataFrame"):
            segment_status(chain, given)


def test_a_fork_waits_for_the_polars_import_thread():
    """A child forked while the import thread holds polars' import lock waited for it for
    ever: the fork now waits for the thread (os.register_at_fork)."""
    import subprocess
    import sys

    code = r"""
import os, signal, sys
if "polars" in sys.modules:
    sys.exit(3)
from chainmap.analysis import holdings
holdings._import_polars_early(10**6)
pid = os.fork()
if pid == 0:
    signal.alarm(20)
    import polars
    os._exit(0)
_, status = os.waitpid(pid, 0)
sys.exit(0 if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else 1)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
