"""The bundled data, pre-parsed into ``graphs/prebuilt.json`` and
``graphs/prebuilt_regions.json`` (no pickle).

Parsing the six bundled Turtle files with rdflib and normalising the six sample CSVs
took about a third of a second on every ``chainmap`` command; the policy and signals
tables, the profile and zone TOML files and the region table are kept parsed too
(milliseconds each, and Python's TOML parser to import). ``scripts/build_prebuilt.py``
writes their parsed form once; each entry keeps the SHA-256 of the source texts it was
built from, and an entry whose sources have changed since is ignored (the sources are
parsed as before), so an edited ``.ttl`` or CSV is never shadowed by a stale copy.
``tests/test_prebuilt.py`` checks that the file equals a fresh parse of the sources.
"""

from __future__ import annotations

from dataclasses import asdict
import datetime as dt
import functools
import hashlib
import json
import math
from typing import TYPE_CHECKING, Any

from chainmap.model import catalog

if TYPE_CHECKING:
    import pandas as pd

    from chainmap.model.chain import Chain

__all__ = [
    "FILE",
    "REGIONS_FILE",
    "TOML_FILES",
    "build",
    "build_regions",
    "cached_chain",
    "cached_regions",
    "cached_sample",
    "cached_table",
    "cached_toml",
    "sources_digest",
]

#: The pre-parsed file, next to the sources in ``graphs/``.
FILE = "prebuilt.json"
#: The region table's columns, pre-parsed: a file of its own, read by the commands that
#: resolve a region (in :data:`FILE`, every read of it took 3.5 ms longer).
REGIONS_FILE = "prebuilt_regions.json"


def sources_digest(names: list[str]) -> str:
    """SHA-256 over the named bundled files (name and text), in the given order."""
    h = hashlib.sha256()
    for name in names:
        h.update(name.encode("utf-8") + b"\0" + catalog.read_text(name).encode("utf-8") + b"\0")
    return h.hexdigest()


def _sample_sources() -> list[str]:
    return catalog.bundled_files("companies_", ".csv")


_BUILDING = False  # while building, every read parses the sources


@functools.cache
def _load(name: str = FILE) -> dict[str, Any]:
    if _BUILDING:
        return {}
    try:
        return json.loads(catalog.read_text(name))
    except (FileNotFoundError, OSError, ValueError):
        return {}


def chain_record(chain: Chain) -> dict[str, Any]:
    """The fields of a parsed (single) chain as JSON values."""
    return {
        "id": chain.id,
        "name_zh": chain.name_zh,
        "name_en": chain.name_en,
        "segments": [asdict(s) for s in chain.segments_by_id.values()],
        "links": [asdict(link) for link in chain.link_list],
        "sources": list(chain.sources),
        "description_zh": chain.description_zh,
        "description_en": chain.description_en,
        "origin": chain.origin,
    }


def chain_from_record(rec: dict[str, Any]) -> Chain:
    """The :class:`Chain` of :func:`chain_record` (tuples restored)."""
    from chainmap.model.chain import Chain, Link, Segment

    def tuples(d: dict[str, Any]) -> dict[str, Any]:
        return {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}

    segments = [Segment(**tuples(s)) for s in rec["segments"]]
    return Chain(
        id=rec["id"],
        name_zh=rec["name_zh"],
        name_en=rec["name_en"],
        segments_by_id={s.id: s for s in segments},
        link_list=[Link(**tuples(link)) for link in rec["links"]],
        sources=tuple(rec["sources"]),
        description_zh=rec["description_zh"],
        description_en=rec["description_en"],
        origin=rec["origin"],
    )


def frame_record(frame: pd.DataFrame) -> dict[str, Any]:
    """A frame of Python scalars, lists and None as JSON: columns, dtypes, values.

    Columns of :class:`datetime.date` values (and None) are stored as ISO text and named
    under ``dates``, so they come back as dates.
    """
    data = {c: frame[c].astype(object).tolist() for c in frame.columns}
    dates = [
        c
        for c, values in data.items()
        if any(type(v) is dt.date for v in values)
        and all(v is None or type(v) is dt.date for v in values)
    ]
    for c in dates:
        data[c] = [None if v is None else v.isoformat() for v in data[c]]
    record = {
        "columns": list(frame.columns),
        "dtypes": {c: str(frame[c].dtype) for c in frame.columns},
        "data": data,
    }
    if dates:
        record["dates"] = dates
    return record


def frame_from_record(rec: dict[str, Any]) -> pd.DataFrame:
    """The frame of :func:`frame_record`, with its dtypes."""
    import pandas as pd

    data = dict(rec["data"])
    for c in rec.get("dates", ()):
        data[c] = [None if v is None else dt.date.fromisoformat(v) for v in data[c]]
    return pd.DataFrame({c: pd.Series(data[c], dtype=rec["dtypes"][c]) for c in rec["columns"]})


def cached_chain(chain_id: str) -> Chain | None:
    """The pre-parsed bundled chain, or None when absent or built from other sources."""
    entry = _load().get("chains", {}).get(chain_id)
    if entry is None or entry["digest"] != sources_digest([f"{chain_id}.ttl"]):
        return None
    chain = chain_from_record(entry["chain"])
    chain.prebuilt_importance = entry["importance"]
    return chain


def cached_sample() -> pd.DataFrame | None:
    """The pre-normalised bundled sample, or None when absent or built from other sources."""
    entry = _load().get("sample")
    if entry is None or entry["digest"] != sources_digest(_sample_sources()):
        return None
    return frame_from_record(entry["frame"])


def _policy_sources() -> list[str]:
    # the bundled chains too: a policy row is checked against their segment ids
    return ["policy.csv", *(f"{c}.ttl" for c in catalog.bundled_chain_ids())]


def cached_table(name: str) -> pd.DataFrame | None:
    """The validated bundled ``policy`` or ``signals`` table, or None when absent or stale."""
    entry = _load().get(name)
    sources = _policy_sources() if name == "policy" else [_SIGNALS]
    if entry is None or entry["digest"] != sources_digest(sources):
        return None
    return frame_from_record(entry["frame"])


_SIGNALS = "signals_fluorochem.csv"


#: The bundled TOML files kept parsed.
TOML_FILES = ("profile.toml", "zones.toml")


def cached_toml(name: str) -> dict[str, Any] | None:
    """A bundled TOML file (:data:`TOML_FILES`) as parsed (a fresh copy), or None when
    absent or stale.

    (Python's TOML parser costs 2-3 ms to import at every command's start-up.) Each is
    kept as JSON text inside the file, whose keys are sorted: the tables keep their order.
    """
    entry = _load().get("toml", {}).get(name)
    if entry is None or entry["digest"] != sources_digest([name]):
        return None
    return json.loads(entry["json"])


def build() -> dict[str, Any]:
    """The content of :data:`FILE`, parsed afresh from the sources."""
    global _BUILDING
    from chainmap import datasets
    from chainmap.model.chain import parse_chain

    _BUILDING = True
    _load.cache_clear()
    datasets._all_enterprises.cache_clear()
    try:
        return _build(parse_chain, datasets.normalised_sample)
    finally:
        _BUILDING = False
        _load.cache_clear()


_REGIONS = "regions.csv.gz"


def _regions_digest() -> str:
    """SHA-256 of the compressed table's bytes (:func:`sources_digest` reads text)."""
    return hashlib.sha256(catalog.data_path(_REGIONS).read_bytes()).hexdigest()


def cached_regions() -> dict[str, tuple] | None:
    """The region table's columns (:func:`chainmap.model.regions.parse_columns`), or None
    when absent or built from another ``regions.csv.gz``."""
    entry = _load(REGIONS_FILE) or None
    if entry is None or entry["digest"] != _regions_digest():
        return None
    columns = {name: tuple(entry["columns"][name]) for name in entry["order"]}
    for name in ("lat", "lon"):  # (stored as standard JSON: null for NaN)
        columns[name] = tuple(math.nan if v is None else v for v in columns[name])
    return columns


def build_regions() -> dict[str, Any]:
    """The content of :data:`REGIONS_FILE`, parsed afresh from ``regions.csv.gz``."""
    from chainmap.model.regions import parse_columns

    regions = parse_columns()
    return {
        "digest": _regions_digest(),
        "order": list(regions),
        "columns": {
            name: [None if v != v else v for v in values]  # NaN (lat, lon) as null
            for name, values in regions.items()
        },
    }


def _parsed_toml(name: str) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(catalog.read_text(name))


def _build(parse_chain: Any, normalised_sample: Any) -> dict[str, Any]:
    chains = {}
    for chain_id in catalog.bundled_chain_ids():
        name = f"{chain_id}.ttl"
        chain = parse_chain(catalog.read_text(name), origin=f"graphs/{name}")
        chains[chain_id] = {
            "digest": sources_digest([name]),
            "chain": chain_record(chain),
            # networkx's betweenness, so ranking a bundled chain needs no networkx
            "importance": chain.importance().to_dict(),
        }
    sample = normalised_sample()
    from chainmap.model.policy import load_policy
    from chainmap.model.signals import load_signals

    return {
        "chains": chains,
        "sample": {"digest": sources_digest(_sample_sources()), "frame": frame_record(sample)},
        # validated once here: every `rank`, `gaps` and `plan` read and checked them
        "policy": {
            "digest": sources_digest(_policy_sources()),
            "frame": frame_record(load_policy()),
        },
        "signals": {"digest": sources_digest([_SIGNALS]), "frame": frame_record(load_signals())},
        "toml": {
            name: {
                "digest": sources_digest([name]),
                "json": json.dumps(_parsed_toml(name), ensure_ascii=False),
            }
            for name in TOML_FILES
        },
    }
