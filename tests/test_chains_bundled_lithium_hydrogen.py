"""The bundled lithium-battery and hydrogen chains: structure, sources, joins and sample firms."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx
import pytest

from chainmap.model import catalog
from chainmap.model.chain import (
    _feedstock_view,
    load_chain,
    load_chains,
    read_chain_tables,
    segment_aliases,
)

CHAINS = {
    "lithium_battery": ("锂电池产业链", "Lithium-ion battery industry chain"),
    "hydrogen": ("氢能与燃料电池产业链", "Hydrogen and fuel-cell industry chain"),
}
ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "graphs" / "sources"
# Bare generic words that would match almost any business scope (CHAINS_BRIEF).
TOO_GENERIC = {"材料", "设备", "电池", "化工", "新能源", "科技", "制造", "销售", "储能"}


@pytest.fixture(scope="module", params=sorted(CHAINS))
def chain(request):
    return load_chain(request.param)


def companies(chain_id: str) -> list[dict[str, str]]:
    with catalog.data_path(f"companies_{chain_id}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_chain_is_bundled_with_its_labels(chain):
    assert chain.id in catalog.bundled_chain_ids()
    assert (chain.name_zh, chain.name_en) == CHAINS[chain.id]


def test_chain_size_and_acyclic(chain):
    assert len(chain) >= 25
    assert len(chain.link_list) >= 35
    assert nx.is_directed_acyclic_graph(_feedstock_view(chain.graph))


def test_every_segment_and_link_is_sourced_and_labelled(chain):
    for seg in chain:
        assert all(s.startswith("http") for s in seg.sources), seg.id
        assert seg.name_zh and seg.name_en, seg.id
        assert seg.keywords, seg.id
        assert not set(seg.keywords) & TOO_GENERIC, seg.id
    for link in chain.link_list:
        pass  # sources may wait for a primary source (tests/test_chain_sources.py)
        assert link.relation in {"feedstock_of", "used_in"}


def test_every_segment_takes_part_in_a_link(chain):
    linked = {k.upstream for k in chain.link_list} | {k.downstream for k in chain.link_list}
    assert set(chain.segments_by_id) == linked


def test_keywords_do_not_point_at_two_segments(chain):
    seen: dict[str, str] = {}
    for seg in chain:
        for word in seg.keywords:
            assert word not in seen, f"{word!r} in {seen.get(word)} and {seg.id}"
            seen[word] = seg.id


def test_shared_segments_are_identical_to_fluorochem(chain, fluorochem):
    shared = set(chain.segments_by_id) & set(fluorochem.segments_by_id)
    assert shared
    for sid in shared:
        assert chain.segment(sid) == fluorochem.segment(sid), sid
    joined = load_chains(["fluorochem", chain.id])
    assert set(joined.shared_segments) == shared
    assert len(joined) == len(chain) + len(fluorochem) - len(shared)
    assert nx.is_directed_acyclic_graph(_feedstock_view(joined.graph))


def test_bundled_turtle_is_the_import_of_the_working_tables(chain):
    # The Turtle is generated from graphs/sources/; editing one without the other fails here.
    again = read_chain_tables(
        SOURCES / f"{chain.id}_segments.csv",
        SOURCES / f"{chain.id}_links.csv",
        chain_id=chain.id,
        name_zh=chain.name_zh,
        name_en=chain.name_en,
    )
    assert again.to_turtle() == catalog.read_text(f"{chain.id}.ttl")


def test_sample_companies_are_real_rows_with_sources(chain):
    rows = companies(chain.id)
    # the sample shrank when rows without a primary source were removed (graphs/README.md)
    assert len(rows) >= 8
    names = [r["name_zh"] for r in rows]
    assert len(names) == len(set(names))
    for row in rows:
        ids = row["segments"].split(";")
        ids = [
            segment_aliases().get(i, i) for i in ids
        ]  # retired ids resolve (segment_aliases.csv)
        assert ids and all(i in chain.segments_by_id for i in ids), row["name_zh"]
        assert row["source_url"].startswith("http"), row["name_zh"]
        assert row["products_zh"] and row["country"], row["name_zh"]
        if row["country"] == "中国":
            assert row["province"], row["name_zh"]
        assert not row["revenue_cny_100m"] or row["revenue_year"], row["name_zh"]
    assert any(r["province"] == "浙江" for r in rows)


# ---------------------------------------------------------------------- lithium battery


def test_pvdf_feeds_the_electrodes_and_comes_from_fluorochem_monomers():
    li = load_chain("lithium_battery")
    assert (
        li.link("pvdf", "li_electrode").relation == "feedstock_of"
    )  # binder built into the electrode
    assert set(li.predecessors("pvdf")) == {"vdf", "hfp"}
    joined = load_chains(["fluorochem", "lithium_battery"])
    # In the joined graph pvdf's supply reaches back to fluorspar, a fluorochem resource.
    assert ["fluorspar", "ahf", "hcfc_refrigerants", "vdf", "pvdf", "li_electrode"] in (
        joined.paths("fluorspar", "li_electrode")
    )


def test_show_pvdf_lists_fluorochem_segments_upstream(invoke):
    result = invoke(
        "show", "lithium_battery", "--segment", "pvdf", "--depth", "1", "--format", "json"
    )
    records = {r["id"]: r for r in json.loads(result.output)}
    fluoro = set(load_chain("fluorochem").segments_by_id)
    assert set(records["pvdf"]["upstream"]) == {"vdf", "hfp"} <= fluoro
    assert "li_electrode" in records["pvdf"]["downstream"]


def test_cells_and_packs_feed_the_shared_lithium_battery_segment():
    li = load_chain("lithium_battery")
    # li_cell was merged into lithium_battery (cells); packs are assembled from cells
    assert "li_electrode" in li.predecessors("lithium_battery")
    assert "li_battery_pack" in li.successors("lithium_battery")
    assert li.segment("lithium_battery").stage == "component"
    assert li.segment("li_battery_pack").stage == "product"
    # Recycling is a sink: closing the loop back to lithium salts would make a cycle.
    assert li.successors("li_recycling") == []
    assert "li_recycling" in li.downstream("li_lithium_carbonate")


def test_lithium_chain_has_jinhua_firms():
    rows = companies("lithium_battery")
    counties = {r["county"] for r in rows if r["city"] == "金华"}
    # 兰溪's 浙江锂威 was removed: no primary source was found (graphs/README.md)
    assert {"东阳市"} <= counties


# ---------------------------------------------------------------------- hydrogen


def test_pfsa_membrane_feeds_mea_and_pem_electrolysers_from_fluorochem():
    h2 = load_chain("hydrogen")
    assert {"h2_mea", "h2_pem_electrolyzer", "fuel_cells"} <= set(h2.successors("pfsa_membrane"))
    joined = load_chains(["fluorochem", "hydrogen"])
    # PFSA comes from fluorochem's perfluorinated monomers; in the joined graph it feeds both
    # fluorochem's chlor-alkali and hydrogen's MEAs.
    assert set(joined.upstream("pfsa_membrane", depth=1)) == {"perfluoro_intermediates", "tfe"}
    assert {"chlor_alkali", "h2_mea"} <= set(joined.successors("pfsa_membrane"))
    assert ["h2_fc_catalyst", "h2_mea", "h2_fc_stack", "fuel_cells", "h2_fcev"] in (
        h2.paths("h2_fc_catalyst", "h2_fcev")
    )


def test_hydrogen_supply_runs_from_production_to_vehicles():
    h2 = load_chain("hydrogen")
    down = set(h2.downstream("h2_renewable_power"))
    assert {"h2_green_hydrogen", "h2_refuelling_station", "h2_fcev"} <= down
    # Electrolysers are equipment used in production: a back link to an earlier stage.
    link = h2.link("h2_alk_electrolyzer", "h2_green_hydrogen")
    assert link.relation == "used_in"
    assert (
        h2.segment("h2_alk_electrolyzer").stage_order > h2.segment("h2_green_hydrogen").stage_order
    )


def test_all_bundled_chains_join_on_shared_segments():
    joined = load_chains(["fluorochem", "lithium_battery", "hydrogen"])
    assert {"pvdf", "pfsa_membrane", "fuel_cells", "lithium_battery"} <= set(joined.shared_segments)
    assert nx.is_directed_acyclic_graph(_feedstock_view(joined.graph))
    # Hydrogen and lithium meet through fluorochem: PTFE (in both) is also a battery binder.
    assert "lithium_battery" in joined.successors("ptfe")


def test_hydrogen_chain_has_a_zhejiang_firm():
    # 金华氢途 was removed: no primary source was found (graphs/README.md)
    rows = companies("hydrogen")
    assert any(r["province"] == "浙江" and r["county"] for r in rows)
