"""The chain model: loading, navigation, validation and the Turtle round trip."""

from __future__ import annotations

import pandas as pd
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from chainmap.errors import ChainError, InputError, UnknownChainError, UnknownSegmentError
from chainmap.model import catalog
from chainmap.model.chain import chain_from_tables, load_chain, parse_chain, read_chain_tables
from chainmap.model.vocab import STAGES


def test_fluorochem_has_all_reference_segments_and_links(fluorochem):
    assert len(fluorochem) == 50
    assert len(fluorochem.link_list) == 79
    assert fluorochem.stages == [
        "resource",
        "basic",
        "intermediate",
        "material",
        "component",
        "product",
        "application",
    ]


def test_every_segment_and_link_has_a_source_and_labels(fluorochem):
    for seg in fluorochem:
        pass  # sources may wait for a primary source (tests/test_chain_sources.py)
        assert seg.name_zh and seg.name_en, seg.id
        assert seg.stage in STAGES
    # sources may wait for a primary source: tests/test_chain_sources.py keeps that list


def test_upstream_and_downstream_follow_the_reference_links(fluorochem):
    # pvdf <- vdf <- hcfc_refrigerants (R142b) <- ahf <- fluorspar, from fluorochem_links.csv
    assert fluorochem.upstream("pvdf", depth=1) == ["hfp", "vdf"]  # HFP as comonomer
    assert "hcfc_refrigerants" in fluorochem.upstream("pvdf", depth=2)
    assert {"ahf", "fluorspar"} <= set(fluorochem.upstream("pvdf"))
    assert "lithium_battery" in fluorochem.downstream("pvdf", depth=1)
    assert fluorochem.paths("fluorspar", "pvdf") == [
        ["fluorspar", "ahf", "hcfc_refrigerants", "vdf", "pvdf"],
        ["fluorspar", "ahf", "hcfc_refrigerants", "tfe", "hfp", "pvdf"],
    ]


def test_back_link_to_an_earlier_stage_is_kept(fluorochem):
    # PFSA membranes (material) are used by chlor-alkali (basic); the chlor-alkali -> chlorinated
    # feedstocks link was removed for want of a primary source, so those start as an entry point.
    back = fluorochem.link("pfsa_membrane", "chlor_alkali")
    assert back.relation == "used_in"
    assert (
        fluorochem.segment(back.downstream).stage_order
        < fluorochem.segment(back.upstream).stage_order
    )
    assert fluorochem.segment("chlorinated_feedstocks").entry_point


def test_segment_lookup_by_label_and_suggestions(fluorochem):
    assert fluorochem.resolve("聚偏氟乙烯") == "pvdf"
    with pytest.raises(UnknownSegmentError) as err:
        fluorochem.segment("pvdx")
    assert "pvdf" in str(err.value)


def test_unknown_chain_suggests_closest():
    with pytest.raises(UnknownChainError) as err:
        load_chain("fluorochm")
    assert "fluorochem" in str(err.value)


def test_turtle_round_trip_is_isomorphic(fluorochem, tmp_path):
    original = Graph().parse(data=catalog.read_text("fluorochem.ttl"), format="turtle")
    path = fluorochem.save(tmp_path / "copy.ttl")
    again = load_chain(path)
    assert isomorphic(original, Graph().parse(path))
    assert again.segments_by_id == fluorochem.segments_by_id
    assert sorted(again.link_list, key=str) == sorted(fluorochem.link_list, key=str)


def test_bundled_file_is_what_the_writer_writes(fluorochem):
    # Deterministic bytes: the canonical file equals a fresh serialisation.
    assert fluorochem.to_turtle() == catalog.read_text("fluorochem.ttl")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda t: t.replace("cm:stage stage:material .", "cm:stage stage:material"),
            "syntax error",
        ),
        (
            lambda t: (
                t.replace("link:metal--part .", "link:metal--part, link:metal--gone .")
                + "link:metal--gone a cm:Link ; cm:upstream seg:metal ; cm:downstream seg:gone ; cm:relation cm:usedIn .\n"
            ),
            "unknown segment 'gone'",
        ),
        (
            lambda t: (
                t.replace("link:metal--part .", "link:metal--part, link:part--ore .").replace(
                    "cm:downstream seg:part ; cm:relation cm:usedIn",
                    "cm:downstream seg:part ; cm:relation cm:feedstockOf",
                )
                + "link:part--ore a cm:Link ; cm:upstream seg:part ; cm:downstream seg:ore ; cm:relation cm:feedstockOf .\n"
            ),
            "cycle",
        ),
        (
            lambda t: t.replace(
                'skos:prefLabel "金属"@zh, "Metal"@en', 'skos:prefLabel "Metal"@en'
            ),
            "no @zh",
        ),
        (lambda t: t + 'seg:metal skos:prefLabel "金属2"@zh .\n', "duplicate id"),
        (lambda t: t.replace("stage:component", "stage:widget"), "unknown stage"),
    ],
    ids=["syntax", "dangling-link", "cycle", "missing-label", "duplicate-id", "unknown-stage"],
)
def test_malformed_chains_raise_chain_error_naming_the_problem(tiny_ttl, edit, expected):
    parse_chain(tiny_ttl)  # the unedited fixture is valid
    with pytest.raises(ChainError) as err:
        parse_chain(edit(tiny_ttl), origin="bad.ttl")
    assert expected in str(err.value)
    assert "bad.ttl" in str(err.value)


def test_cycle_message_reports_the_cycle(tiny_ttl):
    bad = tiny_ttl.replace("link:metal--part .", "link:metal--part, link:part--ore .")
    bad = bad.replace("seg:part ; cm:relation cm:usedIn", "seg:part ; cm:relation cm:feedstockOf")
    bad += "link:part--ore a cm:Link ; cm:upstream seg:part ; cm:downstream seg:ore ; cm:relation cm:feedstockOf .\n"
    with pytest.raises(ChainError, match="ore → metal → part → ore"):
        parse_chain(bad)


def test_used_in_links_may_close_a_loop(tiny_ttl):
    """CONTRACTS "Stages": a used_in link may point back (PFSA → chlor-alkali → … → PFSA)."""
    loop = tiny_ttl.replace("link:metal--part .", "link:metal--part, link:part--ore .")
    loop += "link:part--ore a cm:Link ; cm:upstream seg:part ; cm:downstream seg:ore ; cm:relation cm:usedIn .\n"
    chain = parse_chain(loop)
    assert ("part", "ore") in chain.graph.edges


def test_syntax_error_names_the_line(tiny_ttl):
    lines = tiny_ttl.splitlines()
    lines[14] = lines[14].replace('"金属"@zh', '"金属@zh')  # unterminated string on line 15
    with pytest.raises(ChainError, match=r"line 15"):
        parse_chain("\n".join(lines) + "\n")


def _tables():
    segs = pd.DataFrame(
        [
            {
                "id": "ore",
                "name_zh": "矿石",
                "name_en": "Ore",
                "stage": "resource",
                "keywords_zh": "矿石;原矿",
                "gbt4754": "",
                "source_url": "https://example.org/a",
            },
            {
                "id": "metal",
                "name_zh": "金属",
                "name_en": "Metal",
                "stage": "material",
                "keywords_zh": "金属",
                "gbt4754": "3216",
                "source_url": "https://example.org/b",
            },
        ]
    )
    links = pd.DataFrame(
        [
            {
                "upstream_id": "ore",
                "downstream_id": "metal",
                "relation": "feedstock_of",
                "note": "冶炼",
                "source_url": "https://example.org/c",
            }
        ]
    )
    return segs, links


def test_chain_from_tables_builds_the_graph():
    segs, links = _tables()
    chain = chain_from_tables(segs, links, chain_id="mini", name_zh="迷你链")
    assert chain.downstream("ore") == ["metal"]
    assert chain.segment("ore").keywords == ("原矿", "矿石")
    assert parse_chain(chain.to_turtle()).segments_by_id == chain.segments_by_id


@pytest.mark.parametrize(
    ("mutate", "row", "column"),
    [
        (lambda s, k: s.loc.__setitem__((1, "stage"), "widget"), 3, "stage"),
        (lambda s, k: s.loc.__setitem__((1, "id"), "ore"), 3, "id"),
        (lambda s, k: s.loc.__setitem__((0, "name_zh"), None), 2, "name_zh"),
        (lambda s, k: k.loc.__setitem__((0, "downstream_id"), "metl"), 2, "downstream_id"),
        (lambda s, k: k.loc.__setitem__((0, "relation"), "makes"), 2, "relation"),
    ],
)
def test_table_errors_name_file_row_and_column(mutate, row, column):
    segs, links = _tables()
    mutate(segs, links)
    with pytest.raises(InputError) as err:
        chain_from_tables(
            segs,
            links,
            chain_id="mini",
            name_zh="迷你链",
            segments_file="s.csv",
            links_file="l.csv",
        )
    assert err.value.row == row and err.value.column == column
    assert f"row {row}" in str(err.value)


def test_a_feedstock_cycle_names_the_rows_of_its_links():
    segs, links = _tables()
    segs = pd.concat(
        [segs, pd.DataFrame([{"id": "alloy", "name_zh": "合金", "stage": "product"}])],
        ignore_index=True,
    )
    more = [
        {"upstream_id": "metal", "downstream_id": "alloy", "relation": "feedstock_of"},
        {"upstream_id": "alloy", "downstream_id": "metal", "relation": "used_in"},
        {"upstream_id": "alloy", "downstream_id": "ore", "relation": "feedstock_of"},
    ]
    links = pd.concat([links, pd.DataFrame(more)], ignore_index=True)
    with pytest.raises(InputError) as err:
        chain_from_tables(segs, links, chain_id="mini", name_zh="迷你链", links_file="l.csv")
    message = str(err.value)
    # rows 2 (ore → metal), 3 (metal → alloy) and 5 (alloy → ore); row 4 is used_in
    assert err.value.row in (2, 3, 5) and err.value.column == "relation"
    assert message.startswith("l.csv, row ") and "rows " in message
    assert sorted(message.split("rows ")[1].split(" form")[0].split(", ")) == ["2", "3", "5"]
    # A used_in link may close the loop: without row 5 the chain loads.
    chain = chain_from_tables(
        segs, links.drop(index=3), chain_id="mini", name_zh="迷你链", links_file="l.csv"
    )
    assert chain.downstream("metal") == ["alloy"]


def test_read_chain_tables_from_one_xlsx_with_two_sheets(tmp_path):
    segs, links = _tables()
    path = tmp_path / "mine.xlsx"
    with pd.ExcelWriter(path) as xl:
        segs.to_excel(xl, sheet_name="segments", index=False)
        links.to_excel(xl, sheet_name="links", index=False)
    chain = read_chain_tables(path, name_zh="我的链")
    assert chain.id == "mine" and len(chain) == 2 and chain.links[0].note == "冶炼"


def test_public_api_is_curated_and_lazy():
    import chainmap

    lazy = set(chainmap._LAZY)
    assert lazy <= set(chainmap.__all__)
    for name in chainmap.__all__:
        assert getattr(chainmap, name) is not None


def test_fluorochem_ttl_is_the_import_of_its_reference_tables(fluorochem):
    from pathlib import Path

    sources = Path(__file__).resolve().parents[1] / "graphs" / "sources"
    again = read_chain_tables(
        sources / "fluorochem_segments.csv",
        sources / "fluorochem_links.csv",
        chain_id="fluorochem",
        name_zh=fluorochem.name_zh,
    )
    assert again.segments_by_id == fluorochem.segments_by_id
    assert sorted(again.link_list, key=str) == sorted(fluorochem.link_list, key=str)


def test_cycle_check_agrees_with_networkx():
    """The loader's networkx-free cycle check against networkx on random digraphs."""
    import random

    import networkx as nx

    from chainmap.model.chain import _has_cycle

    rng = random.Random(5)
    seen = {True: 0, False: 0}
    for _ in range(400):
        n = rng.randint(1, 12)
        edges = {(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randint(0, 2 * n))}
        edges = {(f"s{u}", f"s{v}") for u, v in edges if u != v}
        graph = nx.DiGraph(list(edges))
        adjacency: dict[str, list[str]] = {}
        for u, v in sorted(edges):
            adjacency.setdefault(u, []).append(v)
        expected = not nx.is_directed_acyclic_graph(graph)
        assert _has_cycle(adjacency) is expected, sorted(edges)
        seen[expected] += 1
    assert min(seen.values()) > 50


def test_listing_and_classifying_do_not_import_networkx(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from chainmap.model.chain import load_chain\n"
        "from chainmap.analysis.classify import Classifier\n"
        "chain = load_chain('fluorochem')\n"
        "Classifier(chain).classify_row('聚偏氟乙烯生产')\n"
        "chain.upstream('pvdf'), chain.downstream('ahf', 2)\n"
        "assert 'networkx' not in sys.modules, 'networkx imported'\n"
        "chain.paths('ahf', 'pvdf')\n"
        "assert 'networkx' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
