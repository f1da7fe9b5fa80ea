"""Gap analysis: which segments the home region holds strongly, weakly, or lacks.

The definitions of status and strategy are those of CONTRACTS.md; the
feasibility and importance measures are documented in ``docs/methods.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from chainmap.analysis import relatedness as rel
from chainmap.analysis.holdings import (
    Holdings,
    chain_enterprises,
    prepare_holdings,
)
from chainmap.analysis.strategy import nearest_held, plan_segments, status_of
from chainmap.model.chain import Chain
from chainmap.model.home import Home, resolve_home
from chainmap.model.profile import as_profile, min_confidence
from chainmap.model.vocab import LEVELS

__all__ = [
    "GAP_FIELDS",
    "Holdings",
    "Home",
    "StatusCounts",
    "chain_enterprises",
    "gap_records",
    "region_segment_matrix",
    "resolve_home",
    "segment_importance",
    "segment_status",
    "status_counts",
    "status_from_counts",
]

#: Keys of a ``gaps`` JSON record, in order (CONTRACTS.md).
GAP_FIELDS = (
    "id",
    "name_zh",
    "name_en",
    "stage",
    "count_home",
    "count_total",
    "lq",
    "feasibility",
    "density",
    "status",
    "strategy",
    "reason",
    "anchors",
    "policy",
)

# ---------------------------------------------------------------------- matrix


def region_segment_matrix(
    chain: Chain,
    enterprises: pd.DataFrame | Holdings,
    *,
    level: str = "county",
    weight: str | None = None,
) -> pd.DataFrame:
    """The region × segment matrix X at ``level``: enterprise counts, or sums of ``weight``.

    An enterprise counts once in each chain segment it holds. Inactive
    (deregistered) firms, foreign firms and firms resolved only to a coarser
    level than ``level`` are left out. Columns are all chain segments in stage
    order; rows are the regions that hold at least one.

    Examples
    --------
    >>> import pandas as pd
    >>> from chainmap.model.chain import load_chain
    >>> chain = load_chain("fluorochem")
    >>> firms = pd.DataFrame({"enterprise_id": ["h:1", "h:2"], "name": ["本地萤石", "衢州氢氟酸"],
    ...                       "region_code": ["330723", "330802"],
    ...                       "segments": [["fluorspar"], ["ahf"]]})
    >>> X = region_segment_matrix(chain, firms, level="city")
    >>> X.loc[:, ["fluorspar", "ahf"]].to_dict("index")
    {'330700': {'fluorspar': 1.0, 'ahf': 0.0}, '330800': {'fluorspar': 0.0, 'ahf': 1.0}}
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    held = prepare_holdings(chain, enterprises)
    if weight is not None and weight not in held.columns([weight]).columns:
        raise KeyError(f"weight column {weight!r} not in the enterprise table")
    if weight is None:  # counts: one pass over the ids (_matrix is the reference)
        return _counted(chain, held, level)[0]
    narrow = held.columns(["chain_segments", weight])  # columns, then rows
    frame = narrow.assign(_region=held.region_at(level))[held.active]
    return _matrix(chain, frame, weight)


def _counted(chain: Chain, held: Holdings, level: str) -> tuple[pd.DataFrame, pd.Series]:
    """:func:`_matrix` of the active rows, and each segment's count of them over all regions.

    Counted with ``np.bincount`` over (region, segment) numbers, without exploding the
    rows into a long table; ``tests/test_holdings.py`` compares it with :func:`_matrix` and
    the ``explode``/``groupby`` counts.
    """
    order = [s.id for s in chain.ordered_segments()]
    lists = held.flat
    # The ids of the active rows, by a mask over the ids (no index arithmetic to take them).
    of_active = np.repeat(held.active, lists.lengths)
    flat = lists.flat[of_active]
    columns = [lists.number[s] for s in order]  # the numbers in stage order
    width = len(lists.number)
    count_total = pd.Series(
        np.bincount(flat, minlength=width)[columns],
        index=pd.Index(order, name="chain_segments"),
    )
    number, regions = held.region_numbers(level)
    at_active = number[held.active]
    present = np.bincount(at_active[at_active >= 0], minlength=len(regions)) > 0
    renumber = np.append(np.cumsum(present) - 1, -1)  # -1 (none) stays -1
    uniques = regions[present]
    codes = np.repeat(renumber[number], lists.lengths)[of_active]
    counted = codes >= 0
    counts = np.bincount(codes[counted] * width + flat[counted], minlength=len(uniques) * width)
    sort = np.argsort(np.asarray(uniques, dtype=object), kind="stable")
    matrix = pd.DataFrame(
        counts.reshape(len(uniques), width)[sort][:, columns].astype(float),
        index=pd.Index(np.asarray(uniques, dtype=object)[sort], name="region"),
        columns=pd.Index(order, name="segment"),
    )
    return matrix, count_total


def _matrix(chain: Chain, frame: pd.DataFrame, weight: str | None = None) -> pd.DataFrame:
    """The matrix from active chain rows that carry ``_region`` (None: not counted)."""
    frame = frame[frame["_region"].notna()]
    if weight is not None:
        values = pd.to_numeric(frame[weight], errors="coerce").fillna(0.0)
    else:
        values = pd.Series(1.0, index=frame.index)
    long = (
        frame.assign(_value=values)[["_region", "chain_segments", "_value"]]
        .explode("chain_segments")
        .rename(columns={"_region": "region", "chain_segments": "segment"})
    )
    columns = [s.id for s in chain.ordered_segments()]
    matrix = long.pivot_table(
        index="region", columns="segment", values="_value", aggfunc="sum", fill_value=0.0
    )
    matrix = matrix.reindex(columns=columns, fill_value=0.0).sort_index()
    matrix.index.name, matrix.columns.name = "region", "segment"
    return matrix.astype(float)


# ---------------------------------------------------------------------- importance


def segment_importance(chain: Chain) -> pd.Series:
    """Importance of each segment in [0, 1]: mean percentile of degree and betweenness.

    Chain position enters through betweenness (midstream segments that many
    supply paths cross score high) and degree (segments with many links); see
    :meth:`chainmap.model.chain.Chain.importance`.
    """
    return chain.importance()


# ---------------------------------------------------------------------- status


def segment_status(
    chain: Chain,
    enterprises: pd.DataFrame | Holdings,
    *,
    home: str | Home | None = None,
    profile: Mapping[str, Any] | str | None = None,
    level: str | None = None,
    policy: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Status, strategy and measures of every segment for the home region.

    Parameters
    ----------
    chain
        The chain (or joined chains).
    enterprises
        The enterprise table (canonical columns of CONTRACTS.md), or its
        :class:`~chainmap.analysis.holdings.Holdings` (prepared once, not again).
    home
        Adcode, unambiguous name or :class:`~chainmap.model.home.Home`; None means
        the profile's home.
    profile
        A profile mapping, TOML path or :class:`~chainmap.model.profile.Profile`;
        None means the bundled default.
    level
        Compare at ``province``, ``city`` or ``county``; default: the home's own level.

    Returns
    -------
    pandas.DataFrame
        One row per segment in stage order, indexed by id, with the ``gaps``
        record columns (:data:`GAP_FIELDS`) plus ``hops``, ``importance``,
        ``priority``, ``target``, ``held_upstream``, ``held_downstream`` and
        ``chains``. ``attrs`` records the home, level and counts used.

    Examples
    --------
    >>> from chainmap import datasets, load_chain
    >>> chain = load_chain("fluorochem")
    >>> gaps = segment_status(chain, datasets.enterprises(chain), home="武义县")
    >>> gaps.attrs["home"], gaps.loc["ahf", "status"], gaps.loc["ahf", "anchors"][:1]
    ('330723', 'strong', ['浙江三美化工股份有限公司'])
    """
    prof = as_profile(profile)
    where = resolve_home(home, prof)
    level = level or where.level
    held = prepare_holdings(chain, enterprises, min_confidence=min_confidence(prof))
    counts = status_counts(chain, held, level, where.at(level))
    return status_from_counts(chain, counts, where=where, level=level, profile=prof, policy=policy)


@dataclass
class StatusCounts:
    """The aggregates behind :func:`segment_status`; ``a + b`` merges disjoint parts.

    ``matrix`` is the region × segment count matrix at the comparison level,
    ``count_total`` and ``count_home`` count active firms per segment (all, and
    at home), ``anchors`` holds the names of home firms per segment.
    """

    matrix: pd.DataFrame
    count_total: pd.Series
    count_home: pd.Series
    anchors: dict[str, set[str]]
    inactive: int
    enterprises: int

    def __add__(self, other: StatusCounts) -> StatusCounts:
        matrix = self.matrix.add(other.matrix, fill_value=0.0)
        matrix = matrix.reindex(columns=self.matrix.columns, fill_value=0.0).sort_index()
        matrix.index.name, matrix.columns.name = "region", "segment"
        anchors = {s: set(v) for s, v in self.anchors.items()}
        for s, names in other.anchors.items():
            anchors.setdefault(s, set()).update(names)
        return StatusCounts(
            matrix.astype(float),
            self.count_total + other.count_total,
            self.count_home + other.count_home,
            anchors,
            self.inactive + other.inactive,
            self.enterprises + other.enterprises,
        )


def status_counts(
    chain: Chain, frame: pd.DataFrame | Holdings, level: str, home_code: str
) -> StatusCounts:
    """:class:`StatusCounts` of ``frame``: :class:`Holdings`, or a :func:`chain_enterprises` output."""
    held = frame if isinstance(frame, Holdings) else Holdings(chain, frame, frame)
    inactive = int((~held.active).sum())
    matrix, count_total = _counted(chain, held, level)
    order = [s.id for s in chain.ordered_segments()]
    # Names only of the home rows (the anchors).
    home_rows = np.flatnonzero(held.in_region(level, home_code) & held.active)
    at_home = held.columns(["chain_segments", "name"], home_rows)
    # (a county's few dozen firms: counted in Python, as explode and groupby count them)
    per: dict[str, int] = {}
    named: dict[str, set[str]] = {}
    lists, names = at_home["chain_segments"].tolist(), at_home["name"].astype(str).tolist()
    for segments, name in zip(lists, names, strict=True):
        for s in segments:
            per[s] = per.get(s, 0) + 1
            named.setdefault(s, set()).add(name)
    count_home = pd.Series(
        [per.get(s, 0) for s in order], index=pd.Index(order, name="chain_segments"), dtype=np.int64
    )
    anchors = {s: named[s] for s in sorted(named)}  # (in groupby's order)
    return StatusCounts(matrix, count_total, count_home, anchors, inactive, int(held.active.sum()))


def status_from_counts(
    chain: Chain,
    counts: StatusCounts,
    *,
    where: Home,
    level: str,
    profile: Mapping[str, Any],
    policy: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The :func:`segment_status` frame from merged :class:`StatusCounts`."""
    from chainmap.analysis.admissibility import policy_gates

    prof = profile
    home_code = where.at(level)
    strong_lq = float(prof["thresholds"]["strong_lq"])
    matrix, count_total, count_home = counts.matrix, counts.count_total, counts.count_home
    anchors = {s: sorted(names) for s, names in counts.anchors.items()}
    inactive = counts.inactive
    order = [s.id for s in chain.ordered_segments()]

    lq = pd.Series(0.0, index=order)
    density = pd.Series(np.nan, index=order)
    if home_code in matrix.index:
        lq = rel.rca(matrix).loc[home_code].reindex(order).fillna(0.0)
    n_regions = len(matrix.index)
    if n_regions >= int(prof["thresholds"]["min_regions_for_density"]):
        full = matrix if home_code in matrix.index else _with_empty_row(matrix, home_code)
        M = rel.presence(rel.rca(full), float(strong_lq))
        density = rel.density(M, rel.proximity(M)).loc[home_code].reindex(order)

    status = {s: status_of(count_home[s], count_total[s], lq[s], strong_lq) for s in order}
    context = _context_held(matrix, home_code, level)
    plans = plan_segments(
        chain,
        status,
        hop_decay=float(prof["thresholds"]["hop_decay"]),
        context_held=context,
    )
    x_home = (
        matrix.loc[home_code].reindex(order, fill_value=0.0)
        if home_code in matrix.index
        else pd.Series(0.0, index=order)
    )
    x_total = matrix.sum(axis=0).reindex(order, fill_value=0.0)
    gates = policy_gates(order, _policy_table(policy), prof)
    importance = segment_importance(chain)
    exclude_stages = set(prof["segments"]["exclude_stages"])
    exclude_ids = {chain.resolve(s) for s in prof["segments"].get("exclude", []) if s in chain}
    include = set(prof["segments"]["include"])
    weights = prof["strategy_weight"]
    # made only on the site of a downstream (captive links: TFE): not a target on its own,
    # its makers are the downstream's (unless the profile's [segments] include lists it)
    on_site = {u for ups in chain.captive_upstreams.values() for u in ups} - include

    # Python scalars read once per column (a Series look-up per cell cost more than the rows).
    count_home, count_total, lq, density, importance, x_home, x_total = (
        series.to_dict()
        for series in (count_home, count_total, lq, density, importance, x_home, x_total)
    )
    rows = []
    for seg in chain.ordered_segments():
        s = seg.id
        plan = plans[s]
        gate = gates[s]
        strategy = None if gate.gated else plan.strategy
        by_stage = seg.stage in exclude_stages and s not in include
        target = strategy is not None and not by_stage and s not in exclude_ids
        target = target and s not in on_site
        priority = float(weights[strategy]) * (0.5 + 0.5 * float(importance[s])) if target else 0.0
        rows.append(
            {
                "id": s,
                "name_zh": seg.name_zh,
                "name_en": seg.name_en,
                "stage": seg.stage,
                "count_home": int(count_home[s]),
                "count_total": int(count_total[s]),
                "lq": float(lq[s]),
                "feasibility": float(plan.feasibility),
                "density": None if pd.isna(density[s]) else float(density[s]),
                "status": status[s],
                "strategy": strategy,
                "reason": "",
                "anchors": anchors.get(s, []),
                "policy": gate.policy,
                "hops": plan.hops,
                "importance": float(importance[s]),
                "priority": priority,
                "target": bool(target),
                "held_upstream": list(plan.held_upstream),
                "held_downstream": list(plan.held_downstream),
                "chains": list(chain.membership.get(s, ())),
                "gated": bool(gate.gated and plan.strategy is not None),
                "by_product": plan.by_product,
                "build_context": list(plan.build_context),
                "policy_warning": gate.warning,
                "policy_gated": bool(gate.gated),
                "excluded_by_profile": bool(by_stage or s in exclude_ids),
                "made_on_site": s in on_site,
                "held_nearby": s in context,
                "x_home": float(x_home[s]),
                "x_total": float(x_total[s]),
                "_gate_reason": gate.reason,
                "_would_be": plan.strategy,
                "_excluded": (
                    "stage"
                    if by_stage
                    else "id"
                    if s in exclude_ids
                    else "on_site"
                    if s in on_site
                    else ""
                ),
            }
        )
    out = pd.DataFrame(rows).set_index("id", drop=False).rename_axis(None)
    # pandas 3 infers a string dtype that turns None into NaN; keep None for "no strategy".
    for col in ("strategy", "hops", "policy"):
        out[col] = pd.Series([r[col] for r in rows], index=out.index, dtype=object)
    gated = {r["id"]: (r["policy"] or {}).get("class", "") for r in rows if r["policy_gated"]}
    out["reason"] = [_reason(chain, row, strong_lq, gated) for row in rows]
    out = out.drop(columns=["_gate_reason", "_would_be", "_excluded"])
    out.attrs.update(
        home=where.code,
        home_name=where.name,
        level=level,
        home_at_level=home_code,
        regions=n_regions,
        inactive_excluded=inactive,
        enterprises=counts.enterprises,
    )
    return out


def _policy_table(policy: pd.DataFrame | None) -> pd.DataFrame:
    """``policy``, or the bundled ``graphs/policy.csv`` when None."""
    if policy is not None:
        return policy
    from chainmap.model.policy import load_policy

    return load_policy()


def _context_held(matrix: pd.DataFrame, home_code: str, level: str) -> set[str]:
    """Segments held in the home's surrounding region (its parent, minus the home itself).

    This is what 建链 starts from when the home holds nothing in the chain.
    """
    from chainmap.model import regions

    up = {"county": "city", "city": "province"}.get(level)
    if up is None or not len(matrix):
        return set()
    parent = regions.ancestor(home_code, up)
    if parent is None:
        return set()
    # (an adcode's ancestors share its province's two digits, tests/test_regions.py:
    # ancestor() only for those, not for the 2,800 counties of a national registry)
    province = parent[:2]
    near = [
        c
        for c in matrix.index
        if c != home_code and c[:2] == province and regions.ancestor(c, up) == parent
    ]
    if not near:
        return set()
    sums = matrix.loc[near].sum(axis=0)
    return {str(s) for s, v in sums.items() if v > 0}


def _with_empty_row(matrix: pd.DataFrame, code: str) -> pd.DataFrame:
    empty = pd.DataFrame(0.0, index=[code], columns=matrix.columns)
    return pd.concat([matrix, empty]).sort_index()


def _names(chain: Chain, ids: Sequence[str], limit: int = 3) -> str:
    names = [chain.segments_by_id[i].name_zh for i in ids[:limit]]
    return "、".join(names) + ("等" if len(ids) > limit else "")


def _names_en(chain: Chain, ids: Sequence[str], limit: int = 3) -> str:
    names = [chain.segments_by_id[i].name_en or i for i in ids[:limit]]
    return ", ".join(names) + (" …" if len(ids) > limit else "")


#: Said of a gap all of whose named held downstream segments are barred from new capacity
#: for controlled uses (``banned_new``: the ODS and HFC notices; feedstock uses may grow,
#: hence "grows little"): the demand it would supply can hardly grow.
DOWNSTREAM_GATED = (
    "; 这些下游环节受政策限制, 受控用途不得新建扩建, 需求增长有限",
    "; policy bars those downstream segments from new capacity for controlled uses, so their "
    "demand grows little",
)
#: The same for other gating classes (a park requirement, a restricted class …): ``{zh}``
#: and ``{en}`` are the classes' labels.
DOWNSTREAM_LIMITED = (
    "; 这些下游环节受政策限制({zh}), 新增产能受限",
    "; policy limits new capacity in those downstream segments ({en})",
)


def downstream_cap(
    chain: Chain,
    sid: str,
    strategy: str | None,
    held: tuple[Sequence[str], Sequence[str]],
    gated: Mapping[str, str],
) -> tuple[str, ...]:
    """The policy classes of the held downstream segments a 补链 or downstream 延链 gap of
    ``sid`` names in its reason (补链: all of them; 延链: the nearest), when every one of
    them is gated (``gated``: segment → class); () otherwise.

    >>> from chainmap.model.chain import load_chain
    >>> chain = load_chain("fluorochem")
    >>> held = ([], ["foaming_agents", "hcfc_refrigerants", "hfc_refrigerants"])
    >>> gated = dict.fromkeys(held[1], "banned_new")
    >>> downstream_cap(chain, "chlorinated_feedstocks", "延链", held, gated)
    ('banned_new',)
    >>> downstream_cap(chain, "chlorinated_feedstocks", "延链", held, {"hfc_refrigerants": "x"})
    ()
    """
    ups, downs = held
    if strategy == "补链":
        named = list(downs)
    elif strategy == "延链" and not ups:
        named = nearest_held(chain, sid, downs, "down")[0]
    else:
        return ()
    if not named or not all(s in gated for s in named):
        return ()
    return tuple(sorted({gated[s] for s in named}))


def captive_phrases(chain: Chain, sid: str) -> tuple[str, str] | None:
    """(zh, en) clause for a gap that is made only on the site of its downstream (a
    ``captive`` link: TFE for PTFE): it is attracted as part of an integrated project.

    >>> from chainmap import load_chain
    >>> captive_phrases(load_chain("fluorochem"), "tfe")[0]
    '; 不外运, 随六氟丙烯、FEP/PFA等可熔氟树脂、聚四氟乙烯装置配套自产, 宜作一体化项目招引'
    """
    downs = [d for d, ups in chain.captive_upstreams.items() if sid in ups]
    if not downs:
        return None
    return (
        f"; 不外运, 随{_names(chain, downs)}装置配套自产, 宜作一体化项目招引",
        f"; not traded: made on site with {_names_en(chain, downs)}, "
        "so attracted as one integrated project",
    )


def cap_phrases(classes: Sequence[str]) -> tuple[str, str, str]:
    """(zh clause, en clause, short zh) for :func:`downstream_cap`'s classes."""
    from chainmap.analysis.admissibility import POLICY_LABELS

    if tuple(classes) == ("banned_new",):
        return (*DOWNSTREAM_GATED, "下游受控用途不得新建扩建")
    zh = "、".join(POLICY_LABELS.get(c, c) for c in classes)
    return (
        DOWNSTREAM_LIMITED[0].format(zh=zh),
        DOWNSTREAM_LIMITED[1].format(en=", ".join(classes)),
        f"下游受政策限制({zh})",
    )


def status_cap(
    chain: Chain,
    status: pd.DataFrame,
    sid: str,
    *,
    row: Mapping[str, Any] | None = None,
    gated: Mapping[str, str] | None = None,
) -> tuple[str, ...]:
    """:func:`downstream_cap` read from a :func:`segment_status` frame (its index the ids).

    ``row``: ``status.loc[sid]``, and ``gated``: :func:`gated_classes` of ``status``, when
    the caller has them (one status frame, many segments described).
    """
    if sid not in status.index or "policy_gated" not in status.columns:
        return ()
    row = status.loc[sid] if row is None else row
    gated = gated_classes(status) if gated is None else gated
    held = (row.get("held_upstream") or [], row.get("held_downstream") or [])
    return downstream_cap(chain, sid, row.get("strategy"), held, gated)


def gated_classes(status: pd.DataFrame) -> dict[str, str]:
    """The policy-gated segments of a :func:`segment_status` frame, and their classes."""
    return {
        s: (p or {}).get("class", "") if isinstance(p, Mapping) else ""
        for s, p, g in zip(
            status.index,
            status["policy"] if "policy" in status.columns else [None] * len(status),
            status["policy_gated"],
            strict=True,
        )
        if g
    }


def _reason(
    chain: Chain, row: Mapping[str, Any], strong_lq: float, gated: Mapping[str, str]
) -> str:
    """One zh / en sentence: the status, the strategy it gives, and what blocks it.

    ``gated``: the policy-gated segments and their classes; a gap that would supply only
    gated held segments says so (:func:`downstream_cap`).
    """
    status, strategy = row["status"], row["_would_be"]
    n, lq = row["count_home"], row["lq"]
    ups, downs = row["held_upstream"], row["held_downstream"]
    if status == "no_data":
        zh, en = "无数据: 数据中没有企业从事该环节", "no data: no enterprise in the data holds it"
    elif status == "strong":
        zh = f"优势: 本地{n}家, 区位商{lq:.2f} ≥ {strong_lq:g}"
        en = f"strong: {n} firm(s) at home, LQ {lq:.2f} ≥ {strong_lq:g}"
    elif status == "weak":
        zh = f"强链: 本地{n}家, 区位商{lq:.2f} < {strong_lq:g}"
        en = f"strengthen: {n} firm(s) at home, LQ {lq:.2f} < {strong_lq:g}"
    elif strategy == "补链":
        zh = f"补链: 本地缺失; 上游已有{_names(chain, ups)}, 下游已有{_names(chain, downs)}"
        en = (
            f"fill: missing at home; home holds upstream {_names_en(chain, ups)} "
            f"and downstream {_names_en(chain, downs)}"
        )
    elif strategy == "延链":
        side_zh, side_en, ids = ("上游", "upstream", ups) if ups else ("下游", "downstream", downs)
        # The nearest held segments on that side and their own distance (not all of the
        # side's held segments under the nearest one's count).
        ids, hop = nearest_held(chain, row["id"], ids, "up" if ups else "down")
        zh = f"延链: 本地缺失; {side_zh}已有{_names(chain, ids)} (相距{hop}跳)"
        en = (
            f"extend: missing at home; home holds {side_en} {_names_en(chain, ids)} "
            f"({hop} hop{'s' if hop != 1 else ''} away)"
        )
    elif strategy == "建链":
        near = row["build_context"]
        if near:
            zh = f"建链: 本地尚无本链企业; 周边已有原料{_names(chain, near)}"
            en = f"build: nothing held at home; inputs {_names_en(chain, near)} held nearby"
        else:
            zh = "建链: 本地尚无本链企业; 链首环节"
            en = "build: nothing held at home; a starting segment of the chain"
    elif row["by_product"]:
        zh = "缺失: 副产品, 随主产品装置产生, 不能单独招引"
        en = "missing: a by-product of another process, not attracted on its own"
    else:
        zh = "缺失: 与本地已有环节无原料关系"
        en = "missing: no feedstock link to any segment held at home"
    if status == "missing" and strategy in ("补链", "延链"):
        if made_with := captive_phrases(chain, row["id"]):
            zh, en = zh + made_with[0], en + made_with[1]
    if status == "missing" and (
        cap := downstream_cap(chain, row["id"], strategy, (ups, downs), gated)
    ):
        cap_zh, cap_en, _short = cap_phrases(cap)
        zh, en = zh + cap_zh, en + cap_en
    if row["by_product"] and status != "missing" and status != "no_data":
        zh += "; 副产品, 不单独招引"
        en += "; by-product, not attracted on its own"
    members = list(row.get("chains") or [])
    if len(members) > 1:
        names = "、".join(chain.member_names.get(m, m) for m in members)
        zh += f"; 共享环节, 属于{names}"
        en += f"; shared by {', '.join(members)}"
    if row["_gate_reason"]:
        gate_zh, _, gate_en = row["_gate_reason"].partition(" / ")
        zh += f"; {gate_zh}"
        en += f"; {gate_en}"
    elif strategy is not None and row["_excluded"] == "stage":
        zh += "; 应用环节, 作为背景不作为招商目标"
        en += "; application stage: context, not a target"
    elif strategy is not None and row["_excluded"] == "id":
        zh += "; 配置排除, 不作为招商目标"
        en += "; excluded by [segments] exclude"
    elif strategy is not None and row["_excluded"] == "on_site":
        zh += "; 不单独作为招商目标"
        en += "; not a target on its own"
    return f"{zh} / {en}"


def gap_records(status: pd.DataFrame) -> list[dict[str, Any]]:
    """The ``gaps`` JSON records (exactly :data:`GAP_FIELDS`) from :func:`segment_status`."""
    records = []
    for row in status.to_dict(orient="records"):
        rec = {k: row[k] for k in GAP_FIELDS}
        rec["anchors"] = list(rec["anchors"])
        rec["policy"] = dict(rec["policy"]) if isinstance(rec["policy"], Mapping) else None
        records.append(rec)
    return records
