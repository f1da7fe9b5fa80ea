"""Interactive HTML chain maps (产业链图谱): offline, escaped, and linear in size.

:func:`build_map` lays a chain out left to right by stage, colours each segment
by the home region's status, and adds enterprise satellites. It returns a
:class:`pyvis.network.Network` and does no I/O. :func:`map_html`,
:func:`write_map` and :func:`display_map` turn it into one self-contained page.

Why not pyvis's own ``write_html``: pyvis 0.3.2 links Bootstrap from a CDN even
in ``in_line`` mode, inserts the heading and select menu as raw HTML, and its
``add_node``/``add_edge`` check duplicates with a linear scan (O(N²) overall).
Here the node and edge lists are built directly, all data travels as JSON in a
``<script type="application/json">`` block, tooltips are built in the browser
with ``textContent``, and vis-network's script and stylesheet (shipped inside
the pyvis package, Apache-2.0/MIT, licence header kept) are inlined.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
import functools
import html
import json
import math
from pathlib import Path
import re
from typing import TYPE_CHECKING, Any

from chainmap.model.names import derive_short_name
from chainmap.model.values import html_text, json_escaped
from chainmap.model.vocab import STAGE_BANDS, STAGE_LABELS
from chainmap.outputs.textfit import clip_text, text_em, wrap_text

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from pyvis.network import Network

    from chainmap.model.chain import Chain
    from chainmap.model.home import Home

__all__ = [
    "PHYSICS_MAX_NODES",
    "RELATION_STYLES",
    "SMALL_DATA",
    "STATUS_COLOURS",
    "STRATEGY_STYLES",
    "build_map",
    "display_map",
    "map_html",
    "write_map",
]

#: Fill colour of a segment by the home region's status; ``None`` when no status is known.
STATUS_COLOURS: dict[str | None, str] = {
    "strong": "#43a047",
    "weak": "#fbc02d",
    "missing": "#e53935",
    "no_data": "#bdbdbd",
    None: "#90caf9",
}
_STATUS_LABELS = {
    "strong": "优势 strong",
    "weak": "薄弱 weak",
    "missing": "缺失 missing",
    "no_data": "无数据 no data",
    None: "未评估 not assessed",
}
#: Border style of a segment by strategy (the label also carries the strategy tag).
STRATEGY_STYLES: dict[str, dict[str, Any]] = {
    "补链": {"borderWidth": 3, "shapeProperties": {"borderDashes": [8, 4]}},
    "强链": {"borderWidth": 5, "shapeProperties": {"borderDashes": False}},
    "延链": {"borderWidth": 3, "shapeProperties": {"borderDashes": [2, 4]}},
}
_STRATEGY_LABELS = {"补链": "补链 fill", "强链": "强链 strengthen", "延链": "延链 extend"}
#: Edge style by link relation.
RELATION_STYLES: dict[str, dict[str, Any]] = {
    "feedstock_of": {"color": "#455a64", "width": 2, "dashes": False},
    "used_in": {"color": "#1e88e5", "width": 1.5, "dashes": [8, 5]},
}
_RELATION_LABELS = {"feedstock_of": "原料供应 feedstock of", "used_in": "用于 used in"}
# Border colours of member chains; none is close to a status fill, black marks shared segments.
_MEMBER_COLOURS = ("#1565c0", "#00897b", "#8e24aa", "#6d4c41", "#f57c00", "#5e35b1")
_SHARED_COLOUR = "#000000"
_TARGET_COLOUR = "#ff7043"
#: CJK-safe font stack for canvas text: Chinese Windows, macOS, then Linux.
_FONT_FACE = (
    '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif'
)
_ANCHOR_COLOUR = "#1b5e20"
_ENTERPRISE_COLOUR = "#78909c"

#: Without a ranking, show every enterprise when the table has at most this many rows.
SMALL_DATA = 200
#: Above this many nodes ``physics=True`` is ignored: stabilisation would freeze the page.
PHYSICS_MAX_NODES = 1500


# ---------------------------------------------------------------------- build


def build_map(
    chain: Chain,
    *,
    enterprises: pd.DataFrame | None = None,
    home: str | Home | None = None,
    ranking: pd.DataFrame | None = None,
    status: pd.DataFrame | None = None,
    top_per_segment: int | None = 5,
    physics: bool = False,
    title: str | None = None,
    data_date: str | None = None,
    projects: Mapping[str, Sequence[str]] | None = None,
    focus: str | None = None,
) -> Network:
    """Build an interactive map of ``chain`` with status colours and enterprise satellites.

    Parameters
    ----------
    chain
        Any chain, including a joined one (member chains get their own border colour).
    enterprises
        Enterprise table (canonical columns). Home-region firms become highlighted
        anchors; without ``ranking`` the others become satellites (all of them when the
        table has at most ``SMALL_DATA`` rows, else the ``top_per_segment`` largest by revenue).
    home
        Home region (adcode, name or :class:`~chainmap.model.home.Home`); decides which
        enterprises are local anchors. None means the profile's home when
        ``enterprises`` or ``status`` is given.
    ranking
        Output of ``rank_enterprises``: the top ``top_per_segment`` targets per segment
        become satellites sized by score, with score, region and reasons in the tooltip.
    status
        Output of ``segment_status`` (indexed by segment id): fills the segment colours,
        strategies and anchors. When not given, ``segment_status(chain, enterprises,
        home=home)`` computes it (the map module computes nothing else); without
        either, segments are drawn in a neutral colour. For a neighbourhood of a
        chain, pass the status of the whole chain, as ``chainmap map --segment`` does:
        location quotients depend on every segment of the chain.
    projects
        Segment id → names of projects in the pipeline there (from a ledger, see
        ``chainmap.analysis.kpi.active_projects``): such segments are marked
        ``▶N`` and list the projects in their tooltip.
    top_per_segment
        Targets kept per segment; ``None`` keeps all.
    physics
        Let vis-network's physics move the precomputed positions (off by default).
    title
        Page title; default the chain, the home and the focus segment.
    focus
        The segment a neighbourhood view is drawn around (named in the title).
    data_date
        The date shown in the title block; default the latest ``revenue_year`` in
        ``enterprises``. Never taken from the clock.

    Returns
    -------
    pyvis.network.Network
        With ``nodes``/``edges`` filled and the page metadata in ``net.chainmap``.

    Examples
    --------
    >>> from chainmap.model.chain import load_chain
    >>> net = build_map(load_chain("fluorochem"))
    >>> len(net.nodes) == len(load_chain("fluorochem"))
    True
    >>> net.options["physics"]["enabled"]
    False
    """
    from pyvis.network import Network

    from chainmap.analysis.gaps import segment_status
    from chainmap.model.home import resolve_home

    _check_frame("enterprises", enterprises, ("name",), "an enterprise table (read_enterprises)")
    _check_frame("ranking", ranking, _RANKING_COLUMNS, "the output of rank_enterprises")
    _check_frame("status", status, ("status",), "the output of segment_status")
    # One home for the colours, the anchors and the title: ``home``, else the profile's.
    where = resolve_home(home) if home or enterprises is not None or status is not None else None
    if status is None and enterprises is not None and len(enterprises):
        status = segment_status(chain, enterprises, home=where)
    home_code = where.code if where is not None else None
    status_rows = _status_rows(status)
    satellites = _satellites(
        chain, enterprises, ranking, status_rows, where, top_per_segment=top_per_segment
    )
    members = tuple(chain.members)
    member_colour = {m: _MEMBER_COLOURS[i % len(_MEMBER_COLOURS)] for i, m in enumerate(members)}

    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    seg_nodes: dict[str, dict[str, Any]] = {}
    for seg in chain.ordered_segments():
        row = status_rows.get(seg.id, {})
        node = _segment_node(seg, row, chain.membership.get(seg.id, ()), member_colour)
        mine = list((projects or {}).get(seg.id, ()))
        if mine:  # projects in the pipeline: the briefing's "where is work under way"
            node["label"] += f"\n▶{len(mine)}个项目"
            node["title"] += "\n在谈/在建项目 projects: " + "、".join(mine)
            node["projects"] = len(mine)
        seg_nodes[seg.id] = node
        nodes.append(node)
    # A firm near several segments is one node, placed by the first; the others get a spoke.
    ent_nodes: dict[str, dict[str, Any]] = {}
    chips: dict[str, list[str]] = {}
    spokes: list[tuple[str, str]] = []
    for seg in chain.ordered_segments():
        for sat in satellites.get(seg.id, ()):
            nid = sat["id"]
            if nid not in ent_nodes:
                node = {**sat["node"], "id": nid}
                ent_nodes[nid] = node
                chips.setdefault(seg.id, []).append(node["label"])
                node["_at"] = (seg.id, len(chips[seg.id]) - 1)
            else:
                ent_nodes[nid]["title"] += f"\n也在 also in: {seg.name_zh} ({seg.id})"
            spokes.append((nid, seg.id))
    layout = _layout(chain, {sid: n["label"] for sid, n in seg_nodes.items()}, chips)
    for sid, node in seg_nodes.items():
        node["x"], node["y"] = layout.segments[sid]
    for node in ent_nodes.values():
        node["x"], node["y"] = layout.chips[node.pop("_at")]
        node["font"]["size"] = layout.chip_font
        node["margin"] = round(layout.chip_font * _CHIP_PAD, 1)
        nodes.append(node)
    positions = layout.segments
    for link in chain.links:
        edges.append(_link_edge(chain, link, positions))
    for nid, sid in spokes:
        edges.append(
            {
                "from": nid,
                "to": f"seg:{sid}",
                "kind": "satellite",
                "color": {"color": "#b0bec5"},
                "width": 1,
                "arrows": {"to": {"enabled": False}},
            }
        )
    for i, edge in enumerate(edges):
        edge["id"] = f"e{i}"

    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line")
    net.nodes = nodes
    net.edges = edges
    net.node_ids = [n["id"] for n in nodes]
    net.node_map = {n["id"]: n for n in nodes}
    notes = []
    if physics and len(nodes) > PHYSICS_MAX_NODES:
        physics = False  # stabilising thousands of nodes freezes the browser
        notes.append(
            f"节点过多, 已关闭力导向 / physics off: {len(nodes)} nodes > {PHYSICS_MAX_NODES}"
        )
    net.options = _options(physics=physics, large=len(nodes) > 1000)
    date = data_date or _data_date(enterprises)
    home_label = _region_label(home_code) if home_code else None
    net.chainmap = {
        "title": title or _default_title(chain, home_label, focus),
        "chain_id": chain.id,
        "home": home_label,
        "data_date": date,
        "legend": _legend(
            members=members,
            member_colour=member_colour,
            statuses=[
                r.get("status") for sid, r in status_rows.items() if sid in chain.segments_by_id
            ]
            or [None],
            has_status=bool(status_rows),
            satellites=[k for k in _CHIP_STYLES if any(n["kind"] == k for n in ent_nodes.values())],
            projects=any(n.get("projects") for n in seg_nodes.values()),
        ),
        "decor": layout.decor,
        "notes": notes,
        "counts": {
            "segments": len(chain),
            "links": len(chain.link_list),
            "enterprises": len(ent_nodes),
        },
    }
    return net


def _default_title(chain: Chain, home: str | None, focus: str | None) -> str:
    """产业链招商图谱 · home · 聚焦 segment: what a briefing slide's heading says."""
    parts = [f"{chain.name_zh}招商图谱" if chain.name_zh else f"{chain.name_en} map"]
    parts.append(home.split(" (")[0] if home else "未指定本地 home not set")
    seg = chain.segments_by_id.get(focus or "")
    if seg is not None:
        parts.append(f"聚焦 {seg.name_zh}")
    return " · ".join(parts)


def _segment_node(
    seg: Any,
    row: Mapping[str, Any],
    in_chains: Iterable[str],
    member_colour: Mapping[str, str],
) -> dict[str, Any]:
    status = row.get("status") or None
    status = status if status in STATUS_COLOURS else None
    strategy = row.get("strategy") if row.get("strategy") in STRATEGY_STYLES else None
    in_chains = tuple(in_chains)
    if len(member_colour) > 1:
        border = (
            _SHARED_COLOUR if len(in_chains) > 1 else member_colour.get(in_chains[0], "#37474f")
        )
    else:
        border = "#37474f"
    stage_zh, stage_en = STAGE_LABELS[seg.stage]
    label = _wrap(seg.name_zh) + (f"\n〔{strategy}〕" if strategy else "")
    lines = [
        f"{seg.name_zh} / {seg.name_en}" if seg.name_en else seg.name_zh,
        f"编号 id: {seg.id} · 阶段 stage: {stage_zh} / {stage_en}",
        f"状态 status: {_STATUS_LABELS[status]}"
        + (f" · 策略 strategy: {_STRATEGY_LABELS[strategy]}" if strategy else ""),
    ]
    measures = [
        f"{name}: {_fmt(row.get(key))}"
        for key, name in (
            ("count_home", "本地 home"),
            ("count_total", "全部 total"),
            ("lq", "LQ"),
            ("feasibility", "可行性 feasibility"),
        )
        if key in row and _fmt(row.get(key)) != ""
    ]
    if measures:
        lines.append(" · ".join(measures))
    if row.get("reason"):
        lines.append(f"理由 reason: {row['reason']}")
    anchors = _as_list(row.get("anchors"))
    if anchors:
        lines.append("本地企业 anchors: " + "、".join(anchors))
    if len(member_colour) > 1:
        lines.append("所属产业链 chains: " + ", ".join(in_chains))
    node: dict[str, Any] = {
        "id": f"seg:{seg.id}",
        "label": label,
        "title": "\n".join(lines),
        "shape": "box",
        "shapeProperties": {"borderRadius": _RADIUS},
        "margin": _MARGIN,
        "color": {
            "background": STATUS_COLOURS[status],
            "border": border,
            "highlight": {"background": "#fff59d", "border": "#000000"},
        },
        "font": {"size": _FONT, "color": "#212121"},
        "borderWidth": 1.5,
        "kind": "segment",
        "stage": seg.stage,
        "status": status,
        "strategy": strategy,
        "search": " ".join((seg.id, seg.name_zh, seg.name_en, *seg.keywords)),
    }
    if strategy:
        style = STRATEGY_STYLES[strategy]
        node["borderWidth"] = style["borderWidth"]
        node["shapeProperties"] = {**node["shapeProperties"], **style["shapeProperties"]}
    return node


def _link_edge(chain: Chain, link: Any, positions: Mapping[str, tuple[float, float]]) -> dict:
    up, down = chain.segments_by_id[link.upstream], chain.segments_by_id[link.downstream]
    style = RELATION_STYLES.get(link.relation, RELATION_STYLES["feedstock_of"])
    # Links back to an earlier stage, or within one column, would be hidden behind the
    # column's boxes if drawn straight: curve them.
    back = down.stage_order <= up.stage_order
    lines = [f"{up.name_zh} → {down.name_zh}", _RELATION_LABELS.get(link.relation, link.relation)]
    if down.stage_order < up.stage_order:
        lines.append("回流至更早阶段 / runs back to an earlier stage")
    if link.note:
        lines.append(f"说明 note: {link.note}")
    edge: dict[str, Any] = {
        "from": f"seg:{link.upstream}",
        "to": f"seg:{link.downstream}",
        "kind": link.relation,
        "title": "\n".join(lines),
        "color": {"color": style["color"], "highlight": "#000000"},
        "width": style["width"],
        "dashes": style["dashes"],
    }
    if back:
        above = positions[link.downstream][1] <= positions[link.upstream][1]
        edge["smooth"] = {
            "enabled": True,
            "type": "curvedCW" if above else "curvedCCW",
            "roundness": 0.45,
        }
        edge["back"] = True
    return edge


# ---------------------------------------------------------------------- layout

# Sizes are world units (vis-network canvas px at zoom 1). The page fits the whole
# drawing to its canvas on load, so legibility is the ratio of text to drawing: the
# layout packs columns so that _FONT × (fit scale) is at least 12 px on a 1366×768
# laptop, whose canvas is about _CANVAS px once the header and legend are drawn.
_FONT = 20  # segment labels
_HEAD_FONT = 22  # stage headings and the 上游/中游/下游 band
_CHIP_FONTS = (14, 12, 10, 8, 6)  # satellite names: the largest that reads at the first view
_CHIP_SHOW_PX = 12  # smaller than this on screen, a chip's name is not drawn (zoom in)
_WRAP_EM = 5.0  # segment names wrap at this many em (a CJK character is 1 em)
_MARGIN = 5  # box padding, all sides
_LINE = 1.1  # line height / font size; vis-network's is 1.0
_RADIUS = 3  # corner radius of segment boxes
_CHIP_RADIUS = 2
_CHIP_PAD = 0.35  # chip padding / chip font
_CHIP_GAP = 2  # between stacked chips
_CHIP_DX = 8  # between a segment box and its chips
_ROW_GAP = 12  # between segment slots
_SUB_GAP = 22  # between sub-columns of one stage
_STAGE_GAP = 40  # between stages: room for the links and their arrows
_CANVAS = (1360.0, 640.0)
_FIT_PAD = 8  # the page's fit leaves this much room around the drawing (world units)
_CHIP_MAX_EM = 6.0  # longer short names are cut with "…"; the tooltip has the full name


@dataclass
class _Layout:
    """Precomputed positions: segment centres, chip centres, and the drawn headings."""

    segments: dict[str, tuple[float, float]]
    chips: dict[tuple[str, int], tuple[float, float]]
    decor: list[dict[str, Any]]
    chip_font: float
    scale: float  # the fit scale expected on the laptop canvas


def _wrap(name: str, limit: float = _WRAP_EM) -> str:
    return wrap_text(name, limit)


def _clip(text: str, limit: float = _CHIP_MAX_EM) -> str:
    return clip_text(text, limit)


def _box_size(
    label: str, font: float, margin: float, radius: float, border: float = 5
) -> tuple[float, float]:
    """A bound on vis-network's bounding box of a ``box`` node with this label.

    vis-network pads a box's bounding box by its corner radius on every side; the
    border (up to 5 px for 强链) is added whole, with 1 px of slack.
    """
    lines = label.split("\n")
    pad = 2 * margin + 2 * radius + border + 1
    return max(text_em(line) for line in lines) * font + pad, len(lines) * font * _LINE + pad


def _column_order(chain: Chain) -> list[list[str]]:
    """Segment ids per stage column, rows ordered by barycentre.

    A few deterministic barycentre sweeps (Sugiyama et al. 1981) reduce crossings;
    ties break on the previous order, then on id.
    """
    columns: dict[int, list[str]] = {}
    for seg in chain.ordered_segments():
        columns.setdefault(seg.stage_order, []).append(seg.id)
    col_keys = sorted(columns)
    col_of = {sid: c for c, ids in columns.items() for sid in ids}
    order = {sid: i - (len(ids) - 1) / 2 for ids in columns.values() for i, sid in enumerate(ids)}
    neighbours: dict[str, list[str]] = {sid: [] for sid in col_of}
    for link in chain.link_list:
        if link.upstream in col_of and link.downstream in col_of:
            neighbours[link.upstream].append(link.downstream)
            neighbours[link.downstream].append(link.upstream)

    def sweep(keys: list[int], before: bool) -> None:
        for c in keys:
            ids = columns[c]
            prev = {sid: i for i, sid in enumerate(ids)}

            def bary(sid: str, c: int = c, prev: dict = prev) -> tuple[float, int, str]:
                near = [
                    order[n]
                    for n in neighbours[sid]
                    if (col_of[n] < c if before else col_of[n] > c)
                ]
                centre = sum(near) / len(near) if near else float(prev[sid])
                return (centre, prev[sid], sid)

            ids.sort(key=bary)
            # Centred like the final layout, so barycentres compare across columns.
            for i, sid in enumerate(ids):
                order[sid] = i - (len(ids) - 1) / 2

    for _ in range(3):
        sweep(col_keys[1:], before=True)
        sweep(col_keys[-2::-1], before=False)
    return [columns[c] for c in col_keys]


def _layout(chain: Chain, labels: Mapping[str, str], chips: Mapping[str, Sequence[str]]) -> _Layout:
    """The layout with the largest chip font whose names read at the first view.

    Small maps (a focus view) fit the screen at a large scale, so their satellites'
    names can be read at once; large ones keep small chips, named once zoomed in.
    """
    columns = _column_order(chain)
    out = None
    for font in _CHIP_FONTS:
        # Chips in one column, or two side by side when that packs tighter.
        out = max(
            (_layout_with(chain, columns, labels, chips, font, cols) for cols in (1, 2)),
            key=lambda lay: lay.scale,
        )
        if out.scale * font >= _CHIP_SHOW_PX + 0.5:
            return out
    assert out is not None
    return out


def _layout_with(
    chain: Chain,
    columns: list[list[str]],
    labels: Mapping[str, str],
    chips: Mapping[str, Sequence[str]],
    chip_font: float,
    chip_cols: int = 1,
) -> _Layout:
    """Stage columns, split into sub-columns where that lets the drawing fit larger.

    Each segment's slot holds its box and, to its right, its satellites stacked as
    chips. A stage column taller than the chosen limit wraps into sub-columns; the
    limit is the one that maximises the fit scale on a laptop canvas (``_CANVAS``).
    """
    box = {sid: _box_size(labels[sid], _FONT, _MARGIN, _RADIUS) for sid in labels}
    chip_pad = round(chip_font * _CHIP_PAD, 1)
    chip_h = _box_size("", chip_font, chip_pad, _CHIP_RADIUS, 1)[1]
    chip_w = {
        sid: [_box_size(c, chip_font, chip_pad, _CHIP_RADIUS, 1)[0] for c in chips.get(sid, ())]
        for sid in box
    }
    slot_h = {
        sid: max(box[sid][1], -(-len(chip_w[sid]) // chip_cols) * (chip_h + _CHIP_GAP) - _CHIP_GAP)
        for sid in box
    }
    stage_of = {sid: chain.segments_by_id[sid].stage for sid in box}
    head_h = 2 * _HEAD_FONT * 1.6  # band row + heading row
    heading_w = {
        ids[0]: text_em(STAGE_LABELS[stage_of[ids[0]]][0]) * _HEAD_FONT + 8
        for ids in columns
        if ids
    }

    def runs_of(ids: list[str], limit: float) -> list[list[str]]:
        runs: list[list[str]] = [[]]
        height = 0.0
        for sid in ids:
            need = slot_h[sid] + (_ROW_GAP if runs[-1] else 0)
            if runs[-1] and height + need > limit:
                runs.append([])
                need = slot_h[sid]
                height = 0.0
            runs[-1].append(sid)
            height += need
        return runs

    widest_chip = {sid: max(ws, default=0.0) for sid, ws in chip_w.items()}

    def run_width(run: list[str]) -> float:
        cell, cols = chip_cell(run)
        chips_w = cols * cell + (cols - 1) * _CHIP_GAP
        return max(box[sid][0] for sid in run) + (_CHIP_DX + chips_w if cell else 0.0)

    def chip_cell(run: list[str]) -> tuple[float, int]:
        """Width of a chip cell in this sub-column, and the number of chip columns."""
        cell = max(widest_chip[sid] for sid in run)
        return cell, min(chip_cols, max(len(chip_w[sid]) for sid in run))

    def run_height(run: list[str]) -> float:
        return sum(slot_h[sid] for sid in run) + _ROW_GAP * (len(run) - 1)

    def arrange(limit: float) -> tuple[float, float, list[list[list[str]]]]:
        plan = [runs_of(ids, limit) for ids in columns]
        widths = [
            max(sum(run_width(r) for r in runs) + _SUB_GAP * (len(runs) - 1), heading_w[ids[0]])
            for ids, runs in zip(columns, plan, strict=True)
        ]
        width = sum(widths) + _STAGE_GAP * (len(widths) - 1) + 2 * 6 + _FIT_PAD
        height = head_h + max(run_height(r) for runs in plan for r in runs) + _FIT_PAD
        return width, height, plan

    tallest = max(run_height(ids) for ids in columns)
    lowest = max(slot_h.values())
    best: tuple[float, float, list[list[list[str]]]] | None = None
    best_scale = -1.0
    for step in range(25):  # column-height limits from the tallest column down to one slot
        limit = tallest * (lowest / tallest) ** (step / 24)
        width, height, plan = arrange(limit)
        scale = min(_CANVAS[0] / width, _CANVAS[1] / height)
        if scale > best_scale + 1e-9:
            best, best_scale = (width, height, plan), scale
    assert best is not None
    _, height, plan = best
    height -= _FIT_PAD

    segments: dict[str, tuple[float, float]] = {}
    chip_xy: dict[tuple[str, int], tuple[float, float]] = {}
    decor: list[dict[str, Any]] = []
    body_h = height - head_h
    x = 0.0
    bands: list[tuple[str, float, float]] = []
    for ids, runs in zip(columns, plan, strict=True):
        left = x
        for run in runs:
            box_w = max(box[sid][0] for sid in run)
            cell, _ = chip_cell(run)
            y = head_h + (body_h - run_height(run)) / 2
            for sid in run:
                cy = y + slot_h[sid] / 2
                segments[sid] = (round(x + box_w / 2), round(cy))
                rows = -(-len(chip_w[sid]) // chip_cols)
                stack = rows * (chip_h + _CHIP_GAP) - _CHIP_GAP
                for i, w in enumerate(chip_w[sid]):  # row by row: best first
                    row, col = divmod(i, chip_cols)
                    chip_xy[(sid, i)] = (
                        round(x + box_w + _CHIP_DX + col * (cell + _CHIP_GAP) + w / 2),
                        round(cy - stack / 2 + row * (chip_h + _CHIP_GAP) + chip_h / 2),
                    )
                y += slot_h[sid] + _ROW_GAP
            x += run_width(run) + _SUB_GAP
        x -= _SUB_GAP
        right = max(x, left + heading_w[ids[0]])
        stage = stage_of[ids[0]]
        decor.append(
            {
                "kind": "heading",
                "text": STAGE_LABELS[stage][0],
                "x": round((left + right) / 2, 1),
                "y": round(_HEAD_FONT * 1.6 * 1.5, 1),
                "size": _HEAD_FONT,
                "x0": round(left, 1),
                "x1": round(right, 1),
            }
        )
        band = STAGE_BANDS[stage][0]
        if bands and bands[-1][0] == band:
            bands[-1] = (band, bands[-1][1], right)
        else:
            bands.append((band, left, right))
        x = right + _STAGE_GAP
    for band, left, right in bands:
        decor.append(
            {
                "kind": "band",
                "text": band,
                "x": round((left + right) / 2, 1),
                "y": round(_HEAD_FONT * 1.6 * 0.5, 1),
                "size": _HEAD_FONT,
                "x0": round(left - 6, 1),
                "x1": round(right + 6, 1),
                "bottom": round(height, 1),
            }
        )
    return _Layout(
        segments=segments, chips=chip_xy, decor=decor, chip_font=chip_font, scale=best_scale
    )


# ---------------------------------------------------------------------- overlays


def _satellites(
    chain: Chain,
    enterprises: pd.DataFrame | None,
    ranking: pd.DataFrame | None,
    status_rows: Mapping[str, Mapping[str, Any]],
    home: Home | None,
    *,
    top_per_segment: int | None,
) -> dict[str, list[dict[str, Any]]]:
    """Satellite nodes per segment id: local anchors first, then targets."""
    out: dict[str, list[dict[str, Any]]] = {sid: [] for sid in chain.segments_by_id}
    anchor_names: dict[str, set[str]] = {sid: set() for sid in chain.segments_by_id}
    records = _enterprise_records(enterprises)
    if home:
        for rec in records:
            if not home.holds(rec["region_code"]):
                continue
            for sid in rec["segments"]:
                if sid in out:
                    out[sid].append(
                        _anchor(rec["id"], rec["name"], rec["region"], sid, rec["short_name"])
                    )
                    anchor_names[sid].add(rec["name"])
    for sid, row in status_rows.items():
        for name in _as_list(row.get("anchors")):
            if sid in out and name not in anchor_names[sid]:
                out[sid].append(_anchor(f"anchor:{name}", name, "", sid))
                anchor_names[sid].add(name)

    if ranking is not None and len(ranking):
        top = ranking.copy()
        if "rank" in top.columns:
            top = top.sort_values(["rank", "enterprise_id"], kind="mergesort")
        shorts = {r["id"]: r["short_name"] for r in records if r["short_name"]}
        kept: dict[str, int] = {}
        for rec in top.to_dict("records"):
            sid = rec.get("segment")
            if sid not in out:
                continue
            if top_per_segment is not None and kept.get(sid, 0) >= top_per_segment:
                continue
            kept[sid] = kept.get(sid, 0) + 1
            out[sid].append(_target(rec, shorts))
    elif records:
        others = [r for r in records if not (home and home.holds(r["region_code"]))]
        limit = None if len(records) <= SMALL_DATA else top_per_segment
        others.sort(key=_revenue_key(others))
        kept = {}
        for rec in others:
            for sid in rec["segments"]:
                if sid not in out or (limit is not None and kept.get(sid, 0) >= limit):
                    continue
                kept[sid] = kept.get(sid, 0) + 1
                out[sid].append(_firm(rec, sid))
    return out


def _revenue_key(records: list[dict[str, Any]]) -> Any:
    """Order firms by revenue of the data's latest revenue year only.

    Revenues of different years are never one scale: firms reporting the latest
    year come first, largest first; the others follow by name.
    """
    years = [r["revenue_year"] for r in records if r["revenue"] is not None and r["revenue_year"]]
    latest = max(years, default=None)

    def key(r: dict[str, Any]) -> tuple[int, float, str, str]:
        same = r["revenue"] is not None and latest is not None and r["revenue_year"] == latest
        return (0 if same else 1, -r["revenue"] if same else 0.0, r["name"], r["id"])

    return key


def _anchor(nid: str, name: str, region: str, sid: str, short: str = "") -> dict[str, Any]:
    lines = [
        name,
        "本地企业 local anchor" + (f" · {region}" if region else ""),
        f"环节 segment: {sid}",
    ]
    return {
        "id": f"ent:{nid}" if not nid.startswith("anchor:") else nid,
        "node": _chip("★" + _clip(short or derive_short_name(name)), name, lines, "anchor"),
    }


def _target(rec: Mapping[str, Any], shorts: Mapping[str, str]) -> dict[str, Any]:
    score = _num(rec.get("score"))
    name = _text(rec.get("name"))
    eid = _text(rec.get("enterprise_id"))
    lines = [
        name,
        f"目标企业 target · 排名 rank {_fmt(rec.get('rank'))} · 得分 score {_fmt(score)}",
        f"地区 region: {_text(rec.get('region')) or _text(rec.get('region_code')) or '—'}",
        f"环节 segment: {_text(rec.get('segment'))}"
        + (f" · 策略 strategy: {_text(rec.get('strategy'))}" if _text(rec.get("strategy")) else ""),
    ]
    contributions = rec.get("contributions")
    if isinstance(contributions, Mapping) and contributions:
        lines.append(
            "构成 parts: " + ", ".join(f"{k} {_fmt(v)}" for k, v in sorted(contributions.items()))
        )
    if _text(rec.get("reasons")):
        lines.append(f"理由 reasons: {_text(rec.get('reasons'))}")
    short = _clip(derive_short_name(name, rec.get("short_name") or shorts.get(eid)))
    node = _chip(short, name, lines, "target")
    node["score"] = score
    return {"id": f"ent:{eid or name}", "node": node}


def _firm(rec: Mapping[str, Any], sid: str) -> dict[str, Any]:
    lines = [
        rec["name"],
        f"企业 enterprise · 地区 region: {rec['region'] or '—'}",
        f"环节 segment: {sid}",
    ]
    if rec["revenue"] is not None:
        lines.append(f"营收 revenue: {_fmt(rec['revenue'])} 亿元 ({rec['revenue_year'] or '?'})")
    label = _clip(derive_short_name(rec["name"], rec["short_name"]))
    return {"id": f"ent:{rec['id']}", "node": _chip(label, rec["name"], lines, "enterprise")}


#: Chip colours (fill, border, text) by satellite kind.
_CHIP_STYLES = {
    "anchor": (_ANCHOR_COLOUR, "#000000", "#ffffff"),
    "target": (_TARGET_COLOUR, "#bf360c", "#212121"),
    "enterprise": ("#cfd8dc", "#455a64", "#212121"),
}


def _chip(label: str, name: str, lines: list[str], kind: str) -> dict[str, Any]:
    """A satellite: a small box with the firm's short name, named in full in its tooltip.

    The name is drawn only from 12 px on (``drawThreshold``): at the first, fitted
    view the chips are coloured marks, and zooming in reads them.
    """
    fill, border, text = _CHIP_STYLES[kind]
    return {
        "label": label,
        "name": name,
        "title": "\n".join(lines),
        "shape": "box",
        "shapeProperties": {"borderRadius": _CHIP_RADIUS},
        "borderWidth": 1,
        "color": {"background": fill, "border": border},
        "font": {"color": text},
        # vis-network fades a label whose size, capped at maxVisible, falls under
        # drawThreshold: so no cap that low.
        "scaling": {"label": {"drawThreshold": _CHIP_SHOW_PX + 1, "maxVisible": 400}},
        "kind": kind,
        "search": name,
    }


def _enterprise_records(enterprises: pd.DataFrame | None) -> list[dict[str, Any]]:
    if enterprises is None or not len(enterprises):
        return []
    out = []
    for i, rec in enumerate(enterprises.to_dict("records")):
        name = _text(rec.get("name")) or _text(rec.get("name_zh"))
        region = _text(rec.get("region")) or next(
            (
                _text(rec.get(k))
                for k in ("county", "city", "province", "country")
                if _text(rec.get(k))
            ),
            "",
        )
        out.append(
            {
                "id": _text(rec.get("enterprise_id")) or _text(rec.get("uscc")) or f"row{i}",
                "name": name,
                "short_name": _text(rec.get("short_name")),
                "region": region,
                "region_code": _text(rec.get("region_code")),
                "segments": _as_list(rec.get("segments"), sep=";"),
                "revenue": _num(rec.get("revenue")),
                "revenue_year": _text(rec.get("revenue_year")).removesuffix(".0"),
            }
        )
    return out


#: What the map reads of a ranking: an enterprise table passed by mistake has none of them
#: but ``enterprise_id`` (it drew no target, silently).
_RANKING_COLUMNS = ("enterprise_id", "segment", "score", "rank")


def _check_frame(name: str, frame: Any, columns: Sequence[str], what: str) -> None:
    """Refuse a ``name`` argument that is not a DataFrame with ``columns`` (None passes)."""
    if frame is None:
        return
    import pandas as pd

    from chainmap.errors import InputError

    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"build_map 的 {name} 须为 DataFrame / {name} must be a pandas DataFrame, "
            f"not {type(frame).__name__}",
            hint=f"pass {what}",
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"build_map 的 {name} 缺少列 / {name} has no column {', '.join(map(repr, missing))}",
            hint=f"pass {what}",
        )


def _status_rows(status: pd.DataFrame | None) -> dict[str, dict[str, Any]]:
    if status is None or not len(status):
        return {}
    frame = status if "id" in status.columns else status.rename_axis("id").reset_index()
    return {_text(r["id"]): r for r in frame.to_dict("records")}


def _region_label(code: str) -> str:
    try:
        from chainmap.model.regions import region_name

        return f"{region_name(code)} ({code})"
    except Exception:  # unknown code or regions not available: show the code itself
        return code


def _data_date(enterprises: pd.DataFrame | None) -> str | None:
    """The latest revenue year in the data, as text; None when the data has none."""
    if enterprises is None or "revenue_year" not in getattr(enterprises, "columns", ()):
        return None
    years = [_num(v) for v in enterprises["revenue_year"]]
    years = [int(y) for y in years if y is not None]
    return f"营收年份至 revenue year ≤ {max(years)}" if years else None


# ---------------------------------------------------------------------- small values


def _text(value: Any) -> str:
    from chainmap.model.values import text

    return text(value) or ""


def _num(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) or math.isinf(out) else out


def _fmt(value: Any) -> str:
    num = _num(value)
    if num is None:
        return _text(value) if not isinstance(value, float) else ""
    return str(int(num)) if num == int(num) and abs(num) < 1e15 else f"{num:.3g}"


def _as_list(value: Any, sep: str | None = None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts = value.split(sep) if sep else [value]
        return [p.strip() for p in parts if p.strip()]
    if isinstance(value, float):
        return []
    try:
        return [_text(v) for v in value if _text(v)]
    except TypeError:
        return []


def _options(*, physics: bool, large: bool) -> dict[str, Any]:
    return {
        "autoResize": True,
        "layout": {"improvedLayout": False, "randomSeed": 0},
        "physics": {
            "enabled": physics,
            "solver": "barnesHut",
            "stabilization": {"enabled": physics, "iterations": 150, "fit": True},
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 150,
            "hideEdgesOnDrag": large,
            "hideEdgesOnZoom": large,
            "multiselect": True,
        },
        "edges": {
            "smooth": False,
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.6}},
            "color": {"inherit": False},
        },
        "nodes": {"font": {"face": _FONT_FACE}},
    }


def _legend(
    *,
    members: tuple[str, ...],
    member_colour: Mapping[str, str],
    statuses: list[str | None],
    has_status: bool,
    satellites: Sequence[str],
    projects: bool = False,
) -> list[dict[str, str]]:
    """Legend entries: (kind, colour, text). Texts are ours, escaped anyway when rendered."""
    items: list[dict[str, str]] = []
    shown = [s for s in ("strong", "weak", "missing", "no_data") if s in statuses]
    for s in shown if has_status else [None]:
        items.append({"kind": "fill", "colour": STATUS_COLOURS[s], "text": _STATUS_LABELS[s]})
    if has_status:
        for k, text in _STRATEGY_LABELS.items():
            items.append({"kind": f"border-{k}", "colour": "#37474f", "text": f"〔{k}〕 {text}"})
    for rel, style in RELATION_STYLES.items():
        items.append(
            {
                "kind": "line-dashed" if style["dashes"] else "line",
                "colour": style["color"],
                "text": _RELATION_LABELS[rel],
            }
        )
    items.append(
        {"kind": "curve", "colour": "#455a64", "text": "曲线: 回流至更早阶段 / curve: runs back"}
    )
    chip_texts = {
        "anchor": "★ 本地企业 local anchor",
        "target": "目标企业 target (按得分自上而下 / by score, top first)",
        "enterprise": "企业 enterprise",
    }
    for kind in satellites:
        items.append({"kind": "chip", "colour": _CHIP_STYLES[kind][0], "text": chip_texts[kind]})
    if satellites:
        items.append(
            {"kind": "note", "colour": "#455a64", "text": "放大后显示企业简称 / zoom in for names"}
        )
    if projects:
        items.append(
            {
                "kind": "note",
                "colour": "#212121",
                "text": "▶N个项目: 在谈/在建项目 projects under way",
            }
        )
    if len(members) > 1:
        for m in members:
            items.append(
                {"kind": "border", "colour": member_colour[m], "text": f"产业链 chain {m}"}
            )
        items.append(
            {"kind": "border", "colour": _SHARED_COLOUR, "text": "共享环节 shared segment"}
        )
    return items


# ---------------------------------------------------------------------- HTML


@functools.lru_cache(maxsize=1)
def _vis_assets() -> tuple[str, str]:
    """vis-network's script and stylesheet, read from the installed pyvis package."""
    from importlib.resources import files

    lib = files("pyvis").joinpath("templates", "lib", "vis-9.1.2")
    js = lib.joinpath("vis-network.min.js").read_text(encoding="utf-8")
    css = lib.joinpath("vis-network.css").read_text(encoding="utf-8")
    low = js.lower() + css.lower()
    if "</script" in low or "<!--" in low or "</style" in low:  # would end our inline block
        raise RuntimeError("vis-network asset cannot be inlined safely")
    return js, css


def _json_for_script(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">`` (no ``</``, ``<!--``, ``]]>``)."""
    dump = functools.partial(
        json.dumps,
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        allow_nan=False,
        default=_json_default,
    )
    try:
        text = dump(data)
    except ValueError:  # a NaN or infinity added by hand to net.nodes: clean, then dump
        text = dump(_jsonable(data))
    return (
        json_escaped(text)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _json_default(value: Any) -> Any:
    """numpy scalars and arrays as Python values; anything else as text."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _jsonable(value: Any) -> Any:
    """A copy with NaN and infinities as null (the slow path, for hand-edited nodes)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return _jsonable(value.tolist())
    return str(value)


def map_html(net: Network) -> str:
    """The map as one self-contained HTML page (no external URL; vis-network inlined).

    Examples
    --------
    >>> from chainmap.model.chain import load_chain
    >>> page = map_html(build_map(load_chain("fluorochem")))
    >>> page.startswith("<!DOCTYPE html>") and "<script src" not in page
    True
    """
    meta = getattr(net, "chainmap", None) or {"title": "chainmap", "legend": []}
    options = net.options if isinstance(net.options, dict) else json.loads(net.options.to_json())
    data = {
        "nodes": net.nodes,
        "edges": net.edges,
        "options": options,
        "decor": meta.get("decor", []),
        "font": _FONT_FACE,
    }

    esc = html_text

    facts = [f"产业链 chain: {meta.get('chain_id', '')}"]
    facts.append(f"本地 home: {meta.get('home') or '未指定 not set'}")
    facts.append(f"数据日期 data date: {meta.get('data_date') or '未注明 not stated'}")
    counts = meta.get("counts") or {}
    if counts:
        facts.append(
            f"{counts.get('segments', 0)} 环节 segments · {counts.get('links', 0)} 链接 links · "
            f"{counts.get('enterprises', 0)} 企业 enterprises"
        )
    facts.extend(meta.get("notes") or [])
    legend = "".join(
        f'<li><span class="cm-key cm-key-{esc(_css_kind(item["kind"]))}" '
        f'style="--c:{esc(_css_colour(item["colour"]))}"></span>{esc(item["text"])}</li>'
        for item in meta.get("legend", [])
    )
    js, css = _vis_assets()
    parts = {
        "TITLE": esc(meta.get("title", "chainmap")),
        "FACTS": "".join(f"<span>{esc(f)}</span>" for f in facts),
        "LEGEND": legend,
        "DATA": _json_for_script(data),
        "OURCSS": _CSS,
        "OURJS": _JS.replace("@@FITPAD@@", str(_FIT_PAD)),
        "VISCSS": css,
        "VISJS": js,
    }
    # One pass over the template: inserted text is never scanned for placeholders.
    return re.sub(r"@@([A-Z]+)@@", lambda m: parts[m.group(1)], _PAGE)


def _css_kind(kind: str) -> str:
    return {"border-补链": "fill-dash", "border-强链": "thick", "border-延链": "dots"}.get(
        kind, kind if re.fullmatch(r"[a-z-]+", kind) else "fill"
    )


def _css_colour(colour: str) -> str:
    return colour if re.fullmatch(r"#[0-9a-fA-F]{3,8}", colour) else "#999999"


def write_map(net: Network, path: str | Path) -> Path:
    """Write the map's self-contained HTML to ``path`` (UTF-8, parents created); return it."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    from chainmap.readwrite import atomic

    atomic.write_text(out, map_html(net))
    return out


def display_map(net: Network, *, height: int = 720) -> Any:
    """Show the map in JupyterLab, classic Notebook or VS Code.

    The page goes into an ``<iframe srcdoc>`` (escaped), sandboxed to scripts only;
    pyvis's relative-path ``IFrame`` renders blank in VS Code and Colab.
    """
    from IPython.display import HTML

    doc = html.escape(map_html(net), quote=True)
    return HTML(
        f'<div class="chainmap-map"><iframe srcdoc="{doc}" sandbox="allow-scripts" '
        f'style="width:100%;height:{int(height)}px;border:0" title="chainmap"></iframe></div>'
    )


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@@TITLE@@</title>
<!-- vis-network 9.1.2 (inlined from the pyvis package): (c) 2011-2017 Almende B.V,
     (c) 2017-2019 visjs contributors; dual licensed Apache-2.0 / MIT; see the header
     comment of the script below. -->
<style>@@VISCSS@@</style>
<style>@@OURCSS@@</style>
</head>
<body>
<header id="cm-header">
<div id="cm-top"><h1>@@TITLE@@</h1>
<div id="cm-tools">
<label>搜索 search <input id="cm-search" type="search" autocomplete="off"
 placeholder="环节或企业 / segment or enterprise"></label>
<label><input id="cm-only" type="checkbox"> 仅显示匹配 / only matches</label>
<button id="cm-fit" type="button">全图 fit</button>
<span id="cm-count" aria-live="polite"></span>
</div></div>
<p class="cm-facts">@@FACTS@@</p>
<ul id="cm-matches"></ul>
<aside id="cm-legend"><h2>图例</h2><ul>@@LEGEND@@</ul></aside>
</header>
<main id="cm-main">
<div id="chainmap-canvas"></div>
</main>
<footer id="cm-footer">chainmap · vis-network 9.1.2 © Almende B.V., visjs contributors
(Apache-2.0 / MIT)</footer>
<script>@@VISJS@@</script>
<script type="application/json" id="chainmap-data">@@DATA@@</script>
<script>@@OURJS@@</script>
</body>
</html>
"""

_CSS = """
html, body { margin: 0; height: 100%; font-family: "Microsoft YaHei", "PingFang SC",
  "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; color: #212121; }
body { display: flex; flex-direction: column; }
#cm-header { padding: 4px 12px; border-bottom: 1px solid #e0e0e0; }
#cm-top { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 24px; }
#cm-header h1 { font-size: 20px; margin: 0; }
.cm-facts { margin: 2px 0 0; }
.cm-facts span { margin-right: 16px; font-size: 13px; color: #546e7a; }
#cm-tools { display: flex; gap: 12px; align-items: center; font-size: 13px; }
#cm-search { width: 220px; }
#cm-matches { list-style: none; margin: 2px 0 0; padding: 0; display: flex; flex-wrap: wrap;
  gap: 4px; max-height: 56px; overflow-y: auto; }
#cm-matches:empty { display: none; }
#cm-matches button { font-size: 12px; }
#cm-main { flex: 1; display: flex; min-height: 300px; }
#chainmap-canvas { flex: 1; height: 100%; min-height: 300px; }
#cm-legend { display: flex; align-items: center; gap: 8px; margin-top: 2px; font-size: 12px; }
#cm-legend h2 { font-size: 12px; margin: 0; }
#cm-legend ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap;
  gap: 2px 14px; }
#cm-legend li { display: flex; align-items: center; gap: 5px; }
.cm-key { display: inline-block; width: 22px; height: 14px; flex: none; box-sizing: border-box; }
.cm-key-fill { background: var(--c); border: 1px solid #37474f; }
.cm-key-fill-dash { border: 2px dashed var(--c); }
.cm-key-thick { border: 4px solid var(--c); }
.cm-key-dots { border: 2px dotted var(--c); }
.cm-key-border { border: 3px solid var(--c); }
.cm-key-line { height: 0; border-top: 2px solid var(--c); }
.cm-key-line-dashed { height: 0; border-top: 2px dashed var(--c); }
.cm-key-curve { height: 10px; border-top: 2px solid var(--c); border-radius: 50% 50% 0 0; }
.cm-key-chip { width: 18px; height: 10px; background: var(--c); border: 1px solid #455a64;
  border-radius: 2px; }
.cm-key-note { display: none; }
#cm-footer { font-size: 11px; color: #9e9e9e; padding: 2px 12px; }
div.vis-tooltip { white-space: normal; max-width: 420px; font-size: 12px; line-height: 1.5; }
div.vis-tooltip strong { display: block; font-size: 13px; margin-bottom: 2px; }
"""

# Data never meets innerHTML: tooltips and the match list are built with textContent.
_JS = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chainmap-data").textContent);
  function tip(text) {
    var box = document.createElement("div");
    String(text).split("\\n").forEach(function (line, i) {
      var el = document.createElement(i === 0 ? "strong" : "div");
      el.textContent = line;
      box.appendChild(el);
    });
    return box;
  }
  var index = data.nodes.map(function (n) {
    return {
      id: n.id,
      label: String(n.name || n.label || n.id),
      text: String(n.search || n.label || "").toLowerCase()
    };
  });
  function tips(items) {
    items.forEach(function (x) { if (typeof x.title === "string") { x.title = tip(x.title); } });
    return items;
  }
  // The chain's segments and their links are drawn first; the firms (and their spokes)
  // follow in the next task, so a large map shows its chain at once. With physics on
  // (small maps only) everything goes in together: the layout must settle as one.
  var staged = !(data.options.physics && data.options.physics.enabled);
  var early = {};
  data.nodes.forEach(function (n) { if (!staged || n.kind === "segment") { early[n.id] = true; } });
  var later = {
    nodes: data.nodes.filter(function (n) { return !early[n.id]; }),
    edges: data.edges.filter(function (e) { return !(early[e.from] && early[e.to]); })
  };
  var nodes = new vis.DataSet(tips(data.nodes.filter(function (n) { return early[n.id]; })));
  var edges = new vis.DataSet(tips(data.edges.filter(function (e) {
    return early[e.from] && early[e.to];
  })));
  var container = document.getElementById("chainmap-canvas");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
  window.chainmapNodes = nodes;
  window.chainmapEdges = edges;
  window.chainmapNetwork = network;
  var decor = data.decor || [];
  window.chainmapDecor = decor;
  // Stage headings and the 上游/中游/下游 bands, drawn under the graph in world units.
  network.on("beforeDrawing", function (ctx) {
    decor.forEach(function (d) {
      if (d.kind === "band") {
        ctx.fillStyle = d.text === "中游" ? "#eef3f8" : "#f6f8fa";
        ctx.fillRect(d.x0, 0, d.x1 - d.x0, d.bottom);
        ctx.fillStyle = "#cfd8dc";
        ctx.fillRect(d.x0, 0, d.x1 - d.x0, d.size * 1.2);
      }
    });
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    decor.forEach(function (d) {
      ctx.font = "bold " + d.size + "px " + data.font;
      ctx.fillStyle = d.kind === "band" ? "#263238" : "#455a64";
      ctx.fillText(d.text, d.x, d.y);
      var w = ctx.measureText(d.text).width;
      d.box = { left: d.x - w / 2, right: d.x + w / 2, top: d.y - d.size * 0.6,
        bottom: d.y + d.size * 0.6 };
    });
  });
  // Fit the drawing (nodes, headings and bands) to the canvas, tighter than vis's own fit.
  function bounds() {
    var b = { left: Infinity, right: -Infinity, top: 0, bottom: -Infinity };
    network.body.nodeIndices.forEach(function (id) {
      var n = network.body.nodes[id];
      if (!n || n.options.hidden) { return; }
      var s = network.getBoundingBox(id);
      b.left = Math.min(b.left, s.left); b.right = Math.max(b.right, s.right);
      b.top = Math.min(b.top, s.top); b.bottom = Math.max(b.bottom, s.bottom);
    });
    decor.forEach(function (d) {
      b.left = Math.min(b.left, d.x0); b.right = Math.max(b.right, d.x1);
      if (d.bottom) { b.bottom = Math.max(b.bottom, d.bottom); }
    });
    return b;
  }
  var fittedTo = "";
  function fit() {
    var b = bounds();
    if (!isFinite(b.left)) { return; }
    var w = container.clientWidth, h = container.clientHeight;
    fittedTo = JSON.stringify([b, w, h]);
    var scale = Math.min(w / (b.right - b.left + @@FITPAD@@), h / (b.bottom - b.top + @@FITPAD@@));
    network.moveTo({ position: { x: (b.left + b.right) / 2, y: (b.top + b.bottom) / 2 },
      scale: scale, animation: false });
  }
  window.chainmapFit = fit;
  document.getElementById("cm-fit").addEventListener("click", fit);
  // Each drawing moves one step: fit the segments (node sizes are known after a drawing),
  // mark the first draw, add the firms in the next task, fit again, mark the full draw.
  var step = 0, pending = false, drawn = false;
  function addLater() {  // edges first: until their firms exist they cost no drawing
    edges.add(tips(later.edges));
    drawn = false;
    nodes.add(tips(later.nodes));
    if (drawn) {  // vis-network drew the firms as they came: their sizes are known
      var b = bounds();
      if (JSON.stringify([b, container.clientWidth, container.clientHeight]) === fittedTo) {
        done();  // the firms sit inside the fitted drawing: that drawing is the full view
      } else {
        step = 4;
        fit();
      }
    } else {
      step = 3;
    }
  }
  network.on("afterDrawing", function () {
    drawn = true;
    if (step === 0 || step === 3) {
      step += 1;
      fit();
    } else if (step === 1) {
      step = 2;
      window.chainmapFirstDrawn = performance.now();
      if (later.nodes.length || later.edges.length) {
        setTimeout(addLater, 0);
      } else {
        done();
      }
    } else if (step === 4) {
      done();
    }
  });
  function done() {
    step = 5;
    window.chainmapRendered = performance.now();
    document.body.setAttribute("data-rendered", String(nodes.length));
    if (pending) { apply(); }
  }
  network.on("resize", function () { if (step > 0) { fit(); } });

  var input = document.getElementById("cm-search");
  var only = document.getElementById("cm-only");
  var list = document.getElementById("cm-matches");
  var count = document.getElementById("cm-count");
  var hidden = false;
  function apply() {
    if (step < 5) { pending = true; return; }  // the firms are not all in the map yet
    var q = input.value.trim().toLowerCase();
    var hits = q ? index.filter(function (e) { return e.text.indexOf(q) >= 0; }) : [];
    var ids = hits.map(function (e) { return e.id; });
    list.textContent = "";
    hits.slice(0, 40).forEach(function (e) {
      var li = document.createElement("li");
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = e.label.replace(/\\n/g, " ");
      b.addEventListener("click", function () {
        network.selectNodes([e.id]);
        network.focus(e.id, { scale: 1.2, animation: false });
      });
      li.appendChild(b);
      list.appendChild(li);
    });
    count.textContent = q ? hits.length + " 个匹配 / matches" : "";
    network.selectNodes(ids);
    if (only.checked && q) {
      var keep = {};  // the matches and what they connect to: a segment keeps its firms
      ids.forEach(function (id) {
        keep[id] = true;
        network.getConnectedNodes(id).forEach(function (n) { keep[n] = true; });
      });
      nodes.update(index.map(function (e) { return { id: e.id, hidden: !keep[e.id] }; }));
      hidden = true;
    } else if (hidden) {
      nodes.update(index.map(function (e) { return { id: e.id, hidden: false }; }));
      hidden = false;
    }
  }
  input.addEventListener("input", apply);
  only.addEventListener("change", apply);
})();
"""
