"""The HTML plan and the one-pager in a real headless Chromium: laid out on a laptop
screen and printed to A4 PDF (issue 18 §3)."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess

from cdp import file_url
import pytest
import test_maps_browser

from chainmap import datasets, load_chain
from chainmap.analysis.plan import build_plan
from chainmap.outputs import report

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: The map tests' module-scoped headless Chromium (skips where none is installed).
browser = test_maps_browser.browser


@pytest.fixture(scope="module")
def plan():
    chain = load_chain("fluorochem")
    return build_plan(chain, datasets.enterprises(chain), sources=["bundled sample"])


def _open(browser, path, width=1366, height=768):
    page = browser.open("about:blank")
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        session=page.session,
    )
    browser.send("Page.navigate", {"url": file_url(path)}, session=page.session)
    page.wait_for("document.readyState === 'complete' && !!document.querySelector('h1')")
    return page


def _print(browser, page, out):
    data = browser.send(
        "Page.printToPDF",
        {"preferCSSPageSize": True, "printBackground": True},
        session=page.session,
    )["data"]
    out.write_bytes(base64.b64decode(data))
    return out


def _page_texts(pdf):
    """Text of each PDF page (poppler's pdftotext)."""
    if not shutil.which("pdftotext"):
        pytest.skip("no pdftotext (poppler-utils); .ci/run installs it")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_headers_never_wrap_and_the_page_fits_the_screen(browser, plan, tmp_path, size):
    path = tmp_path / "plan.html"
    path.write_text(report.plan_to_html(plan), encoding="utf-8")
    page = _open(browser, path, *size)
    lines = page.eval(
        "[...document.querySelectorAll('th')].map(th => {"
        " const s = getComputedStyle(th); const lh = parseFloat(s.lineHeight) ||"
        " 1.5 * parseFloat(s.fontSize);"
        " const pad = parseFloat(s.paddingTop) + parseFloat(s.paddingBottom);"
        " return [th.textContent, Math.round((th.clientHeight - pad) / lh)]; })"
    )
    assert lines
    # a header on one line, or taller only because a data cell made its row tall
    wrapped = [t for t, n in lines if n > 1 and len(t) > 1]
    for text in wrapped:
        one = page.eval(
            "(() => { const r = document.createRange(); const th = [...document"
            f".querySelectorAll('th')].find(t => t.textContent === {text!r});"
            " r.selectNodeContents(th); return r.getClientRects().length; })()"
        )
        assert one == 1, text
    assert page.eval("document.documentElement.scrollWidth <= window.innerWidth + 1")
    font = page.eval("parseFloat(getComputedStyle(document.querySelector('td')).fontSize)")
    assert font >= 13


def test_html_plan_prints_to_a4_with_the_plan_on_page_one(browser, plan, tmp_path):
    path = tmp_path / "plan.html"
    path.write_text(report.plan_to_html(plan), encoding="utf-8")
    pdf = _print(browser, _open(browser, path), tmp_path / "plan.pdf")
    size = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes())
    assert size and {round(float(size.group(1))), round(float(size.group(2)))} == {842, 595}
    pages = _page_texts(pdf)
    first = pages[0]
    assert "招商目标方案" in first
    # page one carries the plan itself, not just a heading above white space
    assert "一、重点领域" in first and plan.key_fields[0]["name_zh"] in first
    assert len(first.split()) > 60
    assert all(p.strip() for p in pages)


def test_one_pager_prints_on_one_a4_page(browser, plan, tmp_path):
    path = tmp_path / "brief.html"
    path.write_text(report.one_page_html(plan), encoding="utf-8")
    pdf = _print(browser, _open(browser, path), tmp_path / "brief.pdf")
    pages = _page_texts(pdf)
    assert len(pages) == 1
    for e in sorted(plan.key_enterprises, key=lambda r: r["rank"])[:10]:
        assert e["name"][:6] in pages[0]
    assert "数据说明" in pages[0]
