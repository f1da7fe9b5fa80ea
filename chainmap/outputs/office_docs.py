"""Office paperwork: the 交办单 (assignment slip), the 盘点 (review) list and the 通报
(bulletin), as A4 documents (DOCX, XLSX) and terminal text.

DOCX needs the ``docx`` extra (python-docx). Every text cell is formula-neutralised;
documents carry fixed timestamps, so the same data gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from chainmap.errors import InputError
from chainmap.outputs.tables import neutralise, records_to_frame, render_table, xml_text

__all__ = [
    "BULLETIN_SECTIONS",
    "OFFICE_HEADERS",
    "render_bulletin",
    "render_funnel",
    "write_bulletin_xlsx",
    "write_office_document",
]

#: Chinese headers for the office's lists.
OFFICE_HEADERS = {
    "project_id": "项目编号",
    "project": "项目名称",
    "enterprise": "企业名称",
    "owner": "责任单位",
    "contact": "跟进人",
    "channel": "来源渠道",
    "stage": "阶段",
    "since": "进入阶段日期",
    "days_in_stage": "停留天数",
    "problem": "存在问题",
    "next_action": "下一步",
    "due": "截止日期",
    "overdue": "超期",
    "open_items": "尽调待办",
    "from_stage": "原阶段",
    "to_stage": "现阶段",
    "field": "字段",
    "old": "原值",
    "new": "新值",
    "days": "超期天数",
    "unit": "单位",
    "as_of": "快照日期",
    "changes": "变化",
    "item": "尽调事项",
    "date": "日期",
    "from_unit": "转出单位",
    "to_unit": "转入单位",
    "note": "说明",
    "result": "结果",
    "planned": "累计计划(亿元)",
    "actual": "累计完成(亿元)",
    "share_behind": "滞后比例",
}

#: Bulletin sections: key → (title, columns).
BULLETIN_SECTIONS = {
    "new_leads": ("新增线索 / new leads", ["project_id", "project", "owner", "channel", "stage"]),
    "stage_moves": (
        "阶段推进 / stage moves",
        ["project_id", "project", "owner", "from_stage", "to_stage", "since"],
    ),
    "overdue": (
        "超期事项 / overdue items",
        ["project_id", "project", "owner", "next_action", "due", "days"],
    ),
    "problems": ("新提问题 / problems raised", ["project_id", "project", "owner", "problem"]),
    "changes": ("信息变更 / changes", ["project_id", "owner", "field", "old", "new"]),
    "removed": ("移出台账 / removed from the ledger", ["project_id", "project", "owner"]),
    "transfers": ("项目流转 / transfers", ["project_id", "date", "from_unit", "to_unit", "note"]),
    "idle_units": ("无进展单位 / units with no movement", ["unit"]),
    "behind_plan": (
        "实物量滞后 / physical investment behind plan",
        ["project_id", "project", "owner", "planned", "actual", "share_behind"],
    ),
    "diligence": (
        "签约但尽调未完成 / signed with required checks open",
        ["project_id", "project", "owner", "item", "result"],
    ),
}


def _show(value: object, field: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1%}" if field.startswith("share") else f"{value:.2f}"
    return str(value)


def _named(record: Mapping) -> dict:
    """A record for readers: unit ids replaced by the names beside them (``owner_name`` …),
    and a changed ledger field by its Chinese header (``problem`` → 存在问题)."""
    out = dict(record)
    for key in ("owner", "unit", "from_unit", "to_unit", "old", "new", "item"):
        if out.get(f"{key}_name") is not None:
            out[key] = out[f"{key}_name"]
    if isinstance(out.get("field"), str):
        out["field"] = _field_names().get(out["field"], out["field"])
    return out


def _field_names() -> dict[str, str]:
    """Ledger column → its Chinese header (the first one the reader accepts)."""
    from chainmap.model.ledger import LEDGER_HEADERS_ZH

    names: dict[str, str] = {}
    for zh, column in LEDGER_HEADERS_ZH.items():
        names.setdefault(column, zh)
    return names


def render_bulletin(result: Mapping[str, Sequence[Mapping]], *, title: str) -> str:
    """The bulletin as terminal text: one titled table per non-empty section, counts first."""
    counts = ", ".join(
        f"{BULLETIN_SECTIONS[k][0].split(' / ')[0]} {len(result.get(k, []))}"
        for k in BULLETIN_SECTIONS
        if k in result
    )
    lines = [title, counts, ""]
    for key, (name, cols) in BULLETIN_SECTIONS.items():
        rows = result.get(key) or []
        if not rows:
            continue
        named = [_named(r) for r in rows]
        if cols == ["unit"]:  # a list of names reads better as one line
            lines += [f"{name} ({len(rows)}): " + ", ".join(str(r["unit"]) for r in named), ""]
            continue
        frame = records_to_frame([{c: _show(r.get(c), c) for c in cols} for r in named], cols)
        frame = frame.rename(columns=OFFICE_HEADERS)
        lines.append(render_table(frame, title=f"{name} ({len(rows)})", width=100).rstrip("\n"))
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def render_funnel(rows: Sequence[Mapping], *, title: str) -> str:
    """The funnel as one row per group, one column per stage: ``count (conversion)``."""
    import pandas as pd

    groups: dict[str, dict[str, str]] = {}
    stages: list[str] = []
    for r in rows:
        if r["stage_zh"] not in stages:
            stages.append(r["stage_zh"])
        rate = "" if r["conversion"] is None else f" ({r['conversion']:.0%})"
        groups.setdefault(str(r["group"]), {})[r["stage_zh"]] = f"{r['count']}{rate}"
    frame = pd.DataFrame(
        [[g, *[cells.get(s, "") for s in stages]] for g, cells in groups.items()],
        columns=["分组", *stages],
    )
    return render_table(frame, title=title, width=100)


def write_bulletin_xlsx(result: Mapping[str, Sequence[Mapping]], path: str | Path) -> Path:
    """The bulletin as an A4 workbook, one sheet per section."""
    from chainmap.outputs.kpi_report import write_print_ready_xlsx

    sheets = {  # for readers: unit names and Chinese field names, as on the terminal
        name.split(" / ")[0]: records_to_frame([_named(r) for r in result.get(key) or []], cols)
        for key, (name, cols) in BULLETIN_SECTIONS.items()
        if key in result
    }
    return write_print_ready_xlsx(sheets, path, headers=OFFICE_HEADERS, title="通报 bulletin")


def write_office_document(
    rows: Sequence[Mapping],
    path: str | Path,
    *,
    columns: Sequence[str],
    title: str,
    subtitle: str = "",
) -> Path:
    """Write a list (交办单, 盘点) as an A4 landscape DOCX or XLSX, by the file's suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from chainmap.outputs.kpi_report import write_print_ready_xlsx

        frame = records_to_frame(list(rows), list(columns))
        return write_print_ready_xlsx({title: frame}, path, headers=OFFICE_HEADERS, title=title)
    if suffix != ".docx":
        raise InputError(
            f"不支持的格式 / cannot write {suffix!r}", file=str(path), hint="use .docx or .xlsx"
        )
    return _write_docx(rows, path, columns=columns, title=title, subtitle=subtitle)


def _fit_columns(table, usable_mm: float) -> None:
    """Column widths that fit their content at 9 pt, within the usable page width.

    A column needs about 2 mm per display unit of its longest cell (CJK counts two)
    plus 5 mm of padding. When all fit, the spare width is shared in proportion; when
    they do not, only the part of each column above 26 mm shrinks, so short columns
    (ids, dates, stages) never wrap and long texts (names, next steps) take the wraps.
    """
    import unicodedata

    from docx.shared import Mm

    def units(text: str) -> int:  # display width: wide (CJK) characters count two
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    table.autofit = False
    needed = []
    for column in table.columns:
        longest = max((units(c.text) for c in column.cells), default=4)
        needed.append(min(longest, 40) * 2.0 + 5)
    total = sum(needed)
    if total <= usable_mm:
        widths = [n + (usable_mm - total) * n / total for n in needed]
    else:
        flexible = [max(n - 26, 0) for n in needed]
        cut = (total - usable_mm) / (sum(flexible) or 1)
        widths = [n - f * min(cut, 1) for n, f in zip(needed, flexible, strict=True)]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)  # the grid, which LibreOffice reads
        for cell in column.cells:
            cell.width = column.width  # and each cell, which Word reads


def _write_docx(rows, path: Path, *, columns, title: str, subtitle: str) -> Path:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    from chainmap.outputs.tables import FIXED_XLSX_DATE

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)  # A4 landscape
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Mm(15))
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), "宋体")
    props = doc.core_properties
    props.author = props.last_modified_by = "chainmap"
    props.created = props.modified = FIXED_XLSX_DATE
    props.revision = 1
    doc.add_heading(xml_text(str(neutralise(title))), level=1)
    if subtitle:
        doc.add_paragraph(xml_text(str(neutralise(subtitle))))
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, col in zip(table.rows[0].cells, columns, strict=True):
        cell.text = xml_text(OFFICE_HEADERS.get(col, col))
    for rec in rows:
        cells = table.add_row().cells
        for cell, col in zip(cells, columns, strict=True):
            value = rec.get(col)
            cell.text = "" if value is None else xml_text(str(neutralise(_show(value, col))))
    for row in table.rows:  # 9 pt in tables, so dates and ids fit on one line
        for cell in row.cells:
            for run in (r for p in cell.paragraphs for r in p.runs):
                run.font.size = Pt(9)
    _fit_columns(table, 297 - 30)
    if not rows:
        doc.add_paragraph("(无 / none)")
    from chainmap.outputs.kpi_report import save_atomic

    return save_atomic(doc.save, path)
