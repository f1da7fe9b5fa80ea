"""The office's own measures: the channel funnel, funds, and physical investment against plan.

Pure functions over the ledger (:func:`chainmap.model.ledger.read_ledger`) and the side
tables (:mod:`chainmap.model.office_tables`).

The funnel follows a cohort: the projects that *entered* in the period (their earliest
stage date falls in it), and the visits made in it. Each project counts at every stage
up to the furthest it reached by ``as_of``, so a project first recorded at 签约 has also
passed 信息, 盯引 and 意向. A project with no date at all has no entry date and is left
out (it cannot be placed in a period). ``conversion`` is the share of the previous
stage's count that reached this one; ``None`` where the previous count is zero.
"""

from __future__ import annotations

from collections.abc import Sequence
import datetime as dt

import pandas as pd

from chainmap.analysis.kpi import Period, first_date, parse_period
from chainmap.model.ledger import ALL_STAGES
from chainmap.model.values import split_list

__all__ = [
    "FUNNEL_STAGES",
    "channel_funnel",
    "fund_report",
    "office_bulletin",
    "office_measures",
    "open_diligence",
    "plan_comparison",
    "signed_with_open_checks",
]

#: The early funnel, 走访 → 信息 → 盯引 → 意向 → 签约 → 落地 → 开工 → 入统.
FUNNEL_STAGES = (
    ("visits", "走访"),
    ("info", "信息"),
    ("tracked", "盯引"),
    ("intent", "意向"),
    ("signed", "签约"),
    ("landed", "落地"),
    ("started", "开工"),
    ("in_stats", "入统"),
)
_FUNNEL_BY = {"channel": ("channel", "channel"), "owner": ("owner", "unit")}


def _share(numerator: float, denominator: float) -> float | None:
    """``numerator / denominator``, ``None`` for a zero denominator (no rate, not 0%)."""
    return None if not denominator else numerator / denominator


def _furthest(ledger: pd.DataFrame, as_of: dt.date) -> pd.Series:
    """Index into ALL_STAGES of the furthest stage dated on or before ``as_of`` (-1: none)."""
    cutoff = pd.Timestamp(as_of)
    furthest = pd.Series(-1, index=ledger.index)
    for i, (col, _) in enumerate(ALL_STAGES):
        if col in ledger.columns:
            furthest = furthest.where(~(ledger[col] <= cutoff), i)
    return furthest


def _group_values(column: pd.Series | None, n: int) -> list[list[str]]:
    if column is None:
        return [[] for _ in range(n)]
    return [split_list(v) for v in column]


def channel_funnel(
    ledger: pd.DataFrame,
    visits: pd.DataFrame,
    *,
    period: str | Period,
    as_of: dt.date | None = None,
    by: str | None = "channel",
) -> list[dict]:
    """The funnel 走访 → … → 入统 per channel (``by="channel"``), per unit (``"owner"``) or overall.

    Records ``{group, stage, stage_zh, count, conversion}``, eight per group, groups
    sorted with the empty group ``None`` last.

    Examples
    --------
    >>> ledger = pd.DataFrame({"channel": ["乡贤", "乡贤"],
    ...     "info_on": pd.to_datetime(["2024-02-01", "2024-02-03"]),
    ...     "signed_on": pd.to_datetime(["2024-03-01", None])})
    >>> visits = pd.DataFrame({"date": ["2024-02-01"] * 4, "channel": ["乡贤"] * 4})
    >>> [(r["stage_zh"], r["count"], r["conversion"])
    ...  for r in channel_funnel(ledger, visits, period="2024H1")][:5]
    [('走访', 4, None), ('信息', 2, 0.5), ('盯引', 1, 0.5), ('意向', 1, 1.0), ('签约', 1, 1.0)]
    """
    start, end = parse_period(period) if isinstance(period, str) else period
    cutoff = min(end, as_of) if as_of else end
    entered = first_date(ledger)
    cohort = ledger[(entered >= pd.Timestamp(start)) & (entered <= pd.Timestamp(cutoff))]
    furthest = _furthest(cohort, as_of or end)
    dates = pd.to_datetime(visits["date"]) if len(visits) else pd.Series(dtype="datetime64[ns]")
    made = visits[(dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(cutoff))]
    project_col, visit_col = _FUNNEL_BY.get(by, (None, None)) if by else (None, None)
    if by is not None and by not in _FUNNEL_BY:
        from chainmap.errors import InputError

        raise InputError(f"漏斗无法按 {by!r} 分组 / funnel by channel or owner, not {by!r}")
    p_groups = _group_values(cohort.get(project_col) if by else None, len(cohort))
    v_groups = _group_values(made.get(visit_col) if by else None, len(made))
    names: list[str | None] = sorted({g for gs in p_groups + v_groups for g in gs})
    if by is None:
        names = [None]
    elif any(not gs for gs in p_groups + v_groups):
        names.append(None)
    records = []
    for group in names:

        def member(gs: list[str], group=group) -> bool:
            return by is None or (group in gs if group is not None else not gs)

        stages = furthest[[member(gs) for gs in p_groups]]
        counts = [sum(member(gs) for gs in v_groups)]
        # ALL_STAGES: 信息 0, 盯引 1, 意向 2, 签约 3, 落地 4, 开工 5, 入统 6, 投产 7
        counts += [int((stages >= k).sum()) for k in range(7)]
        for i, (stage, zh) in enumerate(FUNNEL_STAGES):
            records.append(
                {
                    "group": group,
                    "stage": stage,
                    "stage_zh": zh,
                    "count": counts[i],
                    "conversion": None if i == 0 else _share(counts[i], counts[i - 1]),
                }
            )
    return records


def fund_report(ledger: pd.DataFrame, funds: pd.DataFrame, *, as_of: dt.date) -> list[dict]:
    """Per fund: its terms and the projects it brought, their fund money and landed investment.

    Funds named in the ledger but not in the funds table are listed too (terms empty).
    ``landed_investment`` sums the total investment of the fund's projects landed by ``as_of``.
    """
    terms = {r["fund"]: r for r in funds.to_dict("records")}
    used = ledger[ledger["fund"].map(lambda v: isinstance(v, str) and bool(v.strip()))]
    names = sorted(set(terms) | {v.strip() for v in used["fund"]})
    landed = used["landed_on"] <= pd.Timestamp(as_of)
    out = []
    for name in names:
        mine = used["fund"].str.strip() == name
        row = terms.get(name, {})
        out.append(
            {
                "fund": name,
                "gp": row.get("gp"),
                "size": row.get("size"),
                "reinvestment": row.get("reinvestment"),
                "in_funds_table": name in terms,
                "projects": int(mine.sum()),
                "fund_amount": float(used.loc[mine, "fund_amount"].sum()),
                "investment": float(used.loc[mine, "investment"].sum()),
                "landed_count": int((mine & landed).sum()),
                "landed_investment": float(used.loc[mine & landed, "investment"].sum()),
            }
        )
    return out


def plan_comparison(
    ledger: pd.DataFrame,
    investment: pd.DataFrame | None,
    plan: pd.DataFrame,
    *,
    as_of: dt.date,
    behind_share: float,
) -> list[dict]:
    """Each planned project's cumulative physical investment against its plan, from the
    plan's first month to ``as_of``'s month.

    ``share_behind = (planned - actual) / planned``; ``behind`` when it exceeds
    ``behind_share``. Projects more behind come first, then by project id.

    Examples
    --------
    >>> ledger = pd.DataFrame({"project_id": ["P"], "project": ["甲"], "owner": ["u1"]})
    >>> plan = pd.DataFrame({"project_id": ["P", "P"], "month": ["2024-01", "2024-02"],
    ...                      "planned": [1.0, 1.0]})
    >>> inv = pd.DataFrame({"project_id": ["P"], "month": ["2024-01"], "amount": [1.5]})
    >>> r = plan_comparison(ledger, inv, plan, as_of=dt.date(2024, 2, 29), behind_share=0.2)[0]
    >>> r["planned"], r["actual"], r["share_behind"], r["behind"]
    (2.0, 1.5, 0.25, True)
    >>> early = pd.concat([inv, pd.DataFrame({"project_id": ["P"], "month": ["2023-12"],
    ...                                      "amount": [0.5]})])
    >>> plan_comparison(ledger, early, plan, as_of=dt.date(2024, 2, 29), behind_share=0.2)[0][
    ...     "actual"]
    1.5
    """
    month = f"{as_of.year:04d}-{as_of.month:02d}"
    due = plan[plan["month"] <= month]
    planned = due.groupby("project_id")["planned"].sum()
    actual = pd.Series(dtype="float64")
    if investment is not None and len(investment):
        # the months the plan covers: an investment before its first month is not "ahead"
        # of it (December's 0.5 made a project on plan read 10% ahead)
        begins = plan.groupby("project_id")["month"].min()
        done = investment[investment["month"] <= month]
        done = done[done["month"] >= done["project_id"].map(begins).fillna("9999-99")]
        actual = done.groupby("project_id")["amount"].sum()
    info = ledger.set_index("project_id")
    out = []
    for pid in sorted(planned.index):
        # (sums of decimal amounts: 4.8 read back as 4.800000000000001, a gap of -8.9e-16)
        p, a = round(float(planned[pid]), 10), round(float(actual.get(pid, 0.0)), 10)
        share = _share(p - a, p)
        known = pid in info.index

        def get(col: str, pid=pid, known=known):
            value = info.at[pid, col] if known and col in info.columns else None
            return None if value is None or (isinstance(value, float) and pd.isna(value)) else value

        out.append(
            {
                "project_id": pid,
                "project": get("project"),
                "owner": get("owner"),
                "planned": p,
                "actual": a,
                "gap": p - a,
                "share_behind": share,
                "behind": share is not None and share > behind_share,
            }
        )
    return sorted(out, key=lambda r: (not r["behind"], -(r["share_behind"] or 0), r["project_id"]))


def office_measures(
    projects: pd.DataFrame,
    investment: pd.DataFrame | None,
    tables: dict[str, pd.DataFrame],
    *,
    period: str | Period,
    as_of: dt.date,
    behind_share: float,
    by: str | None = "channel",
) -> dict[str, list[dict]]:
    """The channel funnel, the funds and the projects behind plan, in one call.

    Keys are those of :data:`chainmap.outputs.kpi_report.OFFICE_SHEETS`; a measure whose
    input is absent (no visits and no channel, no fund, no plan) is left out.
    """
    out: dict[str, list[dict]] = {}
    has_channel = "channel" in projects and projects["channel"].notna().any()
    if len(tables["visits"]) or has_channel:
        out["channel_funnel"] = channel_funnel(
            projects, tables["visits"], period=period, as_of=as_of, by=by
        )
    if len(tables["funds"]) or projects["fund"].notna().any():
        out["funds"] = fund_report(projects, tables["funds"], as_of=as_of)
    if len(tables["plan"]):
        out["behind_plan"] = plan_comparison(
            projects, investment, tables["plan"], as_of=as_of, behind_share=behind_share
        )
    return out


def _latest_results(diligence: pd.DataFrame) -> dict[tuple[str, str], dict]:
    """The latest result per (project, item): by date, then by row (later rows win)."""
    out: dict[tuple[str, str], dict] = {}
    rows = diligence.to_dict("records")
    rows.sort(key=lambda r: (r.get("date") or "", r.get("row") or 0))
    for r in rows:
        out[(str(r["project_id"]), str(r["item"]))] = r
    return out


def open_diligence(diligence: pd.DataFrame) -> dict[str, list[str]]:
    """Project id → its items whose latest result is 未通过 or 待查 (``item 结果``)."""
    out: dict[str, list[str]] = {}
    for (pid, item), r in sorted(_latest_results(diligence).items()):
        if r["result"] in ("未通过", "待查"):
            out.setdefault(pid, []).append(f"{item} {r['result']}")
    return out


def signed_with_open_checks(
    projects: pd.DataFrame,
    diligence: pd.DataFrame,
    *,
    as_of: dt.date,
    checklist: Sequence | None = None,
) -> list[dict]:
    """Projects signed by ``as_of`` whose required checks are failed, open or not done.

    Only projects whose due diligence is kept (at least one 尽调 row) are checked:
    there, a required item of the checklist (the bundled one by default) with no
    result counts as 未查 (not done). An item is matched by its id or its name.
    Projects signed before the office kept due diligence are therefore not flagged.
    """
    if not len(diligence):
        return []
    kept = {str(p) for p in diligence["project_id"]}
    if checklist is None:
        from chainmap.model.diligence import read_checklist

        checklist = read_checklist()
    from chainmap.analysis.bulletin import stage_on

    latest = _latest_results(diligence)
    signed_at = {name for _, name in ALL_STAGES[3:]}  # 签约 and later
    out = []
    for rec in projects.sort_values("project_id").to_dict("records"):
        stage, _ = stage_on(rec, as_of)
        if stage not in signed_at:
            continue
        pid = str(rec["project_id"])
        if pid not in kept:
            continue
        for item in checklist:
            if not item.required:
                continue
            found = latest.get((pid, item.id)) or latest.get((pid, item.name))
            result = found["result"] if found else "未查"
            if result in ("通过", "不适用"):
                continue
            out.append(
                {
                    "project_id": pid,
                    "project": rec.get("project"),
                    "owner": rec.get("owner"),
                    "stage": stage,
                    "item": item.id,
                    "item_name": item.name,  # for readers: 登记状态 …, not registry_status
                    "result": result,
                }
            )
    return out


def office_bulletin(
    before: object | None,
    after: object,
    *,
    start: dt.date,
    end: dt.date,
    targets: object,
) -> dict[str, list[dict]]:
    """The bulletin between two :class:`~chainmap.model.office_tables.LedgerData`, with the
    transfers dated after ``start`` up to ``end``, the projects behind their
    physical-investment plan and signed projects with open checks.

    ``before`` None means no earlier snapshot: every project is a new lead. Every
    ``owner``/``unit`` field gains a ``…_name`` beside it: the unit's name from
    ``targets.units``, else the id.
    """
    from chainmap.analysis.bulletin import bulletin

    empty = after.projects.iloc[0:0]
    result = bulletin(
        empty if before is None else before.projects,
        after.projects,
        start=start,
        end=end,
        units=[u.id for u in targets.units],
    )
    moves = after.tables["transfers"]
    if len(moves):
        when = moves["date"].astype(str)
        inside = (when > start.isoformat()) & (when <= end.isoformat())
        result["transfers"] = moves[inside].sort_values(["date", "project_id"]).to_dict("records")
    if len(after.tables["plan"]):
        rows = plan_comparison(
            after.projects,
            after.investment,
            after.tables["plan"],
            as_of=end,
            behind_share=targets.behind_share,
        )
        result["behind_plan"] = [r for r in rows if r["behind"]]
    if len(after.tables["diligence"]):
        result["diligence"] = signed_with_open_checks(
            after.projects, after.tables["diligence"], as_of=end
        )
    names = {u.id: u.name for u in targets.units}
    for rows in result.values():  # unit names beside the ids, for readers
        for r in rows:
            for key in ("owner", "unit", "from_unit", "to_unit"):
                if key in r:
                    r[f"{key}_name"] = names.get(r[key], r[key])
            if r.get("field") == "owner":  # a unit changed hands: both by name
                for key in ("old", "new"):
                    r[f"{key}_name"] = names.get(r[key], r[key])
    return result
