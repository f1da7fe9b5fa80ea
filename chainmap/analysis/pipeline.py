"""The targeting list knows the pipeline: firms already in the office's ledger are flagged.

A target firm matches a ledger project by USCC, else by exact enterprise name, else
by the project id that ``plan --leads`` gives it (``{chain}-{enterprise_id}``). Its
label comes from the project's latest state in the ledger (every date in it, since
the ledger is the office's own record):

- 已放弃 (dropped): ``dropped_on`` is set; the reason (``drop_reason``) goes with it;
- 已落地 (landed): landed, started, in statistics or operating;
- 已签约 (signed);
- 在跟进 (being followed): information, tracked or intent.

Nothing is removed silently: a flagged firm stays in the list with its label, unless
the profile's ``[targets] exclude_pipeline`` names the label, and then the notes
name every firm left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import datetime as dt
from typing import Any

import pandas as pd

from chainmap.errors import InputError

__all__ = ["PIPELINE_LABELS", "exclude_from_profile", "mark_pipeline", "pipeline_status"]

PIPELINE_LABELS = ("在跟进", "已签约", "已落地", "已放弃")
_LANDED = {"落地", "开工", "入统", "投产"}


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def pipeline_status(ledger: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Keys (``uscc:…``, ``name:…``, ``id:…``) → ``{label, project_id, reason}`` per project.

    Examples
    --------
    >>> ledger = pd.DataFrame({"project_id": ["P1"], "enterprise": ["示例企业甲"],
    ...     "signed_on": [pd.Timestamp("2024-03-01")], "landed_on": [pd.NaT]})
    >>> pipeline_status(ledger)["name:示例企业甲"]["label"]
    '已签约'
    """
    from chainmap.analysis.bulletin import DROPPED, stage_on

    out: dict[str, dict[str, Any]] = {}
    for rec in ledger.sort_values("project_id").to_dict("records"):
        stage, _ = stage_on(rec, dt.date.max)
        if stage == DROPPED:
            label = "已放弃"
        elif stage in _LANDED:
            label = "已落地"
        elif stage == "签约":
            label = "已签约"
        else:
            label = "在跟进"
        info = {
            "label": label,
            "project_id": str(rec["project_id"]),
            "reason": _text(rec.get("drop_reason")) if label == "已放弃" else None,
        }
        for key in (
            f"uscc:{(_text(rec.get('uscc')) or '').upper()}" if _text(rec.get("uscc")) else None,
            f"name:{_text(rec.get('enterprise'))}" if _text(rec.get("enterprise")) else None,
            f"id:{rec['project_id']}",
        ):
            if key is not None:
                out.setdefault(key, info)  # the first project (by id) wins
    return out


def _match(rec: Mapping[str, Any], status: Mapping[str, dict], chain: str | None) -> dict | None:
    uscc = _text(rec.get("uscc"))
    name = _text(rec.get("name"))
    eid = _text(rec.get("enterprise_id"))
    for key in (
        f"uscc:{uscc.upper()}" if uscc else None,
        f"name:{name}" if name else None,
        f"id:{chain}-{eid}" if chain and eid else None,
    ):
        if key is not None and key in status:
            return status[key]
    return None


def exclude_from_profile(profile: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The labels the profile's ``[targets] exclude_pipeline`` drops (checked)."""
    labels = ((profile or {}).get("targets") or {}).get("exclude_pipeline", [])
    if not isinstance(labels, list) or any(x not in PIPELINE_LABELS for x in labels):
        raise InputError(
            f"targets.exclude_pipeline 应为 {PIPELINE_LABELS} 中的标签 / must list labels "
            f"from {', '.join(PIPELINE_LABELS)}, got {labels!r}"
        )
    return tuple(labels)


def mark_pipeline(
    records: Sequence[Mapping[str, Any]] | pd.DataFrame,
    ledger: pd.DataFrame,
    *,
    chain: str | None = None,
    exclude: Sequence[str] = (),
) -> tuple[list[dict[str, Any]] | pd.DataFrame, list[str]]:
    """Flag ranked firms (records or a ranking frame) that are already in the ledger.

    Each record gains ``pipeline`` (a label of :data:`PIPELINE_LABELS` or ``None``) and
    ``pipeline_project``; a list-valued ``flags`` gets the label too (``已放弃:reason``).
    Records whose label is in ``exclude`` are left out, and named in the notes.
    Returns ``(records of the same kind, notes)``.

    Examples
    --------
    >>> ledger = pd.DataFrame({"project_id": ["P1", "P2"], "enterprise": ["甲", "乙"],
    ...     "signed_on": [pd.NaT, pd.NaT], "dropped_on": [pd.NaT, pd.Timestamp("2024-05-30")],
    ...     "drop_reason": [None, "转投他地"], "tracked_on": [pd.Timestamp("2024-01-01"), pd.NaT]})
    >>> ranked = [{"name": "甲", "flags": []}, {"name": "乙", "flags": []}, {"name": "丙", "flags": []}]
    >>> marked, notes = mark_pipeline(ranked, ledger)
    >>> [(r["pipeline"], r["flags"]) for r in marked]
    [('在跟进', ['在跟进']), ('已放弃', ['已放弃:转投他地']), (None, [])]
    >>> len(mark_pipeline(ranked, ledger, exclude=["在跟进"])[0])
    2
    """
    frame = isinstance(records, pd.DataFrame)
    rows = records.to_dict("records") if frame else [dict(r) for r in records]
    status = pipeline_status(ledger)
    kept, left_out = [], []
    for rec in rows:
        found = _match(rec, status, chain)
        label = found["label"] if found else None
        rec["pipeline"] = label
        rec["pipeline_project"] = found["project_id"] if found else None
        if label is not None and isinstance(rec.get("flags"), list):
            reason = found["reason"]
            rec["flags"] = [*rec["flags"], f"{label}:{reason}" if reason else label]
        if label is not None and label in exclude:
            left_out.append(f"{rec.get('name')} ({label})")
            continue
        kept.append(rec)
    counts = {lab: sum(r["pipeline"] == lab for r in rows) for lab in PIPELINE_LABELS}
    notes = []
    if any(counts.values()):
        notes.append(
            "台账中已有 / already in the ledger: "
            + ", ".join(f"{lab} {n}" for lab, n in counts.items() if n)
        )
    if left_out:
        notes.append(
            "按 profile [targets] exclude_pipeline 移出 / left out by the profile: "
            + "; ".join(left_out)
        )
    if frame:
        added = ("pipeline", "pipeline_project")
        columns = [*(c for c in records.columns if c not in added), *added]
        out = pd.DataFrame(kept, columns=columns)
        out.attrs = dict(records.attrs)
        return out, notes
    return kept, notes
