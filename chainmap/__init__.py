"""chainmap: industry-chain targeting knowledge graphs (产业链招商图谱).

The curated public API. Names are imported lazily on first use (PEP 562), so
``import chainmap`` and ``chainmap --help`` stay fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from chainmap.errors import (
    ChainError,
    ChainmapError,
    InputError,
    UnknownChainError,
    UnknownRegionError,
    UnknownSegmentError,
)

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "Chain": "chainmap.model.chain",
    "Classifier": "chainmap.analysis.classify",
    "Link": "chainmap.model.chain",
    "Segment": "chainmap.model.chain",
    "assign_segments": "chainmap.analysis.classify",
    "build_map": "chainmap.outputs.maps",
    "classify": "chainmap.analysis.classify",
    "kpi_table": "chainmap.analysis.kpi",
    "load_chain": "chainmap.model.chain",
    "load_chains": "chainmap.model.chain",
    "normalise_enterprises": "chainmap.model.enterprises",
    "read_enterprises": "chainmap.model.enterprises",
    "read_ledger": "chainmap.model.ledger",
    "read_targets": "chainmap.model.kpi_targets",
    "region_zones": "chainmap.model.regions",
    "regions": "chainmap.model.regions",
    "resolve_region": "chainmap.model.regions",
    "stream_plan": "chainmap.analysis.stream",
    "stream_rank": "chainmap.analysis.stream",
    "write_synthetic_registry": "chainmap.synthetic",
}

__all__ = [
    "Chain",
    "ChainError",
    "ChainmapError",
    "Classifier",
    "InputError",
    "Link",
    "Segment",
    "UnknownChainError",
    "UnknownRegionError",
    "UnknownSegmentError",
    "assign_segments",
    "build_map",
    "classify",
    "kpi_table",
    "load_chain",
    "load_chains",
    "normalise_enterprises",
    "read_enterprises",
    "read_ledger",
    "read_targets",
    "region_zones",
    "regions",
    "resolve_region",
    "stream_plan",
    "stream_rank",
    "write_synthetic_registry",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'chainmap' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # pragma: no cover
    from chainmap.analysis.classify import Classifier, assign_segments, classify
    from chainmap.analysis.kpi import kpi_table
    from chainmap.analysis.stream import stream_plan, stream_rank
    from chainmap.model.chain import Chain, Link, Segment, load_chain, load_chains
    from chainmap.model.enterprises import normalise_enterprises, read_enterprises
    from chainmap.model.kpi_targets import read_targets
    from chainmap.model.ledger import read_ledger
    from chainmap.model.regions import region_zones, regions, resolve_region
    from chainmap.outputs.maps import build_map
    from chainmap.synthetic import write_synthetic_registry
