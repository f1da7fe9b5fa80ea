"""Shared fixtures: small chains and a CLI runner."""

from __future__ import annotations

from click.testing import CliRunner
import pytest

from chainmap.model.chain import load_chain


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
link:metal--part a cm:Link ; cm:upstream seg:metal ; cm:downstream seg:part ; cm:relation cm:usedIn .
"""


@pytest.fixture
def tiny_ttl():
    return TINY_TTL


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
