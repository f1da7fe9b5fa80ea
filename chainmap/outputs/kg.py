"""The knowledge graph: RDF export, SPARQL queries and SHACL validation.

The KG is the chain (SKOS concept scheme + chainmap vocabulary, as written by
:meth:`chainmap.model.chain.Chain.to_turtle`), the global stage vocabulary, the
enterprises (schema.org organisations with ``dcterms:identifier`` for the USCC and
``dcterms:source`` for where each row came from) and the regions (``cm:Region``
with ``cm:adcode``, ``cm:level``, ``schema:containedInPlace`` to the parent and
``cm:inZone``). Terms are listed in ``graphs/chainmap.ttl``.

Two ways to build it, with the same triples (a test checks they are isomorphic):

- :func:`build_kg` returns an rdflib :class:`~rdflib.Graph`, for ordinary sizes;
- :func:`write_kg` / :func:`serialize_kg` write N-Triples or Turtle straight from the
  DataFrames with vectorised string building (about a million triples in a few
  seconds), never adding triple by triple to an rdflib graph.

Identifiers never contain blank nodes: an enterprise's postal address is the
deterministic IRI ``<enterprise IRI>/address``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
import io
import itertools
from pathlib import Path
import re
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from chainmap.errors import ChainError, ChainmapError, InputError, MissingExtraError
from chainmap.model import catalog
from chainmap.model.vocab import (
    CM,
    ENTERPRISE,
    PREFIXES,
    REGION,
    SEGMENT,
    STAGE_LABELS,
    STAGES,
    ZONE,
    bind_prefixes,
)

if TYPE_CHECKING:  # pragma: no cover
    from rdflib import Graph

    from chainmap.model.chain import Chain

__all__ = [
    "FORMATS",
    "Validation",
    "build_kg",
    "bundled_queries",
    "parse_term",
    "placed",
    "query_kg",
    "read_query",
    "serialize_kg",
    "validate_file",
    "validate_kg",
    "write_kg",
]

#: Export formats and their file suffixes.
FORMATS: dict[str, str] = {"ttl": ".ttl", "nt": ".nt", "jsonld": ".jsonld"}

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_SDO = "https://schema.org/"
_DCT = "http://purl.org/dc/terms/"
_SKOS = "http://www.w3.org/2004/02/skos/core#"

_CJK = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"  # literal characters: RE2 and re agree
_IRI_CHARS = r"[^\x00-\x20<>\"{}|^`\\]"
_URL_RE = rf"https?://{_IRI_CHARS}+"
_URLS_RE = rf"\s*{_URL_RE}(?:\s+{_URL_RE})*\s*"
_SEGMENT_ID = r"[a-z0-9][a-z0-9_]*"
_ENTERPRISE_ID = r"[0-9A-Za-z][0-9A-Za-z_:\-]*"
_ADCODE = r"\d{6}"
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_TRUE = {"true", "1", "yes", "y", "是", "t"}
_FALSE = {"false", "0", "no", "n", "否", "f"}


# ---------------------------------------------------------------------- the mapping


@dataclass(frozen=True)
class _Field:
    """One column → one predicate. ``kind`` says how the value becomes an RDF term.

    kinds: ``const`` (the IRI ``value``), ``text`` (``@zh`` when it contains Chinese
    characters, else a plain literal), ``string``, ``decimal``, ``integer``, ``date``,
    ``gYear``, ``boolean``, ``segment``/``region``/``zone`` (IRIs from ids),
    ``iri`` (an IRI already), ``source`` (IRIs when the cell is whitespace-separated
    URLs, else one literal).
    """

    column: str | None
    predicate: str
    kind: str
    value: str = ""
    address: bool = False  # subject is the enterprise's address node


_ADDRESS_COLUMNS = ("country", "province", "city", "county", "address")
_ADDRESS = "__address__"

_ENTERPRISE_FIELDS: tuple[_Field, ...] = (
    _Field(None, _RDF + "type", "const", str(CM.Enterprise)),
    _Field(None, _RDF + "type", "const", _SDO + "Organization"),
    _Field("name", _SDO + "name", "text"),
    _Field("uscc", _DCT + "identifier", "string"),
    _Field("legal_rep", str(CM.legalRepresentative), "text"),
    _Field("status", str(CM.status), "text"),
    _Field("active", str(CM.active), "boolean"),
    _Field("region_code", str(CM.region), "region"),
    _Field("segments", str(CM.segment), "segment"),
    _Field("segments_source", str(CM.segmentsSource), "string"),
    _Field("scope", str(CM.businessScope), "text"),
    _Field("registered_capital", str(CM.registeredCapital), "decimal"),
    _Field("capital_currency", str(CM.capitalCurrency), "string"),
    _Field("founded", _SDO + "foundingDate", "date"),
    _Field("employees", str(CM.employees), "integer"),
    _Field("revenue", str(CM.revenue), "decimal"),
    _Field("revenue_year", str(CM.revenueYear), "gYear"),
    _Field("listed", str(CM.listed), "string"),
    _Field("flags", str(CM.flag), "text"),
    _Field("parent", str(CM.parentName), "text"),
    _Field("source", _DCT + "source", "source"),
    _Field(_ADDRESS, _SDO + "address", "iri"),
    _Field(_ADDRESS, _RDF + "type", "const", _SDO + "PostalAddress", address=True),
    _Field("country", _SDO + "addressCountry", "text", address=True),
    _Field("province", _SDO + "addressRegion", "text", address=True),
    _Field("city", _SDO + "addressLocality", "text", address=True),
    _Field("county", str(CM.county), "text", address=True),
    _Field("address", _SDO + "streetAddress", "text", address=True),
)

_REGION_FIELDS: tuple[_Field, ...] = (
    _Field(None, _RDF + "type", "const", str(CM.Region)),
    _Field(None, _RDF + "type", "const", _SDO + "AdministrativeArea"),
    _Field("adcode", str(CM.adcode), "string"),
    _Field("name", _SDO + "name", "text"),
    _Field("short_name", _SDO + "alternateName", "text"),
    _Field("level", str(CM.level), "string"),
    _Field("parent", _SDO + "containedInPlace", "region"),
    _Field("lat", _SDO + "latitude", "decimal"),
    _Field("lon", _SDO + "longitude", "decimal"),
    _Field("approx_coords", str(CM.approxCoords), "boolean"),
    _Field("zones", str(CM.inZone), "zone"),
)

_ZONE_FIELDS: tuple[_Field, ...] = (
    _Field(None, _RDF + "type", "const", str(CM.Zone)),
    _Field("name", _SDO + "name", "text"),
)

_DATATYPES = {
    "decimal": _XSD + "decimal",
    "integer": _XSD + "integer",
    "date": _XSD + "date",
    "gYear": _XSD + "gYear",
    "boolean": _XSD + "boolean",
}


@dataclass
class _Terms:
    """The objects of one field, vectorised: row positions and lexical values."""

    field: _Field
    pos: np.ndarray  # row position of the subject
    k: np.ndarray  # index inside a list cell
    value: pd.Series  # lexical form (literal) or IRI
    is_iri: np.ndarray  # bool per value
    lang: np.ndarray  # "zh" or "" per value
    datatype: str  # datatype IRI of literals, "" for plain/lang
    ttl: pd.Series | None = None  # Turtle form of IRI objects (prefixed names), if known


@dataclass
class _Table:
    """A subject table: one row per subject, its IRIs and the fields to write."""

    frame: pd.DataFrame
    subjects: np.ndarray  # IRI per row
    fields: tuple[_Field, ...]
    address: np.ndarray | None = None  # address IRI per row (enterprises)
    subjects_ttl: np.ndarray | None = None  # Turtle form of the subjects
    name: str = "enterprises"
    terms: list[_Terms] = field(default_factory=list)


def _missing(series: pd.Series) -> np.ndarray:
    """Cells that carry no value: NA, None, or blank text."""
    miss = series.isna().to_numpy(dtype=bool, copy=True)
    if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
        text = series.astype("str").str.strip()
        miss |= (text == "").fillna(True).to_numpy(dtype=bool)
    return miss


def _explode(series: pd.Series) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """Positions, list indices and items of a column whose cells may hold lists."""
    values = series.reset_index(drop=True)
    if values.dtype == object:
        kinds = (list, tuple, np.ndarray, set)
        is_list = np.fromiter(
            (isinstance(v, kinds) for v in values.to_numpy()), dtype=bool, count=len(values)
        )
    else:
        is_list = np.zeros(len(values), dtype=bool)
    if not is_list.any():
        keep = ~_missing(values)
        pos = np.flatnonzero(keep)
        return pos, np.zeros(len(pos), dtype=np.int64), values[keep].reset_index(drop=True)
    cells = [
        sorted(v) if isinstance(v, set) else list(v) if listed else [] if _na(v) else [v]
        for v, listed in zip(values.to_numpy(), is_list, strict=True)
    ]
    lengths = np.fromiter(map(len, cells), dtype=np.int64, count=len(cells))
    pos = np.repeat(np.arange(len(values)), lengths)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    k = np.arange(len(pos)) - starts
    items = pd.Series([x for cell in cells for x in cell], dtype=object)
    keep = ~_missing(items) if len(items) else np.zeros(0, dtype=bool)
    return pos[keep], k[keep], items[keep].reset_index(drop=True)


def _na(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _lexical(kind: str, items: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Lexical forms of ``items`` for a literal ``kind``; returns (values, kept mask)."""
    if kind in ("decimal", "integer", "gYear"):
        nums = pd.to_numeric(items, errors="coerce").astype("float64")
        keep = np.isfinite(nums.to_numpy())
        nums = nums[keep]
        if kind == "decimal":
            # repr is the shortest round-trip form; only exponents need rewriting.
            text = nums.astype("str").str.replace(r"\.0$", "", regex=True)
            exp = text.str.contains("e", regex=False).to_numpy(dtype=bool)
            if exp.any():
                text = text.astype(object)
                text[exp] = nums[exp].map(lambda x: np.format_float_positional(x, trim="-"))
            text = text.astype("str")
        elif kind == "integer":
            text = nums.map(lambda x: str(int(x)))
        else:
            text = nums.map(lambda x: f"{int(x):04d}")
        return text.astype("str"), keep
    if kind == "date":
        dates = pd.to_datetime(items, errors="coerce")
        keep = dates.notna().to_numpy(dtype=bool)
        return dates[keep].dt.strftime("%Y-%m-%d").astype("str"), keep
    if kind == "boolean":

        def flag(v: Any) -> str:
            if isinstance(v, bool | np.bool_):
                return "true" if v else "false"
            text = str(v).strip().lower()
            return "true" if text in _TRUE else "false" if text in _FALSE else ""

        text = items.map(flag).astype("str")
        keep = (text != "").to_numpy(dtype=bool)
        return text[keep], keep
    text = items.astype("str").str.strip()
    return text, np.ones(len(text), dtype=bool)


def _check_ids(values: pd.Series, pattern: str, column: str, table: str, what: str) -> None:
    bad = ~values.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
    if bad.any():
        example = values[bad].iloc[0]
        raise InputError(
            f"非法{what} / invalid {what} {example!r}",
            file=table,
            column=column,
            hint="请修正该列 / fix the values in this column",
        )


def _field_terms(table: _Table, spec: _Field) -> _Terms | None:
    """Vectorised objects of one field over the whole table (shared by both writers)."""
    n = len(table.frame)
    if spec.column is None or (spec.kind == "const" and spec.column == _ADDRESS):
        rows = np.arange(n) if spec.column is None else np.flatnonzero(table.address != "")
        value = pd.Series([spec.value] * len(rows), dtype="str")
        return _Terms(
            spec,
            rows,
            np.zeros(len(rows), dtype=np.int64),
            value,
            np.ones(len(rows), dtype=bool),
            np.full(len(rows), "", dtype=object),
            "",
            ttl=pd.Series([_curie(spec.value)] * len(rows), dtype="str"),
        )
    if spec.column == _ADDRESS:
        column = pd.Series(table.address, dtype="str")
    elif spec.column in table.frame.columns:
        column = table.frame[spec.column]
    else:
        return None
    pos, k, items = _explode(column)
    if not len(items):
        return None
    kind = spec.kind
    is_iri = np.zeros(len(items), dtype=bool)
    lang = np.full(len(items), "", dtype=object)
    datatype = _DATATYPES.get(kind, "")
    if kind in ("segment", "region", "zone", "iri"):
        text = items.astype("str").str.strip()
        ttl = None
        if kind == "segment":
            _check_ids(text, _SEGMENT_ID, spec.column, table.name, "环节编号 segment id")
            text, ttl = str(SEGMENT) + text, "seg:" + text
        elif kind == "region":
            text = text.str.replace(r"\.0$", "", regex=True)
            _check_ids(text, _ADCODE, spec.column, table.name, "行政区划代码 adcode")
            text, ttl = str(REGION) + text, "region:" + text
        elif kind == "zone":
            _check_ids(text, rf"{_IRI_CHARS}+", spec.column, table.name, "经济区 zone")
            text = str(ZONE) + text
        return _Terms(spec, pos, k, text, np.ones(len(text), dtype=bool), lang, "", ttl=ttl)
    if kind == "source":
        text = items.astype("str").str.strip()
        urls = text.str.fullmatch(_URLS_RE).fillna(False).to_numpy(dtype=bool)
        if urls.any():
            split = text[urls].str.split()
            lengths = split.map(len).to_numpy(dtype=np.int64)
            url_pos = np.repeat(pos[urls], lengths)
            url_k = np.repeat(k[urls], lengths) * 1000 + (
                np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            )
            url_text = pd.Series([u for cell in split for u in cell], dtype="str")
            order = np.lexsort((url_k, url_pos))
            lit = ~urls
            pos = np.concatenate([pos[lit], url_pos[order]])
            k = np.concatenate([k[lit] * 1000, url_k[order]])
            text = pd.concat([text[lit], url_text.iloc[order]], ignore_index=True)
            is_iri = np.concatenate([np.zeros(lit.sum(), bool), np.ones(len(url_text), bool)])
            lang = np.full(len(text), "", dtype=object)
        return _Terms(spec, pos, k, text.reset_index(drop=True), is_iri, lang, "")
    text, keep = _lexical(kind, items)
    pos, k = pos[keep], k[keep]
    text = text.reset_index(drop=True)
    if kind == "text":
        zh = text.str.contains(_CJK, regex=True).fillna(False).to_numpy(dtype=bool)
        lang = np.where(zh, "zh", "").astype(object)
    else:
        lang = np.full(len(text), "", dtype=object)
    return _Terms(spec, pos, k, text, np.zeros(len(text), dtype=bool), lang, datatype)


# ---------------------------------------------------------------------- tables


def _enterprise_table(enterprises: pd.DataFrame) -> _Table:
    if "enterprise_id" not in enterprises.columns:
        raise InputError(
            "缺少 enterprise_id 列 / no enterprise_id column",
            file="enterprises",
            hint="用 read_enterprises 读取企业表 / load the table with read_enterprises",
        )
    frame = enterprises.reset_index(drop=True)
    ids = frame["enterprise_id"].astype("str").str.strip()
    _check_ids(ids, _ENTERPRISE_ID, "enterprise_id", "enterprises", "企业编号 enterprise id")
    dup = ids.duplicated()
    if dup.any():
        raise InputError(
            f"企业编号重复 / duplicate enterprise_id {ids[dup].iloc[0]!r}",
            file="enterprises",
            column="enterprise_id",
        )
    order = np.argsort(ids.to_numpy(dtype=object), kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    ids = ids.iloc[order].reset_index(drop=True)
    local = ids.str.replace(":", "-", regex=False)
    subjects = (str(ENTERPRISE) + local).to_numpy(dtype=object)
    safe = local.str.fullmatch(_LOCAL_RE).fillna(False).to_numpy(dtype=bool)
    subjects_ttl = np.where(safe, "ent:" + local.to_numpy(dtype=object), "<" + subjects + ">")
    has_address = np.zeros(len(frame), dtype=bool)
    for col in _ADDRESS_COLUMNS:
        if col in frame.columns:
            has_address |= ~_missing(frame[col])
    address = np.where(has_address, subjects + "/address", "").astype(object)
    return _Table(
        frame,
        subjects,
        _ENTERPRISE_FIELDS,
        address=address,
        name="enterprises",
        subjects_ttl=subjects_ttl,
    )


def _regions_frame(regions: Any, enterprises: pd.DataFrame | None) -> pd.DataFrame | None:
    """The region rows to export: all of a given table, or those referenced plus ancestors."""
    if regions is False:
        return None
    if isinstance(regions, pd.DataFrame):
        table = regions
    else:
        if regions is None and (enterprises is None or "region_code" not in enterprises.columns):
            return None
        from chainmap.model.regions import regions as bundled_regions

        table = bundled_regions()
    # The bundled table is indexed by adcode; a user's frame may carry it as a column.
    table = table.reset_index(drop="adcode" in table.columns).copy()
    table["adcode"] = table["adcode"].astype("str").str.strip()
    if "parent" in table.columns:
        parent = table["parent"].astype("str").str.strip().str.replace(r"\.0$", "", regex=True)
        table["parent"] = parent.where(~_missing(table["parent"]), None)
    if regions is None:
        codes = enterprises["region_code"].astype("str").str.strip()
        wanted = set(codes[~_missing(enterprises["region_code"])])
        parents = _parents(table)
        frontier = set(wanted)
        while frontier:
            frontier = {parents.get(c) for c in frontier} - {None} - wanted
            frontier = {c for c in frontier if isinstance(c, str)}
            wanted |= frontier
        table = table[table["adcode"].isin(wanted)]
    return table.sort_values("adcode", kind="stable").reset_index(drop=True)


def _parents(table: pd.DataFrame) -> dict[str, str | None]:
    """adcode → parent adcode (None at the top)."""
    if "parent" not in table.columns:
        return {}
    return dict(zip(table["adcode"], table["parent"], strict=True))


def _zone_lists(
    table: pd.DataFrame, zones: Mapping[str, Sequence[str]]
) -> tuple[pd.Series, list[str]]:
    """For each region, the zones it lies in (itself or an ancestor listed), sorted."""
    parents = _parents(table)
    listed = {z: {str(c) for c in codes} for z, codes in zones.items()}
    out = []
    for code in table["adcode"]:
        chain, seen = [code], {code}
        while isinstance(parents.get(chain[-1]), str) and parents[chain[-1]] not in seen:
            chain.append(parents[chain[-1]])
            seen.add(chain[-1])
        out.append(sorted(z for z, codes in listed.items() if codes & seen))
    used = sorted({z for zs in out for z in zs})
    return pd.Series(out, index=table.index, dtype=object), used


def _bundled_zones() -> Mapping[str, Sequence[str]]:
    from chainmap.model.regions import zones as bundled_zones

    return bundled_zones()


def _slices(table: _Table, size: int | None) -> Iterator[_Table]:
    """The table in blocks of ``size`` rows (bounds the bulk writer's memory)."""
    n = len(table.frame)
    if not size or n <= size:
        yield table
        return
    for start in range(0, n, size):
        part = slice(start, start + size)
        yield _Table(
            table.frame.iloc[part].reset_index(drop=True),
            table.subjects[part],
            table.fields,
            address=None if table.address is None else table.address[part],
            name=table.name,
            subjects_ttl=None if table.subjects_ttl is None else table.subjects_ttl[part],
        )


def _tables(
    enterprises: pd.DataFrame | None,
    regions: Any,
    zones: bool | Mapping[str, Sequence[str]],
    *,
    chunk: int | None = None,
) -> Iterator[_Table]:
    """Regions, zones and enterprises as subject tables with their terms, in output order."""
    tables: list[_Table] = []
    region_frame = _regions_frame(regions, enterprises)
    if region_frame is not None and len(region_frame):
        zone_map = _bundled_zones() if zones is True else (zones or {})
        used: list[str] = []
        if zone_map:
            region_frame["zones"], used = _zone_lists(region_frame, zone_map)
        _check_ids(region_frame["adcode"], _ADCODE, "adcode", "regions", "行政区划代码 adcode")
        subjects = (str(REGION) + region_frame["adcode"]).to_numpy(dtype=object)
        curies = ("region:" + region_frame["adcode"]).to_numpy(dtype=object)
        tables.append(
            _Table(region_frame, subjects, _REGION_FIELDS, name="regions", subjects_ttl=curies)
        )
        if used:
            zone_frame = pd.DataFrame({"name": used})
            subjects = np.array([str(ZONE) + z for z in used], dtype=object)
            tables.append(_Table(zone_frame, subjects, _ZONE_FIELDS, name="zones"))
    if enterprises is not None and len(enterprises):
        tables.append(_enterprise_table(enterprises))
    for whole in tables:
        for table in _slices(whole, chunk):
            table.terms = [
                t for t in (_field_terms(table, f) for f in table.fields) if t is not None
            ]
            yield table


# ---------------------------------------------------------------------- the chain part


def _member_chains(chain: Chain) -> list[Chain]:
    """The member chains of a (possibly joined) chain, each writable as its own Turtle."""
    if len(chain.members) == 1:
        return [chain]
    names_zh = chain.name_zh.split(" + ")
    names_en = chain.name_en.split(" + ")
    out = []
    for i, member in enumerate(chain.members):
        part = chain.subchain(s for s, m in chain.membership.items() if member in m)
        part.link_list = [
            k
            for k in part.link_list
            if member in chain.link_membership.get((k.upstream, k.downstream), ())
        ]
        part.id = member
        part.members = (member,)
        part.membership = {s: (member,) for s in part.segments_by_id}
        part.link_membership = {(k.upstream, k.downstream): (member,) for k in part.link_list}
        if len(names_zh) == len(chain.members):
            part.name_zh = names_zh[i]
            part.name_en = names_en[i] if len(names_en) == len(chain.members) else ""
        else:
            part.name_zh = member
        part.description_zh = part.description_en = ""
        out.append(part)
    return out


def _stages_turtle() -> str:
    lines = [
        "@prefix cm: <https://w3id.org/chainmap/vocab#> .",
        "@prefix stage: <https://w3id.org/chainmap/stage/> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
    ]
    for order, stage in enumerate(STAGES):
        zh, en = STAGE_LABELS[stage]
        lines.append(
            f'stage:{stage} a cm:Stage ; cm:stageOrder {order} ; rdfs:label "{zh}"@zh, "{en}"@en .'
        )
    return "\n".join(lines) + "\n"


def _chain_graph(chain: Chain | None) -> Graph:
    """The chain's triples (each member's Turtle) plus the stage vocabulary, parsed by rdflib."""
    from rdflib import Graph

    graph = Graph()
    bind_prefixes(graph)
    if chain is None:
        return graph
    for member in _member_chains(chain):
        graph.parse(data=member.to_turtle(), format="turtle")
    graph.parse(data=_stages_turtle(), format="turtle")
    return graph


def placed(chain: Chain | None, enterprises: pd.DataFrame | None) -> pd.DataFrame | None:
    """``enterprises`` with untagged rows placed in ``chain`` from their business scope.

    As the ranking places them (:func:`~chainmap.analysis.holdings.chain_enterprises`):
    tags win, classified segments below the default confidence (``scope``) are left out,
    and ``segments_source`` is ``classified`` on the rows classified. Without it, an
    imported registry (scopes, no tags) was written and queried as holding nothing.
    Rows classified already are not classified again; without a chain, or a scope to
    read, the table is returned as it is.
    """
    if chain is None or enterprises is None or "scope" not in enterprises.columns:
        return enterprises
    from chainmap.analysis.holdings import as_lists, confident
    from chainmap.model.values import is_blank

    n = len(enterprises)
    tagged = as_lists(enterprises["segments"]) if "segments" in enterprises else [[]] * n
    classified = (
        enterprises["segments_source"].eq("classified").to_numpy(dtype=bool, na_value=False)
        if "segments_source" in enterprises
        else np.zeros(n, dtype=bool)
    )
    scopes = enterprises["scope"].tolist()
    if all(tagged[i] or classified[i] or is_blank(scopes[i]) for i in range(n)):
        return enterprises  # nothing to classify (and no automaton built)
    from chainmap.analysis.classify import assign_segments

    done = assign_segments(chain, enterprises)
    meets: dict[str, bool] = {}
    kept = [
        confident(segs, levels, "scope", meets)
        for segs, levels in zip(done["segments"], done["segments_confidence"], strict=True)
    ]
    return done.assign(segments=kept).drop(columns=["segments_confidence", "trade_segments"])


# ---------------------------------------------------------------------- rdflib path


def build_kg(
    chain: Chain | None,
    *,
    enterprises: pd.DataFrame | None = None,
    regions: bool | pd.DataFrame | None = None,
    zones: bool | Mapping[str, Sequence[str]] = True,
) -> Graph:
    """Build the knowledge graph as an rdflib Graph.

    Parameters
    ----------
    chain
        The chain (a joined chain writes each member); ``None`` for enterprises only.
    enterprises
        A table with the canonical enterprise columns (``enterprise_id`` required).
        Rows without segment tags are placed in ``chain`` from their scope
        (:func:`placed`), as the ranking places them.
    regions
        ``None``: the regions the enterprises reference, with their ancestors, from
        the bundled table; ``True``: the whole bundled table; a DataFrame with the
        regions columns (adcode, name, short_name, level, parent, lat, lon,
        approx_coords): exactly those rows; ``False``: no regions.
    zones
        ``True``: the bundled zones (长三角 …); a mapping ``{zone: [adcodes]}``;
        ``False``: none. A region is in a zone when it or an ancestor is listed.

    Returns
    -------
    rdflib.Graph
        With chainmap's readable prefixes bound.

    Examples
    --------
    >>> from chainmap.model.chain import load_chain
    >>> from chainmap.model.vocab import segment_iri
    >>> from rdflib import Literal
    >>> from rdflib.namespace import SKOS
    >>> g = build_kg(load_chain("fluorochem"))
    >>> (segment_iri("pvdf"), SKOS.prefLabel, Literal("聚偏氟乙烯", lang="zh")) in g
    True
    """
    from rdflib import Literal, URIRef

    graph = _chain_graph(chain)
    for table in _tables(placed(chain, enterprises), regions, zones):
        address = table.address
        for terms in table.terms:
            subjects = address if terms.field.address else table.subjects
            pred = URIRef(terms.field.predicate)
            dt = URIRef(terms.datatype) if terms.datatype else None
            objects = (
                URIRef(v) if iri else Literal(v, lang=lang or None, datatype=dt)
                for v, iri, lang in zip(terms.value.tolist(), terms.is_iri, terms.lang, strict=True)
            )
            graph.addN(
                (URIRef(subjects[p]), pred, o, graph)
                for p, o in zip(terms.pos.tolist(), objects, strict=True)
            )
    return graph


# ---------------------------------------------------------------------- bulk path


def _escape(values: pd.Series) -> pd.Series:
    """Escape text for an N-Triples / Turtle double-quoted literal."""
    out = (
        values.str.replace("\\", "\\\\", regex=False)
        .str.replace('"', '\\"', regex=False)
        .str.replace("\n", "\\n", regex=False)
        .str.replace("\r", "\\r", regex=False)
    )
    control = out.str.contains(_CONTROL, regex=True).fillna(False).to_numpy(dtype=bool)
    if control.any():
        fixed = out[control].map(
            lambda s: re.sub(_CONTROL, lambda m: f"\\u{ord(m.group()):04X}", s)
        )
        out = out.astype(object)
        out[control] = fixed
        out = out.astype("str")
    return out


_CURIES = sorted(((str(ns), p) for p, ns in PREFIXES.items()), key=lambda x: -len(x[0]))
_LOCAL_RE = r"[A-Za-z0-9_][A-Za-z0-9_\-]*"


def _curie(iri: str) -> str:
    """A predicate or class IRI as a prefixed name when possible, else ``<iri>``."""
    for ns, prefix in _CURIES:
        if iri.startswith(ns) and re.fullmatch(_LOCAL_RE, iri[len(ns) :]):
            return "a" if iri == _RDF + "type" else f"{prefix}:{iri[len(ns) :]}"
    return f"<{iri}>"


def _cat(*parts: str | pd.Series) -> pd.Series:
    """Element-wise concatenation of strings and equal-length string Series (one Arrow pass)."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pandas without Arrow strings: ordinary (slower) concatenation
        series = [p.reset_index(drop=True) for p in parts if not isinstance(p, str)]
        out = pd.Series([""] * (len(series[0]) if series else 1), dtype=object)
        for part in parts:  # a plain string is added to every row
            out = out + (part if isinstance(part, str) else part.reset_index(drop=True))
        return out
    large = pa.large_string()
    args = [
        pa.scalar(part, large) if isinstance(part, str) else pa.array(part.array, type=large)
        for part in parts
    ]
    return pd.Series(pc.binary_join_element_wise(*args, pa.scalar("", large)), dtype="str")


def _objects(terms: _Terms, turtle: bool) -> pd.Series:
    values = terms.value.astype("str").reset_index(drop=True)
    if terms.is_iri.all():
        if turtle and terms.ttl is not None:
            return terms.ttl.astype("str").reset_index(drop=True)
        return _cat("<", values, ">")
    if terms.datatype:
        tail = '"^^' + (_curie(terms.datatype) if turtle else f"<{terms.datatype}>")
        lit = _cat('"', _escape(values), tail)
    elif (terms.lang == "zh").all():
        lit = _cat('"', _escape(values), '"@zh')
    else:
        suffix = pd.Series(np.where(terms.lang != "", '"@' + terms.lang, '"'), dtype="str")
        lit = _cat('"', _escape(values), suffix)
    if terms.is_iri.any():
        lit = lit.where(~terms.is_iri, _cat("<", values, ">"))
    return lit


def _joined(pieces: pd.Series) -> bytes | memoryview:
    """The concatenation of a string Series as UTF-8, straight from Arrow's buffer if possible."""
    try:
        import pyarrow as pa
    except ImportError:  # the parquet extra is not installed: the plain join
        return "".join(pieces.tolist()).encode("utf-8")
    try:
        arr = pa.array(pieces.array)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
    except (TypeError, ValueError, pa.ArrowException):
        return "".join(pieces.tolist()).encode("utf-8")
    if arr.null_count or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return "".join(pieces.tolist()).encode("utf-8")
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(arr.buffers()[1], dtype=width)[arr.offset : arr.offset + len(arr) + 1]
    return memoryview(arr.buffers()[2])[int(offsets[0]) : int(offsets[-1])]


def _table_rows(table: _Table, turtle: bool) -> bytes | memoryview | None:
    """Arrow fast path of :func:`_table_text`: each field's triples gathered per row
    (list join), then one row-wise join, so the big output is never reordered.

    Returns None when pyarrow is missing or the table has no always-present first field.
    """
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        return None
    n = len(table.frame)
    if not table.terms or len(table.terms[0].pos) != n or table.terms[0].field.address:
        return None
    large = pa.large_string()
    empty = pa.scalar("", large)
    subjects = pd.Series(table.subjects, dtype="str")
    address = None if table.address is None else pd.Series(table.address, dtype="str")
    own, addr = [], []
    for terms in table.terms:
        if turtle:
            lines = _cat(" ;\n    " + _curie(terms.field.predicate) + " ", _objects(terms, turtle))
        else:
            subj = (address if terms.field.address else subjects).take(terms.pos)
            pred = f"> <{terms.field.predicate}> "
            lines = _cat("<", subj, pred, _objects(terms, turtle), " .\n")
        order = np.lexsort((terms.k, terms.pos))
        if (order != np.arange(len(order))).any():
            lines = lines.take(order)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms.pos, minlength=n), out=offsets[1:])
        values = pa.array(lines.reset_index(drop=True).array, type=large)
        if isinstance(values, pa.ChunkedArray):  # pandas' Arrow-backed strings come chunked
            values = values.combine_chunks()
        cells = pa.LargeListArray.from_arrays(pa.array(offsets), values)
        (addr if terms.field.address else own).append(pc.binary_join(cells, empty))
    if not turtle:
        return _joined(pd.Series(pc.binary_join_element_wise(*own, *addr, empty), dtype="str"))
    cut = len(" ;\n    ")
    head = pa.array(
        table.subjects_ttl
        if table.subjects_ttl is not None
        else [_curie(s) for s in table.subjects],
        type=large,
    )
    parts = [
        pa.scalar("\n", large),
        head,
        pa.scalar(" ", large),
        pc.utf8_slice_codeunits(pc.binary_join_element_wise(*own, empty), cut),
        pa.scalar(" .\n", large),
    ]
    if addr:
        body = pc.binary_join_element_wise(*addr, empty)
        block = pc.binary_join_element_wise(
            pa.scalar("\n<", large),
            pa.array(table.address, type=large),
            pa.scalar("> ", large),
            pc.utf8_slice_codeunits(body, cut),
            pa.scalar(" .\n", large),
            empty,
        )
        parts.append(pc.if_else(pc.greater(pc.binary_length(body), 0), block, empty))
    return _joined(pd.Series(pc.binary_join_element_wise(*parts, empty), dtype="str"))


def _table_text(table: _Table, turtle: bool) -> bytes | memoryview:
    """All triples of one table, grouped by subject in a fixed predicate order."""
    if not table.terms:
        return b""
    fast = _table_rows(table, turtle)
    if fast is not None:
        return fast
    subjects = pd.Series(table.subjects, dtype="str")
    address = None if table.address is None else pd.Series(table.address, dtype="str")
    pos, sub, fidx, k, pieces = [], [], [], [], []
    for i, terms in enumerate(table.terms):
        pos.append(terms.pos)
        sub.append(np.full(len(terms.pos), int(terms.field.address)))
        fidx.append(np.full(len(terms.pos), i))
        k.append(terms.k)
        if turtle:
            pieces.append(_cat(_curie(terms.field.predicate) + " ", _objects(terms, turtle)))
        else:
            subj = (address if terms.field.address else subjects).take(terms.pos)
            pred = f"> <{terms.field.predicate}> "
            pieces.append(_cat("<", subj, pred, _objects(terms, turtle), " .\n"))
    pos_a, sub_a = np.concatenate(pos), np.concatenate(sub)
    order = np.lexsort((np.concatenate(k), np.concatenate(fidx), sub_a, pos_a))
    lines = pd.concat(pieces, ignore_index=True).take(order).reset_index(drop=True)
    if not turtle:
        return _joined(lines)
    pos_a, sub_a = pos_a[order], sub_a[order]
    key = pos_a * 2 + sub_a
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    if table.subjects_ttl is not None:
        heads = table.subjects_ttl[pos_a[first]]
    else:
        heads = np.array([_curie(s) for s in table.subjects[pos_a[first]]], dtype=object)
    if table.address is not None:
        heads = np.where(sub_a[first] == 1, "<" + table.address[pos_a[first]] + ">", heads)
    seps = np.full(len(heads), " .\n\n", dtype=object)
    seps[0] = "\n"
    starts = _cat(pd.Series(seps, dtype="str"), pd.Series(heads, dtype="str"), " ")
    # One take picks each triple's lead-in: its subject's start, or " ;" within a subject.
    choices = pd.concat([starts, pd.Series([" ;\n    "], dtype="str")], ignore_index=True)
    lead = choices.take(np.where(first, np.cumsum(first) - 1, len(starts)))
    return b"".join([_joined(_cat(lead.reset_index(drop=True), lines)), b" .\n"])


def _chain_text(chain: Chain | None, fmt: str) -> bytes:
    graph = _chain_graph(chain)
    if not len(graph):
        return b""
    if fmt == "nt":
        lines = graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
        text = "".join(line + "\n" for line in sorted(set(lines)) if line.strip())
    else:
        body = graph.serialize(format="turtle").splitlines()
        text = "\n".join(x for x in body if not x.startswith("@prefix")).strip("\n") + "\n"
    return text.encode("utf-8")


_CHUNK = 25_000  # rows per block on the bulk path


def _turtle_header() -> str:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(PREFIXES.items()))


def _bulk_chunks(
    chain: Chain | None,
    *,
    enterprises: pd.DataFrame | None,
    regions: Any,
    zones: bool | Mapping[str, Sequence[str]],
    fmt: str,
) -> Iterator[bytes | memoryview]:
    turtle = fmt == "ttl"
    if turtle:
        yield (_turtle_header() + "\n").encode("utf-8")
    yield _chain_text(chain, fmt)
    for table in _tables(enterprises, regions, zones, chunk=_CHUNK):
        yield _table_text(table, turtle)


def serialize_kg(
    chain: Chain | None,
    *,
    enterprises: pd.DataFrame | None = None,
    regions: bool | pd.DataFrame | None = None,
    zones: bool | Mapping[str, Sequence[str]] = True,
    format: str = "ttl",
) -> bytes:
    """The KG as bytes in ``format`` (``ttl``, ``nt`` or ``jsonld``), by the bulk path.

    Same triples as :func:`build_kg`, written straight from the tables. The bytes
    are deterministic: the chain part sorted, then regions, zones and enterprises
    sorted by IRI, each subject's triples in a fixed predicate order.

    Examples
    --------
    >>> from chainmap.model.chain import load_chain
    >>> text = serialize_kg(load_chain("fluorochem"), format="ttl").decode()
    >>> "ns1:" in text, "seg:pvdf" in text
    (False, True)
    """
    buffer = io.BytesIO()
    write_kg(chain, buffer, enterprises=enterprises, regions=regions, zones=zones, format=format)
    return buffer.getvalue()


def write_kg(
    chain: Chain | None,
    path: str | Path | IO[bytes],
    *,
    enterprises: pd.DataFrame | None = None,
    regions: bool | pd.DataFrame | None = None,
    zones: bool | Mapping[str, Sequence[str]] = True,
    format: str = "ttl",
) -> None:
    """Write the KG to ``path`` (a file name or a binary file) by the bulk path.

    N-Triples and Turtle are built with vectorised string operations over the
    DataFrames. JSON-LD goes through pyoxigraph (the ``fast`` extra) when it is
    installed, else rdflib (slower; fine for ordinary sizes). Untagged enterprises are
    placed in ``chain`` as :func:`build_kg` places them.
    """
    if format not in FORMATS:
        raise InputError(
            f"未知格式 / unknown format {format!r}", hint=f"use one of {', '.join(FORMATS)}"
        )
    kwargs = {"enterprises": placed(chain, enterprises), "regions": regions, "zones": zones}
    if format == "jsonld":
        chunks: Iterable[bytes] = [_jsonld(b"".join(_bulk_chunks(chain, fmt="nt", **kwargs)))]
    else:
        chunks = _bulk_chunks(chain, fmt=format, **kwargs)
    if isinstance(path, str | Path):
        from chainmap.readwrite import atomic

        with atomic.atomic_write(path, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
    else:
        for chunk in chunks:
            path.write(chunk)


def _jsonld(ntriples: bytes) -> bytes:
    try:
        import pyoxigraph as ox
    except ImportError:
        from rdflib import Graph

        graph = Graph()
        graph.parse(data=ntriples.decode("utf-8"), format="nt")
        context = {p: str(ns) for p, ns in sorted(PREFIXES.items())}
        return graph.serialize(format="json-ld", context=context, sort_keys=True).encode("utf-8")
    quads = ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)
    prefixes = {p: str(ns) for p, ns in sorted(PREFIXES.items())}
    return ox.serialize(quads, format=ox.RdfFormat.JSON_LD, prefixes=prefixes)


# ---------------------------------------------------------------------- SPARQL

_QUERY_DIR = "queries"


def bundled_queries() -> dict[str, str]:
    """The bundled example queries: name → first comment line (what it answers).

    Examples
    --------
    >>> "segments-of-stage" in bundled_queries()
    True
    """
    root = catalog.data_path(_QUERY_DIR)
    out = {}
    for item in sorted(root.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".rq"):
            first = item.read_text(encoding="utf-8").splitlines()[0]
            out[item.name[: -len(".rq")]] = first.lstrip("# ").strip()
    return out


def read_query(text: str) -> str:
    """The SPARQL text for ``text``: ``@file.rq``, a bundled query name, or the query itself.

    Examples
    --------
    >>> "ORDER BY" in read_query("segments-of-stage")
    True
    """
    if text.startswith("@"):
        path = Path(text[1:])
        if not path.is_file():
            raise InputError(
                "查询文件是目录 / the query file is a folder"
                if path.is_dir()
                else "查询文件不存在 / no such query file",
                file=str(path),
                hint="give a .rq file: @file.rq",
            )
        from chainmap.readwrite.sniff import read_utf8

        return read_utf8(path, "SPARQL")
    if re.fullmatch(r"[a-z0-9][a-z0-9_\-]*", text):
        names = bundled_queries()
        if text not in names:
            from chainmap.errors import closest

            guess = closest(text, list(names))
            raise InputError(
                f"未知示例查询 / unknown bundled query {text!r}"
                + (f"; did you mean {', '.join(guess)}?" if guess else ""),
                hint=f"可用 / available: {', '.join(names)}",
            )
        return catalog.read_text(f"{_QUERY_DIR}/{text}.rq")
    return text


_TERM_START = re.compile(r'^(<|"|\'|[+-]?\d|[+-]?\.\d|true$|false$)')
_PNAME = re.compile(r"^([A-Za-z][\w\-]*)?:(\S*)$")
#: An absolute IRI in angle brackets (Turtle's IRIREF with a scheme, without escapes).
_IRIREF = re.compile(r"<[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\]*>")


def parse_term(text: str):
    """Parse ``--bind`` VALUE as a Turtle term (rdflib term).

    ``<iri>``, ``prefix:local`` (bundled prefixes), ``"文本"@zh``, ``"1"^^xsd:integer``,
    numbers and ``true``/``false`` as in Turtle. Anything else is a plain string
    literal, which does not match language-tagged labels such as ``"萤石"@zh``.

    Examples
    --------
    >>> parse_term("seg:pvdf").n3()
    '<https://w3id.org/chainmap/segment/pvdf>'
    >>> parse_term('"长三角"@zh').n3()
    '"长三角"@zh'
    >>> parse_term("42").n3()
    '"42"^^<http://www.w3.org/2001/XMLSchema#integer>'
    >>> parse_term("萤石").n3()
    '"萤石"'
    """
    from rdflib import Graph, Literal, URIRef

    value = text.strip()
    pname = _PNAME.match(value)
    if pname and not value.startswith("<"):
        prefix = pname.group(1) or ""
        if prefix not in PREFIXES:
            raise InputError(
                f"未知前缀 / unknown prefix {prefix!r} in {value!r}",
                hint=f"可用 / known prefixes: {', '.join(sorted(PREFIXES))}; "
                "or quote it as a string: '\"…\"'",
            )
        return URIRef(str(PREFIXES[prefix]) + pname.group(2))
    if not _TERM_START.match(value):
        return Literal(value)
    if value.startswith("<") and not _IRIREF.fullmatch(value):
        raise InputError(
            f"不是有效的 IRI / {value!r} is not an absolute IRI (a scheme such as https:, and "
            "no spaces, quotes or braces inside <…>)",
            hint="e.g. --bind s=<https://w3id.org/chainmap/segment/pvdf>, or seg:pvdf",
        )
    doc = _turtle_header() + f"<urn:x:s> <urn:x:p> {value} .\n"
    graph = Graph()
    try:
        graph.parse(data=doc, format="turtle")
    except Exception:  # rdflib raises several types for bad syntax
        raise InputError(
            f"无法解析的值 / cannot read {value!r} as a Turtle term",
            hint='use <iri>, prefix:local, "text"@zh, a number, or a bare word',
        ) from None
    terms = list(graph.objects())
    if len(terms) != 1:
        raise InputError(f"需要一个值 / expected one term, got {value!r}")
    return terms[0]


def _to_oxigraph(term):
    import pyoxigraph as ox
    from rdflib import Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise InputError(f"不支持的值 / unsupported binding {term!r}")


_NUMERIC = {_XSD + t for t in ("integer", "decimal", "double", "float", "long", "int")}


def _cell(kind: str, value: str, datatype: str | None) -> Any:
    """A result term as a table cell: IRIs compacted, numbers as numbers."""
    if kind == "iri":
        return _curie(value) if value != _RDF + "type" else "rdf:type"
    if datatype in _NUMERIC:
        number = float(value)
        return int(number) if datatype.endswith(("integer", "long", "int")) else number
    if datatype == _XSD + "boolean":
        return value == "true"
    return value


_VARIABLE = re.compile(r"[A-Za-z_\u00b7-\uffff][\w\u00b7-\uffff]*")


def check_offline(sparql: str) -> None:
    """Refuse a query that would leave the KG: ``SERVICE``, ``FROM`` or ``FROM NAMED``.

    The query is parsed (rdflib's SPARQL grammar) and its syntax tree searched, so
    a ``SERVICE`` inside ``FILTER EXISTS`` or a subquery is found too. Syntax errors
    become one short line (line, column and what was found), not the grammar's
    list of expected tokens.

    Examples
    --------
    >>> check_offline("SELECT ?s WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    Traceback (most recent call last):
    ...
    chainmap.errors.InputError: chainmap 查询只在本地运行 / chainmap queries run offline: \
SERVICE <http://127.0.0.1:9/> is refused. query the bundled KG only (no SERVICE, FROM or FROM NAMED)
    """
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery

    if not _without_comments(sparql).strip():
        raise InputError("查询为空 / the query is empty", hint="write a SELECT query")
    try:
        parsed = parseQuery(sparql)
    except ParseBaseException as exc:
        if _is_update(sparql):
            raise InputError(
                "chainmap 查询只读 / chainmap queries are read-only: SPARQL updates (INSERT, "
                "DELETE, LOAD, CLEAR …) are refused",
                hint="write a SELECT query",
            ) from None
        near = (exc.line or "").strip()[:60]
        raise InputError(
            f"SPARQL 语法错误 / SPARQL syntax error at line {exc.lineno}, column {exc.col}"
            + (f" near {near!r}" if near else ""),
            hint="check the query text",
        ) from None
    except Exception as exc:  # rdflib raises a few other types for odd input
        raise InputError(
            f"SPARQL 语法错误 / SPARQL syntax error: {_first_line(exc)}",
            hint="check the query text",
        ) from None
    for node in _walk(parsed):
        name = getattr(node, "name", None)
        if name == "ServiceGraphPattern":
            what = f"SERVICE {_n3(node.get('term'))}"
        elif name == "DatasetClause":
            # (CompValue.get returns the key's own name when it is missing)
            named, default = (node[k] if k in node else None for k in ("named", "default"))
            kind = "FROM NAMED" if named is not None else "FROM"
            what = f"{kind} {_n3(named if named is not None else default)}"
        else:
            continue
        raise InputError(
            f"chainmap 查询只在本地运行 / chainmap queries run offline: {what} is refused",
            hint="query the bundled KG only (no SERVICE, FROM or FROM NAMED)",
        )


def _without_comments(sparql: str) -> str:
    """``sparql`` without its ``#`` comments (a ``#`` inside an IRI or a string is kept)."""
    return re.sub(r"""(<[^>\s]*>|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|#[^\n]*""", r"\1", sparql)


def _is_update(sparql: str) -> bool:
    """Whether ``sparql`` parses as a SPARQL update (which :func:`check_offline` refuses)."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(sparql)
    except Exception:  # not an update either: the query's own syntax error is reported
        return False
    return True


def _walk(node: Any) -> Iterator[Any]:
    """Every node of an rdflib SPARQL parse tree (CompValue dicts and ParseResults lists)."""
    stack = [node]
    while stack:
        item = stack.pop()
        yield item
        if type(item).__name__ == "ParseResults":  # registered as a Mapping, but a list
            stack.extend(list(item))
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)


def _n3(term: Any) -> str:
    return term.n3() if hasattr(term, "n3") else str(term)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def _check_bindings(bindings: Mapping[str, Any], sparql: str = "") -> None:
    named = set(re.findall(r"[?$]([A-Za-z_][A-Za-z0-9_]*)", sparql))
    for name in bindings:
        if not _VARIABLE.fullmatch(name):
            raise InputError(
                f"变量名无效 / not a SPARQL variable name: {name!r}",
                hint="use letters, digits and _ only, e.g. --bind stage=stage:material",
            )
        if sparql and name not in named:  # a typo would otherwise bind nothing, silently
            raise InputError(
                f"查询中没有变量 / the query has no variable ?{name} to bind",
                hint="its variables: " + (", ".join(f"?{v}" for v in sorted(named)) or "none"),
            )


def _has_pyoxigraph() -> bool:
    try:
        import pyoxigraph  # noqa: F401
    except ImportError:
        return False
    return True


def query_kg(
    chain: Chain | None,
    sparql: str,
    *,
    enterprises: pd.DataFrame | None = None,
    regions: bool | pd.DataFrame | None = None,
    zones: bool | Mapping[str, Sequence[str]] = True,
    bindings: Mapping[str, Any] | None = None,
    engine: str = "auto",
    limit: int | None = None,
) -> pd.DataFrame:
    """Run a SPARQL SELECT over the KG and return the rows as a DataFrame.

    Values in ``bindings`` (rdflib terms, see :func:`parse_term`) are bound as
    parameters (rdflib ``initBindings`` or pyoxigraph substitutions), never pasted
    into the query text. The bundled prefixes are predeclared. ``engine``:
    ``oxigraph`` (loads the bulk N-Triples into a pyoxigraph store; fast),
    ``rdflib``, or ``auto`` (oxigraph when installed).

    ``limit``: keep at most this many rows (None: all). Both engines give solutions one
    at a time, so a query that would match millions (a cross product) stops there instead
    of filling memory; ``attrs["truncated"]`` says whether rows were left out.

    Examples
    --------
    >>> from chainmap.model.chain import load_chain
    >>> rows = query_kg(load_chain("fluorochem"), read_query("segments-of-stage"),
    ...                 bindings={"stage": parse_term("stage:resource")})
    >>> "seg:fluorspar" in set(rows["segment"])
    True
    """
    if engine not in ("auto", "oxigraph", "rdflib"):
        raise InputError(f"engine must be auto, oxigraph or rdflib, got {engine!r}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise InputError(f"limit 须为非负整数 / limit must be a whole number ≥ 0, got {limit!r}")
    bindings = dict(bindings or {})
    _check_bindings(bindings)
    check_offline(sparql)  # before either engine sees it: both would fetch
    _check_bindings(bindings, sparql)  # then: every bound variable is in the query
    if engine == "auto":
        engine = "oxigraph" if _has_pyoxigraph() else "rdflib"
    enterprises = placed(chain, enterprises)  # once (the rdflib retry below gets them placed)
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
    if engine == "oxigraph":
        import pyoxigraph as ox

        data = serialize_kg(
            chain, enterprises=enterprises, regions=regions, zones=zones, format="nt"
        )
        store = ox.Store()
        store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
        subs = {ox.Variable(k): _to_oxigraph(v) for k, v in bindings.items()}
        try:
            result = store.query(sparql, prefixes=prefixes, substitutions=subs)
        except SyntaxError as exc:
            raise InputError(f"SPARQL 语法错误 / SPARQL syntax error: {_first_line(exc)}") from None
        except RuntimeError:
            # pyoxigraph substitutes only projected variables; rdflib binds any.
            return query_kg(
                chain,
                sparql,
                enterprises=enterprises,
                regions=regions,
                zones=zones,
                bindings=bindings,
                engine="rdflib",
                limit=limit,
            )
        if not isinstance(result, ox.QuerySolutions):
            raise InputError("只支持 SELECT 查询 / only SELECT queries are supported")
        columns = [v.value for v in result.variables]
        try:
            rows = _oxigraph_rows(_first(result, limit), columns)
        except (OSError, RuntimeError, ValueError) as exc:  # raised lazily, while iterating
            raise InputError(f"SPARQL 查询失败 / the query failed: {_first_line(exc)}") from None
        return _rows_frame(rows, columns, limit)
    return _rdflib_query(chain, sparql, enterprises, regions, zones, bindings, prefixes, limit)


def _first(solutions: Iterable[Any], limit: int | None) -> Iterable[Any]:
    """The solutions, stopping one past ``limit`` (that one says more were there)."""
    return solutions if limit is None else itertools.islice(solutions, limit + 1)


def _rows_frame(rows: list[list[Any]], columns: list[str], limit: int | None) -> pd.DataFrame:
    truncated = limit is not None and len(rows) > limit
    frame = pd.DataFrame(rows[:limit] if truncated else rows, columns=columns, dtype=object)
    frame.attrs.update(truncated=truncated, limit=limit)
    return frame


def _oxigraph_rows(result: Iterable[Any], columns: Sequence[str]) -> list[list[Any]]:
    import pyoxigraph as ox

    rows = []
    for solution in result:
        row = []
        for name in columns:
            term = solution[name]
            if term is None:
                row.append(None)
            elif isinstance(term, ox.NamedNode):
                row.append(_cell("iri", term.value, None))
            elif isinstance(term, ox.Literal):
                row.append(_cell("lit", term.value, term.datatype.value))
            else:
                row.append(str(term))
        rows.append(row)
    return rows


def _rdflib_query(
    chain, sparql, enterprises, regions, zones, bindings, prefixes, limit
) -> pd.DataFrame:
    from rdflib import Variable

    graph = build_kg(chain, enterprises=enterprises, regions=regions, zones=zones)
    try:
        result = graph.query(
            sparql,
            initNs=prefixes,
            initBindings={Variable(k): v for k, v in bindings.items()},
        )
    except Exception as exc:  # pyparsing raises its own types
        raise InputError(f"SPARQL 语法错误 / SPARQL syntax error: {_first_line(exc)}") from None
    if result.type != "SELECT":
        raise InputError("只支持 SELECT 查询 / only SELECT queries are supported")
    columns = [str(v) for v in result.vars]
    try:
        rows = _rdflib_rows(_first(result, limit))
    except Exception as exc:  # rdflib evaluates lazily: errors surface while iterating
        raise InputError(f"SPARQL 查询失败 / the query failed: {_first_line(exc)}") from None
    return _rows_frame(rows, columns, limit)


def _rdflib_rows(result: Iterable[Any]) -> list[list[Any]]:
    from rdflib import Literal, URIRef

    rows = []
    for solution in result:
        row = []
        for term in solution:
            if term is None:
                row.append(None)
            elif isinstance(term, URIRef):
                row.append(_cell("iri", str(term), None))
            elif isinstance(term, Literal):
                dt = str(term.datatype) if term.datatype else None
                row.append(_cell("lit", str(term), dt))
            else:
                row.append(str(term))
        rows.append(row)
    return rows


# ---------------------------------------------------------------------- SHACL


@dataclass
class Validation:
    """The outcome of :func:`validate_kg`: conforms, and one record per violation."""

    conforms: bool
    violations: list[dict[str, str]]

    def __bool__(self) -> bool:
        return self.conforms


def validate_kg(graph: Graph, *, one_chain: bool = False) -> Validation:
    """Validate a graph against the bundled shapes (``graphs/shapes.ttl``) with pyshacl.

    Violations are records ``{severity, focus, path, value, message}`` with IRIs
    compacted, sorted by focus node, path and message. ``one_chain`` applies the
    file rule "one chain per file" (``chainmap validate`` of a file, as
    :func:`~chainmap.model.chain.load_chain` does); a KG may join several chains.

    Examples
    --------
    >>> from chainmap.model.chain import load_chain
    >>> validate_kg(build_kg(load_chain("fluorochem"))).conforms
    True
    """
    try:
        import pyshacl
    except ImportError:
        raise MissingExtraError("pyshacl") from None
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import SH

    shapes = Graph()
    shapes.parse(data=catalog.read_text("shapes.ttl"), format="turtle")
    if not one_chain:
        for rule in ("OneChainPerFileShape", "ChainPresentShape"):
            shapes.add(
                (URIRef(f"https://w3id.org/chainmap/shapes#{rule}"), SH.deactivated, Literal(True))
            )
    # advanced: the shapes' one SHACL-AF rule adds each link's direct triple for the
    # cycle check (on a copy: ``graph`` is left as it is).
    conforms, report, _ = pyshacl.validate(
        graph, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )

    def show(term) -> str:
        if term is None:
            return ""
        if isinstance(term, URIRef):
            return _curie(str(term))
        if isinstance(term, Literal):
            return str(term)
        path = list(report.objects(term, SH.inversePath))
        return f"^{show(path[0])}" if path else str(term)

    out = []
    for result in report.subjects(predicate=SH.resultSeverity):
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        out.append(
            {
                "severity": str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
                "focus": show(report.value(result, SH.focusNode)),
                "path": show(report.value(result, SH.resultPath)),
                "value": show(report.value(result, SH.value)),
                "message": " ".join(messages),
            }
        )
    out.sort(key=lambda r: (r["focus"], r["path"], r["message"], r["value"]))
    return Validation(bool(conforms), out)


def _refuse_remote_contexts(text: str, path: Path) -> None:
    """Refuse a JSON-LD document whose ``@context`` (or ``@import``) names another document:
    rdflib would fetch it over the network, and chainmap runs offline."""
    import json

    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ChainError(f"{path}: JSON 语法错误 / JSON syntax error: {exc}") from None

    def remote(node: object) -> str | None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("@context", "@import"):
                    named = [value] if not isinstance(value, list) else value
                    for item in named:
                        if isinstance(item, str):
                            return item
                found = remote(value)
                if found:
                    return found
        elif isinstance(node, list):
            for item in node:
                found = remote(item)
                if found:
                    return found
        return None

    url = remote(doc)
    if url is not None:
        raise ChainError(
            f"{path}: JSON-LD 引用外部上下文 / the JSON-LD names a remote @context {url[:80]!r}, "
            "which chainmap does not fetch (it runs offline): put the context inline, or "
            "validate the Turtle export"
        )


def validate_file(path: str | Path) -> Validation:
    """Validate an RDF file (a chain or any chainmap KG: Turtle, N-Triples, JSON-LD).

    An enterprise table is data, not RDF: read it with ``read_enterprises`` and
    validate ``build_kg(None, enterprises=table)`` with :func:`validate_kg`
    (``chainmap validate`` does so for CSV/XLSX/Parquet files).
    """
    from rdflib import Graph
    from rdflib.namespace import RDF

    from chainmap.readwrite.formats import TABLE_FORMATS, format_of

    path = Path(path)
    if not path.is_file():
        raise InputError("文件不存在 / no such file", file=str(path))
    suffix = path.suffix.lower()
    if format_of(path) in TABLE_FORMATS:
        raise InputError(
            "企业表不是 RDF / an enterprise table is not RDF",
            file=str(path),
            hint="validate_kg(build_kg(None, enterprises=read_enterprises(path)[0]))",
        )
    graph = Graph()
    fmt = {".nt": "nt", ".jsonld": "json-ld", ".json": "json-ld"}.get(suffix, "turtle")
    raw = path.read_bytes()  # read once: parsed from our own read, so nothing is fetched
    if fmt == "turtle":  # line and column from pyoxigraph where installed, as load_chain
        from chainmap.model.chain import check_turtle_syntax

        check_turtle_syntax(raw.decode("utf-8", errors="replace"), str(path))
    try:
        if fmt == "json-ld":  # a remote @context would be fetched by rdflib: refused first
            _refuse_remote_contexts(raw.decode("utf-8"), path)
        graph.parse(data=raw, format=fmt, publicID=path.resolve().as_uri())
    except ChainmapError:
        raise
    except Exception as exc:  # rdflib raises several types for bad syntax
        lines = str(getattr(exc, "message", "") or exc).strip().splitlines()
        detail = " ".join(line.strip() for line in lines[:2])  # where, then what
        detail = detail.removesuffix(" in:").removesuffix(" at ^")
        raise ChainError(f"{path}: RDF 语法错误 / syntax error: {detail}") from None
    # A chain file (as load_chain reads it) holds one chain; a KG export also holds
    # the stage vocabulary and may join several chains, or hold no chain at all
    # (`chainmap export - --enterprises …`: enterprises and their regions only).
    is_export = any(
        (None, RDF.type, kind) in graph for kind in (CM.Stage, CM.Enterprise, CM.Region)
    )
    return validate_kg(graph, one_chain=not is_export)
