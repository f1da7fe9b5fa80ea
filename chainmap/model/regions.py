"""Chinese administrative regions: lookup by code or name, hierarchy, zones, distance.

The bundled table ``graphs/regions.csv.gz`` holds every province, prefecture-level
unit and county-level unit of the Ministry of Civil Affairs' code list (GB/T 2260
6-digit adcodes) as of 2023-12-31: 34, 333 and 2,844 units. It is built by
``scripts/build_regions.py`` from ``graphs/sources/`` (see ``REGIONS_SOURCES.md``
there); ``graphs/region_aliases.csv`` maps every code abolished or renamed since
1981, and its old name, to the unit(s) it became; ``graphs/zones.toml`` lists
economic zones with their plan documents.

Name lookup rules (:func:`resolve_region`):

1. a 6-digit code (or a 9/12-digit statistical code ending in zeros), current or alias;
2. an exact full name (朝阳区), then an exact short name (朝阳); among several
   short-name matches the coarsest level wins when it is unique (吉林 → the
   province, 中山 → 中山市), otherwise the name is ambiguous;
3. a path ``省/市/县`` (parts may be full or short names, levels may be skipped),
   or the same run together without separators (浙江省金华市武义县);
4. old names from the alias table (临安市 → 临安区).

Hierarchy: a county's parent is its prefecture-level city, or the province for
districts of the four municipalities and for 省直辖县级市 (仙桃, 济源 …). In
:func:`ancestor` the city-level unit of a municipality's district is the
municipality itself, and that of a 省直辖县级市 is the county-level city itself,
since each stands in for a prefecture in statistics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import functools
import io
import math
import re
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from chainmap.errors import InputError, UnknownRegionError, closest
from chainmap.model.catalog import data_path, read_text
from chainmap.model.vocab import LEVELS

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = [
    "LEVELS",
    "REGION_COLUMNS",
    "RegionCodeWarning",
    "ancestor",
    "distance_km",
    "distance_km_many",
    "levels",
    "region_aliases",
    "region_name",
    "region_path",
    "region_zones",
    "regions",
    "resolve_parts",
    "resolve_region",
    "six_digits",
    "zone_sources",
    "zones",
    "zones_of",
]

#: Levels from coarse to fine.

#: Columns of :func:`regions` (``adcode`` is the index).
REGION_COLUMNS = (
    "name",
    "short_name",
    "name_en",
    "level",
    "parent",
    "lat",
    "lon",
    "approx_coords",
    "source",
)

#: The four municipalities (直辖市), whose districts sit directly under the province.
_MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})

_EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
_CODE = re.compile(r"^(\d{6})(?:\d{3}|\d{6})?$")
# Placeholder names of old code lists (北京市/市辖区/东城区), not regions.
_GROUPING_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
_SEPARATORS = re.compile(r"\s*[/|,，、\s]\s*")


class RegionCodeWarning(UserWarning):
    """An enterprise table's ``region_code`` held codes that are not current adcodes: an
    abolished or renumbered code was read as its successor, any other as no code."""


# ---------------------------------------------------------------------- the table


@functools.cache
def _columns() -> dict[str, tuple]:
    """The table's columns as tuples, ``adcode`` first, typed as :func:`regions` types
    them (``lat``/``lon`` floats, NaN where empty; ``approx_coords`` booleans; the rest
    text, ``""`` where empty).

    The look-ups read these (:func:`_column`, the name indexes): pandas' ``read_csv``
    and the indexed frame took 10–11 ms of a 0.45 s ``chainmap rank``, the ``csv``
    module 5–7 ms (:func:`parse_columns`), the columns pre-parsed in
    ``graphs/prebuilt.json`` about 2 ms (when the table is unchanged since the build);
    the frame is built only for :func:`regions`. ``tests/test_regions.py`` compares
    every cell with pandas' reading.
    """
    from chainmap.model.prebuilt import cached_regions

    cached = cached_regions()
    return parse_columns() if cached is None else cached


def parse_columns() -> dict[str, tuple]:
    """:func:`_columns` read from ``regions.csv.gz`` with the ``csv`` module."""
    import csv
    import gzip

    text = gzip.decompress(data_path("regions.csv.gz").read_bytes()).decode("utf-8")
    header, *rows = csv.reader(io.StringIO(text))
    columns = dict(zip(header, zip(*rows, strict=True), strict=True))
    for name in ("lat", "lon"):
        columns[name] = tuple(float(v) if v else math.nan for v in columns[name])
    columns["approx_coords"] = tuple(v == "True" for v in columns["approx_coords"])
    return columns


@functools.cache
def _table() -> pd.DataFrame:
    import pandas as pd

    raw = data_path("regions.csv.gz").read_bytes()
    frame = pd.read_csv(
        io.BytesIO(raw),
        compression="gzip",
        dtype={"adcode": str, "parent": str},
        keep_default_na=False,
        na_values={"lat": [""], "lon": [""]},
    )
    frame["approx_coords"] = frame["approx_coords"].astype(str).eq("True")
    return frame.set_index("adcode")


def regions() -> pd.DataFrame:
    """The bundled region table, indexed by 6-digit ``adcode``.

    Columns: ``name``, ``short_name``, ``name_en`` (provinces and prefecture-level
    units), ``level`` (province|city|county), ``parent`` (adcode, empty for
    provinces), ``lat``, ``lon`` (the seat), ``approx_coords`` (True where the point
    is not the unit's seat: its polygon's centroid, or for 西沙区/南沙区 三沙市's seat)
    and ``source`` (the code list and where the point came from). A copy, so callers
    may modify it.

    Examples
    --------
    >>> t = regions()
    >>> t.loc["330723", ["name", "short_name", "level", "parent"]].tolist()
    ['武义县', '武义', 'county', '330700']
    """
    return _table().copy()


@functools.cache
def region_aliases() -> dict[str, str]:
    """Old adcodes (abolished or renumbered units) → current adcodes.

    Examples
    --------
    >>> region_aliases()["330185"]  # 临安市 became 临安区 in 2017
    '330112'
    """
    out = {}
    live = _column("level")  # the current codes (a dict: a pandas Index look-up is 1 µs)
    for line in read_text("region_aliases.csv").splitlines()[1:]:
        old_code, _old_name, code, _method = line.split(",")
        # a code still in use (renamed, or reused) is itself; only its old name is an alias
        if old_code != code and old_code not in live:
            out[old_code] = code
    return out


@functools.cache
def _alias_names() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for line in read_text("region_aliases.csv").splitlines()[1:]:
        _old_code, old_name, code, _method = line.split(",")
        out.setdefault(old_name, set()).add(code)
    return {k: frozenset(v) for k, v in out.items()}


@functools.cache
def _index() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    t = _columns()
    full: dict[str, list[str]] = {}
    short: dict[str, list[str]] = {}
    for code, name, sname in zip(t["adcode"], t["name"], t["short_name"], strict=True):
        full.setdefault(name, []).append(code)
        short.setdefault(sname, []).append(code)
    return (
        {k: tuple(sorted(v)) for k, v in full.items()},
        {k: tuple(sorted(v)) for k, v in short.items()},
    )


@functools.cache
def _english_index() -> dict[str, tuple[str, ...]]:
    """Lower-cased English names (Zhejiang, Jinhua) of provinces and cities."""
    t = _columns()
    out: dict[str, list[str]] = {}
    for code, name, level in zip(t["adcode"], t["name_en"], t["level"], strict=True):
        if name and level != "county":
            out.setdefault(name.lower().replace(" ", ""), []).append(code)
    return {k: tuple(sorted(v)) for k, v in out.items()}


@functools.cache
def _children() -> dict[str, tuple[str, ...]]:
    t = _columns()
    out: dict[str, list[str]] = {}
    for code, parent in zip(t["adcode"], t["parent"], strict=True):
        if parent:
            out.setdefault(parent, []).append(code)
    return {k: tuple(sorted(v)) for k, v in out.items()}


@functools.cache
def _descendants(code: str) -> frozenset[str]:
    kids = _children().get(code, ())
    out = set(kids)
    for kid in kids:
        out.update(_children().get(kid, ()))
    return frozenset(out)


# Plain dicts: ``ancestor`` walks these for every distinct code of a registry, and
# ``.at`` costs about 30 µs a call (the table is read once and never changes).
@functools.cache
def _column(name: str) -> dict[str, Any]:
    t = _columns()
    return dict(zip(t["adcode"], t[name], strict=True))


def levels() -> Mapping[str, str]:
    """Every current adcode's level (``province``, ``city``, ``county``), read-only.

    Without copying the table (:func:`regions` copies it): the analyses ask per chunk.

    >>> levels()["330723"], "330185" in levels()  # an abolished code is not current
    ('county', False)
    """
    return MappingProxyType(_column("level"))


def _level(code: str) -> str:
    return _column("level")[code]


def _parent(code: str) -> str:
    return _column("parent")[code]


def _check_level(level: str | None) -> None:
    if level is not None and level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")


# ---------------------------------------------------------------------- names and hierarchy


def region_name(adcode: str) -> str:
    """The full name of a region (current or alias code).

    Examples
    --------
    >>> region_name("330723")
    '武义县'
    """
    return _column("name")[_current_code(adcode)]


def region_path(adcode: str) -> str:
    """The region's full names from the province down, joined by ``/``.

    Examples
    --------
    >>> region_path("330723")
    '浙江省/金华市/武义县'
    """
    code = _current_code(adcode)
    names = []
    while code:
        names.append(_column("name")[code])
        code = _parent(code)
    return "/".join(reversed(names))


def ancestor(adcode: str, level: str) -> str | None:
    """The unit at ``level`` that contains ``adcode`` (itself if already at ``level``).

    ``None`` when ``level`` is finer than the region. At city level a district of a
    municipality maps to the municipality, and a 省直辖县级市 to itself.

    Examples
    --------
    >>> ancestor("330723", "city"), ancestor("330723", "province")
    ('330700', '330000')
    >>> ancestor("110105", "city")  # 北京市朝阳区 -> 北京市
    '110000'
    >>> ancestor("330700", "county") is None
    True
    """
    return _ancestor(adcode, level)


@functools.lru_cache(maxsize=65536)
def _ancestor(adcode: str, level: str) -> str | None:
    _check_level(level)
    code = _current_code(adcode)
    want = LEVELS.index(level)
    if LEVELS.index(_level(code)) < want:
        return None
    while LEVELS.index(_level(code)) > want:
        parent = _parent(code)
        if level == "city" and _level(parent) == "province":
            return parent if parent in _MUNICIPALITIES else code
        code = parent
    return code


def six_digits(code: str) -> str:
    """A 9- or 12-digit statistical code ending in zeros as its 6-digit adcode; any other
    text as it is (whether or not it is a known code).

    >>> six_digits("330723000000"), six_digits("330723101000"), six_digits("330723")
    ('330723', '330723101000', '330723')
    """
    m = _CODE.match(code)
    return m.group(1) if m and code[6:].strip("0") == "" else code


def _current_code(adcode: str) -> str:
    code = six_digits(str(adcode).strip())
    if code in _column("level"):
        return code
    if code in region_aliases():
        return region_aliases()[code]
    raise UnknownRegionError(code, hint="不是已知的行政区划代码 / not a known adcode")


# ---------------------------------------------------------------------- resolving


def _describe(codes: Sequence[str]) -> list[str]:
    return [f"{c} {region_path(c)}" for c in codes]


def _matches(name: str, within: str | None = None, level: str | None = None) -> tuple[str, ...]:
    """Codes whose full name, else short name, else old name is ``name``."""
    full, short = _index()
    scope = None if within is None else _descendants(within)

    def keep(codes):
        return tuple(
            c
            for c in codes
            if (scope is None or c in scope) and (level is None or _level(c) == level)
        )

    found = keep(full.get(name, ()))
    if found:
        return found
    found = keep(short.get(name, ()))
    if len(found) > 1:
        top = min(LEVELS.index(_level(c)) for c in found)
        coarsest = tuple(c for c in found if LEVELS.index(_level(c)) == top)
        if len(coarsest) == 1:
            return coarsest
    if found:
        return found
    found = keep(_english_index().get(name.lower().replace(" ", ""), ()))
    if found:
        return found
    return keep(sorted(_alias_names().get(name, ())))


def _split_run(text: str, within: str | None, *, full_only: bool = False) -> list[tuple[str, str]]:
    """Parse 浙江省金华市武义县 into prefixes that resolve, level by level.

    Returns ``(code, rest)`` pairs: each way the text's start names one region,
    refined as far as the remaining text allows. ``full_only`` accepts full names
    only, as addresses need (中山路 is a street, not 中山市).
    """
    full, short = _index()
    scope = _descendants(within) if within else None
    out: list[tuple[str, str]] = []
    for end in range(2, min(len(text), _longest_name()) + 1):
        head = text[:end]
        codes = (
            set(full.get(head, ())) if full_only else {*full.get(head, ()), *short.get(head, ())}
        )
        for code in sorted(codes):
            if scope is not None and code not in scope:
                continue
            rest = text[end:]
            deeper = []
            if rest and _children().get(code):
                deeper = _split_run(rest, code, full_only=full_only)
            out.extend(deeper or [(code, rest)])
    return out


@functools.cache
def _longest_name() -> int:
    return max(map(len, _columns()["name"]))


def resolve_region(query: str, *, level: str | None = None) -> str:
    """Resolve a code, a full or short name, or a ``省/市/县`` path to a 6-digit adcode.

    Parameters
    ----------
    query
        ``"330723"``, ``"武义县"``, ``"武义"``, ``"浙江/金华/武义"``,
        ``"浙江省金华市武义县"``, or an old code or name from the alias table.
    level
        Only accept a region at this level (province|city|county).

    Raises
    ------
    UnknownRegionError
        With ``candidates`` when the name is ambiguous, with ``suggestions`` when
        nothing matches.

    Examples
    --------
    >>> resolve_region("武义县"), resolve_region("浙江/金华/武义")
    ('330723', '330723')
    >>> resolve_region("朝阳区")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    chainmap.errors.UnknownRegionError: 未知地区 / unknown region: '朝阳区'. 名称有歧义, ...
    """
    _check_level(level)
    text = str(query).strip()
    if not text:
        raise UnknownRegionError(text, hint="地区为空 / empty region")
    if _CODE.match(text):
        code = _current_code(text)
        if level and _level(code) != level:
            raise UnknownRegionError(text, hint=f"不是{level}级 / not at level {level}")
        return code
    parts = [p for p in _SEPARATORS.split(text) if p]
    if len(parts) > 1:
        found: tuple[str, ...] = ()
        within = None
        for i, part in enumerate(parts):
            found = _matches(part, within, level if i == len(parts) - 1 else None)
            if len(found) != 1:
                break
            within = found[0]
    else:
        found = _matches(text, None, level)
        if not found:
            found = tuple(sorted({c for c, rest in _split_run(text, None) if not rest}))
    if level is not None:
        found = tuple(c for c in found if _level(c) == level)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise UnknownRegionError(text, candidates=_describe(found))
    full, short = _index()
    raise UnknownRegionError(text, suggestions=closest(parts[-1], [*full, *short]))


@functools.lru_cache(maxsize=65536)
def resolve_parts(
    province: str | None = None,
    city: str | None = None,
    county: str | None = None,
    address: str | None = None,
) -> tuple[str | None, str]:
    """Resolve an enterprise's location columns to the finest adcode they support.

    Tries province/city/county together, then as much of them as agrees, then the
    start of the address. Returns ``(adcode or None, reason)``; the reason is empty
    when every given part resolved, and otherwise says (zh, then en) what was used
    or why nothing was.

    Examples
    --------
    >>> resolve_parts("浙江", "金华", "武义县")
    ('330723', '')
    >>> resolve_parts("浙江", "金华", None)
    ('330700', '')
    >>> resolve_parts(None, None, None, "浙江省金华市武义县白洋街道1号")[0]
    '330723'
    """
    given = [(lv, str(v).strip()) for lv, v in zip(LEVELS, (province, city, county), strict=True)]
    given = [(lv, v) for lv, v in given if v and v.lower() not in ("nan", "none", "-", "<na>")]
    code: str | None = None
    used: list[str] = []
    failed: list[str] = []
    old: list[str] = []  # abolished or renumbered codes read as their successors
    for _lv, value in given:
        if value in _GROUPING_NAMES:
            continue
        if _CODE.match(value):
            try:
                found: tuple[str, ...] = (_current_code(value),)
            except UnknownRegionError:
                found = ()
            if found and six_digits(value) not in _column("level"):
                old.append(f"{value} → {found[0]} {region_path(found[0])}")
        else:
            found = _matches(value, code)
            if not found and code is not None:
                # 北京/北京市/朝阳区 or 湖北/仙桃/仙桃市: a part may repeat the unit above
                found = tuple(c for c in _matches(value, None) if c == code)
        narrower = [c for c in found if code is None or c == code or c in _descendants(code)]
        if len(narrower) == 1:
            code = narrower[0]
            used.append(value)
        else:
            failed.append(f"{value}" + (" (有歧义 / ambiguous)" if len(narrower) > 1 else ""))
    if code is not None and not failed:
        if old:  # (the code used is current; the row says which old one it came from)
            return code, (
                f"旧代码 / old code: {'; '.join(old)} (已撤销或改号, 按现行代码读取 / "
                "abolished or renumbered, read as its successor)"
            )
        return code, ""
    if address and str(address).strip():
        runs = [c for c, _rest in _split_run(str(address).strip(), None, full_only=True)]
        finest = _finest_agreeing(runs, code)
        if finest is not None and (code is None or finest != code):
            return finest, "由地址定位 / resolved from the address"
    if code is not None:
        return code, (
            f"未识别 / not resolved: {', '.join(failed)}; 定位到 / resolved to "
            f"{region_name(code)} ({_level(code)})"
        )
    if not given and not (address and str(address).strip()):
        return None, "无地区信息 / no location given"
    what = ", ".join(failed) or str(address)
    return None, f"无法定位地区 / region not resolved: {what}"


def _finest_agreeing(codes: Sequence[str], within: str | None) -> str | None:
    """The single finest code among ``codes`` that lies inside ``within`` (if given)."""
    if within is not None:
        codes = [c for c in codes if c == within or c in _descendants(within)]
    codes = sorted(set(codes))
    if not codes:
        return None
    best = max(LEVELS.index(_level(c)) for c in codes)
    finest = [c for c in codes if LEVELS.index(_level(c)) == best]
    return finest[0] if len(finest) == 1 else None


# ---------------------------------------------------------------------- zones


@functools.cache
def _zone_file() -> dict:
    from chainmap.model.prebuilt import cached_toml

    cached = cached_toml("zones.toml")  # parsed at build time, if unchanged since
    if cached is not None:
        return cached
    import tomllib

    try:
        return tomllib.loads(read_text("zones.toml"))
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - bundled file
        raise InputError(f"zones.toml: {exc}") from None


def _expand(members: Sequence[str], exclude: Sequence[str]) -> list[str]:
    """Members with excluded descendants cut out (a member is split into its children)."""
    excluded = {_current_code(c) for c in exclude}
    out: list[str] = []
    stack = [_current_code(c) for c in members]
    while stack:
        code = stack.pop()
        if code in excluded:
            continue
        inside = [e for e in excluded if e in _descendants(code)]
        if inside:
            stack.extend(_children().get(code, ()))
        else:
            out.append(code)
    return sorted(set(out))


@functools.cache
def _bundled_zones() -> dict[str, tuple[str, ...]]:
    return {
        name: tuple(_expand(spec.get("members", []), spec.get("exclude", [])))
        for name, spec in _zone_file().items()
    }


def zone_sources() -> dict[str, dict[str, str]]:
    """For each bundled zone: ``document`` (the plan's title) and ``source`` (URL).

    Examples
    --------
    >>> "长三角" in zone_sources()
    True
    """
    return {
        name: {"document": spec.get("document", ""), "source": spec.get("source", "")}
        for name, spec in _zone_file().items()
    }


def zones(extra: Mapping[str, Sequence[str]] | None = None) -> dict[str, list[str]]:
    """Zone name → member adcodes (province, city or county level).

    ``extra`` (the profile's ``[zones]`` table) adds zones or replaces a bundled
    zone of the same name; its members may be codes or names.

    Examples
    --------
    >>> len(zones()["珠三角"])
    9
    >>> zones({"金华周边": ["金华", "330100"]})["金华周边"]
    ['330100', '330700']
    """
    out = {name: list(codes) for name, codes in _bundled_zones().items()}
    for name, members in (extra or {}).items():
        if isinstance(members, str):
            members = [members]
        out[str(name)] = sorted({resolve_region(str(m)) for m in members})
    return out


def region_zones(adcode: str, extra: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """Names of the zones that contain ``adcode`` (it or an ancestor is listed), sorted.

    Examples
    --------
    >>> region_zones("330723")
    ['长三角']
    >>> region_zones("440306")  # 深圳市宝安区
    ['珠三角', '粤港澳大湾区']
    """
    code = _current_code(adcode)
    chain = {code}
    while _parent(code):
        code = _parent(code)
        chain.add(code)
    return sorted(name for name, members in zones(extra).items() if chain & set(members))


def zones_of(
    adcodes: Sequence[str], extra: Mapping[str, Sequence[str]] | None = None
) -> dict[str, list[str]]:
    """:func:`region_zones` of each code, with the zone table read once for all of them.

    Examples
    --------
    >>> zones_of(["330723", "440306"])
    {'330723': ['长三角'], '440306': ['珠三角', '粤港澳大湾区']}
    """
    members = {name: set(codes) for name, codes in zones(extra).items()}
    out: dict[str, list[str]] = {}
    for adcode in adcodes:
        if adcode in out:
            continue
        code = _current_code(adcode)
        chain = {code}
        while _parent(code):
            code = _parent(code)
            chain.add(code)
        out[adcode] = sorted(name for name, m in members.items() if chain & m)
    return out


# ---------------------------------------------------------------------- distance


def _coords(adcode: str) -> tuple[float, float]:
    code = _current_code(adcode)
    return float(_column("lat")[code]), float(_column("lon")[code])


def _haversine(lat1, lon1, lat2, lon2):
    import numpy as np

    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def distance_km(a: str, b: str) -> float:
    """Great-circle (haversine) distance in km between two regions' seats.

    Examples
    --------
    >>> round(distance_km("330723", "330700"))  # 武义县 to 金华市
    26
    >>> distance_km("330723", "330723")
    0.0
    """
    lat1, lon1 = _coords(a)
    lat2, lon2 = _coords(b)
    return float(_haversine(lat1, lon1, lat2, lon2))


def distance_km_many(codes: Sequence[str | None], home: str) -> np.ndarray:
    """Distances in km from ``home`` to each code; NaN where a code is empty or unknown.

    A code is read as :func:`distance_km` reads it: a 9- or 12-digit statistical code
    ending in zeros is its 6-digit adcode, an abolished code its successor.

    Examples
    --------
    >>> distance_km_many(["330723", None, "999999", "330723000000"], "330723").tolist()
    [0.0, nan, nan, 0.0]
    """
    import numpy as np

    lat0, lon0 = _coords(home)
    aliases = region_aliases()
    keys = [
        None if c is None or (isinstance(c, float) and math.isnan(c)) else str(c).strip()
        for c in codes
    ]
    keys = [six_digits(c) if c else c for c in keys]  # (a statistical code: its adcode)
    keys = [aliases.get(c, c) if c else c for c in keys]
    lat_of, lon_of = _column("lat"), _column("lon")  # (a code not in the table: NaN)
    lat = np.array([lat_of.get(c, math.nan) for c in keys], dtype=float)
    lon = np.array([lon_of.get(c, math.nan) for c in keys], dtype=float)
    return np.asarray(_haversine(lat0, lon0, lat, lon), dtype=float)
