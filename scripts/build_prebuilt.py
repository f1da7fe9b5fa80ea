"""Write graphs/prebuilt.json (the bundled chains, sample, policy, signals and profile)
and graphs/prebuilt_regions.json (the region table's columns), parsed once (no pickle).

Run after editing a bundled ``.ttl``, ``companies_*.csv``, ``policy.csv``,
``signals_*.csv``, ``profile.toml`` or ``regions.csv.gz`` (or their parsing code)::

    python scripts/build_prebuilt.py

``tests/test_prebuilt.py`` fails while the file differs from a fresh parse.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from chainmap.model.prebuilt import FILE, REGIONS_FILE, build, build_regions

GRAPHS = Path(__file__).resolve().parent.parent / "graphs"
OUT = GRAPHS / FILE


def render(content: dict | None = None) -> str:
    """A file's text: sorted keys, UTF-8, one trailing newline (deterministic)."""
    content = build() if content is None else content
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def main() -> None:
    for out, content in ((OUT, build()), (GRAPHS / REGIONS_FILE, build_regions())):
        tmp = out.with_suffix(".json.tmp")
        tmp.write_text(render(content), encoding="utf-8")
        os.replace(tmp, out)
        print(f"wrote {out} ({out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
