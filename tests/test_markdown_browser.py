"""The Markdown plan rendered by a CommonMark renderer, then loaded in headless Chromium.

A CommonMark viewer (VS Code's preview) passes raw HTML through and fetches
images; every data text in the plan must stay text there: no payload runs and
no request leaves the page.
"""

from __future__ import annotations

import time

from cdp import Chromium, file_url, find_chromium
from listener import local_listener
import pytest

from chainmap.analysis.plan import build_plan
from chainmap.outputs import report

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def listener():
    with local_listener() as found:
        yield found


def payloads(base: str) -> list[str]:
    return [
        "<img src=x onerror=\"window.__xss='img'\">公司",
        "</script><script>window.__xss='script'</script>",
        f"![t]({base}/image.png)公司",
        f"[点我](javascript:window.__xss='link')<{base}/autolink>",
        f'<iframe src="{base}/frame"></iframe>',
        "`code` **bold** # heading | pipe",
    ]


@pytest.mark.skipif(find_chromium() is None, reason="no chromium binary (/usr/bin/chromium)")
def test_markdown_plan_payloads_stay_text_in_chromium(tiny_chain, firms, tmp_path, listener):
    from markdown_it import MarkdownIt

    base, hits = listener
    texts = payloads(base)
    hostile = firms.copy()
    outside = hostile.index[hostile["region_code"].fillna("") != "330723"]
    for i, at in enumerate(outside):
        hostile.loc[at, "name"] = texts[i % len(texts)] + str(i)
    tiny_chain.name_zh = texts[0]
    plan = build_plan(tiny_chain, hostile, home="330723", fields=5, per_field=10)
    plan.notes.append(texts[2])
    shown = {e["name"] for e in plan.key_enterprises}
    assert len(shown) >= 3  # the payloads really are in the plan's table

    renderer = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    body = renderer.render(report.plan_to_markdown(plan))
    assert "<table>" in body  # the tables rendered as tables, so cells were not broken
    page_path = tmp_path / "plan.html"
    page_path.write_text(f"<!doctype html><meta charset=utf-8><body>{body}</body>", "utf-8")

    with Chromium() as browser:
        page = browser.open(file_url(page_path))
        page.wait_for("document.readyState === 'complete'")
        for link in range(int(page.eval("document.links.length"))):  # click every link
            page.eval(f"document.links[{link}].click(); true")
        time.sleep(0.5)  # let any injected handler fire
        assert page.eval("typeof window.__xss") == "undefined"
        assert page.eval("document.querySelectorAll('img, script, iframe').length") == 0
        text = page.eval("document.body.innerText")
        requests = [u for u in page.requests if u != file_url(page_path)]
    assert requests == [] and hits == []
    assert "<img src=x onerror=" in text and "![t](" in text  # shown as the text it is
