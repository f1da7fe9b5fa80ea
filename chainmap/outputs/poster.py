"""The static 招商图谱 poster: one page for slides and print (SVG, PNG, PDF).

What third-party 招商图谱 deliverables give a county, drawn from chainmap's own
results: stage columns grouped under 上游 / 中游 / 下游, one box per segment filled
by the home's status and tagged 补链 / 强链 / 延链, the home's anchor firms marked
★, the key target firms' short names listed in the box (best first), and a title,
the home, a legend, the data date and a source line.

The SVG is written directly: real ``<text>``, no script, every data string
XML-escaped, a CJK font stack that Chinese Windows, macOS and Linux all have.

Layout rules (``docs/poster.md``):

- Text never shrinks below :data:`MIN_FONT` px of the page. Segment names wrap
  at the box width (never inside a Latin word or number); firm lists wrap
  between names. A short name longer than a box line is cut with "…".
- A stage column taller than the page wraps into sub-columns. When the columns
  are wider than A4 landscape, the page becomes A3 landscape; when even A3 is too
  narrow, fewer target names are listed per box (3, then 2, then 1) and, last,
  the A3-wide page grows taller, which the footer states.
- Firm names are ``short_name`` when the data gives one, else derived by
  :func:`chainmap.model.names.derive_short_name`.

PNG and PDF are rendered from the SVG by the installed Chromium (see
:func:`write_poster`): it is the one renderer on a county office's Linux or
Windows machine that shapes Chinese text with system-font fallback; the
test suite already needs it, and nothing is downloaded at run time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
import os
from pathlib import Path
import shutil
import subprocess
import tempfile
from typing import TYPE_CHECKING, Any

from chainmap.errors import ChainmapError
from chainmap.model.names import derive_short_name
from chainmap.model.values import html_text
from chainmap.model.vocab import STAGE_BANDS, STAGE_LABELS
from chainmap.outputs import maps
from chainmap.outputs.textfit import clip_text, text_em, wrap_text
from chainmap.readwrite import atomic

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from chainmap.model.chain import Chain

__all__ = ["FONT_STACK", "MIN_FONT", "PAPERS", "Poster", "build_poster", "write_poster"]

#: Fonts for Chinese Windows (微软雅黑), macOS, then Linux (Noto / Source Han).
FONT_STACK = (
    "'Microsoft YaHei', 'PingFang SC', 'Noto Sans CJK SC', 'Source Han Sans SC', sans-serif"
)
#: The smallest font on the page, in px at 96 dpi (9 pt in print).
MIN_FONT = 12.5
#: Landscape paper in px at 96 dpi, and in mm for the PDF.
PAPERS: dict[str, tuple[float, float, int, int]] = {
    "A4": (1123.0, 794.0, 297, 210),
    "A3": (1587.0, 1123.0, 420, 297),
}

#: Box fill by the home's status (light, so black text reads), and the bar colour.
_FILLS: dict[str | None, tuple[str, str, str]] = {
    "strong": ("#c8e6c9", "#2e7d32", "优势 strong"),
    "weak": ("#fff3b0", "#f9a825", "薄弱 weak"),
    "missing": ("#ffcdd2", "#c62828", "缺失 missing"),
    "no_data": ("#eceff1", "#90a4ae", "无数据 no data"),
    None: ("#e3f2fd", "#1e88e5", "未评估 not assessed"),
}
_TAGS = {
    "补链": "#c62828",
    "强链": "#ef6c00",
    "延链": "#6a1b9a",
    "禁建": "#37474f",
    "入园": "#37474f",
}
#: What a gate tag means, in the legend (shown only when a box carries it).
_GATE_WORDS = {
    "禁建": "政策禁止新建/扩建 new capacity barred",
    "入园": "须进入化工园区 park required",
}
#: The tag of a policy-gated segment (graphs/policy.csv), by the class that gates it.
_GATE_TAGS = {
    "eliminated": "禁建",
    "banned_new": "禁建",
    "relocation_only": "禁建",
    "restricted": "禁建",
    "park_required": "入园",
}
_BANDS = {"上游": "#eef2f5", "中游": "#e3ecf5", "下游": "#eef2f5"}

_MARGIN = 20.0
_BOX_WIDTHS = (240.0, 220.0, 200.0, 180.0, 164.0, 150.0, 140.0, 130.0, 124.0)
_PAD = 6.0
_NAME_FONT = 15.0
# A CJK font's text box spans 1.16 em above the baseline and 0.29 em below
# (Noto Sans CJK / Source Han Sans; 微软雅黑 is smaller), so lines are 1.45 em + 1.
_ASCENT = 1.16
_NAME_LINE = 23.0
_LIST_FONT = MIN_FONT
_LIST_LINE = 19.5
_BOX_GAP = 8.0
_SUB_GAP = 8.0
_STAGE_GAP = 16.0
_TITLE_FONT = 26.0
_HEAD_FONT = 16.0
_BAND_FONT = 18.0
_HEADER_H = 76.0  # title and subtitle
_BANDS_H = 64.0  # band row (28) and stage headings (26), with gaps
_FOOTER_LINE = 20.0


@dataclass
class _Text:
    x: float
    y: float  # baseline
    text: str
    size: float
    box: str  # id of the rect the text must stay inside
    weight: str = "normal"
    fill: str = "#212121"
    anchor: str = "start"


@dataclass
class Poster:
    """A laid-out poster: page size, rectangles and texts; :meth:`svg` writes it."""

    paper: str
    width: float
    height: float
    rects: list[dict[str, Any]] = field(default_factory=list)
    texts: list[_Text] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def svg(self) -> str:
        """The poster as a standalone SVG document (UTF-8 text)."""
        esc = _esc
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(self.width)}" '
            f'height="{_n(self.height)}" viewBox="0 0 {_n(self.width)} {_n(self.height)}" '
            f'data-paper="{esc(self.paper)}">',
            f"<style>text {{ font-family: {FONT_STACK}; }}</style>",
        ]
        for r in self.rects:
            attrs = " ".join(
                f'{k.replace("_", "-")}="{esc(v) if isinstance(v, str) else _n(v)}"'
                for k, v in r.items()
            )
            out.append(f"<rect {attrs}/>")
        for t in self.texts:
            out.append(
                f'<text x="{_n(t.x)}" y="{_n(t.y)}" font-size="{_n(t.size)}" '
                f'font-weight="{t.weight}" fill="{t.fill}" text-anchor="{t.anchor}" '
                f'data-in="{esc(t.box)}">{esc(t.text)}</text>'
            )
        out.append("</svg>")
        return "\n".join(out) + "\n"


_esc = html_text


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------------- content


@dataclass
class _Box:
    sid: str
    stage: str
    name: str
    tag: str | None
    status: str | None
    anchors: list[str]
    targets: list[str]

    def lines(self, targets: int, width: float) -> list[tuple[str, str]]:
        """(kind, text) per line: name, tag, anchors, targets (at most ``targets`` names).

        The strategy tag sits at the right of the name's last line when it fits
        there (kind ``name+tag``), else on a line of its own.
        """
        inner = width - 2 * _PAD - 3
        name = wrap_text(self.name, inner / _NAME_FONT).split("\n")
        out = [("name", line) for line in name]
        if self.tag:
            tag = (text_em("〔补链〕") * MIN_FONT + 6) / _NAME_FONT
            if text_em(name[-1]) + tag <= inner / _NAME_FONT:
                out[-1] = ("name+tag", name[-1])
            else:
                out.append(("tag", ""))
        if self.anchors:
            out += [("anchor", s) for s in _list_lines("★本地 ", self.anchors, inner)]
        if self.targets and targets:
            out += [("target", s) for s in _list_lines("目标 ", self.targets[:targets], inner)]
        return out

    def height(self, targets: int, width: float) -> float:
        lines = self.lines(targets, width)
        names = sum(1 for k, _ in lines if k.startswith("name"))
        return 2 * _PAD + names * _NAME_LINE + (len(lines) - names) * _LIST_LINE


def _list_lines(prefix: str, names: Sequence[str], width: float) -> list[str]:
    """Names joined by 、 and wrapped between names; a name too long for a line is cut."""
    limit = width / _LIST_FONT
    lines: list[str] = []
    line = prefix
    for name in names:
        name = clip_text(name, limit - text_em(prefix))
        piece = name if line == prefix else "、" + name
        if text_em(line + piece) > limit and line != prefix:
            lines.append(line + "、")
            line = " " * 2 + name  # indent continuation lines under the prefix
        else:
            line += piece
    lines.append(line)
    return lines


def build_poster(
    chain: Chain,
    *,
    enterprises: pd.DataFrame | None = None,
    home: str | None = None,
    ranking: pd.DataFrame | None = None,
    status: pd.DataFrame | None = None,
    title: str | None = None,
    focus: str | None = None,
    data_date: str | None = None,
    source: str | None = None,
    top_per_segment: int = 3,
) -> Poster:
    """Lay out the poster of ``chain`` for the home's status and ranking.

    Parameters follow :func:`chainmap.outputs.maps.build_map`: with ``status=None``
    and enterprises given, ``segment_status`` is called; nothing else is computed.
    ``source`` is the source line (default: chainmap and the chain's id).

    Examples
    --------
    >>> from chainmap.model.chain import load_chain
    >>> poster = build_poster(load_chain("fluorochem"))
    >>> poster.paper, poster.svg().count("<text") > 50  # the whole chain: 7 stage columns
    ('A3', True)
    """
    from chainmap.analysis.gaps import segment_status
    from chainmap.model.home import resolve_home

    # One home for the colours, the anchors and the title, as in build_map.
    where = resolve_home(home) if home or enterprises is not None or status is not None else None
    if status is None and enterprises is not None and len(enterprises):
        status = segment_status(chain, enterprises, home=where)
    home_code = where.code if where is not None else None
    rows = maps._status_rows(status)
    shorts = _given_short_names(enterprises)
    targets = _targets(ranking, shorts, top_per_segment)
    boxes = []
    for seg in chain.ordered_segments():
        row = rows.get(seg.id, {})
        st = row.get("status") if row.get("status") in _FILLS else None
        tag = row.get("strategy") if row.get("strategy") in _TAGS else None
        if row.get("policy_gated") is True:  # barred for new capacity: say so on the box
            tag = _GATE_TAGS.get((row.get("policy") or {}).get("class"), "禁建")
        anchors = [
            shorts.get(name) or derive_short_name(name)
            for name in maps._as_list(row.get("anchors"))
        ]
        boxes.append(
            _Box(seg.id, seg.stage, seg.name_zh, tag, st, anchors, targets.get(seg.id, []))
        )
    home_label = maps._region_label(home_code) if home_code else None
    heading = title or maps._default_title(chain, home_label, focus)
    date = data_date or maps._data_date(enterprises)
    return _lay_out(
        boxes,
        heading=heading,
        home=home_label,
        date=date,
        source=source or f"来源 source: chainmap 产业链图谱 ({chain.id})",
        top=top_per_segment,
        statuses=sorted({b.status for b in boxes}, key=lambda s: list(_FILLS).index(s)),
    )


def _given_short_names(enterprises: pd.DataFrame | None) -> dict[str, str]:
    """Full name and enterprise id → the short name the data gives (or a derived one)."""
    out: dict[str, str] = {}
    if enterprises is None or not len(enterprises):
        return out
    for rec in enterprises.to_dict("records"):
        name = maps._text(rec.get("name")) or maps._text(rec.get("name_zh"))
        short = derive_short_name(name, rec.get("short_name"))
        for key in (name, maps._text(rec.get("enterprise_id"))):
            if key:
                out.setdefault(key, short)
    return out


def _targets(
    ranking: pd.DataFrame | None, shorts: Mapping[str, str], top: int
) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if ranking is None or not len(ranking) or top <= 0:
        return out
    frame = ranking
    if "rank" in frame.columns:
        frame = frame.sort_values(["rank", "enterprise_id"], kind="mergesort")
    for rec in frame.to_dict("records"):
        if rec.get("overseas") is True:  # no known China site: the plan's 境外 list, not a box
            continue
        sid = maps._text(rec.get("segment"))
        names = out.setdefault(sid, [])
        if len(names) >= top:
            continue
        name = maps._text(rec.get("name"))
        eid = maps._text(rec.get("enterprise_id"))
        short = derive_short_name(
            name, rec.get("short_name") or shorts.get(eid) or shorts.get(name)
        )
        if short not in names:
            names.append(short)
    return out


# ---------------------------------------------------------------------- layout


def _lay_out(
    boxes: list[_Box],
    *,
    heading: str,
    home: str | None,
    date: str | None,
    source: str,
    top: int,
    statuses: list[str | None],
) -> Poster:
    """Choose the paper and the number of listed targets, then place everything."""
    stages: list[list[_Box]] = []
    for box in boxes:
        if stages and stages[-1][0].stage == box.stage:
            stages[-1].append(box)
        else:
            stages.append([box])
    legend = _legend_items(
        statuses,
        any(b.anchors for b in boxes),
        any(b.targets for b in boxes),
        gates=sorted({b.tag for b in boxes if b.tag in ("禁建", "入园")}),
    )
    for paper in ("A4", "A3"):
        width, height, _, _ = PAPERS[paper]
        foot = _footer_height(legend, width)
        body = height - _MARGIN * 2 - _HEADER_H - _BANDS_H - foot
        for shown in range(top, 0, -1) if paper == "A3" else (top,):
            for box_w in _BOX_WIDTHS:  # the widest boxes that fit: fewer wrapped lines
                plan = _columns(stages, body, shown, box_w)
                if _plan_width(plan, box_w) <= width - 2 * _MARGIN:
                    return _place(
                        plan,
                        paper,
                        width,
                        height,
                        heading,
                        home,
                        date,
                        source,
                        shown,
                        legend,
                        box_w,
                    )
    # Even A3 is too narrow with one target per box: keep A3's width, grow the height.
    width, height, _, _ = PAPERS["A3"]
    box_w = _BOX_WIDTHS[-1]
    shown = min(top, 1)
    foot = _footer_height(legend, width)
    body = height - _MARGIN * 2 - _HEADER_H - _BANDS_H - foot
    while _plan_width(_columns(stages, body, shown, box_w), box_w) > width - 2 * _MARGIN:
        body += 40
    height = body + _MARGIN * 2 + _HEADER_H + _BANDS_H + foot
    plan = _columns(stages, body, shown, box_w)
    poster = _place(plan, "A3", width, height, heading, home, date, source, shown, legend, box_w)
    poster.notes.append("图幅超出 A3, 已加高 / taller than A3: print scaled to fit")
    return poster


def _columns(
    stages: list[list[_Box]], body: float, shown: int, box_w: float
) -> list[list[list[_Box]]]:
    """Per stage, its boxes split into as few sub-columns as fit ``body``, evenly filled."""
    plan = []
    for stage in stages:
        heights = [box.height(shown, box_w) for box in stage]
        runs = _runs(heights, body)
        lo, hi = max(heights), body  # the lowest limit that needs no more sub-columns
        for _ in range(24):
            mid = (lo + hi) / 2
            if len(_runs(heights, mid)) <= len(runs):
                hi = mid
            else:
                lo = mid
        cuts = _runs(heights, hi)
        plan.append([[stage[i] for i in run] for run in cuts])
    return plan


def _runs(heights: list[float], limit: float) -> list[list[int]]:
    """Indices split greedily into runs no taller than ``limit`` (gaps included)."""
    runs: list[list[int]] = [[]]
    used = 0.0
    for i, h in enumerate(heights):
        need = h + (_BOX_GAP if runs[-1] else 0)
        if runs[-1] and used + need > limit:
            runs.append([])
            need, used = h, 0.0
        runs[-1].append(i)
        used += need
    return runs


def _plan_width(plan: list[list[list[_Box]]], box_w: float) -> float:
    widths = [len(runs) * box_w + (len(runs) - 1) * _SUB_GAP for runs in plan]
    return sum(widths) + _STAGE_GAP * (len(widths) - 1)


def _legend_items(
    statuses: list[str | None], anchors: bool, targets: bool, *, gates: list[str] = ()
) -> list[tuple[str, str, str]]:
    """(kind, colour, text) entries, in reading order."""
    items = [("fill", _FILLS[s][0], _FILLS[s][2]) for s in statuses]
    items += [
        ("tag", colour, f"〔{tag}〕") for tag, colour in _TAGS.items() if tag not in _GATE_WORDS
    ]
    items += [("tag", _TAGS[g], f"〔{g}〕 = {_GATE_WORDS[g]}") for g in gates]
    if anchors:
        items.append(("text", "#1b5e20", "★本地 = 本地龙头企业 home anchors"))
    if targets:
        items.append(("text", "#212121", "目标 = 招引目标企业, 按得分排序 targets, best first"))
    return items


def _legend_width(item: tuple[str, str, str]) -> float:
    swatch = 26.0 if item[0] == "fill" else 0.0
    return swatch + text_em(item[2]) * MIN_FONT + 18


def _footer_height(legend: list[tuple[str, str, str]], width: float) -> float:
    rows, used = 1, 0.0
    for item in legend:
        w = _legend_width(item)
        if used and used + w > width - 2 * _MARGIN:
            rows, used = rows + 1, 0.0
        used += w
    return (rows + 1) * _FOOTER_LINE + 10  # legend rows + the source line


def _place(
    plan: list[list[list[_Box]]],
    paper: str,
    width: float,
    height: float,
    heading: str,
    home: str | None,
    date: str | None,
    source: str,
    shown: int,
    legend: list[tuple[str, str, str]],
    box_w: float,
) -> Poster:
    poster = Poster(paper=paper, width=width, height=height)
    poster.rects.append(
        {"id": "page", "x": 0, "y": 0, "width": width, "height": height, "fill": "#ffffff"}
    )
    inner = width - 2 * _MARGIN
    poster.texts.append(
        _Text(
            _MARGIN,
            _MARGIN + _TITLE_FONT,
            clip_text(heading, inner / _TITLE_FONT),
            _TITLE_FONT,
            "page",
            "bold",
        )
    )
    facts = [
        f"本地 home: {home or '未指定 not set'}",
        f"数据日期 data date: {date or '未注明 not stated'}",
    ]
    if shown:
        facts.append(f"每环节前 {shown} 家目标企业 / top {shown} targets")
    poster.texts.append(
        _Text(
            _MARGIN,
            _MARGIN + _TITLE_FONT + 26,
            clip_text(" · ".join(facts), inner / 14),
            14,
            "page",
            fill="#455a64",
        )
    )
    top = _MARGIN + _HEADER_H
    body_top = top + _BANDS_H
    foot = _footer_height(legend, width)
    body_h = height - _MARGIN - foot - body_top
    x = _MARGIN + (inner - _plan_width(plan, box_w)) / 2
    bands: list[tuple[str, float, float]] = []
    for runs in plan:
        left = x
        stage = runs[0][0].stage
        for run in runs:
            y = body_top
            for box in run:
                _draw_box(poster, box, x, y, shown, box_w)
                y += box.height(shown, box_w) + _BOX_GAP
            x += box_w + _SUB_GAP
        right = x - _SUB_GAP
        hid = f"head-{stage}"
        poster.rects.append(
            {
                "id": hid,
                "x": left,
                "y": top + 32,
                "width": right - left,
                "height": 26,
                "fill": "none",
            }
        )
        poster.texts.append(
            _Text(
                (left + right) / 2,
                top + 32 + 1 + _ASCENT * _HEAD_FONT,
                STAGE_LABELS[stage][0],
                _HEAD_FONT,
                hid,
                "bold",
                "#37474f",
                "middle",
            )
        )
        band = STAGE_BANDS[stage][0]
        if bands and bands[-1][0] == band:
            bands[-1] = (band, bands[-1][1], right)
        else:
            bands.append((band, left, right))
        x = right + _STAGE_GAP
    for band, left, right in bands:
        bid = f"band-{band}"
        poster.rects.insert(
            1,
            {
                "id": f"{bid}-area",
                "x": left - 8,
                "y": top,
                "width": right - left + 16,
                "height": body_top - top + body_h + 4,
                "fill": _BANDS[band],
                "rx": 6,
            },
        )
        poster.rects.append(
            {
                "id": bid,
                "x": left - 8,
                "y": top,
                "width": right - left + 16,
                "height": 28,
                "fill": "#cfd8dc",
                "rx": 6,
            }
        )
        poster.texts.append(
            _Text(
                (left + right) / 2,
                top + 0.5 + _ASCENT * _BAND_FONT,
                band,
                _BAND_FONT,
                bid,
                "bold",
                "#263238",
                "middle",
            )
        )
    _draw_legend(poster, legend, height - _MARGIN - foot + 8, width)
    poster.texts.append(
        _Text(
            _MARGIN,
            height - _MARGIN,
            clip_text(source, inner / MIN_FONT),
            MIN_FONT,
            "page",
            fill="#607d8b",
        )
    )
    return poster


def _draw_box(poster: Poster, box: _Box, x: float, y: float, shown: int, box_w: float) -> None:
    fill, bar, _ = _FILLS[box.status]
    rid = f"seg-{box.sid}"
    poster.rects.append(
        {
            "id": rid,
            "x": x,
            "y": y,
            "width": box_w,
            "height": box.height(shown, box_w),
            "fill": fill,
            "stroke": bar,
            "stroke_width": 1.2,
            "rx": 4,
        }
    )
    poster.rects.append(
        {"x": x, "y": y, "width": 5, "height": box.height(shown, box_w), "fill": bar, "rx": 2}
    )
    cy = y + _PAD
    for kind, text in box.lines(shown, box_w):
        if kind.startswith("name"):
            base = cy + 0.5 + _ASCENT * _NAME_FONT
            cy += _NAME_LINE
            poster.texts.append(_Text(x + _PAD + 3, base, text, _NAME_FONT, rid, "bold"))
        else:
            base = cy + 0.5 + _ASCENT * _LIST_FONT
            cy += _LIST_LINE
        if kind in ("name+tag", "tag") and box.tag:
            poster.texts.append(
                _Text(
                    x + box_w - _PAD,
                    base,
                    f"〔{box.tag}〕",
                    MIN_FONT,
                    rid,
                    "bold",
                    _TAGS[box.tag],
                    "end",
                )
            )
        elif kind in ("anchor", "target"):
            colour = "#1b5e20" if kind == "anchor" else "#212121"
            poster.texts.append(_Text(x + _PAD + 3, base, text, _LIST_FONT, rid, fill=colour))


def _draw_legend(
    poster: Poster, legend: list[tuple[str, str, str]], y: float, width: float
) -> None:
    x = _MARGIN
    base = y + _FOOTER_LINE - 6
    for item in legend:
        w = _legend_width(item)
        if x > _MARGIN and x + w > width - _MARGIN:
            x, base = _MARGIN, base + _FOOTER_LINE
        kind, colour, text = item
        tx = x
        if kind == "fill":
            poster.rects.append(
                {
                    "x": x,
                    "y": base - 12,
                    "width": 20,
                    "height": 14,
                    "fill": colour,
                    "stroke": "#455a64",
                }
            )
            tx = x + 26
        poster.texts.append(
            _Text(
                tx,
                base,
                text,
                MIN_FONT,
                "page",
                "bold" if kind == "tag" else "normal",
                colour if kind != "fill" else "#212121",
            )
        )
        x += w


# ---------------------------------------------------------------------- files


def write_poster(poster: Poster, path: str | Path) -> Path:
    """Write the poster as ``.svg``, ``.png`` or ``.pdf`` (by suffix), atomically.

    PNG (at twice the page's pixels) and PDF (A4 or A3 landscape) are rendered by
    headless Chromium (``CHAINMAP_CHROMIUM`` or ``chromium`` on PATH) with the
    system's CJK fonts; where either is missing, one line says what to install.
    """
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in (".svg", ".png", ".pdf"):
        raise ChainmapError(
            f"{out.name}: 图谱格式为 .html/.svg/.png/.pdf / write .html, .svg, .png or .pdf"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chainmap-poster-") as tmp:
        part = Path(tmp) / f"poster{suffix}"
        if suffix == ".svg":
            part.write_text(poster.svg(), encoding="utf-8")
        else:
            _render(poster, part, suffix)
        data = part.read_bytes()
        if suffix == ".pdf":  # Chromium stamps the time of printing
            from chainmap.outputs.printing import pin_pdf_dates

            data = pin_pdf_dates(data)
        # a temporary file next to ``out``, then a rename: also when /tmp is another disk
        atomic.write_bytes(out, data)
    return out


def _chromium() -> str:
    for candidate in (
        os.environ.get("CHAINMAP_CHROMIUM"),
        "chromium",
        "chromium-browser",
        "google-chrome",
    ):
        found = candidate and shutil.which(candidate)
        if found:
            return found
    raise ChainmapError(
        "PNG/PDF 需要 Chromium / PNG and PDF need Chromium: install it (Debian: apt-get install "
        "chromium fonts-noto-cjk) or set CHAINMAP_CHROMIUM, or write .svg instead"
    )


def _check_cjk_fonts() -> None:
    fc = shutil.which("fc-list")
    if fc is None:
        return  # no fontconfig (Windows, macOS): the system fonts in FONT_STACK are there
    found = subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True, check=False)
    if not found.stdout.strip():
        raise ChainmapError(
            "没有中文字体 / no Chinese font installed: install fonts-noto-cjk (Debian) "
            "or write .svg and open it where Chinese fonts are installed"
        )


def _render(poster: Poster, part: Path, suffix: str) -> None:
    binary = _chromium()
    _check_cjk_fonts()
    _, _, mm_w, mm_h = PAPERS[poster.paper]
    scale = (
        1.0
        if poster.height <= PAPERS[poster.paper][1] + 0.5
        else PAPERS[poster.paper][1] / poster.height
    )
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><style>"
        f"@page {{ size: {mm_w}mm {mm_h}mm; margin: 0 }} html, body {{ margin: 0 }}"
        f" svg {{ display: block; width: {_n(poster.width * scale)}px; height: {_n(poster.height * scale)}px }}"
        "</style></head><body>" + poster.svg().split("\n", 1)[1] + "</body></html>"
    )
    work = part.parent
    src = work / "poster.html"
    src.write_text(page, encoding="utf-8")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={work / 'profile'}",
    ]
    if suffix == ".pdf":
        flags += ["--no-pdf-header-footer", f"--print-to-pdf={part}"]
    else:
        flags += [
            f"--screenshot={part}",
            "--force-device-scale-factor=2",
            f"--window-size={int(poster.width)},{int(poster.height)}",
        ]
    try:
        done = subprocess.run(
            [binary, *flags, src.as_uri()], capture_output=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ChainmapError(
            f"Chromium 渲染失败 / Chromium failed to render the poster: {exc}"
        ) from None
    if done.returncode != 0 or not part.exists() or part.stat().st_size == 0:
        raise ChainmapError(
            "Chromium 渲染失败 / Chromium failed to render the poster "
            f"(exit {done.returncode}); write .svg instead"
        )
