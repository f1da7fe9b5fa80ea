"""The bundled chains' sources, structure and retired ids (issue 16 §1 and §3).

Kinds come from the reviewed domain table ``graphs/source_domains.csv``; rows that still
wait for a primary source are listed in ``graphs/sources/awaiting_primary_source.csv``,
a list that may only shrink (a listed row that has gained a primary source fails too).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
import re
from urllib.parse import urlparse
import warnings

import pandas as pd
import pytest

from chainmap.errors import InputError
from chainmap.model.chain import (
    RetiredSegmentWarning,
    chain_from_tables,
    load_chain,
    segment_aliases,
)
from chainmap.model.enterprises import normalise_enterprises
from chainmap.model.sources import source_domain, source_kind

GRAPHS = Path(__file__).resolve().parents[1] / "graphs"
SOURCES = GRAPHS / "sources"
CHAINS = sorted(p.name.removesuffix("_segments.csv") for p in SOURCES.glob("*_segments.csv"))
PRIMARY = {"filing", "company", "government", "association", "press"}
URL = re.compile(r"https?://[^\s<>\"]+")


def _domain(url: str) -> str:
    host = urlparse(url).netloc.lower()
    return host.removeprefix("www.")


def _rows(name: str) -> list[dict[str, str]]:
    with open(SOURCES / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def kinds() -> dict[str, str]:
    with open(GRAPHS / "source_domains.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["kind"] for r in rows} <= PRIMARY | {"secondary", "denied"}
    return {r["domain"]: r["kind"] for r in rows}


def _chain_rows():
    for chain in CHAINS:
        for r in _rows(f"{chain}_segments.csv"):
            yield chain, "segment", r["id"], r["source_url"].split()
        for r in _rows(f"{chain}_links.csv"):
            key = f"{r['upstream_id']}--{r['downstream_id']}"
            yield chain, "link", key, r["source_url"].split()


def test_no_denied_domain_in_chain_files(kinds):
    files = [*GRAPHS.glob("*.ttl"), *SOURCES.glob("*.csv")]
    found = {
        (f.name, _domain(u))
        for f in files
        for u in URL.findall(f.read_text(encoding="utf-8"))
        if source_kind(u) == "denied"
    }
    assert not found, f"denied domains cited: {sorted(found)}"
    assert "denied" in kinds.values()  # the denylist itself is not empty


def test_every_chain_source_domain_is_reviewed(kinds):
    unknown = {(c, i, _domain(u)) for c, _, i, urls in _chain_rows() for u in urls}
    unknown = {x for x in unknown if source_domain(f"https://{x[2]}/") is None}
    assert not unknown, f"add these domains to graphs/source_domains.csv: {sorted(unknown)[:20]}"


def test_rows_without_a_primary_source_are_listed_and_the_list_only_shrinks(kinds):
    lacking = {
        (c, kind, i)
        for c, kind, i, urls in _chain_rows()
        if not {source_kind(u) for u in urls} & PRIMARY
    }
    listed = {(r["chain"], r["kind"], r["id"]) for r in _rows("awaiting_primary_source.csv")}
    assert lacking - listed == set(), "a new or changed row needs a primary source"
    assert listed - lacking == set(), (
        "these rows now have a primary source: drop them from the list"
    )


def test_every_segment_has_an_upstream_feedstock_or_is_an_entry_point():
    chain = load_chain("all")  # shared segments are fed from whichever chain holds their inputs
    missing = []
    for seg in chain.ordered_segments():
        if seg.stage == "resource" or seg.entry_point:
            continue
        ups = list(chain.graph.predecessors(seg.id))
        feed = [u for u in ups if chain.graph.edges[u, seg.id]["relation"] == "feedstock_of"]
        market = seg.stage in ("application", "service") and ups  # markets are reached by used_in
        if not feed and not market:
            missing.append(seg.id)
    assert missing == []


def test_shared_segment_copies_are_identical():
    by_id: dict[str, list[tuple[str, dict]]] = {}
    for chain in CHAINS:
        for r in _rows(f"{chain}_segments.csv"):
            by_id.setdefault(r["id"], []).append((chain, r))
    shared = {k: v for k, v in by_id.items() if len(v) > 1}
    assert "lithium_battery" in shared and "electronic_gases" in shared
    for sid, copies in shared.items():
        first = copies[0][1]
        for chain, row in copies[1:]:
            assert row == first, f"{sid} differs between {copies[0][0]} and {chain}"


def test_hfp_and_tfe_extend_wuyi_from_its_r22_not_fill_a_gap():
    """The bundled sample's 武义 (三美: HCFC-22, HFC-32/125/134a/143a) holds R22, the feed of
    TFE, and nothing made from HFP: TFE and HFP extend the chain (延链), they fill no gap."""
    from chainmap import datasets
    from chainmap.analysis.gaps import segment_status

    chain = load_chain("fluorochem")
    status = segment_status(chain, datasets.enterprises(chain), home="武义县")
    for sid in ("tfe", "hfp"):
        row = status.loc[sid]
        assert row["strategy"] == "延链", sid
        assert "hcfc_refrigerants" in row["held_upstream"] and list(row["held_downstream"]) == []


def test_chemistry_of_the_fluorochem_chain():
    chain = load_chain("fluorochem")
    feed = {(k.upstream, k.downstream) for k in chain.link_list if k.relation == "feedstock_of"}
    # HFP + HF gives HFC-227ea, which the chain's keywords put in fluoro_fine_chemicals; the
    # HFC segment's products (HFC-32/125/134a/143a, their blends) are not made from HFP. A
    # link into hfc_refrigerants made HFP and TFE 补链 for any home holding HFCs.
    (product,) = [k for k in chain.link_list if k.upstream == "hfp" and "227ea" in k.note]
    assert "HFC-227ea" in chain.segments_by_id[product.downstream].keywords
    assert ("hfp", "hfc_refrigerants") not in feed
    assert "HFC-227ea" not in chain.segments_by_id["hfc_refrigerants"].keywords
    assert (
        "trifluoromethane",
        "hfc_refrigerants",
    ) not in feed  # HFC-125/227ea are not made from F23
    for link in [
        ("chlorinated_feedstocks", "hfc_refrigerants"),  # perchloroethylene + HF → HFC-125
        ("hfp", "fluoro_fine_chemicals"),  # HFP + HF → HFC-227ea (see below)
        ("tfe", "hfp"),
        ("hfp", "fep_pfa"),
        ("hfp", "perfluoro_intermediates"),  # HFPO
        ("tfe", "pfsa_membrane"),
        ("ahf", "hfo_refrigerants"),
        ("chlorinated_feedstocks", "hfo_refrigerants"),
        ("perfluoro_intermediates", "electronic_fluorinated_fluids"),
        ("inorganic_fluorides", "fluoro_pharma_intermediates"),  # Halex (KF)
        ("inorganic_fluorides", "fluoro_agro_intermediates"),
    ]:
        assert link in feed, link
    for sid in ("hfp", "hfo_refrigerants", "lifsi", "fec", "electronic_fluorinated_fluids"):
        assert chain.upstream(sid), sid
    assert "八氟环丁烷" in chain.segment("electronic_gases").keywords
    assert "八氟环丁烷" not in chain.segment("perfluoro_intermediates").keywords
    assert chain.segment("trifluoromethane").by_product
    assert chain.segment("fluorosilicic_acid").by_product
    assert not chain.segment("ahf").by_product


def test_lithium_carbonate_routes():
    chain = load_chain("lithium_battery")
    feed = {(k.upstream, k.downstream) for k in chain.link_list}
    # Li2CO3 -> LiF was removed for want of a primary source; LiF -> LiPF6 stays
    for down in ("li_cathode_lco", "li_cathode_lmo"):
        assert ("li_lithium_carbonate", down) in feed
    assert ("inorganic_fluorides", "lipf6") in feed


def test_stages_of_segments_that_feed_others():
    chain = load_chain("all")
    for sid in ("lithium_battery", "wire_cable", "chlor_alkali", "fuel_cells", "packaging_testing"):
        assert chain.segment(sid).stage != "application", sid
        order = chain.segment(sid).stage_order
        for down in chain.successors(sid):
            link = chain.link(sid, down)
            if link.relation == "feedstock_of":
                assert chain.segment(down).stage_order >= order, (sid, down)


def test_retired_ids_resolve_with_a_warning():
    aliases = segment_aliases()
    chain = load_chain("all")
    assert aliases and all(new in chain for new in aliases.values())
    assert not any(old in chain for old in aliases)
    with pytest.warns(RetiredSegmentWarning, match="nev_bms"):
        assert chain.resolve("nev_bms") == "li_bms"
    text = (GRAPHS / "nev.ttl").read_text(encoding="utf-8")
    assert "seg:nev_bms dcterms:isReplacedBy seg:li_bms ." in text


def test_enterprise_tags_with_a_retired_id_map_to_the_successor():
    frame = pd.DataFrame({"name": ["甲公司"], "segments": ["nev_bms;li_bms;automotive"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table, report = normalise_enterprises(frame, source="t.csv")
    assert table.loc[0, "segments"] == ["li_bms", "automotive"]
    assert any(i.code == "retired_segment" for i in report.items)


def test_bundled_company_tags_all_resolve():
    known = set(load_chain("all").segments_by_id) | set(segment_aliases())
    for path in sorted(GRAPHS.glob("companies_*.csv")):
        for row in csv.DictReader(open(path, encoding="utf-8")):
            for sid in filter(None, (s.strip() for s in row["segments"].split(";"))):
                assert sid in known, (path.name, row["name_zh"], sid)


def _tables(links):
    segs = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "name_zh": ["甲", "乙", "丙"],
            "stage": ["basic", "material", "product"],
        }
    )
    return segs, pd.DataFrame(links, columns=["upstream_id", "downstream_id", "relation"])


def test_used_in_links_may_close_a_loop_but_feedstock_links_may_not():
    segs, links = _tables(
        [("a", "b", "feedstock_of"), ("b", "c", "feedstock_of"), ("c", "a", "used_in")]
    )
    chain = chain_from_tables(segs, links, chain_id="t", name_zh="t")
    assert len(chain.link_list) == 3
    segs, links = _tables(
        [("a", "b", "feedstock_of"), ("b", "c", "feedstock_of"), ("c", "a", "feedstock_of")]
    )
    # A table's error (InputError, as for its other rows) names the rows to edit.
    with pytest.raises(InputError, match="feedstock_of links on rows 2, 3, 4 form a cycle"):
        chain_from_tables(segs, links, chain_id="t", name_zh="t")


def test_by_product_and_entry_point_round_trip_through_turtle():
    segs, links = _tables([("a", "b", "feedstock_of"), ("b", "c", "feedstock_of")])
    segs["by_product"] = ["", "true", ""]
    segs["entry_point"] = ["原料在链外", "", ""]
    chain = chain_from_tables(segs, links, chain_id="t", name_zh="t")
    from chainmap.model.chain import parse_chain

    back = parse_chain(chain.to_turtle())
    assert back.segment("b").by_product and not back.segment("a").by_product
    assert back.segment("a").entry_point == "原料在链外"


def test_an_extend_reason_names_the_nearest_held_segments_at_their_own_distance():
    """ "下游已有无水氢氟酸、电子级氢氟酸、含氟发泡剂等 (相距1跳)" put segments two hops away
    under one hop: the held lists were sorted by a key that was 0 for every held segment.
    Each 延链 reason now names the held segments nearest on its side, and the hops are their
    directed distance along the feedstock links (networkx's shortest paths as reference)."""
    import re

    import networkx as nx

    from chainmap import datasets
    from chainmap.analysis.gaps import segment_status
    from chainmap.analysis.strategy import feedstock_graph

    chain = load_chain("fluorochem")
    graph = feedstock_graph(chain)
    status = segment_status(chain, datasets.enterprises(chain), home="武义县")
    names = {s.name_zh: s.id for s in chain.ordered_segments()}
    checked = 0
    for sid, row in status[status["strategy"] == "延链"].iterrows():
        m = re.match(r"延链: 本地缺失; (上游|下游)已有(.+?)(等)? \(相距(\d+)跳\)", row["reason"])
        assert m, row["reason"]
        up = m[1] == "上游"
        held = row["held_upstream"] if up else row["held_downstream"]
        dist = {
            h: nx.shortest_path_length(graph, h, sid)
            if up
            else nx.shortest_path_length(graph, sid, h)
            for h in held
        }
        nearest = min(dist.values())
        assert int(m[4]) == nearest, row["reason"]
        named = [names[n] for n in m[2].split("、")]
        assert all(dist[h] == nearest for h in named), row["reason"]
        assert list(held) == sorted(held, key=lambda h: (dist[h], h))  # nearest first
        checked += 1
    assert checked >= 20
    assert "下游已有无水氢氟酸 (相距1跳) / " in status.loc["fluorspar", "reason"]


def test_a_gap_that_would_supply_only_barred_segments_says_so():
    """氯代烃原料 was a key field for 武义 on the strength of its downstream HCFCs, HFCs and
    blowing agents, which the policy table bars from new capacity for controlled uses; the
    reason (and each target's) now says so, and says nothing when the gates are lifted."""
    from chainmap import datasets
    from chainmap.analysis.gaps import DOWNSTREAM_GATED, segment_status
    from chainmap.analysis.scoring import rank_enterprises

    chain = load_chain("fluorochem")
    firms = datasets.enterprises(chain)
    status = segment_status(chain, firms, home="武义县")
    assert status.loc["chlorinated_feedstocks", "reason"].count(DOWNSTREAM_GATED[0]) == 1
    assert DOWNSTREAM_GATED[1] in status.loc["chlorinated_feedstocks", "reason"]
    assert DOWNSTREAM_GATED[0] not in status.loc["fluorspar", "reason"]  # AHF is not gated
    ranked = rank_enterprises(chain, firms, home="武义县", with_stability=False)
    by_segment = ranked.groupby("segment")["reasons"].first()
    assert "下游环节受控用途不得新建扩建" in by_segment["chlorinated_feedstocks"]
    assert "不得新建扩建" not in by_segment["fluorspar"]
    lifted = {"segments": {"include": ["hcfc_refrigerants", "hfc_refrigerants", "foaming_agents"]}}
    open_status = segment_status(chain, firms, home="武义县", profile=lifted)
    assert DOWNSTREAM_GATED[0] not in open_status.loc["chlorinated_feedstocks", "reason"]


def test_the_barred_downstream_note_is_true_of_every_segment_it_covers(tmp_path):
    """A review's reproducers: a 补链 reason names every held downstream segment, so the
    note needs all of them gated (PTFE is not); a park requirement is not called a ban
    on controlled uses; a status frame without an ``id`` column still ranks."""
    import copy

    import pandas as pd

    from chainmap import datasets
    from chainmap.analysis.gaps import DOWNSTREAM_GATED, segment_status
    from chainmap.analysis.scoring import rank_enterprises
    from chainmap.model.policy import load_policy
    from chainmap.model.profile import as_profile

    chain = load_chain("fluorochem")
    rows = [
        ("本地萤石", "330723", ["fluorspar"]),
        ("本地R22", "330723", ["hcfc_refrigerants"]),
        ("本地PTFE", "330723", ["ptfe"]),
        ("外地AHF", "330802", ["ahf"]),
        ("外地萤石", "330802", ["fluorspar"]),
        ("外地PTFE", "330802", ["ptfe"]),
        ("外地R22", "330802", ["hcfc_refrigerants"]),
    ]
    table = pd.DataFrame(
        {
            "name": [r[0] for r in rows],
            "region_code": [r[1] for r in rows],
            "segments": [r[2] for r in rows],
            "active": True,
        }
    )
    status = segment_status(chain, table, home="武义县")
    assert status.loc["ahf", "strategy"] == "补链" and not status.loc["ptfe", "policy_gated"]
    assert "聚四氟乙烯" in status.loc["ahf", "reason"]
    assert DOWNSTREAM_GATED[0] not in status.loc["ahf", "reason"]
    without_ptfe = segment_status(chain, table[table["name"] != "本地PTFE"], home="武义县")
    assert DOWNSTREAM_GATED[0] in without_ptfe.loc["ahf", "reason"]  # (R22 alone: gated)

    policy = tmp_path / "policy.csv"
    policy.write_text(
        "segment_id,class,instrument,article,effective,scope_note,source_url\n"
        "ahf,park_required,某省入园规定,二,2020-04-01,新建化工项目须进入化工园区,"
        "https://example.org/park\n",
        encoding="utf-8",
    )
    prof = copy.deepcopy(dict(as_profile(None)))
    prof["home"] = dict(prof["home"], chemical_park=False)
    firms = datasets.enterprises(chain)
    parked = segment_status(chain, firms, home="武义县", profile=prof, policy=load_policy(policy))
    reason = parked.loc["fluorspar", "reason"]
    assert "受控用途" not in reason and "这些下游环节受政策限制(须进入化工园区)" in reason

    plain = segment_status(chain, firms, home="武义县")
    ranked = rank_enterprises(
        chain, firms, home="武义县", status=plain.drop(columns=["id"]), top=3, with_stability=False
    )
    assert len(ranked) == 3


def test_planned_or_pilot_capacity_is_not_a_holding():
    """A plan or a pilot is not a producer a county can attract: a tag must rest on a
    product its row does not qualify as 规划 or 中试 (SRF's HFO-1234yf was a pilot,
    Orbia's LiPF6 a plan; Mongolczechmetal and Mexichem Fluor Japan held only plans)."""
    from chainmap.model.catalog import read_text

    rows = {
        r["name_zh"]: r for r in csv.DictReader(io.StringIO(read_text("companies_fluorochem.csv")))
    }
    assert "hfo_refrigerants" not in rows["SRF"]["segments"].split(";")
    assert "HFO-1234yf(中试)" in rows["SRF"]["products_zh"]
    orbia = next(r for n, r in rows.items() if n.startswith("奥比亚"))
    assert (
        "lipf6" not in orbia["segments"].split(";") and "六氟磷酸锂(规划)" in orbia["products_zh"]
    )
    for row in rows.values():
        products = [p for p in row["products_zh"].split(";") if p]
        if products and all(("规划" in p or "中试" in p) for p in products):
            raise AssertionError(f"{row['name_zh']}: every product is planned or a pilot")


def test_fluoropolymer_piping_is_used_in_a_fab_not_fed_into_it():
    chain = load_chain("fluorochem")
    feed = {(k.upstream, k.downstream) for k in chain.link_list if k.relation == "feedstock_of"}
    used = {(k.upstream, k.downstream) for k in chain.link_list if k.relation == "used_in"}
    for polymer in ("ptfe", "pvdf"):
        assert (polymer, "semiconductor_fab") in used and (polymer, "semiconductor_fab") not in feed


def test_a_group_with_a_site_in_the_home_prefecture_says_so_at_its_other_sites():
    """永和 was the first target for 武义, "距武义县94公里" from 衢州, while its 金华永和 (a
    quota holder) is in 金华, 武义's own prefecture: the office would pitch a newcomer to a
    group already next door. The group's target now names that site."""
    from chainmap import datasets
    from chainmap.analysis.scoring import rank_enterprises

    chain = load_chain("fluorochem")
    firms = datasets.enterprises(chain)
    ranked = rank_enterprises(chain, firms, home="武义县", with_stability=False).set_index("name")
    yonghe = ranked.loc["浙江永和制冷股份有限公司"]
    assert "集团在金华市已有基地(金华永和氟化工有限公司): 宜协同, 勿挖角" in yonghe["reasons"]
    assert "同城基地" in yonghe["flags"] and "同城" not in yonghe["flags"]
    others = ranked.drop(index="浙江永和制冷股份有限公司")
    assert not any("同城基地" in f for f in others["flags"])  # (no other group has a 金华 site)
    excluded = rank_enterprises(
        chain,
        firms,
        home="武义县",
        with_stability=False,
        profile={"affinity": {"same_city": "exclude"}},
    )
    assert "浙江永和制冷股份有限公司" in set(excluded["name"])  # (its own site is not in 金华)
