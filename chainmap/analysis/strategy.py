"""Segment strategy on the supply graph: 补链 / 强链 / 延链 / 建链, hops and feasibility.

This module is the only place that knows how a segment's strategy follows from the
home region's holdings (CONTRACTS "Gap status and strategy"):

- "upstream" and "downstream" follow ``feedstock_of`` links only, any number of hops;
  ``used_in`` links name markets and never make one segment upstream of another;
- a by-product (``cm:byProduct``) gets no strategy;
- a home that holds nothing in the chain gets 建链 on the chain's entry segments.

Everything here is a pure function of the chain and a set of held segments, so the
stability analysis can re-run it on perturbed holdings. It walks the chain's
:class:`~chainmap.model.chain.Adjacency` (plain dicts): ``import networkx`` alone cost a
tenth of a second of every ``chainmap rank``; :func:`feedstock_graph` gives the same links
as a networkx graph, and the tests compare the two walks.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chainmap.model.chain import Adjacency, Chain

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

__all__ = [
    "SegmentPlan",
    "describe_plan",
    "feedstock_graph",
    "held_sides",
    "nearest_held",
    "plan_segments",
    "status_of",
    "strategies",
]


def feedstock_graph(chain: Chain) -> nx.DiGraph:
    """The chain's supply graph restricted to ``feedstock_of`` links (a frozen graph).

    Examples
    --------
    >>> from chainmap.model.chain import load_chain
    >>> g = feedstock_graph(load_chain("fluorochem"))
    >>> all(d["relation"] == "feedstock_of" for _, _, d in g.edges(data=True))
    True
    """
    import networkx as nx

    graph = chain.graph
    # A frozen copy, not a filtering view: the stability runs walk it ~10^5 times, and a
    # view calls its filter on every edge access (the same nodes, edges and data).
    sub = nx.DiGraph()
    sub.graph.update(graph.graph)
    sub.add_nodes_from(graph.nodes(data=True))
    sub.add_edges_from(
        (u, v, d) for u, v, d in graph.edges(data=True) if d.get("relation") == "feedstock_of"
    )
    return nx.freeze(sub)


def status_of(count_home: float, count_total: float, lq: float, strong_lq: float) -> str:
    """CONTRACTS status of one segment: ``no_data``, ``missing``, ``weak`` or ``strong``.

    >>> status_of(0, 0, 0.0, 1.0), status_of(0, 3, 0.0, 1.0), status_of(1, 3, 0.5, 1.0)
    ('no_data', 'missing', 'weak')
    """
    if count_total == 0:
        return "no_data"
    if count_home == 0:
        return "missing"
    return "weak" if lq < strong_lq else "strong"


@dataclass(frozen=True)
class SegmentPlan:
    """Strategy facts of one segment for one home (before policy gates)."""

    strategy: str | None
    hops: int | None
    feasibility: float
    held_upstream: tuple[str, ...]
    held_downstream: tuple[str, ...]
    by_product: bool = False
    build_context: tuple[str, ...] = ()  # 建链: inputs held in the surrounding region


def _strategy(status: str, held_up: bool, held_down: bool) -> str | None:
    # CONTRACTS.md: weak -> 强链; missing inside the held span -> 补链; outside but
    # connected on one side -> 延链; not connected -> none.
    if status == "weak":
        return "强链"
    if status != "missing":
        return None
    if held_up and held_down:
        return "补链"
    if held_up or held_down:
        return "延链"
    return None


def _share(graph: Adjacency, s: str, held: Collection[str]) -> float:
    """Weighted share of ``s``'s direct feedstock neighbours (up and down) in ``held``."""
    total = held_w = 0.0
    for n in graph.neighbours(s):
        w = float(graph.weight(n, s) or 0.0)
        total += w
        held_w += w if n in held else 0.0
    return held_w / total if total else 0.0


def _feasibility(graph: Adjacency, held: Collection[str], hops: Mapping[str, int], decay: float):
    """Chain-adjacency feasibility with hop decay (docs/methods.md), feedstock links only.

    Within one hop of a held segment: the weighted share of its direct feedstock
    neighbours that the home holds. Farther: ``decay`` times the best value among
    neighbours one hop nearer, so each extra hop multiplies by ``decay``.
    """
    out: dict[str, float] = {}
    for h, s in sorted((h, s) for s, h in hops.items()):
        if h <= 1:
            out[s] = _share(graph, s, held)
        else:
            near = [out[n] for n in graph.neighbours(s) if hops.get(n) == h - 1]
            out[s] = decay * max(near, default=0.0)
    return out


def plan_segments(
    chain: Chain,
    status: Mapping[str, str],
    *,
    hop_decay: float,
    context_held: Collection[str] = (),
    graph: Adjacency | None = None,
) -> dict[str, SegmentPlan]:
    """Strategy, hops and feasibility of every segment, from each segment's ``status``.

    ``context_held`` are the segments held around the home (its prefecture): they
    matter only for 建链, when the home holds nothing in the chain.

    Examples
    --------
    >>> from chainmap.model.chain import load_chain
    >>> chain = load_chain("fluorochem")
    >>> status = {s: "missing" for s in chain.segments_by_id}
    >>> status.update(fluorspar="strong", ahf="strong")
    >>> p = plan_segments(chain, status, hop_decay=0.7)
    >>> p["ahf"].strategy, p["fluorspar"].strategy
    (None, None)
    >>> p["hfc_refrigerants"].strategy, "ahf" in p["hfc_refrigerants"].held_upstream
    ('延链', True)
    """
    g, held = _held(chain, status, graph)
    if not held:
        return _build_chain(chain, g, status, context_held, hop_decay)
    hops, feas, reach = _walked(g, held, hop_decay)
    out: dict[str, SegmentPlan] = {}
    for sid, seg in chain.segments_by_id.items():
        by_product = bool(getattr(seg, "by_product", False))
        ups = tuple(h for h, _ in _by_distance(g, sid, held & reach[sid][0], g.preds))
        downs = tuple(h for h, _ in _by_distance(g, sid, held & reach[sid][1], g.succs))
        strategy = None if by_product else _strategy(status[sid], bool(ups), bool(downs))
        out[sid] = SegmentPlan(
            strategy=strategy,
            hops=hops.get(sid),
            feasibility=float(feas.get(sid, 0.0)),
            held_upstream=ups,
            held_downstream=downs,
            by_product=by_product,
        )
    return out


def strategies(
    chain: Chain,
    status: Mapping[str, str],
    *,
    hop_decay: float,
    context_held: Collection[str] = (),
    graph: Adjacency | None = None,
    walks: dict[frozenset[str], tuple] | None = None,
) -> dict[str, tuple[str | None, float]]:
    """``(strategy, feasibility)`` of every segment: :func:`plan_segments` without the
    lists of held segments, for the stability runs that plan hundreds of statuses.

    ``walks``: the hops and feasibility walked from each set of held segments, kept by
    the caller across calls with one graph and ``hop_decay`` (statuses that differ only
    in weak against strong, or missing against no data, hold the same segments).

    >>> from chainmap.model.chain import load_chain
    >>> chain = load_chain("fluorochem")
    >>> status = {s: "missing" for s in chain.segments_by_id}
    >>> status.update(fluorspar="strong", ahf="strong")
    >>> full = plan_segments(chain, status, hop_decay=0.7)
    >>> strategies(chain, status, hop_decay=0.7) == {
    ...     s: (p.strategy, p.feasibility) for s, p in full.items()}
    True
    """
    g, held = _held(chain, status, graph)
    if not held:
        plans = _build_chain(chain, g, status, context_held, hop_decay)
        return {s: (p.strategy, p.feasibility) for s, p in plans.items()}
    if walks is None:
        _hops, feas, reach = _walked(g, held, hop_decay)
    else:
        key = frozenset(held)
        if key not in walks:
            walks[key] = _walked(g, held, hop_decay)
        _hops, feas, reach = walks[key]
    out: dict[str, tuple[str | None, float]] = {}
    for sid, seg in chain.segments_by_id.items():
        up, down = reach[sid]
        strategy = (
            None
            if getattr(seg, "by_product", False)
            else _strategy(status[sid], not held.isdisjoint(up), not held.isdisjoint(down))
        )
        out[sid] = (strategy, float(feas.get(sid, 0.0)))
    return out


def held_sides(
    g: Adjacency, held: set[str], decay: float, ids: Sequence[str]
) -> tuple[list[bool], list[bool], list[float]]:
    """For each of ``ids``: whether a ``held`` segment lies upstream, downstream, and its
    feasibility: what :func:`strategies` reads of the chain for one set of held
    segments (the stability runs plan many statuses that hold the same set)."""
    _hops, feas, reach = _walked(g, held, decay)
    return (
        [not held.isdisjoint(reach[s][0]) for s in ids],
        [not held.isdisjoint(reach[s][1]) for s in ids],
        [float(feas.get(s, 0.0)) for s in ids],
    )


def _by_distance(
    g: Adjacency, sid: str, held: Collection[str], step: dict[str, tuple[str, ...]]
) -> list[tuple[str, int]]:
    """``held`` segments reached from ``sid`` along ``step`` (``g.preds``: its inputs, and
    theirs; ``g.succs``: what it feeds), nearest first, each with its directed hop count.

    (The lists were sorted by the *undirected* hops to the nearest held segment, 0 for
    every held one: they came out by id, and a reason named a far segment first.)
    """
    if not held:
        return []
    dist = g.within(sid, step, None)
    return sorted(((h, dist[h]) for h in held if h in dist), key=lambda p: (p[1], p[0]))


def nearest_held(
    chain: Chain, sid: str, held: Collection[str], side: str
) -> tuple[list[str], int | None]:
    """The ``held`` segments nearest ``sid`` on one ``side`` (``"up"``: its inputs, and
    theirs; ``"down"``: what it feeds) along the chain's feedstock links, and their
    directed hop count: what a 延链 reason may call "相距N跳".

    >>> from chainmap.model.chain import load_chain
    >>> chain = load_chain("fluorochem")
    >>> nearest_held(chain, "fluorspar", ["ahf", "electronic_hf", "foaming_agents"], "down")
    (['ahf'], 1)
    """
    g = chain.feedstock
    pairs = _by_distance(g, sid, set(held), g.preds if side == "up" else g.succs)
    if not pairs:
        return [], None
    near = pairs[0][1]
    return [h for h, d in pairs if d == near], near


def _held(
    chain: Chain, status: Mapping[str, str], graph: Adjacency | None
) -> tuple[Adjacency, set[str]]:
    """The feedstock links walked, and the segments held (weak or strong)."""
    g = chain.feedstock if graph is None else graph
    return g, {s for s, st in status.items() if st in ("weak", "strong")}


def _walked(
    g: Adjacency, held: set[str], decay: float
) -> tuple[dict[str, int], dict[str, float], dict[str, tuple[frozenset[str], frozenset[str]]]]:
    """Hops to the nearest held segment, feasibility, and every segment's ancestors and
    descendants: what :func:`plan_segments` and :func:`strategies` both read."""
    hops = g.hops(held)
    return hops, _feasibility(g, held, hops, decay), g.reach


def _build_chain(
    chain: Chain,
    g: Adjacency,
    status: Mapping[str, str],
    context: Collection[str],
    decay: float,
) -> dict[str, SegmentPlan]:
    """建链 (docs/methods.md): the home holds nothing in the chain.

    Entry segments are the chain's starting segments (no ``feedstock_of`` input) and
    the segments one of whose inputs is held in the home's surrounding region. Their
    feasibility is the weighted share of their feedstock neighbours held there.
    """
    context = set(context)
    out: dict[str, SegmentPlan] = {}
    for sid, seg in chain.segments_by_id.items():
        by_product = bool(getattr(seg, "by_product", False))
        inputs = set(g.preds[sid])
        near = tuple(sorted(inputs & context))
        entry = (not inputs) or bool(near)
        ok = entry and not by_product and status[sid] == "missing"
        out[sid] = SegmentPlan(
            strategy="建链" if ok else None,
            hops=None,
            feasibility=_share(g, sid, context) if ok else 0.0,
            held_upstream=(),
            held_downstream=(),
            by_product=by_product,
            build_context=near,
        )
    return out


def describe_plan(plan: SegmentPlan) -> dict[str, Any]:
    """The plain fields of a :class:`SegmentPlan` (for frames and JSON)."""
    return {
        "strategy": plan.strategy,
        "hops": plan.hops,
        "feasibility": plan.feasibility,
        "held_upstream": list(plan.held_upstream),
        "held_downstream": list(plan.held_downstream),
        "by_product": plan.by_product,
        "build_context": list(plan.build_context),
    }
