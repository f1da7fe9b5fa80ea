"""The chainmap vocabulary as Python constants.

The namespace is fixed once, here and in ``graphs/chainmap.ttl``:

``https://w3id.org/chainmap/``

- segments are ``NS + "segment/" + id``, chains ``NS + "chain/" + id``,
  links ``NS + "link/" + upstream + "--" + downstream``, stages ``NS + "stage/" + name``;
- enterprises are ``NS + "enterprise/" + (USCC or the documented hash)``,
  regions ``NS + "region/" + adcode``;
- zones (长三角 …) are ``NS + "zone/" + name`` (the zh name, as an IRI);
- classes and properties live in ``NS + "vocab#"`` (prefix ``cm:``).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rdflib import Namespace, URIRef

    # Built on first use by _rdf() (module __getattr__); declared here for readers and tools.
    NS: Namespace
    CM: Namespace
    SEGMENT: Namespace
    CHAIN: Namespace
    LINK: Namespace
    STAGE: Namespace
    ENTERPRISE: Namespace
    REGION: Namespace
    PROJECT: Namespace
    ZONE: Namespace
    RELATIONS: dict[str, URIRef]
    PREFIXES: dict[str, Namespace]

__all__ = [
    "CHAIN",
    "CHINA_NAMES",
    "CM",
    "CRITERIA",
    "ENTERPRISE",
    "FIRM_CRITERIA",
    "LEVELS",
    "LINK",
    "NS",
    "PREFIXES",
    "PROJECT",
    "REGION",
    "RELATIONS",
    "RELATION_NAMES",
    "SEGMENT",
    "SEGMENT_CRITERIA",
    "STAGE",
    "STAGES",
    "STAGE_BANDS",
    "STAGE_LABELS",
    "STAGE_ORDER",
    "STATUSES",
    "STATUS_LABELS",
    "STRATEGIES",
    "ZONE",
    "bind_prefixes",
    "chain_iri",
    "enterprise_iri",
    "is_chinese",
    "link_iri",
    "region_iri",
    "segment_iri",
    "stage_iri",
    "zone_iri",
]

#: The one global stage order (CONTRACTS.md). Layouts and upstream/downstream use it.
STAGES: tuple[str, ...] = (
    "resource",
    "basic",
    "intermediate",
    "material",
    "component",
    "product",
    "application",
    "service",
)
STAGE_ORDER: dict[str, int] = {s: i for i, s in enumerate(STAGES)}
STAGE_LABELS: dict[str, tuple[str, str]] = {
    "resource": ("资源", "Resource"),
    "basic": ("基础化学品", "Basic chemical"),
    "intermediate": ("中间体", "Intermediate"),
    "material": ("材料", "Material"),
    "component": ("部件", "Component"),
    "product": ("产品", "Product"),
    "application": ("应用", "Application"),
    "service": ("服务", "Service"),
}
#: The three bands of a 招商图谱 (上游 / 中游 / 下游) as stage → (zh, en). The convention
#: of county chain maps: resources and chemicals upstream, materials and parts in the
#: middle, products, end-use markets and services downstream.
STAGE_BANDS: dict[str, tuple[str, str]] = {
    "resource": ("上游", "upstream"),
    "basic": ("上游", "upstream"),
    "intermediate": ("上游", "upstream"),
    "material": ("中游", "midstream"),
    "component": ("中游", "midstream"),
    "product": ("下游", "downstream"),
    "application": ("下游", "downstream"),
    "service": ("下游", "downstream"),
}

#: Region levels, coarse to fine (GB/T 2260).
LEVELS: tuple[str, ...] = ("province", "city", "county")

#: Segment statuses (CONTRACTS.md) and their Chinese labels for human-facing formats.
STATUSES: tuple[str, ...] = ("strong", "weak", "missing", "no_data")
STATUS_LABELS: dict[str, str] = {
    "strong": "优势",
    "weak": "薄弱",
    "missing": "缺失",
    "no_data": "无数据",
}

#: Strategies in priority order (CONTRACTS.md).
STRATEGIES: tuple[str, ...] = ("补链", "延链", "强链", "建链")

#: The score criteria, in output order (CONTRACTS.md ``contributions`` keys).
CRITERIA: tuple[str, ...] = ("gap_priority", "feasibility", "strength", "affinity", "intent")
#: Stage one of the score (segments) and stage two (firms) (docs/methods.md).
SEGMENT_CRITERIA: tuple[str, ...] = ("gap_priority", "feasibility")
FIRM_CRITERIA: tuple[str, ...] = ("strength", "affinity", "intent")

#: Spellings of the country column that mean China (compared case-insensitively).
CHINA_NAMES = frozenset({"中国", "中华人民共和国", "china", "cn", "prc", "中国大陆"})


def is_chinese(country: object) -> bool:
    """True when a ``country`` cell names China (a blank cell does not).

    Examples
    --------
    >>> is_chinese("中国"), is_chinese("China"), is_chinese("日本"), is_chinese(None)
    (True, True, False, False)
    """
    return isinstance(country, str) and country.strip().lower() in CHINA_NAMES


#: The names that are rdflib terms, built on first use: ``import rdflib`` costs a
#: quarter of a second, and ranking or gaps never write RDF.
_RDF_NAMES = (
    "NS",
    "CM",
    "SEGMENT",
    "CHAIN",
    "LINK",
    "STAGE",
    "ENTERPRISE",
    "REGION",
    "PROJECT",
    "ZONE",
    "RELATIONS",
    "PREFIXES",
)

#: Link relation names, as in the CSV files (the keys of ``RELATIONS``).
RELATION_NAMES = ("feedstock_of", "used_in")


@functools.cache
def _rdf() -> dict[str, Any]:
    from rdflib import Namespace
    from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD

    NS = Namespace("https://w3id.org/chainmap/")
    CM = Namespace(NS + "vocab#")
    SEGMENT = Namespace(NS + "segment/")
    CHAIN = Namespace(NS + "chain/")
    LINK = Namespace(NS + "link/")
    STAGE = Namespace(NS + "stage/")
    ENTERPRISE = Namespace(NS + "enterprise/")
    REGION = Namespace(NS + "region/")
    PROJECT = Namespace(NS + "project/")
    ZONE = Namespace(NS + "zone/")

    #: Link relation name (as in the CSV files) -> property IRI.
    RELATIONS = {
        "feedstock_of": CM.feedstockOf,
        "used_in": CM.usedIn,
    }

    #: Prefixes bound in every graph chainmap writes (no ``ns1:`` in output).
    PREFIXES = {
        "cm": CM,
        "chain": CHAIN,
        "seg": SEGMENT,
        "link": LINK,
        "stage": STAGE,
        "ent": ENTERPRISE,
        "region": REGION,
        "project": PROJECT,
        "zone": ZONE,
        "skos": Namespace(str(SKOS)),
        "dcterms": Namespace(str(DCTERMS)),
        "prov": Namespace(str(PROV)),
        "schema": Namespace(str(SDO)),
        "rdf": Namespace(str(RDF)),
        "rdfs": Namespace(str(RDFS)),
        "owl": Namespace(str(OWL)),
        "xsd": Namespace(str(XSD)),
    }
    return {k: v for k, v in locals().items() if k in _RDF_NAMES}


def __getattr__(name: str) -> Any:
    if name in _RDF_NAMES:
        return _rdf()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def segment_iri(segment_id: str) -> URIRef:
    """IRI of a segment: ``NS + "segment/" + id``."""
    return _rdf()["SEGMENT"][segment_id]


def chain_iri(chain_id: str) -> URIRef:
    """IRI of a chain: ``NS + "chain/" + id``."""
    return _rdf()["CHAIN"][chain_id]


def link_iri(upstream: str, downstream: str) -> URIRef:
    """IRI of the link from ``upstream`` to ``downstream`` (global, like segments)."""
    return _rdf()["LINK"][f"{upstream}--{downstream}"]


def stage_iri(stage: str) -> URIRef:
    """IRI of a stage in the global stage vocabulary."""
    return _rdf()["STAGE"][stage]


def region_iri(adcode: str) -> URIRef:
    """IRI of a region: ``NS + "region/" + adcode``."""
    return _rdf()["REGION"][adcode]


def enterprise_iri(enterprise_id: str) -> URIRef:
    """IRI of an enterprise: ``NS + "enterprise/" + enterprise_id`` (USCC or ``h:`` hash)."""
    return _rdf()["ENTERPRISE"][enterprise_id.replace(":", "-")]


def bind_prefixes(graph) -> None:
    """Bind chainmap's readable prefixes on an rdflib graph (replacing defaults)."""
    for prefix, ns in _rdf()["PREFIXES"].items():
        graph.bind(prefix, ns, override=True, replace=True)


def zone_iri(name: str) -> URIRef:
    """IRI of an economic zone: ``NS + "zone/" + name`` (e.g. ``zone/长三角``)."""
    return _rdf()["ZONE"][name]
