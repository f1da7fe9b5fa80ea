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
import functools
import html
import json
import math
from pathlib import Path
import re
from typing import TYPE_CHECKING, Any

from chainmap.model.vocab import STAGE_LABELS

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
_ANCHOR_COLOUR = "#1b5e20"
_ENTERPRISE_COLOUR = "#78909c"

#: Without a ranking, show every enterprise when the table has at most this many rows.
SMALL_DATA = 200
#: Above this many nodes ``physics=True`` is ignored: stabilisation would freeze the page.
PHYSICS_MAX_NODES = 1500
_LABEL_MAX = 16  # satellite labels longer than this are shortened; the tooltip has the full name

_ROW = 64  # vertical slot of a segment without satellites (px)
_COLUMN = 420  # minimum horizontal distance between stage columns (px)
_RING = 70  # radius of the first satellite ring (px)
_RING_STEP = 36


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
        Page title; default the chain's names.
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

    # One home for the colours, the anchors and the title: ``home``, else the profile's.
    where = resolve_home(home) if home or enterprises is not None or status is not None else None
    if status is None and enterprises is not None and len(enterprises):
        status = segment_status(chain, enterprises, home=where)
    home_code = where.code if where is not None else None
    status_rows = _status_rows(status)
    satellites = _satellites(
        chain, enterprises, ranking, status_rows, where, top_per_segment=top_per_segment
    )
    positions = _layout(chain, {sid: len(v) for sid, v in satellites.items()})
    members = tuple(chain.members)
    member_colour = {m: _MEMBER_COLOURS[i % len(_MEMBER_COLOURS)] for i, m in enumerate(members)}

    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    for seg in chain.ordered_segments():
        row = status_rows.get(seg.id, {})
        node = _segment_node(
            seg, row, positions[seg.id], chain.membership.get(seg.id, ()), member_colour
        )
        mine = list((projects or {}).get(seg.id, ()))
        if mine:  # projects in the pipeline: the briefing's "where is work under way"
            node["label"] += f"\n▶{len(mine)}个项目"
            node["title"] += "\n在谈/在建项目 projects: " + "、".join(mine)
            node["projects"] = len(mine)
        nodes.append(node)
    for link in chain.links:
        edges.append(_link_edge(chain, link, positions))
    ent_nodes: dict[str, dict[str, Any]] = {}
    for seg in chain.ordered_segments():
        sx, sy = positions[seg.id]
        for i, sat in enumerate(satellites.get(seg.id, ())):
            nid = sat["id"]
            if nid not in ent_nodes:
                dx, dy = _ring_offset(i)
                node = {**sat["node"], "id": nid, "x": round(sx + dx, 1), "y": round(sy + dy, 1)}
                ent_nodes[nid] = node
                nodes.append(node)
            else:  # the same firm near another segment: one node, one more spoke
                ent_nodes[nid]["title"] += f"\n也在 also in: {seg.name_zh} ({seg.id})"
            edges.append(
                {
                    "from": nid,
                    "to": f"seg:{seg.id}",
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
        "title": title or f"{chain.name_zh} / {chain.name_en}".strip(" /"),
        "chain_id": chain.id,
        "home": home_label,
        "data_date": date,
        "legend": _legend(
            members=members,
            member_colour=member_colour,
            statuses=[r.get("status") for r in status_rows.values()] or [None],
            has_status=bool(status_rows),
            satellites=any(satellites.values()),
        ),
        "notes": notes,
        "counts": {
            "segments": len(chain),
            "links": len(chain.link_list),
            "enterprises": len(ent_nodes),
        },
    }
    return net


def _segment_node(
    seg: Any,
    row: Mapping[str, Any],
    xy: tuple[float, float],
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
    label = seg.name_zh + (f"\n〔{strategy}〕" if strategy else "")
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
        "x": xy[0],
        "y": xy[1],
        "shape": "box",
        "margin": 8,
        "color": {
            "background": STATUS_COLOURS[status],
            "border": border,
            "highlight": {"background": "#fff59d", "border": "#000000"},
        },
        "font": {"size": 16, "color": "#212121"},
        "borderWidth": 1.5,
        "kind": "segment",
        "stage": seg.stage,
        "status": status,
        "strategy": strategy,
        "search": " ".join((seg.id, seg.name_zh, seg.name_en, *seg.keywords)),
    }
    if strategy:
        node.update(STRATEGY_STYLES[strategy])
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


def _layout(chain: Chain, satellites: Mapping[str, int]) -> dict[str, tuple[float, float]]:
    """Precompute positions: one column per stage, rows ordered by barycentre.

    Rows are ordered with a few deterministic barycentre sweeps (Sugiyama et al.
    1981) to reduce crossings; ties break on the previous order, then on id.
    Each segment's slot is tall enough for its satellite rings.
    """
    columns: dict[int, list[str]] = {}
    for seg in chain.ordered_segments():
        columns.setdefault(seg.stage_order, []).append(seg.id)
    col_keys = sorted(columns)
    col_of = {sid: c for c, ids in columns.items() for sid in ids}
    order = {sid: i - (len(ids) - 1) / 2 for ids in columns.values() for i, sid in enumerate(ids)}
    neighbours: dict[str, list[str]] = {sid: [] for sid in col_of}
    for link in chain.link_list:
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

    outer = {sid: _ring_radius(satellites.get(sid, 0)) for sid in col_of}
    widest = max(outer.values(), default=0.0)
    dx = max(_COLUMN, 2 * widest + 220)
    positions: dict[str, tuple[float, float]] = {}
    for ci, c in enumerate(col_keys):
        ids = columns[c]
        slots = [max(_ROW, 2 * outer[sid] + 40) for sid in ids]
        y = -sum(slots) / 2
        for sid, slot in zip(ids, slots, strict=True):
            positions[sid] = (round(ci * dx, 1), round(y + slot / 2, 1))
            y += slot
    return positions


def _ring_capacity(ring: int) -> int:
    return 8 + 6 * ring


def _ring_of(i: int) -> tuple[int, int, int]:
    """(ring, position in ring, ring capacity) of the i-th satellite."""
    ring = 0
    while i >= _ring_capacity(ring):
        i -= _ring_capacity(ring)
        ring += 1
    return ring, i, _ring_capacity(ring)


def _ring_radius(count: int) -> float:
    if count <= 0:
        return 0.0
    ring, _, _ = _ring_of(count - 1)
    return _RING + ring * _RING_STEP


def _ring_offset(i: int) -> tuple[float, float]:
    ring, pos, cap = _ring_of(i)
    radius = _RING + ring * _RING_STEP
    angle = -math.pi / 2 + 2 * math.pi * (pos + 0.5 * (ring % 2)) / cap
    return radius * math.cos(angle), radius * math.sin(angle)


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
                    out[sid].append(_anchor(rec["id"], rec["name"], rec["region"], sid))
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
        best = max((_num(v) or 0.0) for v in top["score"]) if "score" in top.columns else 0.0
        kept: dict[str, int] = {}
        for rec in top.to_dict("records"):
            sid = rec.get("segment")
            if sid not in out:
                continue
            if top_per_segment is not None and kept.get(sid, 0) >= top_per_segment:
                continue
            kept[sid] = kept.get(sid, 0) + 1
            out[sid].append(_target(rec, best))
    elif records:
        others = [r for r in records if not (home and home.holds(r["region_code"]))]
        limit = None if len(records) <= SMALL_DATA else top_per_segment
        others.sort(key=lambda r: (-(r["revenue"] or -1.0), r["name"], r["id"]))
        kept = {}
        for rec in others:
            for sid in rec["segments"]:
                if sid not in out or (limit is not None and kept.get(sid, 0) >= limit):
                    continue
                kept[sid] = kept.get(sid, 0) + 1
                out[sid].append(_firm(rec, sid))
    return out


def _anchor(nid: str, name: str, region: str, sid: str) -> dict[str, Any]:
    lines = [
        name,
        "本地企业 local anchor" + (f" · {region}" if region else ""),
        f"环节 segment: {sid}",
    ]
    return {
        "id": f"ent:{nid}" if not nid.startswith("anchor:") else nid,
        "node": {
            "label": _short(name),
            "name": name,
            "title": "\n".join(lines),
            "shape": "star",
            "size": 16,
            "color": {"background": _ANCHOR_COLOUR, "border": "#000000"},
            "font": {"size": 12, "color": _ANCHOR_COLOUR},
            "kind": "anchor",
            "search": name,
        },
    }


def _target(rec: Mapping[str, Any], best: float) -> dict[str, Any]:
    score = _num(rec.get("score"))
    share = (score / best) if (score is not None and best > 0) else 0.0
    name = _text(rec.get("name"))
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
    return {
        "id": f"ent:{_text(rec.get('enterprise_id')) or name}",
        "node": {
            "label": _short(name),
            "name": name,
            "title": "\n".join(lines),
            "shape": "dot",
            "size": round(8 + 16 * max(0.0, min(1.0, share)), 2),
            "color": {"background": _TARGET_COLOUR, "border": "#bf360c"},
            "font": {"size": 11, "color": "#424242"},
            "kind": "target",
            "score": score,
            "search": name,
        },
    }


def _firm(rec: Mapping[str, Any], sid: str) -> dict[str, Any]:
    lines = [
        rec["name"],
        f"企业 enterprise · 地区 region: {rec['region'] or '—'}",
        f"环节 segment: {sid}",
    ]
    if rec["revenue"] is not None:
        lines.append(f"营收 revenue: {_fmt(rec['revenue'])} 亿元 ({rec['revenue_year'] or '?'})")
    return {
        "id": f"ent:{rec['id']}",
        "node": {
            "label": _short(rec["name"]),
            "name": rec["name"],
            "title": "\n".join(lines),
            "shape": "dot",
            "size": 9,
            "color": {"background": _ENTERPRISE_COLOUR, "border": "#455a64"},
            "font": {"size": 11, "color": "#424242"},
            "kind": "enterprise",
            "search": rec["name"],
        },
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
                "region": region,
                "region_code": _text(rec.get("region_code")),
                "segments": _as_list(rec.get("segments"), sep=";"),
                "revenue": _num(rec.get("revenue")),
                "revenue_year": _text(rec.get("revenue_year")).removesuffix(".0"),
            }
        )
    return out


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


def _short(name: str) -> str:
    return name if len(name) <= _LABEL_MAX else name[: _LABEL_MAX - 1] + "…"


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
        "nodes": {"font": {"face": "sans-serif"}},
    }


def _legend(
    *,
    members: tuple[str, ...],
    member_colour: Mapping[str, str],
    statuses: list[str | None],
    has_status: bool,
    satellites: bool,
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
    if satellites:
        items.append({"kind": "star", "colour": _ANCHOR_COLOUR, "text": "本地企业 local anchor"})
        items.append(
            {"kind": "dot", "colour": _TARGET_COLOUR, "text": "目标企业 target (size = score)"}
        )
        items.append({"kind": "dot", "colour": _ENTERPRISE_COLOUR, "text": "企业 enterprise"})
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
        text.replace("<", "\\u003c")
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
    data = {"nodes": net.nodes, "edges": net.edges, "options": options}
    esc = functools.partial(html.escape, quote=True)
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
        "OURJS": _JS,
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
    out.write_text(map_html(net), encoding="utf-8")
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
<h1>@@TITLE@@</h1>
<p class="cm-facts">@@FACTS@@</p>
<div id="cm-tools">
<label>搜索 search <input id="cm-search" type="search" autocomplete="off"
 placeholder="环节或企业 / segment or enterprise"></label>
<label><input id="cm-only" type="checkbox"> 仅显示匹配 / show only matches</label>
<span id="cm-count" aria-live="polite"></span>
</div>
<ul id="cm-matches"></ul>
</header>
<main id="cm-main">
<div id="chainmap-canvas"></div>
<aside id="cm-legend"><h2>图例 legend</h2><ul>@@LEGEND@@</ul></aside>
</main>
<footer id="cm-footer">chainmap · vis-network 9.1.2 © Almende B.V., visjs contributors
(Apache-2.0 / MIT)</footer>
<script type="application/json" id="chainmap-data">@@DATA@@</script>
<script>@@VISJS@@</script>
<script>@@OURJS@@</script>
</body>
</html>
"""

_CSS = """
html, body { margin: 0; height: 100%; font-family: "Noto Sans CJK SC", "PingFang SC",
  "Microsoft YaHei", sans-serif; color: #212121; }
body { display: flex; flex-direction: column; }
#cm-header { padding: 8px 16px; border-bottom: 1px solid #e0e0e0; }
#cm-header h1 { font-size: 20px; margin: 0 0 4px; }
.cm-facts span { margin-right: 16px; font-size: 13px; color: #546e7a; }
#cm-tools { display: flex; gap: 16px; align-items: center; font-size: 13px; margin-top: 4px; }
#cm-search { width: 260px; }
#cm-matches { list-style: none; margin: 4px 0 0; padding: 0; display: flex; flex-wrap: wrap;
  gap: 4px; max-height: 64px; overflow-y: auto; }
#cm-matches button { font-size: 12px; }
#cm-main { flex: 1; display: flex; min-height: 400px; }
#chainmap-canvas { flex: 1; height: 100%; min-height: 400px; }
#cm-legend { width: 230px; padding: 8px 12px; border-left: 1px solid #e0e0e0; font-size: 12px;
  overflow-y: auto; }
#cm-legend h2 { font-size: 14px; margin: 0 0 6px; }
#cm-legend ul { list-style: none; margin: 0; padding: 0; }
#cm-legend li { display: flex; align-items: center; gap: 8px; margin: 4px 0; }
.cm-key { display: inline-block; width: 22px; height: 14px; flex: none; box-sizing: border-box; }
.cm-key-fill { background: var(--c); border: 1px solid #37474f; }
.cm-key-fill-dash { border: 2px dashed var(--c); }
.cm-key-thick { border: 4px solid var(--c); }
.cm-key-dots { border: 2px dotted var(--c); }
.cm-key-border { border: 3px solid var(--c); }
.cm-key-line { height: 0; border-top: 2px solid var(--c); }
.cm-key-line-dashed { height: 0; border-top: 2px dashed var(--c); }
.cm-key-curve { height: 10px; border-top: 2px solid var(--c); border-radius: 50% 50% 0 0; }
.cm-key-dot { width: 12px; height: 12px; border-radius: 50%; background: var(--c); }
.cm-key-star { width: 14px; height: 14px; background: var(--c);
  clip-path: polygon(50% 0, 61% 35%, 98% 35%, 68% 57%, 79% 91%, 50% 70%, 21% 91%, 32% 57%,
  2% 35%, 39% 35%); }
#cm-footer { font-size: 11px; color: #9e9e9e; padding: 2px 16px; }
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
  data.nodes.forEach(function (n) { if (typeof n.title === "string") { n.title = tip(n.title); } });
  data.edges.forEach(function (e) { if (typeof e.title === "string") { e.title = tip(e.title); } });
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var container = document.getElementById("chainmap-canvas");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
  window.chainmapNodes = nodes;
  window.chainmapEdges = edges;
  window.chainmapNetwork = network;
  network.once("afterDrawing", function () {
    window.chainmapRendered = performance.now();
    document.body.setAttribute("data-rendered", String(nodes.length));
  });

  var input = document.getElementById("cm-search");
  var only = document.getElementById("cm-only");
  var list = document.getElementById("cm-matches");
  var count = document.getElementById("cm-count");
  var hidden = false;
  function apply() {
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
