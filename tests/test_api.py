"""The public API (chainmap.__init__), rich display and the notebook-facing seams."""

from __future__ import annotations

import html
import subprocess
import sys

import pandas as pd
import pytest

import chainmap
from chainmap.model.chain import Chain, Link, Segment

HEAVY = ("pandas", "rdflib", "networkx", "numpy", "pyvis", "pyoxigraph", "matplotlib")


def _imported_after(code: str) -> set[str]:
    """Heavy top-level modules present in a fresh interpreter after running ``code``."""
    probe = f"import sys\n{code}\nprint(' '.join(sorted(set(sys.modules) & set({HEAVY!r}))))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_import_chainmap_loads_no_heavy_library():
    assert _imported_after("import chainmap") == set()


def test_a_lazy_name_loads_its_libraries_only_when_used():
    # the control: the probe does see pandas/networkx once a name needs them
    loaded = _imported_after("import chainmap\nchainmap.load_chain('fluorochem')")
    assert "pandas" in loaded
    assert "rdflib" not in loaded  # a bundled chain is pre-parsed: no Turtle parser needed
    assert "networkx" not in loaded  # the supply graph is built on first use
    assert "networkx" not in _imported_after(
        "import chainmap\nchainmap.load_chain('fluorochem').upstream('pvdf')"
    )
    assert "networkx" in _imported_after(
        "import chainmap\nchainmap.load_chain('fluorochem').paths('ahf', 'pvdf')"
    )
    assert "rdflib" in _imported_after(
        "import chainmap\nchainmap.load_chain('fluorochem').to_rdf()"
    )


def test_every_public_name_resolves_and_is_listed_once():
    assert chainmap.__all__ == sorted(chainmap.__all__)
    assert len(set(chainmap.__all__)) == len(chainmap.__all__)
    assert set(chainmap._LAZY) <= set(chainmap.__all__)
    for name in chainmap.__all__:
        assert getattr(chainmap, name) is not None, name
    assert set(chainmap.__all__) <= set(dir(chainmap))
    with pytest.raises(AttributeError, match="no_such_name"):
        chainmap.no_such_name  # noqa: B018


def test_public_names_are_the_library_objects():
    from chainmap.analysis import classify, gaps, plan, scoring
    from chainmap.model import regions
    from chainmap.outputs import kg, maps

    assert chainmap.datasets is sys.modules["chainmap.datasets"]
    assert chainmap.regions is regions.regions
    assert chainmap.classify is classify.classify
    assert chainmap.segment_status is gaps.segment_status
    assert chainmap.region_segment_matrix is gaps.region_segment_matrix
    assert chainmap.rank_enterprises is scoring.rank_enterprises
    assert chainmap.build_plan is plan.build_plan
    assert chainmap.build_map is maps.build_map
    assert chainmap.build_kg is kg.build_kg


@pytest.mark.parametrize(
    "name",
    [
        "load_chain",
        "load_chains",
        "read_enterprises",
        "classify",
        "segment_status",
        "rank_enterprises",
        "build_plan",
        "build_map",
        "build_kg",
        "regions",
        "region_segment_matrix",
        "load_profile",
    ],
)
def test_the_documented_functions_carry_runnable_examples(name):
    doc = getattr(chainmap, name).__doc__ or ""
    assert "Examples\n" in doc and ">>> " in doc, name


# ---------------------------------------------------------------------- rich display

HOSTILE = '<script>alert("x")</script>&<b onmouseover=1>'


def _assert_escaped(markup: str) -> None:
    assert "<script>" not in markup and "<b " not in markup
    assert html.escape(HOSTILE) in markup


def _hostile_chain() -> Chain:
    src = ("https://example.org",)
    segs = {
        "ore": Segment("ore", HOSTILE, HOSTILE, "resource", (), (), src),
        "metal": Segment("metal", "金属", "Metal", "material", (), (), src),
    }
    return Chain(
        id="evil",
        name_zh=HOSTILE,
        name_en=HOSTILE,
        segments_by_id=segs,
        link_list=[Link("ore", "metal", "feedstock_of", "", src)],
    )


def test_chain_html_is_escaped_and_summarises_stages():
    markup = _hostile_chain()._repr_html_()
    _assert_escaped(markup)
    assert "2 环节 segments, 1 链接 links" in markup


def test_chain_html_stays_compact_for_the_largest_bundled_chain(fluorochem):
    markup = fluorochem._repr_html_()
    stages = len(fluorochem.by_stage())
    assert markup.count("<tr>") == stages + 1  # header + one row per stage, not per segment
    for stage, segs in fluorochem.by_stage().items():
        assert f"<td style='text-align:right'>{len(segs)}</td>" in markup, stage


def test_plan_html_is_escaped_and_shows_top_rows():
    firms = pd.DataFrame(
        {
            "enterprise_id": ["h:1", "h:2"],
            "name": ["本地矿", HOSTILE],
            "region_code": ["330723", "330802"],
            "segments": [["ore"], ["metal"]],
        }
    )
    plan = chainmap.build_plan(_hostile_chain(), firms, home="330723")
    markup = plan._repr_html_()
    _assert_escaped(markup)
    assert "衢州市" in markup and "延链" in markup


def test_import_report_html_is_escaped_and_truncated():
    from chainmap.model.report import ImportReport

    report = ImportReport(source=HOSTILE)
    report.read = 30
    for row in range(2, 32):
        report.reject(row, HOSTILE, "bad", HOSTILE)
    report.notes.append(HOSTILE)
    markup = report._repr_html_()
    _assert_escaped(markup)
    assert markup.count("<tr>") == 1 + 20 and "10 more" in markup
    assert markup.count(html.escape(HOSTILE)) == 1 + 20 * 2 + 1  # source, cells, note


def test_display_map_embeds_the_page_escaped_in_srcdoc(tiny_chain):
    pytest.importorskip("IPython")
    shown = chainmap.display_map(chainmap.build_map(tiny_chain))
    assert shown.data.count("<iframe") == 1 and 'srcdoc="' in shown.data
    assert "<script" not in shown.data.split('srcdoc="', 1)[1].split('"', 1)[0]


# ---------------------------------------------------------------------- seams


def test_untagged_rows_are_classified_without_reading_other_chains_tags(fluorochem):
    """A table spanning chains: tags of another chain must not break classification."""
    firms = pd.DataFrame(
        {
            "enterprise_id": ["h:1", "h:2", "h:3"],
            "name": ["萤石矿", "电池包厂", "氟材料厂"],
            "region_code": ["330723", "330784", "330802"],
            "segments": [["fluorspar"], ["nev_battery_pack"], None],
            "scope": [None, None, "聚偏氟乙烯生产"],
        }
    )
    gaps = chainmap.segment_status(fluorochem, firms, home="330723")
    assert gaps.loc["pvdf", "count_total"] == 1  # classified from its scope
    assert gaps.loc["fluorspar", "count_home"] == 1  # tagged, kept
    assert gaps["count_total"].sum() == 2  # the battery-pack firm is outside the chain
