"""The project ledger (项目台账): one row per project, with its stage dates and amounts.

A ledger follows each project from lead to operation, 盯引 → 签约 → 落地 → 开工 → 入统 → 投产.
It arrives as CSV or XLSX with Chinese or canonical headers; a second table holds
physical investment (实物量投资) per project and month. :func:`read_ledger` reads
both through :func:`chainmap.readwrite.reader.read_table` and accounts for every row in
an :class:`~chainmap.model.report.ImportReport`.

What is rejected and what is only warned about
-----------------------------------------------
A row is **rejected** (listed in the report, left out of the table) when keeping it
would put a wrong number into a KPI: no project id, a duplicate project id (the first
row wins), an investment or date that cannot be read, a negative investment. A row
is **kept with a warning** when its numbers are sound but something looks off:
stage dates out of order, an unknown sector or origin (kept as given, so it matches
only classes that do not filter on that field), no chain, no investment (counted in
project counts, adds nothing to sums, matches no ``min_investment`` class).

Physical-investment rows are rejected for a missing or unknown project id (one not
kept in the ledger), a month or amount that cannot be read, or a negative amount.
Two rows for the same project and month are both kept (their amounts add up) with a
warning. Fully blank rows are layout, not data: they are skipped and not counted.

The ``segment`` column is optional. When the ledger gives it, ``segments_source`` is
``"given"``; when it is empty, ``segments_source`` stays empty: that is where
classification from the project and enterprise names
(:mod:`chainmap.analysis.classify`) fills in ``segment`` and sets ``"classified"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import datetime as dt
from pathlib import Path
import re
from typing import Any

import pandas as pd

from chainmap.errors import InputError
from chainmap.model.ledger_values import (
    header_unit,
    in_header_unit,
    parse_amount,
    resolve_chain,
    resolve_segment,
)
from chainmap.model.report import ImportReport
from chainmap.model.values import (
    DATE_RANGE,
    is_blank,
    parse_date,
    split_list,
)

__all__ = [
    "ALL_STAGES",
    "CHANNELS",
    "DATE_COLUMNS",
    "INVESTMENT_COLUMNS",
    "INVESTMENT_HEADERS_ZH",
    "INVESTMENT_SHEET",
    "LEDGER_COLUMNS",
    "LEDGER_HEADERS_ZH",
    "OFFICE_SHEETS",
    "ORIGINS",
    "SECTORS",
    "STAGES",
    "LedgerReport",
    "find_header",
    "leads_to_ledger",
    "parse_date",
    "parse_month",
    "read_ledger",
]

#: Canonical ledger columns, in output order.
LEDGER_COLUMNS = (
    "project_id",
    "project",
    "enterprise",
    "uscc",
    "chain",
    "segment",
    "segments_source",
    "platform",
    "sector",
    "origin",
    "investment",
    "investment_approx",
    "tracked_on",
    "signed_on",
    "landed_on",
    "started_on",
    "in_stats_on",
    "operating_on",
    # The office's own columns (issue 19): who follows the project, where it came from.
    "owner",
    "contact",
    "channel",
    "fund",
    "fund_amount",
    "next_action",
    "due",
    "problem",
    "info_on",
    "intent_on",
    "dropped_on",
    "drop_reason",
)

#: Chinese header → canonical column (the issue's list).
LEDGER_HEADERS_ZH = {
    "项目编号": "project_id",
    "项目名称": "project",
    "企业名称": "enterprise",
    "统一社会信用代码": "uscc",
    "产业链": "chain",
    "细分环节": "segment",
    "落地平台": "platform",
    "产业类别": "sector",
    "来源": "origin",
    "总投资": "investment",
    "盯引日期": "tracked_on",
    "签约日期": "signed_on",
    "落地日期": "landed_on",
    "开工日期": "started_on",
    "入统日期": "in_stats_on",
    "投产日期": "operating_on",
    "责任单位": "owner",
    "跟进人": "contact",
    "来源渠道": "channel",
    "基金": "fund",
    "基金金额": "fund_amount",
    "下一步": "next_action",
    "截止日期": "due",
    "存在问题": "problem",
    "信息日期": "info_on",
    "意向日期": "intent_on",
    "放弃日期": "dropped_on",
    "放弃原因": "drop_reason",
}

#: Physical investment (实物量投资): one row per project and month, amounts in 亿元.
INVESTMENT_COLUMNS = ("project_id", "month", "amount")
INVESTMENT_HEADERS_ZH = {"项目编号": "project_id", "月份": "month", "金额": "amount"}
#: Sheet of a ledger workbook that holds physical investment.
INVESTMENT_SHEET = "实物量投资"
#: Sheets of the office's side tables (chainmap.model.office_tables), never the ledger itself.
OFFICE_SHEETS = ("走访", "基金", "流转", "实物量计划", "尽调")

#: Stage date columns in pipeline order, with their Chinese names.
STAGES = (
    ("tracked_on", "盯引"),
    ("signed_on", "签约"),
    ("landed_on", "落地"),
    ("started_on", "开工"),
    ("in_stats_on", "入统"),
    ("operating_on", "投产"),
)
#: Every stage date, earliest first: 信息 (information) and 意向 (intent) around 盯引.
ALL_STAGES = (("info_on", "信息"), STAGES[0], ("intent_on", "意向"), *STAGES[1:])
SECTORS = ("制造业", "服务业", "农业", "文旅", "其他")
#: 来源渠道: how a lead reached the office.
CHANNELS = ("乡贤", "基金", "商会", "协会", "活动", "以商引商", "驻点", "中介", "其他")
ORIGINS = ("招引", "内培")

# Common variants of the Chinese headers seen in office ledgers (not part of the contract;
# pass ``mapping=`` to read_ledger for anything else).
_ALIASES_ZH = {
    "项目代码": "project_id",
    "总投资额": "investment",
    "计划总投资": "investment",
    "所属产业链": "chain",
    "产业环节": "segment",
    **{f"{name}时间": col for col, name in STAGES},
    "信息": "info_on",
    "意向": "intent_on",
    "渠道": "channel",
    "基金金额(亿元)": "fund_amount",
}
#: Every date column of the ledger: the stage dates, ``due`` and ``dropped_on``.
DATE_COLUMNS = (*(c for c, _ in ALL_STAGES), "due", "dropped_on")
_DATE_COLUMNS = DATE_COLUMNS
_REQUIRED = ("project_id",)
# How far down a sheet to look for the header row (title rows above it are common).
_HEADER_SEARCH_ROWS = 10


@dataclass
class LedgerReport(ImportReport):
    """The ledger's :class:`ImportReport`, with the physical-investment table's own.

    ``read``/``kept``/``rejected`` and ``items`` describe the ledger rows;
    ``investment`` accounts for the physical-investment rows the same way.
    """

    investment: ImportReport = field(default_factory=ImportReport)

    def summary(self) -> str:
        """The ledger summary, then the physical-investment summary when there is one."""
        text = super().summary()
        if self.investment.source:
            text += "\n" + self.investment.summary()
        return text


def _header_key(text: object) -> str:
    """Normalise a header: drop units in brackets and spaces, lower-case.

    >>> _header_key("总投资（亿元）")
    '总投资'
    >>> _header_key(" Project_ID ")
    'project_id'
    """
    s = re.sub(r"[(（\[【].*?[)）\]】]", "", str(text))
    return re.sub(r"\s+", "", s).lower()


#: The amount columns, whose header may carry the unit their bare numbers are in.
_AMOUNT_COLUMNS = ("investment", "fund_amount", "amount")
#: Above this, one project's amount (in 亿元) is more likely a unit slip than a project.
IMPLAUSIBLE_AMOUNT = 1000.0


def _header_map(columns: tuple[str, ...], zh: Mapping[str, str], extra: Mapping[str, str] | None):
    mapping = {c: c for c in columns}
    mapping.update(zh)
    mapping.update(extra or {})
    return {_header_key(k): v for k, v in mapping.items()}


def _in_range(date: dt.date | None) -> dt.date | None:
    """``date`` when inside :data:`DATE_RANGE` (or None), else ``ValueError`` saying so."""
    if date is not None and not DATE_RANGE[0] <= date <= DATE_RANGE[1]:
        raise ValueError(f"{date.isoformat()} is outside {DATE_RANGE[0].year}-{DATE_RANGE[1].year}")
    return date


def parse_month(value: object) -> str | None:
    """Read a month as ``YYYY-MM``; ``None`` for empty, ``ValueError`` if unreadable.

    Examples
    --------
    >>> parse_month("2024/3"), parse_month("2024年03月"), parse_month("2024-03-01 00:00:00")
    ('2024-03', '2024-03', '2024-03')
    """
    if value is None:
        return None
    s = str(value).strip()
    if not s:
        return None
    m = re.fullmatch(r"(\d{4})[-/.年]?(\d{1,2})月?(?:[-/.]01(?: 00:00:00)?)?", s)
    if not m or not 1 <= int(m[2]) <= 12 or (len(m[2]) == 1 and not re.search(r"\D", s)):
        raise ValueError(s)
    return f"{int(m[1]):04d}-{int(m[2]):02d}"


def _checked_amount(
    rec: dict,
    column: str,
    name: str,
    n: int,
    report: ImportReport,
    *,
    required: bool = False,
    keep: bool = False,
    unit: str | None = None,
) -> tuple[float | None, bool]:
    """An amount in 亿元 and whether the row is rejected for it (unreadable, infinite, negative).

    An approximate amount ("约6", "6-8") is kept with a warning; see
    :func:`chainmap.model.ledger_values.parse_amount`. With ``keep`` (an amount that feeds
    no KPI, such as 基金金额) a bad one is left blank with a warning and the row kept.
    ``unit``: the unit the column's header names (万元): a bare number is in it, a unit
    written in the cell wins. An amount above :data:`IMPLAUSIBLE_AMOUNT` 亿元 is kept
    with a warning to check its unit.
    """

    def bad(code: str, message: str) -> tuple[None, bool]:
        if keep:
            report.warn(n, column, code, f"{message}; 留空 / left blank")
            return None, False
        report.reject(n, column, code, message)
        return None, True

    try:
        amount, approx = parse_amount(in_header_unit(rec[column], unit))
        if amount is None and required:
            raise ValueError(f"missing: {rec[column]!r}")
    except ValueError as exc:
        return bad("bad_amount", f"{name}不是有效数字 / {column} is not a usable number ({exc})")
    if approx:
        rec[f"{column}_approx"] = True
        report.warn(
            n,
            column,
            "approx_amount",
            f"{name}为约数, 按 {amount:g} 计 / approximate {column} {rec[column]!r} counted as "
            f"{amount:g} (a range at its lower bound)",
        )
    if amount is not None and amount < 0:
        blank, rejected = bad("negative_amount", f"{name}为负 / negative {column}: {amount}")
        return (blank if keep else amount), rejected
    if amount is not None and amount > IMPLAUSIBLE_AMOUNT:
        report.warn(
            n,
            column,
            "implausible_amount",
            f"{name} {amount:g} 亿元, 请核对单位(表头或单元格可注明万元) / {column} {amount:g} "
            f"亿元 is implausibly large for one project: check the unit (write 万元 in the "
            "header or the cell)",
        )
    return amount, False


def _noted_units(body: pd.DataFrame, report: ImportReport) -> dict[str, str]:
    """The units the amount headers name (``body.attrs["units"]``), each said in a note."""
    units = dict(body.attrs.get("units") or {})
    names = {"investment": "总投资", "fund_amount": "基金金额", "amount": "金额"}
    for column, unit in units.items():
        report.notes.append(unit_note(names.get(column, column), column, unit))
    return units


def unit_note(name: str, column: str, unit: str) -> str:
    """The import note for an amount column read in its header's unit."""
    return (
        f"{name}: 表头单位为{unit}, 未注单位的数值按{unit}读入并换算为亿元 / the {column} header "
        f"names {unit}: bare numbers are read in it and converted to 亿元"
    )


#: The columns whose absence changes a KPI: the stage dates and 总投资.
_COUNTED = (*(col for col, _ in STAGES), "investment")


def _note_header(attrs: Mapping[str, Any], report: ImportReport, zh: Mapping[str, str]) -> None:
    """Say which headers were not recognised when a counted column is absent (a renamed
    落地日期 made every landing count 0 without a word)."""
    absent = [c for c in _COUNTED if c in attrs.get("absent", ())]
    strange = attrs.get("unrecognised", [])
    if absent and strange:
        names = "、".join(zh.get(c, c) for c in absent)
        report.notes.append(
            f"表头未识别 / headers not recognised: {'、'.join(strange[:8])}; 无此列, 相应计数为0 / "
            f"no column for {names} ({', '.join(absent)}), so those counts are 0: name the "
            "column as the README lists it or map it with --mapping"
        )


#: A row an office adds under its projects: 合计/小计/总计, or a note (注、说明、备注).
_SUMMARY_ROW = re.compile(r"^(?:合\s*计|小\s*计|总\s*计|注|说明|备注)(?:$|[:：\s(（])")


def _locate(raw: pd.DataFrame, keys: Mapping[str, str], file: str) -> tuple[int, list[str]]:
    """Find the header row (the first with at least two known headers) in raw rows."""
    for i in range(min(_HEADER_SEARCH_ROWS, len(raw))):
        cells = ["" if is_blank(v) else str(v) for v in raw.iloc[i].tolist()]  # (NaN: "")
        if sum(_header_key(c) in keys for c in cells) >= 2:
            _one_header_row(raw, i, cells, keys, file)
            return i, cells
    raise InputError(
        "找不到表头 / no header row with the expected columns in the first "
        f"{_HEADER_SEARCH_ROWS} rows",
        file=file,
        hint="expected e.g. " + ", ".join(list(keys)[:6]),
    )


def _one_header_row(
    raw: pd.DataFrame, i: int, cells: list[str], keys: Mapping[str, str], file: str
) -> None:
    """Refuse a header that goes on in the next row (merged cells: 日期 over 签约日期 and
    落地日期): read as one row, its second row became a project and its dates were lost."""
    if i + 1 >= len(raw):
        return
    below = ["" if is_blank(v) else str(v) for v in raw.iloc[i + 1].tolist()]
    known = [
        b.strip()
        for b, c in zip(below, cells, strict=False)
        if _header_key(b) in keys and _header_key(c) not in keys
    ]
    if known:
        raise InputError(
            f"表头占两行 / the header runs over two rows ({i + 1}–{i + 2}): "
            f"{'、'.join(known[:6])} sit under a merged cell",
            file=file,
            row=i + 2,
            hint="unmerge the header so that each column has its own name in one row",
        )


def find_header(
    raw: pd.DataFrame, columns: tuple[str, ...], headers_zh: Mapping[str, str], source: str
) -> tuple[int, list[str]]:
    """The header row of raw rows and its cells as canonical names (others kept as given).

    The header is the first of the first rows with at least two known headers;
    ``InputError`` naming ``source`` when there is none.
    """
    keys = _header_map(columns, headers_zh, None)
    head, cells = _locate(raw, keys, source)
    names = [keys.get(_header_key(c), c.strip() or f"column_{j + 1}") for j, c in enumerate(cells)]
    return head, names


def _canonical(
    raw: pd.DataFrame, columns: tuple[str, ...], zh: Mapping[str, str], extra, file: str
) -> tuple[pd.DataFrame, list[int]]:
    """Raw rows → canonical columns (extra input columns kept) and user-facing row numbers."""
    keys = _header_map(columns, zh, extra)
    head, cells = _locate(raw, keys, file)
    names, seen = [], set()
    for j, cell in enumerate(cells):
        name = keys.get(_header_key(cell), cell.strip() or f"column_{j + 1}")
        if name in seen:
            raise InputError(
                f"列重复 / two columns map to {name!r}", file=file, row=head + 1, column=cell
            )
        seen.add(name)
        names.append(name)
    for col in _REQUIRED:
        if col not in seen:
            raise InputError(
                f"缺少必需列 / missing column {col!r}",
                file=file,
                row=head + 1,
                hint="add a 项目编号 / project_id column",
            )
    body = raw.iloc[head + 1 :].copy()
    body.columns = names
    # What a report should say about the header: cells that map to no column we know, and
    # our columns that no cell maps to (a renamed 落地日期 counts no landing, silently).
    body.attrs["unrecognised"] = [
        c.strip() for c in cells if c.strip() and _header_key(c) not in keys
    ]
    body.attrs["absent"] = [c for c in columns if c not in seen]
    # the unit an amount column's header names (总投资（万元）): its bare numbers are read in
    # it (the header's brackets are dropped from its name, so it was read as 亿元 before)
    body.attrs["units"] = {
        name: unit
        for name, cell in zip(names, cells, strict=True)
        if name in _AMOUNT_COLUMNS and (unit := header_unit(cell)) is not None
    }
    rows = [int(i) + 1 for i in body.index]  # 0-based raw index → spreadsheet row number
    blank = body.isna().all(axis=1).to_numpy()
    body = body.loc[~blank].reset_index(drop=True)
    rows = [r for r, b in zip(rows, blank, strict=True) if not b]
    if "row" in body.columns:  # "row" is ours: the row number in the file
        body = body.rename(columns={"row": "row_input"})
    for col in columns:
        if col not in body.columns:
            body[col] = None
    order = list(columns) + [c for c in body.columns if c not in columns]
    return body[order], rows


def _validate_projects(body: pd.DataFrame, rows: list[int], report: ImportReport) -> pd.DataFrame:
    keep: list[int] = []
    first_row: dict[str, int] = {}
    folded: dict[str, str] = {}  # casefolded id -> the first id written so
    amounts = ("investment", "fund_amount")
    out: dict[str, list] = {c: [] for c in (*amounts, "investment_approx", *_DATE_COLUMNS)}
    units = _noted_units(body, report)
    for i, row in enumerate(body.itertuples(index=False)):
        rec = row._asdict()
        n = rows[i]
        bad = False
        pid = (rec["project_id"] or "").strip() if isinstance(rec["project_id"], str) else None
        if not pid:
            report.reject(n, "project_id", "missing_id", "缺少项目编号 / no project id")
            bad = True
        elif _SUMMARY_ROW.match(pid):
            report.reject(
                n,
                "project_id",
                "summary_row",
                f"合计/注释行, 不是项目 / a total or note row ({pid[:20]!r}), not a project",
            )
            bad = True
        elif pid in first_row:
            report.reject(
                n,
                "project_id",
                "duplicate_id",
                f"项目编号重复, 与第{first_row[pid]}行相同 / duplicate of row {first_row[pid]}",
            )
            bad = True
        rec["investment_approx"] = False
        values = {}
        values["investment"], bad_amount = _checked_amount(
            rec, "investment", "总投资", n, report, unit=units.get("investment")
        )
        bad |= bad_amount
        values["fund_amount"], _ = _checked_amount(
            rec, "fund_amount", "基金金额", n, report, keep=True, unit=units.get("fund_amount")
        )
        dates = {}
        for col in _DATE_COLUMNS:
            try:
                dates[col] = _in_range(parse_date(rec[col]))
            except ValueError as exc:
                if col in ("due", "dropped_on"):  # feeds no KPI: kept empty, warned
                    report.warn(
                        n, col, "bad_date", f"无法识别截止日期, 留空 / cannot read {rec[col]!r}"
                    )
                    dates[col] = None
                    continue
                why = f" ({exc})" if "outside" in str(exc) else ""
                report.reject(
                    n, col, "bad_date", f"无法识别日期 / cannot read date {rec[col]!r}{why}"
                )
                dates[col], bad = None, True
        if bad:
            continue
        twin = folded.setdefault(pid.casefold(), pid)
        if twin != pid:  # sx-004 beside SX-004: two projects, or a typo
            report.warn(
                n,
                "project_id",
                "case_duplicate",
                f"项目编号仅大小写与第{first_row[twin]}行不同 / {pid!r} differs from row "
                f"{first_row[twin]}'s {twin!r} only in case: kept as its own project; "
                "check for a typo",
            )
        first_row[pid] = n
        keep.append(i)
        body.at[i, "project_id"] = pid
        for col in amounts:
            out[col].append(float("nan") if values[col] is None else values[col])
        out["investment_approx"].append(bool(rec["investment_approx"]))
        for col in _DATE_COLUMNS:
            out[col].append(dates[col])
        _warn_soft(rec, n, values["investment"], dates, report)
    kept = body.iloc[keep].reset_index(drop=True)
    for col in (*amounts, "investment_approx"):
        kept[col] = pd.Series(out[col], dtype="bool" if col.endswith("approx") else "float64")
    for col in _DATE_COLUMNS:
        kept[col] = pd.to_datetime(pd.Series(out[col], dtype="object")).astype("datetime64[ns]")
    _resolve_names(kept, [rows[i] for i in keep], report)
    kept["segments_source"] = [
        "given" if isinstance(s, str) and s.strip() else None for s in kept["segment"]
    ]
    kept.insert(0, "row", pd.Series([rows[i] for i in keep], dtype="int64"))
    return kept


def _resolve_names(kept: pd.DataFrame, rows: list[int], report: ImportReport) -> None:
    """Chain and segment cells → ids (氟化工 → fluorochem); unresolved ones kept and warned."""
    from chainmap.model.catalog import bundled_chain_ids

    known = set(bundled_chain_ids())
    for i in range(len(kept)):
        chains: list[str] = []
        for col in ("chain", "segment"):
            value = kept.at[i, col]
            if is_blank(value):
                kept.at[i, col] = None
                continue
            parts = split_list(value)
            ids = []
            for part in parts:
                if col == "chain":
                    found = part if part in known else resolve_chain(part)
                else:
                    found = resolve_segment(part, [c for c in chains if c in known])
                if found is None:
                    found = part
                    report.warn(
                        rows[i],
                        col,
                        f"unknown_{col}",
                        f"未识别的{'产业链' if col == 'chain' else '细分环节'}, 按原值保留 / "
                        f"{col} {part!r} matches no bundled {col}; kept as given",
                    )
                if found not in ids:
                    ids.append(found)
            if col == "chain":
                chains = ids
            kept.at[i, col] = ";".join(ids)


def _warn_soft(rec: dict, n: int, amount, dates: dict, report: ImportReport) -> None:
    """Warnings for a row that is kept."""
    for col, allowed in (("sector", SECTORS), ("origin", ORIGINS), ("channel", CHANNELS)):
        value = rec[col]
        if not is_blank(value) and str(value).strip() not in allowed:
            report.warn(
                n,
                col,
                f"unknown_{col}",
                f"未知取值 / unknown {col} {value!r}; expected {'/'.join(allowed)}",
            )
    if is_blank(rec["chain"]):
        report.warn(n, "chain", "missing_chain", "缺少产业链 / no chain")
    if amount is None:
        report.warn(n, "investment", "missing_amount", "缺少总投资 / no investment amount")
    last_col, last = None, None
    for col, name in ALL_STAGES:
        d = dates[col]
        if d is None:
            continue
        if last is not None and d < last:
            report.warn(
                n,
                col,
                "stage_order",
                f"阶段日期顺序有误 / {name} {col} {d} is before {last_col} {last}",
            )
        last_col, last = col, d


def _validate_investment(
    body: pd.DataFrame, rows: list[int], projects: set[str], report: ImportReport
) -> pd.DataFrame:
    keep, months, amounts = [], [], []
    seen: dict[tuple[str, str], int] = {}
    units = _noted_units(body, report)
    for i, row in enumerate(body.itertuples(index=False)):
        rec = row._asdict()
        n = rows[i]
        bad = False
        pid = str(rec["project_id"]).strip() if rec["project_id"] is not None else ""
        if not pid:
            report.reject(n, "project_id", "missing_id", "缺少项目编号 / no project id")
            bad = True
        elif pid not in projects:
            report.reject(
                n,
                "project_id",
                "unknown_project",
                f"台账中没有该项目 / project {pid!r} is not in the ledger (or was rejected)",
            )
            bad = True
        try:
            month = parse_month(rec["month"])
            if month is None:
                raise ValueError
        except ValueError:
            report.reject(
                n,
                "month",
                "bad_month",
                f"月份应为 YYYY-MM / month must be YYYY-MM: {rec['month']!r}",
            )
            month, bad = None, True
        amount, bad_amount = _checked_amount(
            rec, "amount", "金额", n, report, required=True, unit=units.get("amount")
        )
        bad |= bad_amount
        if bad:
            continue
        if (pid, month) in seen:
            report.warn(
                n,
                "month",
                "duplicate_month",
                f"同一项目同月已有第{seen[pid, month]}行, 金额相加 / same project and month as "
                f"row {seen[pid, month]}; amounts are added",
            )
        seen.setdefault((pid, month), n)
        keep.append(i)
        body.at[i, "project_id"] = pid
        months.append(month)
        amounts.append(amount)
    kept = body.iloc[keep].reset_index(drop=True)
    kept["month"] = pd.Series(months, dtype="object")
    kept["amount"] = pd.Series(amounts, dtype="float64")
    kept.insert(0, "row", pd.Series([rows[i] for i in keep], dtype="int64"))
    return kept


def read_ledger(
    path: str | Path,
    *,
    investment: str | Path | None = None,
    mapping: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, LedgerReport]:
    """Read a project ledger and its physical investment, validated.

    Parameters
    ----------
    path
        CSV or XLSX ledger. An XLSX may hold physical investment in a sheet named
        ``实物量投资`` (the ledger is then its first other sheet).
    investment
        A separate physical-investment file (``project_id, month, amount``);
        overrides the ``实物量投资`` sheet.
    mapping
        Extra ``{header: canonical column}`` pairs for headers not in
        :data:`LEDGER_HEADERS_ZH` or :data:`INVESTMENT_HEADERS_ZH`.

    Returns
    -------
    (projects, physical_investment, report)
        ``projects`` has :data:`LEDGER_COLUMNS` (dates as ``datetime64``,
        ``investment`` as float, NaN when not given) after a ``row`` column giving
        the row number in the file; extra input columns are kept. ``physical_investment``
        has ``row, project_id, month ("YYYY-MM"), amount``. ``report`` is a
        :class:`LedgerReport`: the ledger's accounting, with the physical-investment
        table's in ``report.investment``; ``read == kept + rejected`` holds for both.
    """
    from chainmap.readwrite.formats import format_of
    from chainmap.readwrite.reader import read_table, sheet_names

    path = Path(path)
    inv_sheet = None
    ledger_sheet: str | int | None = None
    if format_of(path) == "xlsx" and path.is_file():
        names = sheet_names(path)
        others = [n for n in names if n.strip() not in (INVESTMENT_SHEET, *OFFICE_SHEETS)]
        ledger_sheet = others[0] if others else None
        inv_sheet = next((n for n in names if n.strip() == INVESTMENT_SHEET), None)
    raw = read_table(path, sheet=ledger_sheet, header=None)
    headers = {**_ALIASES_ZH, **LEDGER_HEADERS_ZH}
    body, rows = _canonical(raw, LEDGER_COLUMNS, headers, mapping, str(path))
    report = LedgerReport(source=str(path), read=len(body))
    _note_header(body.attrs, report, {v: k for k, v in LEDGER_HEADERS_ZH.items()})
    projects = _validate_projects(body, rows, report)

    inv_report = report.investment
    if investment is not None or inv_sheet is not None:
        inv_file = Path(investment) if investment is not None else path
        inv_report.source = str(inv_file) if investment is not None else f"{path}[{inv_sheet}]"
        raw = read_table(inv_file, sheet=None if investment is not None else inv_sheet, header=None)
        body, rows = _canonical(
            raw, INVESTMENT_COLUMNS, INVESTMENT_HEADERS_ZH, mapping, inv_report.source
        )
        inv_report.read = len(body)
        inv = _validate_investment(body, rows, set(projects["project_id"]), inv_report)
    else:
        inv = pd.DataFrame(
            {
                "row": pd.Series(dtype="int64"),
                "project_id": pd.Series(dtype="object"),
                "month": pd.Series(dtype="object"),
                "amount": pd.Series(dtype="float64"),
            }
        )
    report.check()
    inv_report.check()
    return projects, inv, report


def leads_to_ledger(
    key_enterprises: pd.DataFrame, *, chain: str, tracked_on: dt.date | str | None = None
) -> pd.DataFrame:
    """Turn a plan's key enterprises into new ledger rows at stage 盯引 (tracked).

    ``tracked_on`` None leaves the 盯引日期 empty.

    ``key_enterprises`` has at least ``name``; ``enterprise_id``, ``uscc`` and
    ``segment`` are used when present. The project id is ``"{chain}-{enterprise_id}"``
    (or the name when there is no id), so the same lead gets the same id on every run.

    Examples
    --------
    >>> keys = pd.DataFrame({"enterprise_id": ["E1"], "name": ["示例企业甲"], "segment": ["pvdf"]})
    >>> row = leads_to_ledger(keys, chain="fluorochem", tracked_on="2024-05-01").iloc[0]
    >>> row["project_id"], row["origin"], str(row["tracked_on"].date()), row["signed_on"]
    ('fluorochem-E1', '招引', '2024-05-01', NaT)
    """
    try:
        when = _in_range(parse_date(tracked_on))
    except ValueError as exc:
        raise InputError(
            f"无法识别日期 / cannot read the 盯引 date {tracked_on!r}: {exc}",
            hint="use YYYY-MM-DD, e.g. --tracked-on 2024-05-01",
        ) from None
    n = len(key_enterprises)

    def col(name: str) -> list:
        if name not in key_enterprises.columns:
            return [None] * n
        return [None if pd.isna(v) else v for v in key_enterprises[name].tolist()]

    ids = [e if e else nm for e, nm in zip(col("enterprise_id"), col("name"), strict=True)]
    segments = col("segment")
    out = pd.DataFrame({c: [None] * n for c in LEDGER_COLUMNS}, dtype="object")
    out["project_id"] = [f"{chain}-{i}" for i in ids]
    out["project"] = col("name")
    out["enterprise"] = col("name")
    out["uscc"] = col("uscc")
    out["chain"] = chain
    out["segment"] = segments
    out["segments_source"] = ["plan" if s else None for s in segments]
    out["origin"] = "招引"
    out["investment"] = pd.Series([float("nan")] * n, dtype="float64")
    out["fund_amount"] = pd.Series([float("nan")] * n, dtype="float64")
    out["investment_approx"] = False
    for c in _DATE_COLUMNS:
        out[c] = pd.Series([pd.NaT] * n, dtype="datetime64[ns]")
    # No date given: left empty for the analyst to fill (never taken from the clock).
    stamp = pd.Timestamp(when) if when else pd.NaT
    out["tracked_on"] = pd.Series([stamp] * n, dtype="datetime64[ns]")
    return out
