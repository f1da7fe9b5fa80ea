"""The SYNTHETIC office workbook: plan lag, funds and due-diligence warnings (issue 19 §4–§5)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from openpyxl import load_workbook

from chainmap.model.catalog import data_path

ROOT = Path(__file__).resolve().parents[1]


def _sample(name: str = "ledger_synthetic.xlsx") -> str:
    return str(data_path(name))


def _import_both(invoke, db):
    """Import the week-before and the current sample snapshots into ``db``."""
    return [
        invoke("ledger", "import", _sample(name), "--as-of", day, "--db", db)
        for name, day in (
            ("ledger_synthetic_prev.xlsx", "2024-06-21"),
            ("ledger_synthetic.xlsx", "2024-06-28"),
        )
    ]


def test_the_sample_is_labelled_synthetic_and_rebuilt_byte_for_byte(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "make_ledger_synthetic", ROOT / "scripts" / "make_ledger_synthetic.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, current in (("ledger_synthetic.xlsx", True), ("ledger_synthetic_prev.xlsx", False)):
        rebuilt = module.build(tmp_path / name, current=current)
        assert rebuilt.read_bytes() == Path(_sample(name)).read_bytes(), name
    book = load_workbook(_sample())
    assert "SYNTHETIC" in book["项目台账"]["A1"].value
    assert {"走访", "基金", "流转", "实物量计划", "尽调", "实物量投资"} <= set(book.sheetnames)


def test_kpi_report_lists_projects_behind_plan_and_funds(invoke, tmp_path):
    out = tmp_path / "report.xlsx"
    targets = data_path("kpi_units_synthetic.toml")
    args = [_sample(), "--targets", targets, "--period", "2024H1", "--by", "owner", "-o", out]
    assert invoke("kpi", *args).exit_code == 0
    book = load_workbook(out)
    lag = list(book["实物量滞后"].values)
    # SX-003 planned 1.0 in each of 2024-04..06 (3.0) and did 0.4 a month (1.2): 60% behind.
    # (units by their [[unit]] names, yes/no as 是/否: the workbook is for people)
    assert lag[1][:4] == ("SX-003", "示例项目C(含氟涂料扩能)", "平台乙", 3.0)
    assert abs(lag[1][4] - 1.2) < 1e-9 and abs(lag[1][6] - 0.6) < 1e-9 and lag[1][7] == "是"
    # SX-001 (6.0 planned, 6.5 done) and SX-007 (4.8 and 4.8) are on plan.
    assert {r[0]: r[7] for r in lag[1:]} == {"SX-003": "是", "SX-001": "否", "SX-007": "否"}
    funds = {r[0]: r for r in list(book["基金"].values)[1:]}
    # 氟材料基金: SX-005 (0.5 of 15亿) and SX-010 (0.8 of 18亿), neither landed by 06-30.
    assert funds["示例氟材料产业基金"][5:] == (2, 1.3, 33, 0, 0)
    # 新能源母基金: SX-004 (1.2 of 8亿), landed on 06-30.
    assert funds["示例新能源母基金"][5:] == (1, 1.2, 8, 1, 8)


def test_signed_projects_with_open_required_checks_are_warned_everywhere(invoke, tmp_path):
    db = tmp_path / "c.db"
    prev, now = _import_both(invoke, db)
    for result in (prev, now):
        assert "SX-004 is at 签约 with required check 'energy' 待查" in result.stderr
        assert "SX-005 is at 签约 with required check 'demands' 未通过" in result.stderr
        assert "SX-012" not in result.stderr.split("尽调未完成")[-1]  # a lead, not yet signed
    import json

    args = ["--from", "2024-06-21", "--to", "2024-06-28", "--db", db, "--format", "json"]
    got = json.loads(invoke("ledger", "changes", *args).stdout)
    assert [(r["project_id"], r["item"], r["result"]) for r in got["diligence"]] == [
        ("SX-004", "energy", "待查"),
        ("SX-005", "demands", "未通过"),
    ]
    assert [r["project_id"] for r in got["behind_plan"]] == ["SX-003"]
    assert [r["project_id"] for r in got["new_leads"]] == ["SX-018"]
    review = invoke("ledger", "review", "-o", tmp_path / "r.xlsx", "--db", db)
    assert "SX-005 is at 签约 with required check 'demands' 未通过" in review.stderr
    rows = {r[0]: r for r in list(load_workbook(tmp_path / "r.xlsx").worksheets[0].values)[1:]}
    assert rows["SX-012"][9] == "paid_in_capital 待查"  # open items show for leads too
    assert rows["SX-016"][3] == "已放弃"


def _shown(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip("\n").splitlines())


def test_readme_shows_the_real_unit_table_funnel_and_bulletin(invoke, tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = data_path("kpi_units_synthetic.toml")
    kpi = invoke("kpi", _sample(), "--targets", targets, "--period", "2024H1", "--by", "owner")
    assert _shown(kpi.stdout) in readme
    funnel = invoke("ledger", "funnel", _sample(), "--period", "2024H1")
    assert _shown(funnel.stdout) in readme
    db = tmp_path / "chainmap.db"
    _import_both(invoke, db)
    args = ["--from", "2024-06-21", "--to", "2024-06-28", "--db", db, "--targets", targets]
    assert _shown(invoke("ledger", "changes", *args).stdout) in readme
