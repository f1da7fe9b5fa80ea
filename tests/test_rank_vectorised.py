"""The vectorised helpers of the ranking against the plain pandas/Python they replace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chainmap.analysis.holdings import FlatSegments as _Flat
from chainmap.analysis.holdings import as_list, as_lists
from chainmap.analysis.scoring import _RANK_KEYS, _frame_rows, _rank_order
from chainmap.model.chain import load_chain


def test_rank_order_equals_sort_values_with_many_ties_and_nan():
    rng = np.random.default_rng(3)
    n = 2000
    frame = pd.DataFrame(
        {
            "score": rng.choice([0.1, 0.5, 0.9, np.nan], n),
            "gap_priority": rng.choice([1.0, 2.0, np.nan], n),
            "_stage": rng.choice([1, 2, 3], n),
            "_eid": [f"e{i:03d}" for i in rng.integers(0, 300, n)],  # repeated ids too
        }
    )
    expected = frame.sort_values(**_RANK_KEYS).index.to_numpy()
    assert _rank_order(_columns(frame), np.arange(n)).tolist() == expected.tolist()
    rows = np.sort(rng.choice(n, 700, replace=False))  # some rows only (a zone's)
    some = frame.take(rows).reset_index(drop=True).sort_values(**_RANK_KEYS).index.to_numpy()
    assert _rank_order(_columns(frame), rows).tolist() == some.tolist()


@pytest.mark.parametrize("ids", ["text", "with_none"])
def test_rank_order_ids_of_every_script_against_sort_values(ids):
    """Full ties are ordered by id as pandas' str sorts (code points: Latin, CJK, full-width
    forms, astral characters, the empty id); ids that are not all text (None) take
    pandas' own path."""
    rng = np.random.default_rng(11)
    n = 20_000
    pieces = ["a", "B", "é", "浙江", "氟", "Ａ", "𠀋", "", "9", "_"]
    eid = np.array(
        ["".join(rng.choice(pieces, rng.integers(0, 4))) for _ in range(n)], dtype=object
    )
    if ids == "with_none":
        eid[rng.choice(n, 50, replace=False)] = None
    frame = pd.DataFrame(
        {
            "score": rng.choice([0.25, 0.5, np.nan, 0.0, -0.0], n),
            "gap_priority": rng.choice([1.0, np.nan], n),
            "_stage": rng.choice([1, 2], n),
            "_eid": pd.Series(eid, dtype="str" if ids == "text" else object),
        }
    )
    columns = {c: frame[c].to_numpy(dtype=object if c == "_eid" else None) for c in frame}
    expected = frame.sort_values(**_RANK_KEYS).index.to_numpy()
    assert _rank_order(columns, np.arange(n)).tolist() == expected.tolist()


def test_rank_order_without_ties():
    frame = pd.DataFrame(
        {"score": [0.2, 0.9, 0.5], "gap_priority": 1.0, "_stage": 1, "_eid": ["c", "b", "a"]}
    )
    assert _rank_order(_columns(frame), np.arange(3)).tolist() == [1, 2, 0]


def _columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    return {c: frame[c].to_numpy(dtype=object if c == "_eid" else None) for c in frame}


def test_frame_rows_equals_the_whole_frame_taken():
    """Only the rows taken are converted, with the dtype the whole column would get."""
    rng = np.random.default_rng(5)
    n = 500
    text = np.array([f"t{i}" for i in range(n)], dtype=object)
    mixed = text.copy()
    mixed[7] = 3  # one number: the whole column stays object
    some_none = text.copy()
    some_none[rng.choice(n, 50, replace=False)] = None
    columns = {
        "text": text,
        "mixed": mixed,
        "some_none": some_none,
        "all_none": np.full(n, None, dtype=object),
        "ints": np.arange(n),
        "object_ints": pd.Series(rng.integers(0, 4, n)).astype(object).to_numpy(),
        "flags": rng.random(n) < 0.5,
        "floats": rng.random(n),
        "names": [f"n{i}" for i in range(n)],  # a list, as _nearest_site gives
    }
    whole = pd.DataFrame(columns)
    for rows in (np.array([3, 9, 400]), np.arange(20, 30), rng.choice(n, 60), np.arange(0)):
        got = _frame_rows(columns, rows)
        pd.testing.assert_frame_equal(got, whole.take(rows).reset_index(drop=True))
    empty = {c: v[:0] for c, v in columns.items()}
    pd.testing.assert_frame_equal(
        _frame_rows(empty, np.arange(0)), pd.DataFrame(empty).take([]).reset_index(drop=True)
    )


def test_first_of_picks_the_earliest_id_in_order_and_flags_rows_without():
    chain = load_chain("fluorochem")
    ids = list(chain.segments_by_id)
    order = [ids[3], ids[0], ids[5]]
    lists = np.empty(5, dtype=object)
    lists[:] = [[ids[0], ids[3]], [ids[1]], [], [ids[5], ids[1], ids[0]], [ids[5]]]
    # by hand: ids[3] comes first in order, ids[1] is not a target, ids[0] before ids[5]
    assert _Flat(lists, chain).first_of(order).tolist() == [0, 3, 3, 1, 2]
    assert _Flat(lists[:0], chain).first_of(order).tolist() == []


def test_as_lists_matches_as_list_on_mixed_cells():
    cells = [["a", "b"], "x; y；z", None, float("nan"), ("p", 1), [np.str_("q")], []]
    column = pd.Series(cells, dtype=object)
    assert as_lists(column) == [as_list(v) for v in cells]
    plain = pd.Series([["a"], ["b", "c"]], dtype=object)
    assert as_lists(plain) == [["a"], ["b", "c"]]
    assert all(type(v) is str for v in as_lists(pd.Series([[np.str_("q")]]))[0])


def test_flat_lists_equal_plain_python_on_random_lists():
    """first_of and any_of against their plain definitions, ids outside the chain included."""
    chain = load_chain("fluorochem")
    ids = [*chain.segments_by_id, "not_a_segment"]
    rng = np.random.default_rng(11)
    lists = [list(rng.choice(ids, size=rng.integers(0, 5))) for _ in range(3000)]
    lists += [[]]  # an empty last list
    order = list(rng.choice(ids, size=12, replace=False))
    wanted = set(rng.choice(ids, size=6, replace=False))
    flat = _Flat(lists, chain)
    expected = [min((order.index(s) for s in v if s in order), default=len(order)) for v in lists]
    assert flat.first_of(order).tolist() == expected
    assert flat.any_of(wanted).tolist() == [bool(set(v) & wanted) for v in lists]
    assert flat.any_of(set()).tolist() == [False] * len(lists)
    # Some rows of it, as the ranking and the counts take them, against reading those rows.
    for rows in (np.sort(rng.choice(len(lists), 900, replace=False)), np.arange(0), [3000]):
        part = flat.take(np.asarray(rows, dtype=np.int64))
        again = _Flat([lists[i] for i in rows], chain)
        assert part.lengths.tolist() == again.lengths.tolist()
        assert part.starts.tolist() == again.starts.tolist()
        id_of = {k: s for s, k in part.number.items()}
        assert [id_of[k] for k in part.flat.tolist()] == [s for i in rows for s in lists[i]]
        assert part.first_of(order).tolist() == again.first_of(order).tolist()
        assert part.any_of(wanted).tolist() == again.any_of(wanted).tolist()


def test_per_text_equals_the_row_by_row_texts():
    from chainmap.analysis.attainability import CNY, _per_text, _texts

    cells = ["人民币", " 美元 ", None, float("nan"), 12.5, "", "  ", "600000.SH", True, "人民币"]
    for column in (pd.Series(cells, dtype=object), pd.Series([["x"], "人民币", None])):
        frame = pd.DataFrame({"c": column})
        for fn, dtype in ((lambda c: c in CNY, bool), (bool, float)):
            expected = np.array([fn(t) for t in _texts(frame, "c")], dtype=dtype)
            got = _per_text(frame, "c", fn, dtype)
            assert got.dtype == expected.dtype and got.tolist() == expected.tolist()
    absent = _per_text(pd.DataFrame({"x": [1, 2]}), "c", bool, float)
    assert absent.tolist() == [0.0, 0.0]


def test_flag_lists_equal_the_per_row_parse_on_parquet_like_cells():
    from chainmap.analysis.attainability import _flag_list, flag_lists

    cells = [
        np.array(["高新技术企业", "风险:经营异常"], dtype=object),
        ["高新技术企业", "风险:经营异常"],
        np.array([], dtype=object),
        None,
        float("nan"),
        "专精特新；瞪羚",
        ("小巨人",),
        [["nested"]],  # unhashable items: row by row
    ]
    arrays = [  # only Parquet arrays (the stream engine's parts), of two dtypes
        np.array(["高新技术企业", " 风险:经营异常 "], dtype=object),
        np.array([], dtype=object),
        np.array(["小巨人"]),
        np.array(["高新技术企业", " 风险:经营异常 "], dtype=object),
    ]
    for column in (cells, cells[:-1], cells[2:6], arrays):
        frame = pd.DataFrame({"flags": pd.Series(column, dtype=object)})
        assert flag_lists(frame) == [_flag_list(v) for v in column]
    # pandas' str columns (a CSV or Parquet read): numbered in Arrow, parsed per value
    texts = ["高新技术企业；风险:经营异常", None, "", " 专精特新 ", "瞪羚、小巨人", "高新技术企业"]
    column = pd.Series(np.random.default_rng(2).choice(np.array(texts, dtype=object), 500))
    frame = pd.DataFrame({"flags": column.astype("str")})
    got = flag_lists(frame)
    assert got == [_flag_list(v) for v in frame["flags"].tolist()]
    assert got == [_flag_list(v) for v in column.tolist()]
    first = frame["flags"].tolist().index("瞪羚、小巨人")
    same = [i for i, v in enumerate(frame["flags"].tolist()) if v == "瞪羚、小巨人"]
    assert all(got[i] is got[first] for i in same)  # one list per value (risk parsed once)


def test_strength_from_parsed_flags_equals_strength_from_the_column():
    """The ranking hands strength the flag lists it parsed: the quality signal is the same."""
    from chainmap.analysis.attainability import flag_lists, flag_numbers, strength

    column = ["高新技术企业；风险:经营异常", None, "专精特新", "", "小巨人、瞪羚", "高新技术企业"]
    for cells in (column, [np.array(v.split("；"), dtype=object) if v else None for v in column]):
        frame = pd.DataFrame({"flags": pd.Series(cells, dtype=object), "revenue": 1.0})
        expected = strength(frame, data_year=None)
        got = strength(frame, data_year=None, flags=flag_lists(frame))
        pd.testing.assert_frame_equal(got, expected)
        numbered = strength(frame, data_year=None, flag_numbers=flag_numbers(frame))
        pd.testing.assert_frame_equal(numbered, expected)
        assert expected["s_quality"].tolist() == [1.0, 0.0, 1.0, 0.0, 1.0, 1.0]


def test_flag_numbers_give_each_row_its_flag_list():
    """flag_numbers(frame) = (numbers, lists): lists[numbers[i]] equals flag_lists' row i,
    and each distinct list is there once, for every kind of flags column."""
    from chainmap.analysis.attainability import flag_lists, flag_numbers

    texts = ["高新技术企业；风险:经营异常", None, "", " 专精特新 ", "瞪羚、小巨人", "高新技术企业"]
    rng = np.random.default_rng(9)
    picked = rng.choice(np.array(texts, dtype=object), 300)
    frames = {
        "str": pd.DataFrame({"flags": pd.Series(picked).astype("str")}),
        "object": pd.DataFrame({"flags": pd.Series(picked, dtype=object)}),
        "arrays": pd.DataFrame(
            {"flags": pd.Series([np.array(str(v).split("；")) if v else None for v in picked])}
        ),
        "absent": pd.DataFrame({"name": ["甲", "乙"]}),
        "empty": pd.DataFrame({"flags": pd.Series([], dtype="str")}),
    }
    for label, frame in frames.items():
        numbers, lists = flag_numbers(frame)
        want = flag_lists(frame)
        assert len(numbers) == len(frame), label
        assert [lists[k] for k in numbers.tolist()] == want, label
        assert sorted(set(numbers.tolist())) == list(range(len(lists))), label
    assert len(flag_numbers(frames["str"])[1]) == len(set(picked.tolist()))


def test_records_equal_to_dict_records_of_the_rows_taken():
    from chainmap.analysis.attainability import strength
    from chainmap.analysis.scoring import _records

    firms = pd.DataFrame(
        {
            "revenue": [10.0, None, 3e5, 7.0],
            "revenue_year": [2024, None, 2015, 2023],
            "registered_capital": [None, 5e3, 1.0, 2e4],
            "listed": ["600000.SH", None, "", "x"],
        }
    )
    frame = strength(firms, data_year=2024).drop(columns="strength")
    for rows in (np.array([3, 0, 0, 2]), np.arange(0), np.arange(4)):
        got = _records(frame, rows)
        expected = frame.take(rows).to_dict(orient="records")
        assert [list(r) for r in got] == [list(r) for r in expected]  # keys, in order
        for a, b in zip(got, expected, strict=True):
            for key in a:
                assert type(a[key]) is type(b[key])
                assert a[key] == b[key] or (pd.isna(a[key]) and pd.isna(b[key]))
    assert _records(frame[[]], np.array([1, 2])) == [{}, {}]


def _forced(monkeypatch, rows: int) -> None:
    """Hash texts with polars from ``rows`` rows on (0: always; a billion: never)."""
    from chainmap.analysis import holdings

    monkeypatch.setattr(holdings, "NATIVE_MIN_ROWS", rows)


def _texts_sample(n: int = 3000) -> np.ndarray:
    rng = np.random.default_rng(11)
    pool = [
        "",
        "甲集团",
        "乙公司",
        "Acme Ltd",
        "丙 公司",
        *(f"合成企业{i:04d}" for i in range(400)),
    ]
    return np.array([pool[i] for i in rng.integers(0, len(pool), n)], dtype=object)


def test_texts_numbered_by_polars_as_pandas_groups_them(monkeypatch):
    from chainmap.analysis.scoring import _Texts

    values = _texts_sample()
    _forced(monkeypatch, 0)
    texts = _Texts(values)
    assert texts.series is not None
    got = texts.numbers()
    want = pd.factorize(values, use_na_sentinel=False)[0]
    # the same partition (one number per text, one text per number), every number used
    assert len(set(zip(got.tolist(), want.tolist(), strict=True))) == len(set(want.tolist()))
    assert sorted(set(got.tolist())) == list(range(len(set(want.tolist()))))
    assert got.dtype == np.int64
    _forced(monkeypatch, 10**9)
    assert _Texts(values).series is None
    assert _Texts(values).numbers().tolist() == want.tolist()


def test_texts_isin_by_polars_equals_pandas_isin(monkeypatch):
    from chainmap.analysis.scoring import _Texts

    values = _texts_sample()
    at = np.sort(np.random.default_rng(2).choice(len(values), 900, replace=False))
    _forced(monkeypatch, 0)
    fast = _Texts(values)
    for wanted in ({"甲集团", "", "合成企业0007"}, set(), ["不在表中"], {"乙公司": 1}):
        want = pd.Index(values, dtype=object).isin(list(wanted))
        assert fast.isin(wanted).tolist() == want.tolist()
        assert fast.isin(wanted, at).tolist() == want[at].tolist()
    # a wanted value that is not text: pandas compares it (polars would refuse it)
    assert fast.isin([3, "甲集团"]).tolist() == pd.Index(values).isin([3, "甲集团"]).tolist()


def test_texts_polars_cannot_hold_are_hashed_by_pandas(monkeypatch):
    from chainmap.analysis.holdings import polars_texts
    from chainmap.analysis.scoring import _Texts

    _forced(monkeypatch, 0)
    surrogate = np.array(["甲", "乙\udcb0", "甲"], dtype=object)  # an undecodable byte kept
    assert polars_texts(surrogate) is None
    assert polars_texts(np.array(["甲", 3, None], dtype=object)) is None
    texts = _Texts(surrogate)
    assert texts.numbers().tolist() == [0, 1, 0]
    assert texts.isin({"乙\udcb0"}).tolist() == [False, True, False]


def _grouped_registry(chain, n: int = 20_000) -> pd.DataFrame:
    """A synthetic registry with groups three deep, sites without a region, home firms in
    groups, and flags: every path of the grouping."""
    from chainmap.synthetic import synthetic_registry

    table = synthetic_registry(n, chain, seed=23).reset_index(drop=True)
    rng = np.random.default_rng(4)
    names = table["name"].to_numpy(dtype=object)
    parent = table["parent"].astype(object).to_numpy(copy=True)
    child = rng.choice(n, n // 10, replace=False)
    parent[child] = names[rng.integers(0, n, len(child))]  # a firm of the table
    parent[child[:50]] = names[child[50:100]]  # whose own parent is one too
    table["parent"] = parent
    codes = table["region_code"].astype(object).to_numpy(copy=True)
    codes[rng.choice(n, n // 50, replace=False)] = None  # no region: the nearest site
    table["region_code"] = codes
    home = np.flatnonzero(codes == "330723")
    if len(home):
        parent[child[100:110]] = names[home[0]]
        table["parent"] = parent
    return table


@pytest.mark.parametrize("stability", [False, True])
def test_a_ranking_is_the_same_hashed_by_polars_or_pandas(monkeypatch, fluorochem, stability):
    from chainmap.analysis.scoring import rank_enterprises

    table = _grouped_registry(fluorochem)
    kwargs = {"with_stability": stability, "top": None, "top_per_segment": None}
    _forced(monkeypatch, 10**9)
    want = rank_enterprises(fluorochem, table, describe=False, **kwargs)
    want_shown = rank_enterprises(fluorochem, table, with_stability=stability)
    _forced(monkeypatch, 0)
    got = rank_enterprises(fluorochem, table, describe=False, **kwargs)
    got_shown = rank_enterprises(fluorochem, table, with_stability=stability)
    assert want.attrs["group_duplicates"] > 0 and want["sites"].map(len).gt(0).any()
    assert got.attrs == want.attrs
    assert got.drop(columns="sites").to_csv() == want.drop(columns="sites").to_csv()
    assert got["sites"].tolist() == want["sites"].tolist()
    assert got_shown.to_csv() == want_shown.to_csv() and got_shown.attrs == want_shown.attrs


def test_repeated_ids_are_refused_when_polars_checks_them(monkeypatch, fluorochem):
    from chainmap.analysis.holdings import prepare_holdings
    from chainmap.errors import InputError
    from chainmap.synthetic import synthetic_registry

    table = synthetic_registry(2000, fluorochem, seed=3, chain_share=1.0)
    a, b = prepare_holdings(fluorochem, table)._kept.rows[[3, 7]]  # two firms of the chain
    table.loc[table.index[b], "enterprise_id"] = table["enterprise_id"].iloc[a]
    _forced(monkeypatch, 0)
    with pytest.raises(InputError, match="enterprise_id"):
        prepare_holdings(fluorochem, table)
    one_blank = table.copy()
    one_blank.loc[one_blank.index[b], "enterprise_id"] = None
    prepare_holdings(fluorochem, one_blank)  # one blank id: no repeat
    # an id repeated by a row outside the chain: never counted, not refused
    mixed = synthetic_registry(2000, fluorochem, seed=3, chain_share=0.5)
    kept = prepare_holdings(fluorochem, mixed)._kept.rows
    outside = np.setdiff1d(np.arange(len(mixed)), kept)[0]
    mixed.loc[mixed.index[outside], "enterprise_id"] = mixed["enterprise_id"].iloc[kept[0]]
    prepare_holdings(fluorochem, mixed)


@pytest.mark.parametrize("column", ["name", "parent", "country", "absent"])
def test_texts_of_a_column_in_polars_equal_texts(monkeypatch, fluorochem, column):
    from chainmap.analysis.scoring import _Texts, _texts
    from chainmap.synthetic import synthetic_registry

    table = synthetic_registry(3000, fluorochem, seed=8)
    table.loc[table.index[:40], "name"] = ["  甲公司 ", "\u3000乙公司", None, "", " "] * 8
    want = _texts(table, column)
    _forced(monkeypatch, 0)
    got = _Texts.of(table, column)
    assert got.series is not None  # (an absent column: blanks, as texts)
    at = np.array([5, 0, 39, 2999, 5])
    assert got.take(at).tolist() == want[at].tolist()
    assert got.values.tolist() == want.tolist()
    assert got.take(np.array([], dtype=np.int64)).tolist() == []


@pytest.mark.parametrize("polars_from", [0, 10**9])
def test_an_empty_ranking_keeps_its_column_types(monkeypatch, fluorochem, polars_from):
    from chainmap.analysis.scoring import rank_enterprises

    table = _grouped_registry(fluorochem, 3000)
    kwargs = {"describe": False, "with_stability": False}
    _forced(monkeypatch, 10**9)
    full = rank_enterprises(fluorochem, table, **kwargs)
    want = rank_enterprises(fluorochem, table, top=0, **kwargs)
    _forced(monkeypatch, polars_from)
    empty = rank_enterprises(fluorochem, table, top=0, **kwargs)
    assert len(empty) == 0 and list(empty.columns) == list(full.columns)
    assert empty.dtypes.to_dict() == want.dtypes.to_dict()
    assert empty["group"].dtype == full["group"].dtype  # text, as the shown rows have it


def test_prepared_rows_without_ids_are_ordered_by_name(fluorochem):
    """Holdings made from a frame without ``enterprise_id`` (a hand-made chain_enterprises
    output): ties are broken by name, as if each firm's id were its name."""
    from chainmap import datasets
    from chainmap.analysis.holdings import Holdings, chain_enterprises
    from chainmap.analysis.scoring import rank_enterprises

    table = datasets.enterprises(fluorochem)
    frame = chain_enterprises(fluorochem, table).reset_index(drop=True)
    frame = frame.drop_duplicates("name").reset_index(drop=True)
    no_ids = frame.drop(columns="enterprise_id")
    named = frame.assign(enterprise_id=frame["name"])
    got = rank_enterprises(fluorochem, Holdings(fluorochem, no_ids, no_ids), describe=False)
    want = rank_enterprises(fluorochem, Holdings(fluorochem, named, named), describe=False)
    assert len(got) > 10
    assert got["name"].tolist() == want["name"].tolist()
    assert got["score"].tolist() == want["score"].tolist()


def test_every_id_numbered_by_arrow_as_pandas_numbers_them(monkeypatch):
    from chainmap.analysis.holdings import _every_id

    rng = np.random.default_rng(6)
    ids = ["seg:a", "seg:b", "seg:c", "分段"]
    lists = [np.array(rng.choice(ids, k).tolist(), dtype=object) for k in rng.integers(0, 4, 400)]
    cases = {
        "arrays": lists,
        "unicode arrays": [np.array(v.tolist()) for v in lists],  # (dtype <U, as numpy makes)
        "with lists": [v.tolist() if i % 7 == 0 else v for i, v in enumerate(lists)],
        "empty": [np.array([], dtype=object)] * 5,
        "none": [],
        "a missing id": [*lists[:9], np.array(["seg:a", None], dtype=object)],
        "a number": [*lists[:9], np.array([3], dtype=object)],
        "a surrogate": [*lists[:9], np.array(["seg:\udcb0"], dtype=object)],
    }
    for label, case in cases.items():
        lengths = np.array([len(v) for v in case], dtype=np.int64)
        _forced(monkeypatch, 10**9)
        want = _every_id(case, lengths)
        _forced(monkeypatch, 0)
        got = _every_id(case, lengths)
        assert got[0].dtype == want[0].dtype and got[0].tolist() == want[0].tolist(), label
        # the ids as an object array (pandas keeps numpy's <U of unicode arrays)
        assert got[1].dtype == object, label
        assert list(map(repr, got[1].tolist())) == list(map(repr, want[1].tolist())), label
