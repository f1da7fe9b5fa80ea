"""graphs/prebuilt.json equals a fresh parse of the bundled sources it was built from."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from chainmap import datasets
from chainmap.model import catalog, prebuilt
from chainmap.model.chain import parse_chain


def test_prebuilt_file_equals_a_fresh_build():
    for name, build in (
        (prebuilt.FILE, prebuilt.build),
        (prebuilt.REGIONS_FILE, prebuilt.build_regions),
    ):
        stored = json.loads(catalog.read_text(name))
        fresh = json.loads(json.dumps(build(), ensure_ascii=False))
        assert stored == fresh, f"graphs/{name} is stale: run python scripts/build_prebuilt.py"


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


@pytest.mark.parametrize("name", prebuilt.TOML_FILES)
def test_cached_toml_equals_the_parsed_file(monkeypatch, name):
    import tomllib

    parsed = tomllib.loads(catalog.read_text(name))
    cached = prebuilt.cached_toml(name)
    assert cached is not None
    assert _typed(cached) == _typed(parsed)
    assert list(cached) == list(parsed)  # the tables' order too
    first = next(iter(cached))
    cached[first] = "changed"  # each call is a fresh copy
    assert prebuilt.cached_toml(name)[first] == parsed[first]

    real = catalog.read_text
    monkeypatch.setattr(
        catalog, "read_text", lambda n: real(n) + ("\n# edited\n" if n == name else "")
    )
    assert prebuilt.cached_toml(name) is None  # an edited file is read, not shadowed


def test_the_profile_and_zones_read_the_cached_parse():
    import tomllib

    from chainmap.model import regions
    from chainmap.model.profile import default_profile

    assert _typed(default_profile()) == _typed(tomllib.loads(catalog.read_text("profile.toml")))
    assert _typed(regions._zone_file()) == _typed(tomllib.loads(catalog.read_text("zones.toml")))


def test_cached_region_columns_equal_the_csv(monkeypatch):
    import math

    from chainmap.model import regions

    cached = prebuilt.cached_regions()
    parsed = regions.parse_columns()
    assert cached is not None
    assert list(cached) == list(parsed)
    for name, values in parsed.items():
        got = cached[name]
        assert type(got) is tuple and [type(v) for v in got] == [type(v) for v in values], name
        assert all(
            g == v or (isinstance(v, float) and math.isnan(v) and math.isnan(g))
            for g, v in zip(got, values, strict=True)
        ), name
    entry = {"digest": prebuilt._regions_digest(), "order": ["lat", "lon"]}
    entry["columns"] = {"lat": [None, 30.5], "lon": [120.0, None]}
    monkeypatch.setattr(prebuilt, "_load", lambda name: entry)
    lat, lon = prebuilt.cached_regions().values()  # null (no coordinate) reads as NaN
    assert math.isnan(lat[0]) and lat[1] == 30.5 and math.isnan(lon[1])

    monkeypatch.setattr(prebuilt, "_regions_digest", lambda: "another table")
    assert prebuilt.cached_regions() is None  # a changed table is parsed, not shadowed
