"""Region table, lookup, hierarchy, zones and distance."""

from __future__ import annotations

from collections import Counter
import csv
import math
from pathlib import Path
import tomllib

import numpy as np
import pytest

from chainmap.errors import UnknownRegionError
from chainmap.model import regions as rg
from chainmap.model.catalog import read_text

ROOT = Path(__file__).resolve().parents[1]

# 民政部 county-level-and-above division codes as of 2023-12-31 (graphs/README.md): 34
# provincial units, 333 prefecture-level, 2,844 county-level (issue #16 cites 2,844).
OFFICIAL_COUNTS = {"province": 34, "city": 333, "county": 2844}
# The county-level total by kind: 977 市辖区, 397 县级市, 1,299 县, 117 自治县, 49 旗,
# 3 自治旗, 1 特区 (六枝), 1 林区 (神农架).
COUNTY_KINDS = {
    "市辖区": 977,
    "县级市": 397,
    "县": 1299,
    "自治县": 117,
    "旗": 49,
    "自治旗": 3,
    "特区": 1,
    "林区": 1,
}
# Prefecture level: 293 地级市, 7 地区, 30 自治州, 3 盟.
CITY_KINDS = {"地级市": 293, "地区": 7, "自治州": 30, "盟": 3}


@pytest.fixture(scope="module")
def table():
    return rg.regions()


def _county_kind(code: str, name: str) -> str:
    if code == "429021":
        return "林区"  # 神农架林区; other names ending in 林区 are districts (金林区)
    for suffix, kind in (
        ("自治县", "自治县"),
        ("自治旗", "自治旗"),
        ("特区", "特区"),
        ("旗", "旗"),
        ("县", "县"),
        ("市", "县级市"),
        ("区", "市辖区"),
    ):
        if name.endswith(suffix):
            return kind
    raise AssertionError(name)


def _city_kind(name: str) -> str:
    for suffix, kind in (("自治州", "自治州"), ("地区", "地区"), ("盟", "盟"), ("市", "地级市")):
        if name.endswith(suffix):
            return kind
    raise AssertionError(name)


def test_counts_by_kind_match_the_official_statistics(table):
    counties = table[table["level"] == "county"]
    kinds = Counter(
        _county_kind(c, n) for c, n in zip(counties.index, counties["name"], strict=True)
    )
    assert dict(kinds) == COUNTY_KINDS
    cities = table[table["level"] == "city"]
    assert dict(Counter(map(_city_kind, cities["name"]))) == CITY_KINDS


def test_table_is_the_mca_list(table):
    """Every code and name of the vendored MCA list, and nothing else."""
    lines = (ROOT / "graphs/sources/mca_xzqh_2023.txt").read_text("utf-8").split("\n")
    mca = dict(line.split()[:2] for line in lines if line.strip())
    assert dict(zip(table.index, table["name"], strict=True)) == mca


@pytest.mark.parametrize(
    ("code", "name", "parent"),
    [
        ("330723", "武义县", "330700"),
        ("330700", "金华市", "330000"),
        ("440305", "南山区", "440300"),  # was 珠海市
        ("450502", "海城区", "450500"),  # was 合浦县
        ("450503", "银海区", "450500"),  # was 合浦县
        ("522302", "兴仁市", "522300"),  # was 兴仁县市
        ("220781", "扶余市", "220700"),  # had a wrong code
        ("520115", "观山湖区", "520100"),  # had a wrong code
        ("210111", "苏家屯区", "210100"),  # was missing
        ("410203", "顺河回族区", "410200"),  # was missing
        ("460302", "西沙区", "460300"),  # 三沙's districts were missing
        ("460303", "南沙区", "460300"),
        ("659001", "石河子市", "650000"),  # 兵团 cities, under the region
        ("659011", "新星市", "650000"),
        ("659012", "白杨市", "650000"),
        ("330112", "临安区", "330100"),
    ],
)
def test_known_units(table, code, name, parent):
    assert (table.at[code, "name"], table.at[code, "parent"]) == (name, parent)


@pytest.mark.parametrize(
    ("old", "name", "successor"),
    [
        ("330283", "奉化市", "330213"),  # 2016 -> 奉化区
        ("350681", "龙海市", "350604"),  # 2021 -> 龙海区
        ("370684", "蓬莱市", "370614"),  # 2020 -> 蓬莱区
        ("441723", "阳东县", "441704"),  # 2014 -> 阳东区
        ("511422", "彭山县", "511403"),  # 2014 -> 彭山区
        ("139001", "武安市", "130481"),  # a 1988-1990 code, now under 邯郸
        ("140203", "矿区", "140214"),  # 大同's 矿区 -> 云冈区, not 阳泉's 矿区 (140303)
        ("371202", "莱城区", "370116"),  # -> 莱芜区, not the province
        ("220724", "扶余县", "220781"),
        ("330185", "临安市", "330112"),
        ("130429", "永年县", "130408"),  # 永年区 kept the name; part went to 丛台区
        ("520221", "水城县", "520204"),
        ("371200", "莱芜市", "370100"),  # a prefecture merged into 济南市
        ("542400", "那曲地区", "540600"),  # -> 那曲市
    ],
)
def test_abolished_units_resolve_to_their_successor(table, old, name, successor):
    assert old not in table.index
    assert rg.region_aliases()[old] == successor
    assert rg.resolve_region(old) == successor
    aliases = read_text("region_aliases.csv").splitlines()
    assert f"{old},{name},{successor},successor" in aliases


def test_placeholders_and_stale_names_are_gone(table):
    assert "632899" not in table.index
    assert not {"139001", "139002"} & set(table.index)  # duplicates of 武安市 and 辛集市
    assert "632899" not in rg.region_aliases()
    assert not table["name"].str.contains("县市$").drop("410782").any()  # 辉县市 is right
    assert table["name"].is_unique is False  # 朝阳区 … repeat across provinces
    assert not table.groupby("parent")["name"].apply(lambda s: s.duplicated().any()).any()


def test_every_alias_round_trips_to_a_live_unit(table):
    rows = [line.split(",") for line in read_text("region_aliases.csv").splitlines()[1:]]
    assert len(rows) > 3000
    last = {old_code: code for old_code, _name, code, _method in rows}  # latest record wins
    with (ROOT / "graphs/sources/mca_xzqh_history.csv").open(encoding="utf-8") as fh:
        history = list(csv.DictReader(fh))
    named = {(r["代码"], r["名称"]): r for r in history}
    # the year each code in use at the end of 2023 took its current unit
    since = {r["代码"]: int(r["启用时间"]) for r in history if not r["变更/弃用时间"]}
    for old_code, old_name, code, method in rows:
        assert code in table.index, (old_code, old_name)
        assert method in {"successor", "split", "renamed"}
        if old_code not in table.index:
            assert rg.region_name(old_code) == table.at[last[old_code], "name"]
        # a unit whose one named successor is in use points to it, never to a parent
        record = named[(old_code, old_name)]
        direct = [c for c in record["新代码"].split(";") if c and "[" not in c]
        ended = int(record["变更/弃用时间"])
        if len(direct) == 1 and direct[0] in table.index and since.get(direct[0], 9999) <= ended:
            assert code == direct[0] or method == "renamed", (old_code, old_name, code)
        if method == "split":
            assert table.at[code, "level"] in ("province", "city"), (old_code, old_name)
    names = {old_name for _c, old_name, _t, _m in rows}
    full, short = set(table["name"]), set(table["short_name"])
    # (names holding a path separator, 西沙、南沙、中沙群岛, are read as paths)
    for name in sorted(n for n in names - full - short if "、" not in n):
        # an old name no current unit has still resolves, or names its candidates
        try:
            assert rg.resolve_region(name) in table.index
        except UnknownRegionError as exc:
            assert exc.candidates, name


def test_table_shape_and_columns(table):
    assert table.index.name == "adcode"
    assert tuple(table.columns) == rg.REGION_COLUMNS
    assert set("name short_name level parent lat lon approx_coords".split()) <= set(table.columns)
    assert table.index.is_unique
    assert table.index.str.fullmatch(r"\d{6}").all()
    counts = table["level"].value_counts()
    assert counts.to_dict() == OFFICIAL_COUNTS
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


def test_coordinates_are_in_china_and_own(table):
    have = table.dropna(subset=["lat", "lon"])
    assert len(have) == len(table)
    assert have["lat"].between(3, 54).all() and have["lon"].between(73, 136).all()
    # no unit borrows its parent's point, except the listed ones, each with its reason
    children = table[table["parent"] != ""]
    parents = table.loc[children["parent"]]
    same = children.index[
        np.isclose(children["lat"].to_numpy(), parents["lat"].to_numpy())
        & np.isclose(children["lon"].to_numpy(), parents["lon"].to_numpy())
    ]
    assert sorted(same) == sorted(SHARED_SEAT)
    for code in ("460302", "460303"):
        assert table.at[code, "approx_coords"]
        assert "shares 460300's seat" in table.at[code, "source"]
    # approximate points are the unit's own polygon centroid, or a listed shared seat
    approx = table[table["approx_coords"]]
    assert approx["source"].str.contains("polygon centroid|shares").all()
    assert len(approx) < 40
    # every point comes from the vendored coordinate table
    assert table["source"].str.startswith("mca-2023; coords: ").all()


# Units with no licensed point of their own (scripts/extract_region_coords.py).
SHARED_SEAT = {
    "460302": "西沙区: seat on 永兴岛 with 三沙市",
    "460303": "南沙区: no licensed point",
    "620502": "秦州区: cpca's point is 天水市's seat, which lies in 秦州区",
}


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


def test_distance_many_every_code_and_alias():
    """Every current code and alias, and statistical codes, against the scalar distance
    (the reference); NaN where the scalar distance refuses the code."""
    codes = [*rg.levels(), *rg.region_aliases(), " 330723 ", 330700, "330185000"]
    codes += ["440306000000", "110105000", "330723101000", "", None, math.nan]  # (a township)
    got = rg.distance_km_many(codes, "330723")
    for code, km in zip(codes, got.tolist(), strict=True):
        try:
            expected = rg.distance_km(str(code).strip(), "330723")
        except rg.UnknownRegionError:
            expected = math.nan
        if code is None or code == "" or (isinstance(code, float) and math.isnan(code)):
            expected = math.nan
        assert km == pytest.approx(expected, rel=1e-12, abs=1e-9, nan_ok=True), code
    assert math.isnan(got[-4]) and not math.isnan(got[-5])  # the township; a county


def test_zones_of_every_code_as_region_zones():
    extra = {"金华周边": ["金华", "330100"]}
    codes = [*rg.levels(), *list(rg.region_aliases())[:300]]
    for given in (None, extra):
        at = rg.zones_of(codes, given)
        assert at == {c: rg.region_zones(c, given) for c in codes}
    assert sum(map(bool, at.values())) > 500  # the zones hold many of the codes


def test_region_columns_are_read_as_pandas_reads_the_table():
    """The look-ups' columns (csv module) hold what ``regions()`` (pandas) holds, cell
    by cell: the same text, the same floats to the bit, NaN where pandas has NaN."""
    from chainmap.model import regions as r

    table = r._table()
    columns = r._columns()
    assert list(columns) == ["adcode", *r.REGION_COLUMNS]
    assert list(columns["adcode"]) == table.index.tolist()
    for name in r.REGION_COLUMNS:
        got, want = list(columns[name]), table[name].tolist()
        assert [type(v) for v in got] == [type(v) for v in want], name
        same = [g == w or (g != g and w != w) for g, w in zip(got, want, strict=True)]
        assert all(same), (name, got[same.index(False)], want[same.index(False)])
    assert any(math.isnan(v) for v in columns["lat"]) == bool(table["lat"].isna().any())
    assert r._longest_name() == int(table["name"].str.len().max())


def test_every_ancestor_shares_the_codes_province_digits():
    """What ``gaps._context_held`` relies on to call ``ancestor`` only for codes of the
    home's province: an adcode's city and province share its first two digits."""
    for code in rg.levels():
        for level in ("province", "city"):
            up = rg.ancestor(code, level)
            assert up is None or up[:2] == code[:2], (code, level, up)
