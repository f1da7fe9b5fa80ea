"""Maps in a real headless Chromium: rendered nodes, no network, no script injection."""

from __future__ import annotations

import json
import time

from cdp import Chromium, file_url, find_chromium
import pytest
from test_maps import XSS, xss_inputs

from chainmap.outputs.maps import build_map, write_map

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium binary (/usr/bin/chromium); .ci/run installs Debian's chromium",
)

RENDERED = "document.body && document.body.getAttribute('data-rendered')"
TITLE_SENTINEL = "chainmap-sentinel-title"


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no chromium binary (/usr/bin/chromium); .ci/run installs Debian's chromium")
    with Chromium(CHROMIUM) as chromium:
        yield chromium


def only_the_file(page, path) -> list[str]:
    """Requests other than the map file itself (data: URLs are inline, not requests out)."""
    own = file_url(path)
    return [u for u in page.requests if u != own and not u.startswith("data:")]


@needs_chromium
def test_fluorochem_map_renders_offline_from_another_directory(browser, tmp_path, fluorochem):
    net = build_map(fluorochem)
    path = write_map(net, tmp_path / "elsewhere" / "nested" / "fluorochem map.html")
    page = browser.open(file_url(path))
    assert int(page.wait_for(RENDERED)) == len(net.nodes)
    assert page.eval("window.chainmapNodes.length") == len(fluorochem)
    assert page.eval("window.chainmapEdges.length") == len(fluorochem.link_list)
    # vis-network drew onto its canvas at the precomputed position of a segment
    pos = page.eval("JSON.stringify(chainmapNetwork.getPosition('seg:pvdf'))")
    node = next(n for n in net.nodes if n["id"] == "seg:pvdf")
    assert json.loads(pos) == {"x": node["x"], "y": node["y"]}
    assert page.eval("document.querySelectorAll('canvas').length") >= 1
    assert only_the_file(page, path) == []
    assert page.exceptions == []


@pytest.fixture
def xss_page(browser, tmp_path):
    chain, status, ranking = xss_inputs()
    net = build_map(
        chain, status=status, ranking=ranking, title=TITLE_SENTINEL, data_date=XSS["js"]
    )
    path = write_map(net, tmp_path / "xss.html")
    page = browser.open(file_url(path))
    page.wait_for(RENDERED)
    return page, net, path


def node_point(page, node_id: str) -> tuple[float, float]:
    """Viewport coordinates of a node's centre."""
    xy = page.eval(
        "(function(){var p=chainmapNetwork.canvasToDOM(chainmapNetwork.getPosition("
        + json.dumps(node_id)
        + "));var r=document.getElementById('chainmap-canvas').getBoundingClientRect();"
        "return [p.x + r.left, p.y + r.top];})()"
    )
    return xy[0], xy[1]


@needs_chromium
def test_xss_payloads_do_not_execute(xss_page):
    page, net, path = xss_page
    assert page.eval("window.chainmapNodes.length") == len(net.nodes)
    assert page.eval("document.title") == TITLE_SENTINEL
    # Hover every node (tooltips), click to select it, then use the search and filter.
    for node in net.nodes:
        x, y = node_point(page, node["id"])
        page.mouse("mouseMoved", x, y)
        page.wait_for("document.querySelector('div.vis-tooltip') !== null", timeout=5)
        page.click(x, y)
    for query in ("<img", "script", "javascript", '" onmouse', "企业"):
        page.eval("var i=document.getElementById('cm-search'); i.value=''; i.focus(); true")
        page.type_text(query)
        page.eval("document.getElementById('cm-only').click(); true")
        page.eval(
            "Array.from(document.querySelectorAll('#cm-matches button')).forEach(b => b.click()); true"
        )
        page.eval("document.getElementById('cm-only').click(); true")
    time.sleep(0.5)  # let any injected onerror handler fire
    assert page.eval("typeof window.__xss") == "undefined"
    # The search really ran: matches were listed as text, not markup.
    page.eval("var i=document.getElementById('cm-search'); i.value=''; i.focus(); true")
    page.type_text("<img")
    labels = page.eval(
        "Array.from(document.querySelectorAll('#cm-matches button')).map(b => b.textContent)"
    )
    assert XSS["img"] in labels
    assert page.eval("document.querySelectorAll('#cm-matches img, #cm-matches script').length") == 0
    # Tooltips were built as text too: the last one holds the payload as a string.
    assert page.eval("document.querySelectorAll('div.vis-tooltip img').length") == 0
    assert page.eval("document.title") == TITLE_SENTINEL
    assert only_the_file(page, path) == []  # an executed <img src=x> would request file:///…/x
    assert page.exceptions == []


@needs_chromium
def test_payload_text_is_visible_as_text(xss_page):
    page = xss_page[0]
    facts = page.eval("document.querySelector('.cm-facts').textContent")
    assert XSS["js"] in facts  # the data date shown verbatim, as text
    x, y = node_point(page, "seg:s1")
    page.mouse("mouseMoved", x, y)
    tip = page.wait_for(
        "(function(){var t=document.querySelector('div.vis-tooltip');"
        "return t && t.style.visibility !== 'hidden' ? t.textContent : '';})()",
        timeout=5,
    )
    assert XSS["img"] in tip


@needs_chromium
def test_search_filter_keeps_matches_and_their_neighbours(xss_page):
    page, net, _ = xss_page
    hit = "seg:s3"  # 正常 / Normal
    expected = {hit}
    for e in net.edges:
        if hit in (e["from"], e["to"]):
            expected |= {e["from"], e["to"]}
    page.eval("var i=document.getElementById('cm-search'); i.value=''; i.focus(); true")
    page.type_text("正常")
    page.eval("document.getElementById('cm-only').click(); true")
    shown = page.eval("chainmapNodes.get({filter: n => !n.hidden}).map(n => n.id)")
    assert set(shown) == expected and len(expected) < len(net.nodes)
    assert page.eval("chainmapNetwork.getSelectedNodes()") == [hit]
    page.eval("document.getElementById('cm-only').click(); true")  # filter off: all back
    assert page.eval("chainmapNodes.get({filter: n => !n.hidden}).length") == len(net.nodes)


# Records how many nodes the map held when it marked its first draw.
COUNT_AT_FIRST_DRAW = """Object.defineProperty(window, "chainmapFirstDrawn", {
  configurable: true,
  set: function (t) { window.__first = {t: t, nodes: window.chainmapNodes.get().map(
    function (n) { return n.kind; })}; },
  get: function () { return window.__first && window.__first.t; }
});"""


@needs_chromium
def test_segments_are_drawn_before_the_firms(browser, tmp_path):
    chain, status, ranking = xss_inputs()
    net = build_map(chain, status=status, ranking=ranking)
    firms = [n for n in net.nodes if n["kind"] != "segment"]
    assert firms  # the map has firms to add later
    path = write_map(net, tmp_path / "staged.html")
    page = browser.open("about:blank")
    browser.send(
        "Page.addScriptToEvaluateOnNewDocument", {"source": COUNT_AT_FIRST_DRAW}, page.session
    )
    browser.send("Page.navigate", {"url": file_url(path)}, session=page.session)
    assert int(page.wait_for(RENDERED)) == len(net.nodes)
    first = page.eval("window.__first")
    assert sorted(first["nodes"]) == ["segment"] * (len(net.nodes) - len(firms))
    assert first["t"] <= page.eval("window.chainmapRendered")
    assert page.exceptions == []


# ---------------------------------------------------------------------- legibility

SCREENS = ((1366, 768), (1920, 1080))
MIN_PX = 12

# Every box drawn at the first view, in screen px: segment boxes (with their label),
# satellite chips, stage headings and bands; labels carry their drawn font size.
MEASURE = """(function () {
  var net = chainmapNetwork, scale = net.getScale();
  var canvas = document.getElementById("chainmap-canvas").getBoundingClientRect();
  function dom(l, t, r, b) {
    var p = net.canvasToDOM({x: l, y: t}), q = net.canvasToDOM({x: r, y: b});
    return {left: p.x, top: p.y, right: q.x, bottom: q.y};
  }
  var boxes = [];
  net.body.nodeIndices.forEach(function (id) {
    var n = net.body.nodes[id], s = net.getBoundingBox(id), lab = n.labelModule;
    var box = dom(s.left, s.top, s.right, s.bottom);
    box.id = id;
    box.kind = n.options.kind;
    box.label = lab.visible() ? lab.fontOptions.size * scale : 0;
    // vis-network fades text by its size capped at maxVisible against drawThreshold
    var sc = lab.elementOptions.scaling.label, e = lab.fontOptions.size * scale;
    if (e >= sc.maxVisible) { e = sc.maxVisible / scale; }
    box.alpha = e <= sc.drawThreshold ? Math.max(0, Math.min(1, 1 - (sc.drawThreshold - e))) : 1;
    boxes.push(box);
  });
  chainmapDecor.forEach(function (d) {
    var box = dom(d.box.left, d.box.top, d.box.right, d.box.bottom);
    box.id = d.kind + ":" + d.text + ":" + d.x;
    box.kind = d.kind;
    box.label = d.size * scale;
    boxes.push(box);
  });
  return {boxes: boxes, width: canvas.width, height: canvas.height};
})()"""


def overlaps(boxes: list[dict], slack: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of boxes that overlap by more than ``slack`` px both ways."""
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if (
                min(a["right"], b["right"]) - max(a["left"], b["left"]) > slack
                and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > slack
            ):
                out.append((a["id"], b["id"]))
    return out


@pytest.fixture(scope="module")
def briefing_maps(tmp_path_factory):
    """The maps a county office shows, written by the CLI from the bundled sample."""
    from click.testing import CliRunner

    from chainmap.cli import cli

    out = tmp_path_factory.mktemp("maps")
    views = {
        "default": ["fluorochem"],
        "pvdf": ["fluorochem", "--segment", "pvdf", "--depth", "2"],
        "ptfe": ["fluorochem", "--segment", "ptfe", "--depth", "2"],
        "joined": ["fluorochem,lithium_battery"],
        "no-apps": ["fluorochem", "--hide-stage", "application"],
    }
    paths = {}
    for name, args in views.items():
        path = out / f"{name}.html"
        result = CliRunner().invoke(cli, ["map", *args, "-o", str(path)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        paths[name] = path
    return paths


def measure(browser, path, width, height) -> dict:
    page = browser.open("about:blank")
    page.show(file_url(path), width, height)
    page.wait_for(RENDERED)
    page.wait_for("window.chainmapDecor.every(function (d) { return d.box; })")
    data = page.eval(MEASURE)
    data["exceptions"] = page.exceptions
    return data


@needs_chromium
@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("view", ["default", "pvdf", "ptfe", "joined", "no-apps"])
def test_first_view_fits_and_every_label_reads(browser, briefing_maps, view, size):
    data = measure(browser, briefing_maps[view], *size)
    boxes = data["boxes"]
    segments = [b for b in boxes if b["kind"] == "segment"]
    assert segments and data["exceptions"] == []
    # Every segment label and heading is drawn, at 12 CSS px or more.
    small = [
        (b["id"], round(b["label"], 1))
        for b in boxes
        if b["kind"] != "target"
        and b["kind"] not in ("anchor", "enterprise")
        and b["label"] < MIN_PX
    ]
    assert small == []
    # A satellite's name is drawn only when it reads; drawn names are never small.
    chips = [b for b in boxes if b["kind"] in ("anchor", "target", "enterprise")]
    assert all(b["label"] == 0 or b["label"] >= MIN_PX for b in chips)
    faded = [b["id"] for b in boxes if b["label"] and b.get("alpha", 1) < 0.5]
    assert faded == []  # a drawn name is opaque, not faded out
    # Nothing overlaps: boxes, chips (with their names), headings and bands.
    bad = overlaps(boxes)
    byid = {b["id"]: b for b in boxes}
    assert bad == [], [(a, b, byid[a], byid[b]) for a, b in bad[:2]]
    # The first view fits the whole drawing inside the canvas (nothing clipped).
    for b in boxes:
        assert b["left"] >= -0.5 and b["top"] >= -0.5, b
        assert b["right"] <= data["width"] + 0.5 and b["bottom"] <= data["height"] + 0.5, b
    if view == "pvdf":  # a focus view is small enough to name its targets at once
        assert chips and all(b["label"] >= MIN_PX for b in chips)
