"""The weekly rhythm: the bulletin (通报), a project's history, the review (盘点) and
assignment slips (交办单).

Pure functions over ledgers (the ``projects`` table of
:func:`chainmap.model.ledger.read_ledger`, or a stored snapshot's). Every date is
given: "overdue" and "days in stage" count to ``as_of`` / ``--to``, never the clock.

A project's *stage* on a date is the furthest stage dated on or before it
(信息 → 盯引 → 意向 → 签约 → 落地 → 开工 → 入统 → 投产); a project with no stage date at
all is at 信息 (it is in the ledger); one with ``dropped_on`` on or before the date is
已放弃.
"""

from __future__ import annotations

from collections.abc import Sequence
import datetime as dt

import pandas as pd

from chainmap.model.ledger import ALL_STAGES

__all__ = [
    "DROPPED",
    "TRACKED_FIELDS",
    "assignments",
    "bulletin",
    "project_history",
    "review",
    "stage_on",
]

DROPPED = "已放弃"
#: Fields whose change the bulletin and the history report, besides the stage.
TRACKED_FIELDS = (
    "owner",
    "contact",
    "channel",
    "investment",
    "fund",
    "fund_amount",
    "problem",
    "next_action",
    "due",
)
_FINAL = ALL_STAGES[-1][1]  # 投产


def _value(value: object) -> object:
    """A cell as plain Python: ``None`` for empty, ISO text for dates."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, str) and not value.strip():
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


def stage_on(row: pd.Series | dict, when: dt.date) -> tuple[str, str | None]:
    """``(stage, since)``: the stage of a ledger row on ``when`` and the date it was reached.

    Examples
    --------
    >>> row = {"tracked_on": pd.Timestamp("2024-01-05"), "signed_on": pd.Timestamp("2024-03-01")}
    >>> stage_on(row, dt.date(2024, 2, 1)), stage_on(row, dt.date(2024, 3, 1))
    (('盯引', '2024-01-05'), ('签约', '2024-03-01'))
    >>> stage_on({}, dt.date(2024, 1, 1))
    ('信息', None)
    """
    cutoff = pd.Timestamp(when)
    dropped = _value(row.get("dropped_on"))
    if dropped is not None and pd.Timestamp(dropped) <= cutoff:
        return DROPPED, dropped
    stage, since = ALL_STAGES[0][1], None
    for col, name in ALL_STAGES:
        d = row.get(col)
        if d is not None and not pd.isna(d) and pd.Timestamp(d) <= cutoff:
            stage, since = name, _value(d)
    return stage, since


def _by_id(projects: pd.DataFrame) -> dict[str, dict]:
    return {str(r["project_id"]): r for r in projects.to_dict("records")}


def _label(rec: dict) -> dict:
    return {
        "project_id": str(rec["project_id"]),
        "project": _value(rec.get("project")),
        "owner": _value(rec.get("owner")),
    }


def _open(rec: dict, when: dt.date) -> bool:
    return stage_on(rec, when)[0] not in (DROPPED, _FINAL)


def bulletin(
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    start: dt.date,
    end: dt.date,
    units: Sequence[str] = (),
) -> dict[str, list[dict]]:
    """What moved between two ledgers: the 通报 from ``start`` to ``end``.

    ``before`` is the ledger as of ``start`` (empty when there was none), ``after`` as of
    ``end``. Returns lists, each sorted by project id (units by id):

    - ``new_leads``: projects in ``after`` only;
    - ``removed``: projects in ``before`` only (gone from the ledger, worth asking why);
    - ``stage_moves``: ``{from_stage, to_stage, since}`` where the stage changed;
    - ``changes``: ``{field, old, new}`` for :data:`TRACKED_FIELDS`;
    - ``problems``: problems raised or restated differently;
    - ``overdue``: open projects whose ``due`` date is before ``end`` (``days`` late);
    - ``idle_units``: units (``units`` and every owner seen) with no lead, move or change.
    """
    old, new = _by_id(before), _by_id(after)
    out: dict[str, list[dict]] = {
        k: [] for k in ("new_leads", "removed", "stage_moves", "changes", "problems", "overdue")
    }
    moved: set[str] = set()
    for pid in sorted(new):
        rec = new[pid]
        stage, since = stage_on(rec, end)
        if pid not in old:
            out["new_leads"].append(
                {**_label(rec), "channel": _value(rec.get("channel")), "stage": stage}
            )
            moved.add(_label(rec)["owner"])
            if _value(rec.get("problem")):
                out["problems"].append({**_label(rec), "problem": _value(rec.get("problem"))})
            continue
        prev = old[pid]
        was, _ = stage_on(prev, start)
        if was != stage:
            out["stage_moves"].append(
                {**_label(rec), "from_stage": was, "to_stage": stage, "since": since}
            )
            moved.add(_label(rec)["owner"])
        for field in TRACKED_FIELDS:
            a, b = _value(prev.get(field)), _value(rec.get(field))
            if a != b:
                out["changes"].append({**_label(rec), "field": field, "old": a, "new": b})
                moved |= {_label(rec)["owner"], _value(prev.get("owner"))}
                if field == "problem" and b is not None:
                    out["problems"].append({**_label(rec), "problem": b})
    for pid in sorted(set(old) - set(new)):
        out["removed"].append(_label(old[pid]))
        moved.add(_label(old[pid])["owner"])
    for pid in sorted(new):
        rec = new[pid]
        due = _value(rec.get("due"))
        if due is not None and _open(rec, end) and dt.date.fromisoformat(due) < end:
            out["overdue"].append(
                {
                    **_label(rec),
                    "next_action": _value(rec.get("next_action")),
                    "due": due,
                    "days": (end - dt.date.fromisoformat(due)).days,
                }
            )
    owners = {_label(r)["owner"] for r in [*old.values(), *new.values()]} | set(units)
    out["idle_units"] = [{"unit": u} for u in sorted(o for o in owners - moved if o is not None)]
    return out


def project_history(snapshots: Sequence[tuple[str, pd.DataFrame]], project_id: str) -> list[dict]:
    """One project's timeline over dated snapshots ``[(date, projects), …]``, oldest first.

    One record per snapshot that holds the project: ``{as_of, stage, since, changes}``,
    ``changes`` listing ``{field, old, new}`` against the previous snapshot that held it.
    """
    out, prev = [], None
    for day, projects in snapshots:
        rec = _by_id(projects).get(project_id)
        if rec is None:
            continue
        stage, since = stage_on(rec, dt.date.fromisoformat(day))
        changes = []
        if prev is not None:
            for field in TRACKED_FIELDS:
                a, b = _value(prev.get(field)), _value(rec.get(field))
                if a != b:
                    changes.append({"field": field, "old": a, "new": b})
        out.append({"as_of": day, "stage": stage, "since": since, "changes": changes})
        prev = rec
    return out


def review(
    projects: pd.DataFrame,
    *,
    as_of: dt.date,
    open_items: dict[str, list[str]] | None = None,
) -> list[dict]:
    """The 盘点 list: every project with its stage, days in stage, problem, next step, owner.

    ``open_items`` maps a project id to its open or failed due-diligence items.
    Sorted by stage (furthest first), then days in stage (longest first), then id.
    """
    order = {name: i for i, (_, name) in enumerate(ALL_STAGES)} | {DROPPED: -1}
    rows = []
    for pid, rec in sorted(_by_id(projects).items()):
        stage, since = stage_on(rec, as_of)
        days = None if since is None else (as_of - dt.date.fromisoformat(since)).days
        rows.append(
            {
                **_label(rec),
                "stage": stage,
                "since": since,
                "days_in_stage": days,
                "problem": _value(rec.get("problem")),
                "next_action": _value(rec.get("next_action")),
                "due": _value(rec.get("due")),
                "open_items": "; ".join((open_items or {}).get(pid, [])) or None,
            }
        )
    return sorted(
        rows,
        key=lambda r: (-order[r["stage"]], -(r["days_in_stage"] or 0), r["project_id"]),
    )


def assignments(projects: pd.DataFrame, *, owner: str, as_of: dt.date) -> list[dict]:
    """The 交办单 of one unit: its open projects with next actions and due dates.

    Open means neither 投产 nor 已放弃 on ``as_of``. Sorted by due date (none last), then id.
    """
    rows = []
    for rec in _by_id(projects).values():
        if _value(rec.get("owner")) != owner or not _open(rec, as_of):
            continue
        due = _value(rec.get("due"))
        late = due is not None and dt.date.fromisoformat(due) < as_of
        rows.append(
            {
                **_label(rec),
                "enterprise": _value(rec.get("enterprise")),
                "stage": stage_on(rec, as_of)[0],
                "contact": _value(rec.get("contact")),
                "next_action": _value(rec.get("next_action")),
                "due": due,
                "overdue": "超期" if late else None,
                "problem": _value(rec.get("problem")),
            }
        )
    return sorted(rows, key=lambda r: (r["due"] is None, r["due"] or "", r["project_id"]))
