"""Region table, lookup, hierarchy, zones and distance."""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pytest

from chainmap.errors import UnknownRegionError
from chainmap.model import regions as rg
from chainmap.model.catalog import read_text


@pytest.fixture(scope="module")
def table():
    return rg.regions()


def test_table_shape_and_columns(table):
    assert table.index.name == "adcode"
    assert tuple(table.columns) == rg.REGION_COLUMNS
    assert set("name short_name level parent lat lon approx_coords".split()) <= set(table.columns)
    assert table.index.is_unique
    assert table.index.str.fullmatch(r"\d{6}").all()
    counts = table["level"].value_counts()
    assert counts["province"] == 34
    # every prefecture-level unit and county-level unit has a parent in the table
    children = table[table["level"] != "province"]
    assert children["parent"].isin(table.index).all()
    assert (table.loc[children["parent"], "level"].to_numpy() != "county").all()


def test_parents_follow_the_code_structure(table):
    counties = table[table["level"] == "county"]
    # the parent shares the province digits, and the city digits when it is a city
    assert (counties["parent"].str[:2] == counties.index.str[:2]).all()
    under_city = counties[table.loc[counties["parent"], "level"].to_numpy() == "city"]
    assert (under_city["parent"].str[:4] == under_city.index.str[:4]).all()


def test_coordinates_are_in_china_and_flagged(table):
    have = table.dropna(subset=["lat", "lon"])
    assert len(have) == len(table)
    assert have["lat"].between(3, 54).all() and have["lon"].between(73, 136).all()
    # approximate coordinates are exactly the parent's
    approx = table[table["approx_coords"] & (table["parent"] != "")]
    parents = table.loc[approx["parent"]]
    assert np.allclose(approx["lat"].to_numpy(), parents["lat"].to_numpy())


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("330723", "武义"),
        ("330000", "浙江"),
        ("330700", "金华"),
        ("222400", "延边"),  # 延边朝鲜族自治州
        ("152200", "兴安"),  # 兴安盟
        ("232700", "大兴安岭"),  # 大兴安岭地区
        ("650000", "新疆"),  # 新疆维吾尔自治区
    ],
)
def test_short_names(table, name, short):
    assert table.at[name, "short_name"] == short


@pytest.mark.parametrize(
    "query",
    [
        "武义县",
        "武义",
        "330723",
        "330723000000",
        "浙江/金华/武义",
        "浙江省/金华市/武义县",
        "浙江省金华市武义县",
        "浙江金华武义县",
        " 武义县 ",
    ],
)
def test_wuyi_resolves(query):
    assert rg.resolve_region(query) == "330723"


def test_ambiguous_name_lists_candidates(table):
    with pytest.raises(UnknownRegionError) as info:
        rg.resolve_region("朝阳区")
    expected = sorted(table.index[table["name"] == "朝阳区"])
    assert len(expected) >= 2
    assert [c.split()[0] for c in info.value.candidates] == expected
    assert "朝阳区" in str(info.value)


def test_ambiguity_resolved_by_path_or_level():
    assert rg.resolve_region("北京/朝阳区") == "110105"
    assert rg.resolve_region("吉林/长春/朝阳区") == "220104"
    assert rg.resolve_region("吉林", level="city") == "220200"
    assert rg.resolve_region("吉林") == "220000"  # coarsest short-name match wins


def test_unknown_name_suggests():
    with pytest.raises(UnknownRegionError) as info:
        rg.resolve_region("武义乡")
    assert "武义" in info.value.suggestions
    with pytest.raises(UnknownRegionError):
        rg.resolve_region("999999")


def test_aliases_resolve_old_codes_and_names(table):
    aliases = rg.region_aliases()
    assert set(aliases.values()) <= set(table.index)
    assert not set(aliases) & set(table.index)
    assert rg.resolve_region("330185") == "330112"
    assert rg.resolve_region("临安市") == "330112"
    assert rg.region_name("330185") == "临安区"


def test_every_name_with_one_region_resolves_to_it(table):
    unique = table.groupby("name").filter(lambda g: len(g) == 1)
    sample = unique.sample(300, random_state=0)
    for code, name in zip(sample.index, sample["name"], strict=True):
        assert rg.resolve_region(name) == code


def test_ancestor_rules(table):
    assert rg.ancestor("330723", "county") == "330723"
    assert rg.ancestor("330723", "city") == "330700"
    assert rg.ancestor("330723", "province") == "330000"
    assert rg.ancestor("110105", "city") == "110000"  # municipality district
    assert rg.ancestor("429004", "city") == "429004"  # 仙桃, 省直辖县级市
    assert rg.ancestor("429004", "province") == "420000"
    assert rg.ancestor("330000", "city") is None
    assert rg.region_path("429004") == "湖北省/仙桃市"


def test_resolve_parts():
    assert rg.resolve_parts("浙江", "金华", "武义县") == ("330723", "")
    assert rg.resolve_parts("北京市", "市辖区", "朝阳区") == ("110105", "")
    assert rg.resolve_parts("湖北", "仙桃市", "仙桃市") == ("429004", "")
    code, reason = rg.resolve_parts("浙江", "金华", "无此县")
    assert code == "330700" and "无此县" in reason
    code, reason = rg.resolve_parts(None, None, None, "浙江省金华市武义县白洋街道1号")
    assert code == "330723" and "address" in reason
    # a street that starts like a region name is not a region
    assert rg.resolve_parts(None, None, None, "中山路100号")[0] is None
    assert rg.resolve_parts(None, None, "朝阳区")[0] is None
    assert rg.resolve_parts()[0] is None


def test_zones_match_their_listed_names():
    spec = tomllib.loads(read_text("zones.toml"))
    assert set(spec) == {"长三角", "珠三角", "京津冀", "成渝", "长江中游", "粤港澳大湾区"}
    for name, zone in spec.items():
        assert zone["source"].startswith("http"), name
        names = [rg.regions().at[c, "short_name"] for c in zone["members"]]
        assert names == zone["member_names"], name
        excluded = [rg.region_name(c) for c in zone["exclude"]]
        assert excluded == zone.get("exclude_names", []), name


def test_region_zones():
    assert rg.region_zones("330723") == ["长三角"]
    assert rg.region_zones("440306") == ["珠三角", "粤港澳大湾区"]
    assert rg.region_zones("510703") == ["成渝"]  # 绵阳市涪城区
    assert rg.region_zones("510726") == []  # 北川, excluded by the plan
    assert rg.region_zones("429004") == ["长江中游"]
    assert "北京周边" in rg.region_zones("110105", extra={"北京周边": ["北京"]})


def test_zones_extra_merges_and_resolves_names():
    merged = rg.zones({"金华周边": ["金华", "330100"], "京津冀": ["北京"]})
    assert merged["金华周边"] == ["330100", "330700"]
    assert merged["京津冀"] == ["110000"]
    assert rg.zones()["京津冀"] == ["110000", "120000", "130000"]  # bundled untouched


def _haversine_reference(lat1, lon1, lat2, lon2):
    # independent scalar formula (spherical law of cosines)
    p1, p2, dl = map(math.radians, (lat1, lat2, lon2 - lon1))
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371.0088 * math.acos(min(1.0, max(-1.0, c)))


def test_distance_against_reference(table):
    a, b = table.loc["110000"], table.loc["310000"]
    expected = _haversine_reference(a["lat"], a["lon"], b["lat"], b["lon"])
    assert rg.distance_km("110000", "310000") == pytest.approx(expected, rel=1e-9)
    assert 1000 < expected < 1150  # Beijing-Shanghai is about 1,070 km
    assert rg.distance_km("330723", "330723") == 0.0


def test_distance_many_matches_scalar():
    codes = ["110000", "330185", None, "", "999999", "330723"]
    got = rg.distance_km_many(codes, "310000")
    assert got[0] == pytest.approx(rg.distance_km("110000", "310000"))
    assert got[1] == pytest.approx(rg.distance_km("330112", "310000"))
    assert np.isnan(got[2:5]).all()
    assert got[5] == pytest.approx(rg.distance_km("330723", "310000"))
