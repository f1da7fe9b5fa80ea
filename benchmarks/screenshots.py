"""Regenerate the README screenshots (docs/img/) in headless Chromium.

    .venv/bin/python benchmarks/screenshots.py [OUTDIR]

Writes the default fluorochem map, the PVDF focus map, the joined-chain map, the
static poster, the HTML plan and the one-pager at 1366×768 and 1920×1080, through
the CLI as a user would.
Not a benchmark; it lives here because it drives the same CDP client.
"""

from __future__ import annotations

from pathlib import Path
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the CDP client
from cdp import Chromium, file_url

ROOT = Path(__file__).resolve().parents[1]
SIZES = ((1366, 768), (1920, 1080))
VIEWS = {
    "map-default": (["map", "fluorochem"], ".html"),
    "map-pvdf": (["map", "fluorochem", "--segment", "pvdf", "--depth", "2"], ".html"),
    "map-joined": (["map", "fluorochem,lithium_battery"], ".html"),
    "poster": (["map", "fluorochem"], ".svg"),
    "poster-joined": (["map", "fluorochem,lithium_battery"], ".svg"),
    "plan-html": (["plan", "fluorochem"], ".html"),
    "one-pager": (["plan", "fluorochem", "--one-page"], ".html"),
}
# The poster is shown as on a slide: scaled to fit the window.
FIT_SVG = (
    "var s=document.querySelector('svg');"
    "s.setAttribute('width','100%');s.setAttribute('height','100%');"
    "document.documentElement.style.cssText='width:100vw;height:100vh;background:#fff';true"
)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    exe = Path(sys.executable).with_name("chainmap")
    with tempfile.TemporaryDirectory() as tmp, Chromium() as browser:
        page = browser.open("about:blank")
        for name, (args, suffix) in VIEWS.items():
            target = Path(tmp) / f"{name}{suffix}"
            subprocess.run([str(exe), *args, "-o", str(target)], check=True)
            for width, height in SIZES:
                page.show(file_url(target), width, height)
                if args[0] == "plan":
                    page.wait_for("document.readyState === 'complete'")
                elif suffix == ".html":
                    page.wait_for("document.body && document.body.getAttribute('data-rendered')")
                else:
                    page.wait_for("document.querySelector('svg') !== null")
                    page.eval(FIT_SVG)
                time.sleep(0.5)
                path = out / f"{name}-{width}x{height}.png"
                path.write_bytes(small_png(page.screenshot()))
                print(path, path.stat().st_size // 1024, "KB")


def small_png(data: bytes) -> bytes:
    """The screenshot with a 256-colour palette (README images stay under ~400 KB)."""
    try:
        from PIL import Image
    except ImportError:  # pillow comes with matplotlib (the notebooks extra)
        return data
    import io

    # Fast octree keeps small swatches true; median cut merged the legend's green into grey.
    image = (
        Image.open(io.BytesIO(data))
        .convert("RGB")
        .quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    )
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img")
