"""Bundled chains nev (新能源汽车及零部件) and power_tools (电动工具与五金).

Each chain is checked against an independent reading of its source tables
(``graphs/sources/<chain>_*.csv``) and of its sample-company file, so the
bundled Turtle cannot drift from the sourced rows it was generated from.
"""

from __future__ import annotations

from collections import deque
import csv
from pathlib import Path

import pytest

from chainmap.model.chain import load_chain, load_chains, read_chain_tables, segment_aliases
from chainmap.model.vocab import STAGES

GRAPHS = Path(__file__).resolve().parents[1] / "graphs"
CHAINS = ["nev", "power_tools"]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _topological_order(nodes: set[str], edges: list[tuple[str, str]]) -> list[str]:
    """Kahn's algorithm; shorter than ``nodes`` when the graph has a cycle."""
    indegree = {n: 0 for n in nodes}
    out: dict[str, list[str]] = {n: [] for n in nodes}
    for up, down in edges:
        out[up].append(down)
        indegree[down] += 1
    queue = deque(sorted(n for n, d in indegree.items() if d == 0))
    order = []
    while queue:
        node = queue.popleft()
        order.append(node)
        for nxt in out[node]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                queue.append(nxt)
    return order


@pytest.fixture(scope="module", params=CHAINS)
def chain(request):
    return load_chain(request.param)


def test_bundled_turtle_matches_the_source_tables(chain):
    seg_csv = GRAPHS / "sources" / f"{chain.id}_segments.csv"
    link_csv = GRAPHS / "sources" / f"{chain.id}_links.csv"
    rebuilt = read_chain_tables(seg_csv, link_csv, chain_id=chain.id, name_zh=chain.name_zh)
    assert rebuilt.segments_by_id == chain.segments_by_id
    assert sorted(rebuilt.link_list, key=lambda k: (k.upstream, k.downstream)) == sorted(
        chain.link_list, key=lambda k: (k.upstream, k.downstream)
    )
    # and the tables themselves hold as many rows as the chain
    assert len(_rows(seg_csv)) == len(chain)
    assert len(_rows(link_csv)) == len(chain.link_list)


def test_chain_is_large_enough(chain):
    assert len(chain) >= 25
    assert len(chain.link_list) >= 35


def test_chain_is_acyclic(chain):
    # cycles are checked over feedstock_of links only: used_in links may close a loop
    edges = [(k.upstream, k.downstream) for k in chain.link_list if k.relation == "feedstock_of"]
    assert len(_topological_order(set(chain.segments_by_id), edges)) == len(chain)


def test_every_segment_and_link_is_sourced_and_labelled(chain):
    for seg in chain:
        assert all(s.startswith("http") for s in seg.sources), seg.id
        assert seg.name_zh and seg.name_en and seg.keywords, seg.id
        assert seg.stage in STAGES, seg.id
    for link in chain.link_list:
        assert all(s.startswith("http") for s in link.sources)
        assert link.relation in {"feedstock_of", "used_in"}


def test_every_segment_takes_part_in_a_link(chain):
    linked = {k.upstream for k in chain.link_list} | {k.downstream for k in chain.link_list}
    assert set(chain.segments_by_id) == linked


def test_new_keywords_avoid_bare_generic_terms(chain):
    # Rows copied from fluorochem keep fluorochem's keywords; only new rows are checked.
    generic = {"材料", "设备", "电池", "电机", "汽车", "五金", "工具"}
    inherited = set(load_chain("fluorochem").segments_by_id)
    for seg in chain:
        if seg.id not in inherited:
            assert not generic & set(seg.keywords), seg.id


def test_chain_joins_fluorochem_on_identical_shared_segments(chain):
    fluorochem = load_chain("fluorochem")
    joined = load_chains(["fluorochem", chain.id])
    shared = set(fluorochem.segments_by_id) & set(chain.segments_by_id)
    assert shared and set(joined.shared_segments) == shared
    for sid in shared:
        assert chain.segment(sid) == fluorochem.segment(sid)
    edges = [(k.upstream, k.downstream) for k in joined.link_list if k.relation == "feedstock_of"]
    assert len(_topological_order(set(joined.segments_by_id), edges)) == len(joined)


def test_sample_companies_are_sourced_and_tagged_with_known_segments(chain):
    rows = _rows(GRAPHS / f"companies_{chain.id}.csv")
    # the sample shrank when rows without a primary source were removed (graphs/README.md)
    assert len(rows) >= 10
    assert len({r["name_zh"] for r in rows}) == len(rows)
    for row in rows:
        assert row["source_url"].startswith("http"), row["name_zh"]
        assert row["products_zh"] and row["country"], row["name_zh"]
        assert row["city"], row["name_zh"]  # every firm has a sourced location
        if row["country"] == "中国":
            assert row["province"], row["name_zh"]
        tags = [segment_aliases().get(t, t) for t in row["segments"].split(";")]
        assert tags and set(tags) <= set(chain.segments_by_id), row["name_zh"]
        assert bool(row["revenue_cny_100m"]) == bool(row["revenue_year"]), row["name_zh"]
    jinhua = [r for r in rows if r["city"] == "金华"]
    assert len(jinhua) >= 3


def test_nev_and_power_tools_share_identical_segments_and_links():
    nev, tools = load_chain("nev"), load_chain("power_tools")
    shared = set(nev.segments_by_id) & set(tools.segments_by_id)
    # motors, housings and batteries draw on the same materials in both chains
    assert {"permanent_magnets", "magnet_wire", "aluminum_die_castings"} <= shared
    for sid in shared:
        assert nev.segment(sid) == tools.segment(sid)
    joined = load_chains(["fluorochem", "nev", "power_tools"])
    assert shared <= set(joined.shared_segments)
    both = {(k.upstream, k.downstream) for k in nev.link_list} & {
        (k.upstream, k.downstream) for k in tools.link_list
    }
    for key in both:
        assert nev.link(*key) == tools.link(*key)


def test_firms_in_both_company_files_are_described_identically():
    nev = {r["name_zh"]: r for r in _rows(GRAPHS / "companies_nev.csv")}
    tools = {r["name_zh"]: r for r in _rows(GRAPHS / "companies_power_tools.csv")}
    common = set(nev) & set(tools) - {"博世"}  # Bosch is tagged per chain (auto parts vs tools)
    assert common
    for name in common:
        assert nev[name] == tools[name], name
