"""Captive links: a segment made on the site of its downstream (TFE for PTFE) is held by
every firm that holds the downstream, in every engine, and the chain files carry it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chainmap import datasets, load_chain
from chainmap.analysis import holdings
from chainmap.analysis.gaps import segment_status
from chainmap.analysis.holdings import Captive, FlatSegments, prepare_holdings
from chainmap.errors import ChainError, InputError
from chainmap.model.chain import chain_from_tables, parse_chain


def _tiny(captive: str = "true", relation: str = "feedstock_of") -> tuple:
    segments = pd.DataFrame(
        {
            "id": ["ore", "metal", "part"],
            "name_zh": ["矿石", "金属", "零件"],
            "stage": ["resource", "material", "component"],
        }
    )
    links = pd.DataFrame(
        {
            "upstream_id": ["ore", "metal"],
            "downstream_id": ["metal", "part"],
            "relation": ["feedstock_of", relation],
            "captive": ["", captive],
        }
    )
    return segments, links


def test_the_bundled_chain_holds_tfe_captive_to_its_polymers():
    chain = load_chain("fluorochem")
    assert chain.captive_upstreams == {"hfp": ("tfe",), "fep_pfa": ("tfe",), "ptfe": ("tfe",)}
    captive = {(k.upstream, k.downstream) for k in chain.link_list if k.captive}
    assert captive == {("tfe", "ptfe"), ("tfe", "fep_pfa"), ("tfe", "hfp")}
    for link in chain.link_list:  # each sourced to the ECHA dossier it rests on
        if link.captive:
            assert any("echa.europa.eu" in s for s in link.sources)


def test_captive_links_follow_through_and_survive_turtle():
    segments, links = _tiny()
    links.loc[0, "captive"] = "是"
    chain = chain_from_tables(segments, links, chain_id="tiny", name_zh="小链")
    assert chain.captive_upstreams == {"metal": ("ore",), "part": ("ore", "metal")}
    again = parse_chain(chain.to_turtle(), origin="tiny.ttl")
    assert [(k.upstream, k.downstream, k.captive) for k in again.links] == [
        (k.upstream, k.downstream, k.captive) for k in chain.links
    ]
    assert again.captive_upstreams == chain.captive_upstreams


@pytest.mark.parametrize(
    ("captive", "relation", "why"),
    [("true", "used_in", "only a feedstock_of link"), ("maybe", "feedstock_of", "true or false")],
)
def test_a_bad_captive_cell_names_its_row_and_column(captive, relation, why):
    segments, links = _tiny(captive, relation)
    with pytest.raises(InputError) as err:
        chain_from_tables(segments, links, chain_id="tiny", name_zh="小链", links_file="l.csv")
    assert why in str(err.value)
    assert (err.value.file, err.value.row, err.value.column) == ("l.csv", 3, "captive")


def test_a_captive_used_in_link_in_turtle_is_refused():
    chain = chain_from_tables(*_tiny(""), chain_id="tiny", name_zh="小链")
    text = chain.to_turtle().replace(
        "cm:relation cm:feedstockOf", "cm:relation cm:usedIn ;\n    cm:captive true", 1
    )
    with pytest.raises(ChainError, match="only a cm:feedstockOf link is captive"):
        parse_chain(text, origin="tiny.ttl")


def _table(lists: list[list[str]]) -> pd.DataFrame:
    n = len(lists)
    return pd.DataFrame(
        {
            "name": [f"甲{i}公司" for i in range(n)],
            "segments": lists,
            "segments_source": ["tagged"] * n,
            "region_code": ["330723"] * n,
        }
    )


def test_a_ptfe_maker_holds_tfe_and_keeps_its_own_tags():
    chain = load_chain("fluorochem")
    held = prepare_holdings(chain, _table([["ptfe"], ["tfe", "ptfe"], ["ahf"], ["pvdf"]]))
    frame = held.frame
    assert frame["chain_segments"].tolist() == [["ptfe", "tfe"], ["tfe", "ptfe"], ["ahf"], ["pvdf"]]
    assert frame["segments"].tolist() == [["ptfe"], ["tfe", "ptfe"], ["ahf"], ["pvdf"]]
    # the few columns read without the frame say the same
    fresh = prepare_holdings(chain, _table([["ptfe"], ["tfe", "ptfe"], ["ahf"], ["pvdf"]]))
    assert fresh.columns(["chain_segments"])["chain_segments"].tolist() == (
        frame["chain_segments"].tolist()
    )


def test_quzhou_holds_tfe_through_its_ptfe_and_fep_makers():
    """衢州 makes PTFE (永和) and FEP (巨化): TFE is not a gap to fill there."""
    chain = load_chain("fluorochem")
    firms = datasets.enterprises(chain)
    status = segment_status(chain, firms, home="330800")
    assert status.loc["tfe", "status"] in {"weak", "strong"}
    assert status.loc["tfe", "count_home"] >= 2
    assert {"浙江巨化股份有限公司", "浙江永和制冷股份有限公司"} <= set(status.loc["tfe", "anchors"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_numbered_lists_gain_what_the_reference_adds(seed):
    """Captive.numbered (every id at once) equals Captive.lists (row by row), the
    reference, on random lists of the bundled chain: the same ids per row, in order."""
    chain = load_chain("fluorochem")
    captive = Captive.of(chain)
    ids = list(chain.segments_by_id)
    rng = np.random.default_rng(seed)
    lists = [
        list(dict.fromkeys(rng.choice(ids + ["ptfe", "fep_pfa"] * 5, size=rng.integers(1, 5))))
        for _ in range(4000)
    ]
    if seed == 2:  # no row holds TFE itself: the id is new to the numbering
        lists = [[s for s in v if s != "tfe"] or ["ahf"] for v in lists]
    codes, names = pd.factorize(np.concatenate([np.array(v, dtype=object) for v in lists]))
    lengths = np.array([len(v) for v in lists])
    (got_codes, got_names), got_lengths = captive.numbered((codes, np.asarray(names)), lengths)
    want = captive.lists(lists)
    assert want is not lists and want != lists
    got_flat = got_names[got_codes].tolist()
    starts = np.cumsum(got_lengths) - got_lengths
    got = [got_flat[a : a + k] for a, k in zip(starts.tolist(), got_lengths.tolist(), strict=True)]
    assert got == want
    ref = FlatSegments(want, chain)
    fast = FlatSegments.of_ids(got_codes, got_names, got_lengths, chain)
    np.testing.assert_array_equal(fast.flat, ref.flat)
    np.testing.assert_array_equal(fast.lengths, ref.lengths)


def test_parquet_arrays_at_scale_gain_tfe_as_lists_do(tmp_path, monkeypatch):
    """The Arrow path (Parquet arrays, ids numbered at once) and the row-by-row path give
    the same chain segments and the same counts."""
    chain = load_chain("fluorochem")
    ids = list(chain.segments_by_id)
    rng = np.random.default_rng(5)
    lists = [list(dict.fromkeys(rng.choice(ids, size=rng.integers(1, 4)))) for _ in range(3000)]
    lists[0] = ["ptfe"]
    _table(lists).to_parquet(tmp_path / "t.parquet", index=False)
    table = pd.read_parquet(tmp_path / "t.parquet")
    seen = []
    for rows in (10**9, 0):  # the row-by-row path, then Arrow's
        monkeypatch.setattr(holdings, "NATIVE_MIN_ROWS", rows)
        held = prepare_holdings(chain, table)
        flat = held.flat
        seen.append((flat.flat, flat.lengths, held.columns(["chain_segments"])))
    (ref_flat, ref_len, ref_frame), (got_flat, got_len, got_frame) = seen
    np.testing.assert_array_equal(got_flat, ref_flat)
    np.testing.assert_array_equal(got_len, ref_len)
    pd.testing.assert_frame_equal(got_frame, ref_frame)
    assert ref_frame["chain_segments"].iloc[0] == ["ptfe", "tfe"]
    assert FlatSegments(ref_frame["chain_segments"].tolist(), chain).flat.tolist() == (
        ref_flat.tolist()
    )


def test_a_captive_gap_is_not_a_target_alone_and_says_why():
    """武义 (R22 held) extends to TFE: the gap says TFE comes only with its polymer plant
    and is not a target on its own, so no firm is ranked for TFE (its makers rank under
    the polymer gaps), in the ranking and its stability runs alike. Listed in the
    profile's [segments] include, TFE is a target again and each lead says the same."""
    from chainmap.analysis.scoring import rank_enterprises

    chain = load_chain("fluorochem")
    firms = datasets.enterprises(chain)
    status = segment_status(chain, firms, home="330723")
    tfe = status.loc["tfe"]
    assert tfe["strategy"] == "延链" and not tfe["target"] and tfe["made_on_site"]
    assert "不外运, 随" in tfe["reason"] and "不单独作为招商目标" in tfe["reason"]
    assert "not a target on its own" in tfe["reason"]
    others = status.drop(index="tfe")
    assert "不外运" not in "".join(others["reason"]) and not others["made_on_site"].any()
    ranked = rank_enterprises(chain, firms, home="330723", status=status, top=None)
    assert "tfe" not in set(ranked["segment"])
    assert "一体化项目" not in "".join(ranked["reasons"])
    profile = {"segments": {"include": ["tfe"]}}
    status = segment_status(chain, firms, home="330723", profile=profile)
    assert status.loc["tfe", "target"] and not status.loc["tfe", "made_on_site"]
    ranked = rank_enterprises(chain, firms, home="330723", status=status, profile=profile)
    leads = ranked[ranked["segment"] == "tfe"]
    assert len(leads) and all("宜作一体化项目招引" in r for r in leads["reasons"])
    assert not any("一体化项目" in r for r in ranked[ranked["segment"] != "tfe"]["reasons"])
