"""The ledger's history store, the bulletin, per-unit KPIs and the channel funnel (issue 19).

Every expected figure is worked out by hand from the small ledgers below.
"""

from __future__ import annotations

from datetime import date
import json
from pathlib import Path
import sqlite3
import subprocess
import sys

import pytest

from chainmap.analysis.kpi import kpi_table
from chainmap.analysis.office import channel_funnel
from chainmap.model.kpi_targets import KpiTargets
from chainmap.model.office_tables import read_ledger_data

HEAD = "项目编号,项目名称,责任单位,来源渠道,信息日期,盯引日期,意向日期,签约日期,落地日期,存在问题,下一步,截止日期\n"

# Snapshot A, as of 2024-06-01
SNAP_A = HEAD + (
    "C1,项目一,u1,乡贤,,2024-05-01,,,,,拜访董事长,2024-06-05\n"
    "C2,项目二,u2,商会,,,,2024-05-10,,,,\n"
    "C3,项目三,u3,基金,,2024-04-01,,,,,,\n"
    "C4,项目四,u1,乡贤,,2024-03-01,,,,,,\n"
)
# Snapshot B, as of 2024-06-08: C2 lands and raises a problem, C4 leaves, C5 is new,
# C1's due date (06-05) has passed, u3's C3 and u4 (no project) did not move.
SNAP_B = HEAD + (
    "C1,项目一,u1,乡贤,,2024-05-01,,,,,拜访董事长,2024-06-05\n"
    "C2,项目二,u2,商会,,,,2024-05-10,2024-06-03,用地指标未落实,,\n"
    "C3,项目三,u3,基金,,2024-04-01,,,,,,\n"
    "C5,项目五,u2,活动,2024-06-06,,,,,,,\n"
)
UNITS = """\
[[class]]
id = "all"
name = "全部项目"

[[unit]]
id = "u1"
name = "示例平台甲"
kind = "platform"

[[unit]]
id = "u2"
name = "示例产业组乙"
kind = "group"

[[unit]]
id = "u3"
name = "示例驻外办丙"
kind = "office"

[[unit]]
id = "u4"
name = "示例驻外办丁"
kind = "office"

[[target]]
class = "all"
year = 2024
unit = "u1"
landed = 2
signed = 4
projects = 3

[[target]]
class = "all"
year = 2024
unit = "u2"
landed = 1

[[target]]
class = "all"
year = 2024
landed = 10
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return sorted(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def store(tmp_path, invoke):
    a, b = _write(tmp_path, "a.csv", SNAP_A), _write(tmp_path, "b.csv", SNAP_B)
    db = tmp_path / "chainmap.db"
    for path, day in ((a, "2024-06-01"), (b, "2024-06-08")):
        result = invoke("ledger", "import", path, "--as-of", day, "--db", db)
        assert result.exit_code == 0, result.output
    return db, a, b


def test_bulletin_between_two_hand_built_snapshots(store, invoke, tmp_path):
    db, _, _ = store
    targets = _write(tmp_path, "t.toml", UNITS)
    args = ["--from", "2024-06-01", "--to", "2024-06-08", "--db", db, "--targets", targets]
    result = invoke("ledger", "changes", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert [r["project_id"] for r in got["new_leads"]] == ["C5"]
    assert got["new_leads"][0]["stage"] == "信息"
    assert [r["project_id"] for r in got["removed"]] == ["C4"]
    moves = [(r["project_id"], r["from_stage"], r["to_stage"]) for r in got["stage_moves"]]
    assert moves == [("C2", "签约", "落地")]
    assert [(r["project_id"], r["problem"]) for r in got["problems"]] == [("C2", "用地指标未落实")]
    # C1 was due 2024-06-05: three days late on 06-08 (the --to date, not the clock).
    assert [(r["project_id"], r["days"]) for r in got["overdue"]] == [("C1", 3)]
    assert [r["unit"] for r in got["idle_units"]] == ["u3", "u4"]
    text = invoke("ledger", "changes", *args).stdout
    assert "新增线索" in text and "用地指标未落实" in text


def test_reimporting_the_same_snapshot_changes_nothing(store, invoke):
    db, a, b = store
    before = _dump(db)
    for path, day in ((a, "2024-06-01"), (b, "2024-06-08")):
        result = invoke("ledger", "import", path, "--as-of", day, "--db", db)
        assert "unchanged" in result.stderr
    assert _dump(db) == before
    # A different ledger for a stored date replaces it (and the dump changes).
    result = invoke("ledger", "import", b, "--as-of", "2024-06-01", "--db", db)
    assert "replaced" in result.stderr and _dump(db) != before


def test_an_interrupted_import_leaves_the_database_unchanged(store, tmp_path):
    db, _, _ = store
    before = _dump(db)
    bigger = _write(
        tmp_path,
        "c.csv",
        SNAP_B + "".join(f"D{i},项目{i},u1,乡贤,,2024-06-10,,,,,,\n" for i in range(50)),
    )
    script = f"""
import os, signal
import chainmap.model.ledger_store as store
real = store._insert
def insert_then_die(conn, table, day, values):
    real(conn, table, day, values)
    os.kill(os.getpid(), signal.SIGKILL)  # killed mid-transaction, after the first table
store._insert = insert_then_die
from chainmap.cli import main
main(["ledger", "import", {str(bigger)!r}, "--as-of", "2024-06-15", "--db", {str(db)!r}])
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -9, proc.stderr.decode()
    assert Path(f"{db}-journal").exists()  # the hot journal: it died inside the transaction
    assert _dump(db) == before  # the interrupted snapshot is not there, the others are intact
    # ... and the store is usable: the same import, uninterrupted, now goes through.
    from chainmap.model.ledger_store import import_snapshot, snapshot_dates

    done = import_snapshot(db, read_ledger_data(bigger), as_of=date(2024, 6, 15), source="c.csv")
    assert done["status"] == "new" and snapshot_dates(db)[-1] == "2024-06-15"


def test_history_and_kpi_from_the_store(store, invoke):
    db, _, _ = store
    result = invoke("ledger", "history", "C2", "--db", db, "--format", "json")
    rows = json.loads(result.stdout)
    assert [(r["as_of"], r["stage"]) for r in rows] == [
        ("2024-06-01", "签约"),
        ("2024-06-08", "落地"),
    ]
    assert "problem: — → 用地指标未落实" in rows[1]["changes"]  # a blank reads —, not None
    kpi = invoke(
        "kpi", "--db", db, "--period", "2024H1", "--as-of", "2024-06-01", "--format", "json"
    )
    assert kpi.exit_code == 0, kpi.output
    (record,) = json.loads(kpi.stdout)
    assert (record["signed_count"], record["landed_count"]) == (1, 0)  # as of 06-01
    later = invoke("kpi", "--db", db, "--period", "2024H1", "--format", "json")
    assert json.loads(later.stdout)[0]["landed_count"] == 1  # C2 landed 06-03
    both = invoke("kpi", "x.csv", "--db", db, "--period", "2024H1")
    assert both.exit_code != 0 and "not both" in both.output


def test_assignment_slip_and_review(store, invoke, tmp_path):
    from docx import Document
    from openpyxl import load_workbook

    db, _, _ = store
    slip = tmp_path / "交办单.docx"
    result = invoke("ledger", "assignments", "--owner", "u1", "-o", slip, "--db", db)
    assert result.exit_code == 0, result.output
    doc = Document(slip)
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 210)
    cells = [c.text for c in doc.tables[0].rows[1].cells]
    assert cells[0] == "C1" and "拜访董事长" in cells and "超期" in cells
    assert len(doc.tables[0].rows) == 2  # C4 left the ledger: only C1 is open for u1
    widths = [col.width.mm for col in doc.tables[0].columns]
    assert sum(widths) <= 297 - 30 + 0.5  # inside the margins
    due = [c.text for c in doc.tables[0].rows[0].cells].index("截止日期")
    assert widths[due] >= 10 * 2.0 + 5 - 0.5  # ten date characters fit on one line
    review = tmp_path / "盘点.xlsx"
    assert invoke("ledger", "review", "-o", review, "--db", db).exit_code == 0
    sheet = load_workbook(review).worksheets[0]
    rows = list(sheet.values)
    assert rows[0][:4] == ("项目编号", "项目名称", "责任单位", "阶段")
    # Furthest stage first: C2 落地 since 06-03, 5 days to 06-08.
    assert rows[1][0] == "C2" and rows[1][3] == "落地" and rows[1][5] == 5


# ---------------------------------------------------------------------- per-unit KPIs, funnel

UNIT_LEDGER = HEAD + (
    "B1,一,u1,乡贤,2024-01-10,,,2024-02-01,2024-03-01,,,\n"
    "B2,二,u1,乡贤,,2024-02-05,,2024-04-01,,,,\n"
    "B3,三,u1,乡贤,2023-12-01,,,2023-12-20,2024-05-01,,,\n"  # entered in 2023
    "B4,四,u2,商会,2024-03-01,,2024-03-15,,,,,\n"
    "B5,五,,,,,,2024-01-02,,,,\n"  # no owner, no channel
)
VISITS = (
    "日期,单位,走访对象,企业/机构,来源渠道,结果,项目编号\n"
    "2024-01-05,u1,乡贤甲,示例企业,乡贤,会面,\n"
    "2024-01-06,u1,乡贤乙,示例企业,乡贤,信息,B1\n"
    "2024-02-01,u1,乡贤丙,示例企业,乡贤,,\n"
    "2024-02-02,u1,乡贤丁,示例企业,乡贤,,B2\n"
    "2024-03-03,u1,乡贤戊,示例企业,乡贤,,\n"
    "2023-12-30,u1,乡贤己,示例企业,乡贤,,\n"  # before the period
    "2024-02-20,u2,客商甲,示例商会,商会,信息,B4\n"
    "2024-02-21,u2,客商乙,示例商会,商会,,\n"
)


def test_per_unit_kpis_against_their_own_targets(tmp_path):
    from chainmap.model.kpi_targets import read_targets

    data = read_ledger_data(_write(tmp_path, "l.csv", UNIT_LEDGER))
    targets = read_targets(_write(tmp_path, "t.toml", UNITS))
    got = {
        r["group"]: r for r in kpi_table(data.projects, None, targets, period="2024H1", by="owner")
    }
    assert list(got) == ["u1", "u2", "u3", "u4", None]  # every unit, even without projects
    u1 = got["u1"]
    # signed in H1: B1, B2; landed in H1: B1, B3; entered in H1: B1, B2 (B3 entered 2023)
    assert (u1["signed_count"], u1["landed_count"], u1["project_count"]) == (2, 2, 2)
    assert u1["target_completion"] == 2 / 2 and u1["signed_completion"] == 2 / 4
    assert u1["projects_completion"] == 2 / 3 and u1["group_name"] == "示例平台甲"
    u2 = got["u2"]
    assert (u2["landed_count"], u2["target_landed"], u2["target_completion"]) == (0, 1, 0.0)
    assert u2["target_signed"] is None and u2["signed_completion"] is None
    assert got["u3"]["project_count"] == 0 and got["u3"]["target_landed"] is None
    # Unowned B5 is never held to the office-wide target (10).
    assert got[None]["signed_count"] == 1 and got[None]["target_landed"] is None


def test_channel_funnel_counts_and_rates(tmp_path):
    ledger = _write(tmp_path, "l.csv", UNIT_LEDGER)
    data = read_ledger_data(ledger, files={"visits": _write(tmp_path, "v.csv", VISITS)})
    rows = channel_funnel(data.projects, data.tables["visits"], period="2024H1", by="channel")
    table = {}
    for r in rows:
        table.setdefault(r["group"], []).append((r["count"], r["conversion"]))
    # 乡贤: 5 visits in H1; B1, B2 entered (B3 in 2023); both signed; B1 landed.
    assert table["乡贤"] == [
        (5, None), (2, 2 / 5), (2, 1.0), (2, 1.0), (2, 1.0), (1, 0.5), (0, 0.0), (0, None)
    ]  # fmt: skip
    # 商会: 2 visits; B4 reached 意向 (so passed 盯引) and no further.
    assert table["商会"] == [
        (2, None), (1, 0.5), (1, 1.0), (1, 1.0), (0, 0.0), (0, None), (0, None), (0, None)
    ]  # fmt: skip
    # B5 has no channel: its own group, with no visits.
    assert table[None][:5] == [(0, None), (1, None), (1, 1.0), (1, 1.0), (1, 1.0)]
    assert [r["stage_zh"] for r in rows[:8]] == [
        "走访", "信息", "盯引", "意向", "签约", "落地", "开工", "入统"
    ]  # fmt: skip


def test_kpi_by_owner_on_the_cli_writes_the_office_sheets(invoke, tmp_path):
    from openpyxl import load_workbook

    ledger = _write(tmp_path, "l.csv", UNIT_LEDGER)
    targets = _write(tmp_path, "t.toml", UNITS)
    out = tmp_path / "r.xlsx"
    result = invoke(
        "kpi", ledger, "--targets", targets, "--period", "2024H1", "--by", "owner", "-o", out
    )
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert "渠道漏斗" in book.sheetnames
    header = [c.value for c in book["KPI"][1]]
    assert "本期签约占年度目标" in header and "单位名称" in header
    assert KpiTargets  # the public type the records come from


def test_the_store_file_copies_and_refuses_what_it_cannot_read(store, invoke, tmp_path):
    import shutil

    db, _, _ = store
    copy = tmp_path / "elsewhere" / "copy.db"
    copy.parent.mkdir()
    shutil.copy(db, copy)  # journal_mode=DELETE: the one file is the whole store
    assert not Path(f"{db}-wal").exists()
    history = invoke("ledger", "history", "C1", "--db", copy, "--format", "json")
    assert [r["as_of"] for r in json.loads(history.stdout)] == ["2024-06-01", "2024-06-08"]
    conn = sqlite3.connect(copy)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    newer = invoke("ledger", "history", "C1", "--db", copy)
    assert newer.exit_code != 0 and "newer" in newer.output and "Traceback" not in newer.output
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all, just bytes" * 100)
    bad = invoke("ledger", "history", "C1", "--db", junk)
    assert bad.exit_code != 0 and "not a chainmap database" in bad.output
    missing = invoke(
        "ledger",
        "changes",
        "--from",
        "2024-01-01",
        "--to",
        "2024-02-01",
        "--db",
        tmp_path / "no.db",
    )
    assert missing.exit_code != 0 and "no such database" in missing.output
    neither = invoke("kpi", "--period", "2024H1")
    assert neither.exit_code != 0 and "LEDGER" in neither.output


def test_migrations_upgrade_an_older_store_in_place(tmp_path):
    from chainmap.model.ledger_store import MIGRATIONS, open_store

    db = tmp_path / "v1.db"
    conn = sqlite3.connect(db)
    conn.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
    conn.execute("INSERT INTO snapshot VALUES ('2024-01-01', 'old.xlsx', 0, 0, 0)")
    conn.commit()
    conn.close()
    with open_store(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 2
        assert conn.execute("SELECT COUNT(*) FROM import_count").fetchone()[0] == 0
        assert conn.execute("SELECT source FROM snapshot").fetchone()[0] == "old.xlsx"


def test_kpi_from_the_store_keeps_the_import_report(store, invoke, tmp_path):
    from openpyxl import load_workbook

    db, _, _ = store
    out = tmp_path / "r.xlsx"
    assert invoke("kpi", "--db", db, "--period", "2024H1", "-o", out).exit_code == 0
    rows = list(load_workbook(out)["导入报告 import"].values)
    # b.csv (the snapshot of 06-08) has no chain and no investment column: each of its
    # four rows carries both warnings, read back from the store.
    assert rows[0][0] == "表 table" and len(rows) == 1 + 4 * 2
    assert {(r[0], r[3]) for r in rows[1:]} == {
        ("台账 ledger", "missing_chain"),
        ("台账 ledger", "missing_amount"),
    }
    conn = sqlite3.connect(db)
    counts = conn.execute(
        "SELECT as_of, tbl, source, rows_read FROM import_count ORDER BY 1"
    ).fetchall()
    conn.close()
    assert counts == [
        ("2024-06-01", "台账 ledger", "a.csv", 4),
        ("2024-06-08", "台账 ledger", "b.csv", 4),
    ]


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE project SET record = '{bad'",
        "UPDATE project SET record = '[1, 2]'",
        "UPDATE snapshot SET as_of = 'garbage' WHERE as_of = '2024-06-01'",
        "INSERT INTO investment VALUES ('2024-06-08', 1, 'C1', '2024-05', 'abc');"
        "UPDATE snapshot SET has_investment = 1",
        "INSERT INTO side_row VALUES ('2024-06-08', 'visits', 1, 'null')",
        "DROP TABLE project",
        "UPDATE project SET record = json_set(record, '$.signed_on', 'not-a-date')",
    ],
)
def test_a_store_edited_by_hand_is_one_line_saying_so(store, invoke, edit):
    db, _, _ = store
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.executescript(edit)
    conn.commit()
    conn.close()
    for args in (
        ("kpi", "--db", db, "--period", "2024H1"),
        ("ledger", "history", "C1", "--db", db),
    ):
        result = invoke(*args)
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and "damaged or was edited by hand" in lines[0], result.stderr
        assert str(db) in lines[0]
