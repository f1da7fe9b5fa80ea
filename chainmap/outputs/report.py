"""Render a :class:`~chainmap.analysis.plan.TargetingPlan` as Markdown, HTML, XLSX or DOCX.

All four are written from the same plan object. HTML is self-contained (no
external URL for any script, style or font), escaped, and has a print
stylesheet; XLSX and DOCX text cells are neutralised against formula injection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import html
import math
from pathlib import Path
from typing import Any

import pandas as pd

from chainmap.analysis.plan import TargetingPlan
from chainmap.model.vocab import CRITERIA, STAGE_LABELS, STAGE_ORDER, STATUS_LABELS
from chainmap.outputs.tables import FIXED_XLSX_DATE, neutralise, records_to_frame, write_xlsx

__all__ = [
    "PLAN_HEADERS",
    "SHEETS",
    "plan_tables",
    "plan_to_html",
    "plan_to_markdown",
    "write_plan",
    "write_plan_docx",
    "write_plan_xlsx",
]

#: Sheet names of the XLSX plan, in order.
SHEETS = ("重点领域", "重点区域", "重点企业", "境外企业", "说明")

_CONTRIB = CRITERIA

#: Chinese column headers for every plan record key (XLSX, DOCX, HTML, Markdown).
PLAN_HEADERS: dict[str, str] = {
    "rank": "序号",
    "id": "环节编号",
    "name_zh": "环节",
    "name_en": "英文名",
    "stage": "阶段",
    "strategy": "策略",
    "status": "现状",
    "count_home": "本地企业数",
    "count_total": "企业总数",
    "lq": "区位商",
    "feasibility": "可行性",
    "density": "共生密度",
    "priority": "优先度",
    "candidates": "候选企业数",
    "reason": "理由",
    "anchors_upstream": "上游本地企业",
    "anchors_downstream": "下游本地企业",
    "field": "领域编号",
    "field_name": "重点领域",
    "region_code": "行政区划代码",
    "region": "地区",
    "level": "级别",
    "count": "企业数",
    "zones": "所属经济区",
    "score": "得分",
    "distance_km": "距离(公里)",
    "rank_in_field": "领域内序号",
    "enterprise_id": "企业编号",
    "name": "企业名称",
    "uscc": "统一社会信用代码",
    "segment": "所属环节",
    "contributions.gap_priority": "贡献:缺口优先度",
    "contributions.feasibility": "贡献:可行性",
    "contributions.strength": "贡献:企业实力",
    "contributions.affinity": "贡献:区域亲和",
    "contributions.intent": "贡献:投资意向",
    "segment_score": "环节得分",
    "stability": "稳定性",
    "rank_band": "排名区间",
    "group": "所属集团",
    "sites": "集团其他企业",
    "flags": "标记",
    "country": "国家/地区",
    "reasons": "推荐理由",
    "legal_rep": "法定代表人",
    "address": "地址",
}

#: The columns each plan section shows to readers (Markdown, DOCX); HTML adds a few.
_SHOWN: dict[str, tuple[str, ...]] = {
    "fields": (
        "rank",
        "name_zh",
        "stage",
        "strategy",
        "status",
        "count_home",
        "lq",
        "feasibility",
        "candidates",
        "reason",
    ),
    "regions": (
        "field_name",
        "rank",
        "region",
        "count",
        "lq",
        "zones",
        "candidates",
        "distance_km",
    ),
    "enterprises": (
        "field_name",
        "rank_in_field",
        "name",
        "region",
        "strategy",
        "score",
        "stability",
        "reasons",
    ),
    "overseas": (
        "field_name",
        "rank_in_field",
        "name",
        "country",
        "score",
        "reasons",
    ),
}


def _with(cols: Sequence[str], *extra: str, before: str) -> list[str]:
    """``cols`` with ``extra`` inserted before the column ``before``."""
    at = list(cols).index(before)
    return [*cols[:at], *extra, *cols[at:]]


_STATUS_COLOUR = {
    "strong": "#2e7d32",
    "weak": "#f9a825",
    "missing": "#c62828",
    "no_data": "#9e9e9e",
}


# ---------------------------------------------------------------------- tables


def plan_tables(plan: TargetingPlan) -> dict[str, pd.DataFrame]:
    """The plan as flat tables keyed by sheet name (record keys as column names)."""
    from chainmap.analysis.plan import (
        ENTERPRISE_COLUMNS_PLAN,
        FIELD_COLUMNS,
        OVERSEAS_COLUMNS,
        REGION_COLUMNS,
    )
    from chainmap.analysis.scoring import flat_rank_columns, flat_rank_records

    ent_cols = flat_rank_columns(ENTERPRISE_COLUMNS_PLAN)
    return {
        "重点领域": records_to_frame(plan.key_fields, list(FIELD_COLUMNS)),
        "重点区域": records_to_frame(plan.key_regions, list(REGION_COLUMNS)),
        "重点企业": records_to_frame(
            flat_rank_records(plan.key_enterprises), ent_cols, flatten={"contributions": _CONTRIB}
        ),
        "境外企业": records_to_frame(
            flat_rank_records(plan.overseas),
            flat_rank_columns(OVERSEAS_COLUMNS),
            flatten={"contributions": _CONTRIB},
        ),
        "说明": pd.DataFrame(_explanation_rows(plan), columns=["项目", "内容"]).astype(object),
    }


def _explanation_rows(plan: TargetingPlan) -> list[tuple[str, str]]:
    p = plan.params
    c = p["counts"]
    w = p["weights"]
    rows = [
        ("产业链 / chain", f"{p['chain_name']} ({p['chain']})"),
        ("本地 / home", f"{p['home_name']} ({p['home']}), 比较级别 {p['level']}"),
        ("数据最新年份 / latest figure year", str(p["data_year"] or "—")),
        ("输入企业 / input enterprises", str(c["input"])),
        ("属本产业链 / in the chain", str(c["in_chain"])),
        ("注销/吊销排除 / deregistered excluded", str(c["deregistered"])),
        ("本地企业(作为锚点) / home anchors", str(c["home_anchors"])),
        ("无目标环节 / no target segment", str(c["no_gap_segment"])),
        ("已退出/正在退出 / exited or exiting", str(c.get("exited", 0))),
        ("政策限制环节 / policy-gated segments", str(c.get("gated_segments", 0))),
        ("目标企业 / targets", str(c["targets"])),
        (
            "权重 / weights",
            f"缺口优先度 {w['gap_priority']}, 可行性 {w['feasibility']}, "
            f"企业实力 {w['strength']}, 区域亲和 {w['affinity']}, 投资意向 {w['intent']}",
        ),
        ("政策排除类别 / policy classes excluded", "、".join(p.get("policy_exclude", []))),
        ("目标经济区 / target zones", "、".join(p["affinity_zones"])),
        (
            "方法 / method",
            "先环节后企业: 区位商(LQ)判定强弱, 补链/强链/延链/建链按原料(feedstock)上下游关系"
            "判定, 政策禁止/淘汰的环节不作为重点领域; 企业按固定尺度的实力、区域亲和与投资意向"
            "评分, 同一集团只列一次, 已退出企业不列入; 各项贡献之和等于得分; 稳定性为数据自助"
            "抽样、标签随机缺失与权重扰动下留在前K名的比例 / segments first, then firms; "
            "see docs/methods.md",
        ),
    ]
    rows += [("数据来源 / source", s) for s in p["sources"]]
    rows += [("说明 / note", n) for n in plan.notes]
    return rows


# ---------------------------------------------------------------------- Markdown


def _md_cell(value: Any) -> str:
    # Markdown passes raw HTML through, so data text is HTML-escaped too.
    text = "" if value is None else html.escape(str(value), quote=False)
    return text.replace("|", "\\|").replace("\n", " ")


def _fmt(value: Any) -> Any:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return value


def _shown(col: str, value: Any) -> Any:
    """Display form of a cell for readers: Chinese stage and status names."""
    if col == "stage" and value in STAGE_LABELS:
        return STAGE_LABELS[value][0]
    if col == "status" and value in STATUS_LABELS:
        return STATUS_LABELS[value]
    return value


def _md_table(records: Sequence[Mapping[str, Any]], cols: Sequence[str]) -> str:
    if not records:
        return "_(无 / none)_\n"
    head = "| " + " | ".join(PLAN_HEADERS.get(c, c) for c in cols) + " |"
    sep = "|" + "---|" * len(cols)
    body = []
    for r in records:
        cells = []
        for c in cols:
            v = _shown(c, r.get(c))
            if isinstance(v, (list, tuple)):
                v = "、".join(map(str, v))
            cells.append(_md_cell(_fmt(v)))
        body.append("| " + " | ".join(cells) + " |")
    return "\n".join([head, sep, *body]) + "\n"


def plan_to_markdown(plan: TargetingPlan) -> str:
    """The plan as Markdown, for pasting into documents."""
    p = plan.params
    out = [
        f"# {p['chain_name']}招商目标方案 · {p['home_name']}\n",
        f"_{p['chain_name_en']} targeting plan for {p['home_name']} ({p['home']})_\n",
        _summary_md(plan),
        "## 一、重点领域 / Key fields\n",
        _md_table(plan.key_fields, _SHOWN["fields"]),
        "## 二、重点区域 / Key regions\n",
        _md_table(plan.key_regions, _SHOWN["regions"]),
        "## 三、重点企业 / Key enterprises\n",
        _md_table(plan.key_enterprises, _SHOWN["enterprises"]),
    ]
    if plan.overseas:
        out += [
            "## 境外企业(无已知在华基地) / Overseas firms without a known China site\n",
            _md_table(plan.overseas, _SHOWN["overseas"]),
        ]
    if plan.notes:
        out.append("## 说明 / Notes\n")
        out.extend(f"- {_md_cell(n)}\n" for n in plan.notes)
    if p["sources"]:
        out.append("\n## 数据来源 / Sources\n")
        out.extend(f"- {_md_cell(s)}\n" for s in p["sources"])
    return "\n".join(out)


def _summary_md(plan: TargetingPlan) -> str:
    c = plan.params["counts"]
    return (
        f"- 重点领域 {len(plan.key_fields)} 个, 重点企业 {len(plan.key_enterprises)} 家, "
        f"目标企业共 {c['targets']} 家 (输入 {c['input']} 家, 属本产业链 {c['in_chain']} 家, "
        f"本地锚点 {c['home_anchors']} 家, 注销/吊销排除 {c['deregistered']} 家)\n"
        f"- 数据最新年份 / latest figure year: {plan.params['data_year'] or '—'}\n"
    )


# ---------------------------------------------------------------------- HTML

_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",
"SimSun",sans-serif;margin:2em auto;max-width:1200px;color:#222;line-height:1.5;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #1565c0;padding-bottom:.2em;
margin-top:1.6em}.sub{color:#555}.summary{display:flex;gap:1em;flex-wrap:wrap}
.card{border:1px solid #ccc;border-radius:6px;padding:.6em 1em;min-width:8em}
.card b{display:block;font-size:1.5em}table{border-collapse:collapse;width:100%;font-size:.9em;
margin:.5em 0}th,td{border:1px solid #bbb;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#e3f2fd}td.num{text-align:right;white-space:nowrap}.note{color:#b71c1c}
.sources{font-size:.8em;word-break:break-all}svg text{font-size:11px}
@media print{body{margin:0;max-width:none;font-size:10.5pt}h2{page-break-after:avoid}
table{page-break-inside:auto}tr{page-break-inside:avoid}.noprint{display:none}
a{color:inherit;text-decoration:none}@page{size:A4 landscape;margin:12mm}}
"""


def _h(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = "、".join(map(str, value))
    return html.escape(str(_fmt(value)))


def _html_table(records: Sequence[Mapping[str, Any]], cols: Sequence[str]) -> str:
    if not records:
        return "<p>(无 / none)</p>"
    head = "".join(f"<th>{html.escape(PLAN_HEADERS.get(c, c))}</th>" for c in cols)
    rows = []
    for r in records:
        cells = []
        for c in cols:
            v = _shown(c, r.get(c))
            cls = " class='num'" if isinstance(v, (int, float)) and not isinstance(v, bool) else ""
            cells.append(f"<td{cls}>{_h(v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def plan_to_html(plan: TargetingPlan) -> str:
    """A self-contained, printable HTML briefing page (no external URLs).

    A small static SVG chain diagram is included, segments coloured by the home
    region's status and key fields outlined.
    """
    p = plan.params
    chain, status = plan.chain, plan.status
    c = p["counts"]
    cards = [
        ("重点领域", len(plan.key_fields)),
        ("重点企业", len(plan.key_enterprises)),
        ("目标企业", c["targets"]),
        ("本地锚点企业", c["home_anchors"]),
        ("输入企业", c["input"]),
    ]
    summary = "".join(f"<div class='card'>{html.escape(k)}<b>{v}</b></div>" for k, v in cards)
    diagram = _svg_chain(chain, status, {f["id"] for f in plan.key_fields}) if chain else ""
    notes = "".join(f"<li class='note'>{_h(n)}</li>" for n in plan.notes)
    sources = "".join(f"<li>{_h(s)}</li>" for s in p["sources"])
    explanation = "".join(
        f"<tr><th>{_h(k)}</th><td>{_h(v)}</td></tr>"
        for k, v in _explanation_rows(plan)
        if not k.startswith(("数据来源", "说明"))
    )
    return (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_h(p['chain_name'])}招商目标方案 · {_h(p['home_name'])}</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<h1>{_h(p['chain_name'])}招商目标方案 · {_h(p['home_name'])}</h1>"
        f"<p class='sub'>{_h(p['chain_name_en'])} targeting plan for {_h(p['home_name'])} "
        f"({_h(p['home'])}) · 数据最新年份 latest figure year: {_h(p['data_year'] or '—')}</p>"
        f"<div class='summary'>{summary}</div>"
        + (f"<h2>产业链图 / Chain diagram</h2>{diagram}" if diagram else "")
        + "<h2>一、重点领域 / Key fields</h2>"
        + _html_table(
            plan.key_fields,
            _with(_SHOWN["fields"], "anchors_upstream", "anchors_downstream", before="reason"),
        )
        + "<h2>二、重点区域 / Key regions</h2>"
        + _html_table(plan.key_regions, _with(_SHOWN["regions"], "level", before="count"))
        + "<h2>三、重点企业 / Key enterprises</h2>"
        + _html_table(
            plan.key_enterprises,
            _with(_SHOWN["enterprises"], "legal_rep", "address", before="reasons"),
        )
        + (
            "<h2>境外企业(无已知在华基地) / Overseas firms without a known China site</h2>"
            + _html_table(plan.overseas, _SHOWN["overseas"])
            if plan.overseas
            else ""
        )
        + (f"<h2>说明 / Notes</h2><ul>{notes}</ul>" if notes else "")
        + f"<h2>参数与方法 / Parameters and method</h2><table>{explanation}</table>"
        + (f"<h2>数据来源 / Sources</h2><ol class='sources'>{sources}</ol>" if sources else "")
        + "<p class='sub'>由 chainmap 生成 / generated by chainmap</p></body></html>\n"
    )


def _svg_chain(chain, status: pd.DataFrame | None, key: set[str]) -> str:
    """A static left-to-right SVG of the chain by stage (escaped text, no scripts)."""
    cols: dict[str, list] = {}
    for seg in chain.ordered_segments():
        cols.setdefault(seg.stage, []).append(seg)
    stages = sorted(cols, key=STAGE_ORDER.get)
    col_w, row_h, box_w, box_h = 170, 26, 150, 20
    height = max(len(v) for v in cols.values()) * row_h + 40
    width = len(stages) * col_w + 20
    pos = {}
    parts = []
    for i, stage in enumerate(stages):
        x = 10 + i * col_w
        parts.append(
            f"<text x='{x}' y='14' font-weight='bold'>{html.escape(STAGE_LABELS[stage][0])}</text>"
        )
        for j, seg in enumerate(cols[stage]):
            y = 24 + j * row_h
            pos[seg.id] = (x, y)
    for link in chain.links:
        (x1, y1), (x2, y2) = pos[link.upstream], pos[link.downstream]
        parts.append(
            f"<line x1='{x1 + box_w}' y1='{y1 + box_h / 2}' x2='{x2}' y2='{y2 + box_h / 2}' "
            "stroke='#90a4ae' stroke-width='0.7'/>"
        )
    for sid, (x, y) in pos.items():
        st = status.loc[sid, "status"] if status is not None and sid in status.index else None
        fill = _STATUS_COLOUR.get(st, "#eceff1")
        stroke = "#0d47a1' stroke-width='2.5" if sid in key else "#607d8b' stroke-width='0.8"
        name = chain.segments_by_id[sid].name_zh
        label = name if len(name) <= 11 else name[:10] + "…"
        text_fill = "#fff" if st in ("strong", "missing") else "#222"
        parts.append(
            f"<g><title>{html.escape(name)} · {html.escape(STATUS_LABELS.get(st, '—'))}</title>"
            f"<rect x='{x}' y='{y}' width='{box_w}' height='{box_h}' rx='4' fill='{fill}' "
            f"stroke='{stroke}'/><text x='{x + 5}' y='{y + 14}' fill='{text_fill}'>"
            f"{html.escape(label)}</text></g>"
        )
    legend = " ".join(
        f"<span style='background:{col};color:#fff;padding:0 .4em'>{html.escape(STATUS_LABELS[k])}</span>"
        for k, col in _STATUS_COLOUR.items()
    )
    return (
        f"<svg width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img'>{''.join(parts)}</svg>"
        f"<p>{legend} · 粗框为重点领域 / thick border: key field</p>"
    )


# ---------------------------------------------------------------------- XLSX and DOCX


def write_plan_xlsx(plan: TargetingPlan, path: str | Path) -> Path:
    """Write the four sheets 重点领域 / 重点区域 / 重点企业 / 说明 (formula-safe, fixed properties)."""
    return write_xlsx(
        plan_tables(plan),
        path,
        headers=PLAN_HEADERS,
        title=f"{plan.params['chain_name']}招商目标方案",
    )


def write_plan_docx(plan: TargetingPlan, path: str | Path, *, font: str = "宋体") -> Path:
    """Write a Word document: title, summary, the three sections as tables, sources.

    Uses ``font`` (宋体 by default, present on Windows intranet machines) for
    Chinese text. Requires the ``docx`` extra (python-docx).
    """
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for style_name in ("Normal", "Title", "Heading 1", "Heading 2", "Table Grid"):
        if style_name not in [s.name for s in doc.styles]:
            continue
        style = doc.styles[style_name]
        style.font.name = font
        rpr = style.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(rfonts)
        rfonts.set(qn("w:eastAsia"), font)
    doc.styles["Normal"].font.size = Pt(10.5)
    props = doc.core_properties
    props.author = "chainmap"
    props.last_modified_by = "chainmap"
    props.created = FIXED_XLSX_DATE
    props.modified = FIXED_XLSX_DATE
    props.revision = 1

    p = plan.params
    doc.add_heading(f"{p['chain_name']}招商目标方案 · {p['home_name']}", level=0)
    doc.add_paragraph(
        f"{p['chain_name_en']} targeting plan for {p['home_name']} ({p['home']}); "
        f"数据最新年份 latest figure year: {p['data_year'] or '—'}"
    )
    for line in _summary_md(plan).splitlines():
        doc.add_paragraph(line.lstrip("- "), style="List Bullet")
    tables = plan_tables(plan)
    sections = [
        ("一、重点领域 / Key fields", "重点领域", _SHOWN["fields"]),
        ("二、重点区域 / Key regions", "重点区域", _SHOWN["regions"]),
        (
            "三、重点企业 / Key enterprises",
            "重点企业",
            _with(_SHOWN["enterprises"], "legal_rep", before="reasons"),
        ),
        ("境外企业(无已知在华基地) / Overseas firms", "境外企业", _SHOWN["overseas"]),
    ]
    for title, sheet, cols in sections:
        doc.add_heading(title, level=1)
        frame = tables[sheet]
        if frame.empty:
            doc.add_paragraph("(无 / none)")
            continue
        table = doc.add_table(rows=1, cols=len(cols))
        table.style = "Table Grid"
        for cell, col in zip(table.rows[0].cells, cols, strict=True):
            cell.text = PLAN_HEADERS.get(col, col)
        for row in frame[list(cols)].itertuples(index=False, name=None):
            cells = table.add_row().cells
            for cell, col, value in zip(cells, cols, row, strict=True):
                shown = _shown(col, value)
                cell.text = "" if shown is None else str(neutralise(_fmt(shown)))
    if plan.notes:
        doc.add_heading("说明 / Notes", level=1)
        for n in plan.notes:
            doc.add_paragraph(str(neutralise(n)), style="List Bullet")
    doc.add_heading("参数、方法与来源 / Parameters, method, sources", level=1)
    for k, v in _explanation_rows(plan):
        doc.add_paragraph(f"{k}: {neutralise(v)}")
    path = Path(path)
    doc.save(path)
    _pin_docx(path)
    return path


def _pin_docx(path: Path) -> None:
    from chainmap.outputs.tables import _pin_zip_times

    _pin_zip_times(path, FIXED_XLSX_DATE)


def write_plan(plan: TargetingPlan, path: str | Path, *, fmt: str | None = None) -> Path:
    """Write the plan as ``fmt`` (markdown, html, xlsx, docx, json), default from the suffix."""
    from chainmap.errors import InputError
    from chainmap.outputs.tables import to_json
    from chainmap.readwrite.formats import format_of

    path = Path(path)
    fmt = fmt or format_of(path)
    if fmt == "markdown":
        path.write_text(plan_to_markdown(plan), encoding="utf-8")
    elif fmt == "html":
        path.write_text(plan_to_html(plan), encoding="utf-8")
    elif fmt == "xlsx":
        write_plan_xlsx(plan, path)
    elif fmt == "docx":
        write_plan_docx(plan, path)
    elif fmt == "json":
        path.write_text(to_json(plan.to_dict()), encoding="utf-8")
    else:
        raise InputError(
            f"不支持的方案格式 / unsupported plan format {fmt or path.suffix.lower()!r}",
            file=str(path),
            hint="use .md, .html, .xlsx, .docx or .json",
        )
    return path
