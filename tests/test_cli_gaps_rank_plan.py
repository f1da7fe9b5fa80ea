"""gaps, rank and plan on the bundled fluorochem sample, through the CLI."""

from __future__ import annotations

import json
import re

from openpyxl import load_workbook
import pytest

# The sample's 武义 firms (神龙浮选 was removed: no primary source, graphs/README.md).
WUYI_FIRMS = {"浙江三美化工股份有限公司", "浙江森田新材料有限公司"}


def test_rank_json_excludes_home_firms_and_contributions_sum(invoke):
    result = invoke("rank", "fluorochem", "--format", "json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert records and not WUYI_FIRMS & {r["name"] for r in records}
    keys = {
        "rank",
        "enterprise_id",
        "name",
        "uscc",
        "region_code",
        "region",
        "segment",
        "strategy",
        "score",
        "contributions",
        "stability",
        "rank_band",
        "group",
        "sites",
        "flags",
        "reasons",
    }
    for r in records:
        assert set(r) == keys
        assert sum(r["contributions"].values()) == r["score"]
        assert r["strategy"] in ("补链", "强链", "延链")
        assert 0 <= r["stability"] <= 1 and r["rank_band"][0] <= r["rank_band"][1]
    groups = [r["group"] for r in records]
    assert len(groups) == len(set(groups))  # one target per group
    assert [r["rank"] for r in records] == list(range(1, len(records) + 1))
    assert "武义县 (330723)" in result.stderr  # the home used, and how to change it
    assert "--home" in result.stderr


def test_rank_is_byte_identical_across_runs(invoke):
    a = invoke("rank", "fluorochem", "--format", "json").stdout
    b = invoke("rank", "fluorochem", "--format", "json").stdout
    assert a == b


def test_gaps_lists_home_firms_as_anchors_with_strategies_and_reasons(invoke):
    result = invoke("gaps", "fluorochem", "--home", "武义县", "--format", "json")
    records = {r["id"]: r for r in json.loads(result.stdout)}
    anchors = {a for r in records.values() for a in r["anchors"]}
    assert WUYI_FIRMS <= anchors
    # 三美's 武义 plant makes HCFC-22/142b/141b: HCFCs are held, with 三美 as anchor.
    assert records["hcfc_refrigerants"]["status"] in ("strong", "weak")
    assert "浙江三美化工股份有限公司" in records["hcfc_refrigerants"]["anchors"]
    # AHF and refrigerants held, PVDF missing: 延链 by the CONTRACTS example.
    assert records["pvdf"]["status"] == "missing" and records["pvdf"]["strategy"] == "延链"
    assert {r["strategy"] for r in records.values()} >= {"延链"}
    for r in records.values():
        assert " / " in r["reason"]  # zh then en
        assert set(r) == {
            "id",
            "name_zh",
            "name_en",
            "stage",
            "count_home",
            "count_total",
            "lq",
            "feasibility",
            "density",
            "status",
            "strategy",
            "reason",
            "anchors",
            "policy",
        }


def test_rank_filters_and_csv_is_formula_safe(invoke, tmp_path):
    out = tmp_path / "r.csv"
    assert invoke("rank", "fluorochem", "--segment", "pvdf", "-o", out).exit_code == 0
    text = out.read_bytes().decode("utf-8-sig")
    assert "contributions.gap_priority" in text.splitlines()[0]
    records = json.loads(
        invoke("rank", "fluorochem", "--segment", "pvdf", "--format", "json").stdout
    )
    assert records and {r["segment"] for r in records} == {"pvdf"}
    zoned = json.loads(invoke("rank", "fluorochem", "--zone", "珠三角", "--format", "json").stdout)
    assert zoned and all(r["region_code"].startswith("44") for r in zoned)


def test_rank_table_fits_100_columns(invoke):
    result = invoke("rank", "fluorochem", "--top", "5")
    table = result.stdout.split("理由 / reasons:")[0]
    assert max(len(line) for line in table.splitlines()) <= 100
    assert "聚偏氟乙烯" in result.stdout or "含氟" in result.stdout


def test_unknown_home_is_a_one_line_error(invoke):
    result = invoke("rank", "fluorochem", "--home", "朝阳区")
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "110105" in result.stderr  # the candidates are listed


@pytest.mark.slow
def test_plan_formats_on_bundled_data(invoke, tmp_path):
    data = json.loads(invoke("plan", "fluorochem", "--format", "json").stdout)
    assert data["key_fields"] and data["key_enterprises"]
    assert not WUYI_FIRMS & {e["name"] for e in data["key_enterprises"]}
    xlsx = tmp_path / "plan.xlsx"
    assert invoke("plan", "fluorochem", "-o", xlsx).exit_code == 0
    book = load_workbook(xlsx)
    assert book.sheetnames == ["重点领域", "重点区域", "重点企业", "境外企业", "说明"]
    names = [row[5] for row in list(book["重点企业"].values)[1:]]
    assert names == [e["name"] for e in data["key_enterprises"]]
    html = tmp_path / "plan.html"
    invoke("plan", "fluorochem", "-o", html)
    page = html.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link)[^>]*(src|href)\s*=\s*['\"]?https?:", page)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", page)
    docx = pytest.importorskip("docx")
    path = tmp_path / "plan.docx"
    invoke("plan", "fluorochem", "-o", path)
    text = "\n".join(
        c.text for t in docx.Document(str(path)).tables for r in t.rows for c in r.cells
    )
    for e in data["key_enterprises"]:
        assert e["name"] in text
    md = invoke("plan", "fluorochem").stdout
    assert md.startswith("# 氟化工产业链招商目标方案")


def test_plan_leads_become_ledger_rows_that_kpi_reads(invoke, tmp_path):
    from chainmap.model.ledger import read_ledger

    leads = tmp_path / "leads.xlsx"
    result = invoke(
        "plan", "fluorochem", "--leads", leads, "--tracked-on", "2024-03-01", "--format", "json"
    )
    plan = json.loads(result.stdout)
    projects, _, report = read_ledger(leads)
    report.check()
    expected = {e["enterprise_id"] for e in plan["key_enterprises"]}
    assert set(projects["project_id"]) == {f"fluorochem-{e}" for e in expected}
    assert set(projects["enterprise"]) == {e["name"] for e in plan["key_enterprises"]}
    assert (projects["tracked_on"].dt.strftime("%Y-%m-%d") == "2024-03-01").all()
    assert projects["signed_on"].isna().all()


def test_readme_rank_example_is_the_real_output(invoke):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ chainmap rank fluorochem --top 5\n", 1)[1].split("```", 1)[0]
    shown = [line.rstrip() for line in block.splitlines()]
    real = [
        line.rstrip() for line in invoke("rank", "fluorochem", "--top", "5").stdout.splitlines()
    ]
    assert shown == real[: len(shown)]


def test_the_terminal_lists_the_first_100_targets_and_a_file_gets_all(invoke, tmp_path):
    from chainmap.model.chain import load_chain
    from chainmap.synthetic import synthetic_registry

    path = tmp_path / "registry.parquet"
    synthetic_registry(3000, load_chain("fluorochem"), seed=5, chain_share=0.5).to_parquet(path)
    base = ("rank", "fluorochem", "--enterprises", str(path))
    shown = invoke(*base)
    assert shown.exit_code == 0, shown.output
    ranks = re.findall(r"^\s*(\d+)\. ", shown.stdout, flags=re.M)  # the reasons, one per row
    assert ranks == [str(k) for k in range(1, 101)]
    everything = invoke(*base, "--format", "json")
    total = len(json.loads(everything.stdout))
    assert total > 100
    assert f"the terminal lists the first 100 of {total:,} targets" in shown.stderr
    assert "the terminal lists" not in everything.stderr
    fewer = invoke(*base, "--top", "7")
    assert re.findall(r"^\s*(\d+)\. ", fewer.stdout, flags=re.M)[-1] == "7"
    assert "the terminal lists" not in fewer.stderr


def test_the_group_note_stays_when_the_terminal_cap_cuts_nothing(invoke):
    table = invoke("rank", "fluorochem")  # 55 targets, under the terminal's 100
    as_json = invoke("rank", "fluorochem", "--format", "json")
    note = "同一集团只列一次 / one target per group: 11 further sites"
    assert note in table.stderr and note in as_json.stderr
    assert note not in invoke("rank", "fluorochem", "--top", "5").stderr  # a cut list


def test_a_plan_of_the_bundled_sample_says_first_that_it_is_not_a_register(invoke, tmp_path):
    """武义's fluorspar mines are not in the sample, which shows 萤石 as 缺失: a plan made
    from it says first that 缺失/薄弱 are the sample's; a plan of the user's file does not."""
    from chainmap import datasets, load_chain

    sample = json.loads(invoke("plan", "fluorochem", "--format", "json").stdout)
    assert sample["notes"][0].startswith(
        f"企业名单为内置样本({sample['params']['counts']['input']}家"
    )
    assert "check them against the local register" in sample["notes"][0]
    one_page = tmp_path / "brief.html"
    assert invoke("plan", "fluorochem", "--one-page", "-o", one_page).exit_code == 0
    page = one_page.read_text(encoding="utf-8")
    assert "不是本地企业全量名录" in page  # in its notes, and under its title
    assert page.index("<p class='scope'>") < page.index("<h2>重点领域")
    assert sample["params"]["sample"] is True
    own = tmp_path / "firms.csv"
    datasets.enterprises(load_chain("fluorochem")).to_csv(own, index=False)
    mine = json.loads(invoke("plan", "fluorochem", "--enterprises", own, "--format", "json").stdout)
    assert not any("内置样本" in n for n in mine["notes"])
    assert "sample" not in mine["params"]
    own_page = tmp_path / "own.html"
    invoke("plan", "fluorochem", "--enterprises", own, "--one-page", "-o", own_page)
    assert "class='scope'" not in own_page.read_text(encoding="utf-8")
