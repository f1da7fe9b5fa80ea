"""The strategy's plain-dict feedstock walks against networkx, their reference.

``chainmap.model.chain.Adjacency`` replaces networkx in the strategy (so ranking a bundled
chain never imports it); every walk here is compared with what networkx gives on
:func:`chainmap.analysis.strategy.feedstock_graph`, and the plans with a re-statement of
the previous networkx implementation.
"""

from __future__ import annotations

import random
import subprocess
import sys

import networkx as nx
import pandas as pd
import pytest

from chainmap.analysis.gaps import segment_importance
from chainmap.analysis.strategy import _share, feedstock_graph, plan_segments, strategies
from chainmap.model import catalog
from chainmap.model.chain import Chain, Link, Segment, load_chain, load_chains, parse_chain

CHAIN_IDS = catalog.bundled_chain_ids()


def _random_chain(seed: int) -> Chain:
    """A random DAG of feedstock links plus used_in links that may close loops."""
    rnd = random.Random(seed)
    stages = ["resource", "material", "intermediate", "product", "application"]
    n = rnd.randint(8, 30)
    segs = {
        f"s{i:02d}": Segment(
            id=f"s{i:02d}", name_zh=f"环节{i}", name_en=f"seg {i}", stage=rnd.choice(stages)
        )
        for i in range(n)
    }
    ids = list(segs)
    rnd.shuffle(ids)
    links, seen = [], set()
    for _ in range(rnd.randint(n, 3 * n)):
        a, b = sorted(rnd.sample(range(n), 2))
        up, down = ids[a], ids[b]
        relation = "feedstock_of" if rnd.random() < 0.8 else "used_in"
        if relation == "used_in" and rnd.random() < 0.5:
            up, down = down, up  # a market link may point back
        if (up, down) in seen or (down, up) in seen:
            continue
        seen.add((up, down))
        weight = rnd.choice([None, 0.5, 1.0, 2.0, 0.25, 0.0])
        links.append(Link(upstream=up, downstream=down, relation=relation, weight=weight))
    return Chain(id="rnd", name_zh="随机", name_en="random", segments_by_id=segs, link_list=links)


CHAINS = [*CHAIN_IDS, "fluorochem,semiconductor_materials", *[f"random{i}" for i in range(12)]]


@pytest.fixture(params=CHAINS)
def chain(request) -> Chain:
    name = request.param
    if name.startswith("random"):
        return _random_chain(int(name[6:]))
    return load_chains(name.split(","))


def _ref_plan(chain: Chain, status, *, hop_decay, context_held=()):
    """The networkx implementation the plain walks replaced (hops, reach, feasibility)."""
    g = feedstock_graph(chain)
    held = {s for s, st in status.items() if st in ("weak", "strong")}
    if not held:
        return None
    hops = {
        s: int(d)
        for s, d in nx.multi_source_dijkstra_path_length(
            g.to_undirected(as_view=True), set(held), weight=lambda u, v, d: 1
        ).items()
    }
    reach = {s: (nx.ancestors(g, s), nx.descendants(g, s)) for s in g}
    return hops, reach


def test_neighbours_are_networkx_neighbours_in_its_order(chain):
    g = feedstock_graph(chain)
    fs = chain.feedstock
    assert list(fs.nodes) == list(g.nodes)
    for s in g:
        assert list(fs.preds[s]) == list(g.predecessors(s)), s
        assert list(fs.succs[s]) == list(g.successors(s)), s
        for n in fs.neighbours(s):
            data = g.edges[n, s] if g.has_edge(n, s) else g.edges[s, n]
            assert fs.weight(n, s) == data["weight"]
    assert sorted(fs.weights) == sorted(g.edges)


def test_reach_and_hops_equal_networkx(chain):
    g = feedstock_graph(chain)
    fs = chain.feedstock
    for s in g:
        assert fs.reach[s] == (nx.ancestors(g, s), nx.descendants(g, s)), s
    rnd = random.Random(len(g))
    nodes = list(g)
    for k in (1, 2, 3, max(1, len(nodes) // 3)):
        held = set(rnd.sample(nodes, min(k, len(nodes))))
        want = nx.multi_source_dijkstra_path_length(
            g.to_undirected(as_view=True), held, weight=lambda u, v, d: 1
        )
        assert fs.hops(held) == {s: int(d) for s, d in want.items()}


def test_plans_use_the_same_hops_reach_and_shares(chain):
    rnd = random.Random(7)
    ids = list(chain.segments_by_id)
    for _ in range(6):
        status = {s: rnd.choice(["missing", "missing", "weak", "strong", "no_data"]) for s in ids}
        plans = plan_segments(chain, status, hop_decay=0.7)
        ref = _ref_plan(chain, status, hop_decay=0.7)
        if ref is None:
            continue
        hops, reach = ref
        held = {s for s, st in status.items() if st in ("weak", "strong")}
        for s, p in plans.items():
            assert p.hops == hops.get(s), s
            assert set(p.held_upstream) == held & reach[s][0], s
            assert set(p.held_downstream) == held & reach[s][1], s
            if hops.get(s) is not None and hops[s] <= 1:
                assert p.feasibility == _ref_share(feedstock_graph(chain), s, held), s


def _ref_share(graph, s, held):
    total = held_w = 0.0
    for n in set(graph.predecessors(s)) | set(graph.successors(s)):
        data = graph.edges[n, s] if graph.has_edge(n, s) else graph.edges[s, n]
        w = float(data.get("weight", 1.0) or 0.0)
        total += w
        held_w += w if n in held else 0.0
    return held_w / total if total else 0.0


def test_share_equals_the_networkx_share(chain):
    held = set(list(chain.segments_by_id)[::2])
    g = feedstock_graph(chain)
    for s in chain.segments_by_id:
        assert _share(chain.feedstock, s, held) == _ref_share(g, s, held)


@pytest.mark.parametrize("chain_id", CHAIN_IDS)
def test_prebuilt_importance_is_networkx_importance(chain_id):
    cached = load_chain(chain_id)
    assert cached.prebuilt_importance is not None
    parsed = parse_chain(catalog.read_text(f"{chain_id}.ttl"), origin=f"graphs/{chain_id}.ttl")
    assert parsed.prebuilt_importance is None  # computed with networkx
    pd.testing.assert_series_equal(
        segment_importance(cached), segment_importance(parsed), check_exact=True
    )


def test_a_joined_or_cut_chain_computes_its_own_importance():
    joined = load_chains(["fluorochem", "semiconductor_materials"])
    assert joined.prebuilt_importance is None
    cut = load_chain("fluorochem").subchain(["fluorspar", "ahf", "hfc_refrigerants"])
    assert cut.prebuilt_importance is None
    assert set(segment_importance(cut).index) == {"fluorspar", "ahf", "hfc_refrigerants"}


def test_ranking_a_bundled_chain_imports_neither_networkx_nor_rdflib():
    code = (
        "import sys\n"
        "from chainmap.cli import main\n"
        "try: main(['rank', 'fluorochem', '--top', '3'])\n"
        "except SystemExit as e: assert not e.code, e.code\n"
        "print('LOADED', [m for m in ('networkx', 'rdflib') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "LOADED []" in out.stdout
    control = code.replace("'fluorochem'", "'fluorochem,nev'")  # joined: importance computed
    out = subprocess.run([sys.executable, "-c", control], capture_output=True, text=True)
    assert "LOADED ['networkx']" in out.stdout, out.stderr


def _ref_reach(chain: Chain, segment: str, depth, *, up: bool, feedstock_only: bool):
    """``Chain.upstream``/``downstream`` as networkx computed them."""
    graph = feedstock_graph(chain) if feedstock_only else chain.graph
    graph = graph.reverse(copy=False) if up else graph
    dist = nx.single_source_shortest_path_length(graph, segment, cutoff=depth)
    dist.pop(segment, None)
    return sorted(dist, key=lambda s: (dist[s], chain.segments_by_id[s].stage_order, s))


def test_every_link_is_networkx_graph_in_its_order(chain):
    g = chain.graph
    adj = chain.adjacency
    for s in g:  # used_in links may close loops here
        assert adj.reach[s] == (nx.ancestors(g, s), nx.descendants(g, s)), s
    for s in g:
        assert list(adj.preds[s]) == list(g.predecessors(s)), s
        assert list(adj.succs[s]) == list(g.successors(s)), s
    assert sorted(adj.weights) == sorted(g.edges)
    for u, v in g.edges:
        assert chain.link(u, v) is g.edges[u, v]["link"]
    ids = list(chain.segments_by_id)
    with pytest.raises(KeyError):  # not a link, either way round
        pairs = {(u, v) for u, v in g.edges} | {(v, u) for u, v in g.edges}
        chain.link(*next((a, b) for a in ids for b in ids if (a, b) not in pairs and a != b))


@pytest.mark.parametrize("depth", [None, 1, 2])
def test_upstream_and_downstream_equal_networkx(chain, depth):
    for s in chain.segments_by_id:
        for only in (False, True):
            assert chain.upstream(s, depth, feedstock_only=only) == _ref_reach(
                chain, s, depth, up=True, feedstock_only=only
            ), (s, only)
            assert chain.downstream(s, depth, feedstock_only=only) == _ref_reach(
                chain, s, depth, up=False, feedstock_only=only
            ), (s, only)


def test_showing_a_chain_imports_no_networkx():
    code = (
        "import sys\n"
        "from chainmap.cli import main\n"
        "try: main(['show', 'fluorochem', '--segment', 'pvdf', '--depth', '2'])\n"
        "except SystemExit as e: assert not e.code, e.code\n"
        "print('LOADED', 'networkx' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "LOADED False" in out.stdout


def test_strategies_are_the_plans_strategy_and_feasibility(chain):
    rnd = random.Random(3)
    ids = list(chain.segments_by_id)
    context = set(ids[::3])
    for k in range(20):
        states = ["missing", "weak", "strong", "no_data"] if k % 5 else ["missing", "no_data"]
        status = {s: rnd.choice(states) for s in ids}  # every fifth: the home holds nothing
        plans = plan_segments(chain, status, hop_decay=0.6, context_held=context)
        got = strategies(chain, status, hop_decay=0.6, context_held=context)
        assert got == {s: (p.strategy, p.feasibility) for s, p in plans.items()}
