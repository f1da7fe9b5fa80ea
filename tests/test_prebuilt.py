"""graphs/prebuilt.json equals a fresh parse of the bundled sources it was built from."""

from __future__ import annotations

import json

import pandas as pd

from chainmap import datasets
from chainmap.model import catalog, prebuilt
from chainmap.model.chain import parse_chain


def test_prebuilt_file_equals_a_fresh_build():
    stored = json.loads(catalog.read_text(prebuilt.FILE))
    fresh = json.loads(json.dumps(prebuilt.build(), ensure_ascii=False))
    assert stored == fresh, "graphs/prebuilt.json is stale: run python scripts/build_prebuilt.py"


def test_cached_chains_equal_parsed_turtle():
    for chain_id in catalog.bundled_chain_ids():
        cached = prebuilt.cached_chain(chain_id)
        assert cached is not None, chain_id
        parsed = parse_chain(catalog.read_text(f"{chain_id}.ttl"), origin=f"graphs/{chain_id}.ttl")
        assert list(cached.segments_by_id.items()) == list(parsed.segments_by_id.items())
        assert cached.link_list == parsed.link_list
        assert (cached.id, cached.name_zh, cached.name_en, cached.sources, cached.origin) == (
            parsed.id,
            parsed.name_zh,
            parsed.name_en,
            parsed.sources,
            parsed.origin,
        )
        assert (cached.description_zh, cached.description_en) == (
            parsed.description_zh,
            parsed.description_en,
        )
        assert sorted(cached.graph.edges(data=True)) == sorted(parsed.graph.edges(data=True))


def test_cached_sample_equals_normalised_csvs_cell_by_cell():
    cached = prebuilt.cached_sample()
    fresh = datasets.normalised_sample()
    assert cached is not None
    pd.testing.assert_frame_equal(cached, fresh, check_exact=True)
    for column in fresh.columns:  # the same Python types too (int vs float, list vs str)
        assert [type(v) for v in cached[column]] == [type(v) for v in fresh[column]], column


def test_a_changed_source_is_not_shadowed(monkeypatch):
    real = catalog.read_text

    def edited(name: str) -> str:
        return real(name) + ("\n# edited\n" if name == "fluorochem.ttl" else "")

    monkeypatch.setattr(catalog, "read_text", edited)
    assert prebuilt.cached_chain("fluorochem") is None
    assert prebuilt.cached_chain("nev") is not None


def test_cached_policy_and_signals_equal_the_validated_csvs(monkeypatch):
    from chainmap.model.policy import load_policy
    from chainmap.model.signals import load_signals

    for name, load in (("policy", load_policy), ("signals", load_signals)):
        cached = prebuilt.cached_table(name)
        assert cached is not None, name
        monkeypatch.setattr(prebuilt, "_BUILDING", True)  # every read parses the sources
        prebuilt._load.cache_clear()
        fresh = load()
        monkeypatch.setattr(prebuilt, "_BUILDING", False)
        prebuilt._load.cache_clear()
        pd.testing.assert_frame_equal(cached, fresh, check_exact=True)
        for column in fresh.columns:  # dates come back as dates, lists as lists
            assert [type(v) for v in cached[column]] == [type(v) for v in fresh[column]], column


def test_an_edited_policy_or_chain_is_not_shadowed(monkeypatch):
    real = catalog.read_text
    for edited_name in ("policy.csv", "nev.ttl", "signals_fluorochem.csv"):

        def edited(name: str, edited_name=edited_name) -> str:
            return real(name) + ("\n" if name == edited_name else "")

        monkeypatch.setattr(catalog, "read_text", edited)
        table = "signals" if edited_name.startswith("signals") else "policy"
        assert prebuilt.cached_table(table) is None, edited_name
    monkeypatch.setattr(catalog, "read_text", real)
    assert prebuilt.cached_table("policy") is not None


def _typed(value):
    """A parsed value with every leaf's type next to it (1 and 1.0 and True differ)."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)


def test_cached_profile_equals_the_parsed_toml(monkeypatch):
    import tomllib

    from chainmap.model.profile import default_profile

    parsed = tomllib.loads(catalog.read_text("profile.toml"))
    cached = prebuilt.cached_profile()
    assert cached is not None
    assert _typed(cached) == _typed(parsed)
    assert list(cached) == list(parsed)  # the tables' order too
    assert _typed(default_profile()) == _typed(parsed)
    cached["home"]["region"] = "changed"  # each call is a fresh copy
    assert prebuilt.cached_profile()["home"]["region"] == parsed["home"]["region"]

    real = catalog.read_text
    monkeypatch.setattr(
        catalog,
        "read_text",
        lambda name: real(name) + ("\n# edited\n" if name == "profile.toml" else ""),
    )
    assert prebuilt.cached_profile() is None  # an edited profile is read, not shadowed
