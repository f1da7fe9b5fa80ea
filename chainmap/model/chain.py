"""The chain model: segments and their upstream→downstream links.

A :class:`Chain` wraps a :class:`networkx.DiGraph` whose nodes are segment ids
and whose edges run in the direction of supply. Chains are stored as Turtle
(SKOS concept scheme + the chainmap vocabulary) in ``graphs/``; see
``graphs/chainmap.ttl`` for the terms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
import functools
import math
from pathlib import Path
import re
from typing import TYPE_CHECKING
import warnings

import pandas as pd

from chainmap.errors import ChainError, UnknownChainError, UnknownSegmentError, closest
from chainmap.model import catalog
from chainmap.model.values import html_text
from chainmap.model.vocab import (
    RELATION_NAMES,
    STAGE_LABELS,
    STAGE_ORDER,
    STAGES,
    chain_iri,
)

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

__all__ = [
    "Adjacency",
    "Chain",
    "Link",
    "RetiredSegmentWarning",
    "Segment",
    "chain_from_tables",
    "check_turtle_syntax",
    "current_segment_ids",
    "describe_bundled_chains",
    "join_chains",
    "load_chain",
    "load_chains",
    "parse_chain",
    "read_chain_tables",
    "segment_aliases",
    "segment_records",
]

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")
#: A source URL as a chain file may cite it: absolute http(s), no spaces or angle brackets.
_HTTP_URL = re.compile(r"https?://[^\s<>\"{}|\\^`]+", re.IGNORECASE)


@dataclass(frozen=True)
class Segment:
    """One segment of a chain. Its description is identical in every chain that shares it."""

    id: str
    name_zh: str
    name_en: str
    stage: str
    keywords: tuple[str, ...] = ()
    gbt4754: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    by_product: bool = False  # made only as a by-product of another segment: no strategy
    entry_point: str = ""  # why the chain starts here (no upstream feedstock_of link), if it does

    @property
    def stage_order(self) -> int:
        return STAGE_ORDER[self.stage]


@dataclass(frozen=True)
class Link:
    """A directed supply link, upstream → downstream."""

    upstream: str
    downstream: str
    relation: str  # "feedstock_of" | "used_in"
    note: str = ""
    sources: tuple[str, ...] = ()
    weight: float | None = None
    #: ``feedstock_of`` only: every maker of the downstream makes the upstream on its own
    #: site (it is not traded, e.g. TFE for PTFE), so a firm holding the downstream holds
    #: the upstream too (``cm:captive``; see :meth:`Chain.captive_upstreams`)
    captive: bool = False


@dataclass
class Chain:
    """An industry chain (or several joined on their shared segments).

    Parameters
    ----------
    id, name_zh, name_en
        Identity. A joined chain's id is its members' ids joined by commas.
    segments
        The segments, by id.
    links
        The links, upstream → downstream.
    members
        For a joined chain, the ids of its member chains; for one chain, ``(id,)``.
    membership
        Segment id → the member chains that contain it.

    Examples
    --------
    >>> chain = load_chain("fluorochem")
    >>> chain.segment("pvdf").name_zh
    '聚偏氟乙烯'
    >>> "vdf" in chain.upstream("pvdf", depth=1)
    True
    """

    id: str
    name_zh: str
    name_en: str
    segments_by_id: dict[str, Segment]
    link_list: list[Link]
    sources: tuple[str, ...] = ()
    description_zh: str = ""
    description_en: str = ""
    members: tuple[str, ...] = ()
    membership: dict[str, tuple[str, ...]] = field(default_factory=dict)
    link_membership: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    origin: str = ""  # file the chain came from, for messages
    member_names: dict[str, str] = field(default_factory=dict)  # member id -> zh name

    def __post_init__(self) -> None:
        if not self.members:
            self.members = (self.id,)
        self.member_names = {self.id: self.name_zh} if len(self.members) == 1 else self.member_names
        for sid in self.segments_by_id:
            self.membership.setdefault(sid, self.members[:1])
        for link in self.link_list:
            self.link_membership.setdefault((link.upstream, link.downstream), self.members[:1])
        _check_links(self)
        self._graph: nx.DiGraph | None = None
        self._feedstock: Adjacency | None = None
        self._adjacency: Adjacency | None = None
        self._captive: dict[str, tuple[str, ...]] | None = None
        #: Segment importance computed when the bundled chain was pre-built (None: compute).
        self.prebuilt_importance: dict[str, float] | None = None

    @property
    def graph(self) -> nx.DiGraph:
        """The supply graph (networkx), built on first use: listing, showing, importing and
        classifying never need it, and ``import networkx`` costs a tenth of a second."""
        if self._graph is None:
            self._graph = _build_graph(self)
        return self._graph

    @property
    def captive_upstreams(self) -> dict[str, tuple[str, ...]]:
        """Segment id → the segments its makers make on site (``captive`` links, followed
        through), in the order of :meth:`ordered_segments`; only the segments with some.

        >>> load_chain("fluorochem").captive_upstreams["ptfe"]
        ('tfe',)
        """
        if self._captive is None:
            direct: dict[str, list[str]] = {}
            for link in self.link_list:
                if link.captive:
                    direct.setdefault(link.downstream, []).append(link.upstream)
            order = {s.id: k for k, s in enumerate(self.ordered_segments())}
            out: dict[str, tuple[str, ...]] = {}
            for down in sorted(direct, key=order.__getitem__):
                seen: set[str] = set()
                todo = list(direct[down])
                while todo:  # (feedstock_of has no cycle: this ends)
                    up = todo.pop()
                    if up not in seen:
                        seen.add(up)
                        todo.extend(direct.get(up, ()))
                out[down] = tuple(sorted(seen, key=order.__getitem__))
            self._captive = out
        return self._captive

    @property
    def feedstock(self) -> Adjacency:
        """The ``feedstock_of`` links as plain adjacency, for the strategy (no networkx)."""
        if self._feedstock is None:
            self._feedstock = Adjacency.of(self, feedstock_only=True)
        return self._feedstock

    @property
    def adjacency(self) -> Adjacency:
        """Every link as plain adjacency (no networkx)."""
        if self._adjacency is None:
            self._adjacency = Adjacency.of(self, feedstock_only=False)
        return self._adjacency

    def importance(self) -> pd.Series:
        """Importance of each segment in [0, 1]: mean percentile of degree and betweenness.

        Degree counts weighted links of either relation; betweenness is networkx's,
        normalised. A bundled chain carries the values computed so when
        ``graphs/prebuilt.json`` was built, so ranking it needs no networkx.
        """
        order = [s.id for s in self.ordered_segments()]
        if self.prebuilt_importance is not None:
            values = self.prebuilt_importance
            return pd.Series(
                [values[s] for s in order], index=order, dtype=float, name="importance"
            )
        import networkx as nx

        graph = self.graph
        degree = pd.Series(dict(graph.degree(weight="weight")), dtype=float)
        between = pd.Series(nx.betweenness_centrality(graph, normalized=True), dtype=float)
        score = (
            degree.reindex(order).rank(method="average", pct=True)
            + between.reindex(order).rank(method="average", pct=True)
        ) / 2
        return score.rename("importance")

    # ------------------------------------------------------------------ basics
    def __len__(self) -> int:
        return len(self.segments_by_id)

    def __contains__(self, segment_id: object) -> bool:
        return segment_id in self.segments_by_id

    def __iter__(self) -> Iterator[Segment]:
        return iter(self.ordered_segments())

    def __repr__(self) -> str:
        return (
            f"<Chain {self.id!r} {self.name_zh} / {self.name_en}: "
            f"{len(self)} segments, {len(self.link_list)} links>"
        )

    @property
    def links(self) -> list[Link]:
        """The links, sorted by (upstream stage, upstream, downstream)."""
        return sorted(
            self.link_list,
            key=lambda k: (
                self.segments_by_id[k.upstream].stage_order,
                k.upstream,
                self.segments_by_id[k.downstream].stage_order,
                k.downstream,
            ),
        )

    def ordered_segments(self) -> list[Segment]:
        """Segments in stage order, then by id."""
        return sorted(self.segments_by_id.values(), key=lambda s: (s.stage_order, s.id))

    @property
    def stages(self) -> list[str]:
        """The stages this chain uses, in the global order."""
        used = {s.stage for s in self.segments_by_id.values()}
        return [s for s in STAGES if s in used]

    def by_stage(self) -> dict[str, list[Segment]]:
        """Segments grouped by stage, in stage order."""
        groups: dict[str, list[Segment]] = {s: [] for s in self.stages}
        for seg in self.ordered_segments():
            groups[seg.stage].append(seg)
        return groups

    @property
    def shared_segments(self) -> list[str]:
        """Ids of segments that belong to more than one member chain."""
        return sorted(s for s, m in self.membership.items() if len(m) > 1)

    # ------------------------------------------------------------------ lookup
    def segment(self, key: str) -> Segment:
        """Return a segment by id, zh label or en label; raise with suggestions if unknown."""
        return self.segments_by_id[self.resolve(key)]

    def resolve(self, key: str) -> str:
        """Return the segment id for an id or an exact zh/en label.

        A retired id (``graphs/segment_aliases.csv``) resolves to its successor with a warning.
        """
        if key in self.segments_by_id:
            return key
        successor = segment_aliases().get(key)
        if successor in self.segments_by_id:
            _warn_retired(key, successor)
            return successor
        for seg in self.segments_by_id.values():
            if key in (seg.name_zh, seg.name_en) or key.lower() == seg.name_en.lower():
                return seg.id
        names = list(self.segments_by_id)
        names += [s.name_zh for s in self.segments_by_id.values()]
        raise UnknownSegmentError(
            key,
            closest(key, names),
            hint=f"查看环节列表 / list segments: chainmap show {self.id}",
        )

    def upstream(
        self, segment: str, depth: int | None = None, *, feedstock_only: bool = False
    ) -> list[str]:
        """Segments upstream of ``segment`` within ``depth`` hops (all if None), nearest first.

        With ``feedstock_only``, only ``feedstock_of`` links are followed: ``used_in`` links
        name markets and never make one segment upstream of another (CONTRACTS, strategy).
        """
        adj = self.feedstock if feedstock_only else self.adjacency
        return self._reach(segment, depth, adj, adj.preds)

    def downstream(
        self, segment: str, depth: int | None = None, *, feedstock_only: bool = False
    ) -> list[str]:
        """Segments downstream of ``segment`` within ``depth`` hops (all if None), nearest first."""
        adj = self.feedstock if feedstock_only else self.adjacency
        return self._reach(segment, depth, adj, adj.succs)

    def _reach(
        self, segment: str, depth: int | None, adj: Adjacency, step: dict[str, tuple[str, ...]]
    ) -> list[str]:
        sid = self.resolve(segment)
        dist = adj.within(sid, step, depth)
        dist.pop(sid, None)
        return sorted(dist, key=lambda s: (dist[s], self.segments_by_id[s].stage_order, s))

    def predecessors(self, segment: str) -> list[str]:
        """Direct upstream neighbours."""
        return self.upstream(segment, depth=1)

    def successors(self, segment: str) -> list[str]:
        """Direct downstream neighbours."""
        return self.downstream(segment, depth=1)

    def paths(self, source: str, target: str, *, cutoff: int | None = None) -> list[list[str]]:
        """All simple paths from ``source`` down to ``target``, shortest first."""
        a, b = self.resolve(source), self.resolve(target)
        import networkx as nx

        found = [list(p) for p in nx.all_simple_paths(self.graph, a, b, cutoff=cutoff)]
        return sorted(found, key=lambda p: (len(p), p))

    def link(self, upstream: str, downstream: str) -> Link:
        """The link between two segments."""
        a, b = self.resolve(upstream), self.resolve(downstream)
        if (a, b) not in self.adjacency.weights:
            raise KeyError((a, b))  # as networkx's edge view did
        return next(k for k in self.link_list if (k.upstream, k.downstream) == (a, b))

    def neighbourhood(self, segment: str, depth: int = 1) -> Chain:
        """A sub-chain of ``segment`` and everything within ``depth`` hops up or down."""
        sid = self.resolve(segment)
        keep = {sid, *self.upstream(sid, depth), *self.downstream(sid, depth)}
        return self.subchain(keep)

    def subchain(self, segment_ids: Iterable[str]) -> Chain:
        """The chain restricted to ``segment_ids`` and the links among them."""
        keep = set(segment_ids)
        return Chain(
            id=self.id,
            name_zh=self.name_zh,
            name_en=self.name_en,
            segments_by_id={k: v for k, v in self.segments_by_id.items() if k in keep},
            link_list=[k for k in self.link_list if k.upstream in keep and k.downstream in keep],
            sources=self.sources,
            description_zh=self.description_zh,
            description_en=self.description_en,
            members=self.members,
            membership={k: v for k, v in self.membership.items() if k in keep},
            link_membership={
                k: v for k, v in self.link_membership.items() if k[0] in keep and k[1] in keep
            },
            origin=self.origin,
            member_names=dict(self.member_names),
        )

    # ------------------------------------------------------------------ tables
    def segments_frame(self) -> pd.DataFrame:
        """The segments as a DataFrame (one row each, stage order), with list columns."""
        rows = [
            {
                "id": s.id,
                "name_zh": s.name_zh,
                "name_en": s.name_en,
                "stage": s.stage,
                "keywords": list(s.keywords),
                "gbt4754": list(s.gbt4754),
                "sources": list(s.sources),
                "chains": list(self.membership.get(s.id, ())),
            }
            for s in self.ordered_segments()
        ]
        return pd.DataFrame(rows, columns=list(_SEGMENT_COLUMNS)).set_index("id", drop=False)

    @property
    def segments(self) -> pd.DataFrame:
        """Alias of :meth:`segments_frame`."""
        return self.segments_frame()

    def links_frame(self) -> pd.DataFrame:
        """The links as a DataFrame, sorted upstream → downstream."""
        rows = [
            {
                "upstream": k.upstream,
                "downstream": k.downstream,
                "relation": k.relation,
                "weight": k.weight,
                "note": k.note,
                "sources": list(k.sources),
            }
            for k in self.links
        ]
        return pd.DataFrame(
            rows, columns=["upstream", "downstream", "relation", "weight", "note", "sources"]
        )

    # ------------------------------------------------------------------ RDF
    def to_rdf(self):
        """The chain as an rdflib Graph (for one chain; a joined chain writes each member)."""
        from rdflib import Graph

        graph = Graph()
        graph.parse(data=self.to_turtle(), format="turtle")
        from chainmap.model.vocab import bind_prefixes

        bind_prefixes(graph)
        return graph

    def to_turtle(self) -> str:
        """Serialise to readable, deterministic Turtle that :func:`parse_chain` reads back."""
        return _write_turtle(self)

    def save(self, path: str | Path) -> Path:
        """Write the chain as Turtle to ``path``."""
        from chainmap.readwrite import atomic

        return atomic.write_text(path, self.to_turtle())

    # ------------------------------------------------------------------ Jupyter
    def _repr_html_(self) -> str:
        esc = html_text

        rows = []
        for stage, segs in self.by_stage().items():
            zh, en = STAGE_LABELS[stage]
            names = "、".join(esc(s.name_zh) for s in segs[:12])
            more = f" … (+{len(segs) - 12})" if len(segs) > 12 else ""
            rows.append(
                f"<tr><td>{esc(zh)} / {esc(en)}</td><td style='text-align:right'>{len(segs)}</td>"
                f"<td>{names}{more}</td></tr>"
            )
        shared = ""
        if len(self.members) > 1:
            shared = f"<p>共享环节 / shared segments: {esc(', '.join(self.shared_segments))}</p>"
        return (
            f"<div class='chainmap-chain'><strong>{esc(self.name_zh)}</strong> / "
            f"{esc(self.name_en)} <code>{esc(self.id)}</code>: "
            f"{len(self)} 环节 segments, {len(self.link_list)} 链接 links"
            "<table><thead><tr><th>阶段 / stage</th><th>数量 / n</th><th>环节 / segments</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>{shared}</div>"
        )


_SEGMENT_COLUMNS = ("id", "name_zh", "name_en", "stage", "keywords", "gbt4754", "sources", "chains")


def _check_links(chain: Chain) -> None:
    """The checks :func:`_build_graph` makes, in its order, without networkx.

    Raises the same :class:`ChainError`; a feedstock cycle is found here and then
    described by :func:`_build_graph` (which names the cycle as before).
    """
    chain.ordered_segments()  # as _build_graph's first step
    seen: set[tuple[str, str]] = set()
    for link in chain.link_list:
        for end in (link.upstream, link.downstream):
            if end not in chain.segments_by_id:
                _describe_failure(chain)
        if link.upstream == link.downstream or (link.upstream, link.downstream) in seen:
            _describe_failure(chain)
        seen.add((link.upstream, link.downstream))
    if _has_cycle(_feeds(chain.link_list)):
        _describe_failure(chain)


def _describe_failure(chain: Chain) -> None:
    """Raise the :class:`ChainError` :func:`_build_graph` raises for ``chain`` (naming the link or cycle)."""
    _build_graph(chain)
    raise AssertionError(f"{chain.id}: a link check failed that _build_graph accepts")


def _feeds(links: Iterable[Link]) -> dict[str, list[str]]:
    """The ``feedstock_of`` links as upstream -> downstreams (``used_in`` may close loops)."""
    feeds: dict[str, list[str]] = {}
    for link in links:
        if link.relation == "feedstock_of":
            feeds.setdefault(link.upstream, []).append(link.downstream)
    return feeds


def _cycle_path(cycle: Sequence[tuple[str, str]]) -> str:
    """``a → b → c → a`` from networkx's ``find_cycle`` edges."""
    return " → ".join([cycle[0][0], *[v for _, v in cycle]])


def _has_cycle(edges: dict[str, list[str]]) -> bool:
    """Whether the directed graph ``edges`` (node -> successors) has a cycle (iterative DFS)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in edges:
        if state.get(root):
            continue
        stack = [(root, iter(edges.get(root, ())))]
        state[root] = 1
        while stack:
            node, successors = stack[-1]
            for nxt in successors:
                if state.get(nxt) == 1:
                    return True
                if not state.get(nxt):
                    state[nxt] = 1
                    stack.append((nxt, iter(edges.get(nxt, ()))))
                    break
            else:
                state[node] = 2
                stack.pop()
    return False


class Adjacency:
    """A chain's links as dicts (all of them, or the ``feedstock_of`` ones), without networkx.

    What the strategy, ``upstream`` and ``downstream`` walk: ``import networkx`` and
    building the graph cost about 0.2 s of a command that needs neither. Neighbours are
    listed in the order networkx gives them (:attr:`Chain.graph`,
    :func:`chainmap.analysis.strategy.feedstock_graph`), so sums over them add in the same
    order; the tests compare every walk here with networkx's
    (``tests/test_strategy_graph.py``).

    >>> fs = load_chain("fluorochem").feedstock
    >>> "ahf" in fs.preds["hfc_refrigerants"], fs.hops({"ahf"})["ahf"]
    (True, 0)
    """

    __slots__ = ("_reach", "nodes", "preds", "succs", "weights")

    def __init__(
        self,
        nodes: tuple[str, ...],
        preds: dict[str, tuple[str, ...]],
        succs: dict[str, tuple[str, ...]],
        weights: dict[tuple[str, str], float],
    ) -> None:
        self.nodes, self.preds, self.succs, self.weights = nodes, preds, succs, weights
        self._reach: dict[str, tuple[frozenset[str], frozenset[str]]] | None = None

    @classmethod
    def of(cls, chain: Chain, *, feedstock_only: bool) -> Adjacency:
        """The links of ``chain`` (only ``feedstock_of`` ones if asked), in networkx's order.

        The chain's graph adds edges in link order; the feedstock graph copies them node
        by node (stage order), each node's in link order.
        """
        nodes = tuple(s.id for s in chain.ordered_segments())
        links = [k for k in chain.link_list if k.relation == "feedstock_of" or not feedstock_only]
        if feedstock_only:
            out: dict[str, list[Link]] = {}
            for link in links:
                out.setdefault(link.upstream, []).append(link)
            links = [link for up in nodes for link in out.get(up, ())]
        preds: dict[str, list[str]] = {n: [] for n in nodes}
        succs: dict[str, list[str]] = {n: [] for n in nodes}
        weights: dict[tuple[str, str], float] = {}
        for link in links:
            up = link.upstream
            succs[up].append(link.downstream)
            preds[link.downstream].append(up)
            weights[up, link.downstream] = 1.0 if link.weight is None else link.weight
        return cls(
            nodes,
            {n: tuple(v) for n, v in preds.items()},
            {n: tuple(v) for n, v in succs.items()},
            weights,
        )

    def weight(self, a: str, b: str) -> float:
        """The weight of the link between ``a`` and ``b``, either way round."""
        return self.weights[a, b] if (a, b) in self.weights else self.weights[b, a]

    def neighbours(self, s: str) -> set[str]:
        """Direct neighbours of ``s``, up and down."""
        return set(self.preds[s]) | set(self.succs[s])

    def within(
        self, start: str, step: dict[str, tuple[str, ...]], cutoff: int | None
    ) -> dict[str, int]:
        """Hop distance from ``start`` to each node reached along ``step`` (``preds`` or
        ``succs``) within ``cutoff`` hops (all if None), ``start`` included at 0."""
        return self._bfs([start], lambda s: step[s], cutoff)

    def hops(self, sources: Iterable[str]) -> dict[str, int]:
        """Undirected hop distance from each reachable segment to the nearest of ``sources``."""
        return self._bfs(sources, lambda s: (*self.preds[s], *self.succs[s]), None)

    @staticmethod
    def _bfs(
        starts: Iterable[str], step: Callable[[str], Iterable[str]], cutoff: int | None
    ) -> dict[str, int]:
        """Breadth-first hop distances from ``starts`` (at 0) along ``step``."""
        dist = {s: 0 for s in starts}
        frontier, d = list(dist), 0
        while frontier and (cutoff is None or d < cutoff):
            d += 1
            nxt = []
            for s in frontier:
                for n in step(s):
                    if n not in dist:
                        dist[n] = d
                        nxt.append(n)
            frontier = nxt
        return dist

    @property
    def reach(self) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
        """Ancestors and descendants of every segment, itself excluded (computed once)."""
        if self._reach is None:
            self._reach = {
                s: (self._walk(s, self.preds), self._walk(s, self.succs)) for s in self.nodes
            }
        return self._reach

    @staticmethod
    def _walk(start: str, step: dict[str, tuple[str, ...]]) -> frozenset[str]:
        seen: set[str] = set()
        stack = list(step[start])
        while stack:
            s = stack.pop()
            if s not in seen:
                seen.add(s)
                stack.extend(step[s])
        seen.discard(start)  # (reached again only round a loop of used_in links)
        return frozenset(seen)


def _build_graph(chain: Chain) -> nx.DiGraph:
    import networkx as nx

    graph = nx.DiGraph(id=chain.id, name_zh=chain.name_zh, name_en=chain.name_en)
    for seg in chain.ordered_segments():
        graph.add_node(
            seg.id,
            segment=seg,
            name_zh=seg.name_zh,
            name_en=seg.name_en,
            stage=seg.stage,
            stage_order=seg.stage_order,
            chains=chain.membership.get(seg.id, ()),
        )
    for link in chain.link_list:
        for end in (link.upstream, link.downstream):
            if end not in chain.segments_by_id:
                raise ChainError(
                    f"{chain.origin or chain.id}: 链接指向未知环节 / link "
                    f"{link.upstream} → {link.downstream} names unknown segment {end!r}; "
                    "define the segment or fix the link"
                )
        if link.upstream == link.downstream:
            raise ChainError(
                f"{chain.origin or chain.id}: 链接指向自身 / link {link.upstream} → "
                f"{link.downstream} runs from a segment to itself; remove it"
            )
        if graph.has_edge(link.upstream, link.downstream):
            raise ChainError(
                f"{chain.origin or chain.id}: 重复链接 / duplicate link "
                f"{link.upstream} → {link.downstream}"
            )
        graph.add_edge(
            link.upstream,
            link.downstream,
            link=link,
            relation=link.relation,
            weight=1.0 if link.weight is None else link.weight,
            note=link.note,
        )
    # Only feedstock_of links may not loop; used_in links name markets and may
    # point back (CONTRACTS "Stages").
    try:
        cycle = nx.find_cycle(_feedstock_view(graph))
    except nx.NetworkXNoCycle:
        return graph
    path = _cycle_path(cycle)
    raise ChainError(
        f"{chain.origin or chain.id}: 原料链接成环 / the feedstock_of links form a cycle: {path}; "
        "remove or reverse one of these links (used_in links may close a loop)"
    )


def _feedstock_view(graph: nx.DiGraph) -> nx.DiGraph:
    """The ``feedstock_of`` links only: ``used_in`` links name markets and may close a loop
    (PFSA membrane → chlor-alkali → … → TFE → PFSA), so cycle checks ignore them (CONTRACTS)."""
    import networkx as nx

    return nx.subgraph_view(
        graph, filter_edge=lambda u, v: graph.edges[u, v]["relation"] == "feedstock_of"
    )


# ---------------------------------------------------------------------- loading


def load_chain(name: str | Path) -> Chain:
    """Load a chain by bundled name, comma-joined names, ``"all"``, or a ``.ttl`` path.

    Examples
    --------
    >>> load_chain("fluorochem").name_zh
    '氟化工产业链'
    """
    text = str(name)
    if isinstance(name, Path) or text.endswith(".ttl") or "/" in text or "\\" in text:
        path = Path(text)
        if path.is_dir():
            raise UnknownChainError(text, hint="这是目录 / is a folder: give a .ttl file")
        if not path.is_file():
            raise UnknownChainError(text, hint="文件不存在 / no such file")
        from chainmap.readwrite.sniff import read_utf8

        return parse_chain(read_utf8(path, "Turtle"), origin=str(path))
    if text == "all":
        return load_chains(catalog.bundled_chain_ids())
    if "," in text:
        names = [p.strip() for p in text.split(",") if p.strip()]
        if not names:
            raise UnknownChainError(
                text,
                hint="用逗号连接产业链名 / join chain names with commas, e.g. fluorochem,lithium_battery",
            )
        return load_chains(names)
    return _load_bundled(text)


def _load_bundled(chain_id: str) -> Chain:
    ids = catalog.bundled_chain_ids()
    if chain_id not in ids:
        raise UnknownChainError(
            chain_id,
            closest(chain_id, ids),
            hint="查看已有产业链 / list chains: chainmap chains",
        )
    from chainmap.model.prebuilt import cached_chain

    cached = cached_chain(chain_id)  # parsed once at build time, if its .ttl is unchanged
    if cached is not None:
        return cached
    return parse_chain(catalog.read_text(f"{chain_id}.ttl"), origin=f"graphs/{chain_id}.ttl")


def load_chains(names: Sequence[str | Path]) -> Chain:
    """Load several chains and join them on their shared segments.

    A segment that several chains contain must be described identically in each
    (same labels, stage, keywords, classes and sources); otherwise ``ChainError``.

    Examples
    --------
    >>> joined = load_chains(["fluorochem", "semiconductor_materials"])
    >>> joined.members
    ('fluorochem', 'semiconductor_materials')
    >>> "electronic_hf" in joined.shared_segments
    True
    """
    chains = [load_chain(n) for n in names]
    if len(chains) == 1:
        return chains[0]
    return join_chains(chains)


def join_chains(chains: Sequence[Chain]) -> Chain:
    """Join chains into one graph; shared segments and links appear once."""
    segments: dict[str, Segment] = {}
    membership: dict[str, list[str]] = {}
    links: dict[tuple[str, str], Link] = {}
    link_membership: dict[tuple[str, str], list[str]] = {}
    members: list[str] = []
    for chain in chains:
        for member in chain.members:
            if member not in members:
                members.append(member)
        for sid, seg in chain.segments_by_id.items():
            if sid in segments and segments[sid] != seg:
                raise ChainError(
                    f"共享环节描述不一致 / shared segment {sid!r} differs between chains "
                    f"{', '.join(membership[sid])} and {chain.id}; the copies must be identical"
                )
            segments[sid] = seg
            for m in chain.membership.get(sid, chain.members[:1]):
                membership.setdefault(sid, [])
                if m not in membership[sid]:
                    membership[sid].append(m)
        for link in chain.link_list:
            key = (link.upstream, link.downstream)
            if key in links and links[key] != link:
                raise ChainError(
                    f"共享链接描述不一致 / link {key[0]} → {key[1]} differs between chains"
                )
            links[key] = link
            link_membership.setdefault(key, [])
            for m in chain.link_membership.get(key, chain.members[:1]):
                if m not in link_membership[key]:
                    link_membership[key].append(m)
    return Chain(
        id=",".join(members),
        name_zh=" + ".join(c.name_zh for c in chains),
        name_en=" + ".join(c.name_en for c in chains),
        segments_by_id=segments,
        link_list=list(links.values()),
        sources=tuple(dict.fromkeys(s for c in chains for s in c.sources)),
        members=tuple(members),
        membership={k: tuple(v) for k, v in membership.items()},
        link_membership={k: tuple(v) for k, v in link_membership.items()},
        member_names={m: n for c in chains for m, n in c.member_names.items()},
    )


# ---------------------------------------------------------------------- Turtle in


def parse_chain(text: str, *, origin: str = "<string>") -> Chain:
    """Parse one chain from Turtle text, validating it; raise ``ChainError`` naming the problem."""
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

    from chainmap.model.vocab import CM, RELATIONS, STAGE

    check_turtle_syntax(text, origin)
    graph = Graph()
    try:
        graph.parse(data=text, format="turtle")
    except Exception as exc:  # rdflib raises several types for bad syntax
        line = getattr(exc, "lines", None)
        where = f"{origin}, line {line + 1}" if isinstance(line, int) else origin
        detail = str(getattr(exc, "message", "") or exc).strip().splitlines()[0]
        raise ChainError(f"{where}: Turtle 语法错误 / syntax error: {detail}") from None

    schemes = sorted(set(graph.subjects(RDF.type, CM.Chain)))
    if len(schemes) != 1:
        raise ChainError(
            f"{origin}: 需要恰好一个 cm:Chain / expected exactly one cm:Chain, found {len(schemes)}"
        )
    scheme = schemes[0]
    chain_id = _local(scheme, "chain/", origin)

    def labels(subject: URIRef, pred=SKOS.prefLabel) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for lit in graph.objects(subject, pred):
            if isinstance(lit, Literal):
                out.setdefault(lit.language or "", []).append(str(lit))
        return out

    def sources(subject: URIRef) -> tuple[str, ...]:
        return tuple(sorted(str(o) for o in graph.objects(subject, DCTERMS.source)))

    chain_labels = labels(scheme)
    if not chain_labels.get("zh"):
        raise ChainError(f"{origin}: 产业链 {chain_id} 缺少中文名 / chain has no @zh prefLabel")
    descriptions = labels(scheme, DCTERMS.description)

    segments: dict[str, Segment] = {}
    for node in sorted(set(graph.objects(scheme, CM.hasSegment))):
        sid = _local(node, "segment/", origin)
        term = f"{origin}: 环节 / segment {sid}"
        if (node, RDF.type, CM.Segment) not in graph:
            raise ChainError(
                f"{term}: 未声明为 cm:Segment / not typed cm:Segment; add 'a cm:Segment'"
            )
        notations = sorted(str(o) for o in graph.objects(node, SKOS.notation))
        if notations and notations != [sid]:
            raise ChainError(
                f"{term}: 编号与IRI不符或重复 / duplicate or mismatched id: notation {notations} "
                f"vs IRI {sid!r}"
            )
        lab = labels(node)
        if not lab.get("zh"):
            raise ChainError(f"{term}: 缺少中文名 / no @zh skos:prefLabel; add one")
        if len(lab["zh"]) > 1 or len(lab.get("en", [])) > 1:
            raise ChainError(
                f"{term}: 重复定义 / duplicate id: defined more than once with labels "
                f"{sorted(lab['zh'] + lab.get('en', []))}"
            )
        stages = sorted(set(graph.objects(node, CM.stage)))
        if len(stages) != 1:
            raise ChainError(
                f"{term}: 需要恰好一个阶段 / needs exactly one cm:stage, found {len(stages)}"
            )
        stage = str(stages[0]).removeprefix(str(STAGE))
        if stage not in STAGE_ORDER:
            raise ChainError(
                f"{term}: 未知阶段 / unknown stage {str(stages[0])!r}; use one of {', '.join(STAGES)}"
            )
        keywords = sorted(str(o) for o in graph.objects(node, CM.keyword))
        entry = sorted(str(o) for o in graph.objects(node, CM.entryPoint))
        segments[sid] = Segment(
            id=sid,
            name_zh=lab["zh"][0],
            name_en=(lab.get("en") or [""])[0],
            stage=stage,
            keywords=tuple(keywords),
            gbt4754=tuple(sorted(str(o) for o in graph.objects(node, CM.gbt4754))),
            sources=sources(node),
            by_product=any(o.toPython() is True for o in graph.objects(node, CM.byProduct)),
            entry_point=entry[0] if entry else "",
        )
    if not segments:
        raise ChainError(f"{origin}: 产业链没有环节 / chain {chain_id} has no cm:hasSegment")

    links: list[Link] = []
    relation_names = {v: k for k, v in RELATIONS.items()}
    for node in sorted(set(graph.objects(scheme, CM.hasLink))):
        ups = list(graph.objects(node, CM.upstream))
        downs = list(graph.objects(node, CM.downstream))
        rels = list(graph.objects(node, CM.relation))
        if len(ups) != 1 or len(downs) != 1 or len(rels) != 1:
            raise ChainError(
                f"{origin}: 链接 / link {node}: needs one cm:upstream, cm:downstream and cm:relation"
            )
        up = _local(ups[0], "segment/", origin)
        down = _local(downs[0], "segment/", origin)
        for end in (up, down):
            if end not in segments:
                raise ChainError(
                    f"{origin}: 链接 / link {up} → {down}: 未知环节 / unknown segment {end!r}; "
                    "define it in this chain or fix the link"
                )
        if rels[0] not in relation_names:
            raise ChainError(
                f"{origin}: 链接 / link {up} → {down}: unknown relation {rels[0]}; "
                "use cm:feedstockOf or cm:usedIn"
            )
        weights = _link_weights(
            list(graph.objects(node, CM.weight)), f"{origin}: 链接 / link {up} → {down}"
        )
        notes = [str(n) for n in graph.objects(node, RDFS.comment)]
        captive = _link_captive(
            list(graph.objects(node, CM.captive)),
            relation_names[rels[0]],
            f"{origin}: 链接 / link {up} → {down}",
        )
        links.append(
            Link(
                upstream=up,
                downstream=down,
                relation=relation_names[rels[0]],
                note=notes[0] if notes else "",
                sources=sources(node),
                weight=weights[0] if weights else None,
                captive=captive,
            )
        )

    _check_link_triples(graph, links, origin)
    return Chain(
        id=chain_id,
        name_zh=chain_labels["zh"][0],
        name_en=(chain_labels.get("en") or [""])[0],
        segments_by_id=segments,
        link_list=links,
        sources=sources(scheme),
        description_zh=(descriptions.get("zh") or [""])[0],
        description_en=(descriptions.get("en") or [""])[0],
        origin=origin,
    )


def _link_captive(values: list, relation: str, where: str) -> bool:
    """A link's ``cm:captive``: at most one xsd:boolean, true only on ``feedstock_of``."""
    if len(values) > 1:
        raise ChainError(f"{where}: cm:captive 重复 / more than one cm:captive")
    if not values:
        return False
    value = values[0].toPython() if hasattr(values[0], "toPython") else values[0]
    if not isinstance(value, bool):
        raise ChainError(f"{where}: cm:captive 须为 true 或 false / must be an xsd:boolean")
    if value and relation != "feedstock_of":
        raise ChainError(
            f"{where}: cm:captive 只用于 cm:feedstockOf / only a cm:feedstockOf link is captive"
        )
    return value


def _link_weights(values: list, where: str) -> list[float]:
    """A link's ``cm:weight``: at most one finite, non-negative xsd:decimal (or integer)."""
    from rdflib import Literal
    from rdflib.namespace import XSD

    if len(values) > 1:
        raise ChainError(f"{where}: 权重重复 / more than one cm:weight")
    out = []
    for value in values:
        ok = isinstance(value, Literal) and value.datatype in (XSD.decimal, XSD.integer)
        number = value.toPython() if ok and value.ill_typed is False else None
        if number is None or isinstance(number, str) or not math.isfinite(float(number)):
            raise ChainError(
                f"{where}: 权重不是十进制数 / cm:weight {value.n3() if hasattr(value, 'n3') else value}"
                ' is not a decimal number; write it as "0.5"^^xsd:decimal'
            )
        if number < 0:
            raise ChainError(f"{where}: 权重为负 / cm:weight {number} is negative")
        out.append(float(number))
    return out


def _check_link_triples(graph, links: Sequence[Link], origin: str) -> None:
    """Each direct triple (``seg:a cm:feedstockOf seg:b``) is described by a ``cm:Link``.

    The loader builds links from ``cm:Link`` nodes and SHACL checks cycles over the
    direct triples (graphs/shapes.ttl), so a stray triple is refused by both.
    """
    from chainmap.model.vocab import CM

    by_name = {"feedstock_of": CM.feedstockOf, "used_in": CM.usedIn}
    declared = {(k.upstream, k.downstream, k.relation) for k in links}
    prefix = str(chain_iri("")).removesuffix("chain/") + "segment/"
    for relation, predicate in by_name.items():
        for up, down in graph.subject_objects(predicate):
            pair = (str(up).removeprefix(prefix), str(down).removeprefix(prefix), relation)
            if pair not in declared:
                raise ChainError(
                    f"{origin}: {pair[0]} {predicate.n3()} {pair[1]}: 没有对应的 cm:Link / "
                    "no cm:Link node describes this triple; add the link or remove the triple"
                )


def check_turtle_syntax(text: str, origin: str) -> None:
    """Check Turtle syntax with pyoxigraph when installed (``fast`` extra).

    It is stricter than rdflib and reports line and column; without it, rdflib's
    own parse errors are reported.
    """
    try:
        import pyoxigraph
    except ImportError:
        return
    try:
        for _ in pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.TURTLE):
            pass
    except SyntaxError as exc:
        detail = str(exc).removeprefix("Parser error ")
        raise ChainError(f"{origin}: Turtle 语法错误 / syntax error {detail}") from None


def _local(iri, kind: str, origin: str) -> str:
    text = str(iri)
    prefix = str(chain_iri("")).removesuffix("chain/") + kind
    if not text.startswith(prefix):
        raise ChainError(f"{origin}: {iri} 不在命名空间 / is not in the namespace {prefix}")
    local = text[len(prefix) :]
    if kind in ("segment/", "chain/") and not _ID_RE.match(local):
        raise ChainError(
            f"{origin}: 非法编号 / invalid id {local!r}: use lower-case letters, digits and _"
        )
    return local


# ---------------------------------------------------------------------- Turtle out

_HEADER = """\
@prefix cm: <https://w3id.org/chainmap/vocab#> .
@prefix chain: <https://w3id.org/chainmap/chain/> .
@prefix seg: <https://w3id.org/chainmap/segment/> .
@prefix link: <https://w3id.org/chainmap/link/> .
@prefix stage: <https://w3id.org/chainmap/stage/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def _lit(text: str, lang: str | None = None) -> str:
    """A one-line Turtle string literal: backslash, quote, CR and LF escaped (ECHAR)."""
    body = str(text).replace("\\", "\\\\").replace('"', '\\"')
    body = body.replace("\n", "\\n").replace("\r", "\\r")
    return f'"{body}"' + (f"@{lang}" if lang else "")


#: Characters Turtle's IRIREF forbids; percent-encoded so a URL cannot end the IRI early.
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _iri(text: str) -> str:
    """``<text>`` with every character IRIREF forbids percent-encoded."""
    return "<" + _IRI_FORBIDDEN.sub(lambda m: f"%{ord(m.group()):02X}", str(text)) + ">"


def _decimal(number: float) -> str:
    """An xsd:decimal lexical form (no exponent): ``1e-05`` → ``0.00001``."""
    from decimal import Decimal

    text = format(Decimal(repr(float(number))), "f")
    return text if "." in text else text + ".0"


def _comment(text: str) -> str:
    """Text for a ``#`` comment: one line, so data can never end the comment."""
    return " ".join(str(text).split())


def _objects(items: Iterable[str]) -> str:
    return " ,\n        ".join(items)


def _write_turtle(chain: Chain) -> str:
    if len(chain.members) > 1:
        raise ChainError(f"joined chain {chain.id}: save each member chain to its own file instead")
    out = [_HEADER]
    out.append(f"\n# {_comment(chain.name_zh)} / {_comment(chain.name_en)}\n")
    c = f"chain:{chain.id}"
    props = [
        "a skos:ConceptScheme, cm:Chain",
        f"skos:prefLabel {_lit(chain.name_zh, 'zh')}, {_lit(chain.name_en, 'en')}"
        if chain.name_en
        else f"skos:prefLabel {_lit(chain.name_zh, 'zh')}",
        f"skos:notation {_lit(chain.id)}",
    ]
    if chain.description_zh:
        props.append(f"dcterms:description {_lit(chain.description_zh, 'zh')}")
    if chain.description_en:
        props.append(f"dcterms:description {_lit(chain.description_en, 'en')}")
    if chain.sources:
        props.append("dcterms:source " + _objects(_iri(s) for s in chain.sources))
    segs = chain.ordered_segments()
    props.append("cm:hasSegment " + _objects(f"seg:{s.id}" for s in segs))
    links = chain.links
    if links:
        props.append("cm:hasLink " + _objects(f"link:{k.upstream}--{k.downstream}" for k in links))
    out.append(c + " " + " ;\n    ".join(props) + " .\n")

    for seg in segs:
        p = [
            "a skos:Concept, cm:Segment",
            f"skos:inScheme {c}",
            f"skos:notation {_lit(seg.id)}",
            f"skos:prefLabel {_lit(seg.name_zh, 'zh')}"
            + (f", {_lit(seg.name_en, 'en')}" if seg.name_en else ""),
            f"cm:stage stage:{seg.stage}",
        ]
        if seg.keywords:
            p.append("cm:keyword " + ", ".join(_lit(k, "zh") for k in seg.keywords))
        if seg.gbt4754:
            p.append("cm:gbt4754 " + ", ".join(_lit(g) for g in seg.gbt4754))
        if seg.by_product:
            p.append("cm:byProduct true")
        if seg.entry_point:
            p.append(f"cm:entryPoint {_lit(seg.entry_point, 'zh')}")
        if seg.sources:
            p.append("dcterms:source " + _objects(_iri(s) for s in seg.sources))
        out.append(f"\nseg:{seg.id} " + " ;\n    ".join(p) + " .\n")
    retired = sorted((old, new) for old, new in segment_aliases().items() if new in chain)
    if retired:  # published ids that a merge or rename retired (graphs/segment_aliases.csv)
        out.append("\n")
        out.extend(f"seg:{old} dcterms:isReplacedBy seg:{new} .\n" for old, new in retired)

    for k in links:
        p = [
            "a cm:Link",
            f"cm:upstream seg:{k.upstream}",
            f"cm:downstream seg:{k.downstream}",
            f"cm:relation cm:{'feedstockOf' if k.relation == 'feedstock_of' else 'usedIn'}",
        ]
        if k.weight is not None:
            p.append(f'cm:weight "{_decimal(k.weight)}"^^xsd:decimal')
        if k.captive:
            p.append("cm:captive true")
        if k.note:
            p.append(f"rdfs:comment {_lit(k.note, 'zh')}")
        if k.sources:
            p.append("dcterms:source " + _objects(_iri(s) for s in k.sources))
        out.append(f"\nlink:{k.upstream}--{k.downstream} " + " ;\n    ".join(p) + " .\n")
        rel = "cm:feedstockOf" if k.relation == "feedstock_of" else "cm:usedIn"
        out.append(f"seg:{k.upstream} {rel} seg:{k.downstream} .\n")
    return "".join(out)


# ---------------------------------------------------------------------- tables in


def chain_from_tables(
    segments: pd.DataFrame,
    links: pd.DataFrame,
    *,
    chain_id: str,
    name_zh: str,
    name_en: str = "",
    sources: Sequence[str] = (),
    segments_file: str = "segments",
    links_file: str = "links",
    row_offset: int = 2,
) -> Chain:
    """Build a chain from tables with the reference columns.

    ``segments``: ``id, name_zh, name_en, stage, keywords_zh, gbt4754, source_url``;
    ``links``: ``upstream_id, downstream_id, relation, note, source_url`` and optional
    ``weight`` and ``captive``. Lists inside a cell are ``;``-separated (keywords, classes) or
    space-separated (URLs). Errors name the file, the row as the user sees it in
    the spreadsheet (header = row 1) and the column.
    """
    from chainmap.errors import InputError

    def need(frame: pd.DataFrame, cols: Sequence[str], file: str) -> None:
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise InputError(
                f"缺少列 / missing columns {missing}; found {list(frame.columns)}",
                file=file,
                hint="use the columns of the reference files (see docs/chains.md)",
            )

    if not isinstance(chain_id, str) or not _ID_RE.match(chain_id):
        raise InputError(  # it becomes an IRI of the Turtle file: nothing to escape there
            f"非法产业链编号 / invalid chain id {chain_id!r}: use lower-case letters, digits "
            "and _ (for example --id my_chain)"
        )
    need(segments, ["id", "name_zh", "stage"], segments_file)
    need(links, ["upstream_id", "downstream_id", "relation"], links_file)

    def cell(row: pd.Series, col: str) -> str:
        value = row.get(col, "")
        return "" if pd.isna(value) else str(value).strip()

    def urls(row: pd.Series, file: str, rownum: int) -> tuple[str, ...]:
        """The row's ``source_url`` cell: absolute http(s) URLs only (any other text became
        a relative IRI such as ``<not>`` in the Turtle)."""
        found = tuple(sorted(set(cell(row, "source_url").split())))
        for url in found:
            if not _HTTP_URL.fullmatch(url):
                raise InputError(
                    f"来源须为 http(s) 网址 / source_url {url[:60]!r} is not an http(s) URL",
                    file=file,
                    row=rownum,
                    column="source_url",
                    hint="separate several URLs with spaces",
                )
        return found

    segs: dict[str, Segment] = {}
    for i, row in segments.iterrows():
        rownum = int(i) + row_offset
        sid = cell(row, "id")
        if not _ID_RE.match(sid):
            raise InputError(
                f"非法编号 / invalid id {sid!r}: use lower-case letters, digits and _",
                file=segments_file,
                row=rownum,
                column="id",
            )
        if sid in segs:
            raise InputError(
                f"重复编号 / duplicate id {sid!r}", file=segments_file, row=rownum, column="id"
            )
        if not cell(row, "name_zh"):
            raise InputError(
                f"环节 {sid} 缺少中文名 / missing zh label",
                file=segments_file,
                row=rownum,
                column="name_zh",
            )
        stage = cell(row, "stage")
        if stage not in STAGE_ORDER:
            raise InputError(
                f"未知阶段 / unknown stage {stage!r}; use one of {', '.join(STAGES)}",
                file=segments_file,
                row=rownum,
                column="stage",
            )
        segs[sid] = Segment(
            id=sid,
            name_zh=cell(row, "name_zh"),
            name_en=cell(row, "name_en"),
            stage=stage,
            keywords=tuple(
                sorted({k.strip() for k in cell(row, "keywords_zh").split(";") if k.strip()})
            ),
            gbt4754=tuple(
                sorted({g.strip() for g in cell(row, "gbt4754").split(";") if g.strip()})
            ),
            sources=urls(row, segments_file, rownum),
            by_product=_flag(cell(row, "by_product"), segments_file, rownum, "by_product"),
            entry_point=cell(row, "entry_point"),
        )
    if not segs:
        raise InputError(
            "环节表为空 / the segments table holds no segment: a chain needs at least one",
            file=segments_file,
        )
    out_links: list[Link] = []
    seen: dict[tuple[str, str], int] = {}  # each link's row, for errors
    for i, row in links.iterrows():
        rownum = int(i) + row_offset
        up, down, rel = cell(row, "upstream_id"), cell(row, "downstream_id"), cell(row, "relation")
        for col, end in (("upstream_id", up), ("downstream_id", down)):
            if end not in segs:
                raise InputError(
                    f"未知环节 / unknown segment {end!r}"
                    + (
                        f"; did you mean {', '.join(closest(end, segs))}"
                        if closest(end, segs)
                        else ""
                    ),
                    file=links_file,
                    row=rownum,
                    column=col,
                )
        if rel not in RELATION_NAMES:
            raise InputError(
                f"未知关系 / unknown relation {rel!r}; use feedstock_of or used_in",
                file=links_file,
                row=rownum,
                column="relation",
            )
        if (up, down) in seen:
            raise InputError(
                f"重复链接 / duplicate link {up} → {down}",
                file=links_file,
                row=rownum,
                column="upstream_id",
            )
        seen[up, down] = rownum
        weight = cell(row, "weight") if "weight" in links.columns else ""
        try:
            w = float(weight) if weight else None
            if w is not None and not (math.isfinite(w) and w >= 0):
                raise ValueError(weight)
        except ValueError:
            raise InputError(
                f"权重须为非负有限数 / weight {weight!r} is not a finite, non-negative number",
                file=links_file,
                row=rownum,
                column="weight",
            ) from None
        captive = "captive" in links.columns and _flag(
            cell(row, "captive"), links_file, rownum, "captive"
        )
        if captive and rel != "feedstock_of":
            raise InputError(
                "只有 feedstock_of 链接可标 captive / only a feedstock_of link can be captive",
                file=links_file,
                row=rownum,
                column="captive",
                hint="a captive upstream is made on the site of its downstream",
            )
        out_links.append(
            Link(
                upstream=up,
                downstream=down,
                relation=rel,
                note=cell(row, "note"),
                sources=urls(row, links_file, rownum),
                weight=w,
                captive=captive,
            )
        )
    _refuse_feedstock_cycle(out_links, seen, links_file)
    return Chain(
        id=chain_id,
        name_zh=name_zh,
        name_en=name_en,
        segments_by_id=segs,
        link_list=out_links,
        sources=tuple(sources),
        origin=links_file,
    )


def _refuse_feedstock_cycle(
    links: Sequence[Link], rows: Mapping[tuple[str, str], int], file: str
) -> None:
    """Name the rows of the links table whose ``feedstock_of`` links form a cycle.

    The chain itself refuses a cycle (:func:`_build_graph`) by its segments alone; a
    table's author needs the rows to edit. ``used_in`` links may close a loop (CONTRACTS).
    """
    feeds = _feeds(links)
    if not _has_cycle(feeds):
        return
    import networkx as nx

    from chainmap.errors import InputError

    graph = nx.DiGraph([(up, down) for up, downs in feeds.items() for down in downs])
    cycle = nx.find_cycle(graph)
    path = _cycle_path(cycle)
    at = [rows[u, v] for u, v in cycle]
    raise InputError(
        f"原料链接成环 / the feedstock_of links on rows {', '.join(map(str, at))} form a "
        f"cycle: {path}",
        file=file,
        row=at[0],
        column="relation",
        hint="remove or reverse one of these links, or make one used_in (a market link "
        "may close a loop)",
    )


def _flag(text: str, file: str, row: int, column: str) -> bool:
    from chainmap.errors import InputError

    if text.lower() in ("", "false", "0", "no", "否"):
        return False
    if text.lower() in ("true", "1", "yes", "是"):
        return True
    raise InputError(
        f"不是是/否值 / {text!r} is not true or false", file=file, row=row, column=column
    )


# ---------------------------------------------------------------------- retired ids


@functools.cache
def segment_aliases() -> dict[str, str]:
    """Retired segment id → its successor, from ``graphs/segment_aliases.csv`` (CONTRACTS).

    >>> segment_aliases()["nev_bms"]
    'li_bms'
    """
    import csv
    import io

    rows = csv.DictReader(io.StringIO(catalog.read_text("segment_aliases.csv")))
    return {r["old_id"].strip(): r["new_id"].strip() for r in rows if r["old_id"].strip()}


def current_segment_ids(ids: Iterable[str]) -> list[str]:
    """``ids`` with every retired id replaced by its successor (first occurrence kept), warning once per id."""
    aliases = segment_aliases()
    out: list[str] = []
    for sid in ids:
        new = aliases.get(sid)
        if new is not None:
            _warn_retired(sid, new)
            sid = new
        if sid not in out:
            out.append(sid)
    return out


def _warn_retired(old: str, new: str) -> None:
    warnings.warn(
        f"环节编号已停用 / segment id {old!r} is retired; use {new!r} (graphs/segment_aliases.csv)",
        RetiredSegmentWarning,
        stacklevel=3,
    )


class RetiredSegmentWarning(UserWarning):
    """A retired segment id was used; it was mapped to its successor."""


def read_chain_tables(
    segments_path: str | Path,
    links_path: str | Path | None = None,
    *,
    chain_id: str | None = None,
    name_zh: str | None = None,
    name_en: str = "",
) -> Chain:
    """Read a chain from reference-style CSV/XLSX files (or one XLSX with two sheets).

    An XLSX given alone must hold sheets named ``segments`` and ``links``
    (or ``环节`` and ``链接``).
    """
    from chainmap.errors import InputError
    from chainmap.readwrite.formats import format_of
    from chainmap.readwrite.reader import read_table, sheet_names

    seg_path = Path(segments_path)
    if links_path is None:
        if format_of(seg_path) != "xlsx":
            raise InputError(
                "需要链接表 / a links file is needed unless SEGMENTS is an XLSX with two sheets",
                file=str(seg_path),
            )
        names = sheet_names(seg_path)
        pick = {}
        for want, alias in (("segments", "环节"), ("links", "链接")):
            found = [n for n in names if n.strip().lower() == want or n.strip() == alias]
            if not found:
                raise InputError(
                    f"缺少工作表 / no sheet named {want!r} or {alias!r}; found {names}",
                    file=str(seg_path),
                )
            pick[want] = found[0]
        segments = read_table(seg_path, sheet=pick["segments"])
        links = read_table(seg_path, sheet=pick["links"])
        seg_file = f"{seg_path}[{pick['segments']}]"
        link_file = f"{seg_path}[{pick['links']}]"
    else:
        segments = read_table(seg_path)
        links = read_table(links_path)
        seg_file, link_file = str(seg_path), str(links_path)
    stem = seg_path.stem.removesuffix("_segments").removesuffix("-segments")
    cid = chain_id or re.sub(r"[^a-z0-9_]+", "_", stem.lower()).strip("_") or "chain"
    return chain_from_tables(
        segments,
        links,
        chain_id=cid,
        name_zh=name_zh or cid,
        name_en=name_en,
        segments_file=seg_file,
        links_file=link_file,
    )


def segment_records(
    chain: Chain, *, segment: str | None = None, depth: int | None = None
) -> list[dict]:
    """Segment records in the ``show`` JSON shape, in stage order.

    With ``segment``, only that segment and what lies within ``depth`` hops
    upstream and downstream of it (all hops when ``depth`` is None).
    ``upstream``/``downstream`` always list direct neighbours in the full chain.
    """
    if segment is None:
        keep = list(chain.ordered_segments())
    else:
        sid = chain.resolve(segment)
        ids = {sid, *chain.upstream(sid, depth), *chain.downstream(sid, depth)}
        keep = [s for s in chain.ordered_segments() if s.id in ids]
    return [
        {
            "id": s.id,
            "name_zh": s.name_zh,
            "name_en": s.name_en,
            "stage": s.stage,
            "keywords": list(s.keywords),
            "upstream": chain.predecessors(s.id),
            "downstream": chain.successors(s.id),
            "sources": list(s.sources),
        }
        for s in keep
    ]


def describe_bundled_chains() -> list[dict]:
    """One record per bundled chain in the ``chains`` JSON shape, with shared segments."""
    chains = [_load_bundled(cid) for cid in catalog.bundled_chain_ids()]
    owners: dict[str, set[str]] = {}
    for c in chains:
        for sid in c.segments_by_id:
            owners.setdefault(sid, set()).add(c.id)
    return [
        {
            "id": c.id,
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "segments": len(c),
            "links": len(c.link_list),
            "shared_segments": sorted(s for s in c.segments_by_id if len(owners[s]) > 1),
        }
        for c in chains
    ]
