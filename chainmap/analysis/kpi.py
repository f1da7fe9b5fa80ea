"""Project KPIs from a ledger: signings, landings, 开工率, 入统率, targets, 实物量投资.

Pure functions over the tables :func:`chainmap.model.ledger.read_ledger` returns
and the :class:`~chainmap.model.kpi_targets.KpiTargets` of a targets file.

Definitions (the KPI issue's, with the choices it leaves open):

- A period is inclusive at both ends; a project is *signed* / *landed* in it when
  ``signed_on`` / ``landed_on`` falls inside.
- ``started_count`` and ``in_stats_count`` count projects landed in the period
  whose ``started_on`` / ``in_stats_on`` is on or before the period end.
- The target that applies is the one for the year in which the period ends;
  ``target_completion = landed_count / target_landed`` (the period's landings
  against the annual target, as the issue defines it), and
  ``physical_investment_completion`` divides that year's months up to the period
  end by the annual physical-investment target.
- A rate whose denominator is zero (or whose target is absent) is ``None``.
  Target keys are always present, ``None`` when the file sets no target.
- Amounts (亿元) are never rounded here; rounding is for display only.
- A class matches a project when every filter it sets matches: ``sector`` and
  ``origin`` exactly, ``investment >= min_investment`` (a project without an
  investment matches no ``min_investment`` class). Classes may overlap.
- ``by`` splits by ``chain``, ``segment`` or ``platform``; a cell may list several
  values separated by ``;`` (the project counts in each); empty cells form the
  group ``None``. Every class appears with every group, with zeros where empty.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
import datetime as dt
import re

import pandas as pd

from chainmap.errors import InputError
from chainmap.model.kpi_targets import KpiClass, KpiTarget, KpiTargets
from chainmap.model.ledger import ALL_STAGES, STAGES, parse_date
from chainmap.model.values import date_outside

__all__ = [
    "BY_COLUMNS",
    "COHORT_FIELDS",
    "KPI_FIELDS",
    "UNIT_FIELDS",
    "active_projects",
    "class_mask",
    "classify_projects",
    "first_date",
    "funnel",
    "kpi_report",
    "kpi_table",
    "overdue",
    "parse_cohort",
    "parse_period",
]

BY_COLUMNS = ("chain", "segment", "platform", "owner")

#: Fields of a KPI record, in order (after ``class``, ``name`` and, with ``by``, ``group``).
KPI_FIELDS = (
    "signed_count",
    "signed_investment",
    "landed_count",
    "landed_investment",
    "started_count",
    "in_stats_count",
    "start_rate",
    "in_stats_rate",
    "target_landed",
    "target_completion",
    "physical_investment_period",
    "physical_investment_cumulative",
    "target_physical_investment",
    "physical_investment_completion",
)
#: Fields added to each record with ``by="owner"``: the unit's own targets.
UNIT_FIELDS = (
    "group_name",
    "project_count",
    "target_projects",
    "projects_completion",
    "target_signed",
    "signed_completion",
)
#: Fields of a KPI record with a cohort.
COHORT_FIELDS = (
    "cohort_landed_count",
    "cohort_start_rate",
    "cohort_in_stats_rate",
    "cohort_physical_investment_period",
    "cohort_physical_investment_cumulative",
)

Period = tuple[dt.date, dt.date]


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_period(text: str) -> Period:
    """The first and last day of a period: ``2024``, ``2024H1``, ``2024Q3``, ``2024-01..2024-06``.

    A single month ``2024-03`` is accepted too.

    Examples
    --------
    >>> parse_period("2024H1")
    (datetime.date(2024, 1, 1), datetime.date(2024, 6, 30))
    >>> parse_period("2024q4")
    (datetime.date(2024, 10, 1), datetime.date(2024, 12, 31))
    >>> parse_period("2023-11..2024-02")
    (datetime.date(2023, 11, 1), datetime.date(2024, 2, 29))
    """
    s = str(text).strip().upper()
    years = [int(y) for y in re.findall(r"\d{4}", s)]
    if any(not 1900 <= y <= 2100 for y in years):
        raise InputError(
            f"期间年份超出范围 / period {text!r}: years run from 1900 to 2100",
            hint="use 2024, 2024H1, 2024Q3 or 2024-01..2024-06",
        )
    if m := re.fullmatch(r"(\d{4})", s):
        y = int(m[1])
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    if m := re.fullmatch(r"(\d{4})H([12])", s):
        y, h = int(m[1]), int(m[2])
        return dt.date(y, 6 * h - 5, 1), _month_end(y, 6 * h)
    if m := re.fullmatch(r"(\d{4})Q([1-4])", s):
        y, q = int(m[1]), int(m[2])
        return dt.date(y, 3 * q - 2, 1), _month_end(y, 3 * q)
    m = re.fullmatch(r"(\d{4})-(\d{1,2})(?:\.\.(\d{4})-(\d{1,2}))?", s)
    if m and 1 <= int(m[2]) <= 12 and (m[4] is None or 1 <= int(m[4]) <= 12):
        start = dt.date(int(m[1]), int(m[2]), 1)
        end = _month_end(int(m[3] or m[1]), int(m[4] or m[2]))
        if end >= start:
            return start, end
    raise InputError(
        f"无法识别的期间 / cannot read period {text!r}",
        hint="use 2024, 2024H1, 2024Q3 or 2024-01..2024-06",
    )


def parse_cohort(text: str | int | tuple[int, int]) -> tuple[int, int]:
    """First and last landing year of a cohort: ``2022``, ``2022-2023`` or a pair.

    Examples
    --------
    >>> parse_cohort("2022-2023"), parse_cohort(2021)
    ((2022, 2023), (2021, 2021))
    """
    if isinstance(text, tuple):
        first, last = text
    else:
        m = re.fullmatch(r"\s*(\d{4})\s*(?:[-–~]\s*(\d{4}))?\s*", str(text))
        if not m:
            raise InputError(
                f"无法识别的批次 / cannot read cohort {text!r}", hint="use 2022 or 2022-2023"
            )
        first, last = int(m[1]), int(m[2] or m[1])
    if last < first:
        raise InputError(f"批次年份倒置 / cohort {text!r} ends before it starts")
    return int(first), int(last)


def _as_period(period: str | Period) -> Period:
    return parse_period(period) if isinstance(period, str) else (period[0], period[1])


def _rate(numerator: float, denominator: float | None) -> float | None:
    if denominator is None or denominator == 0:
        return None
    return numerator / denominator


def _between(dates: pd.Series, start: dt.date, end: dt.date) -> pd.Series:
    return (dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))


def class_mask(ledger: pd.DataFrame, klass: KpiClass) -> pd.Series:
    """Which ledger rows belong to ``klass`` (a boolean Series).

    Examples
    --------
    >>> ledger = pd.DataFrame({"sector": ["制造业", "制造业"], "origin": ["招引", "内培"],
    ...                        "investment": [10.0, 12.0]})
    >>> class_mask(ledger, KpiClass("m", "m", sector="制造业", min_investment=10)).tolist()
    [True, True]
    >>> class_mask(ledger, KpiClass("z", "z", origin="招引", min_investment=11)).tolist()
    [False, False]
    """
    mask = pd.Series(True, index=ledger.index)
    if klass.sector is not None:
        mask &= ledger["sector"].map(lambda v: isinstance(v, str) and v.strip() == klass.sector)
    if klass.origin is not None:
        mask &= ledger["origin"].map(lambda v: isinstance(v, str) and v.strip() == klass.origin)
    if klass.min_investment is not None:
        mask &= ledger["investment"].ge(klass.min_investment).fillna(False).astype(bool)
    return mask


def _split(value: object) -> list[str]:
    if not isinstance(value, str):
        return []
    return [p.strip() for p in re.split(r"[;；]", value) if p.strip()]


def _groups(
    ledger: pd.DataFrame, by: str | None, always: Sequence[str] = ()
) -> list[tuple[str | None, pd.Series]]:
    """``(group, mask)`` pairs, groups sorted with the empty group ``None`` last.

    ``always`` names groups listed even with no project (a unit with targets and
    nothing yet to show for them).
    """
    if by is None:
        return [(None, pd.Series(True, index=ledger.index))]
    if by not in BY_COLUMNS:
        raise InputError(
            f"无法按 {by!r} 分组 / cannot break down by {by!r}; use " + "|".join(BY_COLUMNS)
        )
    values = ledger[by].map(_split) if by in ledger.columns else pd.Series([[]] * len(ledger))
    names = sorted({v for vs in values for v in vs} | set(always))
    out = [(g, values.map(lambda vs, g=g: g in vs)) for g in names]
    empty = values.map(lambda vs: not vs)
    if empty.any():
        out.append((None, empty))
    return out


def _physical(
    investment: pd.DataFrame | None, ids: pd.Series, start: dt.date, end: dt.date
) -> tuple[float | None, float | None, float | None]:
    """Physical investment of ``ids``: in the period, cumulative to its end, year to date.

    ``None`` for all three when there is no physical-investment table at all: no data
    is not zero (it prints "—").
    """
    if investment is None:
        return None, None, None
    rows = investment[investment["project_id"].isin(set(ids))]
    month = rows["month"]
    last = f"{end.year:04d}-{end.month:02d}"
    first = f"{start.year:04d}-{start.month:02d}"
    upto = rows["amount"][month <= last]
    return (  # (rounded: sums of decimal amounts read 18.400000000000002 in a CSV)
        round(float(rows["amount"][(month >= first) & (month <= last)].sum()), 10),
        round(float(upto.sum()), 10),
        round(float(rows["amount"][(month >= f"{end.year:04d}-01") & (month <= last)].sum()), 10),
    )


def _period_fields(
    projects: pd.DataFrame,
    investment: pd.DataFrame,
    period: Period,
    target: KpiTarget | None,
) -> dict:
    start, end = period
    signed = projects[_between(projects["signed_on"], start, end)]
    landed = projects[_between(projects["landed_on"], start, end)]
    started = int((landed["started_on"] <= pd.Timestamp(end)).sum())
    in_stats = int((landed["in_stats_on"] <= pd.Timestamp(end)).sum())
    pi_period, pi_cumulative, pi_ytd = _physical(investment, projects["project_id"], start, end)
    target_landed = None if target is None else target.landed
    target_pi = None if target is None else target.physical_investment
    return {
        "signed_count": len(signed),
        "signed_investment": float(signed["investment"].sum()),
        "landed_count": len(landed),
        "landed_investment": float(landed["investment"].sum()),
        "started_count": started,
        "in_stats_count": in_stats,
        "start_rate": _rate(started, len(landed)),
        "in_stats_rate": _rate(in_stats, len(landed)),
        "target_landed": target_landed,
        "target_completion": _rate(len(landed), target_landed),
        "physical_investment_period": pi_period,
        "physical_investment_cumulative": pi_cumulative,
        "target_physical_investment": target_pi,
        "physical_investment_completion": None if pi_ytd is None else _rate(pi_ytd, target_pi),
    }


def _cohort_fields(
    projects: pd.DataFrame, investment: pd.DataFrame, period: Period, years: tuple[int, int]
) -> dict:
    start, end = period
    first = dt.date(years[0], 1, 1)
    last = min(dt.date(years[1], 12, 31), end)  # nothing lands after the period end yet
    cohort = projects[_between(projects["landed_on"], first, last)]
    started = int((cohort["started_on"] <= pd.Timestamp(end)).sum())
    in_stats = int((cohort["in_stats_on"] <= pd.Timestamp(end)).sum())
    pi_period, pi_cumulative, _ = _physical(investment, cohort["project_id"], start, end)
    return {
        "cohort_landed_count": len(cohort),
        "cohort_start_rate": _rate(started, len(cohort)),
        "cohort_in_stats_rate": _rate(in_stats, len(cohort)),
        "cohort_physical_investment_period": pi_period,
        "cohort_physical_investment_cumulative": pi_cumulative,
    }


#: The ledger columns the KPIs read, and their kinds.
_KPI_DATES = ("signed_on", "landed_on", "started_on", "in_stats_on")
_KPI_NEEDS = ("project_id", "sector", "origin", "investment", *_KPI_DATES)


def _check_ledger_frame(ledger: pd.DataFrame, investment: pd.DataFrame | None) -> None:
    """One clear error for a ledger frame the KPIs cannot read (a raw ``pd.read_csv``)."""
    hint = "read the ledger with chainmap.model.office_tables.read_ledger_data (or read_ledger)"
    if not isinstance(ledger, pd.DataFrame):
        raise InputError(
            f"台账须为 DataFrame / the ledger must be a DataFrame, not {type(ledger).__name__}"
        )
    missing = [c for c in _KPI_NEEDS if c not in ledger.columns]
    if missing:
        raise InputError(
            f"台账缺少列 / the ledger frame lacks {', '.join(missing)}",
            hint=hint + ", which maps the Chinese headers (签约日期 …)",
        )
    for col in _KPI_DATES:
        if not pd.api.types.is_datetime64_any_dtype(ledger[col]) and ledger[col].notna().any():
            raise InputError(
                f"台账列 {col} 须为日期 / ledger column {col} must hold dates", hint=hint
            )
    if (
        not pd.api.types.is_numeric_dtype(ledger["investment"])
        and ledger["investment"].notna().any()
    ):
        raise InputError(
            "台账列 investment 须为数值 / ledger column investment must be numbers", hint=hint
        )
    if investment is not None:
        if not isinstance(investment, pd.DataFrame) or "amount" not in investment.columns:
            raise InputError(
                "实物量投资表须有 amount 列 / the investment table needs an amount column",
                hint=hint,
            )
        if (
            not pd.api.types.is_numeric_dtype(investment["amount"])
            and investment["amount"].notna().any()
        ):
            raise InputError(
                "实物量投资 amount 须为数值 / investment amounts must be numbers", hint=hint
            )


def kpi_table(
    ledger: pd.DataFrame,
    investment: pd.DataFrame | None,
    targets: KpiTargets,
    *,
    period: str | Period,
    cohort: str | tuple[int, int] | None = None,
    by: str | None = None,
) -> list[dict]:
    """One KPI record per class (per class × group with ``by``), in the targets' class order.

    Records hold ``class``, ``name``, ``group`` (only with ``by``) and then
    :data:`KPI_FIELDS`, or :data:`COHORT_FIELDS` with ``cohort`` (the class's
    projects landed in those years, as of the period end). See the module
    docstring for the definitions. ``investment`` None means no physical-investment
    data: those fields are ``None``, not zero.

    Examples
    --------
    >>> from chainmap.model.kpi_targets import KpiClass, KpiTargets
    >>> ledger = pd.DataFrame({
    ...     "project_id": ["P1", "P2"], "sector": ["制造业"] * 2, "origin": ["招引"] * 2,
    ...     "investment": [12.0, 3.0],
    ...     "signed_on": pd.to_datetime(["2024-02-01", "2024-03-01"]),
    ...     "landed_on": pd.to_datetime(["2024-04-01", None]),
    ...     "started_on": pd.to_datetime(["2024-08-01", None]),
    ...     "in_stats_on": pd.to_datetime([None, None]),
    ... })
    >>> inv = pd.DataFrame({"project_id": ["P1"], "month": ["2024-05"], "amount": [0.5]})
    >>> t = KpiTargets(classes=(KpiClass("all", "全部"),))
    >>> r = kpi_table(ledger, inv, t, period="2024H1")[0]
    >>> r["signed_count"], r["signed_investment"], r["landed_count"], r["start_rate"]
    (2, 15.0, 1, 0.0)
    >>> r["target_completion"], r["physical_investment_period"]
    (None, 0.5)
    """
    _check_ledger_frame(ledger, investment)
    if not isinstance(targets, KpiTargets):
        raise InputError(
            f"targets 须为 KpiTargets / targets must be KpiTargets, not {type(targets).__name__}",
            hint="read a targets TOML with chainmap.model.kpi_targets.read_targets",
        )
    span = _as_period(period)
    years = None if cohort is None else parse_cohort(cohort)
    units = {u.id: u.name for u in targets.units}
    groups = _groups(ledger, by, list(units) if by == "owner" else ())
    records = []
    for klass in targets.classes:
        in_class = class_mask(ledger, klass)
        for group, in_group in groups:
            # With by="owner" each unit is held to its own targets, never the office's.
            # Projects with no owner have no unit target.
            unit = group if by == "owner" else None
            unowned = by == "owner" and group is None
            target = None if unowned else targets.target(klass.id, span[1].year, unit)
            projects = ledger[in_class & in_group]
            record: dict = {"class": klass.id, "name": klass.name}
            if by is not None:
                record["group"] = group
            if years is None:
                record.update(_period_fields(projects, investment, span, target))
            else:
                record.update(_cohort_fields(projects, investment, span, years))
            if by == "owner":
                record.update(_unit_fields(projects, span, target, units.get(group)))
            records.append(record)
    return records


def first_date(ledger: pd.DataFrame) -> pd.Series:
    """Each project's earliest stage date (信息, 盯引, 意向, 签约 …): when it entered."""
    from chainmap.model.ledger import ALL_STAGES

    cols = [c for c, _ in ALL_STAGES if c in ledger.columns]
    if not cols:
        return pd.Series(pd.NaT, index=ledger.index, dtype="datetime64[ns]")
    return ledger[cols].min(axis=1)


def _unit_fields(
    projects: pd.DataFrame, period: Period, target: KpiTarget | None, name: str | None
) -> dict:
    start, end = period
    entered = int(_between(first_date(projects), start, end).sum())
    signed = int(_between(projects["signed_on"], start, end).sum())
    target_projects = None if target is None else target.projects
    target_signed = None if target is None else target.signed
    return {
        "group_name": name,
        "project_count": entered,
        "target_projects": target_projects,
        "projects_completion": _rate(entered, target_projects),
        "target_signed": target_signed,
        "signed_completion": _rate(signed, target_signed),
    }


def _furthest_stage(ledger: pd.DataFrame, as_of: dt.date) -> pd.Series:
    """Index into :data:`STAGES` of the furthest stage reached by ``as_of``.

    A row with no dates at all is a lead (盯引, 0); a row whose dates all lie after
    ``as_of`` has not entered the pipeline yet (-1). Without a stage date, 意向 (intent,
    after 盯引) by ``as_of`` is 盯引 (0), and 信息 alone (information, before 盯引) is not in
    the pipeline yet (-1).
    """
    cutoff = pd.Timestamp(as_of)
    furthest = pd.Series(-1, index=ledger.index)
    any_date = pd.Series(False, index=ledger.index)
    for i, (col, _) in enumerate(STAGES):
        dates = _dates(ledger, col)
        any_date |= dates.notna()
        furthest = furthest.where(~(dates <= cutoff), i)
    info, intent = _dates(ledger, "info_on"), _dates(ledger, "intent_on")
    before = info.notna() | intent.notna()  # dated only before 盯引 or between it and 签约
    early = (intent <= cutoff).map({True: 0, False: -1}).astype(int)
    return furthest.where(any_date, early.where(before, 0))


def _dates(ledger: pd.DataFrame, col: str) -> pd.Series:
    """The ledger's date column ``col``, all NaT when the ledger has none."""
    return ledger[col] if col in ledger.columns else pd.Series(pd.NaT, index=ledger.index)


_STAGE_EN = ("tracked", "signed", "landed", "started", "in_stats", "operating")


def funnel(ledger: pd.DataFrame, *, as_of: dt.date, by: str | None = "chain") -> list[dict]:
    """Projects by furthest stage reached as of ``as_of``, and conversion between stages.

    For each group and stage 盯引 → 签约 → 落地 → 开工 → 入统 → 投产: ``count`` at
    that furthest stage and not dropped (放弃) by ``as_of``, ``reached`` (at that stage
    or beyond, dropped or not) and ``conversion`` = reached / reached at the previous
    stage (``None`` for 盯引 or a zero denominator).

    Examples
    --------
    >>> ledger = pd.DataFrame({"chain": ["c", "c", "c"],
    ...     "tracked_on": pd.to_datetime(["2024-01-01"] * 3),
    ...     "signed_on": pd.to_datetime(["2024-02-01", "2024-02-01", None]),
    ...     "landed_on": pd.to_datetime(["2024-03-01", None, None])})
    >>> [(r["stage"], r["count"], r["reached"], r["conversion"])
    ...  for r in funnel(ledger, as_of=dt.date(2024, 6, 30))][:3]
    [('盯引', 1, 3, None), ('签约', 1, 2, 0.6666666666666666), ('落地', 1, 1, 0.5)]
    """
    furthest = _furthest_stage(ledger, as_of)
    dropped = _dates(ledger, "dropped_on") <= pd.Timestamp(as_of)  # reached, but not there now
    records = []
    for group, mask in _groups(ledger, by):
        stages, gone = furthest[mask], dropped[mask]
        previous = None
        for i, (_, name) in enumerate(STAGES):
            reached = int((stages >= i).sum())
            records.append(
                {
                    "group": group,
                    "stage": name,
                    "stage_en": _STAGE_EN[i],
                    "count": int(((stages == i) & ~gone).sum()),
                    "reached": reached,
                    "conversion": None if previous is None else _rate(reached, previous),
                }
            )
            previous = reached
    return records


def overdue(ledger: pd.DataFrame, targets: KpiTargets, *, as_of: dt.date) -> list[dict]:
    """Projects stuck past the targets' thresholds as of ``as_of``.

    ``signed_not_landed``: signed on or before ``as_of``, not landed by then, not
    dropped (放弃) by then, and more than ``signed_not_landed_days`` days since signing;
    ``landed_not_started`` likewise from landing. Sorted by list, longest wait first, then project id.
    """
    cutoff = pd.Timestamp(as_of)
    records = []
    for name, since_col, next_col, limit in (
        ("signed_not_landed", "signed_on", "landed_on", targets.signed_not_landed_days),
        ("landed_not_started", "landed_on", "started_on", targets.landed_not_started_days),
    ):
        since = ledger[since_col]
        dropped = _dates(ledger, "dropped_on") <= cutoff  # 放弃: no longer waiting
        waiting = (since <= cutoff) & ~(ledger[next_col] <= cutoff) & ~dropped
        days = (cutoff - since).dt.days
        for i in ledger.index[waiting & (days > limit)]:
            row = ledger.loc[i]
            text = {c: row.get(c) for c in ("project", "enterprise", "chain", "platform")}
            records.append(
                {
                    "list": name,
                    "project_id": row["project_id"],
                    **{c: None if pd.isna(v) else v for c, v in text.items()},
                    "since": since[i].date().isoformat(),
                    "days": int(days[i]),
                    "limit": limit,
                }
            )
    order = {"signed_not_landed": 0, "landed_not_started": 1}
    return sorted(records, key=lambda r: (order[r["list"]], -r["days"], str(r["project_id"])))


def kpi_report(
    ledger: pd.DataFrame,
    investment: pd.DataFrame | None,
    targets: KpiTargets,
    *,
    period: str | Period,
    cohort: str | tuple[int, int] | None = None,
    by: str | None = None,
    as_of: dt.date | str | None = None,
) -> dict[str, list[dict]]:
    """KPIs, funnel and overdue lists in one call: ``{"kpi", "funnel", "overdue"}``.

    ``as_of`` (a date or ``YYYY-MM-DD``) defaults to the period end: the funnel and overdue
    lists are as of that day, and no KPI counts a stage date after it. The funnel is broken
    down by ``by``, or by chain.
    """
    span = _as_period(period)
    try:
        when = span[1] if as_of is None else parse_date(as_of)
    except (ValueError, OverflowError):
        when = None
    if when is None:
        raise InputError(f"无法识别日期 / cannot read --as-of {as_of!r}", hint="use YYYY-MM-DD")
    outside = date_outside(when, "--as-of")
    if outside:
        raise InputError(outside, hint="check the year")
    # A stage date after as_of is a plan, not an event: the KPIs do not count it (a
    # snapshot of 06-21 may hold a landing written for 06-30). Every stage, 信息 and 意向
    # included (a project's first date makes it 新增), and the physical investment of the
    # months that have ended by then (a month's figure is known at its end).
    ledger, _ = owners_as_ids(ledger, targets)
    cutoff = pd.Timestamp(when)
    known = ledger.assign(
        **{c: ledger[c].where(ledger[c] <= cutoff) for c, _ in ALL_STAGES if c in ledger.columns}
    )
    if investment is not None:
        investment = investment[investment["month"] <= _last_month_ended(when)]
    return {
        "kpi": kpi_table(known, investment, targets, period=span, cohort=cohort, by=by),
        "funnel": funnel(ledger, as_of=when, by=by or "chain"),
        "overdue": overdue(ledger, targets, as_of=when),
    }


def _last_month_ended(day: dt.date) -> str:
    """``YYYY-MM`` of the last month that has ended by ``day`` (its own when it is the
    month's last day).

    >>> _last_month_ended(dt.date(2024, 3, 31)), _last_month_ended(dt.date(2024, 3, 30))
    ('2024-03', '2024-02')
    >>> _last_month_ended(dt.date(2024, 1, 15))
    '2023-12'
    """
    if (day + dt.timedelta(days=1)).month != day.month:
        return f"{day.year:04d}-{day.month:02d}"
    before = day.replace(day=1) - dt.timedelta(days=1)
    return f"{before.year:04d}-{before.month:02d}"


def owners_as_ids(ledger: pd.DataFrame, targets: KpiTargets) -> tuple[pd.DataFrame, int]:
    """The ledger with each 责任单位 written by a ``[[unit]]``'s name read as that unit's id,
    and how many rows were (平台甲 for platform_a made a group of its own).

    >>> from chainmap.model.kpi_targets import KpiTargets, KpiUnit
    >>> goals = KpiTargets(classes=(), units=(KpiUnit("platform_a", "平台甲", "platform"),))
    >>> frame, n = owners_as_ids(pd.DataFrame({"owner": ["平台甲", "platform_a", "未知"]}), goals)
    >>> frame["owner"].tolist(), n
    (['platform_a', 'platform_a', '未知'], 1)
    """
    by_name = {u.name: u.id for u in targets.units}
    if not by_name or "owner" not in ledger.columns:
        return ledger, 0
    hits = [isinstance(v, str) and v.strip() in by_name for v in ledger["owner"]]
    if not any(hits):
        return ledger, 0
    owners = [
        by_name[v.strip()] if hit else v for v, hit in zip(ledger["owner"], hits, strict=True)
    ]
    return ledger.assign(
        owner=pd.Series(owners, index=ledger.index, dtype=ledger["owner"].dtype)
    ), sum(hits)


def classify_projects(ledger: pd.DataFrame) -> pd.DataFrame:
    """Fill empty ``segment`` cells by classifying the project and enterprise names.

    Only rows whose ``chain`` names a bundled chain (or several, comma-joined) are
    classified, with that chain's keywords; their ``segments_source`` becomes
    ``classified`` and ``segment`` the ``;``-joined ids found (left empty when none).
    Rows with a given segment are untouched.
    """
    from chainmap.analysis.classify import Classifier
    from chainmap.errors import ChainmapError
    from chainmap.model.chain import load_chain

    out = ledger.copy()
    if "segment" not in out.columns:
        out["segment"] = None
    if "segments_source" not in out.columns:
        out["segments_source"] = None
    out["segment"] = out["segment"].astype(object)
    out["segments_source"] = out["segments_source"].astype(object)
    empty = out["segment"].isna() | (out["segment"].astype(str).str.strip() == "")
    classifiers: dict[str, Classifier | None] = {}
    for idx in out.index[empty]:
        chain_id = out.at[idx, "chain"]
        if not isinstance(chain_id, str) or not chain_id.strip():
            continue
        if chain_id not in classifiers:
            try:
                classifiers[chain_id] = Classifier(load_chain(chain_id))
            except ChainmapError:  # a chain name chainmap does not know: leave it
                classifiers[chain_id] = None
        clf = classifiers[chain_id]
        if clf is None:
            continue
        text = " ".join(
            str(out.at[idx, c])
            for c in ("project", "enterprise")
            if isinstance(out.at[idx, c], str)
        )
        segments, _ = clf.classify_one(text)
        out.at[idx, "segment"] = ";".join(segments) or None
        out.at[idx, "segments_source"] = "classified"
    return out


def active_projects(ledger: pd.DataFrame, chain_ids: Sequence[str]) -> dict[str, list[str]]:
    """Segment id → names of the ledger's projects still in the pipeline (not yet 投产).

    Only projects whose ``chain`` is one of ``chain_ids`` count; a ``segment`` cell
    may hold several ``;``-separated ids. Names are sorted, for deterministic maps.
    """
    out: dict[str, set[str]] = {}
    wanted = set(chain_ids)
    for row in ledger.itertuples(index=False):
        if getattr(row, "chain", None) not in wanted or not pd.isna(
            getattr(row, "operating_on", None)
        ):
            continue
        segment = getattr(row, "segment", None)
        if not isinstance(segment, str):
            continue
        name = getattr(row, "project", None) or getattr(row, "project_id", "")
        for sid in (s.strip() for s in segment.split(";")):
            if sid:
                out.setdefault(sid, set()).add(str(name))
    return {sid: sorted(names) for sid, names in sorted(out.items())}
