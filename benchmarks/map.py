"""Benchmark: map generation time and first draw in a FRESH headless Chromium, against the previous page.

Builds SYNTHETIC chains (labelled 合成/synthetic; no real data) with synthetic
ranking overlays, at 500, 2,000 and 5,000 nodes (one segment per ten nodes, nine
targets per segment, about two links per segment), and reports:

- Python generation time (``build_map`` + ``map_html``), per node, and the ratio
  of per-node time at the largest size to the smallest (≈1 means linear);
- the same nodes and edges through pyvis's own ``add_node``/``add_edge`` (undirected,
  its default) and ``generate_html``, for the ratio;
- in the browser, for this checkout's page (``current``) and the page written by a git
  worktree of ``--baseline`` (``previous``, default: the commit before issue #20) from
  the same synthetic chain: **every measurement starts its own Chromium** with a fresh
  profile (no warm code cache, no warm process), so the figures are what a county
  office sees when it double-clicks ``map.html``. Timed, from the page's own clock
  (``performance.now()``, zero at navigation start):

  - ``first draw``: the chain's segments are drawn and fitted (``window.chainmapFirstDrawn``;
    the previous page drew everything at once, so its first draw is its full draw);
  - ``full draw``: every node drawn and fitted (``data-rendered`` set,
    ``window.chainmapRendered``).

  The median over ``--repeat`` fresh browsers is printed, with the ratio current/previous.

Target (issue #20): a 5,000-node map first drawn in a fresh browser in ≤ 1 s.

Run from the repository root::

    python benchmarks/map.py                    # 3 fresh browsers per page and size
    python benchmarks/map.py --repeat 5 --baseline none
"""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path
import random
import statistics
import subprocess
import sys
import tempfile
import time

import pandas as pd

from chainmap.model.chain import Chain, Link, Segment
from chainmap.model.vocab import STAGES
from chainmap.outputs.maps import build_map, map_html, write_map

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the CDP client
from cdp import Chromium, file_url, find_chromium
from worktree import ROOT, baseline_worktree

RENDERED = "document.body && document.body.getAttribute('data-rendered')"

DEFAULT_BASELINE = "df95e0e"  # main before issue #20's first commit
SIZES = (500, 2_000, 5_000)
PER_SEGMENT = 9


def synthetic(nodes: int, seed: int = 0) -> tuple[Chain, pd.DataFrame]:
    """A synthetic acyclic chain with nodes/10 segments and a ranking of 9 targets each."""
    rng = random.Random(seed)
    n_seg = nodes // (PER_SEGMENT + 1)
    segs = {
        f"s{i:05d}": Segment(
            id=f"s{i:05d}",
            name_zh=f"合成环节{i}",
            name_en=f"synthetic segment {i}",
            stage=STAGES[min(len(STAGES) - 1, i * len(STAGES) // n_seg)],
        )
        for i in range(n_seg)
    }
    ids = list(segs)
    links, seen = [], set()
    for i in range(1, n_seg):  # every segment gets ~2 upstream links from earlier ids: acyclic
        for j in {rng.randrange(max(0, i - 60), i) for _ in range(2)}:
            if (ids[j], ids[i]) not in seen:
                seen.add((ids[j], ids[i]))
                links.append(Link(ids[j], ids[i], rng.choice(["feedstock_of", "used_in"])))
    chain = Chain(
        id="synthetic", name_zh="合成链", name_en="Synthetic", segments_by_id=segs, link_list=links
    )
    rows = [
        {
            "rank": 0,
            "enterprise_id": f"E{s}-{k}",
            "name": f"合成企业{s}-{k}",
            "region_code": "310000",
            "region": "合成地区 synthetic",
            "segment": s,
            "strategy": "补链",
            "score": rng.random(),
            "reasons": "合成数据 synthetic",
        }
        for s in ids
        for k in range(PER_SEGMENT)
    ]
    ranking = pd.DataFrame(rows).sort_values("score", ascending=False, kind="mergesort")
    ranking["rank"] = range(1, len(ranking) + 1)
    return chain, ranking


def generate(chain: Chain, ranking: pd.DataFrame):
    start = time.perf_counter()
    net = build_map(chain, ranking=ranking, top_per_segment=PER_SEGMENT)
    page = map_html(net)
    return net, page, time.perf_counter() - start


def pyvis_path(net) -> float:
    """The same nodes and edges through pyvis's add_node/add_edge and generate_html."""
    from pyvis.network import Network

    start = time.perf_counter()
    ref = Network(cdn_resources="in_line")
    for node in net.nodes:
        ref.add_node(node["id"], label=node["label"], x=node["x"], y=node["y"])
    for edge in net.edges:
        ref.add_edge(edge["from"], edge["to"])
    ref.toggle_physics(False)
    ref.generate_html()
    return time.perf_counter() - start


def write_pages(out: Path) -> None:
    """Write the synthetic maps of every size with the chainmap on sys.path (child process)."""
    for size in SIZES:
        chain, ranking = synthetic(size)
        write_map(
            build_map(chain, ranking=ranking, top_per_segment=PER_SEGMENT), out / f"{size}.html"
        )


def _pages(tree: Path, out: Path) -> Path:
    """The pages as ``tree``'s chainmap writes them, in a fresh process."""
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, __file__, "--write-pages", str(out)]
    done = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{tree}: writing the pages failed:\n{done.stderr[-4000:]}")
    return out


def first_draw(binary: str, path: Path, nodes: int) -> dict:
    """Open ``path`` in a Chromium started for this measurement alone; page-clock times."""
    with Chromium(binary, timeout=120) as browser:
        page = browser.open(file_url(path))
        drawn = int(page.wait_for(RENDERED, timeout=120, step=0.01))
        wall = time.perf_counter() - page.start
        full = page.eval("window.chainmapRendered") / 1000
        first = page.eval("window.chainmapFirstDrawn || window.chainmapRendered") / 1000
        assert drawn == nodes, (drawn, nodes)
        assert [u for u in page.requests if u != file_url(path)] == [], page.requests
        assert page.exceptions == [], page.exceptions
    return {"first_s": first, "full_s": full, "wall_s": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="fresh browsers per page and size")
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git revision, or none")
    parser.add_argument("--write-pages", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_pages:  # child process: the pages of one source tree
        write_pages(args.write_pages)
        return

    map_html(build_map(synthetic(100)[0]))  # warm imports and the vis-network asset cache
    rows = []
    for size in SIZES:
        chain, ranking = synthetic(size)
        net, page, gen = min((generate(chain, ranking) for _ in range(3)), key=lambda r: r[2])
        rows.append(
            {
                "nodes": len(net.nodes),
                "edges": len(net.edges),
                "gen_s": gen,
                "us_per_node": gen / len(net.nodes) * 1e6,
                "html_MB": len(page.encode()) / 1e6,
                "pyvis_s": pyvis_path(net),
            }
        )
    print("SYNTHETIC chains and overlays (合成数据), best of 3 generations")
    print(
        f"{'nodes':>6} {'edges':>6} {'gen s':>7} {'µs/node':>8} {'HTML MB':>8} "
        f"{'pyvis s':>8} {'ratio':>6}"
    )
    for r in rows:
        print(
            f"{r['nodes']:>6} {r['edges']:>6} {r['gen_s']:>7.3f} {r['us_per_node']:>8.1f} "
            f"{r['html_MB']:>8.2f} {r['pyvis_s']:>8.3f} {r['pyvis_s'] / r['gen_s']:>6.1f}"
        )
    first, last = rows[0], rows[-1]
    print(
        f"per-node time ratio {last['nodes']}/{first['nodes']} nodes: "
        f"{last['us_per_node'] / first['us_per_node']:.2f} (≈1 is linear; O(N²) would be "
        f"≈{last['nodes'] / first['nodes']:.0f})"
    )

    binary = find_chromium()
    if binary is None:
        print("browser: skipped, no chromium binary (install Debian's chromium)")
        return
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        trees = {"current": ROOT}
        if args.baseline != "none":
            trees["previous"] = stack.enter_context(baseline_worktree(args.baseline))
        pages = {name: _pages(tree, tmp / f"pages-{name}") for name, tree in trees.items()}
        sizes_mb = {
            (name, size): (where / f"{size}.html").stat().st_size / 1e6
            for name, where in pages.items()
            for size in SIZES
        }
        times: dict[tuple[str, int], list[dict]] = {}
        for _ in range(args.repeat):  # interleaved, so both pages see the same load
            for size, row in zip(SIZES, rows, strict=True):
                for name, where in pages.items():
                    times.setdefault((name, size), []).append(
                        first_draw(binary, where / f"{size}.html", row["nodes"])
                    )
    print(f"\nfresh headless Chromium per measurement, median of {args.repeat} (page clock)")
    print(
        f"{'nodes':>6} {'page':<9} {'first draw s':>12} {'full draw s':>11} {'wall s':>7} {'HTML MB':>8}"
    )
    med = {}
    for (name, size), runs in times.items():
        m = {k: statistics.median(r[k] for r in runs) for k in ("first_s", "full_s", "wall_s")}
        med[(name, size)] = m
        mb = sizes_mb[(name, size)]
        print(
            f"{size:>6} {name:<9} {m['first_s']:>12.3f} {m['full_s']:>11.3f} {m['wall_s']:>7.3f} "
            f"{mb:>8.2f}"
        )
    if "previous" in trees:
        for size in SIZES:
            now, before = med[("current", size)], med[("previous", size)]
            print(
                f"ratio current/previous at {size} nodes: first draw "
                f"{now['first_s'] / before['first_s']:.2f}, full draw "
                f"{now['full_s'] / before['full_s']:.2f}"
            )
    big = med[("current", SIZES[-1])]["first_s"]
    verdict = "met" if big <= 1.0 else "NOT met"
    print(
        f"target: {SIZES[-1]} nodes first drawn in a fresh browser in ≤ 1 s: {big:.3f} s, {verdict}"
    )


if __name__ == "__main__":
    main()
