"""chainmap: industry-chain targeting knowledge graphs (产业链招商图谱).

The curated public API. Names are imported lazily on first use (PEP 562), so
``import chainmap`` and ``chainmap --help`` stay fast: pandas, rdflib and
networkx load only when a name that needs them is first used.

Examples
--------
>>> import chainmap as cm
>>> chain = cm.load_chain("fluorochem")
>>> firms = cm.datasets.enterprises(chain)
>>> gaps = cm.segment_status(chain, firms, home="武义县")
>>> gaps.loc["ahf", "status"], int(gaps.loc["ahf", "count_home"])
('strong', 2)
>>> cm.regions().loc["330723", "name"]
'武义县'
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from chainmap.errors import (
    ChainError,
    ChainmapError,
    InputError,
    MissingExtraError,
    UnknownChainError,
    UnknownRegionError,
    UnknownSegmentError,
)

__version__ = "0.1.0"

# public name -> module that defines it (a name equal to its module's last part,
# like "datasets", is the module itself)
_LAZY: dict[str, str] = {
    "Chain": "chainmap.model.chain",
    "Classifier": "chainmap.analysis.classify",
    "Home": "chainmap.model.home",
    "ImportReport": "chainmap.model.report",
    "Link": "chainmap.model.chain",
    "Segment": "chainmap.model.chain",
    "TargetingPlan": "chainmap.analysis.plan",
    "assign_segments": "chainmap.analysis.classify",
    "build_kg": "chainmap.outputs.kg",
    "build_map": "chainmap.outputs.maps",
    "build_plan": "chainmap.analysis.plan",
    "classify": "chainmap.analysis.classify",
    "datasets": "chainmap.datasets",
    "display_map": "chainmap.outputs.maps",
    "kpi_table": "chainmap.analysis.kpi",
    "load_chain": "chainmap.model.chain",
    "load_chains": "chainmap.model.chain",
    "load_profile": "chainmap.model.profile",
    "normalise_enterprises": "chainmap.model.enterprises",
    "prepare_holdings": "chainmap.analysis.holdings",
    "query_kg": "chainmap.outputs.kg",
    "rank_enterprises": "chainmap.analysis.scoring",
    "read_enterprises": "chainmap.model.enterprises",
    "read_ledger": "chainmap.model.ledger",
    "read_targets": "chainmap.model.kpi_targets",
    "region_segment_matrix": "chainmap.analysis.gaps",
    "region_zones": "chainmap.model.regions",
    "regions": "chainmap.model.regions",
    "resolve_home": "chainmap.model.home",
    "resolve_region": "chainmap.model.regions",
    "segment_status": "chainmap.analysis.gaps",
    "stream_plan": "chainmap.analysis.stream",
    "stream_rank": "chainmap.analysis.stream",
    "validate_kg": "chainmap.outputs.kg",
    "write_kg": "chainmap.outputs.kg",
    "write_synthetic_registry": "chainmap.synthetic",
}

__all__ = [
    "Chain",
    "ChainError",
    "ChainmapError",
    "Classifier",
    "Home",
    "ImportReport",
    "InputError",
    "Link",
    "MissingExtraError",
    "Segment",
    "TargetingPlan",
    "UnknownChainError",
    "UnknownRegionError",
    "UnknownSegmentError",
    "assign_segments",
    "build_kg",
    "build_map",
    "build_plan",
    "classify",
    "datasets",
    "display_map",
    "kpi_table",
    "load_chain",
    "load_chains",
    "load_profile",
    "normalise_enterprises",
    "prepare_holdings",
    "query_kg",
    "rank_enterprises",
    "read_enterprises",
    "read_ledger",
    "read_targets",
    "region_segment_matrix",
    "region_zones",
    "regions",
    "resolve_home",
    "resolve_region",
    "segment_status",
    "stream_plan",
    "stream_rank",
    "validate_kg",
    "write_kg",
    "write_synthetic_registry",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = import_module(_LAZY[name])
        value = module if _LAZY[name] == f"{__name__}.{name}" else getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'chainmap' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # pragma: no cover
    from chainmap import datasets
    from chainmap.analysis.classify import Classifier, assign_segments, classify
    from chainmap.analysis.gaps import region_segment_matrix, segment_status
    from chainmap.analysis.holdings import prepare_holdings
    from chainmap.analysis.kpi import kpi_table
    from chainmap.analysis.plan import TargetingPlan, build_plan
    from chainmap.analysis.scoring import rank_enterprises
    from chainmap.analysis.stream import stream_plan, stream_rank
    from chainmap.model.chain import Chain, Link, Segment, load_chain, load_chains
    from chainmap.model.enterprises import normalise_enterprises, read_enterprises
    from chainmap.model.home import Home, resolve_home
    from chainmap.model.kpi_targets import read_targets
    from chainmap.model.ledger import read_ledger
    from chainmap.model.profile import load_profile
    from chainmap.model.regions import region_zones, regions, resolve_region
    from chainmap.model.report import ImportReport
    from chainmap.outputs.kg import build_kg, query_kg, validate_kg, write_kg
    from chainmap.outputs.maps import build_map, display_map
    from chainmap.synthetic import write_synthetic_registry
