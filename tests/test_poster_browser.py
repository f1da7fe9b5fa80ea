"""The static poster in a real headless Chromium: every text measured with getBBox()."""

from __future__ import annotations

from cdp import Chromium, file_url, find_chromium
from click.testing import CliRunner
import pytest

from chainmap.cli import cli

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = find_chromium()
WIDTH = 1920  # the poster shown full-width on a 1920 px screen
MIN_PX = 12

# Every <text>: its box on screen, its drawn font size, and the box of the rect
# it belongs to (data-in), all in CSS px at the rendered width.
MEASURE = """(function () {
  var svg = document.querySelector("svg");
  var k = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  function box(el) {
    var b = el.getBBox();
    return {left: b.x * k, top: b.y * k, right: (b.x + b.width) * k, bottom: (b.y + b.height) * k};
  }
  return Array.from(svg.querySelectorAll("text")).map(function (t, i) {
    var b = box(t);
    b.i = i;
    b.text = t.textContent;
    b.px = parseFloat(getComputedStyle(t).fontSize) * k;
    b.within = box(document.getElementById(t.getAttribute("data-in")));
    return b;
  });
})()"""


def has_cjk_font() -> bool:
    """A Chinese font is installed (fontconfig), or there is no fontconfig to ask."""
    import shutil
    import subprocess

    fc = shutil.which("fc-list")
    if fc is None:
        return True
    found = subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True)
    return bool(found.stdout.strip())


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no chromium binary (/usr/bin/chromium); .ci/run installs Debian's chromium")
    if not has_cjk_font():
        pytest.skip("no Chinese font (fonts-noto-cjk); .ci/run installs it")
    with Chromium(CHROMIUM) as chromium:
        yield chromium


@pytest.fixture(scope="module")
def posters(tmp_path_factory):
    out = tmp_path_factory.mktemp("posters")
    views = {
        "default": ["fluorochem"],
        "joined": ["fluorochem,lithium_battery"],
        "pvdf": ["fluorochem", "--segment", "pvdf", "--depth", "2"],
        "lithium": ["lithium_battery"],
    }
    paths = {}
    for name, args in views.items():
        path = out / f"{name}.svg"
        result = CliRunner().invoke(cli, ["map", *args, "-o", str(path)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        paths[name] = path
    return paths


def overlapping(texts: list[dict]) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            if (
                min(a["right"], b["right"]) - max(a["left"], b["left"]) > 0.5
                and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 0.5
            ):
                out.append((a["text"], b["text"]))
    return out


@pytest.mark.parametrize("view", ["default", "joined", "pvdf", "lithium"])
def test_every_text_reads_stays_in_its_box_and_overlaps_nothing(browser, posters, view):
    page = browser.open("about:blank")
    page.show(file_url(posters[view]), WIDTH, 1200)
    page.wait_for("document.querySelectorAll('svg text').length > 0", timeout=20)
    page.eval("document.fonts.ready.then(function () { return true; })")
    page.eval(
        "var s=document.querySelector('svg'); s.style.width='1920px'; s.style.height='auto'; true"
    )
    texts = page.eval(MEASURE)
    assert len(texts) > 20 and page.exceptions == []
    assert [(t["text"], round(t["px"], 1)) for t in texts if t["px"] < MIN_PX] == []
    outside = [
        t["text"]
        for t in texts
        if t["left"] < t["within"]["left"] - 0.5
        or t["right"] > t["within"]["right"] + 0.5
        or t["top"] < t["within"]["top"] - 0.5
        or t["bottom"] > t["within"]["bottom"] + 0.5
    ]
    assert outside == []
    assert overlapping(texts) == []
    assert only_the_file(page, posters[view]) == []


def only_the_file(page, path) -> list[str]:
    own = file_url(path)
    return [u for u in page.requests if u != own and not u.startswith("data:")]
