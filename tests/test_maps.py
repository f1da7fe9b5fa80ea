"""Interactive HTML maps: layout, styles, overlays, escaping, self-containment."""

from __future__ import annotations

import html
import importlib
import json
from pathlib import Path
import re
import sys
import types

import pandas as pd
import pytest

import chainmap
from chainmap.model.chain import Chain, chain_from_tables
from chainmap.model.vocab import STAGE_ORDER
from chainmap.outputs import maps
from chainmap.outputs.maps import (
    RELATION_STYLES,
    STATUS_COLOURS,
    build_map,
    display_map,
    map_html,
    write_map,
)

XSS = {
    "img": '<img src=x onerror="window.__xss=1">',
    "script": "<script>window.__xss=2</script>",
    "attr": '" onmouseover="window.__xss=3" x="',
    "js": "javascript:window.__xss=4",
    "close": "</script><script>window.__xss=5</script><!--",
}


def tables_chain(segments: list[tuple], links: list[tuple], **kw) -> Chain:
    """A chain from (id, name_zh, name_en, stage) and (up, down, relation, note) rows."""
    seg = pd.DataFrame(segments, columns=["id", "name_zh", "name_en", "stage"])
    lnk = pd.DataFrame(links, columns=["upstream_id", "downstream_id", "relation", "note"])
    return chain_from_tables(seg, lnk, chain_id=kw.pop("chain_id", "t"), name_zh="测试链", **kw)


@pytest.fixture
def small():
    """ore, acid → metal → part, plus a used_in link from part back to scrap (basic)."""
    return tables_chain(
        [
            ("ore", "矿石", "Ore", "resource"),
            ("acid", "酸", "Acid", "basic"),
            ("metal", "金属", "Metal", "material"),
            ("part", "零件", "Part", "component"),
            ("scrap", "废料", "Scrap", "basic"),
        ],
        [
            ("ore", "metal", "feedstock_of", ""),
            ("acid", "metal", "feedstock_of", ""),
            ("metal", "part", "used_in", ""),
            ("part", "scrap", "used_in", "回收 recycled"),
        ],
    )


@pytest.fixture
def status():
    return pd.DataFrame(
        [
            ("ore", "strong", None, ["本地矿业"]),
            ("acid", "no_data", None, []),
            ("metal", "missing", "补链", []),
            ("part", "weak", "强链", []),
            ("scrap", "no_data", None, []),
        ],
        columns=["id", "status", "strategy", "anchors"],
    ).set_index("id", drop=False)


def ranking_rows(n: int, segment: str = "metal") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rank": range(1, n + 1),
            "enterprise_id": [f"E{i}" for i in range(n)],
            "name": [f"企业{i}" for i in range(n)],
            "region_code": ["310000"] * n,
            "region": ["上海市"] * n,
            "segment": [segment] * n,
            "strategy": ["补链"] * n,
            "score": [1.0 - 0.1 * i for i in range(n)],
            "reasons": [f"理由{i}" for i in range(n)],
        }
    )


def page_data(page: str) -> dict:
    block = re.search(
        r'<script type="application/json" id="chainmap-data">(.*?)</script>', page, re.S
    )
    return json.loads(block.group(1))


def by_id(net) -> dict:
    return {n["id"]: n for n in net.nodes}


# ---------------------------------------------------------------------- layout and styles


def test_one_node_per_segment_and_one_edge_per_link(fluorochem):
    net = build_map(fluorochem)
    assert sorted(n["id"] for n in net.nodes) == sorted(
        f"seg:{s}" for s in fluorochem.segments_by_id
    )
    assert sorted((e["from"], e["to"]) for e in net.edges) == sorted(
        (f"seg:{k.upstream}", f"seg:{k.downstream}") for k in fluorochem.link_list
    )
    assert len({e["id"] for e in net.edges}) == len(net.edges)


def test_columns_follow_the_global_stage_order(fluorochem):
    # A long stage wraps into sub-columns, but stages never interleave.
    nodes = by_id(build_map(fluorochem))
    x = {sid: nodes[f"seg:{sid}"]["x"] for sid in fluorochem.segments_by_id}
    for a in fluorochem.segments_by_id.values():
        for b in fluorochem.segments_by_id.values():
            if STAGE_ORDER[a.stage] < STAGE_ORDER[b.stage]:
                assert x[a.id] < x[b.id]
    # no two segments share a position
    assert len({(n["x"], n["y"]) for n in nodes.values()}) == len(nodes)


def test_barycentre_order_removes_a_crossing():
    # Ids sort so that a naive order crosses: a→z and b→y; barycentres put y above z.
    chain = tables_chain(
        [
            ("a", "甲", "A", "basic"),
            ("b", "乙", "B", "basic"),
            ("y", "丙", "Y", "material"),
            ("z", "丁", "Z", "material"),
        ],
        [("a", "z", "feedstock_of", ""), ("b", "y", "feedstock_of", "")],
    )
    nodes = by_id(build_map(chain))
    ya, yb = nodes["seg:a"]["y"], nodes["seg:b"]["y"]
    yy, yz = nodes["seg:y"]["y"], nodes["seg:z"]["y"]
    assert (ya < yb) == (yz < yy)


def test_back_links_are_curved_and_relations_styled(small):
    edges = {(e["from"], e["to"]): e for e in build_map(small).edges}
    back = edges[("seg:part", "seg:scrap")]
    assert back["smooth"]["enabled"] and back["smooth"]["type"].startswith("curved")
    assert "earlier stage" in back["title"]
    assert "smooth" not in edges[("seg:ore", "seg:metal")]
    feed, used = edges[("seg:ore", "seg:metal")], edges[("seg:metal", "seg:part")]
    assert feed["dashes"] == RELATION_STYLES["feedstock_of"]["dashes"]
    assert used["dashes"] == RELATION_STYLES["used_in"]["dashes"]
    assert feed["dashes"] != used["dashes"]


def test_fluorochem_chlor_alkali_link_back_is_drawn(fluorochem):
    # PFSA membranes (material) are used by chlor-alkali cells (basic): a link to an earlier stage
    edges = {(e["from"], e["to"]): e for e in build_map(fluorochem).edges}
    link = edges[("seg:pfsa_membrane", "seg:chlor_alkali")]
    assert link["smooth"]["type"] in ("curvedCW", "curvedCCW")


def test_status_colours_and_strategy_labels(small, status):
    nodes = by_id(build_map(small, status=status))
    assert nodes["seg:ore"]["color"]["background"] == STATUS_COLOURS["strong"]
    assert nodes["seg:acid"]["color"]["background"] == STATUS_COLOURS["no_data"]
    assert nodes["seg:metal"]["color"]["background"] == STATUS_COLOURS["missing"]
    assert nodes["seg:metal"]["label"] == "金属\n〔补链〕"
    assert nodes["seg:part"]["label"] == "零件\n〔强链〕"
    assert nodes["seg:metal"]["shapeProperties"] != nodes["seg:part"]["shapeProperties"]
    assert "Metal" in nodes["seg:metal"]["title"]  # English in the tooltip
    neutral = by_id(build_map(small))
    assert {n["color"]["background"] for n in neutral.values()} == {STATUS_COLOURS[None]}


# ---------------------------------------------------------------------- overlays


def test_top_k_targets_per_segment_stacked_by_rank(small):
    ranking = ranking_rows(7).sample(frac=1, random_state=1)  # order must not matter
    net = build_map(small, ranking=ranking, top_per_segment=3)
    targets = [n for n in net.nodes if n["kind"] == "target"]
    assert [n["id"] for n in targets] == ["ent:E0", "ent:E1", "ent:E2"]
    ys = [n["y"] for n in targets]  # stacked beside their segment, best first
    assert ys == sorted(ys) and ys[0] < ys[-1]
    assert {n["x"] for n in targets} and min(n["x"] for n in targets) > by_id(net)["seg:metal"]["x"]
    assert "上海市" in targets[1]["title"] and "理由1" in targets[1]["title"]
    assert "0.9" in targets[1]["title"]
    spokes = [e for e in net.edges if e["kind"] == "satellite"]
    assert sorted(e["from"] for e in spokes) == ["ent:E0", "ent:E1", "ent:E2"]
    assert {e["to"] for e in spokes} == {"seg:metal"}
    assert len(build_map(small, ranking=ranking, top_per_segment=None).nodes) == 5 + 7


def test_home_anchors_highlighted_and_small_data_shows_all(small, status):
    enterprises = pd.DataFrame(
        {
            "enterprise_id": ["L1", "F1", "F2"],
            "name": ["本地金属厂", "外地金属厂", "外地零件厂"],
            "region_code": ["330723", "310101", "320100"],
            "segments": [["metal"], ["metal", "part"], ["part"]],
            "revenue": [1.0, 2.0, None],
            "revenue_year": [2023, 2021, None],
        }
    )
    net = build_map(small, enterprises=enterprises, home="330723", status=status)
    nodes = by_id(net)
    assert nodes["ent:L1"]["kind"] == "anchor" and nodes["ent:L1"]["label"] == "★本地金属厂"
    assert nodes["ent:F1"]["kind"] == "enterprise"
    # the status frame's anchor name becomes a node too, next to its segment
    assert nodes["anchor:本地矿业"]["kind"] == "anchor"
    # F1 holds two segments: one node, two spokes
    assert sorted(e["to"] for e in net.edges if e["from"] == "ent:F1") == ["seg:metal", "seg:part"]
    assert net.chainmap["data_date"].endswith("2023")
    # a city-level home also covers its counties
    city = build_map(small, enterprises=enterprises, home="330700", status=status)
    assert by_id(city)["ent:L1"]["kind"] == "anchor"


def test_joined_chain_marks_members_and_shared_segments(small):
    joined = Chain(
        id="a,b",
        name_zh="联合",
        name_en="Joined",
        segments_by_id=dict(small.segments_by_id),
        link_list=list(small.link_list),
        members=("a", "b"),
        membership={
            "ore": ("a",),
            "acid": ("b",),
            "metal": ("a", "b"),
            "part": ("b",),
            "scrap": ("b",),
        },
    )
    net = build_map(joined)
    nodes = by_id(net)
    assert nodes["seg:metal"]["color"]["border"] == maps._SHARED_COLOUR
    assert nodes["seg:ore"]["color"]["border"] != nodes["seg:acid"]["color"]["border"]
    legend = " ".join(item["text"] for item in net.chainmap["legend"])
    assert "chain a" in legend and "chain b" in legend
    assert "a, b" in nodes["seg:metal"]["title"]


def test_long_names_shortened_in_labels_only(small):
    ranking = ranking_rows(1)
    ranking.loc[0, "name"] = "甲" * 30
    node = by_id(build_map(small, ranking=ranking))["ent:E0"]
    assert node["label"] == "甲" * 5 + "…"  # at most maps._CHIP_MAX_EM wide
    assert node["name"] == "甲" * 30 and node["title"].startswith("甲" * 30)


def test_physics_is_kept_off_for_large_maps(small):
    assert build_map(small, physics=True).options["physics"]["enabled"] is True
    big = ranking_rows(maps.PHYSICS_MAX_NODES)  # plus the segments: over the limit
    net = build_map(small, ranking=big, top_per_segment=None, physics=True)
    assert len(net.nodes) > maps.PHYSICS_MAX_NODES
    assert net.options["physics"]["enabled"] is False
    assert "physics off" in map_html(net)


def test_does_not_use_pyvis_add_node_or_add_edge(small, monkeypatch):
    from pyvis.network import Network

    def refuse(*a, **k):
        raise AssertionError("linear-scan pyvis path used")

    monkeypatch.setattr(Network, "add_node", refuse)
    monkeypatch.setattr(Network, "add_edge", refuse)
    net = build_map(small, ranking=ranking_rows(3))
    assert net.get_nodes() == [n["id"] for n in net.nodes]  # pyvis API still consistent


# ---------------------------------------------------------------------- HTML


def test_html_is_self_contained(fluorochem, tmp_path):
    page = map_html(build_map(fluorochem))
    js, css = maps._vis_assets()
    assert js in page and css in page
    assert "@license" in page and "Almende" in page  # vis-network licence notice kept
    rest = page.replace(js, "")
    assert not re.search(r"https?://", rest)
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=", rest, re.I)
    out = write_map(build_map(fluorochem), tmp_path / "m.html")
    assert out.read_text(encoding="utf-8") == page


def test_html_is_deterministic_and_order_independent(small):
    segs = small.segments_frame()[["id", "name_zh", "name_en", "stage"]]
    links = small.links_frame().rename(
        columns={"upstream": "upstream_id", "downstream": "downstream_id"}
    )
    shuffled = chain_from_tables(
        segs.iloc[::-1].reset_index(drop=True),
        links.iloc[::-1].reset_index(drop=True)[
            ["upstream_id", "downstream_id", "relation", "note"]
        ],
        chain_id="t",
        name_zh="测试链",
    )
    assert map_html(build_map(small)) == map_html(build_map(shuffled))


def xss_inputs():
    chain = tables_chain(
        [
            ("s1", XSS["img"], XSS["attr"], "basic"),
            ("s2", XSS["script"], XSS["js"], "material"),
            ("s3", "正常", "Normal", "product"),
        ],
        [("s1", "s2", "feedstock_of", XSS["close"]), ("s2", "s3", "used_in", XSS["img"])],
    )
    status = pd.DataFrame(
        [
            ("s1", "strong", None, XSS["attr"], [XSS["img"]]),
            ("s2", "missing", "补链", XSS["script"], []),
            ("s3", "weak", "强链", XSS["js"], [XSS["close"]]),
        ],
        columns=["id", "status", "strategy", "reason", "anchors"],
    )
    ranking = pd.DataFrame(
        {
            "rank": [1, 2, 3, 4],
            "enterprise_id": ["X1", "X2", "X3", "X4"],
            "name": [XSS["img"], XSS["script"], XSS["attr"], XSS["js"]],
            "region": [XSS["close"], "上海", XSS["img"], "北京"],
            "region_code": ["", "310000", "", "110000"],
            "segment": ["s2", "s2", "s3", "s1"],
            "strategy": ["补链", "补链", "强链", "延链"],
            "score": [0.9, 0.8, 0.7, 0.6],
            "reasons": [XSS["js"], XSS["script"], XSS["img"], XSS["attr"]],
        }
    )
    return chain, status, ranking


def test_data_strings_never_reach_the_markup_raw():
    chain, status, ranking = xss_inputs()
    net = build_map(chain, status=status, ranking=ranking, title=XSS["close"], data_date=XSS["img"])
    page = map_html(net)
    for payload in XSS.values():
        if "<" in payload or '"' in payload:
            assert payload not in page
    assert page.count("</script>") == 3  # data, vis-network, ours
    assert f"<title>{html.escape(XSS['close'])}</title>" in page
    data = page_data(page)  # round trip: the browser gets the exact strings back
    names = {n.get("name", n["label"]) for n in data["nodes"]}
    assert names >= {XSS["img"], XSS["script"], XSS["attr"], XSS["js"]}
    assert any(XSS["close"] in (e.get("title") or "") for e in data["edges"])


def test_hand_edited_nodes_with_numpy_and_nan_still_serialise(small):
    import numpy as np

    net = build_map(small)
    net.nodes[0]["score"] = float("nan")
    net.nodes[1]["size"] = np.int64(7)
    net.nodes[2]["weights"] = np.array([0.5, 1.5])
    nodes = page_data(map_html(net))["nodes"]
    assert nodes[0]["score"] is None and nodes[1]["size"] == 7 and nodes[2]["weights"] == [0.5, 1.5]


def test_display_map_uses_escaped_srcdoc(small):
    net = build_map(small)
    shown = display_map(net).data
    match = re.fullmatch(
        r'<div[^>]*><iframe srcdoc="([^"]*)" sandbox="allow-scripts" [^>]*></iframe></div>', shown
    )
    assert match and html.unescape(match.group(1)) == map_html(net)


# ---------------------------------------------------------------------- CLI


def test_cli_writes_the_map_and_reports_the_path(invoke, tmp_path, tiny_ttl):
    ttl = tmp_path / "tiny.ttl"
    ttl.write_text(tiny_ttl, encoding="utf-8")
    out = tmp_path / "maps" / "tiny.html"
    out.parent.mkdir()
    result = invoke("map", ttl, "-o", out)
    assert result.exit_code == 0, result.output
    assert str(out) in result.stderr and result.stdout == ""
    data = page_data(out.read_text(encoding="utf-8"))
    assert sorted(n["id"] for n in data["nodes"] if n["kind"] == "segment") == [
        "seg:metal",
        "seg:ore",
        "seg:part",
    ]
    assert data["options"]["physics"]["enabled"] is False


def test_cli_default_output_neighbourhood_and_physics(invoke, tiny_ttl, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default output is ./map.html
    Path("tiny.ttl").write_text(tiny_ttl, encoding="utf-8")
    result = invoke("map", "tiny.ttl", "--segment", "ore", "--depth", "1", "--physics")
    assert result.exit_code == 0
    data = page_data(Path("map.html").read_text(encoding="utf-8"))
    assert sorted(n["id"] for n in data["nodes"] if n["kind"] == "segment") == [
        "seg:metal",
        "seg:ore",
    ]
    assert data["options"]["physics"]["enabled"] is True


def test_cli_unknown_segment_is_a_one_line_error(invoke, tmp_path, tiny_ttl):
    ttl = tmp_path / "tiny.ttl"
    ttl.write_text(tiny_ttl, encoding="utf-8")
    result = invoke("map", ttl, "--segment", "nope", "-o", tmp_path / "x.html")
    assert result.exit_code != 0
    assert "nope" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.html").exists()


def home_and_targets() -> pd.DataFrame:
    """For ore → metal → part: home (330723) holds ore and part; three firms hold metal."""

    def firm(eid, code, segments):
        return {
            "enterprise_id": eid,
            "name": f"企业{eid}",
            "uscc": None,
            "region_code": code,
            "country": "中国",
            "segments": segments,
            "segments_source": "tagged",
            "active": True,
        }

    return pd.DataFrame(
        [firm("H1", "330723", ["ore", "part"])]
        + [firm(f"T{i}", "310101", ["metal"]) for i in range(3)]
        + [firm("T9", "320102", ["ore"])]
    )


def test_status_computed_from_enterprises_when_not_given(tiny_ttl):
    importlib.import_module("chainmap.analysis.gaps")
    importlib.import_module("chainmap.model.regions")
    from chainmap.model.chain import parse_chain

    chain = parse_chain(tiny_ttl)
    nodes = by_id(build_map(chain, enterprises=home_and_targets(), home="武义县"))
    assert nodes["seg:metal"]["strategy"] == "补链"  # ore held upstream, part downstream
    assert nodes["seg:metal"]["color"]["background"] == STATUS_COLOURS["missing"]
    assert nodes["ent:H1"]["kind"] == "anchor"  # the home given by name was resolved


def test_cli_overlays_from_the_bundled_sample(invoke, tmp_path, tiny_ttl, monkeypatch):
    """ore → metal → part (feedstock links); home holds ore and part, so metal is 补链."""
    importlib.import_module("chainmap.analysis.scoring")
    importlib.import_module("chainmap.analysis.gaps")
    importlib.import_module("chainmap.model.regions")

    frame = home_and_targets()
    sample = types.ModuleType("chainmap.datasets")
    sample.enterprises = lambda chain: frame
    monkeypatch.setitem(sys.modules, "chainmap.datasets", sample)
    monkeypatch.setattr(chainmap, "datasets", sample, raising=False)  # if already imported
    ttl = tmp_path / "tiny.ttl"
    ttl.write_text(tiny_ttl, encoding="utf-8")
    out = tmp_path / "m.html"
    result = invoke("map", ttl, "-o", out, "--home", "330723", "--top-per-segment", "2")
    assert result.exit_code == 0, result.output
    nodes = {n["id"]: n for n in page_data(out.read_text(encoding="utf-8"))["nodes"]}
    assert nodes["seg:metal"]["status"] == "missing" and nodes["seg:metal"]["strategy"] == "补链"
    assert nodes["seg:ore"]["status"] == "strong"
    assert nodes["ent:H1"]["kind"] == "anchor"
    targets = [n for n in nodes.values() if n["kind"] == "target"]
    assert len([n for n in targets if "metal" in n["title"]]) == 2


def test_cli_bundled_overlays(invoke, tmp_path):
    importlib.import_module("chainmap.analysis.scoring")
    importlib.import_module("chainmap.analysis.gaps")
    importlib.import_module("chainmap.datasets")
    out = tmp_path / "m.html"
    result = invoke("map", "fluorochem", "-o", out, "--top-per-segment", "2")
    assert result.exit_code == 0
    data = page_data(out.read_text(encoding="utf-8"))
    per_segment: dict[str, int] = {}
    for e in data["edges"]:
        if e["kind"] == "satellite" and e["from"].startswith("ent:"):
            node = next(n for n in data["nodes"] if n["id"] == e["from"])
            if node["kind"] == "target":
                per_segment[e["to"]] = per_segment.get(e["to"], 0) + 1
    assert per_segment and max(per_segment.values()) <= 2
    assert any(n["kind"] == "anchor" for n in data["nodes"])


def test_cli_map_and_build_map_draw_the_same_map(invoke, tmp_path):
    from chainmap import datasets
    from chainmap.analysis.scoring import rank_enterprises
    from chainmap.model.chain import load_chain

    chain = load_chain("fluorochem")
    firms = datasets.enterprises(chain)
    ranking = rank_enterprises(chain, firms, with_stability=False)
    library = write_map(build_map(chain, enterprises=firms, ranking=ranking), tmp_path / "a.html")
    res = invoke("map", "fluorochem", "-o", tmp_path / "b.html")
    assert res.exit_code == 0, res.output
    assert library.read_bytes() == (tmp_path / "b.html").read_bytes()


# ---------------------------------------------------------------------- briefing


def test_ledger_marker_has_a_legend_entry(small, status):
    net = build_map(small, status=status, projects={"metal": ["项目甲", "项目乙"]})
    assert by_id(net)["seg:metal"]["label"].endswith("\n▶2个项目")
    legend = [item["text"] for item in net.chainmap["legend"]]
    assert any(text.startswith("▶N个项目") for text in legend)
    assert not any("▶" in item["text"] for item in build_map(small).chainmap["legend"])


def test_revenues_of_different_years_are_never_one_scale(small):
    firms = pd.DataFrame(
        {
            "enterprise_id": ["OLD", "NEW", "NEW2", "NONE"],
            "name": ["老年份大厂", "新年份小厂", "新年份中厂", "无营收厂"],
            "region_code": ["310101"] * 4,
            "segments": [["metal"]] * 4,
            "revenue": [900.0, 1.0, 5.0, None],
            "revenue_year": [2019, 2024, 2024, None],
        }
    )
    net = build_map(small, enterprises=firms)
    order = [n["id"] for n in sorted(net.nodes, key=lambda n: n["y"]) if n["kind"] == "enterprise"]
    # 2024 revenues compared with each other; the 2019 figure is not ranked against them.
    assert order == ["ent:NEW2", "ent:NEW", "ent:NONE", "ent:OLD"]


def test_default_title_names_chain_home_and_focus(fluorochem):
    title = build_map(fluorochem.neighbourhood("pvdf", 2), home="330723", focus="pvdf")
    text = title.chainmap["title"]
    assert "氟化工" in text and "武义县" in text and "聚偏氟乙烯" in text
    assert build_map(fluorochem, title="自定标题").chainmap["title"] == "自定标题"


def test_layout_labels_stages_and_bands(fluorochem):
    decor = build_map(fluorochem).chainmap["decor"]
    assert [d["text"] for d in decor if d["kind"] == "band"] == ["上游", "中游", "下游"]
    headings = [d["text"] for d in decor if d["kind"] == "heading"]
    # fluorochem has cells (部件: lithium_battery) and fuel cells (产品) since the stage fixes
    assert headings == ["资源", "基础化学品", "中间体", "材料", "部件", "产品", "应用"]


def test_cli_hide_stage_title_and_poster(invoke, tmp_path):
    out = tmp_path / "m.html"
    result = invoke(
        "map", "fluorochem", "--hide-stage", "application", "--title", "T<1>", "-o", out
    )
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    data = page_data(page)
    stages = {n["stage"] for n in data["nodes"] if n["kind"] == "segment"}
    assert stages and "application" not in stages
    assert "<title>T&lt;1&gt;</title>" in page
    bad = invoke("map", "fluorochem", "--hide-stage", "nope", "-o", tmp_path / "x.html")
    assert bad.exit_code != 0 and "nope" in bad.output and "Traceback" not in bad.output
    svg = tmp_path / "m.svg"
    assert invoke("map", "fluorochem", "-o", svg).exit_code == 0
    assert svg.read_text(encoding="utf-8").startswith("<?xml") and "<script" not in svg.read_text(
        encoding="utf-8"
    )
