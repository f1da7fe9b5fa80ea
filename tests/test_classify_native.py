"""The native filter of classification gives the reference's results, row for row.

``Classifier(chain, native=False)`` is the reference: every text through the Python
scan and rules. ``native=True`` first sets aside, with polars, the texts that cannot
hold a mention; the tests compare the two on the benchmark corpora (dense synthetic
scopes and the end-to-end benchmark's realistic ones, 250,000 texts in all), the
hand-written fixtures, every bundled chain, and a fuzzed chain whose terms hit each
edge of the filter (verbs inside terms, qualifiers, Latin letters in any case, a Greek
letter the filter cannot fold).
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path
import random
import re
import sys

import numpy as np
import pandas as pd
import pytest

from chainmap.analysis.classify import (
    MARKET_TRIGGERS,
    NATIVE_MIN_TEXTS,
    NEGATION_TRIGGERS,
    OPERATION_VERBS,
    TRADE_VERBS,
    UPPER_INTO_LATIN,
    Classifier,
    _native_mask,
    assign_segments,
    classify,
    segment_terms,
)
from chainmap.model.catalog import bundled_chain_ids
from chainmap.model.chain import Chain, Link, Segment, load_chain

pytest.importorskip("polars")

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(
        f"{name}_benchmark", ROOT / "benchmarks" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _same(chain: Chain, texts, codes=None) -> list:
    """Classify with and without the native filter; fail on the first row that differs."""
    reference = Classifier(chain, native=False).classify_rows(texts, codes)
    native = Classifier(chain, native=True).classify_rows(texts, codes)
    assert len(native) == len(reference)
    for i, (got, want) in enumerate(zip(native, reference, strict=True)):
        assert got == want, f"row {i}: {texts[i]!r}"
    return reference


def test_upper_into_latin_is_every_character_that_str_upper_makes_latin():
    """The characters the filter passes on because ``str.upper`` turns them into a term's
    Latin letter (ASCII case the filter folds itself)."""
    found = []
    for cp in range(0x80, sys.maxunicode + 1):
        ch = chr(cp)
        up = ch.upper()
        if len(up) == 1 and up != ch and (up.isascii() or 0xFF21 <= ord(up) <= 0xFF3A):
            found.append(ch)
    assert "".join(found) == UPPER_INTO_LATIN


@pytest.fixture(scope="module")
def fluorochem_chain():
    return load_chain("fluorochem")


def test_dense_benchmark_corpus(fluorochem_chain):
    """100,000 texts of benchmarks/classify.py: half written like chain firms."""
    bench = _module("classify")
    terms = sorted({t for ts in segment_terms(fluorochem_chain).values() for t in ts})
    texts = bench.synthetic_texts(terms, 100_000, seed=11)
    found = _same(fluorochem_chain, texts)
    assert sum(1 for r in found if r.segments) > 40_000  # the corpus names the chain


def test_realistic_corpus_with_codes(fluorochem_chain):
    """150,000 realistic scopes (benchmarks/end_to_end.py), with GB/T 4754 codes on some rows."""
    from chainmap.synthetic import synthetic_registry

    e2e = _module("end_to_end")
    frame = synthetic_registry(150_000, fluorochem_chain, seed=3)
    texts = e2e.realistic_scopes(frame["scope"].tolist(), seed=3, start=0)
    rng = random.Random(4)
    codes = [rng.choice(["C2613", "2614", "C3841", None, None, None]) for _ in texts]
    found = _same(fluorochem_chain, texts, codes)
    assert 5_000 < sum(1 for r in found if r.segments or r.trade_segments) < 60_000
    # The filter is not "pass everything": it sets aside most rows of a registry, and
    # never one with a mention.
    mask = _native_mask(texts, *Classifier(fluorochem_chain)._key)
    with_mention = np.array([bool(Classifier(fluorochem_chain)._scan(t)) for t in texts])
    assert mask.mean() < 0.3
    assert not (with_mention & ~mask).any()


def _fixture_texts() -> list[str]:
    texts = []
    for name in ("classify_fluorochem_handwritten.csv", "classify_registry_handwritten.csv"):
        with open(FIXTURES / name, encoding="utf-8") as fh:
            texts += [row["text"] for row in csv.DictReader(fh)]
    return texts


def _variants(text: str) -> list[str]:
    """A text as registries also write it: lower case, full width, Turkish dotless i."""
    full = "".join(chr(ord(c) + 0xFEE0) if 0x21 <= ord(c) <= 0x7E else c for c in text)
    return [text, text.lower(), full, full.lower(), text.replace("I", "ı") + " x", text + "ſ"]


@pytest.mark.parametrize("chain_id", bundled_chain_ids())
def test_every_bundled_chain_on_the_fixtures(chain_id):
    chain = load_chain(chain_id)
    texts = [v for t in _fixture_texts() for v in _variants(t)]
    terms = [t for ts in segment_terms(chain).values() for t in ts]
    rng = random.Random(chain_id)
    verbs = [*OPERATION_VERBS, *TRADE_VERBS, "研发", "用", "级"]
    for _ in range(3_000):  # the chain's own terms in every rule's context
        parts = [
            rng.choice(["", *NEGATION_TRIGGERS, *MARKET_TRIGGERS, "以", "除"])
            + rng.choice(terms)
            + rng.choice(verbs)
            + rng.choice(["", "为原料", "外", "（", "）"])
            for _ in range(rng.randint(1, 4))
        ]
        text = "".join(p + rng.choice(["；", "、", "，", "", "的"]) for p in parts)
        texts.append(text if rng.random() < 0.8 else text.lower())
    _same(chain, texts)


def _edge_chain(extra: str = "") -> Chain:
    """Terms on each edge of the filter: verbs inside, a verb's start at the end, Latin
    letters, a grade (级), and optionally a Greek letter."""
    segs = {
        "acid": ("氢氟酸", "basic", ("氢氟酸", "电子级氢氟酸", "HF")),
        "resin": ("树脂", "material", ("PVDF", "PVDF树脂", "氟树脂")),
        "car": ("汽车", "application", ("汽车", "新能源汽车", "汽车用", "车生")),
        "build": ("建筑", "application", ("建筑", "建筑施工", "冶金级", "销售网点")),
        "panel": ("面板", "application", ("LCD", "ＯＬＥＤ面板", "面板" + extra)),
    }
    return Chain(
        id="edges",
        name_zh="边界链",
        name_en="Edges",
        segments_by_id={
            k: Segment(k, zh, k.title(), stage, kws, (), ("https://example.org",))
            for k, (zh, stage, kws) in segs.items()
        },
        link_list=[
            Link("acid", "resin", "feedstock_of", "", ("https://example.org",)),
            Link("resin", "car", "used_in", "", ("https://example.org",)),
            Link("resin", "build", "used_in", "", ("https://example.org",)),
            Link("resin", "panel", "used_in", "", ("https://example.org",)),
        ],
    )


def _fuzz(chain: Chain, n: int, seed: int) -> list[str]:
    terms = sorted({t for ts in segment_terms(chain).values() for t in ts})
    words = [
        *terms,
        *(t.lower() for t in terms),
        *OPERATION_VERBS,
        *TRADE_VERBS,
        "产",
        "生",
        "用",
        "级",
        "钢",
        "零部件",
        "技术服务",
        *NEGATION_TRIGGERS,
        *MARKET_TRIGGERS,
    ]
    stops = [
        "；",
        "、",
        "，",
        "。",
        "：",
        "（",
        "）",
        "\n",
        "",
        "",
        "",
        "x",
        "ǅ",
        "ＡＢ",
        "ｐｖｄｆ",
    ]
    rng = random.Random(seed)
    return [
        "".join(rng.choice(words) + rng.choice(stops) for _ in range(rng.randint(1, 9)))
        for _ in range(n)
    ]


def test_fuzzed_edges_of_the_filter():
    chain = _edge_chain()
    texts = _fuzz(chain, 20_000, seed=7)
    found = _same(chain, texts)
    assert sum(1 for r in found if "car" in r.segments) > 100
    assert sum(1 for r in found if "build" in r.segments) > 100
    assert sum(1 for r in found if not (r.segments or r.trade_segments)) > 1_000
    mask = _native_mask(texts, *Classifier(chain)._key)
    assert 0 < mask.sum() < len(texts)


def test_the_filter_reads_a_column_cut_into_parts_in_order(monkeypatch):
    """The column is cut into one part per polars thread; any number of parts passes the
    same rows, in order (this machine may have one core: the parts are forced here)."""
    import polars as pl

    from chainmap.analysis import classify as module

    chain = _edge_chain()
    texts = _fuzz(chain, 20_000, seed=9)
    key = Classifier(chain)._key
    whole = _native_mask(texts, *key)
    column = pl.Series(texts, dtype=pl.String)
    real = module._parts_frame
    for parts in (3, 7):
        frame = module._parts_frame(column, pl, parts).collect()
        assert frame["t"].n_chunks() == parts and frame["t"].to_list() == texts
        monkeypatch.setattr(module, "_parts_frame", lambda c, p, n=parts, real=real: real(c, p, n))
        assert np.array_equal(_native_mask(texts, *key), whole)
        monkeypatch.undo()
    assert 0 < whole.sum() < len(texts)


def _piece_chain(*extra: str) -> Chain:
    """The edge chain, and terms that hold a clause end, a raw-material word or 以…为."""
    chain = _edge_chain()
    segments = dict(chain.segments_by_id)
    segments["vdf"] = Segment(
        "vdf", "偏氟乙烯", "Vdf", "material", ("1,1-二氟乙烯", "综合利用", "原料药", *extra), (), ()
    )
    return Chain(
        id="pieces",
        name_zh="片段链",
        name_en="Pieces",
        segments_by_id=segments,
        link_list=chain.link_list,
    )


def _piece_fuzz(chain: Chain, n: int, seed: int) -> list[str]:
    """Scopes built to cross every edge of the clause pieces: brackets that hold a clause
    end open, headings before a colon, raw materials, lower case beside other letters."""
    terms = sorted({t for ts in segment_terms(chain).values() for t in ts})
    words = [
        *terms,
        *(t.lower() for t in terms),
        *OPERATION_VERBS,
        *TRADE_VERBS,
        *NEGATION_TRIGGERS,
        *MARKET_TRIGGERS,
        *("以", "为原料", "为主要原材料", "原料为", "原材料：", "利用", "回收", "除", "外"),
        *("去除", "的", "用", "级", "技术服务", "1", "1,1-", "二氟乙烯"),
    ]
    stops = [*"，,；;。：:！!？?\n\r、（）()", "", "", "", "", "x", "ß", "ǅ", "ｐｖｄｆ", "Ａ", "é"]
    rng = random.Random(seed)
    return [
        "".join(rng.choice(words) + rng.choice(stops) for _ in range(rng.randint(1, 14)))
        for _ in range(n)
    ]


def test_clause_pieces_give_the_whole_texts_results():
    """Read piece by piece (:meth:`Classifier._passed_rows`), every text gives what the
    reference gives it read whole: on 40,000 scopes that cross each edge of a piece."""
    from chainmap.analysis.classify import _clause_pieces

    chain = _piece_chain()
    assert _clause_pieces(*Classifier(chain)._key) is not None
    texts = _piece_fuzz(chain, 40_000, seed=12)
    rng = random.Random(13)
    codes = [rng.choice([None, None, "C2613", " "]) for _ in texts]
    found = _same(chain, texts, codes)
    # The corpus reaches every path: raw materials, lower case beside a letter str.upper
    # lengthens, headings, brackets open across a clause end; and finds something.
    assert sum("原料" in t or "利用" in t for t in texts) > 5_000
    assert sum("ß" in t and any("a" <= c <= "z" for c in t) for t in texts) > 500
    assert sum(bool(re.search(r"[（(][^）)]*[，,；;]", t)) for t in texts) > 5_000
    assert sum(bool(r.segments) for r in found) > 5_000
    assert sum(bool(r.trade_segments) for r in found) > 1_000
    assert sum("vdf" in r.segments for r in found) > 500


def test_clause_pieces_on_random_unicode(fluorochem_chain):
    """Terms among random characters (NUL, combining marks, astral, separators, brackets
    left open, letters str.upper lengthens) and texts of one open bracket or 25,000
    characters: the pieces give what the whole texts give."""
    terms = sorted({t for ts in segment_terms(fluorochem_chain).values() for t in ts})
    rng = random.Random(5)
    alphabet = [
        *"，,；;。：:！!？?\n\r\t、（）()[]【】的用级不含除外以为原料利用生产销售 ",
        *"\x00\u200b\u0301\ufe0fßǅſıａｚＡ𠀀😀é\u2028",
        *(chr(rng.randint(0x20, 0x2FFF)) for _ in range(200)),
    ]
    texts = []
    for _ in range(15_000):
        parts = []
        for _ in range(rng.randint(0, 12)):
            if rng.random() < 0.4:
                term = rng.choice(terms)
                parts.append(term if rng.random() < 0.7 else term.lower())
            else:
                parts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))))
        texts.append("".join(parts))
    texts += ["", "（", "）", "（" * 1000 + "氢氟酸生产", "氢氟酸生产" * 5000, "pvdf，ß；PVDF生产"]
    found = _same(fluorochem_chain, texts)
    assert sum(bool(r.segments or r.trade_segments) for r in found) > 5_000


def test_a_chain_whose_terms_hold_every_clause_end_reads_texts_whole():
    from chainmap.analysis.classify import _PIECE_ENDS, _clause_pieces

    chain = _piece_chain("甲" + _PIECE_ENDS + "乙")
    assert _clause_pieces(*Classifier(chain)._key) is None
    _same(chain, [*_piece_fuzz(chain, 3_000, seed=14), "甲" + _PIECE_ENDS + "乙生产"])


def test_case_safe_characters_stay_one_character_upper_cased():
    from chainmap.analysis.classify import _CASE_SAFE_RANGES

    for first, last in _CASE_SAFE_RANGES:
        for code in range(first, last + 1):
            assert len(chr(code).upper()) == 1, hex(code)


def test_a_term_with_a_greek_letter_turns_the_filter_off():
    """str.upper() folds Greek the filter cannot: every text goes through Python."""
    chain = _edge_chain(extra="α")
    texts = [*_fuzz(chain, 2000, seed=8), "面板α生产", "面板Α生产x", "汽车制造"]
    assert _native_mask(texts, *Classifier(chain)._key) is None
    _same(chain, texts)


def test_series_lists_and_cells_that_are_not_text(fluorochem_chain):
    texts = ["氢氟酸生产\udcff", "pvdf生产", None, 3.5, "ｐｖｄｆ生产 x", "PVDF销售", float("nan")]
    codes = [None, "C2613", None, "C2613", None, None, None]
    want = Classifier(fluorochem_chain, native=False).classify_rows(texts, codes)
    assert [r.segments for r in want][:2] == [["ahf"], ["pvdf"]]
    for given in (
        texts,
        pd.Series(texts, dtype=object, index=[9, 3, 1, 0, 5, 7, 2]),
        pd.Series(texts[1:2] + texts[4:6], dtype="str"),
    ):
        got = Classifier(fluorochem_chain, native=True).classify_rows(
            given, codes[: len(given)] if len(given) == len(codes) else None
        )
        ref = Classifier(fluorochem_chain, native=False).classify_rows(
            list(given), codes[: len(given)] if len(given) == len(codes) else None
        )
        assert got == ref
    assert Classifier(fluorochem_chain, native=True).classify_many(texts) == Classifier(
        fluorochem_chain, native=False
    ).classify_many(texts)


def test_assign_segments_and_classify_read_a_long_column_natively(fluorochem_chain):
    """From NATIVE_MIN_TEXTS rows on, the tables take the native path: same table."""
    from chainmap.synthetic import synthetic_registry

    e2e = _module("end_to_end")
    frame = synthetic_registry(12_000, fluorochem_chain, seed=2)
    texts = e2e.realistic_scopes(frame["scope"].tolist(), seed=2, start=0)
    table = pd.DataFrame(
        {"scope": pd.Series(texts, dtype="str"), "segments": [None] * 11_000 + ["萤石"] * 1_000}
    )
    assert Classifier(fluorochem_chain)._passed(table["scope"].iloc[:11_000]) is not None
    got = assign_segments(fluorochem_chain, table, evidence=True)
    untagged = table.iloc[:11_000]
    ref = Classifier(fluorochem_chain, native=False).classify_rows(untagged["scope"].tolist())
    assert sum(1 for r in ref if r.segments) > 500
    assert got["segments"].iloc[:11_000].tolist() == [r.segments for r in ref]
    assert got["evidence"].iloc[:11_000].tolist() == [r.evidence for r in ref]
    assert got["segments"].iloc[11_000:].tolist() == [["fluorspar"]] * 1_000
    frame = classify(fluorochem_chain, table["scope"])
    assert frame["trade_segments"].tolist() == [
        r.trade_segments for r in Classifier(fluorochem_chain, native=False).classify_rows(texts)
    ]


def test_texts_that_mostly_name_the_chain_skip_the_filter(fluorochem_chain):
    """When most of the first 2,000 texts pass, the filter would cost and save nothing."""
    bench = _module("classify")
    terms = sorted({t for ts in segment_terms(fluorochem_chain).values() for t in ts})
    texts = bench.synthetic_texts(terms, 12_000, seed=6)
    assert _native_mask(texts[:2000], *Classifier(fluorochem_chain)._key).mean() > 0.5
    assert Classifier(fluorochem_chain)._passed(texts) is None
    assert Classifier(fluorochem_chain, native=True)._passed(texts) is not None
    assert Classifier(fluorochem_chain).classify_many(texts) == Classifier(
        fluorochem_chain, native=False
    ).classify_many(texts)


def test_without_polars_every_text_goes_through_python(fluorochem_chain, monkeypatch):
    """A broken install without polars classifies as before, in Python."""
    texts = ["氢氟酸生产", "技术服务"] * 6_000
    monkeypatch.setitem(sys.modules, "polars", None)  # import polars raises ImportError
    assert _native_mask(texts, *Classifier(fluorochem_chain)._key) is None
    got = Classifier(fluorochem_chain, native=True).classify_rows(texts)
    assert [r.segments for r in got[:2]] == [["ahf"], []]
    assert len(got) == len(texts)


@pytest.mark.parametrize("rows", [300, 14_000])
@pytest.mark.parametrize("tagged", [False, True])
def test_assign_segments_equals_classify_row_row_by_row(fluorochem_chain, rows, tagged):
    """Every column of assign_segments against classify_row of the reference, row by row.

    With 14,000 rows (over 10,000 untagged) the native filter passes only some rows to
    Python and the others are filled in as empty; with 300 every row is read. Tags, where
    given, are scattered through the table (one row in ten), and codes sit on some rows
    with and without a mention.
    """
    from chainmap.synthetic import synthetic_registry

    e2e = _module("end_to_end")
    frame = synthetic_registry(rows, fluorochem_chain, seed=5)
    texts = e2e.realistic_scopes(frame["scope"].tolist(), seed=5, start=0)
    rng = random.Random(rows)
    # Codes as text with NaN where missing (pandas' str dtype), or cells of any kind.
    kinds = ["C2613", "2614", "C3841", None, None, None, None]
    if tagged:
        kinds += ["", "  ", 2614, float("nan"), "制造业", "锂离子电池制造"]
    codes = [rng.choice(kinds) for _ in texts]
    tags = [
        rng.choice(["萤石", "ahf;pvdf"]) if tagged and rng.random() < 0.1 else None for _ in texts
    ]
    table = pd.DataFrame(
        {"scope": pd.Series(texts, dtype="str"), "segments": tags, "gb_industry": codes}
    )
    codes = table["gb_industry"].tolist()
    got = assign_segments(fluorochem_chain, table, evidence=True)

    reference = Classifier(fluorochem_chain, native=False)
    want = {k: [] for k in ("segments", "evidence", "trade", "levels", "source")}
    for text, code, tag in zip(texts, codes, tags, strict=True):
        if tag:
            ids = ["fluorspar"] if tag == "萤石" else ["ahf", "pvdf"]
            found = ids, {}, [], [], "tagged"
        else:
            r = reference.classify_row(text, code)
            found = r.segments, r.evidence, r.trade_segments, r.confidence, "classified"
        for key, value in zip(want, found, strict=True):
            want[key].append(value)
    assert got["segments"].tolist() == want["segments"]
    assert got["evidence"].tolist() == want["evidence"]
    assert got["trade_segments"].tolist() == want["trade"]
    assert got["segments_confidence"].tolist() == want["levels"]
    assert got["segments_source"].tolist() == want["source"]
    assert sum(1 for s in want["segments"] if s) > rows // 20  # the corpus finds something
    if rows > NATIVE_MIN_TEXTS:
        assert Classifier(fluorochem_chain)._passed(table["scope"]) is not None
    # No two cells share a list: a caller may change one cell's list in place.
    cells = [*got["segments"], *got["trade_segments"], *got["segments_confidence"]]
    assert len({id(c) for c in cells}) == len(cells)


def test_many_results_are_promoted_past_the_young_collections(fluorochem_chain, monkeypatch):
    """classify_rows, classify_many and assign_segments hand back results that outlive
    the call: from _PROMOTE_MIN_ROWS rows on they go to the collector's oldest
    generation as the call ends (chainmap.collector), below it they do not."""
    import chainmap.analysis.classify as module
    from chainmap.collector import collector_paused

    asked: list[bool] = []

    def recorded(*, promote: bool = False):
        asked.append(promote)
        return collector_paused(promote=promote)

    monkeypatch.setattr(module, "collector_paused", recorded)
    clf = Classifier(fluorochem_chain)
    for n in (module._PROMOTE_MIN_ROWS - 1, module._PROMOTE_MIN_ROWS):
        texts = ["萤石开采；氢氟酸生产"] * n
        asked.clear()
        clf.classify_rows(texts)
        clf.classify_many(texts)
        assign_segments(fluorochem_chain, pd.DataFrame({"scope": texts}))
        promoted = [p for p in asked if p]
        assert len(promoted) == (3 if n >= module._PROMOTE_MIN_ROWS else 0), asked
