"""The Python API at its edges, as a notebook user meets it (a helper's audit, 2026-12-06).

Each case used to give a silently wrong result or a raw pandas/Python error.
"""

from __future__ import annotations

import pandas as pd
import pytest

from chainmap import datasets
from chainmap.analysis.classify import classify
from chainmap.analysis.gaps import segment_status
from chainmap.analysis.scoring import rank_enterprises
from chainmap.errors import InputError
from chainmap.model.chain import load_chain
from chainmap.model.profile import ProfileWarning, load_profile

HOME = {"home": "武义县"}


@pytest.fixture(scope="module")
def chain():
    return load_chain("fluorochem")


@pytest.fixture(scope="module")
def firms(chain):
    return datasets.enterprises(chain)


def _ranked(chain, table):
    out = rank_enterprises(chain, table, with_stability=False, describe=False, **HOME)
    return out["enterprise_id"].tolist()


def test_a_table_saved_with_to_csv_and_read_back_ranks_as_before(chain, firms, tmp_path):
    path = tmp_path / "firms.csv"
    firms.to_csv(path, index=False)
    back = pd.read_csv(path)  # lists come back as "['ahf']", region codes as numbers
    assert back["segments"].map(type).eq(str).all()
    assert pd.api.types.is_numeric_dtype(back["region_code"])
    before = segment_status(chain, firms, **HOME)["status"].value_counts().to_dict()
    assert segment_status(chain, back, **HOME)["status"].value_counts().to_dict() == before
    assert _ranked(chain, back) == _ranked(chain, firms)


def test_tables_that_cannot_be_placed_are_refused_with_the_column(chain, firms):
    with pytest.raises(InputError, match="neither a 'segments' nor a 'scope'"):
        segment_status(chain, firms.drop(columns=["segments", "scope"], errors="ignore"), **HOME)
    with pytest.raises(InputError, match="no 'region_code' column"):
        rank_enterprises(chain, firms.drop(columns=["region_code"]), **HOME)
    with pytest.raises(InputError, match="must be a pandas DataFrame, not str"):
        rank_enterprises(chain, "graphs/companies_fluorochem.csv", **HOME)
    half = firms.assign(region_code=[330723.5] + [None] * (len(firms) - 1))
    with pytest.raises(InputError, match="not an adcode"):
        segment_status(chain, half, **HOME)


@pytest.mark.parametrize("closed", [False, "false", "0", 0, "否", "注销"])
def test_every_way_of_writing_inactive_is_inactive(chain, firms, closed):
    home_rows = firms["region_code"].eq("330723")
    table = firms.assign(active=[closed if h else True for h in home_rows])
    held = segment_status(chain, table, **HOME)
    assert held["count_home"].sum() == 0


def test_arguments_of_the_wrong_kind_are_one_clear_error(chain, firms):
    for bad in (-1, True, "5", 2.5):
        with pytest.raises(InputError, match="top"):
            rank_enterprises(chain, firms, top=bad, **HOME)
    with pytest.raises(InputError, match="engine"):
        rank_enterprises(chain, firms, engine="banana", **HOME)
    with pytest.raises(InputError, match="unknown comparison level 'County'"):
        segment_status(chain, firms, level="County", **HOME)
    one = rank_enterprises(chain, firms, segments="pvdf", with_stability=False, **HOME)
    assert set(one["segment"]) <= {"pvdf"}
    assert len(classify(chain, "聚偏氟乙烯生产")) == 1
    with pytest.warns(ProfileWarning, match="weigths"):
        load_profile({"weigths": {"gap_priority": 1.0}})


def test_kpi_table_on_a_raw_ledger_frame_is_one_clear_error():
    from pathlib import Path

    from chainmap.analysis.kpi import kpi_table
    from chainmap.model.kpi_targets import KpiClass, KpiTargets

    targets = KpiTargets(classes=(KpiClass("all", "全部"),))
    raw = pd.read_csv(Path(__file__).parent.parent / "graphs" / "ledger_synthetic.csv")
    with pytest.raises(InputError, match="lacks project_id"):
        kpi_table(raw, None, targets, period="2024")
    ledger = pd.DataFrame(
        {
            "project_id": ["P1"],
            "sector": ["制造业"],
            "origin": ["招引"],
            "investment": [12.0],
            "signed_on": ["2024-02-01"],  # text, not dates
            "landed_on": pd.to_datetime([None]),
            "started_on": pd.to_datetime([None]),
            "in_stats_on": pd.to_datetime([None]),
        }
    )
    with pytest.raises(InputError, match="signed_on must hold dates"):
        kpi_table(ledger, None, targets, period="2024")
    dated = ledger.assign(signed_on=pd.to_datetime(ledger["signed_on"]))
    assert kpi_table(dated, None, targets, period="2024")[0]["signed_count"] == 1
    money = pd.DataFrame({"project_id": ["P1"], "month": ["2024-05"], "amount": ["0.8"]})
    with pytest.raises(InputError, match="amounts must be numbers"):
        kpi_table(dated, money, targets, period="2024")
    with pytest.raises(InputError, match="must be KpiTargets"):
        kpi_table(dated, None, {"all": 1}, period="2024")


def test_query_kg_refuses_an_engine_it_does_not_have(chain):
    from chainmap.outputs.kg import query_kg, read_query

    with pytest.raises(InputError, match="engine must be"):
        query_kg(chain, read_query("shared-segments"), engine="oxi")


def test_revenue_with_a_unit_is_read_in_yi_yuan_and_a_foreign_one_is_not_converted(tmp_path):
    from chainmap.model.enterprises import normalise_enterprises

    raw = pd.DataFrame(
        {
            "企业名称": ["甲公司", "乙公司", "丙公司", "丁公司", "戊公司"],
            "所属省份": ["浙江省"] * 5,
            "所属城市": ["金华市"] * 5,
            "所属区县": ["武义县"] * 5,
            "营业收入": ["46.1", "46.1亿元", "5,000万元", "123456789元", "300万美元"],
        }
    )
    for method in ("columns", "rows"):  # the fast path and its row-by-row reference agree
        table, report = normalise_enterprises(raw, method=method)
        assert table["revenue"].tolist()[:4] == [46.1, 46.1, 0.5, 1.23456789], method
        assert pd.isna(table["revenue"].iloc[4]), method
        notes = [i.message for i in report.items if i.column == "营业收入"]
        assert any("foreign currency" in n for n in notes), notes


def test_two_chain_rows_with_one_id_are_refused_not_counted_twice(chain):
    table = datasets.enterprises(chain)
    twice = pd.concat([table, table.iloc[[3]]], ignore_index=True)
    last = len(twice)  # (rows counting from 1: the copy is the last row)
    for call in (rank_enterprises, segment_status):
        with pytest.raises(
            InputError,
            match=rf"enterprise_id .* is on 2 rows of the enterprise table \(rows 4, {last}, counting",
        ):
            call(chain, twice)
    # rows outside the chain are never counted, and blank ids are not the same firm
    outside = table.iloc[[0, 0]].assign(segments=[["pfas_elsewhere"]] * 2, scope=None)
    blank = table.iloc[[1, 2]].assign(enterprise_id=None)
    ok = pd.concat([table.drop(index=[1, 2]), outside, blank], ignore_index=True)
    assert len(rank_enterprises(chain, ok)) > 0


def test_build_map_names_an_argument_that_is_not_what_it_reads(chain):
    from chainmap.outputs.maps import build_map

    table = datasets.enterprises(chain)
    ranking = rank_enterprises(chain, table)
    assert len(build_map(chain, enterprises=table, ranking=ranking).nodes) > len(chain)
    for kwargs, message in (
        ({"ranking": table}, r"ranking has no column 'segment', 'score', 'rank'"),  # swapped
        ({"ranking": ranking.to_dict("records")}, "ranking must be a pandas DataFrame"),
        ({"status": pd.DataFrame({"x": [1]})}, "status has no column 'status'"),
        ({"enterprises": "firms.csv"}, "enterprises must be a pandas DataFrame"),
    ):
        with pytest.raises(InputError, match=message):
            build_map(chain, **kwargs)


def test_an_adcode_column_places_the_firms(tmp_path):
    """行政区划代码 / region_code in an export was dropped: every firm was 'not resolved'."""
    from chainmap.model.enterprises import normalise_enterprises, read_enterprises

    raw = pd.DataFrame(
        {"企业名称": ["甲", "乙", "丙"], "行政区划代码": ["330723", "330700", "999999"]}
    )
    for method in ("columns", "rows"):  # the fast path and its row-by-row reference agree
        table, report = normalise_enterprises(raw, method=method)
        assert table["region_code"].tolist() == ["330723", "330700", None], method
        assert [i.code for i in report.items] == ["region_unresolved"], method
    path = tmp_path / "firms.csv"
    path.write_text("name,region_code,scope\nA公司,330723,聚偏氟乙烯生产\n", encoding="utf-8")
    table, report = read_enterprises(path)
    assert table["region_code"].tolist() == ["330723"] and not report.items
    both = raw.assign(所属区县=["武义县", "婺城区", "武义县"]).iloc[:1]  # a name too: kept as given
    for method in ("columns", "rows"):
        table, _ = normalise_enterprises(both, method=method)
        assert table[["county", "region_code"]].values.tolist() == [["武义县", "330723"]], method
