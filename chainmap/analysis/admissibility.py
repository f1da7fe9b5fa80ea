"""Admissibility before attractiveness: policy gates on segments (CONTRACTS ``policy``).

A segment that national policy bars for new capacity (ODS/HFC rules, 产业结构调整指导
目录 淘汰/限制类, the chemical-park requirement when the home has no park) is never a
key field or a target's gap unless the profile asks for it; it keeps its status and
says why. The rows come from the sourced table ``graphs/policy.csv``
(:func:`chainmap.model.policy.load_policy`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from chainmap.model.policy import POLICY_CLASSES, segment_policy, strictest

__all__ = ["POLICY_CLASSES", "POLICY_LABELS", "Gate", "policy_gates"]

#: Chinese labels of the classes, for reasons and human-facing outputs.
POLICY_LABELS = {
    "eliminated": "淘汰类",
    "banned_new": "禁止新建/扩建",
    "relocation_only": "仅可搬迁(不新增产能)",
    "restricted": "限制类",
    "park_required": "须进入化工园区",
    "encouraged": "鼓励类",
}


@dataclass(frozen=True)
class Gate:
    """The policy facts of one segment.

    ``policy`` is the CONTRACTS object of the strictest row (or None); ``gated`` says
    whether the profile bars the segment; ``reason`` is the zh / en sentence that says
    why (empty when not gated); ``warning`` is set when it depends on an unknown home
    fact (a ``park_required`` segment while ``chemical_park = "unknown"``).
    """

    policy: dict[str, Any] | None
    gated: bool
    reason: str = ""
    warning: str = ""


def policy_gates(
    segment_ids: Iterable[str],
    policy: pd.DataFrame | None,
    profile: Mapping[str, Any],
) -> dict[str, Gate]:
    """The :class:`Gate` of every segment in ``segment_ids``.

    A segment is gated when any of its rows has a class in ``[policy] exclude``, or
    ``park_required`` while ``[home] chemical_park`` is false; ``[segments] include``
    lifts the gate (the policy object stays, and the reason says it was lifted).

    ``policy`` is a table from :func:`chainmap.model.policy.load_policy`.

    Examples
    --------
    >>> from chainmap.model.policy import load_policy
    >>> prof = {"policy": {"exclude": ["banned_new", "eliminated"]},
    ...         "home": {"chemical_park": False}, "segments": {"include": []}}
    >>> gates = policy_gates(["hcfc_refrigerants", "pvdf"], load_policy(), prof)
    >>> gates["hcfc_refrigerants"].gated, gates["hcfc_refrigerants"].policy["class"]
    (True, 'banned_new')
    >>> gates["pvdf"].policy is None
    True
    """
    exclude = set((profile.get("policy") or {}).get("exclude", ()))
    park = (profile.get("home") or {}).get("chemical_park", "unknown")
    include = set((profile.get("segments") or {}).get("include", ()))
    objects = segment_policy(policy) if policy is not None and len(policy) else {}
    rows_of: dict[str, list[dict[str, Any]]] = {}
    if objects:
        for row in policy.to_dict(orient="records"):
            rows_of.setdefault(str(row["segment_id"]), []).append(row)
    out: dict[str, Gate] = {}
    for sid in segment_ids:
        rows = rows_of.get(sid, [])
        if not rows:
            out[sid] = Gate(None, False)
            continue
        top = objects[sid]
        barring = [r for r in rows if r["class"] in exclude]
        if park is False:
            barring += [r for r in rows if r["class"] == "park_required" and r not in barring]
        warning = ""
        if park == "unknown" and any(r["class"] == "park_required" for r in rows):
            warning = (
                "须进入化工园区: 本地是否有认定化工园区未知, 请在配置 [home] chemical_park 中说明 / "
                "park required: set [home] chemical_park in the profile"
            )
        if not barring:
            out[sid] = Gate(top, False, warning=warning)
            continue
        bar = strictest(barring)
        label = POLICY_LABELS.get(bar["class"], bar["class"])
        note = bar.get("scope_note")
        note = f": {note}" if isinstance(note, str) and note else ""
        zh = f"政策限制 {label} ({bar.get('instrument')}){note}"
        en = f"policy gate: {bar['class']} ({bar.get('instrument')})"
        if sid in include:
            out[sid] = Gate(
                top,
                False,
                reason=f"{zh}; 配置已要求保留 / {en}; kept by [segments] include",
                warning=warning,
            )
        else:
            out[sid] = Gate(top, True, reason=f"{zh} / {en}", warning=warning)
    return out
