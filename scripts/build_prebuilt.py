"""Write graphs/prebuilt.json: the bundled chains and sample, parsed once (no pickle).

Run after editing a bundled ``.ttl`` or ``companies_*.csv`` (or their parsing code)::

    python scripts/build_prebuilt.py

``tests/test_prebuilt.py`` fails while the file differs from a fresh parse.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from chainmap.model.prebuilt import FILE, build

OUT = Path(__file__).resolve().parent.parent / "graphs" / FILE


def render() -> str:
    """The file's text: sorted keys, UTF-8, one trailing newline (deterministic)."""
    return json.dumps(build(), ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def main() -> None:
    tmp = OUT.with_suffix(".json.tmp")
    tmp.write_text(render(), encoding="utf-8")
    os.replace(tmp, OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
