"""Gap status, strategy, feasibility and ranking on a hand-worked chain and table."""

from __future__ import annotations

import pytest

from chainmap.analysis.gaps import region_segment_matrix, segment_status
from chainmap.analysis.scoring import rank_enterprises, rank_records
from chainmap.model.chain import Chain, Link, Segment, join_chains


def test_region_segment_matrix_counts_active_domestic_firms(firms, tiny_chain):
    X = region_segment_matrix(tiny_chain, firms, level="county")
    assert X.loc["330723", "ore"] == 2 and X.loc["330723", "metal"] == 1
    assert X.loc["330110", "metal"] == 1  # the deregistered firm is left out
    assert X.to_numpy().sum() == 14  # 15 firms, one inactive, one foreign, A counts twice
    assert list(X.columns) == ["ore", "acid", "coating", "metal", "part", "device", "vehicle"]
    city = region_segment_matrix(tiny_chain, firms, level="city")
    assert city.loc["330700", "ore"] == 2 + 1  # 武义 + 永康 are both in 金华市


def test_status_strategy_and_lq_by_hand(firms, tiny_chain):
    st = segment_status(tiny_chain, firms, home="330723")
    # Home row: ore 2, metal 1, device 1 of 4; column totals ore 3, metal 4, device 2; total 14.
    assert st.loc["ore", "lq"] == pytest.approx((2 / 4) / (3 / 14))
    assert st.loc["metal", "lq"] == pytest.approx((1 / 4) / (4 / 14))
    assert st.loc["device", "lq"] == pytest.approx((1 / 4) / (2 / 14))
    assert dict(st["status"]) == {
        "ore": "strong",
        "acid": "missing",
        "coating": "missing",
        "metal": "weak",
        "part": "missing",
        "device": "strong",
        "vehicle": "missing",
    }
    assert dict(st["strategy"]) == {
        "ore": None,
        "acid": "延链",
        "coating": "延链",
        "metal": "强链",
        "part": "补链",
        "device": None,
        "vehicle": "延链",
    }
    assert not st.loc["vehicle", "target"]  # application stage: context, not a target
    assert st.loc["part", "count_total"] == 3  # the foreign firm holds it too
    assert st.loc["ore", "anchors"] == ["本地矿一", "本地矿二"]
    assert st["density"].isna().all()  # 7 regions < min_regions_for_density (10)
    assert "补链" in st.loc["part", "reason"] and " / fill" in st.loc["part", "reason"]


def test_feasibility_adjacency_share_and_hop_decay(firms, tiny_chain):
    st = segment_status(tiny_chain, firms, home="330723")
    assert st.loc["part", "feasibility"] == pytest.approx(2 / 3)  # metal, device held; coating not
    assert st.loc["acid", "feasibility"] == pytest.approx(1 / 2)  # metal held; coating not
    assert st.loc["metal", "feasibility"] == pytest.approx(1 / 3)  # ore held; acid, part not
    assert st.loc["coating", "hops"] == 2
    assert st.loc["coating", "feasibility"] == pytest.approx(0.7 * 2 / 3)  # one hop past part


def test_status_no_data_for_segments_nobody_holds(firms, tiny_chain):
    st = segment_status(tiny_chain, firms[firms["name"] != "婺城涂层"], home="330723")
    assert st.loc["coating", "status"] == "no_data" and st.loc["coating", "strategy"] is None


def test_ranking_targets_contributions_and_exclusions(firms, tiny_chain):
    ranking = rank_enterprises(tiny_chain, firms, home="330723")
    names = list(ranking["name"])
    assert not {"本地矿一", "本地矿二", "本地设备", "本地金属"} & set(names)  # anchors, not targets
    assert "注销金属" not in names and "永康整车" not in names and "婺城设备" not in names
    assert set(names) == {
        "永康矿金",
        "余杭金属",
        "昆山金属",
        "昆山零件",
        "南山零件",
        "朝阳酸",
        "日本零件",
        "婺城涂层",
    }
    assert ranking.attrs["home_anchors_excluded"] == 4 and ranking.attrs["inactive_excluded"] == 1
    for rec in rank_records(ranking):
        assert set(rec["contributions"]) == {
            "gap_priority",
            "feasibility",
            "strength",
            "affinity",
            "intent",
        }
        assert sum(rec["contributions"].values()) == rec["score"]
    assert list(ranking["rank"]) == list(range(1, len(ranking) + 1))
    assert (ranking["score"].diff().dropna() <= 0).all()
    by = ranking.set_index("name")
    assert by.loc["永康矿金", "segment"] == "metal"  # ore is strong; metal is its gap
    assert by.loc["昆山零件", "strategy"] == "补链"


def test_ranking_is_deterministic_and_filters(firms, tiny_chain):
    a = rank_records(rank_enterprises(tiny_chain, firms, home="330723"))
    b = rank_records(
        rank_enterprises(tiny_chain, firms.sample(frac=1, random_state=3), home="330723")
    )
    assert a == b
    only = rank_enterprises(tiny_chain, firms, home="330723", segments=["part"])
    assert set(only["segment"]) == {"part"}
    zoned = rank_enterprises(tiny_chain, firms, home="330723", zone="珠三角")
    assert list(zoned["name"]) == ["南山零件"]


def test_joined_chain_gaps_treat_shared_segments_once(firms, tiny_chain):
    chain = tiny_chain
    other = Chain(
        id="other",
        name_zh="另一链",
        name_en="Other",
        segments_by_id={
            "part": chain.segments_by_id["part"],
            "robot": Segment(
                "robot", "机器人", "Robot", "product", ("机器人",), (), ("https://example.org",)
            ),
        },
        link_list=[Link("part", "robot", "used_in", "", ("https://example.org",))],
    )
    joined = join_chains([chain, other])
    st = segment_status(joined, firms, home="330723")
    assert st.loc["part", "count_total"] == 3 and st.loc["part", "chains"] == ["tiny", "other"]


def test_a_hand_made_table_without_ids_gets_the_documented_ids(tiny_chain, firms):
    from chainmap.analysis.plan import build_plan
    from chainmap.model.enterprises import enterprise_id

    bare = firms.drop(columns=["enterprise_id"])
    plan = build_plan(tiny_chain, bare, home="330723", fields=2)
    for e in plan.key_enterprises:
        row = bare[bare["name"] == e["name"]].iloc[0]
        code = row["region_code"] if isinstance(row["region_code"], str) else None
        assert e["enterprise_id"] == enterprise_id(None, row["name"], code)


def test_zone_filter_on_a_large_synthetic_table():
    from chainmap.model.chain import load_chain
    from chainmap.synthetic import synthetic_registry

    chain = load_chain("fluorochem")
    table = synthetic_registry(3000, chain, seed=5, chain_share=0.5)
    zoned = rank_enterprises(chain, table, zone="长三角", with_stability=False)
    assert len(zoned) and zoned["region_code"].str[:2].isin(["31", "32", "33", "34"]).all()


def test_zone_filter_with_no_candidates_gives_an_empty_ranking(tiny_chain, firms):
    empty = rank_enterprises(tiny_chain, firms, home="330723", segments=["ore"], zone="长三角")
    assert len(empty) == 0 and "segment" in empty.columns


@pytest.mark.parametrize("tail", ["000", "000000"])
def test_statistical_region_codes_place_firms_as_their_adcodes(tmp_path, tail):
    """A notebook table with the statistics bureau's 9- or 12-digit codes (330723000000)
    places its firms as their 6-digit adcodes do: the same status, ranking and plan, in
    memory and streamed from Parquet; the codes are read as the adcodes they stand for."""
    import pandas as pd

    from chainmap import datasets, load_chain
    from chainmap.analysis.plan import build_plan

    chain = load_chain("fluorochem")
    table = datasets.enterprises(chain)
    long = table.assign(
        region_code=pd.Series(
            [c + tail if isinstance(c, str) and c else c for c in table["region_code"]],
            index=table.index,
            dtype=table["region_code"].dtype,
        )
    )
    assert long["region_code"].str.len().max() == 6 + len(tail)
    pd.testing.assert_frame_equal(segment_status(chain, long), segment_status(chain, table))
    want, got = rank_enterprises(chain, table), rank_enterprises(chain, long)
    assert len(want) > 20 and want.attrs["home_anchors_excluded"] > 0
    pd.testing.assert_frame_equal(got.drop(columns="region_code"), want.drop(columns="region_code"))
    assert got.attrs == want.attrs
    assert got["region_code"].tolist() == want["region_code"].tolist()  # read as adcodes
    assert build_plan(chain, long).key_regions == build_plan(chain, table).key_regions
    table.to_parquet(tmp_path / "six.parquet")
    long.to_parquet(tmp_path / "long.parquet")
    want = rank_enterprises(chain, tmp_path / "six.parquet", engine="stream")
    got = rank_enterprises(chain, tmp_path / "long.parquet", engine="stream")
    pd.testing.assert_frame_equal(got.drop(columns="region_code"), want.drop(columns="region_code"))
