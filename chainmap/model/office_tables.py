"""The office's tables beside the ledger: visits, funds, transfers, the physical-investment
plan and due-diligence results (一团队一基金一清单).

Each lives on its own sheet of the ledger workbook (走访, 基金, 流转, 实物量计划, 尽调) or in
its own CSV/XLSX file, with Chinese or canonical headers. Every row is kept or rejected
with a reason in an :class:`~chainmap.model.report.ImportReport`, as the ledger's are:
a row is rejected when a required cell is empty or a date, month or amount cannot be
read; a channel outside :data:`~chainmap.model.ledger.CHANNELS` is kept and warned.
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
from pathlib import Path

import pandas as pd

from chainmap.model.ledger import CHANNELS, find_header, parse_month, unit_note
from chainmap.model.ledger_values import header_unit, in_header_unit, parse_amount
from chainmap.model.report import ImportReport
from chainmap.model.values import is_blank, parse_date

__all__ = [
    "DILIGENCE_RESULTS",
    "SIDE_TABLES",
    "LedgerData",
    "SideTable",
    "empty_side_table",
    "read_ledger_data",
    "read_office_tables",
    "read_side_table",
]

#: 尽调 results: 通过 passed, 未通过 failed, 待查 open, 不适用 not applicable.
DILIGENCE_RESULTS = ("通过", "未通过", "待查", "不适用")


@dataclass(frozen=True)
class SideTable:
    """How one side table reads: its sheet, columns, Chinese headers and cell kinds."""

    name: str
    sheet: str
    columns: tuple[str, ...]
    headers_zh: dict[str, str]
    required: tuple[str, ...]
    kinds: dict[str, str]  # column → "date" | "month" | "amount" | "channel" | "result"


SIDE_TABLES = {
    "visits": SideTable(
        "visits",
        "走访",
        ("date", "unit", "person", "organisation", "channel", "outcome", "project_id"),
        {
            "日期": "date",
            "走访日期": "date",
            "单位": "unit",
            "责任单位": "unit",
            "走访对象": "person",
            "对象": "person",
            "企业/机构": "organisation",
            "机构": "organisation",
            "企业名称": "organisation",
            "来源渠道": "channel",
            "渠道": "channel",
            "结果": "outcome",
            "成效": "outcome",
            "项目编号": "project_id",
        },
        ("date", "unit"),
        {"date": "date", "channel": "channel"},
    ),
    "funds": SideTable(
        "funds",
        "基金",
        ("fund", "gp", "size", "reinvestment"),
        {
            "基金": "fund",
            "基金名称": "fund",
            "管理人": "gp",
            "GP": "gp",
            "规模": "size",
            "基金规模": "size",
            "返投要求": "reinvestment",
            "返投": "reinvestment",
        },
        ("fund",),
        {"size": "amount"},
    ),
    "transfers": SideTable(
        "transfers",
        "流转",
        ("project_id", "date", "from_unit", "to_unit", "note"),
        {
            "项目编号": "project_id",
            "日期": "date",
            "流转日期": "date",
            "转出单位": "from_unit",
            "转出平台": "from_unit",
            "转入单位": "to_unit",
            "转入平台": "to_unit",
            "说明": "note",
            "备注": "note",
        },
        ("project_id", "date", "to_unit"),
        {"date": "date"},
    ),
    "plan": SideTable(
        "plan",
        "实物量计划",
        ("project_id", "month", "planned"),
        {"项目编号": "project_id", "月份": "month", "计划金额": "planned", "计划": "planned"},
        ("project_id", "month", "planned"),
        {"month": "month", "planned": "amount"},
    ),
    "diligence": SideTable(
        "diligence",
        "尽调",
        ("project_id", "item", "result", "note", "date", "by"),
        {
            "项目编号": "project_id",
            "事项": "item",
            "尽调事项": "item",
            "结果": "result",
            "说明": "note",
            "备注": "note",
            "日期": "date",
            "经办人": "by",
            "核查人": "by",
        },
        ("project_id", "item", "result"),
        {"date": "date", "result": "result"},
    ),
}


def empty_side_table(name: str) -> pd.DataFrame:
    """An empty table with the columns of side table ``name`` (and ``row``)."""
    spec = SIDE_TABLES[name]
    return pd.DataFrame({c: pd.Series(dtype="object") for c in ("row", *spec.columns)})


def _cell(kind: str | None, value: object, unit: str | None = None):
    """Read one cell of ``kind``; ``ValueError`` (the reason) if it cannot be read.

    ``unit``: the unit an amount column's header names (万元), for a bare number."""
    if is_blank(value):
        return None
    if kind == "date":
        return parse_date(value).isoformat()
    if kind == "month":
        return parse_month(value)
    if kind == "amount":
        amount, _ = parse_amount(in_header_unit(value, unit))
        if amount is not None and amount < 0:
            raise ValueError(f"negative: {amount}")
        return amount
    return str(value).strip()


def read_side_table(
    name: str, path: str | Path, *, sheet: str | None = None
) -> tuple[pd.DataFrame, ImportReport]:
    """Read side table ``name`` (a key of :data:`SIDE_TABLES`) from a file or a sheet of one.

    Returns the table (``row`` first, then the table's columns as text, ISO dates,
    ``YYYY-MM`` months and float amounts) and its import report.
    """
    from chainmap.readwrite.reader import read_table

    spec = SIDE_TABLES[name]
    source = f"{path}[{sheet}]" if sheet else str(path)
    raw = read_table(Path(path), sheet=sheet, header=None)
    head, names = find_header(raw, spec.columns, spec.headers_zh, source)
    body = raw.iloc[head + 1 :]
    report = ImportReport(source=source)
    # the unit an amount header names in brackets (基金规模（万元）): its bare numbers are in it
    units = {
        name: unit
        for name, cell in zip(names, raw.iloc[head].tolist(), strict=False)
        if spec.kinds.get(name) == "amount" and (unit := header_unit(cell)) is not None
    }
    for column, unit in units.items():
        report.notes.append(unit_note(column, column, unit))
    records = []
    for index, values in zip(body.index, body.itertuples(index=False), strict=True):
        rec = dict(zip(names, values, strict=False))
        if all(is_blank(v) for v in rec.values()):
            continue
        n = int(index) + 1
        report.read += 1
        out, bad = {"row": n}, False
        for col in spec.columns:
            kind = spec.kinds.get(col)
            try:
                out[col] = _cell(kind, rec.get(col), units.get(col))
            except ValueError as exc:
                report.reject(n, col, f"bad_{kind}", f"无法识别 / cannot read {col}: {exc}")
                bad = True
                continue
            if out[col] is None and col in spec.required:
                report.reject(n, col, "missing", f"缺少必填项 / {col} is required")
                bad = True
            elif kind == "channel" and out[col] is not None and out[col] not in CHANNELS:
                report.warn(n, col, "unknown_channel", f"未知渠道 / unknown channel {out[col]!r}")
            elif kind == "result" and out[col] not in DILIGENCE_RESULTS:
                report.reject(
                    n,
                    col,
                    "bad_result",
                    f"结果应为 {'/'.join(DILIGENCE_RESULTS)} / result {out[col]!r} is not one of them",
                )
                bad = True
        if not bad:
            records.append(out)
    report.check()
    table = pd.DataFrame(records, columns=["row", *spec.columns]).astype(object)
    return table.where(table.notna(), None), report


def read_office_tables(
    ledger: str | Path, files: dict[str, str | Path | None] | None = None
) -> dict[str, tuple[pd.DataFrame, ImportReport | None]]:
    """Every side table: from ``files[name]`` if given, else the ledger workbook's sheet.

    A table that is in neither is empty, with report ``None``.
    """
    from chainmap.readwrite.formats import format_of
    from chainmap.readwrite.reader import sheet_names

    ledger = Path(ledger)
    sheets: dict[str, str] = {}
    if format_of(ledger) == "xlsx" and ledger.is_file():
        sheets = {n.strip(): n for n in sheet_names(ledger)}
    out: dict[str, tuple[pd.DataFrame, ImportReport | None]] = {}
    for name, spec in SIDE_TABLES.items():
        given = (files or {}).get(name)
        if given is not None:
            out[name] = read_side_table(name, given)
        elif spec.sheet in sheets:
            out[name] = read_side_table(name, ledger, sheet=sheets[spec.sheet])
        else:
            out[name] = (empty_side_table(name), None)
    return out


@dataclass
class LedgerData:
    """A ledger with everything beside it: what ``kpi`` and the bulletin read.

    ``investment`` is ``None`` when there is no physical-investment data at all (no
    data is not zero). ``tables`` holds every side table of :data:`SIDE_TABLES`
    (empty when absent); ``reports`` the import report of each table that was read.
    """

    projects: pd.DataFrame
    investment: pd.DataFrame | None
    tables: dict[str, pd.DataFrame]
    reports: dict[str, ImportReport]
    #: The day of the stored snapshot it was loaded from (``--db``), else None: what was
    #: dated after it was then a plan, not an event.
    snapshot: dt.date | None = None


def read_ledger_data(
    path: str | Path,
    *,
    investment: str | Path | None = None,
    files: dict[str, str | Path | None] | None = None,
) -> LedgerData:
    """Read a ledger, its physical investment and its side tables (one workbook or files)."""
    from chainmap.model.ledger import read_ledger

    projects, physical, report = read_ledger(path, investment=investment)
    reports: dict[str, ImportReport] = {"台账 ledger": report}
    if report.investment.source:
        reports["实物量投资 investment"] = report.investment
    tables = {}
    for name, (table, rep) in read_office_tables(path, files).items():
        tables[name] = table
        if rep is not None:
            reports[f"{SIDE_TABLES[name].sheet} {name}"] = rep
    return LedgerData(
        projects=projects,
        investment=physical if report.investment.source else None,
        tables=tables,
        reports=reports,
    )
