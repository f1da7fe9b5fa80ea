"""KPI classes, annual targets and overdue thresholds, from a TOML file.

The file has exactly this form (every key but ``id``, ``name``, ``class`` and
``year`` is optional)::

    [[class]]
    id = "mfg10"                 # used in output
    name = "10亿元以上制造业项目"
    sector = "制造业"            # filter: 制造业 | 服务业 | 农业 | 文旅 | 其他
    origin = "招引"              # filter: 招引 | 内培
    min_investment = 10          # 亿元, inclusive (以上 includes the bound)

    [[unit]]                     # optional: the units that own projects (责任单位)
    id = "platform_a"
    name = "示例平台甲"
    kind = "platform"            # platform | group | office (平台 / 产业招商组 / 驻外招商办)

    [[target]]
    class = "mfg10"
    year = 2024
    unit = "platform_a"          # optional: this unit's own target (its owned projects)
    landed = 4                   # annual count targets
    signed = 6
    projects = 10                # new projects entered (first date in the year)
    physical_investment = 16     # 亿元

    [overdue]
    signed_not_landed_days = 180   # default 180
    landed_not_started_days = 180  # default 180

    [plan]
    behind_share = 0.2           # physical investment this share behind its plan is listed

Classes may overlap: a project counts in every class it matches.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from pathlib import Path
import tomllib
from typing import Any

from chainmap.errors import InputError
from chainmap.model.ledger import ORIGINS, SECTORS

__all__ = [
    "DEFAULT_BEHIND_SHARE",
    "DEFAULT_OVERDUE_DAYS",
    "UNIT_KINDS",
    "KpiClass",
    "KpiTarget",
    "KpiTargets",
    "KpiUnit",
    "actuals_only",
    "read_targets",
]

DEFAULT_OVERDUE_DAYS = 180
DEFAULT_BEHIND_SHARE = 0.2
#: Kinds of unit: 平台 platform, 产业招商组 industry group, 驻外招商引才办 resident office.
UNIT_KINDS = {"platform": "平台", "group": "产业招商组", "office": "驻外招商办"}


@dataclass(frozen=True)
class KpiUnit:
    """A unit that owns projects and is assessed on them (责任单位)."""

    id: str
    name: str
    kind: str


@dataclass(frozen=True)
class KpiClass:
    """A class of projects that KPIs are reported for (e.g. 10亿元以上制造业项目)."""

    id: str
    name: str
    sector: str | None = None
    origin: str | None = None
    min_investment: float | None = None


@dataclass(frozen=True)
class KpiTarget:
    """The annual targets of one class for one year; ``None`` where not set."""

    klass: str
    year: int
    landed: int | None = None
    physical_investment: float | None = None
    unit: str | None = None
    signed: int | None = None
    projects: int | None = None


@dataclass(frozen=True)
class KpiTargets:
    """Everything a targets file holds.

    Examples
    --------
    >>> t = KpiTargets.from_dict({
    ...     "class": [{"id": "all", "name": "全部项目"}],
    ...     "target": [{"class": "all", "year": 2024, "landed": 4}],
    ... })
    >>> t.target("all", 2024).landed, t.target("all", 2025), t.signed_not_landed_days
    (4, None, 180)
    """

    classes: tuple[KpiClass, ...]
    targets: tuple[KpiTarget, ...] = ()
    signed_not_landed_days: int = DEFAULT_OVERDUE_DAYS
    landed_not_started_days: int = DEFAULT_OVERDUE_DAYS
    units: tuple[KpiUnit, ...] = ()
    behind_share: float = DEFAULT_BEHIND_SHARE

    def target(self, class_id: str, year: int, unit: str | None = None) -> KpiTarget | None:
        """The target of ``class_id`` for ``year`` (and ``unit``, or the whole office), or ``None``."""
        for t in self.targets:
            if t.klass == class_id and t.year == year and t.unit == unit:
                return t
        return None

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str | None = None) -> KpiTargets:
        """Validate parsed TOML; errors name the file and the key."""

        def fail(key: str, what: str) -> InputError:
            return InputError(
                f"{what} / key {key!r}", file=source, hint="see `chainmap kpi --help`"
            )

        _only(data, {"class", "target", "overdue", "unit", "plan"}, "", fail)
        units = _units(data.get("unit", []), fail)
        raw_classes = data.get("class")
        if not isinstance(raw_classes, list) or not raw_classes:
            raise fail("class", "至少需要一个 [[class]] / at least one [[class]] table is needed")
        classes, ids = [], set()
        for i, c in enumerate(raw_classes):
            where = f"class[{i + 1}]"  # counted from 1, as an office counts tables
            _only(c, {"id", "name", "sector", "origin", "min_investment"}, where, fail)
            cid = _text(c, "id", where, fail, required=True)
            if cid in ids:
                raise fail(f"{where}.id", f"类别编号重复 / duplicate class id {cid!r}")
            ids.add(cid)
            sector = _text(c, "sector", where, fail)
            if sector is not None and sector not in SECTORS:
                raise fail(
                    f"{where}.sector",
                    f"未知产业类别 / unknown sector {sector!r}, use " + "/".join(SECTORS),
                )
            origin = _text(c, "origin", where, fail)
            if origin is not None and origin not in ORIGINS:
                raise fail(
                    f"{where}.origin",
                    f"未知来源 / unknown origin {origin!r}, use " + "/".join(ORIGINS),
                )
            classes.append(
                KpiClass(
                    id=cid,
                    name=_text(c, "name", where, fail, required=True),
                    sector=sector,
                    origin=origin,
                    min_investment=_number(c, "min_investment", where, fail),
                )
            )
        raw_targets = data.get("target", [])
        if not isinstance(raw_targets, list):
            raise fail("target", "应为 [[target]] 表数组 / must be [[target]] tables")
        targets, seen = [], set()
        for i, t in enumerate(raw_targets):
            where = f"target[{i + 1}]"
            keys = {"class", "year", "landed", "physical_investment", "unit", "signed", "projects"}
            _only(t, keys, where, fail)
            klass = _text(t, "class", where, fail, required=True)
            if klass not in ids:
                raise fail(
                    f"{where}.class", f"未定义的类别 / class {klass!r} is not a [[class]] id"
                )
            year = _number(t, "year", where, fail, integer=True, required=True)
            unit = _text(t, "unit", where, fail)
            if unit is not None and unit not in {u.id for u in units}:
                raise fail(f"{where}.unit", f"未定义的单位 / unit {unit!r} is not a [[unit]] id")
            if (klass, year, unit) in seen:
                raise fail(where, f"目标重复 / two targets for {klass!r} {unit or ''} in {year}")
            seen.add((klass, year, unit))
            targets.append(
                KpiTarget(
                    klass=klass,
                    year=int(year),
                    landed=_number(t, "landed", where, fail, integer=True),
                    physical_investment=_number(t, "physical_investment", where, fail),
                    unit=unit,
                    signed=_number(t, "signed", where, fail, integer=True),
                    projects=_number(t, "projects", where, fail, integer=True),
                )
            )
        overdue = data.get("overdue", {})
        if not isinstance(overdue, dict):
            raise fail("overdue", "应为 [overdue] 表 / must be an [overdue] table")
        _only(overdue, {"signed_not_landed_days", "landed_not_started_days"}, "overdue", fail)
        days = {}
        for key in ("signed_not_landed_days", "landed_not_started_days"):
            value = _number(overdue, key, "overdue", fail, integer=True)
            days[key] = DEFAULT_OVERDUE_DAYS if value is None else value
        plan = data.get("plan", {})
        _only(plan, {"behind_share"}, "plan", fail)
        share = _number(plan, "behind_share", "plan", fail)
        if share is not None and share > 1:
            raise fail(
                "plan.behind_share", f"应为 0–1 的比例 / must be a share in [0, 1], got {share}"
            )
        return cls(
            classes=tuple(classes),
            targets=tuple(targets),
            units=units,
            behind_share=DEFAULT_BEHIND_SHARE if share is None else float(share),
            **days,
        )


def _units(raw: object, fail) -> tuple[KpiUnit, ...]:
    if not isinstance(raw, list):
        raise fail("unit", "应为 [[unit]] 表数组 / must be [[unit]] tables")
    units, ids = [], set()
    for i, u in enumerate(raw):
        where = f"unit[{i + 1}]"
        _only(u, {"id", "name", "kind"}, where, fail)
        uid = _text(u, "id", where, fail, required=True)
        if uid in ids:
            raise fail(f"{where}.id", f"单位编号重复 / duplicate unit id {uid!r}")
        ids.add(uid)
        kind = _text(u, "kind", where, fail, required=True)
        if kind not in UNIT_KINDS:
            raise fail(
                f"{where}.kind",
                f"未知单位类型 / unknown kind {kind!r}; use " + "|".join(UNIT_KINDS),
            )
        units.append(KpiUnit(id=uid, name=_text(u, "name", where, fail, required=True), kind=kind))
    return tuple(units)


def _only(table: Any, allowed: set[str], where: str, fail) -> None:
    if not isinstance(table, dict):
        raise fail(where, "应为表 / must be a table")
    for key in table:
        if key not in allowed:
            raise fail(
                f"{where}.{key}" if where else key,
                f"未知键 / unknown key; allowed: {', '.join(sorted(allowed))}",
            )


def _text(table: dict, key: str, where: str, fail, *, required: bool = False) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            raise fail(f"{where}.{key}", "缺少必需键 / missing required key")
        return None
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{where}.{key}", f"应为非空文本 / must be non-empty text, got {value!r}")
    return value.strip()


def _number(
    table: dict, key: str, where: str, fail, *, integer: bool = False, required: bool = False
) -> Any:
    value = table.get(key)
    if value is None:
        if required:
            raise fail(f"{where}.{key}", "缺少必需键 / missing required key")
        return None
    kinds = (int,) if integer else (int, float)
    if (
        isinstance(value, bool)
        or not isinstance(value, kinds)
        or not math.isfinite(value)  # TOML has nan and inf
        or value < 0
    ):
        kind = "整数 / a whole number" if integer else "数 / a number"
        raise fail(f"{where}.{key}", f"应为非负{kind} ≥ 0, got {value!r}")
    return value


def read_targets(path: str | Path) -> KpiTargets:
    """Read and validate a KPI targets TOML file (see the module docstring for its form)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("文件不存在 / file not found", file=str(path))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"TOML 语法错误 / TOML syntax error: {exc}", file=str(path)) from None
    return KpiTargets.from_dict(data, source=str(path))


def actuals_only() -> KpiTargets:
    """The targets used without a targets file: one class of every project, no targets.

    Examples
    --------
    >>> t = actuals_only()
    >>> [c.id for c in t.classes], t.targets
    (['all'], ())
    """
    return KpiTargets(classes=(KpiClass(id="all", name="全部项目"),))
