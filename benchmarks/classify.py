"""Benchmark: Aho-Corasick classification vs a naive keyword loop (SYNTHETIC texts).

Generates ``--n`` synthetic business-scope texts (seeded; 150-250 characters;
clauses built from the chain's real keyword vocabulary, the operation verbs,
market and negation phrases, and registry-style boilerplate filler), then
times :meth:`chainmap.analysis.classify.Classifier.classify_many` and a naive
``for kw in keywords: if kw in text`` loop over the same texts, chunk by
chunk so the texts never all sit in memory at once.

Prints texts per second, the time per million texts, the speed-up over the
naive loop and the peak resident memory (``resource.getrusage``).

Usage::

    python benchmarks/classify.py            # 1,000,000 texts
    python benchmarks/classify.py --n 50000  # quicker

Targets on a 2-core machine: at least 10x faster than the naive loop and under
8 s per million texts. The texts are synthetic and labelled so; no real firm
is described.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="number of texts")
    parser.add_argument("--chunk", type=int, default=100_000, help="texts per chunk")
    parser.add_argument("--chain", default="fluorochem")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--chain-share", type=float, default=0.5, help="share of texts written like chain firms"
    )
    parser.add_argument("--skip-naive", action="store_true", help="time only chainmap")
    args = parser.parse_args(argv)

    chain = load_chain(args.chain)
    by_segment = segment_terms(chain)
    terms = sorted({t for ts in by_segment.values() for t in ts})
    t0 = time.perf_counter()
    classifier = Classifier(chain)
    compile_s = time.perf_counter() - t0

    fast_s = naive_s = fast_cpu = naive_cpu = 0.0
    done = 0
    matched = segments = 0
    chars = 0
    chunk_no = 0
    while done < args.n:
        size = min(args.chunk, args.n - done)
        texts = synthetic_texts(
            terms, size, seed=args.seed * 1_000_003 + chunk_no, chain_share=args.chain_share
        )
        chars += sum(map(len, texts))
        t0, c0 = time.perf_counter(), time.process_time()
        results = classifier.classify_many(texts)
        fast_s += time.perf_counter() - t0
        fast_cpu += time.process_time() - c0
        matched += sum(1 for segs, _ in results if segs)
        segments += sum(len(segs) for segs, _ in results)
        if not args.skip_naive:
            t0, c0 = time.perf_counter(), time.process_time()
            naive(terms, texts)
            naive_s += time.perf_counter() - t0
            naive_cpu += time.process_time() - c0
        done += size
        chunk_no += 1
        del texts, results

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per_m = 1_000_000 / args.n
    print(f"texts (SYNTHETIC)     : {args.n:,} ({chars / args.n:.0f} chars on average)")
    print(f"keywords              : {len(terms)} terms, {len(by_segment)} segments")
    print(f"compile automaton     : {compile_s * 1000:.1f} ms")
    print(
        f"chainmap classify     : {fast_s:.2f} s wall, {fast_cpu:.2f} s CPU "
        f"({fast_s * per_m:.2f} s / {fast_cpu * per_m:.2f} s CPU per million texts)"
    )
    print(
        f"texts with a segment  : {matched / args.n:.1%} "
        f"({segments / args.n:.2f} segments per text)"
    )
    if not args.skip_naive:
        print(
            f"naive keyword loop    : {naive_s:.2f} s wall, {naive_cpu:.2f} s CPU "
            f"({naive_s * per_m:.2f} s / {naive_cpu * per_m:.2f} s CPU per million texts)"
        )
        print(
            f"speed-up              : {naive_s / fast_s:.1f}x wall, {naive_cpu / fast_cpu:.1f}x CPU"
        )
    print(f"peak memory (RSS)     : {peak_mib:.0f} MiB")
    print(f"load average          : {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
