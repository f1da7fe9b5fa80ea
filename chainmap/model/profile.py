"""Targeting profiles: weights, thresholds and the home region, from TOML.

The bundled default lives in ``graphs/profile.toml``; a user profile is merged
over it key by key, so it only needs the keys it changes.
"""

from __future__ import annotations

from collections.abc import Mapping
import copy
from pathlib import Path
import tomllib
from typing import Any

from chainmap.errors import InputError
from chainmap.model import catalog
from chainmap.model.chain import current_segment_ids
from chainmap.model.policy import POLICY_CLASSES
from chainmap.model.vocab import CRITERIA, FIRM_CRITERIA, SEGMENT_CRITERIA, STAGES, STRATEGIES

__all__ = [
    "CRITERIA",
    "FIRM_CRITERIA",
    "MAX_STABILITY_RUNS",
    "SEGMENT_CRITERIA",
    "STRATEGIES",
    "Profile",
    "as_profile",
    "default_profile",
    "load_profile",
    "merge_profile",
    "min_confidence",
]


#: Upper bound of ``[stability] n`` (each run re-scores the shown rows).
MAX_STABILITY_RUNS = 10_000


class Profile(dict):
    """A validated profile: what :func:`load_profile` returns.

    Analyses take ``profile`` as a path, a partial mapping or a :class:`Profile`;
    :func:`as_profile` loads the first two once and passes a :class:`Profile` on.
    """


def as_profile(profile: str | Path | Mapping[str, Any] | None) -> Profile:
    """``profile`` itself when already validated, else :func:`load_profile` of it.

    Examples
    --------
    >>> p = load_profile()
    >>> as_profile(p) is p, as_profile(None) == p
    (True, True)
    """
    return profile if isinstance(profile, Profile) else load_profile(profile)


#: Classification confidences, strongest first (chainmap.analysis.classify.CONFIDENCE_LEVELS).
_CONFIDENCE = ("code+scope", "scope", "code")


def min_confidence(profile: Mapping[str, Any]) -> str:
    """The weakest classification confidence the analyses accept (default ``scope``).

    ``code`` also accepts segments known from the GB/T 4754 code alone;
    ``code+scope`` only those the code and the scope agree on.

    Examples
    --------
    >>> min_confidence(default_profile())
    'scope'
    """
    return str(profile.get("thresholds", {}).get("min_confidence", "scope"))


def default_profile() -> dict[str, Any]:
    """The bundled default profile as a fresh dict.

    Examples
    --------
    >>> default_profile()["home"]["region"]
    '330723'
    """
    return tomllib.loads(catalog.read_text("profile.toml"))


def merge_profile(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``override`` over ``base`` key by key (tables recursively, values replaced)."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge_profile(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_profile(path: str | Path | Mapping[str, Any] | None = None, **overrides: Any) -> Profile:
    """Load and validate a profile: the default, a TOML file over it, then ``overrides``.

    ``path`` may also be a mapping (an already-parsed profile or a partial one).
    Keyword ``overrides`` are top-level tables, e.g. ``home={"region": "330100"}``.

    Examples
    --------
    >>> load_profile(weights={"gap_priority": 0.4, "feasibility": 0.2, "strength": 0.2,
    ...                       "affinity": 0.2, "intent": 0.0})["weights"]["gap_priority"]
    0.4
    """
    profile = default_profile()
    source = "profile"
    if isinstance(path, Mapping):
        _check_weights_form(path, source)
        profile = merge_profile(profile, path)
    elif path is not None:
        source = str(path)
        file = Path(path)
        if not file.is_file():
            raise InputError("找不到配置文件 / profile file not found", file=source)
        try:
            user = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"TOML 语法错误 / invalid TOML: {exc}", file=source) from None
        _check_weights_form(user, source)
        profile = merge_profile(profile, user)
    if overrides:
        _check_weights_form(overrides, source)
        profile = merge_profile(profile, overrides)
    _validate(profile, source)
    segs = profile.get("segments", {})
    for key in ("include", "exclude"):  # retired ids map to their successors, with a warning
        if isinstance(segs.get(key), list):
            segs[key] = current_segment_ids(segs[key])
    return Profile(profile)


def _check_weights_form(user: Mapping[str, Any], source: str) -> None:
    """One clear line for a profile written before ``intent`` joined the weights."""
    weights = user.get("weights")
    if isinstance(weights, Mapping) and weights and "intent" not in weights:
        if set(weights) == set(CRITERIA) - {"intent"}:
            raise InputError(
                "旧版四项权重配置 / a four-weight profile from before chainmap 0.2: add "
                "`intent = …` to [weights] and make the five weights sum to 1 (the default is "
                "0.25/0.20/0.20/0.20/0.15; see graphs/profile.toml)",
                file=source,
            )


def _validate(p: Mapping[str, Any], source: str) -> None:
    def bad(key: str, why: str) -> InputError:
        return InputError(f"配置项 / key [{key}]: {why}", file=source)

    weights = p.get("weights", {})
    unknown = sorted(set(weights) - set(CRITERIA))
    if unknown:
        raise bad("weights", f"unknown criteria {unknown}; use {', '.join(CRITERIA)}")
    for name in CRITERIA:
        value = weights.get(name)
        if not isinstance(value, (int, float)) or value < 0:
            raise bad(f"weights.{name}", f"must be a number ≥ 0, got {value!r}")
    total = sum(float(weights[c]) for c in CRITERIA)
    if abs(total - 1.0) > 1e-6:
        raise bad("weights", f"权重之和须为1 / weights must sum to 1, they sum to {total:g}")
    policy = p.get("policy", {})
    wrong = [c for c in policy.get("exclude", []) if c not in POLICY_CLASSES]
    if wrong or not isinstance(policy.get("exclude", []), list):
        raise bad("policy.exclude", f"unknown classes {wrong}; use {', '.join(POLICY_CLASSES)}")
    park = p.get("home", {}).get("chemical_park", "unknown")
    if not (park is True or park is False or park == "unknown"):
        raise bad("home.chemical_park", f'must be true, false or "unknown", got {park!r}')
    same_city = p.get("affinity", {}).get("same_city", "flag")
    if same_city not in ("flag", "exclude"):
        raise bad("affinity.same_city", f'must be "flag" or "exclude", got {same_city!r}')
    for key in ("exclude", "include"):
        ids = p.get("segments", {}).get(key, [])
        if not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
            raise bad(f"segments.{key}", "must be a list of segment ids")
    for name in STRATEGIES:
        value = p.get("strategy_weight", {}).get(name)
        if not isinstance(value, (int, float)) or value < 0:
            raise bad(f"strategy_weight.{name}", f"must be a number ≥ 0, got {value!r}")
    th = p.get("thresholds", {})
    for key in ("strong_lq", "min_regions_for_density", "hop_decay"):
        if not isinstance(th.get(key), (int, float)):
            raise bad(f"thresholds.{key}", f"must be a number, got {th.get(key)!r}")
    if not 0 < th["hop_decay"] <= 1:
        raise bad("thresholds.hop_decay", "must be in (0, 1]")
    if th.get("min_confidence", "scope") not in _CONFIDENCE:
        raise bad(
            "thresholds.min_confidence",
            f"must be one of {', '.join(_CONFIDENCE)}, got {th.get('min_confidence')!r}",
        )
    stages = p.get("segments", {}).get("exclude_stages", [])
    wrong = [s for s in stages if s not in STAGES]
    if wrong:
        raise bad("segments.exclude_stages", f"unknown stages {wrong}; use {', '.join(STAGES)}")
    if not isinstance(p.get("home", {}).get("region"), str):
        raise bad("home.region", "must be a string: an adcode or a region name")
    st = p.get("stability", {})
    if not (
        isinstance(st.get("n"), int)
        and not isinstance(st.get("n"), bool)
        and 0 <= st["n"] <= MAX_STABILITY_RUNS
    ):
        raise bad("stability.n", f"must be an integer from 0 to {MAX_STABILITY_RUNS}")
    if not (isinstance(st.get("top_k"), int) and st["top_k"] >= 1):
        raise bad("stability.top_k", "must be an integer ≥ 1")
    if not isinstance(st.get("spread"), (int, float)) or not 0 <= st["spread"] < 1:
        raise bad("stability.spread", "must be in [0, 1)")
    zones = p.get("zones", {})
    for name, members in zones.items():
        if not (isinstance(members, list) and all(isinstance(m, str) for m in members)):
            raise bad(f"zones.{name}", "must be a list of adcodes or region names")
    half = p.get("affinity", {}).get("distance_half_life_km")
    if not isinstance(half, (int, float)) or half <= 0:
        raise bad("affinity.distance_half_life_km", "must be a number > 0")
