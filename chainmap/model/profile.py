"""Targeting profiles: weights, thresholds and the home region, from TOML.

The bundled default lives in ``graphs/profile.toml``; a user profile is merged
over it key by key, so it only needs the keys it changes.
"""

from __future__ import annotations

from collections.abc import Mapping
import copy
import math
from pathlib import Path
from typing import Any

from chainmap.errors import InputError
from chainmap.model import catalog
from chainmap.model.chain import current_segment_ids
from chainmap.model.policy import POLICY_CLASSES
from chainmap.model.vocab import CRITERIA, FIRM_CRITERIA, SEGMENT_CRITERIA, STAGES, STRATEGIES

__all__ = [
    "CRITERIA",
    "FIRM_CRITERIA",
    "LIMITS",
    "MAX_STABILITY_RUNS",
    "SEGMENT_CRITERIA",
    "STRATEGIES",
    "Profile",
    "ProfileWarning",
    "as_profile",
    "default_profile",
    "load_profile",
    "merge_profile",
    "min_confidence",
]


#: Upper bound of ``[stability] n`` (each run re-scores the shown rows).
MAX_STABILITY_RUNS = 10_000  # = LIMITS["stability.n"]


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
    from chainmap.model.prebuilt import cached_toml

    cached = cached_toml("profile.toml")  # parsed at build time, if unchanged since
    if cached is not None:
        return cached
    import tomllib

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
    default = profile = default_profile()  # merge_profile copies: ``default`` stays as read
    source = "profile"
    if isinstance(path, Mapping):
        _check_weights_form(path, source)
        _warn_unknown_keys(path, default, source)
        profile = merge_profile(profile, path)
    elif path is not None:
        source = str(path)
        file = Path(path)
        if not file.is_file():
            raise InputError("找不到配置文件 / profile file not found", file=source)
        import tomllib

        try:
            user = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(
                f"TOML 语法错误 / invalid TOML: {exc}",
                file=source,
                hint='中文键名需加引号 / quote non-ASCII keys, e.g. "补链" = 1.0; save as UTF-8',
            ) from None
        except RecursionError:  # arrays or dotted keys nested thousands deep
            raise InputError(
                "TOML 嵌套过深 / the TOML is nested too deeply to be a profile",
                file=source,
                hint="start from graphs/profile.toml",
            ) from None
        _check_weights_form(user, source)
        _warn_unknown_keys(user, default, source)
        profile = merge_profile(profile, user)
    if overrides:
        _check_weights_form(overrides, source)
        profile = merge_profile(profile, overrides)
    for name, value in profile.items():  # every table of the default stays a table
        if isinstance(default.get(name), Mapping) and not isinstance(value, Mapping):
            raise InputError(
                f"配置项 / key [{name}]: 须为表 / must be a table [{name}], got {value!r}"[:200],
                file=source,
            )
    _validate(profile, source)
    _check_regions(profile, default, source)
    segs = profile.get("segments", {})
    for key in ("include", "exclude"):  # retired ids map to their successors, with a warning
        if isinstance(segs.get(key), list):
            segs[key] = current_segment_ids(segs[key])
    _check_segment_ids(profile, source)
    return Profile(profile)


def _check_regions(profile: Mapping[str, Any], default: Mapping[str, Any], source: str) -> None:
    """The home region and the members of custom zones must be known regions; an unknown
    one is named with its key and the profile it came from (not later, without them)."""
    wanted = (
        [("home.region", profile["home"]["region"])] if profile["home"] != default["home"] else []
    )
    for name, members in profile.get("zones", {}).items():
        wanted.extend((f"zones.{name}", m) for m in members)
    named = profile["affinity"]["zones"]
    if named == default["affinity"]["zones"] and not profile.get("zones"):
        named = []  # (the default names bundled zones)
    if not wanted and not named:
        return
    from chainmap.errors import ChainmapError, closest
    from chainmap.model import regions

    for key, query in wanted:
        try:
            regions.resolve_region(query)
        except ChainmapError as exc:
            raise InputError(f"配置项 / key [{key}]: {exc}", file=source) from None
    known = regions.zones(profile.get("zones") or {})
    for zone in named:  # a typo would quietly take the zone bonus away from every firm
        if zone not in known:
            guess = closest(zone, list(known))
            raise InputError(
                f"配置项 / key [affinity] zones: 未知经济区 / unknown zone {zone!r}"
                + (f"; did you mean {', '.join(guess)}?" if guess else ""),
                file=source,
                hint="zones: " + ", ".join(known),
            )


def _check_segment_ids(profile: Mapping[str, Any], source: str) -> None:
    """Warn about ``[segments] include/exclude`` ids that no bundled chain has (a typo
    there leaves a segment in or out without a word); a chain of your own may have them."""
    listed = [
        (key, sid)
        for key in ("include", "exclude")
        for sid in profile.get("segments", {}).get(key, [])
    ]
    if not listed:
        return
    from chainmap.model import catalog
    from chainmap.model.chain import load_chain

    known = {sid for cid in catalog.bundled_chain_ids() for sid in load_chain(cid).segments_by_id}
    unknown = [f"{key} {sid!r}" for key, sid in listed if sid not in known]
    if unknown:
        import warnings

        warnings.warn(
            f"{source}: [segments] 中的环节编号不属于任何内置产业链 / ids in no bundled chain: "
            f"{', '.join(unknown[:8])}; they count only for a chain of your own that has them "
            "(chainmap show CHAIN lists the ids)",
            ProfileWarning,
            stacklevel=3,
        )


class ProfileWarning(UserWarning):
    """A profile key chainmap does not read (most often a typo): it is ignored."""


def _warn_unknown_keys(user: Mapping[str, Any], default: Mapping[str, Any], source: str) -> None:
    """Warn once about keys of a user profile that nothing reads ([wieghts], strong_lqq …)."""
    unknown = []
    for key, value in user.items():
        if key not in default:
            unknown.append(f"[{key}]")
        elif key not in ("zones", "weights") and isinstance(value, Mapping):
            # zone names are the user's own; an unknown weight is an error (_validate)
            known = set(default[key]) | ({"name"} if key == "office" else set())
            unknown.extend(f"[{key}] {inner}" for inner in value if inner not in known)
    if unknown:
        import warnings

        shown = ", ".join(unknown[:8]) + (" …" if len(unknown) > 8 else "")
        warnings.warn(
            f"{source}: 未知配置项已忽略 / unknown keys ignored: {shown} "
            "(see graphs/profile.toml for the keys chainmap reads)",
            ProfileWarning,
            stacklevel=3,
        )


def _check_weights_form(user: Mapping[str, Any], source: str) -> None:
    """One clear line for a profile written before ``intent`` joined the weights."""
    weights = user.get("weights")
    if isinstance(weights, Mapping) and weights and "intent" not in weights:
        finite = all(_is_number(v) for v in weights.values())  # else the value is the error
        if set(weights) == set(CRITERIA) - {"intent"} and finite:
            raise InputError(
                "旧版四项权重配置 / a four-weight profile from before chainmap 0.2: add "
                "`intent = …` to [weights] and make the five weights sum to 1 (the default is "
                "0.25/0.20/0.20/0.20/0.15; see graphs/profile.toml)",
                file=source,
            )


LIMITS = {
    "stability.n": 10_000,
    "stability.top_k": 10_000,
    "thresholds.min_regions_for_density": 100_000,
    "thresholds.strong_lq": 1_000.0,
    "strategy_weight": 100.0,
    "affinity.distance_half_life_km": 40_075.0,  # Earth's circumference
}


def _is_number(value: Any) -> bool:
    """A finite int or float; booleans are not numbers (TOML ``true`` is a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _validate(p: Mapping[str, Any], source: str) -> None:
    def bad(key: str, why: str) -> InputError:
        return InputError(f"配置项 / key [{key}]: {why}", file=source)

    def number(key: str, value: Any, lo: float, hi: float, *, low_open: bool = False) -> None:
        above = _is_number(value) and (value > lo if low_open else value >= lo)
        if not (above and value <= hi):
            span = f"{'(' if low_open else '['}{lo:g}, {hi:g}]"
            raise bad(
                key, f"须为 {span} 内的有限数 / must be a finite number in {span}, got {value!r}"
            )

    def count(key: str, value: Any, lo: int, hi: int) -> None:
        if not (isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi):
            raise bad(
                key, f"须为 {lo}..{hi} 的整数 / must be an integer from {lo} to {hi}, got {value!r}"
            )

    wanted = p.get("affinity", {}).get("zones", [])
    if not (isinstance(wanted, list) and all(isinstance(z, str) for z in wanted)):
        raise bad("affinity.zones", 'must be a list of zone names, e.g. ["长三角"]')
    weights = p.get("weights", {})
    unknown = sorted(set(weights) - set(CRITERIA))
    if unknown:
        raise bad("weights", f"unknown criteria {unknown}; use {', '.join(CRITERIA)}")
    for name in CRITERIA:
        number(f"weights.{name}", weights.get(name), 0, 1)
    total = sum(float(weights[c]) for c in CRITERIA)
    if abs(total - 1.0) > 1e-6:
        raise bad("weights", f"权重之和须为1 / weights must sum to 1, they sum to {total:g}")
    policy = p.get("policy", {})
    classes = policy.get("exclude", [])
    if not isinstance(classes, list):
        raise bad(
            "policy.exclude",
            f"须为列表 / must be a list, e.g. exclude = [{classes!r}]; "
            f"use {', '.join(POLICY_CLASSES)}"[:300],
        )
    wrong = [c for c in classes if c not in POLICY_CLASSES]
    if wrong:
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
        number(f"strategy_weight.{name}", value, 0, LIMITS["strategy_weight"])
    th = p.get("thresholds", {})
    number(
        "thresholds.strong_lq",
        th.get("strong_lq"),
        0,
        LIMITS["thresholds.strong_lq"],
        low_open=True,
    )
    count(
        "thresholds.min_regions_for_density",
        th.get("min_regions_for_density"),
        0,
        LIMITS["thresholds.min_regions_for_density"],
    )
    number("thresholds.hop_decay", th.get("hop_decay"), 0, 1, low_open=True)
    if th.get("min_confidence", "scope") not in _CONFIDENCE:
        raise bad(
            "thresholds.min_confidence",
            f"must be one of {', '.join(_CONFIDENCE)}, got {th.get('min_confidence')!r}",
        )
    stages = p.get("segments", {}).get("exclude_stages", [])
    if not isinstance(stages, list):
        raise bad("segments.exclude_stages", f"must be a list of stages: {', '.join(STAGES)}")
    wrong = [s for s in stages if s not in STAGES]
    if wrong:
        raise bad("segments.exclude_stages", f"unknown stages {wrong}; use {', '.join(STAGES)}")
    if not isinstance(p.get("home", {}).get("region"), str):
        raise bad("home.region", "must be a string: an adcode or a region name")
    st = p.get("stability", {})
    count("stability.n", st.get("n"), 0, LIMITS["stability.n"])
    count("stability.top_k", st.get("top_k"), 1, LIMITS["stability.top_k"])
    if not _is_number(st.get("spread")) or not 0 <= st["spread"] < 1:
        raise bad(
            "stability.spread", f"must be a finite number in [0, 1), got {st.get('spread')!r}"
        )
    if "seed" in st:
        count("stability.seed", st["seed"], 0, 2**32 - 1)
    zones = p.get("zones", {})
    for name, members in zones.items():
        if not (isinstance(members, list) and all(isinstance(m, str) for m in members)):
            raise bad(f"zones.{name}", "must be a list of adcodes or region names")
    half = p.get("affinity", {}).get("distance_half_life_km")
    number(
        "affinity.distance_half_life_km",
        half,
        0,
        LIMITS["affinity.distance_half_life_km"],
        low_open=True,
    )
