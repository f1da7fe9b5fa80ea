"""Project ledger, KPI targets and KPIs: every expected value below is worked out by hand."""

from __future__ import annotations

import datetime as dt
import json

from openpyxl import Workbook, load_workbook
import pandas as pd
import pytest

from chainmap.analysis.kpi import (
    COHORT_FIELDS,
    KPI_FIELDS,
    funnel,
    kpi_table,
    overdue,
    parse_cohort,
    parse_period,
)
from chainmap.errors import InputError
from chainmap.model.catalog import data_path
from chainmap.model.kpi_targets import KpiTargets, read_targets
from chainmap.model.ledger import LEDGER_COLUMNS, leads_to_ledger, read_ledger

# Period 2024H1 = 2024-01-01 .. 2024-06-30. Classes: big (investment >= 10, any sector),
# mfg (制造业 and 招引), agri (农业: no project at all).
#   P1 制造业 招引 10.0  -> big, mfg   landed on the first day, started on the last day
#   P2 制造业 招引  5.0  -> mfg        landed on the last day; in chains c1 and c2
#   P3 服务业 招引 20.0  -> big        signed in H1, landed the day after H1 ends
#   P4 制造业 内培 12.0  -> big        landed, started, in stats and operating in H1
#   P5 制造业 招引 9.99  -> mfg        landed 2023 (cohort), in stats 2024-02
#   P6 制造业 招引 30.0  -> big, mfg   landed 2022 (cohort), never started
#   P7/P8/P9 其他, no investment: leads (tracked, no dates at all, tracked after as_of)
LEDGER_CSV = """\
project_id,project,chain,sector,origin,investment,tracked_on,signed_on,landed_on,started_on,in_stats_on,operating_on
P1,示例项目1,c1,制造业,招引,10,,2023-12-31,2024-01-01,2024-06-30,2024-07-01,
P2,示例项目2,c1;c2,制造业,招引,5,,2024-03-01,2024-06-30,,,
P3,示例项目3,c2,服务业,招引,20,,2024-02-01,2024-07-01,2024-07-15,,
P4,示例项目4,,制造业,内培,12,,2024-01-15,2024-02-01,2024-03-01,2024-04-01,2024-06-01
P5,示例项目5,c1,制造业,招引,9.99,,2023-06-01,2023-09-01,2023-10-01,2024-02-01,
P6,示例项目6,c2,制造业,招引,30,,,2022-05-01,,,
P7,示例项目7,c1,其他,招引,,2024-05-01,,,,,
P8,示例项目8,c1,其他,招引,,,,,,,
P9,示例项目9,c1,其他,招引,,2024-08-01,,,,,
"""

INVESTMENT_CSV = """\
project_id,month,amount
P1,2023-12,1.0
P1,2024-01,2.0
P1,2024-06,0.5
P1,2024-07,4.0
P4,2024-03,1.5
P5,2023-10,0.25
P5,2024-02,0.75
P6,2022-06,3.0
P3,2024-07,2.0
"""

TARGETS = """\
[[class]]
id = "big"
name = "10亿元以上项目"
min_investment = 10

[[class]]
id = "mfg"
name = "招引制造业项目"
sector = "制造业"
origin = "招引"

[[class]]
id = "agri"
name = "农业项目"
sector = "农业"

[[target]]
class = "big"
year = 2024
landed = 4
physical_investment = 10

[[target]]
class = "big"
year = 2023
landed = 99

[[target]]
class = "mfg"
year = 2024
landed = 3

[[target]]
class = "agri"
year = 2024
landed = 0

[overdue]
signed_not_landed_days = 100
landed_not_started_days = 365
"""


@pytest.fixture
def ledger(tmp_path):
    (tmp_path / "ledger.csv").write_text(LEDGER_CSV, encoding="utf-8")
    (tmp_path / "inv.csv").write_text(INVESTMENT_CSV, encoding="utf-8")
    (tmp_path / "targets.toml").write_text(TARGETS, encoding="utf-8")
    projects, physical, report = read_ledger(
        tmp_path / "ledger.csv", investment=tmp_path / "inv.csv"
    )
    return projects, physical, read_targets(tmp_path / "targets.toml"), report


def by_class(records):
    return {r["class"]: r for r in records}


# ---------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("2024", (2024, 1, 1), (2024, 12, 31)),
        ("2024H1", (2024, 1, 1), (2024, 6, 30)),
        ("2024H2", (2024, 7, 1), (2024, 12, 31)),
        ("2024Q3", (2024, 7, 1), (2024, 9, 30)),
        ("2023Q1", (2023, 1, 1), (2023, 3, 31)),
        ("2024-01..2024-06", (2024, 1, 1), (2024, 6, 30)),
        ("2023-11..2024-02", (2023, 11, 1), (2024, 2, 29)),
    ],
)
def test_parse_period_all_forms(text, start, end):
    assert parse_period(text) == (dt.date(*start), dt.date(*end))


@pytest.mark.parametrize("bad", ["2024Q5", "2024H3", "24H1", "2024-06..2024-01", "2024-13", "H1"])
def test_parse_period_rejects_bad_text(bad):
    with pytest.raises(InputError, match="period"):
        parse_period(bad)


def test_parse_cohort():
    assert parse_cohort("2022-2023") == (2022, 2023)
    assert parse_cohort("2021") == (2021, 2021)
    with pytest.raises(InputError):
        parse_cohort("2023-2022")


# ---------------------------------------------------------------------- KPIs


def test_kpis_for_overlapping_classes_across_period_boundaries(ledger):
    projects, physical, targets, _ = ledger
    records = kpi_table(projects, physical, targets, period="2024H1")
    assert [r["class"] for r in records] == ["big", "mfg", "agri"]
    assert all(list(r) == ["class", "name", *KPI_FIELDS] for r in records)
    big, mfg = by_class(records)["big"], by_class(records)["mfg"]

    # big = P1, P3, P4, P6. Signed in H1: P3, P4 (P1 signed 2023-12-31) -> 2, 20 + 12.
    assert (big["signed_count"], big["signed_investment"]) == (2, 32.0)
    # Landed in H1: P1 (first day), P4; P3 lands the day after -> 2, 10 + 12.
    assert (big["landed_count"], big["landed_investment"]) == (2, 22.0)
    # Both started by 06-30 (P1 on the day); only P4 in stats (P1 on 07-01).
    assert (big["started_count"], big["in_stats_count"]) == (2, 1)
    assert (big["start_rate"], big["in_stats_rate"]) == (1.0, 0.5)
    assert (big["target_landed"], big["target_completion"]) == (4, 0.5)
    # Physical: H1 = P1 2.0 + 0.5, P4 1.5 -> 4.0; to 2024-06 adds P1 1.0 (2023-12) and
    # P6 3.0 -> 8.0; year to date = H1 = 4.0 against 10.
    assert big["physical_investment_period"] == pytest.approx(4.0)
    assert big["physical_investment_cumulative"] == pytest.approx(8.0)
    assert big["target_physical_investment"] == 10
    assert big["physical_investment_completion"] == pytest.approx(0.4)

    # mfg = P1, P2, P5, P6 (P4 is 内培). Signed in H1: P2 -> 1, 5.
    assert (mfg["signed_count"], mfg["signed_investment"]) == (1, 5.0)
    # Landed: P1, P2 -> 2, 15; started: P1; in stats: none.
    assert (mfg["landed_count"], mfg["landed_investment"]) == (2, 15.0)
    assert (mfg["start_rate"], mfg["in_stats_rate"]) == (0.5, 0.0)
    assert mfg["target_completion"] == pytest.approx(2 / 3)
    # P1 2.5 + P5 0.75 in H1; cumulative P1 3.5 + P5 1.0 + P6 3.0; no physical target.
    assert mfg["physical_investment_period"] == pytest.approx(3.25)
    assert mfg["physical_investment_cumulative"] == pytest.approx(7.5)
    assert (mfg["target_physical_investment"], mfg["physical_investment_completion"]) == (
        None,
        None,
    )


def test_class_without_projects_has_zeros_and_null_rates(ledger):
    projects, physical, targets, _ = ledger
    agri = by_class(kpi_table(projects, physical, targets, period="2024H1"))["agri"]
    assert agri["signed_count"] == agri["landed_count"] == agri["started_count"] == 0
    assert agri["landed_investment"] == agri["physical_investment_cumulative"] == 0.0
    # zero landed -> rates null; a target of 0 -> completion null, not an error
    assert (agri["start_rate"], agri["in_stats_rate"]) == (None, None)
    assert (agri["target_landed"], agri["target_completion"]) == (0, None)


def test_target_comes_from_the_year_the_period_ends(ledger):
    projects, physical, targets, _ = ledger
    big_2023 = by_class(kpi_table(projects, physical, targets, period="2023"))["big"]
    # big landed nothing in 2023 (P6 landed 2022); 2023 target is 99.
    assert (big_2023["landed_count"], big_2023["target_landed"]) == (0, 99)
    assert big_2023["target_completion"] == 0.0
    spanning = by_class(kpi_table(projects, physical, targets, period="2023-07..2024-03"))
    # ends in 2024 -> the 2024 target; mfg landed P5 (2023-09) and P1 (2024-01).
    assert (spanning["big"]["target_landed"], spanning["mfg"]["landed_count"]) == (4, 2)
    # mfg physical: P1 1.0 + 2.0, P5 0.25 + 0.75 in the period; year to date has no target.
    assert spanning["mfg"]["physical_investment_period"] == pytest.approx(4.0)


def test_cohort_records(ledger):
    projects, physical, targets, _ = ledger
    records = kpi_table(projects, physical, targets, period="2024H1", cohort="2022-2023")
    assert all(list(r) == ["class", "name", *COHORT_FIELDS] for r in records)
    big, mfg, agri = (by_class(records)[c] for c in ("big", "mfg", "agri"))
    # big landed 2022-2023: P6 only, never started; P6 spent 3.0 in 2022.
    assert big["cohort_landed_count"] == 1
    assert (big["cohort_start_rate"], big["cohort_in_stats_rate"]) == (0.0, 0.0)
    assert big["cohort_physical_investment_period"] == 0.0
    assert big["cohort_physical_investment_cumulative"] == pytest.approx(3.0)
    # mfg: P5 (started, in stats 2024-02) and P6 -> 2, 1/2, 1/2; P5 0.75 in H1, 1.0 + 3.0 total.
    assert mfg["cohort_landed_count"] == 2
    assert (mfg["cohort_start_rate"], mfg["cohort_in_stats_rate"]) == (0.5, 0.5)
    assert mfg["cohort_physical_investment_period"] == pytest.approx(0.75)
    assert mfg["cohort_physical_investment_cumulative"] == pytest.approx(4.0)
    assert (agri["cohort_landed_count"], agri["cohort_start_rate"]) == (0, None)
    # A cohort of the current year counts only landings up to the period end (P3 lands 07-01).
    now = by_class(kpi_table(projects, physical, targets, period="2024H1", cohort="2024"))
    assert now["big"]["cohort_landed_count"] == 2


def test_breakdown_by_chain_counts_multi_chain_projects_in_each(ledger):
    projects, physical, targets, _ = ledger
    records = kpi_table(projects, physical, targets, period="2024H1", by="chain")
    assert [(r["class"], r["group"]) for r in records] == [
        (c, g) for c in ("big", "mfg", "agri") for g in ("c1", "c2", None)
    ]
    cells = {(r["class"], r["group"]): r for r in records}
    # mfg in c1 = P1, P2, P5 -> landed P1, P2; in c2 = P2, P6 -> landed P2, not started.
    assert cells["mfg", "c1"]["landed_count"] == 2
    assert (cells["mfg", "c2"]["landed_count"], cells["mfg", "c2"]["start_rate"]) == (1, 0.0)
    assert (cells["mfg", None]["landed_count"], cells["mfg", None]["start_rate"]) == (0, None)
    # big without a chain = P4: landed, 12, physical 1.5
    assert cells["big", None]["landed_investment"] == 12.0
    assert cells["big", None]["physical_investment_period"] == pytest.approx(1.5)


def test_breakdown_by_segment_uses_the_column_as_given(ledger):
    projects, physical, targets, _ = ledger
    projects = projects.assign(segment=["pvdf", "pvdf", None, "ahf", None, None, None, None, None])
    cells = {
        (r["class"], r["group"]): r
        for r in kpi_table(projects, physical, targets, period="2024H1", by="segment")
    }
    assert {g for _, g in cells} == {"ahf", "pvdf", None}
    assert cells["mfg", "pvdf"]["landed_count"] == 2  # P1, P2
    assert cells["big", "ahf"]["landed_count"] == 1  # P4


# ---------------------------------------------------------------------- funnel, overdue


def test_funnel_counts_furthest_stage_and_conversion(ledger):
    projects, *_ = ledger
    records = funnel(projects, as_of=dt.date(2024, 6, 30), by=None)
    # furthest stage by 06-30: P7, P8 盯引; P3 签约; P2, P6 落地; P1 开工; P5 入统; P4 投产.
    # P9 is tracked only after as_of: not in the funnel yet.
    assert [r["stage"] for r in records] == ["盯引", "签约", "落地", "开工", "入统", "投产"]
    assert [r["count"] for r in records] == [2, 1, 2, 1, 1, 1]
    assert [r["reached"] for r in records] == [8, 6, 5, 3, 2, 1]
    assert [r["conversion"] for r in records] == [None, 6 / 8, 5 / 6, 3 / 5, 2 / 3, 1 / 2]


def test_funnel_by_chain(ledger):
    projects, *_ = ledger
    records = funnel(projects, as_of=dt.date(2024, 6, 30))
    c2 = [r["count"] for r in records if r["group"] == "c2"]
    # c2 = P2 (落地), P3 (签约), P6 (落地)
    assert c2 == [0, 1, 2, 0, 0, 0]
    assert {r["group"] for r in records} == {"c1", "c2", None}


def test_overdue_lists(ledger):
    projects, _, targets, _ = ledger
    records = overdue(projects, targets, as_of=dt.date(2024, 6, 30))
    # P3 signed 2024-02-01, lands 07-01: 29 days of February + 121 = 150 > 100.
    # P6 landed 2022-05-01, never started: 365 + 366 + 60 = 791 > 365.
    assert [(r["list"], r["project_id"], r["days"]) for r in records] == [
        ("signed_not_landed", "P3", 150),
        ("landed_not_started", "P6", 791),
    ]
    assert records[0]["since"] == "2024-02-01" and records[0]["limit"] == 100
    strict = KpiTargets(classes=targets.classes, signed_not_landed_days=150)
    # "after N days" is strict: 150 days is not yet overdue at N = 150.
    late = overdue(projects, strict, as_of=dt.date(2024, 6, 30))
    assert [r["project_id"] for r in late if r["list"] == "signed_not_landed"] == []


# ---------------------------------------------------------------------- reading


def _chinese_workbook(path):
    book = Workbook()
    sheet = book.active
    sheet.title = "项目台账"
    sheet.append(["某县招商项目台账 (合成数据 synthetic)"])  # row 1: title
    sheet.append([])  # row 2: blank
    sheet.append(  # row 3: header, with a unit in brackets
        [
            "项目编号",
            "项目名称",
            "产业类别",
            "来源",
            "总投资（亿元）",
            "签约日期",
            "落地日期",
            "开工日期",
        ]
    )
    d = dt.datetime
    rows = [
        ["X1", "示例项目A", "制造业", "招引", 12, d(2024, 1, 5), d(2024, 3, 1), d(2024, 4, 1)],  # 4
        ["X2", "示例项目B", "制造业", "招引", 8, d(2024, 5, 1), d(2024, 4, 1), None],  # 5 order
        ["X1", "示例项目A重复", "制造业", "招引", 12, None, None, None],  # 6 duplicate
        ["X3", "示例项目C", "工业", "外资", 3, "2024/02/30", None, None],  # 7 bad date
        ["X4", "示例项目D", "服务业", "招引", -1, None, None, None],  # 8 negative
        [None, "示例项目E", "服务业", "招引", 2, None, None, None],  # 9 no id
        ["X5", "示例项目F", "工业", "外资", "二十", None, None, None],  # 10 bad amount
        ["X6", "示例项目G", "工业", "外资", 1, None, None, None],  # 11 unknown sector/origin
    ]
    for row in rows:
        sheet.append(row)
    inv = book.create_sheet("实物量投资")
    inv.append(["项目编号", "月份", "金额（亿元）"])  # row 1
    inv.append(["X1", d(2024, 3, 1), 1.25])  # 2: a month typed as a date cell
    inv.append(["X1", "2024-03", 0.75])  # 3: same month again -> warning, summed
    inv.append(["X2", "2024-13", 1])  # 4: bad month
    inv.append(["X2", "2024-04", -2])  # 5: negative
    inv.append(["X3", "2024-04", 1])  # 6: project rejected in the ledger
    inv.append(["ZZ", "2024-04", 1])  # 7: unknown project
    book.save(path)


def test_chinese_header_xlsx_with_title_row_and_investment_sheet(tmp_path):
    path = tmp_path / "台账.xlsx"
    _chinese_workbook(path)
    projects, physical, report = read_ledger(path)
    assert list(projects.columns[1 : 1 + len(LEDGER_COLUMNS)]) == list(LEDGER_COLUMNS)
    assert list(projects["project_id"]) == ["X1", "X2", "X6"]
    assert list(projects["row"]) == [4, 5, 11]
    assert projects.loc[0, "investment"] == 12.0
    assert projects.loc[0, "landed_on"] == pd.Timestamp("2024-03-01")
    assert (report.read, report.kept, report.rejected) == (8, 3, 5)
    items = {(i.row, i.code): i for i in report.items}
    assert {k for k, i in items.items() if i.severity == "rejected"} == {
        (6, "duplicate_id"),
        (7, "bad_date"),
        (8, "negative_amount"),
        (9, "missing_id"),
        (10, "bad_amount"),
    }
    assert "row 4" in items[6, "duplicate_id"].message
    order = items[5, "stage_order"]
    assert order.severity == "warning" and order.column == "landed_on"
    assert items[11, "unknown_sector"].severity == items[11, "unknown_origin"].severity == "warning"
    inv = report.investment
    assert (inv.read, inv.kept, inv.rejected, inv.warnings) == (6, 2, 4, 1)
    assert {(i.row, i.code) for i in inv.items} == {
        (3, "duplicate_month"),
        (4, "bad_month"),
        (5, "negative_amount"),
        (6, "unknown_project"),
        (7, "unknown_project"),
    }
    assert list(physical["month"]) == ["2024-03", "2024-03"]
    assert physical["amount"].sum() == 2.0
    assert len(projects) == report.kept and len(physical) == inv.kept


def test_investment_file_and_extra_header_mapping(tmp_path):
    (tmp_path / "l.csv").write_text("台账号,总投资\nA,1\n", encoding="utf-8")
    (tmp_path / "i.csv").write_text("台账号,月份,金额\nA,2024-01,0.5\n", encoding="gbk")
    projects, physical, report = read_ledger(
        tmp_path / "l.csv", investment=tmp_path / "i.csv", mapping={"台账号": "project_id"}
    )
    assert list(projects["project_id"]) == ["A"] and list(physical["amount"]) == [0.5]
    assert [i.code for i in report.items] == ["missing_chain"]  # no chain column: warned


def test_header_variants_serial_dates_and_an_input_row_column(tmp_path):
    (tmp_path / "l.csv").write_text(
        "row,项目代码,签约时间,落地时间,备注\n7,A,45292,2024-03-05 14:30:00,保留\n",
        encoding="utf-8",
    )
    projects, _, report = read_ledger(tmp_path / "l.csv")
    # 45292 days after 1899-12-30 is 2024-01-01 (Excel's day numbers)
    assert projects.loc[0, "signed_on"] == pd.Timestamp("2024-01-01")
    assert projects.loc[0, "landed_on"] == pd.Timestamp("2024-03-05")
    assert (projects.loc[0, "row"], projects.loc[0, "row_input"]) == (2, "7")
    assert projects.loc[0, "备注"] == "保留"  # extra input columns are kept
    assert (report.read, report.kept) == (1, 1)


def test_missing_project_id_column_is_an_input_error(tmp_path):
    (tmp_path / "l.csv").write_text("项目名称,总投资\nA,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="project_id"):
        read_ledger(tmp_path / "l.csv")


def test_segment_source_marks_given_segments(ledger, tmp_path):
    (tmp_path / "s.csv").write_text("项目编号,细分环节,产业链\nA,pvdf,c\nB,,c\n", encoding="utf-8")
    projects, _, _ = read_ledger(tmp_path / "s.csv")
    assert projects["segments_source"].tolist()[0] == "given"
    assert pd.isna(projects["segments_source"].tolist()[1])


# ---------------------------------------------------------------------- targets


def test_targets_file_parses(ledger):
    targets = ledger[2]
    assert [c.id for c in targets.classes] == ["big", "mfg", "agri"]
    assert targets.classes[1].origin == "招引" and targets.classes[0].min_investment == 10
    assert targets.target("big", 2023).landed == 99
    assert targets.target("big", 2024).physical_investment == 10
    assert (targets.signed_not_landed_days, targets.landed_not_started_days) == (100, 365)


@pytest.mark.parametrize(
    "text, key",
    [
        ('[[class]]\nid = "a"\nname = "A"\nminimum = 3\n', "class[1].minimum"),
        ('[[class]]\nname = "A"\n', "class[1].id"),
        ('[[class]]\nid = "a"\nname = "A"\nsector = "工业"\n', "class[1].sector"),
        (
            '[[class]]\nid = "a"\nname = "A"\n[[target]]\nclass = "b"\nyear = 2024\n',
            "target[1].class",
        ),
        (
            '[[class]]\nid = "a"\nname = "A"\n[[target]]\nclass = "a"\nyear = 2024\nlanded = -1\n',
            "target[1].landed",
        ),
        ('[[class]]\nid = "a"\nname = "A"\n[overdue]\nsigned_days = 3\n', "overdue.signed_days"),
        ('[[class]]\nid = "a"\nname = "A"\n[[class]]\nid = "a"\nname = "B"\n', "class[2].id"),
    ],
)
def test_targets_errors_name_the_key(tmp_path, text, key):
    path = tmp_path / "t.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=key.replace("[", r"\[").replace("]", r"\]")):
        read_targets(path)


# ---------------------------------------------------------------------- plan → ledger


def test_leads_become_ledger_rows_at_stage_tracked(tmp_path):
    keys = pd.DataFrame(
        {
            "enterprise_id": ["91330000X", None],
            "name": ["示例企业甲", "示例企业乙"],
            "segment": ["pvdf", None],
        }
    )
    rows = leads_to_ledger(keys, chain="fluorochem", tracked_on=dt.date(2024, 5, 1))
    assert list(rows.columns) == list(LEDGER_COLUMNS)
    assert list(rows["project_id"]) == ["fluorochem-91330000X", "fluorochem-示例企业乙"]
    assert rows["segments_source"].tolist()[0] == "plan"
    assert pd.isna(rows["segments_source"].tolist()[1])
    stages = funnel(rows, as_of=dt.date(2024, 6, 30), by=None)
    assert [r["count"] for r in stages] == [2, 0, 0, 0, 0, 0]


# ---------------------------------------------------------------------- sample data and CLI

SAMPLE = ("ledger_synthetic.csv", "ledger_synthetic_investment.csv", "kpi_targets_synthetic.toml")


def sample_args():
    ledger_file, inv, targets = (str(data_path(n)) for n in SAMPLE)
    return [ledger_file, "--investment", inv, "--targets", targets]


def test_cli_json_on_the_sample(invoke):
    result = invoke("kpi", *sample_args(), "--period", "2024H1", "--format", "json")
    assert result.exit_code == 0, result.output
    mfg10 = by_class(json.loads(result.stdout))["mfg10"]
    # 制造业 + 招引 + >= 10亿: SX-001/002/005/007/009/010/013. Signed in H1: SX-002 (12),
    # SX-005 (15); landed in H1: SX-001 (25), SX-002 (12); started by 06-30: SX-001.
    assert (mfg10["signed_count"], mfg10["signed_investment"]) == (2, 27.0)
    assert (mfg10["landed_count"], mfg10["landed_investment"]) == (2, 37.0)
    assert (mfg10["start_rate"], mfg10["target_completion"]) == (0.5, 0.5)
    assert "读取 read 13" in result.stderr


def test_cli_table_fits_100_columns_with_chinese_headers(invoke):
    from chainmap.outputs.tables import display_width

    result = invoke("kpi", *sample_args(), "--period", "2024H1")
    lines = result.stdout.splitlines()
    assert max(display_width(line) for line in lines) <= 100
    assert "开工率" in result.stdout and "50.0%" in result.stdout
    by = invoke("kpi", *sample_args(), "--period", "2024H1", "--by", "platform")
    assert max(display_width(line) for line in by.stdout.splitlines()) <= 100


def test_cli_xlsx_report_has_one_sheet_per_table(invoke, tmp_path):
    out = tmp_path / "report.xlsx"
    result = invoke("kpi", *sample_args(), "--period", "2024H1", "-o", out)
    assert result.exit_code == 0
    book = load_workbook(out)
    assert book.sheetnames == ["KPI", "漏斗 funnel", "超期 overdue", "导入报告 import"]
    kpi_rows = list(book["KPI"].values)
    assert kpi_rows[0][:3] == ("类别 class", "名称 name", "签约项目数") and len(kpi_rows) == 4
    overdue_ids = [r[1] for r in list(book["超期 overdue"].values)[1:]]
    # SX-010 signed 2023-11-20, never landed; SX-013 landed 2023-11-01, never started.
    assert overdue_ids == ["SX-010", "SX-013"]


def test_cli_reports_rejections_and_bad_input_in_one_line(invoke, tmp_path):
    (tmp_path / "l.csv").write_text(
        "项目编号,产业类别,总投资,落地日期\nA,制造业,1,2024-01-01\nA,制造业,2,2024-02-01\n",
        encoding="utf-8",
    )
    targets = str(data_path("kpi_targets_synthetic.toml"))
    args = ["kpi", tmp_path / "l.csv", "--targets", targets]
    result = invoke(*args, "--period", "2024", "--format", "json")
    assert "拒绝 rejected 1" in result.stderr and "row 3" in result.stderr
    assert by_class(json.loads(result.stdout))["mfg"]["landed_count"] == 1
    bad = invoke(*args, "--period", "2024Q7")
    assert bad.exit_code != 0 and "2024Q7" in bad.stderr and "Traceback" not in bad.output


def test_cli_xlsx_report_is_formula_safe_and_byte_identical(invoke, tmp_path):
    (tmp_path / "l.csv").write_text(
        '项目编号,项目名称,签约日期\nA,=HYPERLINK("http://x"),2023-01-01\n', encoding="utf-8"
    )
    targets = str(data_path("kpi_targets_synthetic.toml"))
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for out in (a, b):
        invoke("kpi", tmp_path / "l.csv", "--targets", targets, "--period", "2024", "-o", out)
    assert a.read_bytes() == b.read_bytes()
    rows = list(load_workbook(a)["超期 overdue"].values)
    # signed 2023-01-01, never landed; as of the period end 2024-12-31
    assert rows[1][:3] == ("签约未落地", "A", '\'=HYPERLINK("http://x")')
    assert rows[1][7] == 730  # 365 days to 2024-01-01, then 365 to Dec 31 of leap-year 2024


def test_xlsx_modified_stamp_is_pinned_not_the_clock(tmp_path):
    # openpyxl stamps dcterms:modified with the clock on save; byte-identical reports
    # need it pinned (this made byte-identity tests flaky across a second boundary).
    from chainmap.outputs.tables import FIXED_XLSX_DATE, write_xlsx

    path = write_xlsx({"s": pd.DataFrame({"a": [1]})}, tmp_path / "x.xlsx")
    props = load_workbook(path).properties
    assert props.modified == props.created == FIXED_XLSX_DATE


def test_readme_shows_the_real_half_year_table(invoke):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = invoke("kpi", *sample_args(), "--period", "2024H1").stdout
    shown = "\n".join(line.rstrip() for line in table.rstrip("\n").splitlines())
    assert shown in readme


def test_a_wan_yuan_header_scales_bare_numbers_and_a_cell_unit_wins(tmp_path):
    """总投资（万元） and 金额（万元）: bare numbers are 万元 (they were read as 亿元, 10,000 times
    too much, without a word); a cell that writes its own unit keeps it; the reader says
    which column it converted, and an implausibly large project is warned about."""
    source = data_path("ledger_synthetic.csv").read_text(encoding="utf-8").splitlines()
    header, rows = source[0].split(","), [line.split(",") for line in source[1:]]
    at = header.index("总投资（亿元）")
    header[at] = "总投资（万元）"
    for row in rows:
        if row[at]:
            row[at] = f"{float(row[at]) * 10_000:g}"
    rows[0][at] = "8亿"  # its own unit: 8 亿元, whatever the header says
    wan = tmp_path / "wan.csv"
    wan.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    want, _, _ = read_ledger(data_path("ledger_synthetic.csv"))
    got, _, report = read_ledger(wan)
    expect = want["investment"].to_numpy(copy=True)
    expect[0] = 8.0
    assert got["investment"].to_numpy() == pytest.approx(expect, nan_ok=True)
    assert any("表头单位为万元" in n and "总投资" in n for n in report.notes)
    assert not [i for i in report.items if i.code == "implausible_amount"]
    rows[1][at] = "25000"  # a 亿元 header with 万元 figures: kept, and warned about
    header[at] = "总投资（亿元）"
    yi = tmp_path / "yi.csv"
    yi.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    _, _, report = read_ledger(yi)
    warned = [i for i in report.items if i.code == "implausible_amount"]
    assert warned and warned[0].column == "investment" and "请核对单位" in warned[0].message


def test_as_of_cuts_new_projects_and_physical_investment_too(invoke):
    """--as-of 2024-03-31 inside 2024H1: the physical investment is that of the months
    ended by then (it printed the whole half year's), and a unit's 新增 counts the
    projects whose first date, 信息 and 意向 included, is by then. The references are
    computed here from the workbook's own sheets."""
    from chainmap.analysis.kpi import first_date
    from chainmap.model.office_tables import read_ledger_data

    book = data_path("ledger_synthetic.xlsx")
    args = ["kpi", book, "--period", "2024H1", "--as-of", "2024-03-31", "--format", "json"]
    done = invoke(*args, "--targets", data_path("kpi_targets_synthetic.toml"))
    assert done.exit_code == 0, done.output
    every = next(r for r in json.loads(done.stdout) if r["class"] == "all")
    sheet = pd.read_excel(book, sheet_name="实物量投资", dtype=str)
    month, amount = sheet["月份"].str[:7], sheet.filter(like="金额").iloc[:, 0].astype(float)
    want = amount[(month >= "2024-01") & (month <= "2024-03")].sum()
    assert every["physical_investment_period"] == pytest.approx(want)
    units = invoke(*args, "--targets", data_path("kpi_units_synthetic.toml"), "--by", "owner")
    got = {r["group"]: r["project_count"] for r in json.loads(units.stdout) if r.get("group")}
    projects = read_ledger_data(book).projects
    entered = first_date(projects)
    new = projects[(entered >= "2024-01-01") & (entered <= "2024-03-31")]
    want_units = new["owner"].value_counts().to_dict()
    assert {g: n for g, n in got.items() if n} == want_units


def test_a_snapshot_counts_nothing_dated_after_it_was_taken(invoke, tmp_path):
    """A snapshot of 2024-06-14 holds a landing dated 06-30, a plan then: the Q2 KPIs of
    that snapshot are those as of 06-14, and the command says so."""
    db = tmp_path / "store.db"
    prev = data_path("ledger_synthetic_prev.xlsx")
    assert invoke("ledger", "import", prev, "--as-of", "2024-06-14", "--db", db).exit_code == 0
    goals = data_path("kpi_targets_synthetic.toml")
    base = ("kpi", "--db", db, "--period", "2024Q2", "--targets", goals, "--format", "json")
    plain = invoke(*base)
    assert "counted as of the snapshot's day 2024-06-14" in plain.stderr
    assert json.loads(plain.stdout) == json.loads(invoke(*base, "--as-of", "2024-06-14").stdout)


def test_by_owner_without_owners_is_one_line_not_every_unit_at_zero(invoke):
    done = invoke(
        "kpi",
        data_path("ledger_synthetic.csv"),
        "--targets",
        data_path("kpi_units_synthetic.toml"),
        "--period",
        "2024H1",
        "--by",
        "owner",
    )
    assert done.exit_code == 2
    assert "the ledger has no owner values" in done.output and "责任单位" in done.output
    assert "Traceback" not in done.output


def test_the_channel_funnel_sheet_says_it_counts_projects_that_reached_a_stage(invoke, tmp_path):
    book = tmp_path / "kpi.xlsx"
    args = ["kpi", data_path("ledger_synthetic.xlsx"), "--period", "2024H1", "-o", book]
    assert invoke(*args).exit_code == 0
    sheet = load_workbook(book)["渠道漏斗"]
    header = [c.value for c in next(sheet.iter_rows(max_row=6)) if c.value]
    if header[0] != "分组 group":  # (a title row above the header)
        header = [c.value for c in list(sheet.iter_rows(max_row=6))[1] if c.value]
    assert "到达数 reached" in header and "停留数 count" not in header
    assert header.count("阶段") == 1 and "stage" in header


def test_the_workbook_and_the_title_say_the_period_and_the_day_counted_to(invoke, tmp_path):
    """An H1 workbook looked like a Q2 one: its title and every printed page's header name
    the period and the day the counts stop, over page numbers."""
    book = tmp_path / "kpi.xlsx"
    base = ["kpi", data_path("ledger_synthetic.xlsx"), "--period", "2024H1"]
    assert invoke(*base, "--as-of", "2024-03-31", "-o", book).exit_code == 0
    wb = load_workbook(book)
    caption = "项目考核指标 · 2024H1 · 截至 2024-03-31"
    assert wb.properties.title == caption
    for sheet in wb.worksheets:
        assert sheet.oddHeader.center.text == caption
        assert "&P" in sheet.oddFooter.center.text
    table = invoke(*base, "--as-of", "2024-03-31").stdout
    assert "截至" in table and "2024-03-31" in table
    assert "截至" not in invoke(*base).stdout  # (the period's own end goes without saying)


def test_unit_kpis_name_the_projects_that_changed_unit_in_the_period(invoke):
    """The unit KPIs credit each project to its current 责任单位: a unit that signed a
    project and handed it on loses it. The 流转 sheet's moves in the period are named."""
    base = ["kpi", data_path("ledger_synthetic.xlsx"), "--period", "2024H1", "--by", "owner"]
    done = invoke(*base, "--targets", data_path("kpi_units_synthetic.toml"))
    assert "期内流转 2 个项目" in done.stderr
    assert "SX-006 平台甲→平台乙(2024-03-20)" in done.stderr
    assert "SX-011 驻深办→平台乙(2024-06-26)" in done.stderr
    early = invoke(
        *base, "--targets", data_path("kpi_units_synthetic.toml"), "--as-of", "2024-05-31"
    )
    assert "期内流转 1 个项目" in early.stderr and "SX-011" not in early.stderr
    plain = ["kpi", data_path("ledger_synthetic.xlsx"), "--period", "2024H1"]
    assert "期内流转" not in invoke(*plain).stderr  # (not split by unit: nothing to credit)


def test_segment_and_chain_groups_read_in_chinese_by_their_breakdown(invoke):
    """--by segment showed raw ids (ptfe, fkm). Display tables name bundled segments and
    chains in Chinese, by the breakdown: lithium_battery is a chain and a segment."""
    from chainmap.outputs.kpi_report import kpi_display_frame

    rec = [{"class": "all", "group": "lithium_battery", "landed_count": 1}]
    assert kpi_display_frame(rec, by="segment")["分组"].tolist() == ["锂离子电池(电芯)"]
    assert kpi_display_frame(rec, by="chain")["分组"].tolist() == ["锂电池产业链"]
    assert kpi_display_frame(rec)["分组"].tolist() == ["lithium_battery"]
    shown = invoke(
        "kpi", data_path("ledger_synthetic.xlsx"), "--period", "2024H1", "--by", "segment"
    )
    assert "氟橡胶" in shown.stdout and " fkm " not in shown.stdout
    raw = invoke(*["kpi", data_path("ledger_synthetic.xlsx"), "--period", "2024H1"],
                 "--by", "segment", "--format", "json")  # fmt: skip
    assert "fkm" in {r["group"] for r in json.loads(raw.stdout)}  # (ids stay in JSON)


def test_a_side_table_amount_header_in_wan_yuan_scales_too(tmp_path):
    """实物量计划 with 计划金额（万元）: bare numbers are 万元, a cell's own unit wins."""
    from chainmap.model.office_tables import read_side_table

    path = tmp_path / "plan.csv"
    path.write_text(
        "项目编号,月份,计划金额（万元）\nSX-001,2024-01,12000\nSX-001,2024-02,2亿\n",
        encoding="utf-8",
    )
    table, report = read_side_table("plan", path)
    assert table["planned"].tolist() == [1.2, 2.0]
    assert any("表头单位为万元" in n for n in report.notes)
    plain = tmp_path / "plain.csv"
    plain.write_text("项目编号,月份,计划金额\nSX-001,2024-01,1.2\n", encoding="utf-8")
    table, report = read_side_table("plan", plain)
    assert table["planned"].tolist() == [1.2] and not report.notes


def test_a_cell_unit_before_an_approximation_wins_over_the_header(tmp_path):
    """Under 总投资（万元）, "8亿左右" writes its own unit (before 左右): it is 8 亿元,
    approximate, not a cell with two units rejected."""
    path = tmp_path / "ledger.csv"
    path.write_text(
        "项目编号,总投资（万元）,签约日期\nA-1,8亿左右,2024-03-01\nA-2,约5000,2024-03-02\n",
        encoding="utf-8",
    )
    projects, _, report = read_ledger(path)
    assert projects["investment"].tolist() == pytest.approx([8.0, 0.5])
    assert report.rejected == 0
