"""The plan as an office prints and sends it (issue 18 §3–§4): DOCX, XLSX, HTML, the
one-pager, the briefing pack and the comparison with an earlier plan.

The fast tests read the files' own XML and cells; the slow ones convert with headless
LibreOffice or print with headless Chromium and count the pages.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import shutil
import subprocess
import time
import zipfile

from openpyxl import load_workbook
import pytest

from chainmap import datasets
from chainmap.analysis.plan import build_plan, compare_plans
from chainmap.errors import InputError
from chainmap.model.profile import load_profile
from chainmap.model.vocab import STAGE_LABELS
from chainmap.outputs import report
from chainmap.outputs.brief import MANIFEST, SkipFile, write_pack

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(
    SOFFICE is None,
    reason="no LibreOffice (soffice); .ci/run installs Debian's libreoffice-writer-nogui",
)


@pytest.fixture(scope="module")
def fluoro_plan():
    """The default plan for 武义县 (the profile's home) on the bundled sample."""
    from chainmap import load_chain

    chain = load_chain("fluorochem")
    return build_plan(
        chain,
        datasets.enterprises(chain),
        sources=["chainmap 内置样本企业名单 / bundled sample"],
    )


def _document_xml(path: Path):
    from xml.etree import ElementTree

    with zipfile.ZipFile(path) as z:
        return ElementTree.fromstring(z.read("word/document.xml"))


def _text(root) -> str:
    return "".join(t.text or "" for t in root.iter(f"{W}t"))


def _pages(pdf: Path) -> int:
    """Page count of a PDF: pdfinfo where installed, else the page objects counted."""
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
        return int(re.search(r"^Pages:\s+(\d+)", out.stdout, re.M).group(1))
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.read_bytes()))


def _to_pdf(docx: Path, tmp_path: Path) -> Path:
    out = tmp_path / "pdf"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(docx),
        ],
        capture_output=True,
        timeout=300,
        check=True,
    )
    return out / (docx.stem + ".pdf")


# ---------------------------------------------------------------------- DOCX


def test_docx_is_a4_with_landscape_table_sections(fluoro_plan, tmp_path):
    pytest.importorskip("docx")
    root = _document_xml(report.write_plan_docx(fluoro_plan, tmp_path / "plan.docx"))
    sizes = [
        (int(s.get(f"{W}w")), int(s.get(f"{W}h")), s.get(f"{W}orient"))
        for s in root.iter(f"{W}pgSz")
    ]
    assert sizes == [
        (11906, 16838, None),  # A4 portrait cover
        (16838, 11906, "landscape"),  # the tables
        (11906, 16838, None),  # parameters and sources
    ]
    # The tables sit in the landscape section: its sectPr closes the paragraph after them.
    body = root.find(f"{W}body")
    kinds = []
    for el in body:
        if el.tag == f"{W}tbl":
            kinds.append("table")
        elif el.find(f"{W}pPr/{W}sectPr") is not None:
            kinds.append(el.find(f"{W}pPr/{W}sectPr/{W}pgSz").get(f"{W}orient") or "portrait")
    assert kinds[0] == "portrait" and "table" not in kinds[:1]
    first_table = kinds.index("table")
    assert kinds[first_table - 1] == "portrait" and kinds[first_table:].index("landscape") > 0
    assert "table" not in kinds[kinds.index("landscape") :]


def test_docx_columns_fit_their_content_and_rows_never_split(fluoro_plan, tmp_path):
    pytest.importorskip("docx")
    root = _document_xml(report.write_plan_docx(fluoro_plan, tmp_path / "plan.docx"))
    tables = list(root.iter(f"{W}tbl"))
    assert tables
    for tbl in tables:
        assert tbl.find(f"{W}tblPr/{W}tblLayout").get(f"{W}type") == "fixed"
        rows = tbl.findall(f"{W}tr")
        assert all(r.find(f"{W}trPr/{W}cantSplit") is not None for r in rows)
        assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
        widths = [int(g.get(f"{W}w")) for g in tbl.iter(f"{W}gridCol")]
        # the table fills the landscape text width (A4 297 mm less 2 × 15 mm), no more
        assert sum(widths) <= 16838 - 2 * 850 + 5
    headers = {}
    for tbl in tables:
        first = tbl.find(f"{W}tr")
        names = ["".join(t.text for t in c.iter(f"{W}t")) for c in first.findall(f"{W}tc")]
        widths = [int(g.get(f"{W}w")) for g in tbl.iter(f"{W}gridCol")]
        headers[tuple(names)] = dict(zip(names, widths, strict=True))
    ents = next(w for names, w in headers.items() if "推荐理由" in names)
    assert ents["推荐理由"] == max(ents.values())
    assert ents["推荐理由"] > 3 * ents["得分"]
    assert ents["得分"] < ents["企业名称"]
    fields = next(w for names, w in headers.items() if "理由" in names)
    assert fields["理由"] == max(fields.values()) and fields["序号"] == min(fields.values())
    # the cells carry the same widths as the grid (Word reads one, LibreOffice the other)
    for tbl in tables:
        grid = [int(g.get(f"{W}w")) for g in tbl.iter(f"{W}gridCol")]
        for tr in tbl.findall(f"{W}tr"):
            cells = [int(tc.find(f"{W}tcPr/{W}tcW").get(f"{W}w")) for tc in tr.findall(f"{W}tc")]
            assert cells == grid


def test_docx_says_the_figure_year_once_and_issues_from_the_office(fluoro_plan, tmp_path):
    pytest.importorskip("docx")
    text = _text(_document_xml(report.write_plan_docx(fluoro_plan, tmp_path / "plan.docx")))
    assert text.count("数据最新年份") == 1
    assert f"企业动态截至 {fluoro_plan.params['signals_date']}" in text
    assert "数据截至" not in text  # (the date is the events', not the firm table's)
    plan = build_plan(
        fluoro_plan.chain,
        datasets.enterprises(fluoro_plan.chain),
        profile=load_profile(office={"name": "武义县投资促进中心"}),
        fields=2,
        per_field=1,
    )
    plan.params["date"] = "2025-06-30"
    text = _text(_document_xml(report.write_plan_docx(plan, tmp_path / "office.docx")))
    assert "武义县投资促进中心 · 印发日期 2025-06-30" in text
    assert "武义县投资促进中心 · 印发日期 2025-06-30" in report.plan_to_html(plan)


def test_fit_widths_keeps_numbers_narrow_and_gives_text_the_rest():
    widths = report.fit_widths(
        ["序号", "得分", "理由"], [["1", "0.736", "长" * 80], ["10", "0.5", "短"]], 100
    )
    assert sum(widths) == pytest.approx(100)
    assert widths[0] < widths[1] < widths[2]
    # a header wraps to two lines at most, never one character per line
    narrow = report.fit_widths(["本地企业数", "理由"], [["3", "长" * 200]], 40)
    assert narrow[0] >= 6


@needs_soffice
@pytest.mark.slow
def test_default_docx_plan_prints_on_six_a4_pages_or_fewer(fluoro_plan, tmp_path):
    pytest.importorskip("docx")
    pdf = _to_pdf(report.write_plan_docx(fluoro_plan, tmp_path / "plan.docx"), tmp_path)
    assert 1 <= _pages(pdf) <= 6


@needs_soffice
@pytest.mark.slow
def test_one_page_docx_is_one_page(fluoro_plan, tmp_path):
    pytest.importorskip("docx")
    pdf = _to_pdf(report.write_one_page(fluoro_plan, tmp_path / "brief.docx"), tmp_path)
    assert _pages(pdf) == 1


# ---------------------------------------------------------------------- XLSX


def test_xlsx_number_formats_labels_and_print_setup(fluoro_plan, tmp_path):
    book = load_workbook(report.write_plan_xlsx(fluoro_plan, tmp_path / "plan.xlsx"))
    for sheet in book.worksheets:
        assert int(sheet.page_setup.paperSize) == 9  # A4 in the OOXML paper table
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert sheet.print_title_rows == "$1:$1"
        assert sheet.freeze_panes == "A2"

    def column(sheet, header):
        heads = [c.value for c in book[sheet][1]]
        return [row[heads.index(header)] for row in book[sheet].iter_rows(min_row=2)]

    formats = {
        ("重点企业", "得分"): "0.000",
        ("重点企业", "贡献:企业实力"): "0.000",
        ("重点企业", "稳定性"): "0.0%",
        ("重点区域", "距离(公里)"): "0",
        ("重点区域", "区位商"): "0.00",
        ("重点领域", "可行性"): "0.000",
    }
    for (sheet, header), fmt in formats.items():
        cells = [c for c in column(sheet, header) if c.value is not None]
        assert cells and all(c.number_format == fmt for c in cells), (sheet, header)
        assert all(isinstance(c.value, (int, float)) for c in cells)  # still numbers
    zh_stages = {v[0] for v in STAGE_LABELS.values()}
    assert {c.value for c in column("重点领域", "阶段")} <= zh_stages
    assert {c.value for c in column("重点领域", "现状")} <= set(report.STATUS_ZH.values())
    assert {c.value for c in column("重点领域", "策略")} <= {"补链", "延链", "强链", "建链"}
    assert {c.value for c in column("重点区域", "级别")} == {"市"}
    bands = [c.value for c in column("重点企业", "排名区间") if c.value]
    assert bands and all(re.fullmatch(r"\d+–\d+", b) for b in bands)


# ---------------------------------------------------------------------- HTML and all formats


def test_human_formats_show_chinese_labels_and_hide_empty_columns(fluoro_plan, tmp_path):
    page = report.plan_to_html(fluoro_plan)
    md = report.plan_to_markdown(fluoro_plan)
    assert not any(e.get("legal_rep") or e.get("address") for e in fluoro_plan.key_enterprises)
    for text in (page, md):
        assert "法定代表人" not in text and ">地址<" not in text and "| 地址 |" not in text
        assert "<td class='c-level'>city</td>" not in text and "| city |" not in text
    assert "<td class='c-level'>市</td>" in page
    assert "white-space:nowrap" in page.split("th{", 1)[1].split("}", 1)[0]


def test_missing_everywhere_is_said_once_not_per_row(fluoro_plan, tmp_path):
    missing = "注册资本"
    assert any(missing in n for n in fluoro_plan.notes)
    for e in fluoro_plan.key_enterprises + fluoro_plan.overseas:
        assert missing not in e["reasons"]
    page = report.plan_to_html(fluoro_plan)
    md = report.plan_to_markdown(fluoro_plan)
    assert page.count(missing) == 1 and md.count(missing) == 1
    text = _text(_document_xml(report.write_plan_docx(fluoro_plan, tmp_path / "p.docx")))
    assert text.count(missing) == 1
    # reasons still say what this firm lacks: 营收 is missing for some firms only
    assert any("缺少营收" in e["reasons"] for e in fluoro_plan.key_enterprises)
    assert any("缺少营收" in report._firm_reason(e["reasons"]) for e in fluoro_plan.key_enterprises)


def test_overseas_and_unresolved_are_kept_apart_in_every_format(fluoro_plan, tmp_path):
    assert fluoro_plan.overseas
    assert all(r["region"] != "中国 (地区未知)" for r in fluoro_plan.key_regions)
    abroad = fluoro_plan.overseas[0]["name"]
    unresolved = next(n for n in fluoro_plan.notes if "地区未能解析" in n)
    page = report.plan_to_html(fluoro_plan)
    md = report.plan_to_markdown(fluoro_plan)
    docx = _text(_document_xml(report.write_plan_docx(fluoro_plan, tmp_path / "p.docx")))
    book = load_workbook(report.write_plan_xlsx(fluoro_plan, tmp_path / "p.xlsx"))
    rows = list(book["境外企业"].iter_rows(values_only=True))
    xlsx_abroad = [r[rows[0].index("企业名称")] for r in rows[1:]]
    for text in (page, md, docx):
        assert "境外企业(无已知在华基地)" in text
        assert abroad in text.split("境外企业(无已知在华基地)", 1)[1]
        assert unresolved.split(" / ")[0] in text
    assert abroad in [r for r in xlsx_abroad if r]


def test_no_file_system_path_in_any_output(tmp_path, invoke):
    data = tmp_path / "secret dir" / "firms.csv"
    data.parent.mkdir()
    from chainmap import load_chain

    datasets.enterprises(load_chain("fluorochem")).to_csv(data, index=False)
    outs = {}
    for suffix in ("md", "html", "json", "xlsx", "docx"):
        out = tmp_path / f"plan.{suffix}"
        invoke("plan", "fluorochem", "--enterprises", data, "-o", out)
        outs[suffix] = out
    invoke("plan", "fluorochem", "--enterprises", data, "--one-page", "-o", tmp_path / "b.html")
    outs["one-page"] = tmp_path / "b.html"
    for name, path in outs.items():
        if path.suffix in (".xlsx", ".docx"):
            with zipfile.ZipFile(path) as z:
                text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        else:
            text = path.read_text(encoding="utf-8")
        for needle in (str(tmp_path), "secret dir", "graphs/", "docs/", "companies_"):
            assert needle not in text, (name, needle)
        assert "firms.csv" in text  # the source is named by its title


# ---------------------------------------------------------------------- the one-pager


def test_one_page_has_fields_ten_leads_and_the_caveat(fluoro_plan):
    page = report.one_page_html(fluoro_plan)
    leads = sorted(fluoro_plan.key_enterprises, key=lambda r: r["rank"])[:10]
    for f in fluoro_plan.key_fields:
        assert f["name_zh"] in page
    for e in leads:
        assert e["name"] in page
    assert page.count("<td class=firm>") == min(10, len(fluoro_plan.key_enterprises))
    assert "数据说明" in page and "2024" in page
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    lines = report.lead_lines(fluoro_plan, leads[0])
    assert "公里" in lines["place"] and "公里" not in lines["firm"]
    assert "上市公司" in lines["firm"]
    # No policy row on a key field is "none found in the table", never "no restriction":
    # the table holds the sourced ODS/HFC notices, not every rule a project must meet.
    gated = [f for f in fluoro_plan.key_fields if report._segment_gate(fluoro_plan, f["id"])]
    if not gated:
        assert re.search("政策表中重点领域(本身)?均无限制或须入园条目", page)
        assert "立项前请另行核实" in page
        assert "无政策限制" not in page
    plain = [e for e in leads if report.lead_lines(fluoro_plan, e)["gate"] == "未见记录"]
    assert plain and all(report.lead_lines(fluoro_plan, e)["gate"] != "无" for e in leads)
    # A field whose downstream is barred says so in its own column (the page clips the
    # reason), and so does each of its leads.
    capped = {
        f["id"] for f in fluoro_plan.key_fields if report._downstream_capped(fluoro_plan, f["id"])
    }
    assert capped == {"chlorinated_feedstocks"}  # (武义: feeds only HCFCs, HFCs, blowing agents)
    assert page.count(report.DOWNSTREAM_CAPPED) == 1 + sum(e["field"] in capped for e in leads)
    for e in leads:
        gate = report.lead_lines(fluoro_plan, e)["gate"]
        assert (report.DOWNSTREAM_CAPPED in gate) == (e["field"] in capped), (e["name"], gate)
    # The caveat does not deny what the column says (the fields themselves meet no row).
    data = report._one_page_data(fluoro_plan)
    assert any(c.startswith("政策表中重点领域本身均无限制") for c in data["caveat"])
    assert not any(c.startswith("政策表中重点领域均无限制") for c in data["caveat"])


def test_a_lead_s_own_risk_comes_before_its_field_s_note(fluoro_plan):
    """The 政策与风险 cell is clipped: a firm's 经营异常 must not give way to the field's
    downstream note, which the key-field table shows anyway."""
    from chainmap.analysis.plan import build_plan

    chain = fluoro_plan.chain
    table = datasets.enterprises(chain).copy()
    table["flags"] = table["flags"].astype(object)
    at = table.index[table["name"] == "浙江巨化股份有限公司"][0]
    table.at[at, "flags"] = ["风险:经营异常", "风险:行政处罚"]
    plan = build_plan(chain, table, home="武义县")
    (lead,) = [e for e in plan.key_enterprises if e["name"] == "浙江巨化股份有限公司"]
    gate = report.lead_lines(plan, lead)["gate"]
    assert gate.startswith("登记风险提示") and "经营异常" in gate, gate


def test_one_page_rejects_other_suffixes_and_says_when_no_pdf_renderer(
    fluoro_plan, tmp_path, monkeypatch, invoke
):
    result = invoke("plan", "fluorochem", "--one-page", "-o", tmp_path / "brief.txt")
    assert result.exit_code != 0 and "--one-page" in result.output
    monkeypatch.setenv("CHAINMAP_CHROMIUM", str(tmp_path / "no-such-browser"))
    result = invoke("plan", "fluorochem", "--one-page", "-o", tmp_path / "brief.pdf")
    assert result.exit_code == 1
    assert "PDF needs a Chromium" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "brief.pdf").exists()


# ---------------------------------------------------------------------- the briefing pack


def test_pack_is_written_whole_or_not_at_all(tmp_path):
    target = tmp_path / "pack"

    def ok(path):
        path.write_text("ok", encoding="utf-8")

    def boom(path):
        path.write_text("half", encoding="utf-8")
        raise RuntimeError("renderer crashed")

    def skip(path):
        raise SkipFile("no renderer")

    with pytest.raises(RuntimeError):
        write_pack(target, [("a.txt", ok), ("b.txt", boom)], {"chain": "x"})
    assert list(tmp_path.iterdir()) == []  # no folder, no temp left behind
    write_pack(target, [("a.txt", ok), ("c.pdf", skip)], {"chain": "x"})
    manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["files"]) == {"a.txt"} and manifest["skipped"] == {"c.pdf": "no renderer"}
    # a failed rerun keeps the earlier pack as it was
    with pytest.raises(RuntimeError):
        write_pack(target, [("b.txt", boom)], {"chain": "x"})
    assert sorted(p.name for p in target.iterdir()) == ["a.txt", MANIFEST]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack"]
    # a folder that is not a pack is never replaced
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(Exception, match="not a chainmap briefing pack"):
        write_pack(other, [("a.txt", ok)], {})
    assert (other / "notes.txt").read_text(encoding="utf-8") == "keep"


def test_pack_never_replaces_a_folder_with_someone_elses_manifest_or_added_files(tmp_path):
    def ok(path):
        path.write_text("ok", encoding="utf-8")

    # a web app's manifest.json is not a pack's
    app = tmp_path / "webapp"
    (app / "src").mkdir(parents=True)
    (app / MANIFEST).write_text('{"manifest_version": 3}', encoding="utf-8")
    (app / "src" / "app.js").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="not a chainmap briefing pack"):
        write_pack(app, [("a.txt", ok)], {})
    assert (app / "src" / "app.js").read_text(encoding="utf-8") == "x"
    # a pack with a file added by hand is not replaced either, and the file is named
    pack = tmp_path / "pack"
    write_pack(pack, [("a.txt", ok)], {"chain": "x"})
    (pack / "my notes.docx").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match=r"my notes\.docx"):
        write_pack(pack, [("a.txt", ok)], {"chain": "x"})
    assert (pack / "my notes.docx").read_text(encoding="utf-8") == "mine"
    # the pack as written is replaced
    (pack / "my notes.docx").unlink()
    write_pack(pack, [("b.txt", ok)], {"chain": "y"})
    assert sorted(p.name for p in pack.iterdir()) == ["b.txt", MANIFEST]


@pytest.mark.slow
def test_brief_command_writes_the_pack_and_its_manifest(tmp_path, invoke, monkeypatch):
    pytest.importorskip("docx")
    monkeypatch.setenv("CHAINMAP_CHROMIUM", str(tmp_path / "none"))  # PDF skipped, not failed
    out = tmp_path / "pack"
    result = invoke("brief", "fluorochem", "-o", out, "--date", "2025-06-30")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    for wanted in ("map.html", "plan.docx", "plan.xlsx", "plan.json", "brief.docx", "brief.html"):
        assert wanted in names
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["chain"] == "fluorochem" and manifest["home"] == "330723"
    assert (
        manifest["data_date"]
        == json.loads((out / "plan.json").read_text())["params"]["signals_date"]
    )
    assert manifest["date"] == "2025-06-30"
    assert "brief.pdf" in manifest["skipped"]
    import hashlib

    for name, meta in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == meta["sha256"]
    assert "map.svg" in manifest["files"] or "map.svg" in manifest["skipped"]


# ---------------------------------------------------------------------- what changed


def test_compare_names_new_and_dropped_fields_and_firms_with_why(fluoro_plan):
    old = json.loads(json.dumps(fluoro_plan.to_dict(), default=str))
    kept = old["key_fields"][:-1]
    gated = {"id": "hcfc_refrigerants", "name_zh": "二代制冷剂(HCFCs)及原料级用途", "rank": 5}
    old["key_fields"] = [*kept, gated]
    gone = fluoro_plan.key_fields[-1]
    exiting = fluoro_plan.params["exited_names"][0].split("(")[0]
    old["key_enterprises"] = [e for e in old["key_enterprises"] if e["field"] != gone["id"]] + [
        {"enterprise_id": "x:1", "name": exiting, "field": kept[0]["id"], "score": 0.9},
        {"enterprise_id": "x:2", "name": "某已注销公司", "field": kept[0]["id"], "score": 0.8},
    ]
    ch = compare_plans(old, fluoro_plan)
    assert [f["id"] for f in ch["fields_new"]] == [gone["id"]]
    assert ch["fields_dropped"][0]["id"] == "hcfc_refrigerants"
    assert ch["fields_dropped"][0]["why"].startswith("政策限制")
    why = {e["name"]: e["why"] for e in ch["enterprises_dropped"]}
    assert why[exiting] == "已退出或正在退出"
    assert why["某已注销公司"].startswith("不在本次目标中")
    new = {e["name"] for e in ch["enterprises_new"]}
    assert new == {e["name"] for e in fluoro_plan.enterprises_for(gone["id"])}
    assert all(e["why"] == "所属领域新列为重点领域" for e in ch["enterprises_new"])


def test_compare_from_the_command_line(tmp_path, invoke):
    old = tmp_path / "old.json"
    invoke("plan", "fluorochem", "--fields", "3", "-o", old)
    result = invoke("plan", "fluorochem", "--compare", old, "--format", "markdown")
    assert "与上次方案相比" in result.stdout
    data = json.loads(old.read_text(encoding="utf-8"))
    assert "changes" not in data
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    result = invoke("plan", "fluorochem", "--compare", bad)
    assert (
        result.exit_code == 1 and "bad.json" in result.output and "not a plan JSON" in result.output
    )


def test_compare_refuses_an_edited_plan_json_in_one_line(tmp_path, invoke):
    old = tmp_path / "old.json"
    invoke("plan", "fluorochem", "--fields", "3", "-o", old)
    base = json.loads(old.read_text(encoding="utf-8"))
    firm = base["key_enterprises"][0]
    cases = {
        "key_fields must be a list": {"key_fields": None},
        "key_enterprises must be a list": {"key_enterprises": "x"},
        "key_enterprises[0] must be an object with enterprise_id": {"key_enterprises": [1]},
        "params must be an object": {"params": 3},
        "key_enterprises[0].score must be a number": {
            "key_enterprises": [{**firm, "score": "0.9"}]
        },
    }
    for expected, change in cases.items():
        edited = tmp_path / "edited.json"
        edited.write_text(json.dumps({**base, **change}, ensure_ascii=False), encoding="utf-8")
        result = invoke("plan", "fluorochem", "--compare", edited)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert "edited.json" in result.output and expected in result.output, result.output
    deep = tmp_path / "deep.json"
    deep.write_text('{"key_fields": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    result = invoke("plan", "fluorochem", "--compare", deep)
    assert result.exit_code == 1 and "nested too deeply" in result.output


def test_compare_says_where_a_firm_still_ranked_now_stands(fluoro_plan):
    narrow = build_plan(fluoro_plan.chain, datasets.enterprises(fluoro_plan.chain), per_field=2)
    ch = compare_plans(json.loads(json.dumps(fluoro_plan.to_dict(), default=str)), narrow)
    assert ch["fields_new"] == [] and ch["fields_dropped"] == [] and ch["enterprises_new"] == []
    dropped = {e["enterprise_id"]: e["why"] for e in ch["enterprises_dropped"]}
    expected = [e for e in fluoro_plan.key_enterprises if e["rank_in_field"] > 2]
    assert set(dropped) == {e["enterprise_id"] for e in expected}
    for e in expected:
        assert dropped[e["enterprise_id"]] == (
            f"得分 {e['score']:.3f}→{e['score']:.3f}, 领域内第{e['rank_in_field']}名(列前2名)"
        )


def test_one_pager_and_changes_keep_hostile_names_inert(tiny_chain, firms, tmp_path):
    pytest.importorskip("docx")
    hostile = firms.copy()
    hostile.loc[hostile["name"] == "昆山零件", "name"] = '=HYPERLINK("http://x")'
    hostile.loc[hostile["name"] == "南山零件", "name"] = "<script>alert(1)</script>"
    plan = build_plan(tiny_chain, hostile, home="330723", fields=3)
    plan.changes = compare_plans({"key_fields": [], "key_enterprises": []}, plan)
    page = report.one_page_html(plan) + report.plan_to_html(plan)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    for path in (tmp_path / "b.docx", tmp_path / "p.docx"):
        if path.name == "b.docx":
            report.write_one_page(plan, path)
        else:
            report.write_plan_docx(plan, path)
        cells = [
            "".join(t.text or "" for t in tc.iter(f"{W}t"))
            for tc in _document_xml(path).iter(f"{W}tc")
        ]
        assert any(c.startswith("'=HYPERLINK") for c in cells)
        assert not any(c.startswith("=") for c in cells)


def test_date_must_be_a_date(invoke, tmp_path):
    result = invoke("plan", "fluorochem", "--date", "June", "-o", tmp_path / "p.html")
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
    assert not (tmp_path / "p.html").exists()


@pytest.mark.slow
def test_two_prints_of_one_page_are_the_same_pdf_bytes(tmp_path):
    from chainmap.outputs.printing import find_chromium, html_to_pdf

    if find_chromium() is None:
        pytest.skip("no Chromium; .ci/run installs Debian's chromium")
    page = "<!doctype html><meta charset=utf-8><p>武义县 氟化工 招商方案</p>"
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    html_to_pdf(page, first)
    time.sleep(1.1)  # Chromium stamps the time of printing, to the second
    html_to_pdf(page, second)
    assert first.read_bytes() == second.read_bytes()
    assert b"D:20000101000000" in first.read_bytes()


def test_the_key_regions_say_what_their_counts_mean_in_every_format(tmp_path):
    """A key region with firms and no candidate puzzled a reviewer: the section says what
    企业数 and 候选企业数 count, in Markdown, HTML and DOCX."""
    import docx

    from chainmap import datasets, load_chain
    from chainmap.analysis.plan import build_plan
    from chainmap.outputs import report

    chain = load_chain("fluorochem")
    plan = build_plan(chain, datasets.enterprises(chain))
    caption = report.SECTION_CAPTIONS["二、重点区域 / Key regions"]
    md = report.plan_to_markdown(plan)
    assert md.index(caption) < md.index("| 重点领域 | 序号 | 地区")
    html = report.plan_to_html(plan)
    assert f"<p class='caption'>{caption}</p>" in html
    report.write_plan(plan, tmp_path / "plan.docx", fmt="docx")
    texts = [p.text for p in docx.Document(str(tmp_path / "plan.docx")).paragraphs]
    assert caption in texts
