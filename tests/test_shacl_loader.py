"""SHACL (graphs/shapes.ttl) and load_chain agree on every chain file of the hostile corpus.

A file load_chain refuses does not conform, and a file that does not conform is
refused; files that are not Turtle at all are refused by both as syntax errors.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chainmap.errors import ChainError, ChainmapError
from chainmap.model.chain import load_chain
from chainmap.outputs import kg

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
CHAIN_FILES = sorted(p.name for p in HOSTILE.glob("chain_*.ttl"))


@pytest.mark.parametrize("name", CHAIN_FILES)
def test_loader_and_shacl_agree(name):
    pytest.importorskip("pyshacl")
    path = HOSTILE / name
    try:
        load_chain(path)
        loads, why = True, ""
    except ChainError as exc:
        loads, why = False, str(exc)
    try:
        result = kg.validate_file(path)
    except ChainmapError as exc:  # not RDF at all: both must refuse it as syntax
        assert not loads and "syntax" in why and "syntax" in str(exc)
        return
    messages = [v["message"] for v in result.violations]
    assert loads == result.conforms, (why, messages)


def test_the_corpus_has_both_outcomes():
    outcomes = set()
    for name in CHAIN_FILES:
        try:
            load_chain(HOSTILE / name)
            outcomes.add(True)
        except ChainError:
            outcomes.add(False)
    assert outcomes == {True, False}
    assert len(CHAIN_FILES) >= 12


def test_bundled_chains_load_and_conform():
    pytest.importorskip("pyshacl")
    assert kg.validate_kg(kg.build_kg(load_chain("all"))).conforms
