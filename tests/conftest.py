"""Shared fixtures: small chains and a CLI runner."""

from __future__ import annotations

from click.testing import CliRunner
import pandas as pd
import pytest

from chainmap.model.chain import Chain, Link, Segment, load_chain


@pytest.fixture(scope="session")
def fluorochem():
    return load_chain("fluorochem")


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def invoke(runner):
    """Run the CLI and return the result; never swallow exceptions."""
    from chainmap.cli import cli

    def run(*args, **kwargs):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False, **kwargs)

    return run


TINY_TTL = """\
@prefix cm: <https://w3id.org/chainmap/vocab#> .
@prefix chain: <https://w3id.org/chainmap/chain/> .
@prefix seg: <https://w3id.org/chainmap/segment/> .
@prefix link: <https://w3id.org/chainmap/link/> .
@prefix stage: <https://w3id.org/chainmap/stage/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

chain:tiny a skos:ConceptScheme, cm:Chain ;
    skos:prefLabel "小链"@zh, "Tiny chain"@en ;
    cm:hasSegment seg:ore, seg:metal, seg:part ;
    cm:hasLink link:ore--metal, link:metal--part .

seg:ore a cm:Segment ; skos:prefLabel "矿石"@zh, "Ore"@en ; cm:stage stage:resource .
seg:metal a cm:Segment ; skos:prefLabel "金属"@zh, "Metal"@en ; cm:stage stage:material .
seg:part a cm:Segment ; skos:prefLabel "零件"@zh, "Part"@en ; cm:stage stage:component .

link:ore--metal a cm:Link ; cm:upstream seg:ore ; cm:downstream seg:metal ; cm:relation cm:feedstockOf .
link:metal--part a cm:Link ; cm:upstream seg:metal ; cm:downstream seg:part ; cm:relation cm:feedstockOf .
"""


@pytest.fixture
def tiny_ttl():
    return TINY_TTL


def make_tiny_chain() -> Chain:
    """A 7-segment chain with a side branch (acid → coating → part), hand-worked in tests."""
    segs = {
        "ore": ("矿石", "resource"),
        "acid": ("酸", "basic"),
        "metal": ("金属", "material"),
        "coating": ("涂层", "material"),
        "part": ("零件", "component"),
        "device": ("设备", "product"),
        "vehicle": ("整车", "application"),
    }
    links = [
        ("ore", "metal"),
        ("acid", "metal"),
        ("metal", "part"),
        ("part", "device"),
        ("device", "vehicle"),
        ("acid", "coating"),
        ("coating", "part"),
    ]
    return Chain(
        id="tiny",
        name_zh="小链",
        name_en="Tiny",
        segments_by_id={
            k: Segment(k, zh, k.title(), stage, (zh,), (), ("https://example.org",))
            for k, (zh, stage) in segs.items()
        },
        link_list=[Link(u, d, "feedstock_of", "", ("https://example.org",)) for u, d in links],
    )


def _firm(eid, name, code, segments, **kw):
    row = {
        "enterprise_id": eid,
        "name": name,
        "uscc": None,
        "region_code": code,
        "country": "中国" if code else kw.pop("country", "日本"),
        "segments": segments,
        "segments_source": "tagged",
        "active": kw.pop("active", True),
    }
    row.update(kw)
    return row


def make_tiny_firms() -> pd.DataFrame:
    """15 firms: 4 at home (武义县 330723), 1 deregistered, 1 foreign; see test_gaps_rank."""
    rows = [
        _firm("h:1", "本地矿一", "330723", ["ore"]),
        _firm("h:2", "本地矿二", "330723", ["ore"]),
        _firm("h:3", "本地设备", "330723", ["device"]),
        _firm("h:4", "本地金属", "330723", ["metal"]),
        _firm("h:A", "永康矿金", "330784", ["ore", "metal"]),
        _firm("h:B", "余杭金属", "330110", ["metal"]),
        _firm("h:K", "昆山金属", "320583", ["metal"]),
        _firm(
            "h:C",
            "昆山零件",
            "320583",
            ["part"],
            listed="300001.SZ",
            revenue=10.0,
            revenue_year=2023,
        ),
        _firm("h:D", "南山零件", "440305", ["part"], revenue=20.0, revenue_year=2023),
        _firm("h:E", "朝阳酸", "110105", ["acid"]),
        _firm("h:F", "日本零件", None, ["part"], revenue=99.0, revenue_year=2018),
        _firm("h:G", "婺城设备", "330702", ["device"]),
        _firm("h:J", "永康整车", "330784", ["vehicle"]),
        _firm("h:I", "注销金属", "330110", ["metal"], active=False, status="注销"),
        _firm("h:M", "婺城涂层", "330702", ["coating"]),
    ]
    return pd.DataFrame(rows)


@pytest.fixture
def tiny_chain() -> Chain:
    return make_tiny_chain()


@pytest.fixture
def firms() -> pd.DataFrame:
    return make_tiny_firms()


def pytest_terminal_summary(terminalreporter):
    """Show measured accuracy figures (``record_property("accuracy", ...)``) in the summary."""
    lines = [
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        for name, value in getattr(report, "user_properties", ())
        if name == "accuracy"
    ]
    for line in dict.fromkeys(lines):
        terminalreporter.write_line(line)
