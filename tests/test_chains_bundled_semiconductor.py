"""The bundled semiconductor-materials chain: complete, sourced, and joined to fluorochem."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from chainmap.model.chain import load_chain, load_chains, read_chain_tables
from chainmap.model.vocab import STAGE_ORDER

ROOT = Path(__file__).resolve().parents[1]
CHAIN = "semiconductor_materials"
SOURCES = ROOT / "graphs" / "sources"


@pytest.fixture(scope="module")
def semi():
    return load_chain(CHAIN)


def test_chain_is_large_enough(semi):
    assert len(semi) >= 25
    assert len(semi.link_list) >= 35


def test_chain_is_acyclic(semi):
    feed = [(k.upstream, k.downstream) for k in semi.link_list if k.relation == "feedstock_of"]
    assert nx.is_directed_acyclic_graph(nx.DiGraph(feed))  # used_in links may close a loop


def test_every_segment_and_link_has_a_web_source(semi):
    for seg in semi:
        pass  # sources may wait for a primary source (tests/test_chain_sources.py)
        assert all(url.startswith(("http://", "https://")) for url in seg.sources), seg.id
    for link in semi.link_list:
        pass  # sources may wait for a primary source (tests/test_chain_sources.py)
        assert all(url.startswith(("http://", "https://")) for url in link.sources)


def test_every_segment_has_labels_keywords_and_a_link(semi):
    linked = {end for link in semi.link_list for end in (link.upstream, link.downstream)}
    for seg in semi:
        assert seg.name_zh and seg.name_en, seg.id
        assert seg.keywords, seg.id
        assert seg.id in linked, seg.id


def test_feedstock_never_flows_to_an_earlier_stage(semi):
    # Only a `used_in` link may point back to an earlier stage (CONTRACTS.md).
    for link in semi.link_list:
        if link.relation == "feedstock_of":
            up = STAGE_ORDER[semi.segment(link.upstream).stage]
            down = STAGE_ORDER[semi.segment(link.downstream).stage]
            assert up <= down, (link.upstream, link.downstream)


def test_chain_runs_from_resources_to_applications(semi):
    stages = {seg.stage for seg in semi}
    assert {"resource", "basic", "intermediate", "material", "application"} <= stages
    # Wafers are reached from quartz, and fab output goes on to packaging.
    assert "quartz_resource" in semi.upstream("silicon_wafer")
    assert "packaging_testing" in semi.downstream("silicon_wafer")


def test_shared_segments_are_identical_to_fluorochem(semi, fluorochem):
    shared = sorted(set(semi.segments_by_id) & set(fluorochem.segments_by_id))
    assert {"electronic_hf", "electronic_gases", "semiconductor_fab"} <= set(shared)
    for sid in shared:
        assert semi.segment(sid) == fluorochem.segment(sid), sid
    both = {(lk.upstream, lk.downstream): lk for lk in fluorochem.link_list}
    for link in semi.link_list:
        key = (link.upstream, link.downstream)
        if key in both:
            assert link == both[key], key


def test_joined_with_fluorochem(semi, fluorochem):
    joined = load_chains(["fluorochem", CHAIN])
    shared = set(semi.segments_by_id) & set(fluorochem.segments_by_id)
    assert joined.shared_segments and set(joined.shared_segments) == shared
    assert len(joined) == len(semi) + len(fluorochem) - len(shared)
    # Electronic HF in the joined graph reaches back to fluorspar through AHF.
    assert "fluorspar" in joined.upstream("electronic_hf")
    assert "packaging_testing" in joined.downstream("ahf")


def test_turtle_matches_the_working_tables(semi):
    rebuilt = read_chain_tables(
        SOURCES / f"{CHAIN}_segments.csv",
        SOURCES / f"{CHAIN}_links.csv",
        chain_id=CHAIN,
        name_zh=semi.name_zh,
        name_en=semi.name_en,
    )
    assert rebuilt.segments_by_id == semi.segments_by_id
    key = lambda lk: (lk.upstream, lk.downstream)  # noqa: E731
    assert sorted(rebuilt.link_list, key=key) == sorted(semi.link_list, key=key)


# ---------------------------------------------------------------------- sample companies

COMPANY_COLUMNS = [
    "name_zh",
    "name_en",
    "short_name",
    "stock_code",
    "parent",
    "country",
    "province",
    "city",
    "county",
    "site_basis",
    "products_zh",
    "products_year",
    "segments",
    "revenue_cny_100m",
    "revenue_year",
    "status_note",
    "source_url",
]


@pytest.fixture(scope="module")
def companies():
    import csv
    import io

    from chainmap.model.catalog import read_text

    text = read_text(f"companies_{CHAIN}.csv")
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == COMPANY_COLUMNS
    return list(reader)


def test_at_least_fifteen_distinct_companies(companies):
    # the sample shrank when rows without a primary source were removed (graphs/README.md)
    names = [row["name_zh"] for row in companies]
    assert len(names) >= 15
    assert len(set(names)) == len(names)


def test_every_company_has_a_source_and_known_segments(companies):
    joined = load_chains(["fluorochem", CHAIN])
    for row in companies:
        urls = row["source_url"].split()
        assert urls and all(url.startswith(("http://", "https://")) for url in urls), row
        segments = [s for s in row["segments"].split(";") if s]
        assert segments, row["name_zh"]
        assert all(s in joined for s in segments), (row["name_zh"], segments)
        assert row["products_zh"], row["name_zh"]


def test_revenue_always_carries_its_year(companies):
    for row in companies:
        if row["revenue_cny_100m"]:
            assert float(row["revenue_cny_100m"]) > 0
            assert row["revenue_year"].isdigit() and len(row["revenue_year"]) == 4, row
        else:
            assert not row["revenue_year"], row


def test_companies_include_zhejiang_firms(companies):
    # 华灿光电(浙江) in 义乌 was removed: no primary source was found (graphs/README.md)
    zhejiang = [row for row in companies if row["province"] == "浙江"]
    assert len(zhejiang) >= 3
    assert all(row["country"] == "中国" for row in zhejiang)
    assert any(row["country"] not in ("", "中国") for row in companies)
