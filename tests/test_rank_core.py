"""The vectorised ranking core (issue #20) against the plain per-row Python it replaced.

Each reference below is the pre-#20 code, kept here only as the oracle; the tables are
seeded synthetic registries with the awkward cases made common (parents several levels
deep and in cycles, missing regions, foreign firms, blanks and non-text cells).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chainmap.analysis.holdings import as_list, as_lists
from chainmap.analysis.scoring import (
    _nearest_site,
    _texts,
    describe_ranking,
    group_key,
    rank_enterprises,
)
from chainmap.analysis.strategy import feedstock_graph
from chainmap.model.chain import load_chain
from chainmap.synthetic import synthetic_registry


def _ref_texts(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    return np.array(
        ["" if not isinstance(v, str) else v.strip() for v in frame[column].tolist()], dtype=object
    )


def _ref_group_key(frame: pd.DataFrame) -> np.ndarray:
    parent, name = _ref_texts(frame, "parent"), _ref_texts(frame, "name")
    up = {n: p for n, p in zip(name, parent, strict=True) if p and p != n}

    def root(n: str) -> str:
        seen = {n}
        while n in up and up[n] not in seen:
            n = up[n]
            seen.add(n)
        return n

    return np.array([root(p) if p else root(n) for n, p in zip(name, parent, strict=True)])


def _ref_nearest_site(frame, groups, codes, active, cand, home_code):
    from chainmap.model import regions

    has_code = codes.notna().to_numpy() & active
    needed = {groups[i] for i in cand if codes.iat[i] is None}
    sites: dict[str, list[int]] = {}
    for i in np.flatnonzero(has_code & np.isin(groups, list(needed))):
        sites.setdefault(groups[i], []).append(int(i))
    code_out = np.full(len(cand), None, dtype=object)
    name_out = [""] * len(cand)
    for j, i in enumerate(cand):
        if codes.iat[i] is not None or groups[i] not in sites:
            continue
        options = sites[groups[i]]
        dists = regions.distance_km_many([codes.iat[o] for o in options], home_code).tolist()
        best = min(
            range(len(options)),
            key=lambda t: (
                np.inf if np.isnan(dists[t]) else dists[t],
                str(frame.at[options[t], "name"]),
            ),
        )
        code_out[j] = codes.iat[options[best]]
        name_out[j] = str(frame.at[options[best], "name"])
    return code_out, name_out


@pytest.fixture(scope="module")
def chain():
    return load_chain("fluorochem")


@pytest.fixture(scope="module")
def table(chain):
    """4,000 synthetic chain firms; a third in groups, some foreign, some unresolved."""
    t = synthetic_registry(4000, chain, seed=11, chain_share=1.0, home_share=0.02)
    rng = np.random.default_rng(5)
    names = t["name"].tolist()
    parent = np.array([None] * len(t), dtype=object)
    pick = rng.random(len(t)) < 0.35
    parent[pick] = [names[j] for j in rng.integers(0, 300, pick.sum())]  # chains of parents
    parent[rng.random(len(t)) < 0.05] = "  某集团 "  # padded text
    parent[:2] = [names[1], names[0]]  # a cycle
    codes = t["region_code"].astype(object).to_numpy(copy=True)
    codes[rng.random(len(t)) < 0.08] = None  # unresolved or foreign
    country = np.where(pd.isna(codes) & (rng.random(len(t)) < 0.5), "日本", "中国")
    return t.assign(
        parent=pd.Series(parent, dtype=object),
        region_code=codes,
        country=country,
        active=rng.random(len(t)) > 0.03,
    )


def test_texts_equal_the_plain_loop_on_str_and_object_columns(table):
    mixed = pd.DataFrame({"m": pd.Series([" a ", None, 3, np.nan, "b", ""], dtype=object)})
    assert _texts(mixed, "m").tolist() == _ref_texts(mixed, "m").tolist()
    for column in ("name", "parent", "listed", "country", "absent"):
        assert _texts(table, column).tolist() == _ref_texts(table, column).tolist(), column


#: polars hashes texts from this many rows on (holdings.NATIVE_MIN_ROWS): always, never.
BY_POLARS = pytest.mark.parametrize("polars_from", [0, 10**9], ids=["polars", "pandas"])


@BY_POLARS
def test_group_key_equals_the_plain_loop(table, monkeypatch, polars_from):
    from chainmap.analysis import holdings

    monkeypatch.setattr(holdings, "NATIVE_MIN_ROWS", polars_from)
    assert group_key(table).tolist() == _ref_group_key(table).tolist()


@BY_POLARS
def test_nearest_site_equals_the_plain_loop(table, chain, monkeypatch, polars_from):
    from chainmap.analysis import holdings
    from chainmap.analysis.holdings import prepare_holdings
    from chainmap.analysis.scoring import _Texts

    monkeypatch.setattr(holdings, "NATIVE_MIN_ROWS", polars_from)
    held = prepare_holdings(chain, table)
    frame = held.frame
    codes = frame["region_code"].astype(object)
    codes = codes.where(codes.notna() & (codes.astype(str) != ""), None)
    groups = group_key(frame)
    cand = np.flatnonzero(held.active)
    got_no, got_name = _nearest_site(
        frame, _Texts(groups), held.region_codes, held.active, cand, "330723"
    )
    got = (np.append(held.region_codes[1], None)[got_no], got_name)
    want = _ref_nearest_site(frame, groups, codes, held.active, cand, "330723")
    assert got[0].tolist() == want[0].tolist()
    assert list(got[1]) == list(want[1])
    assert any(c is not None for c in got[0][pd.isna(codes.to_numpy()[cand])])  # exercised


def test_as_lists_reads_parquet_arrays_as_lists():
    cells = pd.Series([np.array(["a", "b"], dtype=object), np.array([], dtype=object)])
    assert as_lists(cells) == [as_list(list(v)) for v in cells] == [["a", "b"], []]


def test_feedstock_graph_equals_the_filtering_view(chain):
    import networkx as nx

    graph = chain.graph
    view = nx.subgraph_view(
        graph, filter_edge=lambda u, v: graph.edges[u, v].get("relation") == "feedstock_of"
    )
    g = feedstock_graph(chain)
    assert list(g.nodes(data=True)) == list(view.nodes(data=True))
    assert sorted(g.edges(data=True)) == sorted(view.edges(data=True))
    assert g.graph == view.graph
    for s in g:
        assert nx.ancestors(g, s) == nx.ancestors(view, s)


def test_top_per_segment_is_the_full_ranking_cut_per_segment(table, chain):
    full = rank_enterprises(chain, table, with_stability=False)
    top = rank_enterprises(chain, table, with_stability=False, top_per_segment=5)
    cut = full[full.groupby("segment").cumcount() < 5].reset_index(drop=True)
    assert len(top) > 20
    pd.testing.assert_frame_equal(
        top[["rank", "enterprise_id", "segment", "score", "reasons"]],
        cut[["rank", "enterprise_id", "segment", "score", "reasons"]],
    )


def test_describing_later_equals_describing_at_once(table, chain):
    from chainmap.analysis.gaps import segment_status
    from chainmap.model.home import resolve_home
    from chainmap.model.profile import as_profile

    prof, where = as_profile(None), resolve_home(None, as_profile(None))
    status = segment_status(chain, table, home=where, profile=prof)
    at_once = rank_enterprises(chain, table, status=status, with_stability=False, top=60)
    bare = rank_enterprises(chain, table, status=status, with_stability=False, describe=False)
    later = describe_ranking(bare.head(60), chain, status, prof, where)
    pd.testing.assert_frame_equal(later, at_once)


def test_quality_and_foreign_equal_the_plain_loop(table):
    from chainmap.analysis import attainability as att
    from chainmap.analysis.scoring import _is_foreign
    from chainmap.model.vocab import is_chinese

    rng = np.random.default_rng(9)
    choices = np.array(
        ["高新技术企业", "专精特新;风险:经营异常", "", None, "瞪羚、其他"], dtype=object
    )
    flags = choices[rng.integers(0, len(choices), len(table))]
    for cells in (pd.Series(flags, dtype="str"), pd.Series(flags, dtype=object)):
        cells = cells.copy()
        if cells.dtype == object:
            cells.iloc[:5] = [["高新技术企业"], [], None, ["小巨人", "x"], "单项冠军"]
        frame = table.assign(flags=cells)
        want = [
            float(any(q in f for f in att._flag_list(v) for q in att.QUALITY_FLAGS))
            for v in frame["flags"].tolist()
        ]
        assert att.strength(frame, data_year=2024)["s_quality"].tolist() == want
    countries = pd.Series(rng.choice(["中国", "日本", "", " 德国 ", "China"], len(table)))
    frame = table.assign(country=countries.where(rng.random(len(table)) > 0.1, None))
    want = [c != "" and not is_chinese(c) for c in _ref_texts(frame, "country")]
    assert _is_foreign(frame).tolist() == want


def test_sites_list_every_other_active_member_of_the_group(table, chain):
    from chainmap.analysis.holdings import prepare_holdings

    held = prepare_holdings(chain, table)  # the chain's firms: the sites are among them
    ranking = rank_enterprises(chain, held, with_stability=False)
    by_group: dict[str, set[str]] = {}
    for g, eid, on in zip(
        group_key(held.frame), held.frame["enterprise_id"], held.active, strict=True
    ):
        if on:
            by_group.setdefault(g, set()).add(eid)
    multi = 0
    for _, row in ranking.iterrows():
        want = by_group.get(row["group"], set()) - {row["enterprise_id"]}
        assert {s["enterprise_id"] for s in row["sites"]} == want
        multi += bool(want)
    assert multi > 10  # groups with several sites were exercised
