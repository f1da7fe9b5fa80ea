"""The static poster: escaping, paper choice, content and the file writers."""

from __future__ import annotations

from pathlib import Path
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from test_maps import XSS, ranking_rows, tables_chain, xss_inputs

from chainmap.errors import ChainmapError
from chainmap.outputs import poster as poster_mod
from chainmap.outputs.poster import MIN_FONT, PAPERS, build_poster, write_poster

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[ET.Element]:
    return list(ET.fromstring(svg.encode("utf-8")).iter(f"{SVG}text"))


def small_chain():
    return tables_chain(
        [
            ("ore", "矿石", "Ore", "resource"),
            ("metal", "金属", "Metal", "material"),
            ("part", "零件", "Part", "component"),
            ("car", "汽车", "Car", "application"),
        ],
        [("ore", "metal", "feedstock_of", ""), ("metal", "part", "feedstock_of", "")],
    )


def small_status():
    return pd.DataFrame(
        [
            ("ore", "strong", None, [], ["浙江某某矿业有限公司"]),
            ("metal", "missing", "补链", [], []),
            ("part", "weak", "强链", [], []),
            ("car", "no_data", None, [], []),
        ],
        columns=["id", "status", "strategy", "reason", "anchors"],
    ).set_index("id")


def test_data_strings_are_text_never_markup():
    chain, status, ranking = xss_inputs()
    svg = build_poster(chain, status=status, ranking=ranking, title=XSS["close"]).svg()
    root = ET.fromstring(svg.encode("utf-8"))  # well-formed XML despite the payloads
    tags = {el.tag.removeprefix(SVG) for el in root.iter()}
    assert tags <= {"svg", "style", "rect", "text"}
    assert not [a for el in root.iter() for a in el.attrib if a.lower().startswith("on")]
    shown = "".join(el.text or "" for el in root.iter(f"{SVG}text"))
    assert "<img" in shown and "<script>" in shown  # the payloads are there, as text
    assert XSS["close"] in shown
    for payload in XSS.values():
        if "<" in payload:
            assert payload not in svg


def test_boxes_carry_status_tags_anchors_and_targets_in_rank_order():
    ranking = ranking_rows(5)  # 企业0 … 企业4 in the metal segment, best first
    poster = build_poster(small_chain(), status=small_status(), ranking=ranking, top_per_segment=3)
    assert poster.paper == "A4"
    svg = poster.svg()
    fills = {r.get("id"): r.get("fill") for r in poster.rects if r.get("id")}
    assert fills["seg-ore"] != fills["seg-metal"] != fills["seg-part"]
    lines = [el.text for el in texts(svg)]
    assert "〔补链〕" in lines and "〔强链〕" in lines
    assert "★本地 某某矿业" in lines  # a derived short name, with the anchor mark
    target = next(t for t in lines if t.startswith("目标 "))
    assert target == "目标 企业0、企业1、企业2"  # the top three by rank, no more
    assert {"上游", "中游", "下游", "资源", "材料", "部件", "应用"} <= set(lines)


def test_given_short_names_win():
    ranking = ranking_rows(2)
    ranking["name"] = ["浙江巨化股份有限公司", "东岳集团有限公司"]
    ranking["short_name"] = [None, "东岳"]
    svg = build_poster(small_chain(), status=small_status(), ranking=ranking).svg()
    assert "目标 巨化股份、东岳" in [el.text for el in texts(svg)]


def test_no_text_below_the_minimum_and_deterministic(fluorochem):
    one = build_poster(fluorochem).svg()
    assert one == build_poster(fluorochem).svg()
    sizes = [float(el.get("font-size")) for el in texts(one)]
    assert min(sizes) >= MIN_FONT
    fonts = re.search(r"font-family: ([^;]+);", one).group(1)
    for face in ("Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC"):
        assert face in fonts


def full_ranking(chain) -> pd.DataFrame:
    """Three targets with long names in every segment."""
    rows = [
        (f"{s.id}-{i}", f"某某省某某{s.name_zh}材料科技股份有限公司{i}", s.id)
        for s in chain.ordered_segments()
        for i in range(3)
    ]
    frame = pd.DataFrame(rows, columns=["enterprise_id", "name", "segment"])
    frame["rank"] = range(1, len(frame) + 1)
    return frame


def test_a_long_stage_splits_and_moves_to_a3_rather_than_shrinking(fluorochem):
    # (the whole fluorochem chain has seven stage columns since the stage fixes: A3 already)
    small = build_poster(fluorochem.neighbourhood("pvdf", 2))
    assert small.paper == "A4" and (small.width, small.height) == PAPERS["A4"][:2]
    poster = build_poster(fluorochem, ranking=full_ranking(fluorochem))
    assert poster.paper == "A3" and (poster.width, poster.height) == PAPERS["A3"][:2]
    assert min(float(el.get("font-size")) for el in texts(poster.svg())) >= MIN_FONT
    xs = {
        round(r["x"])
        for r in poster.rects
        if str(r.get("id", "")).startswith("seg-")
        and r["id"].split("-", 1)[1]
        in {s.id for s in fluorochem.ordered_segments() if s.stage == "material"}
    }
    assert len(xs) >= 2  # 17 material segments: more than one sub-column


def test_title_names_chain_home_and_focus(fluorochem):
    svg = build_poster(fluorochem.neighbourhood("pvdf", 2), home="330723", focus="pvdf").svg()
    title = texts(svg)[0].text
    assert "氟化工" in title and "武义县" in title and "聚偏氟乙烯" in title
    assert texts(build_poster(fluorochem, title="自定").svg())[0].text == "自定"


def test_write_svg_and_reject_other_suffixes(tmp_path, fluorochem):
    poster = build_poster(fluorochem)
    out = write_poster(poster, tmp_path / "a" / "map.svg")
    assert out.read_text(encoding="utf-8") == poster.svg()
    with pytest.raises(ChainmapError, match=r"\.svg"):
        write_poster(poster, tmp_path / "map.jpg")
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["map.svg"]


def test_missing_chromium_is_one_clear_line(tmp_path, fluorochem, monkeypatch):
    monkeypatch.delenv("CHAINMAP_CHROMIUM", raising=False)
    monkeypatch.setattr(poster_mod.shutil, "which", lambda name: None)
    with pytest.raises(ChainmapError) as err:
        write_poster(build_poster(fluorochem), tmp_path / "map.pdf")
    assert "\n" not in str(err.value) and "Chromium" in str(err.value)
    assert not (tmp_path / "map.pdf").exists()


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no /usr/bin/chromium")
def test_png_and_pdf_are_rendered_at_paper_size(tmp_path, fluorochem):
    poster = build_poster(fluorochem)
    png = write_poster(poster, tmp_path / "map.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (2 * int(poster.width), 2 * int(poster.height))
    pdf = write_poster(poster, tmp_path / "map.pdf").read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert len(boxes) == 1  # one page
    w_pt, h_pt = (float(v) for v in boxes[0])
    _, _, w_mm, h_mm = PAPERS[poster.paper]
    assert abs(w_pt - w_mm / 25.4 * 72) < 2 and abs(h_pt - h_mm / 25.4 * 72) < 2  # landscape


def test_policy_gated_segments_are_tagged_and_explained(fluorochem):
    from chainmap import datasets

    plain = build_poster(fluorochem).svg()
    assert "〔禁建〕" not in plain  # no status, no gate
    gated = build_poster(fluorochem, enterprises=datasets.enterprises(fluorochem)).svg()
    # HCFCs and HFCs are barred for new capacity (graphs/policy.csv): the boxes say so,
    # and the legend says what the tag means.
    assert gated.count("〔禁建〕") >= 3  # two boxes and the legend
    assert "政策禁止新建/扩建" in gated
