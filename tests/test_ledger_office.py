"""The office's ledger (issue 19): uncertain amounts, chain names, actuals without targets."""

from __future__ import annotations

import json

import pandas as pd

from chainmap.analysis.kpi import kpi_table
from chainmap.model.kpi_targets import actuals_only
from chainmap.model.ledger import read_ledger

LEDGER = """\
项目编号,项目名称,产业链,细分环节,产业类别,来源,总投资（亿元）,签约日期,落地日期
A1,约数项目,氟化工,聚四氟乙烯,制造业,招引,约6,2024-02-01,2024-03-01
A2,区间项目,fluorochem,PVDF,制造业,招引,6-8,2024-02-02,
A3,左右项目,Fluorochemical industry chain,ptfe,制造业,招引,6左右,2024-02-03,
A4,无穷项目,fluorochem,,制造业,招引,inf,2024-02-04,
A5,溢出项目,fluorochem,,制造业,招引,1e309,2024-02-05,
A6,非数项目,fluorochem,,制造业,招引,nan,2024-02-06,
A7,未知链项目,光伏玻璃,某环节,制造业,招引,1,2024-02-07,
"""
INVESTMENT = "项目编号,月份,金额\nA1,2024-03,0.5\n"


def _read(tmp_path):
    (tmp_path / "l.csv").write_text(LEDGER, encoding="utf-8")
    (tmp_path / "i.csv").write_text(INVESTMENT, encoding="utf-8")
    return read_ledger(tmp_path / "l.csv", investment=tmp_path / "i.csv")


def test_approximate_amounts_are_kept_with_a_flag(tmp_path):
    projects, physical, report = _read(tmp_path)
    by_id = projects.set_index("project_id")
    assert by_id.loc["A1", "investment"] == 6.0 and bool(by_id.loc["A1", "investment_approx"])
    assert by_id.loc["A2", "investment"] == 6.0  # a range counts at its lower bound
    assert by_id.loc["A3", "investment"] == 6.0
    assert not by_id.loc["A7", "investment_approx"]
    approx = {i.row for i in report.items if i.code == "approx_amount"}
    assert approx == {2, 3, 4} and all(i.severity == "warning" for i in report.items if i.row == 2)
    # The 约6 project's physical investment is kept with it.
    assert list(physical["project_id"]) == ["A1"] and report.investment.rejected == 0
    # ... and it counts in the KPIs: 3 signed at 6 + 1 at 1 = 19.
    record = kpi_table(projects, physical, actuals_only(), period="2024H1")[0]
    assert (record["signed_count"], record["signed_investment"], record["landed_count"]) == (
        4,
        19.0,
        1,
    )


def test_non_finite_amounts_are_rejected_per_row_with_a_reason(tmp_path):
    projects, _, report = _read(tmp_path)
    rejected = {i.row: i for i in report.items if i.severity == "rejected"}
    assert set(rejected) == {5, 6, 7}
    assert all(i.column == "investment" and "finite" in i.message for i in rejected.values())
    assert (report.read, report.kept, report.rejected) == (7, 4, 3)
    assert set(projects["project_id"]) == {"A1", "A2", "A3", "A7"}


def test_chinese_and_english_chain_names_merge_and_segments_resolve(tmp_path):
    projects, physical, report = _read(tmp_path)
    by_id = projects.set_index("project_id")
    assert set(by_id.loc[["A1", "A2", "A3"], "chain"]) == {"fluorochem"}
    assert list(by_id.loc[["A1", "A2", "A3"], "segment"]) == ["ptfe", "pvdf", "ptfe"]
    # Unresolved values are kept as given and warned about.
    assert (by_id.loc["A7", "chain"], by_id.loc["A7", "segment"]) == ("光伏玻璃", "某环节")
    codes = {(i.row, i.code) for i in report.items}
    assert {(8, "unknown_chain"), (8, "unknown_segment")} <= codes
    groups = [
        r["group"] for r in kpi_table(projects, physical, actuals_only(), period="2024", by="chain")
    ]
    assert groups == ["fluorochem", "光伏玻璃"]


def test_plan_leads_read_back_without_spurious_warnings(tmp_path):
    from types import SimpleNamespace

    from chainmap.model.ledger import leads_to_ledger
    from chainmap.outputs.kpi_report import write_leads

    keys = [{"enterprise_id": "E1", "name": "示例企业甲", "segment": "pvdf"}]
    plan = SimpleNamespace(params={"chain": "fluorochem"}, key_enterprises=keys)

    for suffix in (".csv", ".xlsx"):
        path = write_leads(plan, tmp_path / f"leads{suffix}")
        projects, _, report = read_ledger(path)
        assert [i.code for i in report.items] == ["missing_amount"], report.items
        assert list(projects["segment"]) == ["pvdf"]
    assert len(leads_to_ledger(pd.DataFrame(keys), chain="fluorochem")) == 1


def test_kpi_runs_without_targets_and_without_investment(invoke, tmp_path):
    (tmp_path / "l.csv").write_text(LEDGER, encoding="utf-8")
    result = invoke("kpi", tmp_path / "l.csv", "--period", "2024H1", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "actuals only" in result.stderr
    (record,) = json.loads(result.stdout)
    assert record["class"] == "all" and record["signed_count"] == 4
    assert record["target_landed"] is None and record["physical_investment_period"] is None
    table = invoke("kpi", tmp_path / "l.csv", "--period", "2024H1").stdout
    line = next(x for x in table.splitlines() if "本期实物量投资" in x)
    assert line.split()[-1] == "—" and "0.00" not in line


def test_kpi_xlsx_has_number_formats_chinese_labels_and_print_setup(invoke, tmp_path):
    from openpyxl import load_workbook

    from chainmap.model.catalog import data_path

    out = tmp_path / "report.xlsx"
    args = [data_path("ledger_synthetic.csv"), "--investment"]
    args += [data_path("ledger_synthetic_investment.csv"), "--targets"]
    args += [data_path("kpi_targets_synthetic.toml"), "--period", "2024H1", "-o", out]
    assert invoke("kpi", *args).exit_code == 0
    book = load_workbook(out)
    kpi = book["KPI"]
    header = [c.value for c in kpi[1]]
    formats = {h: kpi.cell(row=2, column=j + 1).number_format for j, h in enumerate(header)}
    assert formats["开工率"] == formats["本期落地占年度目标"] == "0.0%"
    assert formats["签约总投资(亿元)"] == formats["本期实物量投资(亿元)"] == "0.00"
    assert formats["落地项目数"] == "0"
    assert isinstance(kpi.cell(row=2, column=header.index("开工率") + 1).value, float)
    funnel = book["漏斗 funnel"]
    conv = [c.value for c in funnel[1]].index("转化率 conversion") + 1
    assert funnel.cell(row=3, column=conv).number_format == "0.0%"
    overdue = list(book["超期 overdue"].values)
    assert {r[0] for r in overdue[1:]} == {"签约未落地", "落地未开工"}
    for sheet in book.worksheets:
        assert sheet.page_setup.paperSize == 9  # A4 in the OOXML paper-size table
        assert sheet.page_setup.orientation == "landscape"
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows.replace("$", "") == "1:1" and sheet.freeze_panes == "A2"


def test_amounts_written_in_wan_or_yuan_are_converted_to_yi(tmp_path):
    """总投资 is in 亿元; an office that writes 万 must not get 10,000 times the amount
    (80,000万元 was read as 80,000 亿元) nor lose the project (8万 was rejected)."""
    ledger = (
        "项目编号,项目名称,产业链,产业类别,来源,总投资（亿元）,签约日期\n"
        'B1,万元项目,fluorochem,制造业,招引,"80,000万元",2024-02-01\n'
        "B2,万项目,fluorochem,制造业,招引,3000万,2024-02-02\n"
        "B3,区间万项目,fluorochem,制造业,招引,3000-5000万,2024-02-03\n"
        "B4,亿项目,fluorochem,制造业,招引,约2亿,2024-02-04\n"
    )
    (tmp_path / "l.csv").write_text(ledger, encoding="utf-8")
    projects, _, report = read_ledger(tmp_path / "l.csv")
    by_id = projects.set_index("project_id")["investment"].to_dict()
    assert by_id == {"B1": 8.0, "B2": 0.3, "B3": 0.3, "B4": 2.0}
    assert report.rejected == 0
    record = kpi_table(projects, None, actuals_only(), period="2024H1")[0]
    assert abs(record["signed_investment"] - 10.6) < 1e-9


def test_funnel_and_overdue_follow_information_intent_and_dropped_dates(tmp_path):
    """信息 alone is before 盯引 (not in the funnel); 意向 without a stage date is past 盯引;
    a dropped (放弃) project reached its stages but is no longer at one, nor overdue."""
    import datetime as dt

    from chainmap.analysis.kpi import funnel, overdue
    from chainmap.model.kpi_targets import actuals_only

    ledger = (
        "项目编号,项目名称,产业链,信息日期,盯引日期,意向日期,签约日期,放弃日期\n"
        "C1,信息项目,fluorochem,2024-01-05,,,,\n"
        "C2,意向项目,fluorochem,2024-01-05,,2024-02-01,,\n"
        "C3,盯引项目,fluorochem,,2024-01-10,,,\n"
        "C4,放弃项目,fluorochem,,2023-06-01,,2023-08-01,2024-03-01\n"
        "C5,签约项目,fluorochem,,2023-06-01,,2023-08-01,\n"
        "C6,空行项目,fluorochem,,,,,\n"
    )
    (tmp_path / "l.csv").write_text(ledger, encoding="utf-8")
    projects, _, _ = read_ledger(tmp_path / "l.csv")
    rows = {r["stage"]: r for r in funnel(projects, as_of=dt.date(2024, 6, 30), by=None)}
    assert rows["盯引"]["reached"] == 5  # C2-C6: not the information-only C1
    assert rows["盯引"]["count"] == 3  # C2, C3 and the undated lead C6
    assert (rows["签约"]["reached"], rows["签约"]["count"]) == (2, 1)  # C4 dropped, C5 there
    late = overdue(projects, actuals_only(), as_of=dt.date(2024, 6, 30))
    assert [r["project_id"] for r in late] == ["C5"]  # not the dropped C4


def test_a_total_row_is_rejected_and_a_bad_fund_amount_keeps_the_project(tmp_path):
    ledger = (
        "项目编号,项目名称,产业链,总投资（亿元）,基金金额,签约日期\n"
        "D1,甲项目,fluorochem,5,一千万,2024-02-01\n"
        "D2,乙项目,fluorochem,3,0.5,2024-02-02\n"
        "合计,,,8,,\n"
        "注：金额单位亿元,,,,,\n"
    )
    (tmp_path / "l.csv").write_text(ledger, encoding="utf-8")
    projects, _, report = read_ledger(tmp_path / "l.csv")
    assert list(projects["project_id"]) == ["D1", "D2"]  # D1 kept despite its 基金金额
    assert pd.isna(projects.set_index("project_id").loc["D1", "fund_amount"])
    codes = {(i.row, i.code, i.severity) for i in report.items}
    assert (2, "bad_amount", "warning") in codes
    assert {(4, "summary_row", "rejected"), (5, "summary_row", "rejected")} <= codes
    assert (report.read, report.kept, report.rejected) == (4, 2, 2)


def test_a_renamed_stage_date_column_is_named_in_the_report(tmp_path):
    """项目落地日期 for 落地日期: every landing would count 0 without a word."""
    ledger = "项目编号,项目名称,签约日期,项目落地日期\nE1,甲,2024-02-01,2024-03-01\n"
    (tmp_path / "l.csv").write_text(ledger, encoding="utf-8")
    _, _, report = read_ledger(tmp_path / "l.csv")
    (note,) = [n for n in report.notes if "not recognised" in n]
    assert "项目落地日期" in note and "landed_on" in note and "--mapping" in note
    assert "not recognised" in report.summary()
    plain = (  # every counted column present, and a column of the office's own
        "项目编号,项目名称,总投资,盯引日期,签约日期,落地日期,开工日期,入统日期,投产日期,备用列\n"
        "E1,甲,1,2024-01-01,2024-02-01,,,,,x\n"
    )
    (tmp_path / "p.csv").write_text(plain, encoding="utf-8")
    assert not [n for n in read_ledger(tmp_path / "p.csv")[2].notes if "not recognised" in n]


def test_project_ids_that_differ_only_in_case_are_warned(tmp_path):
    ledger = "项目编号,项目名称,签约日期\nSX-004,甲,2024-02-01\nsx-004,甲,2024-02-01\n"
    (tmp_path / "l.csv").write_text(ledger, encoding="utf-8")
    projects, _, report = read_ledger(tmp_path / "l.csv")
    assert len(projects) == 2  # kept: ids are the office's, and may differ by case
    (item,) = [i for i in report.items if i.code == "case_duplicate"]
    assert item.row == 3 and "SX-004" in item.message and item.severity == "warning"


def test_no_kpi_counts_a_stage_date_after_as_of(tmp_path):
    import datetime as dt

    from chainmap.analysis.kpi import kpi_report

    ledger = "项目编号,项目名称,签约日期,落地日期\nG1,甲,2024-02-01,2024-06-30\nG2,乙,2024-03-01,2024-04-01\n"
    (tmp_path / "l.csv").write_text(ledger, encoding="utf-8")
    projects, _, _ = read_ledger(tmp_path / "l.csv")
    early = kpi_report(projects, None, actuals_only(), period="2024H1", as_of=dt.date(2024, 6, 21))
    late = kpi_report(projects, None, actuals_only(), period="2024H1")
    assert (early["kpi"][0]["landed_count"], late["kpi"][0]["landed_count"]) == (1, 2)
    assert early["kpi"][0]["signed_count"] == 2


def test_kpi_report_reads_a_unit_written_by_name_as_that_unit(tmp_path):
    """In the library too, not only in the CLI: 平台甲 for platform_a is one group."""
    from chainmap.analysis.kpi import kpi_report
    from chainmap.model.kpi_targets import KpiTargets, KpiUnit

    ledger = "项目编号,项目名称,责任单位,签约日期\nH1,甲,platform_a,2024-02-01\nH2,乙,平台甲,2024-03-01\n"
    (tmp_path / "l.csv").write_text(ledger, encoding="utf-8")
    projects, _, _ = read_ledger(tmp_path / "l.csv")
    goals = KpiTargets(
        classes=actuals_only().classes, units=(KpiUnit("platform_a", "平台甲", "platform"),)
    )
    rows = kpi_report(projects, None, goals, period="2024H1", by="owner")["kpi"]
    assert [(r["group"], r["signed_count"]) for r in rows if r["signed_count"]] == [
        ("platform_a", 2)
    ]
