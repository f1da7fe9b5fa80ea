"""Render a :class:`~chainmap.analysis.plan.TargetingPlan` as Markdown, HTML, XLSX or DOCX.

All four are written from the same plan object. HTML is self-contained (no
external URL for any script, style or font), escaped, and has a print
stylesheet; XLSX and DOCX text cells are neutralised against formula injection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import math
from pathlib import Path
import re
from typing import Any

import pandas as pd

from chainmap.analysis.plan import TargetingPlan
from chainmap.model.values import html_text, visible
from chainmap.model.vocab import CRITERIA, STAGE_LABELS, STAGE_ORDER, STATUS_LABELS
from chainmap.outputs.tables import (
    FIXED_XLSX_DATE,
    neutralise,
    records_to_frame,
    write_xlsx,
    xml_text,
)

__all__ = [
    "LEVEL_ZH",
    "PLAN_HEADERS",
    "SHEETS",
    "STATUS_ZH",
    "issuing_line",
    "one_page_html",
    "plan_tables",
    "plan_to_html",
    "plan_to_markdown",
    "write_one_page",
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
    "contributions.intent": "贡献:投资动态",
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


#: Chinese labels of the codes JSON and CSV keep (CONTRACTS: human formats show Chinese).
STATUS_ZH = STATUS_LABELS
LEVEL_ZH = {"province": "省", "city": "市", "county": "县"}
POLICY_ZH = {
    "eliminated": "淘汰类",
    "banned_new": "禁止新建",
    "relocation_only": "仅限搬迁",
    "restricted": "限制类",
    "park_required": "须入化工园区",
    "encouraged": "鼓励类",
}
_STATUS_ZH = STATUS_ZH
#: Columns holding scores (0.000), rates (0.0%), distances (0) and other measures (0.00).
_SCORE_COLS = {
    "feasibility",
    "density",
    "priority",
    "segment_score",
    "score",
    *(f"contributions.{c}" for c in CRITERIA),
}
_NUMBER_FORMATS = {
    **dict.fromkeys(_SCORE_COLS, "0.000"),
    "stability": "0.0%",
    "distance_km": "0",
    "lq": "0.00",
    "registered_capital": "0.00",
    "revenue": "0.00",
}
_STATUS_COLOUR = {
    "strong": "#2e7d32",
    "weak": "#f9a825",
    "missing": "#c62828",
    "no_data": "#9e9e9e",
}


# ---------------------------------------------------------------------- tables


def plan_tables(plan: TargetingPlan, *, labels: bool = False) -> dict[str, pd.DataFrame]:
    """The plan as flat tables keyed by sheet name (record keys as column names).

    With ``labels=True`` stage, status and level show their Chinese names and rank
    bands and group sites read as short text (for XLSX); numbers stay numbers.
    """
    from chainmap.analysis.plan import (
        ENTERPRISE_COLUMNS_PLAN,
        FIELD_COLUMNS,
        OVERSEAS_COLUMNS,
        REGION_COLUMNS,
    )
    from chainmap.analysis.scoring import flat_rank_columns, flat_rank_records

    def shown(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        if not labels:
            return list(records)
        return [{k: _shown(k, v) if k in _LABELLED else v for k, v in r.items()} for r in records]

    ent_cols = flat_rank_columns(ENTERPRISE_COLUMNS_PLAN)
    return {
        "重点领域": records_to_frame(shown(plan.key_fields), list(FIELD_COLUMNS)),
        "重点区域": records_to_frame(shown(plan.key_regions), list(REGION_COLUMNS)),
        "重点企业": records_to_frame(
            flat_rank_records(shown(plan.key_enterprises)),
            ent_cols,
            flatten={"contributions": _CONTRIB},
        ),
        "境外企业": records_to_frame(
            flat_rank_records(shown(plan.overseas)),
            flat_rank_columns(OVERSEAS_COLUMNS),
            flatten={"contributions": _CONTRIB},
        ),
        "说明": pd.DataFrame(_explanation_rows(plan), columns=["项目", "内容"]).astype(object),
    }


#: Codes shown by their Chinese names in XLSX (numbers keep their cell type).
_LABELLED = ("stage", "status", "level")


def issuing_line(plan: TargetingPlan) -> str:
    """``武义县投资促进中心 · 企业动态截至 2025-05-26``: the office (profile ``[office] name``)
    and a date from the data or ``params["date"]`` (``--date``), never the clock.

    The date is the latest event of the signals table, so it says so: "数据截至" claimed it
    for the firm table too, whose figures (a 2024 revenue from a report of 2025) run later.
    """
    p = plan.params
    office = p.get("office") or ""
    if p.get("date"):
        when = f"印发日期 {p['date']}"
    elif p.get("signals_date"):
        when = f"企业动态截至 {p['signals_date']}"
    elif p.get("data_year"):
        when = f"数据年份 {p['data_year']}年"
    else:
        when = "数据日期未知"
    return " · ".join(x for x in (office, when) if x)


def _source_label(source: str) -> str:
    """A data source as a reader sees it: a title and URL, never a file-system path."""
    text = str(source)
    if "://" in text or " " in text or ("/" not in text and "\\" not in text):
        return text
    return Path(text.replace("\\", "/")).name


def _explanation_rows(plan: TargetingPlan) -> list[tuple[str, str]]:
    p = plan.params
    c = p["counts"]
    w = p["weights"]
    rows = [
        ("产业链 / chain", f"{p['chain_name']} ({p['chain']})"),
        ("本地 / home", f"{p['home_name']} ({p['home']}), 比较级别 {p['level']}"),
        ("数据日期 / data date", issuing_line(plan)),
        ("数据最新年份 / latest figure year", str(p["data_year"] or "—")),
        ("输入企业 / input enterprises", str(c["input"])),
        ("属本产业链 / in the chain", str(c["in_chain"])),
        ("注销/吊销排除 / deregistered excluded", str(c["deregistered"])),
        ("本地企业(作为锚点) / home anchors", str(c["home_anchors"])),
        ("已退出/正在退出 / exited or exiting", str(c.get("exited", 0))),
        *(
            (label, str(c[key]))
            for key, label in (
                ("risk_excluded", "严重违法失信 / serious risk flags"),
                ("same_city_excluded", "同城排除 / same city excluded"),
            )
            if c.get(key)
        ),
        ("无可招引环节 / no target segment", str(c["no_gap_segment"])),
        *(
            (("不在指定经济区 / outside the zone", str(c["zone_excluded"])),)
            if c.get("zone_excluded")
            else ()
        ),
        ("同一集团其他场址 / further sites of a group", str(c.get("group_duplicates", 0))),
        ("政策限制环节 / policy-gated segments", str(c.get("gated_segments", 0))),
        ("目标企业 / targets", f"{c['targets']} ({target_steps(c)})"),
        (
            "权重 / weights",
            f"缺口优先度 {w['gap_priority']}, 可行性 {w['feasibility']}, "
            f"企业实力 {w['strength']}, 区域亲和 {w['affinity']}, 投资动态 {w['intent']}",
        ),
        ("政策排除类别 / policy classes excluded", "、".join(p.get("policy_exclude", []))),
        ("目标经济区 / target zones", "、".join(p["affinity_zones"])),
        (
            "方法 / method",
            "先环节后企业: 区位商(LQ)判定强弱, 补链/强链/延链/建链按原料(feedstock)上下游关系"
            "判定, 政策禁止/淘汰的环节不作为重点领域; 企业按固定尺度的实力、区域亲和与投资动态"
            "评分, 同一集团只列一次, 已退出企业不列入; 各项贡献之和等于得分; 稳定性为数据自助"
            "抽样、标签随机缺失与权重扰动下留在前K名的比例 / segments first, then firms; "
            "see the method notes in the chainmap documentation (方法说明)",
        ),
    ]
    rows += [("数据来源 / source", _source_label(s)) for s in p["sources"]]
    rows += [("说明 / note", n) for n in plan.notes]
    return rows


# ---------------------------------------------------------------------- Markdown


#: Inline Markdown syntax (CommonMark + GFM): raw HTML and entities, links and
#: images, emphasis, code spans, strikethrough, table pipes, and the backslash.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>&|!~#])")
#: Block syntax a line may start with: list markers, heading underline, quote. A number
#: starts an ordered list only when a space or the line end follows its `.` or `)`
#: (CommonMark), so `0.5` stays as written.
_MD_LINE_START = re.compile(r"^(\s*)(?:([-+=>])|(\d+)([.)])(?=[ \t]|$))")


def markdown_text(value: Any) -> str:
    """Data text made inert for Markdown: every syntax character backslash-escaped.

    Backslash escapes (not HTML entities) keep the text as the reader wrote it in
    every CommonMark viewer; line breaks become spaces, so a value stays on its
    line (a heading, a list item, a table cell).

    Examples
    --------
    >>> markdown_text("![t](http://127.0.0.1:9/x.png)公司")
    '\\\\!\\\\[t\\\\](http://127.0.0.1:9/x.png)公司'
    >>> markdown_text("<img src=x onerror=alert(1)>")
    '\\\\<img src=x onerror=alert(1)\\\\>'
    >>> markdown_text("- 1. a|b")
    '\\\\- 1. a\\\\|b'
    """
    text = "" if value is None else " ".join(visible(str(value)).splitlines())
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_LINE_START.sub(
        lambda m: m.group(1) + (f"\\{m.group(2)}" if m.group(2) else f"{m.group(3)}\\{m.group(4)}"),
        text.lstrip(),
        count=1,
    )


def _md_cell(value: Any) -> str:
    """A table cell, list item or heading part: formula-neutralised, then Markdown-escaped."""
    return markdown_text(neutralise(value))


def _fmt(value: Any) -> Any:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return value


def _shown(col: str, value: Any) -> Any:
    """Display form of a cell for readers: Chinese stage, status and level names,
    rank bands and group sites as short text."""
    if col == "stage" and value in STAGE_LABELS:
        return STAGE_LABELS[value][0]
    if col == "status" and value in STATUS_ZH:
        return STATUS_ZH[value]
    if col == "level" and value in LEVEL_ZH:
        return LEVEL_ZH[value]
    if col in ("rank_band", "sites") and isinstance(value, (list, tuple)):
        from chainmap.analysis.scoring import flat_rank_records

        return flat_rank_records([{col: value}])[0][col]
    if col == "stability" and isinstance(value, float) and not math.isnan(value):
        return f"{value:.0%}"
    if col == "distance_km" and isinstance(value, float) and not math.isnan(value):
        return f"{value:.0f}"
    if col == "reasons" and isinstance(value, str):
        return _firm_reason(value)
    if col == "reason" and isinstance(value, str):
        return _zh(value)
    return value


def _zh(text: str) -> str:
    """The Chinese half of a bilingual ``中文 / English`` text."""
    return text.split(" / ", 1)[0]


def _firm_reason(reasons: str) -> str:
    """A target's reasons without the leading gap phrase, which its 重点领域 column already says.

    The ranking writes ``延链: 环节 (…); …``; the phrase ends at the bracket that closes
    the first `` (`` (segment names may hold brackets of their own).
    """
    head = reasons.split(": ", 1)
    if len(head) != 2 or head[0] not in ("补链", "延链", "强链", "建链"):
        return reasons
    start = reasons.find(" (")
    depth = 0
    for i in range(start + 1, len(reasons)):
        depth += {"(": 1, ")": -1}.get(reasons[i], 0)
        if depth == 0 and reasons[i] == ")":
            return reasons[i + 1 :].lstrip("; ") or reasons
    return reasons


def _shown_columns(records: Sequence[Mapping[str, Any]], cols: Sequence[str]) -> list[str]:
    """``cols`` less those empty in every record (an empty column tells a reader nothing)."""
    return [c for c in cols if any(r.get(c) not in (None, "", [], ()) for r in records)]


def _md_table(records: Sequence[Mapping[str, Any]], cols: Sequence[str]) -> str:
    if not records:
        return "_(无 / none)_\n"
    cols = _shown_columns(records, cols)
    head = "| " + " | ".join(_md_cell(PLAN_HEADERS.get(c, c)) for c in cols) + " |"
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


#: What a section's numbers mean, under its heading (every format): a key region with firms
#: and no candidate puzzled reviewers (its firms are anchors, exits or sites of groups
#: already listed elsewhere).
SECTION_CAPTIONS = {
    "二、重点区域 / Key regions": (
        "企业数: 该地从事本环节的企业(按输入数据); 候选企业数: 其中在本环节列为招引目标的企业"
        "(已退出企业、同一集团的其他场址、按其他环节列为目标的企业不计), "
        "为0的地区仅作产业集聚参考"
    ),
}


def _sections(plan: TargetingPlan, *, wide: bool = False) -> list[tuple[str, list, list[str]]]:
    """(heading, records, columns) of each table section, in order; ``wide`` adds the
    columns a screen has room for (HTML)."""
    ent_cols = _with(_SHOWN["enterprises"], "flags", "legal_rep", before="reasons")
    if wide:
        ent_cols = _with(ent_cols, "address", before="reasons")
    out = [
        (
            "一、重点领域 / Key fields",
            plan.key_fields,
            _with(_SHOWN["fields"], "anchors_upstream", "anchors_downstream", before="reason")
            if wide
            else list(_SHOWN["fields"]),
        ),
        (
            "二、重点区域 / Key regions",
            plan.key_regions,
            _with(_SHOWN["regions"], "level", before="count"),
        ),
        ("三、重点企业 / Key enterprises", plan.key_enterprises, ent_cols),
    ]
    if plan.overseas:
        out.append(
            (
                "四、境外企业(无已知在华基地) / Overseas firms without a known China site",
                plan.overseas,
                list(_SHOWN["overseas"]),
            )
        )
    return out


def plan_to_markdown(plan: TargetingPlan) -> str:
    """The plan as Markdown, for pasting into documents."""
    p = plan.params
    out = [
        f"# {_md_cell(p['chain_name'])}招商目标方案 · {_md_cell(p['home_name'])}\n",
        f"_{_md_cell(issuing_line(plan))} · {_md_cell(p['chain_name_en'])} targeting plan for "
        f"{_md_cell(p['home_name'])} ({_md_cell(p['home'])}) · 数据最新年份 latest figure year: "
        f"{_md_cell(p['data_year'] or '—')}_\n",
        _summary_md(plan),
    ]
    for title, records, cols in _sections(plan):
        out.append(f"## {title}\n")
        if title in SECTION_CAPTIONS:
            out.append(f"_{_md_cell(SECTION_CAPTIONS[title])}_\n\n")
        out.append(_md_table(records, cols))
    out += _changes_md(plan)
    if plan.notes:
        out.append("## 说明 / Notes\n")
        out.extend(f"- {_md_cell(n)}\n" for n in plan.notes)
    if p["sources"]:
        out.append("\n## 数据来源 / Sources\n")
        out.extend(f"- {_md_cell(_source_label(s))}\n" for s in p["sources"])
    return "\n".join(out)


#: The steps from the input firms to the targets, in the order the ranking takes them:
#: ``(key of params["counts"], label, shown when 0)``. Each step counts the firms it removes
#: (a firm is removed once), so the input less every step is the number of targets.
TARGET_STEPS = (
    ("not_in_chain", "非本产业链", True),
    ("deregistered", "注销/吊销", True),
    ("home_anchors", "本地锚点", True),
    ("exited", "已退出/正在退出", True),
    ("risk_excluded", "严重违法失信", False),
    ("same_city_excluded", "同城排除", False),
    ("no_gap_segment", "无可招引环节", True),
    ("zone_excluded", "不在指定经济区", False),
    ("group_duplicates", "同一集团其他场址", True),
)


def target_steps(counts: Mapping[str, int]) -> str:
    """``输入 71 家 − 非本产业链 0 − … = 目标 52 家``: how the input became the targets.

    >>> target_steps({"input": 5, "not_in_chain": 1, "deregistered": 0, "home_anchors": 1,
    ...               "exited": 0, "no_gap_segment": 1, "group_duplicates": 0, "targets": 2})
    '输入 5 家 − 非本产业链 1 − 注销/吊销 0 − 本地锚点 1 − 已退出/正在退出 0 − 无可招引环节 1 − 同一集团其他场址 0 = 目标 2 家'
    """
    steps = [
        f"{label} {int(counts.get(key, 0))}"
        for key, label, always in TARGET_STEPS
        if always or counts.get(key, 0)
    ]
    return f"输入 {counts['input']} 家 − " + " − ".join(steps) + f" = 目标 {counts['targets']} 家"


def _summary_md(plan: TargetingPlan) -> str:
    c = plan.params["counts"]
    return (
        f"- 重点领域 {len(plan.key_fields)} 个, 重点企业 {len(plan.key_enterprises)} 家, "
        f"境外企业 {len(plan.overseas)} 家, 目标企业共 {c['targets']} 家\n"
        f"- {target_steps(c)}\n"
    )


# ---------------------------------------------------------------------- HTML

_FONTS = (
    '"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC","SimSun",sans-serif'
)
_CSS = (
    "body{font-family:"
    + _FONTS
    + """;margin:1.5em auto;max-width:1500px;color:#222;
line-height:1.5;padding:0 1em;font-size:16px}
h1{font-size:1.7em;margin:.2em 0}h2{font-size:1.25em;border-bottom:2px solid #1565c0;
padding-bottom:.15em;margin:1.4em 0 .5em}.sub{color:#555;margin:.2em 0}
.issuer{font-size:1.05em;font-weight:bold;color:#0d47a1;margin:.2em 0}
.summary{display:flex;gap:.8em;flex-wrap:wrap;margin:.6em 0}
.card{border:1px solid #ccc;border-radius:6px;padding:.4em .9em;min-width:7em}
.card b{display:block;font-size:1.5em}table{border-collapse:collapse;width:100%;font-size:.92em;
margin:.4em 0}th,td{border:1px solid #bbb;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#e3f2fd;white-space:nowrap;word-break:keep-all}td{word-break:normal;
overflow-wrap:anywhere}td.num{text-align:right;white-space:nowrap}
td.c-reasons,td.c-reason{min-width:16em}td.c-name{min-width:9em}
td.c-name_zh,td.c-field_name,td.c-stage,td.c-strategy,td.c-status,td.c-level{white-space:nowrap}
td.c-anchors_upstream,td.c-anchors_downstream{font-size:.9em}.note{color:#b71c1c}.caption{color:#555;font-size:.9em;margin:.2em 0 .4em}
.sources{font-size:.85em;overflow-wrap:anywhere}svg text{font-size:12px}
.diagram{overflow-x:auto}.changes td{font-size:.95em}
@media print{body{margin:0;max-width:none;font-size:9.5pt;padding:0}h1{font-size:16pt}
h2{font-size:12pt;break-after:avoid;margin-top:.8em}table{break-inside:auto;font-size:8.5pt}
thead{display:table-header-group}tr{break-inside:avoid}.noprint{display:none}
.diagram svg{max-width:100%;height:auto}.diagram{overflow:visible}
a{color:inherit;text-decoration:none}}
@page{size:A4 landscape;margin:10mm}
"""
)


_he = html_text  # text for HTML or SVG


def _h(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = "、".join(map(str, value))
    return _he(_fmt(value))


def _html_table(records: Sequence[Mapping[str, Any]], cols: Sequence[str]) -> str:
    if not records:
        return "<p>(无 / none)</p>"
    cols = _shown_columns(records, cols)
    head = "".join(f"<th>{_he(PLAN_HEADERS.get(c, c))}</th>" for c in cols)
    rows = []
    for r in records:
        cells = []
        for c in cols:
            v = _shown(c, r.get(c))
            num = isinstance(r.get(c), (int, float)) and not isinstance(r.get(c), bool)
            cells.append(f"<td class='{'num ' if num else ''}c-{c}'>{_h(v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def plan_to_html(plan: TargetingPlan) -> str:
    """A self-contained, printable HTML briefing page (no external URLs).

    A small static SVG chain diagram is included, segments coloured by the home
    region's status and key fields outlined. It prints on A4 landscape.
    """
    p = plan.params
    chain, status = plan.chain, plan.status
    c = p["counts"]
    cards = [
        ("重点领域", len(plan.key_fields)),
        ("重点企业", len(plan.key_enterprises)),
        ("境外企业", len(plan.overseas)),
        ("目标企业", c["targets"]),
        ("本地锚点企业", c["home_anchors"]),
        ("输入企业", c["input"]),
    ]
    summary = "".join(f"<div class='card'>{_he(k)}<b>{v}</b></div>" for k, v in cards)
    diagram = _svg_chain(chain, status, {f["id"] for f in plan.key_fields}) if chain else ""
    notes = "".join(f"<li class='note'>{_h(n)}</li>" for n in plan.notes)
    sources = "".join(f"<li>{_h(_source_label(s))}</li>" for s in p["sources"])
    explanation = "".join(
        f"<tr><th>{_h(k)}</th><td>{_h(v)}</td></tr>"
        for k, v in _explanation_rows(plan)
        if not k.startswith(("数据来源", "说明", "数据最新年份", "数据日期"))
    )
    body = "".join(
        f"<h2>{_h(title)}</h2>"
        + (
            f"<p class='caption'>{_h(SECTION_CAPTIONS[title])}</p>"
            if title in SECTION_CAPTIONS
            else ""
        )
        + _html_table(records, cols)
        for title, records, cols in _sections(plan, wide=True)
    )
    return (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_h(p['chain_name'])}招商目标方案 · {_h(p['home_name'])}</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<h1>{_h(p['chain_name'])}招商目标方案 · {_h(p['home_name'])}</h1>"
        f"<p class='issuer'>{_h(issuing_line(plan))}</p>"
        f"<p class='sub'>{_h(p['chain_name_en'])} targeting plan for {_h(p['home_name'])} "
        f"({_h(p['home'])}) · 数据最新年份 latest figure year: {_h(p['data_year'] or '—')}</p>"
        f"<div class='summary'>{summary}</div>"
        + (f"<h2>说明 / Notes</h2><ul>{notes}</ul>" if notes else "")
        + body
        + _changes_html(plan)
        + (
            f"<h2>产业链图 / Chain diagram</h2><div class='diagram'>{diagram}</div>"
            if diagram
            else ""
        )
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
            f"<text x='{x}' y='14' font-weight='bold'>{_he(STAGE_LABELS[stage][0])}</text>"
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
            f"<g><title>{_he(name)} · {_he(_STATUS_ZH.get(st, '—'))}</title>"
            f"<rect x='{x}' y='{y}' width='{box_w}' height='{box_h}' rx='4' fill='{fill}' "
            f"stroke='{stroke}'/><text x='{x + 5}' y='{y + 14}' fill='{text_fill}'>"
            f"{_he(label)}</text></g>"
        )
    legend = " ".join(
        f"<span style='background:{col};color:#fff;padding:0 .4em'>{_he(_STATUS_ZH[k])}</span>"
        for k, col in _STATUS_COLOUR.items()
    )
    return (
        f"<svg width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img'>{''.join(parts)}</svg>"
        f"<p>{legend} · 粗框为重点领域 / thick border: key field</p>"
    )


# ---------------------------------------------------------------------- XLSX and DOCX


def write_plan_xlsx(plan: TargetingPlan, path: str | Path) -> Path:
    """Write the sheets 重点领域 / 重点区域 / 重点企业 / 境外企业 / 说明 (formula-safe, fixed
    properties), with Chinese labels, number formats and A4 landscape print setup."""
    from chainmap.outputs.tables import format_xlsx

    tables = plan_tables(plan, labels=True)
    path = write_xlsx(
        tables,
        path,
        headers=PLAN_HEADERS,
        title=f"{plan.params['chain_name']}招商目标方案",
    )
    specs = {
        sheet: {
            "number_formats": {
                i: _NUMBER_FORMATS[c]
                for i, c in enumerate(frame.columns, 1)
                if c in _NUMBER_FORMATS
            },
            "landscape": True,
            "title": f"{plan.params['chain_name']}招商目标方案 · {sheet}",
        }
        for sheet, frame in tables.items()
    }
    return format_xlsx(path, specs)


def _changes_rows(plan: TargetingPlan) -> list[dict[str, Any]]:
    """The ``--compare`` section as rows: change, kind, name, why."""
    ch = getattr(plan, "changes", None) or {}
    rows = []
    for key, change, kind in (
        ("fields_new", "新增", "重点领域"),
        ("fields_dropped", "移出", "重点领域"),
        ("enterprises_new", "新增", "重点企业"),
        ("enterprises_dropped", "移出", "重点企业"),
    ):
        for r in ch.get(key, []):
            rows.append({"change": change, "kind": kind, "name": r["name"], "why": r["why"]})
    return rows


_CHANGE_HEADERS = {"change": "变化", "kind": "类别", "name": "名称", "why": "原因"}


def _changes_title(plan: TargetingPlan) -> str:
    since = (getattr(plan, "changes", None) or {}).get("since") or "上次方案"
    return f"与上次方案相比 / Changes since the earlier plan ({since})"


def _changes_md(plan: TargetingPlan) -> list[str]:
    if getattr(plan, "changes", None) is None:
        return []
    rows = _changes_rows(plan)
    if not rows:
        return [f"## {_changes_title(plan)}\n", "_(重点领域与重点企业均无变化 / no change)_\n"]
    head = "| " + " | ".join(_CHANGE_HEADERS.values()) + " |"
    body = ["| " + " | ".join(_md_cell(r[k]) for k in _CHANGE_HEADERS) + " |" for r in rows]
    return [f"## {_changes_title(plan)}\n", "\n".join([head, "|---|---|---|---|", *body]) + "\n"]


def _changes_html(plan: TargetingPlan) -> str:
    if getattr(plan, "changes", None) is None:
        return ""
    rows = _changes_rows(plan)
    if not rows:
        return f"<h2>{_h(_changes_title(plan))}</h2><p>(重点领域与重点企业均无变化 / no change)</p>"
    head = "".join(f"<th>{v}</th>" for v in _CHANGE_HEADERS.values())
    body = "".join(
        "<tr>" + "".join(f"<td>{_h(r[k])}</td>" for k in _CHANGE_HEADERS) + "</tr>" for r in rows
    )
    return (
        f"<h2>{_h(_changes_title(plan))}</h2><table class='changes'><thead><tr>{head}</tr>"
        f"</thead><tbody>{body}</tbody></table>"
    )


# A4 in twips (1 mm = 56.7 twips) and the margins the DOCX pages use.
_A4_TWIPS = (11906, 16838)
_MARGIN_TWIPS = 850  # 15 mm
#: Cell text of DOCX tables, in points; one display unit is half a CJK character.
_TABLE_PT = 9
_CELL_PAD_TWIPS = 2 * 108
#: One display unit more than the text needs: glyph widths differ between fonts.
_SLACK = 2


def fit_widths(headers: Sequence[str], rows: Sequence[Sequence[str]], total: float) -> list[float]:
    """Column widths (in display units: ASCII 1, CJK 2) that share ``total`` by content.

    Max-min fair sharing, as a browser's automatic table layout does: columns whose
    longest cell fits their share get just that (numbers stay narrow), and the
    long-text columns (理由) split what is left. A header may wrap to two lines,
    never one character per line.

    Examples
    --------
    >>> fit_widths(["序号", "理由"], [["1", "很长的理由" * 10]], 60)
    [6, 54]
    """
    from chainmap.outputs.tables import display_width

    n = len(headers)
    need = []
    floor = []
    for i, h in enumerate(headers):
        hw = display_width(h)
        low = min(hw, max(4, -(-hw // 2)))
        low += low % 2 + _SLACK
        cell = max((display_width(x) for r in rows for x in r[i].split("\n")), default=0)
        cell += _SLACK
        floor.append(low)
        need.append(max(low, cell))
    widths = [0.0] * n
    left, todo = float(total), sorted(range(n), key=lambda i: (need[i], i))
    while todo:
        share = left / len(todo)
        i = todo[0]
        if need[i] <= share:
            widths[i] = need[i]
            left -= need[i]
            todo.pop(0)
            continue
        for i in todo:
            widths[i] = max(floor[i], share)
        break
    else:
        spare = left
        if spare > 0:  # everything fits: give the slack to the long columns
            grow = [i for i in range(n) if need[i] == max(need)]
            for i in grow:
                widths[i] += spare / len(grow)
    return [round(w, 1) if w != int(w) else int(w) for w in widths]


def _docx_cell_text(col: str, value: Any) -> str:
    shown = _shown(col, value)
    if isinstance(shown, (list, tuple)):
        shown = "、".join(map(str, shown))
    return "" if shown is None else str(neutralise(_fmt(shown)))


def _docx_table(doc, headers: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> Any:
    """A fixed-layout table ``width`` twips wide, columns fitted to content, header row
    repeated on each page, and no row split across pages."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, Twips

    # twips per display unit: half a 9 pt CJK character, plus 10% for Latin glyphs wider
    # than half an em and for font substitution
    unit = _TABLE_PT * 11
    units = fit_widths(headers, rows, (width - len(headers) * _CELL_PAD_TWIPS) / unit)
    twips = [int(u * unit + _CELL_PAD_TWIPS) for u in units]
    table = doc.add_table(rows=1 + len(rows), cols=len(headers))
    table.style = "Table Grid"
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    for col, w in zip(table.columns, twips, strict=True):
        col.width = Twips(w)
    for r, values in enumerate([list(headers), *rows]):
        row = table.rows[r]
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if r == 0:
            tr_pr.append(OxmlElement("w:tblHeader"))
        for cell, w, text in zip(row.cells, twips, values, strict=True):
            cell.width = Twips(w)
            para = cell.paragraphs[0]
            para.paragraph_format.space_after = Pt(0)
            run = para.add_run(xml_text(text))
            run.font.size = Pt(_TABLE_PT)
            run.bold = r == 0
            if r == 0:
                shade = OxmlElement("w:shd")
                shade.set(qn("w:val"), "clear")
                shade.set(qn("w:fill"), "E3F2FD")
                cell._tc.get_or_add_tcPr().append(shade)
    return table


def _docx_section(doc, *, landscape: bool, first: bool = False) -> int:
    """Start an A4 section (the first one is the document's own); return its text width."""
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Twips

    section = doc.sections[0] if first else doc.add_section(WD_SECTION.NEW_PAGE)
    short, long = (Twips(t) for t in _A4_TWIPS)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Twips(_MARGIN_TWIPS))
    return (_A4_TWIPS[1] if landscape else _A4_TWIPS[0]) - 2 * _MARGIN_TWIPS


def _docx_document(font: str):
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
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
    doc.styles["Title"].font.size = Pt(20)
    props = doc.core_properties
    props.author = "chainmap"
    props.last_modified_by = "chainmap"
    props.created = FIXED_XLSX_DATE
    props.modified = FIXED_XLSX_DATE
    props.revision = 1
    return doc


def _docx_records(doc, records: Sequence[Mapping[str, Any]], cols: Sequence[str], width: int):
    cols = _shown_columns(records, cols)
    rows = [[_docx_cell_text(c, r.get(c)) for c in cols] for r in records]
    return _docx_table(doc, [PLAN_HEADERS.get(c, c) for c in cols], rows, width)


def write_plan_docx(plan: TargetingPlan, path: str | Path, *, font: str = "宋体") -> Path:
    """Write a Word document on A4: a portrait cover (title, issuing line, summary,
    notes), the tables in a landscape section, then parameters and sources.

    Columns are fitted to their content, header rows repeat, and no row splits
    across pages. Uses ``font`` (宋体 by default, present on Windows intranet
    machines) for Chinese text. Requires the ``docx`` extra (python-docx).
    """
    p = plan.params
    doc = _docx_document(font)
    _docx_section(doc, landscape=False, first=True)
    doc.add_heading(xml_text(f"{p['chain_name']}招商目标方案 · {p['home_name']}"), level=0)
    issuer = doc.add_paragraph()
    issuer.add_run(xml_text(str(neutralise(issuing_line(plan))))).bold = True
    doc.add_paragraph(
        xml_text(
            f"{p['chain_name_en']} targeting plan for {p['home_name']} ({p['home']}); "
            f"数据最新年份 latest figure year: {p['data_year'] or '—'}"
        )
    )
    for line in _summary_md(plan).splitlines():
        doc.add_paragraph(xml_text(line.lstrip("- ")), style="List Bullet")
    if plan.notes:
        doc.add_heading("说明 / Notes", level=1)
        for n in plan.notes:
            doc.add_paragraph(xml_text(str(neutralise(n))), style="List Bullet")
    width = _docx_section(doc, landscape=True)
    for title, records, cols in _sections(plan):
        doc.add_heading(xml_text(title), level=1)
        if title in SECTION_CAPTIONS:
            doc.add_paragraph(xml_text(SECTION_CAPTIONS[title]))
        if not records:
            doc.add_paragraph("(无 / none)")
            continue
        _docx_records(doc, records, cols, width)
    if getattr(plan, "changes", None) is not None:
        doc.add_heading(xml_text(_changes_title(plan)), level=1)
        rows = _changes_rows(plan)
        if rows:
            _docx_table(
                doc,
                list(_CHANGE_HEADERS.values()),
                [[str(neutralise(r[k])) for k in _CHANGE_HEADERS] for r in rows],
                width,
            )
        else:
            doc.add_paragraph("(重点领域与重点企业均无变化 / no change)")
    _docx_section(doc, landscape=False)
    doc.add_heading("参数、方法与来源 / Parameters, method, sources", level=1)
    for k, v in _explanation_rows(plan):
        if k.startswith(("说明", "数据最新年份")):
            continue  # the notes and the figure year are already on page 1
        doc.add_paragraph(xml_text(f"{k}: {neutralise(v)}"))
    return _save_docx(doc, path)


def _save_docx(doc, path: str | Path) -> Path:
    """Save through a temp file beside ``path``, pin the zip times, then rename."""
    from chainmap.readwrite import atomic

    path = Path(path)
    with atomic.atomic_path(path) as tmp:
        doc.save(tmp)
        _pin_docx(tmp)
    return path


# ---------------------------------------------------------------------- the one-pager

#: Leads on the one-pager, and the longest line (display units) each "why" may take.
ONE_PAGE_LEADS = 10
_LINE_UNITS = 84
_PLACE_START = ("距", "地区未能解析", "境外企业", "在华最近基地", "同城", "已有合作", "集团在")
_RISK_START = ("风险", "登记风险提示")


def _clip(text: str, units: int = _LINE_UNITS) -> str:
    """``text`` cut to ``units`` display units with an ellipsis (one line in print)."""
    from chainmap.outputs.tables import display_width

    if display_width(text) <= units:
        return text
    out, used = [], 0
    for ch in text:
        used += display_width(ch)
        if used > units - 2:
            break
        out.append(ch)
    return "".join(out) + "…"


def _segment_gate(plan: TargetingPlan, segment: str) -> str:
    """The policy class and instrument on a segment, or its park warning, in Chinese."""
    st = plan.status
    if st is None or segment not in st.index:
        return ""
    row = st.loc[segment]
    pol = row.get("policy") if "policy" in st.columns else None
    if isinstance(pol, Mapping) and pol.get("class"):
        return f"{POLICY_ZH.get(pol['class'], pol['class'])}({pol.get('instrument') or ''})"
    warn = row.get("policy_warning") if "policy_warning" in st.columns else ""
    return "须入认定化工园区" if isinstance(warn, str) and warn else ""


#: The short note of a key field whose gap would supply only segments barred from new
#: capacity for controlled uses (:func:`chainmap.analysis.gaps.cap_phrases`).
DOWNSTREAM_CAPPED = "下游受控用途不得新建扩建"


def _downstream_capped(plan: TargetingPlan, segment: str) -> str:
    """The short note when ``segment``'s gap would supply only policy-gated held
    segments (:func:`chainmap.analysis.gaps.downstream_cap`), else ""."""
    from chainmap.analysis.gaps import cap_phrases, status_cap

    st = plan.status
    if st is None or plan.chain is None:
        return ""
    cap = status_cap(plan.chain, st, segment)
    return cap_phrases(cap)[2] if cap else ""


def lead_lines(plan: TargetingPlan, rec: Mapping[str, Any]) -> dict[str, str]:
    """One line each on why this firm, why this place, and the policy gate and risk flags.

    Split from the firm's reasons (the ranking's own words): place phrases are the
    zone, distance, ties and site; risk phrases start with 风险; the rest is the firm.
    """
    from chainmap.model import regions

    code = rec.get("region_code")
    zones = "、".join(regions.region_zones(code)) if isinstance(code, str) and code else ""
    firm, place, risk = [], [], []
    for part in _firm_reason(str(rec.get("reasons") or "")).split("; "):
        if not part:
            continue
        if part.startswith(_PLACE_START) or part == zones:
            place.append(part)
        elif part.startswith(_RISK_START):
            risk.append(part)
        else:
            firm.append(part)
    segment = str(rec.get("segment") or rec.get("field") or "")
    gates = [g for g in (_segment_gate(plan, segment), _downstream_capped(plan, segment)) if g]
    flags = [f for f in rec.get("flags") or [] if f.startswith("风险") and f not in risk]
    return {
        "firm": _clip("; ".join(firm) or "—"),
        "place": _clip("; ".join(place) or "—"),
        # (none found is not none: the policy table holds the rules read and sourced)
        # (the firm's own risk first: the cell is clipped, and the field's notes are
        # in the key-field table too)
        "gate": _clip("; ".join([*risk, *flags, *gates]) or "未见记录", 40),
    }


#: The caveat when no key field meets a policy row: the table holds the rules that were
#: read and sourced (``graphs/policy.csv``: the ODS and HFC notices), not every rule.
_NO_GATE_FOUND = (
    "政策表中重点领域均无限制或须入园条目; 政策表只收录已核实的条目, 立项前请另行核实"
    "产业结构调整指导目录、化工园区准入等要求"
)
#: The same when a key field's downstream is barred (said in its 政策 column): the fields
#: themselves meet no row, which must not read as "no restriction anywhere".
_NO_OWN_GATE_FOUND = (
    "政策表中重点领域本身均无限制或须入园条目(其下游环节的限制见政策列); 政策表只收录已核实的"
    "条目, 立项前请另行核实产业结构调整指导目录、化工园区准入等要求"
)


#: Under the one-pager's title when the plan's firms are the bundled sample: the first
#: screen must not read "萤石 缺失" as a fact about the county (its notes say it in full).
SAMPLE_SCOPE = "企业名单为内置样本, 不是本地企业全量名录: 现状(缺失/薄弱)以本地企业名录为准"


def _one_page_data(plan: TargetingPlan) -> dict[str, Any]:
    """What the one-pager shows, shared by its HTML and DOCX forms."""
    p = plan.params
    leads = sorted(plan.key_enterprises, key=lambda r: (r["rank"], r["enterprise_id"]))
    fields = [
        {
            "序号": str(f["rank"]),
            "重点领域": f["name_zh"],
            "策略": str(f.get("strategy") or "—"),
            "现状": STATUS_ZH.get(f["status"], f["status"]),
            "候选": str(f["candidates"]),
            "理由": _clip(_zh(str(f.get("reason") or "")).split(": ", 1)[-1], 70),
            "政策": _segment_gate(plan, f["id"]) or "—",
        }
        for f in plan.key_fields
    ]
    gates_none = all(f["政策"] == "—" for f in fields)
    for f, key in zip(fields, plan.key_fields, strict=True):  # (said apart from the reason,
        if capped := _downstream_capped(plan, key["id"]):  # which the page may clip)
            f["政策"] = capped if f["政策"] == "—" else f"{f['政策']}; {capped}"
    caps = not all(f["政策"] == "—" for f in fields)
    if not caps:  # nothing to say per field: the caveat says it
        for f in fields:
            del f["政策"]
    rows = []
    for i, r in enumerate(leads[:ONE_PAGE_LEADS], start=1):
        why = lead_lines(plan, r)
        rows.append(
            {
                "序号": str(i),
                "企业": f"{r['name']}\n{r.get('region') or '—'} · {r['field_name']}",
                "为何此企业": why["firm"],
                "为何此地": why["place"],
                "政策与风险": why["gate"],
            }
        )
    caveat = [
        f"数据最新年份 {p['data_year'] or '—'}; 企业动态截至 {p.get('signals_date') or '—'}; "
        f"企业名单: {'; '.join(_source_label(s) for s in p['sources']) or '—'}",
        *([_NO_OWN_GATE_FOUND if caps else _NO_GATE_FOUND] if gates_none and fields else []),
        *(_zh(n) for n in plan.notes),
        "得分是数据内的相对排序, 不是投资意向的证明; 接触前请核实企业现状、意向与政策适用。",
    ]
    return {
        "title": f"{p['chain_name']}招商简报 · {p['home_name']}",
        "issuer": issuing_line(plan),
        "scope": SAMPLE_SCOPE if p.get("sample") else "",
        "fields": fields,
        "leads": rows,
        "caveat": caveat,
        "more": max(0, len(leads) - ONE_PAGE_LEADS),
    }


_ONE_PAGE_CSS = (
    "body{font-family:"
    + _FONTS
    + """;color:#222;margin:0 auto;max-width:1100px;padding:12px;
font-size:15px;line-height:1.4}h1{font-size:1.55em;margin:0 0 .1em}
.issuer{font-weight:bold;color:#0d47a1;margin:0 0 .4em}.scope{color:#b71c1c;margin:0 0 .4em}h2{font-size:1.08em;margin:.6em 0 .25em;
border-bottom:2px solid #1565c0}table{border-collapse:collapse;width:100%}
th,td{border:1px solid #bbb;padding:3px 5px;vertical-align:top;text-align:left}
th{background:#e3f2fd;white-space:nowrap;word-break:keep-all}td.n{text-align:right;
white-space:nowrap}td.firm b{display:block}td.firm span{color:#555;font-size:.9em}
.caveat{font-size:.86em;color:#444;margin:.3em 0 0;padding-left:1.2em}
@media print{body{max-width:none;padding:0;font-size:9.6pt}}
@page{size:A4 portrait;margin:9mm}
"""
)


def one_page_html(plan: TargetingPlan) -> str:
    """The leaders' one-pager as self-contained HTML that prints on one A4 page."""
    d = _one_page_data(plan)
    fhead = "".join(f"<th>{k}</th>" for k in d["fields"][0]) if d["fields"] else ""
    frows = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=n' if k in ('序号', '候选') else ''}>{_h(v)}</td>" for k, v in f.items()
        )
        + "</tr>"
        for f in d["fields"]
    )
    lrows = []
    for r in d["leads"]:
        name, where = r["企业"].split("\n", 1)
        lrows.append(
            f"<tr><td class=n>{_h(r['序号'])}</td><td class=firm><b>{_h(name)}</b>"
            f"<span>{_h(where)}</span></td><td>{_h(r['为何此企业'])}</td>"
            f"<td>{_h(r['为何此地'])}</td><td>{_h(r['政策与风险'])}</td></tr>"
        )
    more = f"<p class=caveat>另有 {d['more']} 家重点企业见完整方案。</p>" if d["more"] else ""
    caveat = "".join(f"<li>{_h(c)}</li>" for c in d["caveat"])
    return (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_h(d['title'])}</title><style>{_ONE_PAGE_CSS}</style></head><body>"
        f"<h1>{_h(d['title'])}</h1><p class='issuer'>{_h(d['issuer'])}</p>"
        + (f"<p class='scope'>{_h(d['scope'])}</p>" if d["scope"] else "")
        + f"<h2>重点领域 ({len(d['fields'])}个)</h2>"
        + (
            f"<table><thead><tr>{fhead}</tr></thead><tbody>{frows}</tbody></table>"
            if frows
            else "<p>(无)</p>"
        )
        + f"<h2>重点企业 (前{len(d['leads'])}家)</h2>"
        "<table><colgroup><col style='width:3%'><col style='width:27%'><col style='width:32%'>"
        "<col style='width:21%'><col style='width:17%'></colgroup><thead><tr><th>序号</th>"
        "<th>企业 · 地区 · 领域</th><th>为何此企业</th><th>为何此地</th><th>政策与风险</th></tr>"
        f"</thead><tbody>{''.join(lrows)}</tbody></table>{more}"
        f"<h2>数据说明</h2><ul class='caveat'>{caveat}</ul></body></html>\n"
    )


def _write_one_page_docx(plan: TargetingPlan, path: Path, *, font: str = "宋体") -> Path:
    from docx.shared import Pt, Twips

    d = _one_page_data(plan)
    doc = _docx_document(font)
    _docx_section(doc, landscape=False, first=True)
    section = doc.sections[0]
    margin = 510  # 9 mm: the page holds ten leads
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Twips(margin))
    width = _A4_TWIPS[0] - 2 * margin
    doc.styles["Normal"].font.size = Pt(9)
    doc.styles["Normal"].paragraph_format.space_after = Pt(0)
    title = doc.add_paragraph()
    run = title.add_run(xml_text(d["title"]))
    run.bold, run.font.size = True, Pt(15)
    issuer = doc.add_paragraph()
    issuer.add_run(xml_text(str(neutralise(d["issuer"])))).bold = True
    if d["scope"]:
        doc.add_paragraph().add_run(xml_text(str(neutralise(d["scope"]))))
    for heading, records in (
        (f"重点领域 ({len(d['fields'])}个)", d["fields"]),
        (f"重点企业 (前{len(d['leads'])}家)", d["leads"]),
    ):
        para = doc.add_paragraph()
        para.paragraph_format.space_before = Pt(4)
        para.add_run(xml_text(heading)).bold = True
        if records:
            headers = list(records[0])
            rows = [[str(neutralise(r[h])) for h in headers] for r in records]
            _docx_table(doc, headers, rows, width)
    para = doc.add_paragraph()
    para.paragraph_format.space_before = Pt(4)
    para.add_run("数据说明").bold = True
    for c in d["caveat"]:
        bullet = doc.add_paragraph(xml_text(str(neutralise(c))), style="List Bullet")
        bullet.runs[0].font.size = Pt(8)
    return _save_docx(doc, path)


def write_one_page(plan: TargetingPlan, path: str | Path) -> Path:
    """Write the leaders' one-pager as ``.html``, ``.docx`` or ``.pdf`` (by the suffix).

    PDF is the HTML printed by a headless Chromium (:mod:`chainmap.outputs.printing`).
    """
    from chainmap.errors import InputError
    from chainmap.readwrite import atomic

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        atomic.write_text(path, one_page_html(plan))
    elif suffix == ".docx":
        _write_one_page_docx(plan, path)
    elif suffix == ".pdf":
        from chainmap.outputs.printing import html_to_pdf

        html_to_pdf(one_page_html(plan), path)
    else:
        raise InputError(
            f"一页简报不支持的格式 / unsupported one-pager format {suffix!r}",
            file=str(path),
            hint="use .html, .docx or .pdf",
        )
    return path


def _pin_docx(path: Path) -> None:
    from chainmap.outputs.tables import pin_zip_times

    pin_zip_times(path, FIXED_XLSX_DATE)


def write_plan(plan: TargetingPlan, path: str | Path, *, fmt: str | None = None) -> Path:
    """Write the plan as ``fmt`` (markdown, html, xlsx, docx, json), default from the suffix."""
    from chainmap.errors import InputError
    from chainmap.outputs.tables import to_json
    from chainmap.readwrite import atomic
    from chainmap.readwrite.formats import format_of

    path = Path(path)
    fmt = fmt or format_of(path)
    if fmt == "markdown":
        atomic.write_text(path, plan_to_markdown(plan))
    elif fmt == "html":
        atomic.write_text(path, plan_to_html(plan))
    elif fmt == "xlsx":
        write_plan_xlsx(plan, path)
    elif fmt == "docx":
        write_plan_docx(plan, path)
    elif fmt == "json":
        atomic.write_text(path, to_json(plan.to_dict()))
    else:
        raise InputError(
            f"不支持的方案格式 / unsupported plan format {fmt or path.suffix.lower()!r}",
            file=str(path),
            hint="use .md, .html, .xlsx, .docx or .json",
        )
    return path
