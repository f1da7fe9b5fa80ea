"""Benchmark: classification against a bare Aho-Corasick pass and a naive loop (SYNTHETIC texts).

Two corpora of seeded SYNTHETIC business scopes (150-250 characters):

- ``--corpus realistic`` (default): the scopes of ``benchmarks/end_to_end.py``, registry
  clauses from the other bundled chains' vocabulary, 12 % of firms naming the chain;
- ``--corpus dense``: half the texts written like chain firms, a term in one clause of three.

Times, on the same texts, chunk by chunk (the texts never all sit in memory):

- ``chainmap``: :meth:`Classifier.classify_rows` on a pandas text column (Arrow, as read
  from Parquet), with the native filter (issue #20);
- ``reference``: the same with ``native=False`` (every text through the Python scan);
- ``bare scan``: pyahocorasick's pass alone over every text with the chain's automaton
  (``for _ in automaton.iter_long(text)``), no rule applied: the issue's yardstick;
- ``naive``: ``for kw in keywords: if kw in text`` (``--skip-naive`` leaves it out).

Checks that chainmap and the reference give the same results, and prints the time per
million texts and the ratios (the goal of issue #20: chainmap at least 3x faster than
the bare scan), and the peak resident memory.

Usage::

    python benchmarks/classify.py                 # 1,000,000 realistic texts
    python benchmarks/classify.py --corpus dense --n 200000
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time

from chainmap.analysis.classify import (
    MARKET_TRIGGERS,
    NEGATION_TRIGGERS,
    OPERATION_VERBS,
    Classifier,
    segment_terms,
)
from chainmap.model.chain import load_chain

FILLER = (
    "技术服务",
    "技术开发",
    "技术咨询",
    "技术交流",
    "技术转让",
    "技术推广",
    "货物进出口",
    "技术进出口",
    "化工产品销售",
    "专用化学产品销售",
    "机械设备租赁",
    "普通货物仓储服务",
    "五金产品批发",
    "办公用品销售",
    "信息咨询服务",
    "企业管理咨询",
    "劳务服务",
    "道路货物运输",
    "塑料制品销售",
    "环保咨询服务",
)
BOILERPLATE = "（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
DELIMS = ("；", "、", "，", "；")


def synthetic_texts(terms: list[str], n: int, seed: int, *, chain_share: float = 0.5) -> list[str]:
    """``n`` SYNTHETIC scope texts of 150-250 characters from ``terms`` and filler.

    A share ``chain_share`` of texts reads like a chain firm (about one clause in
    three names a term with a verb; some clauses negate a term or name a market);
    the rest reads like a general firm (filler, now and then a term that is sold).
    """
    rng = random.Random(seed)
    verbs = [*OPERATION_VERBS, "销售", "批发", "研发"]
    texts = []
    for _ in range(n):
        chain_firm = rng.random() < chain_share
        target = rng.randint(150, 250)
        parts = ["一般项目："]
        size = len(parts[0])
        while size < target - 10:
            roll = rng.random()
            if not chain_firm:
                piece = rng.choice(terms) + "销售" if roll < 0.03 else rng.choice(FILLER)
            elif roll < 0.30:
                piece = rng.choice(terms) + rng.choice(verbs)
            elif roll < 0.35:
                piece = f"化工产品销售（{rng.choice(NEGATION_TRIGGERS)}{rng.choice(terms)}）"
            elif roll < 0.40:
                piece = f"{rng.choice(terms)}生产，{rng.choice(MARKET_TRIGGERS)}{rng.choice(terms)}"
            else:
                piece = rng.choice(FILLER)
            parts.append(piece + rng.choice(DELIMS))
            size += len(parts[-1])
        text = "".join(parts)
        if rng.random() < 0.5:
            text += BOILERPLATE
        texts.append(text[:target] if len(text) > target else text.ljust(target, "。"))
    return texts


def naive(keywords: list[str], texts: list[str]) -> list[list[str]]:
    """The baseline: test every keyword against every text."""
    out = []
    for text in texts:
        found = []
        for kw in keywords:
            if kw in text:
                found.append(kw)
        out.append(found)
    return out


def realistic_texts(chain, n: int, seed: int, start: int) -> list[str]:
    """``n`` scopes of ``benchmarks/end_to_end.py`` (its generator, loaded from its file)."""
    import importlib.util
    from pathlib import Path

    from chainmap.synthetic import synthetic_registry

    path = Path(__file__).with_name("end_to_end.py")
    spec = importlib.util.spec_from_file_location("end_to_end_benchmark", path)
    e2e = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = e2e
    spec.loader.exec_module(e2e)
    frame = synthetic_registry(n, chain, seed=seed, start=start)
    return e2e.realistic_scopes(frame["scope"].tolist(), seed=seed, start=start)


def main(argv: list[str] | None = None) -> int:
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="number of texts")
    parser.add_argument("--chunk", type=int, default=100_000, help="texts per chunk")
    parser.add_argument("--chain", default="fluorochem")
    parser.add_argument("--corpus", choices=("realistic", "dense"), default="realistic")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--chain-share", type=float, default=0.5, help="dense corpus: share of chain firms"
    )
    parser.add_argument("--skip-naive", action="store_true", help="leave out the naive loop")
    args = parser.parse_args(argv)

    chain = load_chain(args.chain)
    by_segment = segment_terms(chain)
    terms = sorted({t for ts in by_segment.values() for t in ts})
    t0 = time.perf_counter()
    classifier = Classifier(chain)
    compile_s = time.perf_counter() - t0
    reference = Classifier(chain, native=False)
    automaton = classifier._automaton  # the chain's own automaton, untuned

    timed = dict.fromkeys(("chainmap", "reference", "bare scan", "naive"), 0.0)
    done = matched = segments = chars = chunk_no = 0
    while done < args.n:
        size = min(args.chunk, args.n - done)
        seed = args.seed * 1_000_003 + chunk_no
        if args.corpus == "dense":
            texts = synthetic_texts(terms, size, seed=seed, chain_share=args.chain_share)
        else:
            texts = realistic_texts(chain, size, seed=args.seed, start=done)
        column = pd.Series(texts, dtype="str")  # as a Parquet text column reads
        chars += sum(map(len, texts))
        t0 = time.perf_counter()
        results = classifier.classify_rows(column)
        timed["chainmap"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        expected = reference.classify_rows(texts)
        timed["reference"] += time.perf_counter() - t0
        if results != expected:
            print("chainmap and the reference differ", file=sys.stderr)
            return 1
        t0 = time.perf_counter()
        for text in texts:
            for _ in automaton.iter_long(text):
                pass
        timed["bare scan"] += time.perf_counter() - t0
        matched += sum(1 for r in results if r.segments)
        segments += sum(len(r.segments) for r in results)
        if not args.skip_naive:
            t0 = time.perf_counter()
            naive(terms, texts)
            timed["naive"] += time.perf_counter() - t0
        done += size
        chunk_no += 1
        del texts, results, expected, column

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per_m = 1_000_000 / args.n
    print(
        f"texts (SYNTHETIC)     : {args.n:,} {args.corpus} ({chars / args.n:.0f} chars on average)"
    )
    print(f"keywords              : {len(terms)} terms, {len(by_segment)} segments")
    print(f"compile automaton     : {compile_s * 1000:.1f} ms")
    print(
        f"texts with a segment  : {matched / args.n:.1%} "
        f"({segments / args.n:.2f} segments per text); chainmap = reference on every row"
    )
    for name, seconds in timed.items():
        if name == "naive" and args.skip_naive:
            continue
        print(f"{name:22s}: {seconds:7.2f} s ({seconds * per_m:.2f} s per million texts)")
    fast = timed["chainmap"]
    print(f"reference / chainmap  : {timed['reference'] / fast:.2f}x")
    print(f"bare scan / chainmap  : {timed['bare scan'] / fast:.2f}x (issue #20 goal: >= 3x)")
    if not args.skip_naive:
        print(f"speed-up              : {timed['naive'] / fast:.1f}x the naive loop")
    print(f"peak memory (RSS)     : {peak_mib:.0f} MiB")
    print(f"load average          : {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
