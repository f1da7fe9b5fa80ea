"""Benchmark: map generation time (linear?) and headless-Chromium render time.

Builds SYNTHETIC chains (labelled 合成/synthetic; no real data) with synthetic
ranking overlays, at 500, 2,000 and 5,000 nodes (one segment per ten nodes, nine
targets per segment, about two links per segment), and reports:

- Python generation time (``build_map`` + ``map_html``), per node, and the ratio
  of per-node time at the largest size to the smallest (≈1 means linear);
- the same nodes and edges through pyvis's own ``add_node``/``add_edge`` (undirected,
  its default) and ``generate_html``, for the ratio;
- the time headless Chromium takes from navigation to the first drawn frame.

Targets (issue #6): 5,000 nodes generated in < 2 s and rendered in < 5 s.

Run from the repository root:  python benchmarks/map.py
"""

from __future__ import annotations

from pathlib import Path
import random
import sys
import tempfile
import time

import pandas as pd

from chainmap.model.chain import Chain, Link, Segment
from chainmap.model.vocab import STAGES
from chainmap.outputs.maps import build_map, map_html, write_map

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the CDP client
from cdp import Chromium, file_url, find_chromium

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


def main() -> None:
    map_html(build_map(synthetic(100)[0]))  # warm imports and the vis-network asset cache
    binary = find_chromium()
    rows = []
    browser = Chromium(binary) if binary else None
    with tempfile.TemporaryDirectory() as tmp:
        for size in SIZES:
            chain, ranking = synthetic(size)
            net, page, gen = min((generate(chain, ranking) for _ in range(3)), key=lambda r: r[2])
            row = {
                "nodes": len(net.nodes),
                "edges": len(net.edges),
                "gen_s": gen,
                "us_per_node": gen / len(net.nodes) * 1e6,
                "html_MB": len(page.encode()) / 1e6,
                "pyvis_s": pyvis_path(net),
            }
            if browser is not None:
                path = write_map(net, Path(tmp) / f"map{size}.html")
                tab = browser.open(file_url(path))
                drawn = int(
                    tab.wait_for(
                        "document.body && document.body.getAttribute('data-rendered')", timeout=120
                    )
                )
                row["render_s"] = time.perf_counter() - tab.start
                row["first_frame_s"] = tab.eval("window.chainmapRendered") / 1000
                assert drawn == len(net.nodes), (drawn, len(net.nodes))
                assert [u for u in tab.requests if u != file_url(path)] == []
            rows.append(row)
    if browser is not None:
        browser.close()

    print("SYNTHETIC chains and overlays (合成数据), best of 3 generations")
    head = f"{'nodes':>6} {'edges':>6} {'gen s':>7} {'µs/node':>8} {'HTML MB':>8} {'pyvis s':>8} {'ratio':>6}"
    head += f" {'render s':>9} {'1st frame s':>11}" if browser is not None else ""
    print(head)
    for r in rows:
        line = (
            f"{r['nodes']:>6} {r['edges']:>6} {r['gen_s']:>7.3f} {r['us_per_node']:>8.1f} "
            f"{r['html_MB']:>8.2f} {r['pyvis_s']:>8.3f} {r['pyvis_s'] / r['gen_s']:>6.1f}"
        )
        if "render_s" in r:
            line += f" {r['render_s']:>9.3f} {r['first_frame_s']:>11.3f}"
        print(line)
    first, last = rows[0], rows[-1]
    print(
        f"per-node time ratio {last['nodes']}/{first['nodes']} nodes: "
        f"{last['us_per_node'] / first['us_per_node']:.2f} (≈1 is linear; O(N²) would be "
        f"≈{last['nodes'] / first['nodes']:.0f})"
    )
    print(f"target: {last['nodes']} nodes generated < 2 s: {last['gen_s']:.3f} s")
    if "render_s" in last:
        print(f"target: {last['nodes']} nodes rendered < 5 s: {last['render_s']:.3f} s")
    else:
        print("render: skipped, no chromium binary (install Debian's chromium)")


if __name__ == "__main__":
    main()
