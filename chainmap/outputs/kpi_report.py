"""KPI outputs: the terminal table and the multi-sheet XLSX report.

Amounts are rounded here for display only (two decimals, rates as percentages);
the XLSX keeps every number unrounded, as numbers, formula-safe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
import re

import pandas as pd

from chainmap.model.report import ImportReport
from chainmap.outputs.tables import records_to_frame, render_table, sheet_title, write_xlsx

__all__ = [
    "KPI_HEADERS",
    "OFFICE_SHEETS",
    "kpi_display_frame",
    "number_format",
    "render_kpi_table",
    "save_atomic",
    "write_kpi_workbook",
    "write_leads",
    "write_print_ready_xlsx",
]

#: Chinese-first column headers for every KPI output field.
KPI_HEADERS = {
    "class": "类别 class",
    "name": "名称 name",
    "group": "分组 group",
    "signed_count": "签约项目数",
    "signed_investment": "签约总投资(亿元)",
    "landed_count": "落地项目数",
    "landed_investment": "落地总投资(亿元)",
    "started_count": "其中已开工(本期落地)",
    "in_stats_count": "其中已入统(本期落地)",
    "start_rate": "开工率",
    "in_stats_rate": "入统率",
    "target_landed": "落地目标(个)",
    "target_completion": "本期落地占年度目标",
    "physical_investment_period": "本期实物量投资(亿元)",
    "physical_investment_cumulative": "历年累计实物量投资(亿元)",
    "target_physical_investment": "实物量投资目标(亿元)",
    "physical_investment_completion": "实物量年度完成率(年初至今)",
    "cohort_landed_count": "批次落地项目数",
    "cohort_start_rate": "批次开工率",
    "cohort_in_stats_rate": "批次入统率",
    "cohort_physical_investment_period": "批次本期实物量投资(亿元)",
    "cohort_physical_investment_cumulative": "批次历年累计实物量投资(亿元)",
    "stage": "阶段",
    "stage_en": "stage",
    "count": "停留数 count",
    "reached": "到达数 reached",
    "conversion": "转化率 conversion",
    "list": "清单 list",
    "project_id": "项目编号",
    "project": "项目名称",
    "enterprise": "企业名称",
    "chain": "产业链",
    "platform": "落地平台",
    "since": "起始日期 since",
    "days": "已过天数 days",
    "limit": "期限(天) limit",
    "table": "表 table",
    "row": "行 row",
    "column": "列 column",
    "code": "代码 code",
    "message": "说明 message",
    "severity": "处理 severity",
    "group_name": "单位名称",
    "project_count": "新增项目数",
    "target_projects": "项目数目标",
    "projects_completion": "本期新增占年度目标",
    "target_signed": "签约目标(个)",
    "signed_completion": "本期签约占年度目标",
    "stage_zh": "阶段",
    "fund": "基金",
    "gp": "管理人 GP",
    "size": "基金规模(亿元)",
    "reinvestment": "返投要求",
    "in_funds_table": "在基金表中",
    "projects": "项目数",
    "fund_amount": "基金金额(亿元)",
    "investment": "总投资(亿元)",
    "owner": "责任单位",
    "planned": "累计计划(亿元)",
    "actual": "累计完成(亿元)",
    "gap": "差额(亿元)",
    "share_behind": "滞后比例",
    "behind": "滞后",
}

#: Sheets of office measures in the KPI workbook: key → (sheet name, columns).
OFFICE_SHEETS = {
    "channel_funnel": ("渠道漏斗", ["group", "stage_zh", "stage", "count", "conversion"]),
    "funds": (
        "基金",
        [
            "fund",
            "gp",
            "size",
            "reinvestment",
            "in_funds_table",
            "projects",
            "fund_amount",
            "investment",
            "landed_count",
            "landed_investment",
        ],
    ),
    "behind_plan": (
        "实物量滞后",
        ["project_id", "project", "owner", "planned", "actual", "gap", "share_behind", "behind"],
    ),
}

#: Columns an office sheet shows under another header: the channel funnel's ``count`` is
#: the projects that reached a stage (a project at 入统 counts at every stage before it),
#: not those staying there, and ``stage`` is the English code beside the Chinese name.
_SHEET_HEADERS = {"channel_funnel": {"stage_zh": "stage", "stage": "stage_en", "count": "reached"}}

_LABEL = ("class", "name", "group")
# Compact columns for the long table (with a breakdown), so it fits 100 columns.
_COMPACT = {
    "landed_count": "落地",
    "landed_investment": "落地额",
    "signed_count": "签约",
    "signed_completion": "签约完成率",
    "project_count": "新增",
    "start_rate": "开工率",
    "in_stats_rate": "入统率",
    "target_completion": "落地完成率",
    "physical_investment_period": "实物量",
    "cohort_landed_count": "落地",
    "cohort_start_rate": "开工率",
    "cohort_in_stats_rate": "入统率",
    "cohort_physical_investment_period": "实物量",
    "cohort_physical_investment_cumulative": "累计",
}


def _show(field: str, value: object) -> str:
    """Display text: rates as percentages, amounts with two decimals, missing as '—'."""
    if value is None:
        return "—"
    if field.endswith(("_rate", "_completion")):
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def kpi_display_frame(records: Sequence[Mapping], *, by: str | None = None) -> pd.DataFrame:
    """The KPI records as a display table (text cells, rounded).

    Without groups: one row per metric, one column per class (Chinese headers).
    With groups: one row per class × group, with the compact key columns; ``by`` (chain or
    segment) names bundled ids in Chinese.
    """
    if not records:
        return pd.DataFrame({"指标 metric": []})
    fields = [f for f in records[0] if f not in _LABEL]
    if "group" not in records[0]:
        data = {"指标 metric": [f"{KPI_HEADERS[f]}" for f in fields]}
        for rec in records:
            data[f"{rec['name']}"] = [_show(f, rec[f]) for f in fields]
        return pd.DataFrame(data)
    shown = [f for f in _COMPACT if f in fields]
    names = _group_names(by)
    rows = []
    for rec in records:
        group = "(未填 none)" if rec["group"] is None else rec.get("group_name") or rec["group"]
        group = names.get(group, group) if isinstance(group, str) else group
        rows.append([rec["class"], group, *[_show(f, rec[f]) for f in shown]])
    return pd.DataFrame(rows, columns=["类别", "分组", *[_COMPACT[f] for f in shown]])


def render_kpi_table(
    records: Sequence[Mapping], *, title: str | None = None, by: str | None = None
) -> str:
    """The KPI records as a terminal table at most 100 columns wide."""
    return render_table(kpi_display_frame(records, by=by), title=title, width=100)


def _report_frame(report: ImportReport, table: str) -> pd.DataFrame:
    frame = report.to_frame().astype(object)
    frame.insert(0, "table", table)
    return frame


def write_kpi_workbook(
    result: Mapping[str, Sequence[Mapping]],
    path: str | Path,
    *,
    reports: Mapping[str, ImportReport] | None = None,
    office: Mapping[str, Sequence[Mapping]] | None = None,
    units: Mapping[str, str] | None = None,
    caption: str | None = None,
    by: str | None = None,
) -> Path:
    """Write KPIs, funnel, overdue lists and import reports as one XLSX, one sheet each.

    ``caption`` (项目考核指标 · 2024H1 · 截至 2024-06-30) is the workbook's title and every
    printed page's header, beside page numbers: a printed H1 sheet and a Q2 one differ.

    ``office`` adds the office measures of :data:`OFFICE_SHEETS` that it holds
    (channel funnel, funds, physical investment behind plan), before the import report.
    The workbook is for people: ``units`` (id → name, from the targets' ``[[unit]]``) names
    the units, bundled chains appear by their Chinese names, and yes/no cells read 是/否.
    """
    from chainmap.analysis.kpi import COHORT_FIELDS, KPI_FIELDS

    kpi = list(result["kpi"])
    fields = COHORT_FIELDS if kpi and "cohort_landed_count" in kpi[0] else KPI_FIELDS
    label = [c for c in _LABEL if not kpi or c in kpi[0]]
    overdue_cols = [
        "list", "project_id", "project", "enterprise", "chain", "platform", "since", "days",
        "limit",
    ]  # fmt: skip
    funnel_cols = ["group", "stage", "stage_en", "count", "reached", "conversion"]
    if kpi and "group_name" in kpi[0]:
        label.append("group_name")
        fields = (*fields, "project_count", "target_projects", "projects_completion")
        fields = (*fields, "target_signed", "signed_completion")
    imports = [_report_frame(r, name) for name, r in (reports or {}).items()]
    sheets: dict[str, pd.DataFrame] = {
        "KPI": records_to_frame(kpi, [*label, *fields]),
        "漏斗 funnel": records_to_frame(list(result["funnel"]), funnel_cols),
        "超期 overdue": records_to_frame(list(result["overdue"]), overdue_cols),
        **{
            OFFICE_SHEETS[key][0]: records_to_frame(list(rows), OFFICE_SHEETS[key][1]).rename(
                columns=_SHEET_HEADERS.get(key, {})
            )
            for key, rows in (office or {}).items()
        },
        "导入报告 import": (
            pd.concat(imports, ignore_index=True).astype(object).where(lambda f: f.notna(), None)
            if imports
            else pd.DataFrame(columns=["table", "row", "column", "code", "message", "severity"])
        ),
    }
    chains = _chain_names()
    for frame in sheets.values():
        for col in ("list", "severity"):
            if col in frame.columns:
                frame[col] = frame[col].map(lambda v: _LABELS_ZH.get(v, v))
        if "owner" in frame.columns and units:
            frame["owner"] = frame["owner"].map(
                lambda v: units.get(v, v) if isinstance(v, str) else v
            )
        if "chain" in frame.columns:
            frame["chain"] = frame["chain"].map(lambda v: _names(v, chains))
        if "group" in frame.columns:  # a chain, segment or unit id, by the breakdown
            names = {**chains, **_group_names(by), **(units or {})}
            frame["group"] = frame["group"].map(
                lambda v, names=names: names.get(v, v) if isinstance(v, str) else v
            )
        for col in frame.columns:
            if frame[col].map(lambda v: isinstance(v, bool)).any():
                frame[col] = frame[col].map(
                    lambda v: ("是" if v else "否") if isinstance(v, bool) else v
                )
    return write_print_ready_xlsx(
        sheets, path, headers=KPI_HEADERS, title=caption or "chainmap kpi", caption=caption
    )


def _group_names(by: str | None) -> dict[str, str]:
    """The groups of ``--by chain|segment`` as people read them: a bundled chain's or
    segment's id → its Chinese name (ptfe → 聚四氟乙烯; JSON and CSV keep the ids).
    By the breakdown: ``lithium_battery`` is both a chain and a segment."""
    if by == "chain":
        return _chain_names()
    if by == "segment":
        from chainmap.model.chain import load_chain

        return {sid: seg.name_zh for sid, seg in load_chain("all").segments_by_id.items()}
    return {}


def _chain_names() -> dict[str, str]:
    """Bundled chain id → its Chinese name (氟化工产业链), for readers of the report."""
    from chainmap.model.catalog import bundled_chain_ids
    from chainmap.model.chain import load_chain

    return {cid: load_chain(cid).name_zh for cid in bundled_chain_ids()}


def _names(value: object, chains: Mapping[str, str]) -> object:
    """A chain cell (one id, or ids joined by 、 or ;) with bundled ids as their names."""
    if not isinstance(value, str) or not value:
        return value
    parts = re.split(r"\s*[、;；,，]\s*", value)
    return "、".join(chains.get(p, p) for p in parts)


#: Codes shown in Chinese in the XLSX report (JSON and CSV keep the codes).
_LABELS_ZH = {
    "signed_not_landed": "签约未落地",
    "landed_not_started": "落地未开工",
    "rejected": "拒绝",
    "warning": "警告",
}


def number_format(field: str) -> str | None:
    """The XLSX number format of a KPI field: rates ``0.0%``, amounts ``0.00``, scores ``0.000``.

    Examples
    --------
    >>> number_format("start_rate"), number_format("landed_investment"), number_format("days")
    ('0.0%', '0.00', '0')
    """
    if field.endswith(("_rate", "_completion", "conversion", "_share")) or field == "share_behind":
        return "0.0%"
    if field.endswith(("investment", "_period", "_cumulative", "amount", "_gap", "size")):
        return "0.00"
    if field in ("planned", "actual", "gap"):  # physical investment behind plan, 亿元
        return "0.00"
    if field == "score" or field.endswith("_score"):
        return "0.000"
    if field.endswith(("count", "days", "limit", "landed", "signed", "started", "reached")):
        return "0"
    return None


def write_print_ready_xlsx(
    sheets: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    headers: Mapping[str, str],
    title: str,
    caption: str | None = None,
) -> Path:
    """Write sheets as XLSX ready to print and read: number formats, A4 landscape.

    Each column gets :func:`number_format` of its field; every sheet prints on A4
    landscape, one page wide, with the header row repeated and the panes frozen
    below it, and ``caption`` (when given) as every page's header over page numbers.
    Written to a temporary file, then renamed.
    """
    from openpyxl import load_workbook

    def save(tmp: Path) -> None:
        write_xlsx(sheets, tmp, headers=headers, title=title)
        book = load_workbook(tmp)
        for name, frame in sheets.items():
            sheet = book[sheet_title(name)]
            _print_ready(sheet, frame)
            if caption:  # (a data text never reaches a header code: & is doubled)
                sheet.oddHeader.center.text = caption.replace("&", "&&")
                sheet.oddFooter.center.text = "第 &P 页 / 共 &N 页"
        book.save(tmp)

    return save_atomic(save, path)


def _print_ready(sheet, frame: pd.DataFrame) -> None:
    """Number formats by field, A4 landscape one page wide, header repeated, panes frozen."""
    for j, field in enumerate(frame.columns, start=1):
        fmt = number_format(str(field))
        if fmt is None:
            continue
        for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
            if isinstance(cell.value, (int, float)):
                cell.number_format = fmt
    setup = sheet.page_setup
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.orientation = sheet.ORIENTATION_LANDSCAPE
    setup.fitToWidth, setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    sheet.freeze_panes = "A2"


def save_atomic(save, path: str | Path) -> Path:
    """Call ``save(tmp)`` on a temporary file beside ``path``, pin its zip times, rename it.

    For Office files (XLSX, DOCX): the same data gives the same bytes, and a failed
    write leaves no half-written file.
    """
    from chainmap.outputs.tables import FIXED_XLSX_DATE, pin_zip_times
    from chainmap.readwrite import atomic

    path = Path(path)
    with atomic.atomic_path(path) as tmp:
        save(tmp)
        pin_zip_times(tmp, FIXED_XLSX_DATE)
    return path


def write_leads(plan, path, *, tracked_on=None):
    """Write a plan's key enterprises as new ledger rows at stage 盯引 (.xlsx or .csv).

    The headers are the ledger's Chinese headers, so `chainmap kpi` reads the file
    back as it is; dates are written as YYYY-MM-DD, empty when not given.
    """
    from pathlib import Path

    from chainmap.model.ledger import LEDGER_COLUMNS, LEDGER_HEADERS_ZH, leads_to_ledger
    from chainmap.outputs.tables import to_csv, write_xlsx

    keys = pd.DataFrame(plan.key_enterprises)
    rows = leads_to_ledger(keys, chain=plan.params["chain"], tracked_on=tracked_on)
    rows = rows.drop_duplicates("project_id", keep="first")  # one firm may lead two fields
    zh = {canon: header for header, canon in LEDGER_HEADERS_ZH.items()}
    frame = rows[[c for c in LEDGER_COLUMNS if c in zh]].astype(object)
    for col in frame.columns:
        if col.endswith("_on"):
            frame[col] = frame[col].map(lambda d: None if pd.isna(d) else d.strftime("%Y-%m-%d"))
    frame = frame.where(frame.notna(), None).rename(columns=zh)
    path = Path(path)
    check_leads_target(path)
    if path.suffix.lower() == ".xlsx":
        write_xlsx({"项目台账": frame}, path, title="招商项目台账 / project ledger")
    else:
        to_csv(frame, path)
    return path


def check_leads_target(path) -> None:
    """Refuse to replace anything but an earlier leads file: the office's own ledger.

    A missing file is fine. An earlier leads file has exactly the leads' headers, one
    sheet, and no date past 盯引 filled in; ``--leads 台账.xlsx`` pointed at the real
    ledger used to replace it whole.
    """
    from pathlib import Path

    from chainmap.errors import InputError
    from chainmap.model.ledger import LEDGER_COLUMNS, LEDGER_HEADERS_ZH
    from chainmap.readwrite.reader import read_table, sheet_names

    path = Path(path)
    if not path.exists():
        return
    zh = {canon: header for header, canon in LEDGER_HEADERS_ZH.items()}
    headers = [zh[c] for c in LEDGER_COLUMNS if c in zh]
    tracked = zh["tracked_on"]

    refuse = InputError(
        "文件已存在且不是线索文件, 不会覆盖 / the file exists and is not a leads file chainmap "
        "wrote (a ledger with other columns, sheets or projects past 盯引): it is kept",
        file=str(path),
        hint="write the leads to a new file, then copy its rows into your ledger",
    )
    try:
        if path.suffix.lower() == ".xlsx" and len(sheet_names(path)) != 1:
            raise refuse
        old = read_table(path)
    except InputError:
        raise refuse from None
    if [str(c) for c in old.columns] != headers:
        raise refuse
    dates = [h for h in headers if h.endswith("日期") and h != tracked]
    if old[dates].notna().to_numpy().any():
        raise refuse
