"""Dated ledger snapshots in one SQLite file: what moved this week, a project's history.

The office's ledger travels as Excel; its history lives here. Each import stores the
whole ledger, with its physical investment and side tables, as the snapshot of one
date (``--as-of``, from the user, never the clock). Nothing else is stored: what
changed between two dates is computed by comparing their snapshots.

Safety
------
- Standard library :mod:`sqlite3`, ``journal_mode=DELETE``: the database is one file,
  and copying it is enough to move it to another machine.
- Migrations are numbered scripts; ``PRAGMA user_version`` records the last one applied.
- An import is one transaction (``BEGIN IMMEDIATE`` … ``COMMIT``). A process killed
  mid-way leaves a hot journal that SQLite rolls back on the next open, so the database
  is as it was before the import.
- Re-importing the same snapshot changes nothing: the stored rows are compared first and
  nothing is written when they are equal. A different ledger for a stored date replaces
  that date's snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
import datetime as dt
import json
import math
from pathlib import Path
import sqlite3
import warnings

import pandas as pd

from chainmap.errors import InputError
from chainmap.model.ledger import LEDGER_COLUMNS
from chainmap.model.office_tables import SIDE_TABLES, LedgerData, empty_side_table
from chainmap.model.report import ImportReport

__all__ = [
    "DEFAULT_DB",
    "MIGRATIONS",
    "import_snapshot",
    "load_snapshot",
    "open_store",
    "snapshot_dates",
    "snapshot_on_or_before",
]

DEFAULT_DB = "chainmap.db"

#: Schema migrations, in order; entry i brings the schema from version i to i + 1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE snapshot (
        as_of TEXT PRIMARY KEY,        -- YYYY-MM-DD, given by the user
        source TEXT NOT NULL,          -- the file's name, for the record
        rows_read INTEGER NOT NULL,
        rows_kept INTEGER NOT NULL,
        has_investment INTEGER NOT NULL  -- 0: no physical-investment data (not zero)
    );
    CREATE TABLE project (
        as_of TEXT NOT NULL REFERENCES snapshot(as_of),
        project_id TEXT NOT NULL,
        record TEXT NOT NULL,          -- the ledger row as JSON (canonical and extra columns)
        PRIMARY KEY (as_of, project_id)
    );
    CREATE TABLE investment (
        as_of TEXT NOT NULL REFERENCES snapshot(as_of),
        seq INTEGER NOT NULL,
        project_id TEXT NOT NULL,
        month TEXT NOT NULL,
        amount REAL NOT NULL,
        PRIMARY KEY (as_of, seq)
    );
    CREATE TABLE side_row (
        as_of TEXT NOT NULL REFERENCES snapshot(as_of),
        tbl TEXT NOT NULL,             -- visits | funds | transfers | plan | diligence
        seq INTEGER NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (as_of, tbl, seq)
    );
    CREATE TABLE import_item (
        as_of TEXT NOT NULL REFERENCES snapshot(as_of),
        tbl TEXT NOT NULL,
        seq INTEGER NOT NULL,
        row INTEGER, col TEXT, code TEXT NOT NULL, message TEXT NOT NULL, severity TEXT NOT NULL,
        PRIMARY KEY (as_of, tbl, seq)
    );
    """,
    # 2: how many rows each input table had, so a snapshot's import reports are whole
    # again when read back (`kpi --db -o report.xlsx` lists them).
    """
    CREATE TABLE import_count (
        as_of TEXT NOT NULL REFERENCES snapshot(as_of),
        tbl TEXT NOT NULL,
        source TEXT NOT NULL,
        rows_read INTEGER NOT NULL,
        PRIMARY KEY (as_of, tbl)
    );
    """,
)
_INVESTMENT_KEY = "investment"


@contextmanager
def open_store(path: str | Path, *, create: bool = True) -> Iterator[sqlite3.Connection]:
    """Open (and migrate) the store; ``create=False`` fails for a missing file."""
    path = Path(path)
    if not create and not path.is_file():
        raise InputError(
            "数据库不存在 / no such database",
            file=str(path),
            hint="import a snapshot first: chainmap ledger import LEDGER.xlsx --as-of DATE",
        )
    _refuse_foreign(path, reading=not create)
    try:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA foreign_keys=ON")
        _migrate(conn, str(path))
    except sqlite3.DatabaseError as exc:
        if _write_failed(exc):
            raise _not_written(path, exc) from None
        raise InputError(
            f"不是 chainmap 数据库 / not a chainmap database ({exc})", file=str(path)
        ) from None
    try:
        yield conn
    except sqlite3.DatabaseError as exc:  # a table dropped or a file damaged by hand
        raise (_not_written(path, exc) if _write_failed(exc) else _damaged(path, exc)) from None
    finally:
        conn.close()


def _refuse_foreign(path: Path, *, reading: bool) -> None:
    """Refuse a file that is not a chainmap store before SQLite writes to it.

    A store records its schema in ``PRAGMA user_version``. A file without one is another
    program's database, or an empty file: it is refused, as is any empty file a command
    only reads (``kpi --db notes.txt`` made notes.txt a database). Looked at read-only.
    """
    if not path.is_file():
        return
    if path.stat().st_size == 0:
        if reading:
            raise InputError(
                "空文件, 不是 chainmap 数据库 / an empty file, not a chainmap database",
                file=str(path),
                hint="give the store `chainmap ledger import` wrote (--db), or import a snapshot",
            )
        return  # (ledger import into an empty file it was given: a new store)
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master LIMIT 5")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise InputError(
            f"不是 chainmap 数据库 / not a chainmap database ({exc})", file=str(path)
        ) from None
    if version == 0:
        if not tables and not reading:  # an empty database (a first import cut short)
            return
        held = f" (它有表 / it holds tables {', '.join(tables)})" if tables else ""
        raise InputError(
            f"不是 chainmap 数据库 / not a chainmap database{held}; it is left as it was",
            file=str(path),
            hint="give the store `chainmap ledger import` wrote, or a new file name for a new one",
        )


#: SQLite's words for a write that did not reach the disk (the store itself is intact).
_WRITE_FAILURES = ("database or disk is full", "disk i/o error", "file is too large")


def _write_failed(exc: BaseException) -> bool:
    return any(w in str(exc).lower() for w in _WRITE_FAILURES)


def _not_written(path: str | Path, exc: BaseException) -> InputError:
    why = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
    return InputError(
        f"写入数据库失败 / could not write to the ledger store ({why}); "
        "the store is as it was before this run",
        file=str(path),
        hint="free some disk space (or raise the file size limit) and run again",
    )


def _damaged(path: str | Path, exc: BaseException) -> InputError:
    why = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
    return InputError(
        f"数据库已损坏或被改动 / the ledger store is damaged or was edited by hand ({why})",
        file=str(path),
        hint="restore it from a backup, or import the ledger again with chainmap ledger import",
    )


def _migrate(conn: sqlite3.Connection, source: str) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise InputError(
            f"数据库版本 {version} 高于本程序 / database schema {version} is newer than this "
            f"chainmap ({len(MIGRATIONS)})",
            file=source,
            hint="upgrade chainmap",
        )
    for i in range(version, len(MIGRATIONS)):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[i].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {i + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def _json_value(value: object) -> object:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return _json_value(value.item())
    return value


def _dumps(record: dict) -> str:
    return json.dumps(
        {str(k): _json_value(v) for k, v in record.items()}, ensure_ascii=False, sort_keys=True
    )


def _rows(data: LedgerData, report_items: list[tuple]) -> dict[str, list[tuple]]:
    """Every row to store, as tuples without ``as_of``, in a fixed order."""
    frame = data.projects.astype(object)
    projects = sorted((str(rec["project_id"]), _dumps(rec)) for rec in frame.to_dict("records"))
    inv = data.investment
    investment = []
    if inv is not None:
        for seq, rec in enumerate(inv.to_dict("records")):
            investment.append((seq, rec["project_id"], rec["month"], float(rec["amount"])))
    side = []
    for name in SIDE_TABLES:
        table = data.tables.get(name)
        for seq, rec in enumerate([] if table is None else table.to_dict("records")):
            side.append((name, seq, _dumps(rec)))
    return {
        "project": projects,
        "investment": investment,
        "side_row": side,
        "import_item": report_items,
        "import_count": sorted(
            (name, Path(rep.source).name, rep.read) for name, rep in data.reports.items()
        ),
    }


def _report_items(reports: dict[str, ImportReport]) -> list[tuple]:
    items = []
    for name, rep in reports.items():
        for seq, i in enumerate(rep.items):
            items.append((name, seq, i.row, i.column, i.code, i.message, i.severity))
    return items


_COLUMNS = {
    "project": "project_id, record",
    "investment": "seq, project_id, month, amount",
    "side_row": "tbl, seq, record",
    "import_item": "tbl, seq, row, col, code, message, severity",
    "import_count": "tbl, source, rows_read",
}


def _stored(conn: sqlite3.Connection, as_of: str) -> dict[str, list[tuple]]:
    return {
        table: conn.execute(
            f"SELECT {cols} FROM {table} WHERE as_of = ? ORDER BY {cols}", (as_of,)
        ).fetchall()
        for table, cols in _COLUMNS.items()
    }


def import_snapshot(path: str | Path, data: LedgerData, *, as_of: dt.date, source: str) -> dict:
    """Store ``data`` as the snapshot of ``as_of``; ``{as_of, projects, status}``.

    ``status`` is ``"new"``, ``"replaced"`` (the date held a different ledger) or
    ``"unchanged"`` (the same snapshot again: nothing is written).
    """
    day = as_of.isoformat()
    ledger_report = data.reports.get("台账 ledger")
    read = ledger_report.read if ledger_report else len(data.projects)
    rows = _rows(data, _report_items(data.reports))
    with open_store(path) as conn:
        meta = (source, read, len(data.projects), int(data.investment is not None))
        existing = conn.execute(
            "SELECT source, rows_read, rows_kept, has_investment FROM snapshot WHERE as_of = ?",
            (day,),
        ).fetchone()
        if existing is not None and tuple(existing) == meta:
            stored = {k: set(v) for k, v in _stored(conn, day).items()}
            if stored == {k: set(v) for k, v in rows.items()}:
                return {"as_of": day, "projects": len(data.projects), "status": "unchanged"}
        conn.execute("BEGIN IMMEDIATE")
        try:
            tables = ("import_count", "import_item", "side_row", "investment", "project")
            for table in (*tables, "snapshot"):
                conn.execute(f"DELETE FROM {table} WHERE as_of = ?", (day,))
            conn.execute("INSERT INTO snapshot VALUES (?, ?, ?, ?, ?)", (day, *meta))
            for table, values in rows.items():
                _insert(conn, table, day, values)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # (SQLite ends it itself on a full disk)
                conn.execute("ROLLBACK")
            raise
    status = "new" if existing is None else "replaced"
    return {"as_of": day, "projects": len(data.projects), "status": status}


def _insert(conn: sqlite3.Connection, table: str, day: str, values: list[tuple]) -> None:
    if not values:
        return
    marks = ", ".join("?" * (len(values[0]) + 1))
    conn.executemany(
        f"INSERT INTO {table} (as_of, {_COLUMNS[table]}) VALUES ({marks})",
        [(day, *v) for v in values],
    )


def snapshot_dates(path: str | Path) -> list[str]:
    """Dates of the stored snapshots, oldest first."""
    with open_store(path, create=False) as conn:
        days = [r[0] for r in conn.execute("SELECT as_of FROM snapshot ORDER BY as_of")]
    for day in days:  # written as ISO dates; anything else was edited in
        try:
            dt.date.fromisoformat(day)
        except (TypeError, ValueError) as exc:
            raise _damaged(path, exc) from None
    return days


def snapshot_on_or_before(path: str | Path, when: dt.date) -> str | None:
    """The date of the latest snapshot on or before ``when``, or ``None``."""
    earlier = [d for d in snapshot_dates(path) if d <= when.isoformat()]
    return earlier[-1] if earlier else None


def _projects_frame(records: list[dict]) -> pd.DataFrame:
    from chainmap.model.ledger import DATE_COLUMNS

    extra = sorted({k for r in records for k in r} - {"row", *LEDGER_COLUMNS})
    columns = ["row", *LEDGER_COLUMNS, *extra]
    frame = pd.DataFrame([{c: r.get(c) for c in columns} for r in records], columns=columns)
    frame = frame.astype(object).where(frame.notna(), None)
    with warnings.catch_warnings():  # a hand-edited date: the error says it, not pandas
        warnings.simplefilter("ignore", UserWarning)
        for col in DATE_COLUMNS:
            frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
    for col in ("investment", "fund_amount"):
        frame[col] = pd.to_numeric(frame[col]).astype("float64")
    frame["investment_approx"] = frame["investment_approx"].map(bool).astype("bool")
    frame["row"] = pd.to_numeric(frame["row"]).astype("int64")
    return frame.sort_values("row", kind="stable").reset_index(drop=True)


def load_snapshot(path: str | Path, when: dt.date) -> tuple[str, LedgerData]:
    """The latest snapshot on or before ``when``: ``(its date, its data)``."""
    day = snapshot_on_or_before(path, when)
    if day is None:
        raise InputError(
            f"{when} 之前没有快照 / no snapshot on or before {when}",
            file=str(path),
            hint="stored dates: " + (", ".join(snapshot_dates(path)) or "none"),
        )
    with open_store(path, create=False) as conn:
        stored = _stored(conn, day)
        has_investment = conn.execute(
            "SELECT has_investment FROM snapshot WHERE as_of = ?", (day,)
        ).fetchone()[0]
    try:
        data = _snapshot_data(stored, day, has_investment)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # JSON and values too
        raise _damaged(path, exc) from None
    return day, data


def _snapshot_data(stored: dict[str, list[tuple]], day: str, has_investment: object) -> LedgerData:
    projects = _projects_frame([json.loads(r[1]) for r in stored["project"]])
    inv = pd.DataFrame(
        [(p, m, a) for _, p, m, a in stored["investment"]],
        columns=["project_id", "month", "amount"],
    )
    inv["amount"] = inv["amount"].astype("float64")
    tables = {name: empty_side_table(name) for name in SIDE_TABLES}
    grouped: dict[str, list[dict]] = {}
    for name, _, record in stored["side_row"]:
        grouped.setdefault(name, []).append(json.loads(record))
    for name, recs in grouped.items():
        tables[name] = pd.DataFrame(recs, columns=["row", *SIDE_TABLES[name].columns]).astype(
            object
        )
    return LedgerData(
        projects=projects,
        investment=inv if has_investment else None,
        tables=tables,
        reports=_reports(stored, day),
    )


def _reports(stored: dict[str, list[tuple]], day: str) -> dict[str, ImportReport]:
    """The snapshot's import reports, rebuilt from its counts and items."""
    from chainmap.model.report import ReportItem

    reports = {
        name: ImportReport(source=f"{source} (snapshot {day})", read=read)
        for name, source, read in stored["import_count"]
    }
    for name, _, row, col, code, message, severity in stored["import_item"]:
        if name in reports:
            reports[name].items.append(ReportItem(row, col, code, message, severity))
    return reports
