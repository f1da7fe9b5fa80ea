"""The targeting plan and its four renderings, on the hand-worked tiny chain."""

from __future__ import annotations

import json
import re
import time

from openpyxl import load_workbook
import pytest

from chainmap.analysis.gaps import segment_status
from chainmap.analysis.plan import build_plan
from chainmap.analysis.scoring import rank_enterprises, rank_records
from chainmap.outputs import report
from chainmap.outputs.tables import to_json


@pytest.fixture
def plan(tiny_chain, firms):
    return build_plan(tiny_chain, firms, home="330723", fields=3, per_field=2)


def test_key_fields_are_top_target_segments_by_priority(plan, tiny_chain, firms):
    st = segment_status(tiny_chain, firms, home="330723")
    targets = st[st["target"]].sort_values("priority", ascending=False)
    assert [f["id"] for f in plan.key_fields] == list(targets.index[:3])
    assert "vehicle" not in {f["id"] for f in plan.key_fields}  # application stage
    part = next(f for f in plan.key_fields if f["id"] == "part")
    assert part["strategy"] == "补链"
    # 零件's held neighbours are 金属 upstream and 设备 downstream: their home firms anchor it.
    assert part["anchors_upstream"] == sorted(["本地金属", "本地矿一", "本地矿二"])
    assert part["anchors_downstream"] == ["本地设备"]


def test_key_enterprises_are_the_ranking_per_field(plan, tiny_chain, firms):
    ranked = rank_records(rank_enterprises(tiny_chain, firms, home="330723"))
    for f in plan.key_fields:
        expected = [r["name"] for r in ranked if r["segment"] == f["id"]][:2]
        assert [e["name"] for e in plan.enterprises_for(f["id"])] == expected


def test_key_regions_by_count_lq_and_zone(plan):
    part = plan.regions_for("part")
    names = [r["region"] for r in part]
    # 零件 is held in 苏州 (昆山), 深圳 (南山) and abroad (日本); key regions are places in
    # China at city level; the Japanese firm goes to the 境外 list instead.
    assert set(names) == {"苏州市", "深圳市"}
    assert all(r["level"] == "city" for r in part)
    assert [e["name"] for e in plan.overseas] == ["日本零件"]
    assert "日本零件" not in {e["name"] for e in plan.key_enterprises}
    suzhou = next(r for r in part if r["region"] == "苏州市")
    assert suzhou["candidates"] == 1 and "长三角" in suzhou["zones"] and suzhou["distance_km"] > 0


def test_thin_data_says_which_fields_have_no_candidates(tiny_chain, firms):
    thin = firms[~firms["name"].isin(["朝阳酸"])]
    plan = build_plan(tiny_chain, thin, home="330723", fields=4)
    acid = [f for f in plan.key_fields if f["id"] == "acid"]
    if acid:  # acid stays a gap only if someone else holds it; here nobody does
        assert acid[0]["candidates"] == 0
    assert all(f["candidates"] >= 0 for f in plan.key_fields)
    for f in plan.key_fields:
        if f["candidates"] == 0:
            assert any(f["name_zh"] in n for n in plan.notes)
            assert plan.enterprises_for(f["id"]) == []


def test_json_shape(plan):
    data = json.loads(to_json(plan.to_dict()))
    assert set(data) == {
        "params",
        "key_fields",
        "key_regions",
        "key_enterprises",
        "overseas",
        "notes",
    }
    assert data["params"]["home"] == "330723" and data["params"]["counts"]["home_anchors"] == 4
    for e in data["key_enterprises"]:
        assert sum(e["contributions"].values()) == pytest.approx(e["score"], abs=1e-12)


def test_xlsx_has_four_sheets_and_reopens_into_the_json_records(plan, tmp_path):
    path = report.write_plan_xlsx(plan, tmp_path / "plan.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["重点领域", "重点区域", "重点企业", "境外企业", "说明"]
    back = {v: k for k, v in report.PLAN_HEADERS.items()}
    rows = list(book["重点企业"].values)
    keys = [back[h] for h in rows[0]]
    assert book["重点企业"].freeze_panes == "A2"
    for values, rec in zip(rows[1:], plan.key_enterprises, strict=True):
        got = dict(zip(keys, values, strict=True))
        assert got["name"] == rec["name"] and got["enterprise_id"] == rec["enterprise_id"]
        assert got["score"] == pytest.approx(rec["score"])
        for c in ("gap_priority", "feasibility", "strength", "affinity", "intent"):
            assert got[f"contributions.{c}"] == pytest.approx(rec["contributions"][c])
    fields = list(book["重点领域"].values)
    assert [r[1] for r in fields[1:]] == [f["id"] for f in plan.key_fields]


def test_xlsx_and_docx_bytes_are_deterministic(plan, tmp_path):
    pytest.importorskip("docx")
    a = report.write_plan_xlsx(plan, tmp_path / "a.xlsx").read_bytes()
    c = report.write_plan_docx(plan, tmp_path / "c.docx").read_bytes()
    time.sleep(1.1)  # save times are stamped in seconds; they must not reach the files
    assert a == report.write_plan_xlsx(plan, tmp_path / "b.xlsx").read_bytes()
    assert c == report.write_plan_docx(plan, tmp_path / "d.docx").read_bytes()


def test_html_is_self_contained_printable_and_has_the_diagram(plan):
    page = report.plan_to_html(plan)
    assert "@media print" in page and "<svg" in page
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    assert not re.search(r"(src|href)\s*=\s*['\"]?https?:", page)
    assert "url(" not in page
    for f in plan.key_fields:
        assert f["name_zh"] in page


def test_docx_opens_and_holds_the_key_enterprises(plan, tmp_path):
    docx = pytest.importorskip("docx")
    path = report.write_plan_docx(plan, tmp_path / "plan.docx")
    doc = docx.Document(str(path))
    text = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    for e in plan.key_enterprises:
        assert e["name"] in text
    assert (
        doc.styles["Normal"].element.rPr.rFonts.get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
        )
        == "宋体"
    )


def test_hostile_names_are_inert_in_every_format(tiny_chain, firms, tmp_path):
    hostile = firms.copy()
    hostile.loc[hostile["name"] == "昆山零件", "name"] = '=HYPERLINK("http://x")'
    hostile.loc[hostile["name"] == "南山零件", "name"] = "<script>alert(1)</script>"
    plan = build_plan(tiny_chain, hostile, home="330723", fields=3)
    names = {e["name"] for e in plan.key_enterprises}
    assert {'=HYPERLINK("http://x")', "<script>alert(1)</script>"} <= names
    from markdown_it import MarkdownIt

    md = report.plan_to_markdown(plan)
    page = report.plan_to_html(plan)
    assert "\\<script\\>alert(1)\\</script\\>" in md  # Markdown escapes, not entities
    for text in (MarkdownIt("commonmark").render(md), page):
        assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text
    book = load_workbook(report.write_plan_xlsx(plan, tmp_path / "p.xlsx"))
    cells = [c for row in book["重点企业"].values for c in row if isinstance(c, str)]
    assert '\'=HYPERLINK("http://x")' in cells
    assert not any(c.startswith("=") for c in cells)
    docx = pytest.importorskip("docx")
    doc = docx.Document(str(report.write_plan_docx(plan, tmp_path / "p.docx")))
    text = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert '\'=HYPERLINK("http://x")' in text and not any(t.startswith("=") for t in text)


@pytest.mark.parametrize(
    "value",
    [
        "0.5",
        "0.167",
        "2024.5",
        "1. 氟化工",
        "1.",
        "12) 甲",
        "- 乙",
        "-120.5",
        "> 引用",
        "===",
        "1)",
    ],
)
def test_markdown_text_reads_as_written_and_opens_no_block(value):
    """Numbers stay as written (``0.5``, not ``0\\.5``); list, quote and heading markers are
    escaped. Checked with a CommonMark parser, each value alone on its line."""
    import html as _html

    from markdown_it import MarkdownIt

    text = report.markdown_text(value)
    rendered = MarkdownIt("commonmark").render(text)
    assert rendered.startswith("<p>") and rendered.endswith("</p>\n"), rendered
    assert _html.unescape(rendered[3:-5]) == value
    if value[0].isdigit() and not value.rstrip(".)").isdigit() and " " not in value:
        assert "\\" not in text  # a plain number is written without backslashes


@pytest.mark.parametrize("same_city", ["flag", "exclude"])
def test_the_plan_says_how_the_input_became_the_targets_and_it_adds_up(
    tiny_chain, firms, same_city
):
    """The summary listed 输入 71, 本地锚点 2, 注销 0 and 目标 55: 71 − 2 ≠ 55. Each step now
    counts the firms it removes, once: a same-city firm that has exited is an exit only."""
    table = firms.copy()
    if "exit_status" not in table.columns:
        table["exit_status"] = None
    table.loc[table["name"] == "婺城涂层", "exit_status"] = "exited"  # same city, and exited
    profile = {"affinity": {"same_city": same_city}}
    plan = build_plan(tiny_chain, table, home="330723", fields=3, per_field=2, profile=profile)
    c = plan.params["counts"]
    removed = sum(c.get(key, 0) for key, _label, _always in report.TARGET_STEPS)
    assert c["input"] - removed == c["targets"] > 0
    assert c["exited"] >= 1 and (same_city == "flag" or c["same_city_excluded"] >= 1)
    line = report.plan_to_markdown(plan).splitlines()[5]
    numbers = [int(n) for n in re.findall(r"(\d+)", line)]
    assert numbers[0] - sum(numbers[1:-1]) == numbers[-1] == c["targets"], line


def test_a_candidate_placed_only_in_a_province_is_said_to_be_left_out_of_the_regions():
    """雅克科技 (320000, a province) was counted in its field but in no key region and not in
    the note of the unplaced: the field's 9 candidates came to 8 across the sections."""
    from chainmap import datasets, load_chain
    from chainmap.analysis.holdings import region_at

    chain = load_chain("fluorochem")
    firms = datasets.enterprises(chain)
    plan = build_plan(chain, firms, home="武义县")
    ranked = rank_enterprises(chain, firms, home="武义县", with_stability=False)
    fields = {f["id"] for f in plan.key_fields}
    in_fields = ranked[ranked["segment"].isin(fields) & ~ranked["flags"].map(lambda f: "境外" in f)]
    codes = in_fields["region_code"].astype(object).where(in_fields["region_code"].notna(), None)
    unplaced = int(region_at(codes, "city").isna().sum())
    assert unplaced >= 2 and "江苏雅克科技股份有限公司" in set(in_fields["name"])
    (note,) = [n for n in plan.notes if "未计入重点区域" in n]
    assert note.startswith(f"{unplaced}家候选企业地区未能解析或只到省级")
