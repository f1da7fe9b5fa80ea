"""The bundled sample firms (graphs/companies_*.csv)."""

from __future__ import annotations

import csv
import io

import pytest

from chainmap.datasets import enterprises
from chainmap.model.catalog import bundled_files, read_text
from chainmap.model.chain import segment_aliases
from chainmap.model.enterprises import ENTERPRISE_COLUMNS


@pytest.fixture(scope="module")
def raw_rows():
    rows = []
    for name in bundled_files("companies_", ".csv"):
        rows.extend(csv.DictReader(io.StringIO(read_text(name))))
    return rows


def test_every_firm_is_loaded_once_with_its_sources(raw_rows):
    firms = enterprises("all")
    assert sorted(firms["name"]) == sorted({r["name_zh"] for r in raw_rows})
    assert list(firms.columns[: len(ENTERPRISE_COLUMNS)]) == list(ENTERPRISE_COLUMNS)
    by_name = firms.set_index("name")
    for row in raw_rows:
        firm = by_name.loc[row["name_zh"]]
        assert set(row["source_url"].split()) <= set(firm["source"].split())
        assert firm["listed"] == (row["stock_code"] or None)
        assert {segment_aliases().get(s, s) for s in row["segments"].split(";")} <= set(
            firm["segments"]
        )
        assert set(row["products_zh"].split(";")) <= set(firm["products_zh"].split(";"))
        listings = [r for r in raw_rows if r["name_zh"] == row["name_zh"]]
        years = [int(r["revenue_year"]) for r in listings if r["revenue_cny_100m"]]
        if row["revenue_cny_100m"]:
            # A firm listed twice keeps the latest sourced figure.
            assert firm["revenue_year"] == max(years) >= int(row["revenue_year"])
            if firm["revenue_year"] == int(row["revenue_year"]):
                assert firm["revenue"] == float(row["revenue_cny_100m"])
        elif not years:
            assert firm["revenue"] is None and firm["revenue_year"] is None


def test_regions_for_chinese_firms_only(raw_rows):
    firms = enterprises("all").set_index("name")
    for row in raw_rows:
        firm = firms.loc[row["name_zh"]]
        if row["country"] != "中国":
            assert firm["region_code"] is None and firm["country"] == row["country"]
        elif row["province"]:
            assert firm["region_code"] is not None, row["name_zh"]
    for name in ("浙江三美化工股份有限公司", "浙江森田新材料有限公司"):
        assert firms.loc[name, "region_code"] == "330723"
    # county unconfirmed in the sources: city level only
    assert firms.loc["金华永和氟化工有限公司", "region_code"] == "330700"


def test_sanmei_wuyi_row_holds_hcfcs_and_no_lipf6():
    # 三美's LiPF6 is made at its 福建 subsidiary, not in 武义; its HCFCs are held in 武义.
    firms = enterprises("fluorochem").set_index("name")
    sanmei = firms.loc["浙江三美化工股份有限公司"]
    assert "六氟磷酸锂" not in sanmei["products_zh"]
    assert "lipf6" not in sanmei["segments"]
    assert "hcfc_refrigerants" in sanmei["segments"]
    assert sanmei["short_name"] == "三美股份"


def test_parent_and_short_name_reach_the_canonical_table(raw_rows):
    firms = enterprises("all").set_index("name")
    assert "short_name" in firms.columns
    for row in raw_rows:
        firm = firms.loc[row["name_zh"]]
        assert firm["parent"] == (row["parent"] or None), row["name_zh"]
        assert firm["short_name"] == (row["short_name"] or None), row["name_zh"]
    # a JV and subsidiaries link to their parent rows
    assert firms.loc["浙江森田新材料有限公司", "parent"] == "森田化学工业"
    assert "森田化学工业" in firms.index
    assert firms.loc["金华永和氟化工有限公司", "parent"] == "浙江永和制冷股份有限公司"


def test_filter_by_chain(fluorochem):
    firms = enterprises(fluorochem)
    ids = set(fluorochem.segments_by_id)
    assert all(ids & set(segs) for segs in firms["segments"])
    assert set(firms["segments_source"]) == {"tagged"}
    assert len(enterprises("fluorochem")) == len(firms)
