"""Benchmark: KG export of 100,000 SYNTHETIC enterprises (about 1.8M triples).

The bulk path (vectorised N-Triples / Turtle from the DataFrame) against rdflib
``Graph.add`` + ``serialize``. The enterprises are synthetic (seeded, labelled
synthetic in their names), never real firms.

First it checks that both give the same triples: on a sample of ``SAMPLE`` enterprises,
the bulk N-Triples and Turtle, parsed back by rdflib, are each isomorphic to the graph
``build_kg`` fills triple by triple (``rdflib.compare.isomorphic``; the differences are
printed if not). On the full N, the bulk N-Triples' distinct lines equal the rdflib graph's
triple count. Then it prints times, the speed ratio and peak resident memory (each run
in a fresh process).

Run: python benchmarks/kg.py [N] [FORMATS]   (default 100000 nt,ttl; rdflib is slow,
several minutes for Turtle: be patient)
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import sys
import time

import numpy as np
import pandas as pd

from chainmap.model.chain import load_chain
from chainmap.outputs.kg import _tables, build_kg, serialize_kg

SEED = 0
SAMPLE = 2_000


def synthetic_enterprises(n: int, chain, seed: int = SEED) -> pd.DataFrame:
    """n synthetic enterprises (names say 合成 / synthetic), seeded."""
    rng = np.random.default_rng(seed)
    segments = sorted(chain.segments_by_id)
    counties = [
        f"{p:02d}{c:02d}{d:02d}" for p in (11, 31, 32, 33, 44) for c in (1, 2) for d in (1, 2, 3)
    ]
    ids = [f"h:syn{i:08d}" for i in range(n)]
    picks = rng.integers(0, len(segments), size=(n, 2))
    two = rng.random(n) < 0.3
    return pd.DataFrame(
        {
            "enterprise_id": ids,
            "uscc": None,
            "name": [f'合成企业{i} synthetic "test" 有限公司' for i in range(n)],
            "status": "存续",
            "active": rng.random(n) < 0.9,
            "country": "中国",
            "province": "浙江",
            "city": "金华",
            "region_code": [counties[i] for i in rng.integers(0, len(counties), n)],
            "segments": [
                [segments[a], segments[b]] if t else [segments[a]]
                for (a, b), t in zip(picks.tolist(), two.tolist(), strict=False)
            ],
            "segments_source": "classified",
            "registered_capital": np.round(rng.lognormal(7, 1.5, n), 2),
            "capital_currency": "CNY",
            "founded": pd.to_datetime("2000-01-01")
            + pd.to_timedelta(rng.integers(0, 8000, n), unit="D"),
            "employees": rng.integers(5, 5000, n),
            "source": "synthetic benchmark (chainmap benchmarks/kg.py)",
        }
    )


def _child(queue, label: str, n: int, fmt: str, bulk: bool) -> None:
    chain = load_chain("fluorochem")
    frame = synthetic_enterprises(n, chain)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if bulk:
        data = serialize_kg(chain, enterprises=frame, regions=False, zones=False, format=fmt)
        # one triple a line; a triple repeated (a firm listing one segment twice) is one
        count = len({line for line in data.split(b"\n") if line.strip()}) if fmt == "nt" else None
    else:
        data, count = rdflib_export(chain, frame, fmt)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((elapsed, before / 1024, peak / 1024, len(data), count))


def timed(label: str, n: int, fmt: str, *, bulk: bool) -> tuple[float, int | None]:
    """Run one export in a fresh process; print time and peak resident memory."""
    queue = mp.get_context("fork").Queue()
    proc = mp.get_context("fork").Process(target=_child, args=(queue, label, n, fmt, bulk))
    proc.start()
    elapsed, before, peak, size, count = queue.get()
    proc.join()
    print(
        f"{label:<36} {elapsed:8.2f} s   peak RSS {peak:7.0f} MiB "
        f"(+{peak - before:.0f} over the input)   {size / 2**20:6.0f} MiB out",
        flush=True,
    )
    return elapsed, count


def rdflib_export(chain, frame, fmt: str) -> tuple[bytes, int]:
    """The peer: an rdflib Graph filled triple by triple (build_kg), then serialize."""
    graph = build_kg(chain, enterprises=frame, regions=False, zones=False)
    data = graph.serialize(format={"nt": "nt", "ttl": "turtle"}[fmt], encoding="utf-8")
    return data, len(graph)


def same_triples(n: int, formats: tuple[str, ...]) -> bool:
    """The bulk export, parsed back, is isomorphic to build_kg's graph on ``n`` firms."""
    from rdflib import Graph
    from rdflib.compare import graph_diff, isomorphic, to_isomorphic

    chain = load_chain("fluorochem")
    frame = synthetic_enterprises(n, chain)
    ref = build_kg(chain, enterprises=frame, regions=False, zones=False)
    ok = True
    for fmt in formats:
        data = serialize_kg(chain, enterprises=frame, regions=False, zones=False, format=fmt)
        bulk = Graph().parse(data=data, format={"nt": "nt", "ttl": "turtle"}[fmt])
        same = isomorphic(bulk, ref)
        print(
            f"same triples ({fmt}, {n:,} synthetic firms): bulk {len(bulk):,}, rdflib "
            f"{len(ref):,}, isomorphic: {same}"
        )
        if not same:
            _, only_bulk, only_ref = graph_diff(to_isomorphic(bulk), to_isomorphic(ref))
            for label, g in (("only in bulk", only_bulk), ("only in rdflib", only_ref)):
                for triple in sorted(g)[:5]:
                    print(f"  {label}: {triple}")
        ok = ok and same
    return ok


def main(n: int = 100_000, formats: tuple[str, ...] = ("nt", "ttl")) -> None:
    chain = load_chain("fluorochem")
    frame = synthetic_enterprises(n, chain)
    triples = sum(len(t.pos) for table in _tables(frame, False, False) for t in table.terms)
    if not same_triples(min(n, SAMPLE), formats):
        raise SystemExit("the bulk export and rdflib differ: no timing of different outputs")
    print(f"{n} synthetic enterprises, {triples} enterprise triples")
    results = {}
    for fmt in formats:
        bulk, bulk_count = timed(f"bulk {fmt}", n, fmt, bulk=True)
        naive, naive_count = timed(f"rdflib Graph.add + serialize {fmt}", n, fmt, bulk=False)
        if bulk_count is not None:
            verdict = "equal" if bulk_count == naive_count else "DIFFER"
            print(f"triples at N={n:,}: bulk {bulk_count:,}, rdflib {naive_count:,}: {verdict}")
        results[fmt] = (bulk, naive)
    for fmt, (bulk, naive) in results.items():
        print(
            f"{fmt}: bulk {bulk:.2f} s ({triples / bulk / 1e6:.2f} M triples/s) vs rdflib "
            f"{naive:.2f} s -> {naive / bulk:.1f}x faster"
        )


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 100_000,
        tuple(sys.argv[2].split(",")) if len(sys.argv) > 2 else ("nt", "ttl"),
    )
