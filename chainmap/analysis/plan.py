"""The targeting plan: 重点领域 + 重点区域 + 重点企业 (key fields, regions, enterprises).

One :class:`TargetingPlan` object feeds every rendering (Markdown, HTML, XLSX,
DOCX, JSON), so they all hold the same records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from chainmap.analysis.gaps import region_segment_matrix, segment_status
from chainmap.analysis.holdings import Holdings, prepare_holdings, region_at
from chainmap.analysis.relatedness import rca
from chainmap.analysis.scoring import (
    RANK_FIELDS,
    NarrowRanking,
    describe_ranking,
    rank_narrow,
    rank_records,
)
from chainmap.analysis.stability import segment_scores
from chainmap.model.chain import Chain
from chainmap.model.home import Home, resolve_home
from chainmap.model.profile import as_profile, min_confidence
from chainmap.model.values import html_text, is_blank, text

__all__ = [
    "ENTERPRISE_COLUMNS_PLAN",
    "FIELD_COLUMNS",
    "OVERSEAS_COLUMNS",
    "REGION_COLUMNS",
    "ZONE_BOOST",
    "PlanCounts",
    "TargetingPlan",
    "assemble_plan",
    "build_plan",
    "compare_plans",
    "plan_counts",
]

#: Record keys of the three plan lists, in output order.
FIELD_COLUMNS = (
    "rank",
    "id",
    "name_zh",
    "name_en",
    "stage",
    "strategy",
    "status",
    "count_home",
    "count_total",
    "lq",
    "feasibility",
    "density",
    "priority",
    "segment_score",
    "candidates",
    "reason",
    "anchors_upstream",
    "anchors_downstream",
)
REGION_COLUMNS = (
    "field",
    "field_name",
    "rank",
    "region_code",
    "region",
    "level",
    "count",
    "lq",
    "zones",
    "score",
    "candidates",
    "distance_km",
)
ENTERPRISE_COLUMNS_PLAN = (
    "field",
    "field_name",
    "rank_in_field",
    *RANK_FIELDS,
    "legal_rep",
    "address",
)

#: Record keys of the 境外 list: foreign firms without a known China presence.
OVERSEAS_COLUMNS = ("field", "field_name", "rank_in_field", *RANK_FIELDS, "country")

#: Multiplier for a key region inside one of the profile's target zones.
ZONE_BOOST = 1.2


@dataclass
class TargetingPlan:
    """A targeting plan: parameters, key fields, key regions, key enterprises and notes."""

    params: dict[str, Any]
    key_fields: list[dict[str, Any]]
    key_regions: list[dict[str, Any]]
    key_enterprises: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    overseas: list[dict[str, Any]] = field(default_factory=list)
    #: The chain and the segment-status frame the plan was built from (for diagrams).
    chain: Chain | None = field(default=None, repr=False, compare=False)
    status: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    #: Every target's segment, score and place in its segment, to explain changes.
    targets: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    #: What changed since an earlier plan (:func:`compare_plans`), or None.
    changes: dict[str, Any] | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The ``plan`` JSON object of CONTRACTS.md (plus ``changes`` after a comparison)."""
        out = {
            "params": self.params,
            "key_fields": self.key_fields,
            "key_regions": self.key_regions,
            "key_enterprises": self.key_enterprises,
            "overseas": self.overseas,
            "notes": self.notes,
        }
        if self.changes is not None:
            out["changes"] = self.changes
        return out

    def enterprises_for(self, field_id: str) -> list[dict[str, Any]]:
        """Key enterprises of one key field, in rank order."""
        return [e for e in self.key_enterprises if e["field"] == field_id]

    def regions_for(self, field_id: str) -> list[dict[str, Any]]:
        """Key regions of one key field, in rank order."""
        return [r for r in self.key_regions if r["field"] == field_id]

    def _repr_html_(self) -> str:
        esc = html_text

        p = self.params
        rows = []
        for f in self.key_fields:
            ents = "、".join(esc(e["name"]) for e in self.enterprises_for(f["id"])[:3]) or "—"
            regs = "、".join(esc(r["region"]) for r in self.regions_for(f["id"])[:3]) or "—"
            rows.append(
                f"<tr><td>{f['rank']}</td><td>{esc(f['name_zh'])}</td>"
                f"<td>{esc(str(f['strategy']))}</td><td>{regs}</td><td>{ents}</td></tr>"
            )
        return (
            f"<div class='chainmap-plan'><strong>招商目标方案 / Targeting plan</strong>: "
            f"{esc(p['chain_name'])} · {esc(p['home_name'])} ({esc(p['home'])})"
            "<table><thead><tr><th>#</th><th>重点领域 / field</th><th>策略 / strategy</th>"
            "<th>重点区域 / regions</th><th>重点企业 / enterprises</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>"
        )


def build_plan(
    chain: Chain,
    enterprises: pd.DataFrame | Holdings,
    *,
    home: str | Home | None = None,
    profile: Mapping[str, Any] | str | None = None,
    fields: int = 5,
    per_field: int = 5,
    regions_per_field: int = 5,
    region_level: str = "city",
    sources: list[str] | None = None,
    engine: str = "memory",
    scheduler: str | None = None,
    signals: pd.DataFrame | bool | None = None,
    policy: pd.DataFrame | None = None,
) -> TargetingPlan:
    """Build the targeting plan for ``chain`` and the home region.

    Parameters
    ----------
    chain, enterprises, home, profile
        As in :func:`~chainmap.analysis.gaps.segment_status`: the table is
        prepared (classified) once, here, and passed on as
        :class:`~chainmap.analysis.holdings.Holdings`.
    fields
        Number of key fields (top target segments by priority).
    per_field
        Key enterprises per field (top-ranked targets whose gap is that field).
    regions_per_field
        Key regions per field.
    region_level
        ``province``, ``city`` (default) or ``county`` for key regions.
    sources
        Names of the data sources, for the plan's parameters.
    engine, scheduler
        As in :func:`~chainmap.analysis.scoring.rank_enterprises`: ``stream`` and
        ``dask`` read ``enterprises`` (a file or directory) part by part.
    signals, policy
        As in :func:`chainmap.analysis.scoring.rank_enterprises`.

    Examples
    --------
    >>> from chainmap import datasets, load_chain
    >>> chain = load_chain("fluorochem")
    >>> plan = build_plan(chain, datasets.enterprises(chain), home="武义县", fields=3, per_field=2)
    >>> len(plan.key_fields), plan.params["home_name"]
    (3, '武义县')
    >>> {e["field"] for e in plan.key_enterprises} <= {f["id"] for f in plan.key_fields}
    True
    """
    if engine != "memory":
        from chainmap.analysis.stream import engine_for, stream_plan

        if engine_for(engine, enterprises) != "memory":
            return stream_plan(
                chain,
                enterprises,
                home=home,
                profile=profile,
                engine=engine_for(engine, enterprises),
                scheduler=scheduler,
                region_level=region_level,
                fields=fields,
                per_field=per_field,
                regions_per_field=regions_per_field,
                sources=sources,
                signals=signals,
                policy=policy,
            )
    prof = as_profile(profile)
    where = resolve_home(home, prof)
    held = prepare_holdings(chain, enterprises, min_confidence=min_confidence(prof))
    status = segment_status(chain, held, home=where, profile=prof, policy=policy)
    ranking = rank_narrow(chain, held, home=where, profile=prof, status=status, signals=signals)
    counts = plan_counts(chain, held, region_level=region_level, table=held.table)
    return assemble_plan(
        chain,
        status,
        ranking,
        counts,
        profile=prof,
        where=where,
        fields=fields,
        per_field=per_field,
        regions_per_field=regions_per_field,
        region_level=region_level,
        sources=sources,
    )


@dataclass
class PlanCounts:
    """What a plan needs from the whole table besides the status and the ranking.

    ``matrix``: region × segment counts at the key-region level; ``abroad``:
    active foreign firms per (segment, country); ``input``/``in_chain``: rows
    read and rows in the chain; ``data_year``: the latest ``revenue_year``.
    ``a + b`` merges the counts of disjoint parts of a table.
    """

    matrix: pd.DataFrame
    abroad: dict[tuple[str, str], int]
    input: int
    in_chain: int
    data_year: int | None

    def __add__(self, other: PlanCounts) -> PlanCounts:
        matrix = self.matrix.add(other.matrix, fill_value=0.0)
        matrix = matrix.reindex(columns=self.matrix.columns, fill_value=0.0).sort_index()
        matrix.index.name, matrix.columns.name = "region", "segment"
        abroad = dict(self.abroad)
        for key, n in other.abroad.items():
            abroad[key] = abroad.get(key, 0) + n
        years = [y for y in (self.data_year, other.data_year) if y is not None]
        return PlanCounts(
            matrix.astype(float),
            abroad,
            self.input + other.input,
            self.in_chain + other.in_chain,
            max(years) if years else None,
        )


def plan_counts(
    chain: Chain, frame: pd.DataFrame | Holdings, *, region_level: str, table: pd.DataFrame
) -> PlanCounts:
    """:class:`PlanCounts` of ``table``, given its :class:`Holdings` or ``chain_enterprises(chain, table)``."""
    held = frame if isinstance(frame, Holdings) else Holdings(chain, table, frame)
    X = region_segment_matrix(chain, held, level=region_level)
    active = held.columns(["region_code", "country", "chain_segments"])[held.active]
    codes = (
        active["region_code"] if "region_code" in active else pd.Series(None, index=active.index)
    )
    abroad_rows = active[codes.isna() | (codes.astype(str) == "")]
    abroad: dict[tuple[str, str], int] = {}
    if "country" in abroad_rows:
        countries = abroad_rows["country"].astype(object).fillna("境外")
        for segs, country in zip(abroad_rows["chain_segments"], countries, strict=True):
            for s in segs:
                abroad[(s, country)] = abroad.get((s, country), 0) + 1
    return PlanCounts(X, abroad, len(table), len(held), data_year(table))


def assemble_plan(
    chain: Chain,
    status: pd.DataFrame,
    ranking: pd.DataFrame | NarrowRanking,
    counts: PlanCounts,
    *,
    profile: Mapping[str, Any],
    where: Home,
    level: str | None = None,
    fields: int = 5,
    per_field: int = 5,
    regions_per_field: int = 5,
    region_level: str = "city",
    sources: list[str] | None = None,
) -> TargetingPlan:
    """The plan from a status frame, the full ranking (``describe=False``, or its
    :class:`~chainmap.analysis.scoring.NarrowRanking`) and :class:`PlanCounts`.

    Key fields are the target segments in order of their stage-one score
    (``gap_priority`` and ``feasibility`` contributions, scaled across segments);
    policy-gated segments are never among them. Key enterprises are each field's
    best-ranked firms with a site in China; foreign firms without a known China
    presence are listed apart (``overseas``). :func:`build_plan` computes the inputs
    in memory; the streaming engines (:mod:`chainmap.analysis.stream`) chunk by chunk.
    ``level`` is the comparison level of ``status`` (default: the home's own level).
    """
    prof = profile
    # A narrow ranking builds its other columns only for the rows a field shows.
    rows = ranking.rows if isinstance(ranking, NarrowRanking) else _as_is
    ranking = ranking.frame if isinstance(ranking, NarrowRanking) else ranking
    w = prof["weights"]
    seg = segment_scores(status)
    targets = status[status["target"]].copy()
    per_segment = ranking["segment"].value_counts()
    targets["candidates"] = targets.index.map(lambda s: int(per_segment.get(s, 0)))
    targets["segment_score"] = (
        float(w["gap_priority"]) * seg["gap_priority"]
        + float(w["feasibility"]) * seg["feasibility"]
    ).reindex(targets.index)
    stage_order = {s.id: s.stage_order for s in chain.ordered_segments()}
    targets["_stage"] = targets.index.map(stage_order)
    targets = targets.sort_values(
        ["segment_score", "priority", "_stage", "id"], ascending=[False, False, True, True]
    ).head(fields)

    anchor_names = {s: list(v) for s, v in status["anchors"].items()}
    key_fields = []
    for i, (sid, row) in enumerate(targets.iterrows(), start=1):
        key_fields.append(
            {
                "rank": i,
                "id": sid,
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
                "stage": row["stage"],
                "strategy": row["strategy"],
                "status": row["status"],
                "count_home": int(row["count_home"]),
                "count_total": int(row["count_total"]),
                "lq": float(row["lq"]),
                "feasibility": float(row["feasibility"]),
                "density": None if _missing(row["density"]) else float(row["density"]),
                "priority": float(row["priority"]),
                "segment_score": float(row["segment_score"]),
                "candidates": int(row["candidates"]),
                "reason": row["reason"],
                "anchors_upstream": sorted(
                    {n for s in row["held_upstream"] for n in anchor_names.get(s, [])}
                ),
                "anchors_downstream": sorted(
                    {n for s in row["held_downstream"] for n in anchor_names.get(s, [])}
                ),
            }
        )

    # Foreign firms without a Chinese site go to the 境外 list, not the key enterprises.
    abroad = (
        ranking["_foreign"].to_numpy(dtype=bool) & (ranking["_site"].astype(str) == "").to_numpy()
        if "_foreign" in ranking
        else pd.Series(False, index=ranking.index).to_numpy()
    )
    home_list = ranking[~abroad]
    away_list = ranking[abroad]
    # Describe only the rows a key field can show (each row's description is its own).
    shown = rows(home_list[home_list.groupby("segment").cumcount() < per_field])
    shown_away = rows(away_list[away_list.groupby("segment").cumcount() < per_field])
    ranked = rank_records(describe_ranking(shown, chain, status, prof, where))
    ranked_away = rank_records(describe_ranking(shown_away, chain, status, prof, where))
    extra = {
        rec["enterprise_id"]: rec
        for rec in pd.concat([shown, shown_away])[
            [
                "enterprise_id",
                *[c for c in ("legal_rep", "address", "country") if c in shown],
            ]
        ].to_dict(orient="records")
    }
    key_enterprises, overseas = [], []
    for f in key_fields:
        for target, records in ((key_enterprises, ranked), (overseas, ranked_away)):
            mine = [r for r in records if r["segment"] == f["id"]][:per_field]
            for j, rec in enumerate(mine, start=1):
                more = extra.get(rec["enterprise_id"], {})
                entry = {"field": f["id"], "field_name": f["name_zh"], "rank_in_field": j, **rec}
                if target is key_enterprises:
                    entry["legal_rep"] = _text(more.get("legal_rep"))
                    entry["address"] = _text(more.get("address"))
                else:
                    entry["country"] = _text(more.get("country"))
                target.append(entry)

    key_regions, unresolved = _key_regions(
        counts, ranking, key_fields, prof, where, region_level, regions_per_field
    )
    a = ranking.attrs
    notes = _notes(key_fields, fields, status, a, unresolved)
    params = {
        "chain": chain.id,
        "chain_name": chain.name_zh,
        "chain_name_en": chain.name_en,
        "home": where.code,
        "home_name": where.name,
        "level": level or where.level,
        "region_level": region_level,
        "fields": fields,
        "per_field": per_field,
        "weights": dict(prof["weights"]),
        "strategy_weight": dict(prof["strategy_weight"]),
        "thresholds": dict(prof["thresholds"]),
        "affinity_zones": list(prof["affinity"]["zones"]),
        "policy_exclude": list(prof["policy"]["exclude"]),
        "chemical_park": prof["home"].get("chemical_park", "unknown"),
        "office": (prof.get("office") or {}).get("name"),
        "exited_names": list(a.get("exited_names", [])),
        "sources": list(sources or []),
        "data_year": counts.data_year,
        "signals_date": a.get("data_date"),
        "counts": {
            "input": counts.input,
            "in_chain": counts.in_chain,
            "not_in_chain": int(counts.input - counts.in_chain),
            "deregistered": int(a["inactive_excluded"]),
            "home_anchors": int(a["home_anchors_excluded"]),
            "exited": int(a.get("exited_excluded", 0)),
            "risk_excluded": int(a.get("risk_excluded", 0)),
            "same_city_excluded": int(a.get("same_city_excluded", 0)),
            "gated_segments": int(a.get("gated_segments", 0)),
            "gated_firms": int(a.get("gated_firms", 0)),
            "no_gap_segment": int(a["no_gap_segment"]),
            "zone_excluded": int(a.get("zone_excluded", 0)),
            "group_duplicates": int(a["candidates"] - a["targets"]),
            "targets": len(ranking),
        },
    }
    return TargetingPlan(
        params,
        key_fields,
        key_regions,
        key_enterprises,
        notes,
        overseas=overseas,
        chain=chain,
        status=status,
        targets=_target_index(ranking, abroad),
    )


def _as_is(rows: pd.DataFrame) -> pd.DataFrame:
    return rows


def _target_index(ranking: pd.DataFrame, abroad: Any) -> pd.DataFrame:
    """Every target's ``segment``, ``score`` and ``place`` (1-based rank in its segment's
    list, the key enterprises' or the 境外 one as ``abroad`` says), indexed by
    ``enterprise_id``: three columns, cheap even for a national ranking."""
    if not len(ranking):
        return pd.DataFrame(columns=["segment", "score", "place"])
    return pd.DataFrame(
        {
            "segment": ranking["segment"].to_numpy(),
            "score": ranking["score"].to_numpy(dtype=float),
            "place": (ranking.groupby([ranking["segment"], abroad]).cumcount() + 1).to_numpy(),
        },
        index=pd.Index(ranking["enterprise_id"].astype(str).to_numpy(), name="enterprise_id"),
    )


def compare_plans(old: Mapping[str, Any], plan: TargetingPlan) -> dict[str, Any]:
    """Key fields and key enterprises new or dropped since ``old`` (a plan's JSON), and why.

    Reasons come from the new plan: a policy gate, an exit, a changed home status, or
    a score or place that moved; a firm absent from the new targets is said to be so.

    Examples
    --------
    >>> from chainmap import datasets, load_chain
    >>> chain = load_chain("fluorochem")
    >>> new = build_plan(chain, datasets.enterprises(chain), fields=3, per_field=2)
    >>> old = new.to_dict() | {"key_fields": new.key_fields[:2]}
    >>> [f["name"] for f in compare_plans(old, new)["fields_new"]] == [new.key_fields[2]["name_zh"]]
    True
    """
    status = plan.status
    exited = {str(n).split("(")[0] for n in plan.params.get("exited_names", [])}
    p = plan.params
    old_fields = {f["id"]: f for f in old.get("key_fields", [])}
    new_fields = {f["id"]: f for f in plan.key_fields}

    def field_gone(fid: str) -> str:
        if status is not None and fid in status.index:
            row = status.loc[fid]
            if bool(row.get("policy_gated")):  # barred for new capacity, whatever its status
                pol = row.get("policy") or {}
                return f"政策限制: {pol.get('instrument') or pol.get('class') or '见环节理由'}"
            if not bool(row.get("target")):
                return (
                    f"本地现状为{_STATUS_WORDS.get(row['status'], row['status'])}, 不再是招商缺口"
                )
        return f"领域得分未进入前{p['fields']}名"

    def firm_gone(rec: Mapping[str, Any]) -> str:
        eid, name = str(rec.get("enterprise_id")), str(rec.get("name"))
        if name in exited or any(name.startswith(x) for x in exited if x):
            return "已退出或正在退出"
        if rec.get("field") not in new_fields:
            return f"所属领域移出重点领域({field_gone(rec.get('field'))})"
        targets = plan.targets
        if targets is None or eid not in targets.index:
            return "不在本次目标中(注销、风险排除、已在本地或数据中已无)"
        now = targets.loc[eid]
        if isinstance(now, pd.DataFrame):  # one id twice: the first is its best place
            now = now.iloc[0]
        return (
            f"得分 {rec.get('score', float('nan')):.3f}→{now['score']:.3f}, "
            f"领域内第{int(now['place'])}名(列前{p['per_field']}名)"
        )

    def firm_new(rec: Mapping[str, Any]) -> str:
        if rec["field"] not in old_fields:
            return "所属领域新列为重点领域"
        return f"得分 {rec['score']:.3f}, 领域内第{rec['rank_in_field']}名(上次未列入)"

    old_firms = {str(e["enterprise_id"]): e for e in old.get("key_enterprises", [])}
    new_firms = {str(e["enterprise_id"]): e for e in plan.key_enterprises}
    old_p = old.get("params", {})
    return {
        "since": old_p.get("date") or old_p.get("signals_date") or old_p.get("data_year"),
        "fields_new": [
            {"id": f, "name": r["name_zh"], "why": _zh_reason(r)}
            for f, r in new_fields.items()
            if f not in old_fields
        ],
        "fields_dropped": [
            {"id": f, "name": r.get("name_zh", f), "why": field_gone(f)}
            for f, r in old_fields.items()
            if f not in new_fields
        ],
        "enterprises_new": [
            {"enterprise_id": e, "name": r["name"], "why": firm_new(r)}
            for e, r in new_firms.items()
            if e not in old_firms
        ],
        "enterprises_dropped": [
            {"enterprise_id": e, "name": r.get("name", e), "why": firm_gone(r)}
            for e, r in old_firms.items()
            if e not in new_firms
        ],
    }


_STATUS_WORDS = {"strong": "优势", "weak": "薄弱", "missing": "缺失", "no_data": "无数据"}


def _zh_reason(field_record: Mapping[str, Any]) -> str:
    return str(field_record.get("reason") or "").split(" / ", 1)[0]


def _notes(
    key_fields: list[dict[str, Any]],
    fields: int,
    status: pd.DataFrame,
    attrs: Mapping[str, Any],
    unresolved: int,
) -> list[str]:
    """The plan's notes: thin data, policy gates, exits, missing signals, unresolved places."""
    notes = []
    if key_fields and all(f["strategy"] == "建链" for f in key_fields):
        notes.append(
            "本地在该链尚无企业, 重点领域按建链分析: 链首环节及周边已有原料的环节, 按可行性排序 / "
            "the home holds nothing in this chain: key fields are entry segments for 建链 "
            "(building the chain), ranked by feasibility"
        )
    for f in key_fields:
        if f["candidates"] == 0:
            notes.append(
                f"{f['name_zh']}: 数据中没有候选企业, 需补充企业名单 / no candidate enterprise "
                f"in the data for {f['name_en'] or f['id']}; add enterprise lists for it"
            )
    if len(key_fields) < fields:
        notes.append(
            f"仅有{len(key_fields)}个目标环节 / only {len(key_fields)} target segment(s) found"
        )
    gated = status[status["gated"].astype(bool)]
    if len(gated):
        names = "、".join(gated["name_zh"].tolist())
        notes.append(
            f"政策限制: {len(gated)}个环节不作为重点领域({names}), 涉及候选企业"
            f"{int(attrs.get('gated_firms', 0))}家; 依据见各环节理由 / policy gates removed "
            f"{len(gated)} segment(s) and {int(attrs.get('gated_firms', 0))} firm(s)"
        )
    warned = status[status["policy_warning"].astype(str) != ""]
    if len(warned):
        notes.append(
            f"{'、'.join(warned['name_zh'].tolist())}: 新建项目须进入认定化工园区, 本地园区情况未知, "
            "请在配置 [home] chemical_park 中说明 / park-required segments: set "
            "[home] chemical_park in the profile"
        )
    exited = [
        str(n).replace("(exiting)", "(正在退出)").replace("(exited)", "(已退出)")
        for n in attrs.get("exited_names", [])
    ]
    if exited:
        notes.append(
            f"已退出或正在退出的企业不作为目标({len(exited)}家): {'、'.join(exited)} / "
            f"{len(exited)} exited or exiting firm(s) are not targets"
        )
    if attrs.get("risk_excluded"):
        notes.append(
            f"严重违法失信/失信被执行人企业不作为目标: {attrs['risk_excluded']}家 / "
            f"{attrs['risk_excluded']} firm(s) with serious registry risk flags are not targets"
        )
    missing = list(attrs.get("missing_everywhere", []))
    if missing:
        notes.append(
            f"数据中所有企业均缺少: {'、'.join(missing)}; 相应得分按最低计 / missing for every "
            "firm in the data, scored at the bottom of its scale"
        )
    if unresolved:
        notes.append(
            f"{unresolved}家候选企业地区未能解析或只到省级, 未计入重点区域 / {unresolved} "
            "candidate(s) with an unresolved or province-only region are not counted in the key "
            "regions"
        )
    return notes


def _key_regions(
    counts: PlanCounts,
    ranking: pd.DataFrame,
    key_fields: list[dict[str, Any]],
    prof: Mapping[str, Any],
    where: Home,
    level: str,
    limit: int,
) -> tuple[list[dict[str, Any]], int]:
    """Places in China where each key field concentrates: count and LQ, boosted by target zones.

    Returns the records and the number of key-field candidates in China whose region
    could not be resolved (counted in a note, never listed as a place).
    """
    from chainmap.model import regions

    if not key_fields:
        return [], 0
    X = counts.matrix
    lq = rca(X) if len(X) else X
    home_at = (
        regions.ancestor(where.code, level)
        if level != "county" or where.level == "county"
        else None
    )
    extra = prof.get("zones") or {}
    wanted = set(prof["affinity"]["zones"])
    codes = (
        ranking["region_code"].astype(object).where(ranking["region_code"].notna(), None)
        if len(ranking)
        else pd.Series(dtype=object)
    )
    rank_region = region_at(codes, level) if len(ranking) else pd.Series(dtype=object)
    by_region = _pair_counts(ranking["segment"], rank_region)
    fields_ids = {f["id"] for f in key_fields}
    foreign = ranking["_foreign"].to_numpy(dtype=bool) if "_foreign" in ranking else None
    unresolved = 0
    if len(ranking):
        # (no code, or one coarser than the level, e.g. a province: placed in no region)
        placed = rank_region.notna().to_numpy()
        none = ~placed & ranking["segment"].isin(fields_ids).to_numpy()
        unresolved = int((none & ~foreign).sum()) if foreign is not None else int(none.sum())
    out: list[dict[str, Any]] = []
    for f in key_fields:
        s = f["id"]
        rows = []
        if s in X.columns:
            col = X[s]
            col = col[(col > 0) & (col.index != home_at)]
            for code, n in col.items():
                zones_here = regions.region_zones(code, extra)
                rows.append(
                    {
                        "region_code": code,
                        "region": regions.region_name(code),
                        "level": level,
                        "count": int(n),
                        "lq": float(lq.loc[code, s]),
                        "zones": zones_here,
                        "candidates": by_region.get((s, code), 0),
                        "distance_km": _dist(regions.distance_km(code, where.code)),
                        "_boost": ZONE_BOOST if wanted & set(zones_here) else 1.0,
                    }
                )
        if not rows:
            continue
        max_n = max(r["count"] for r in rows) or 1
        max_lq = max(r["lq"] for r in rows) or 1.0
        for r in rows:
            r["score"] = (0.5 * r["count"] / max_n + 0.5 * r["lq"] / max_lq) * r.pop("_boost")
        rows.sort(key=lambda r: (-r["score"], -r["count"], r["region_code"]))
        for i, r in enumerate(rows[:limit], start=1):
            out.append({"field": s, "field_name": f["name_zh"], "rank": i, **r})
    return [{k: r[k] for k in REGION_COLUMNS} for r in out], unresolved


def _pair_counts(a: pd.Series, b: pd.Series) -> dict[tuple[Any, Any], int]:
    """Rows per (a, b) pair; pairs with a missing value are not counted."""
    pairs = pd.DataFrame({"a": a.to_numpy(dtype=object), "b": b.to_numpy(dtype=object)})
    return {k: int(v) for k, v in pairs.value_counts().items()}


def _dist(value: Any) -> float | None:
    return None if _missing(value) else float(value)


def _missing(value: Any) -> bool:
    return is_blank(value)


def _text(value: Any) -> str | None:
    return text(value)


def data_year(enterprises: pd.DataFrame) -> int | None:
    """The latest figure year in the data (from ``revenue_year``), never the clock."""
    if "revenue_year" not in enterprises.columns:
        return None
    years = pd.to_numeric(enterprises["revenue_year"], errors="coerce").dropna()
    return int(years.max()) if len(years) else None
