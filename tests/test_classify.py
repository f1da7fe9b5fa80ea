"""Business-scope classification: rules, accuracy on a hand-written fixture, API and CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
import random

from openpyxl import load_workbook
import pandas as pd
import pytest

from chainmap.analysis.classify import (
    Classifier,
    assign_segments,
    classify,
    segment_terms,
)
from chainmap.errors import InputError
from chainmap.model.chain import parse_chain

FIXTURE = Path(__file__).parent / "fixtures" / "classify_fluorochem_handwritten.csv"
#: Cases the classifier gets wrong for reasons of vocabulary, documented in docs/classify.md:
#: 47 硫酸钾 contains the keyword 硫酸; 59 氢氟酸废水 names a waste stream, not a product;
#: 68 R227ea is a trade name the chain does not list (it lists HFC-227ea).
KNOWN_LIMITS = {"47", "59", "60", "68"}
# 60 (废旧锂电池回收利用): lithium_battery is a component now (cell makers are targets, issue 16),
# so rule 4 no longer screens 锂电池 used as a modifier; a recycler is tagged as a cell maker.
#: Floors for the hand-written fixture (68 texts, 64 expected production pairs; the 10 trade
#: pairs of its ``trade`` column are scored in test_classify_registry.py). The known limits
#: cost a few false positives and 1 miss (figures printed by the test). Each rule has four or
#: more cases, so
#: breaking any one rule adds several errors and falls below these floors.
MIN_PRECISION = 0.95
MIN_RECALL = 0.95


def _fixture_rows() -> list[dict[str, str]]:
    with FIXTURE.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _expected(row: dict[str, str]) -> list[str]:
    return [s for s in row["expected"].split(";") if s]


@pytest.fixture(scope="module")
def clf(fluorochem):
    return Classifier(fluorochem)


# ---------------------------------------------------------------------- accuracy


def test_fixture_is_large_and_covers_every_kind():
    rows = _fixture_rows()
    assert len(rows) >= 40
    kinds = {r["kind"] for r in rows}
    assert {"specific", "negation", "market", "raw", "application", "unrelated"} <= kinds
    assert sum(1 for r in rows if r["kind"] == "unrelated" and "化工" in r["text"]) >= 3


def test_precision_and_recall_on_handwritten_fixture(fluorochem, record_property, capsys):
    rows = _fixture_rows()
    result = classify(fluorochem, [r["text"] for r in rows])
    tp = fp = fn = 0
    for row, found in zip(rows, result["segments"], strict=True):
        expected, got = set(_expected(row)), set(found)
        tp += len(expected & got)
        fp += len(got - expected)
        fn += len(expected - got)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    summary = (
        f"classify accuracy on {len(rows)} hand-written texts: "
        f"precision {precision:.3f}, recall {recall:.3f} (tp {tp}, fp {fp}, fn {fn})"
    )
    record_property("accuracy", summary)
    with capsys.disabled():
        print("\n" + summary)
    assert precision >= MIN_PRECISION
    assert recall >= MIN_RECALL


@pytest.mark.parametrize(
    "row",
    [r for r in _fixture_rows() if r["case"] not in KNOWN_LIMITS],
    ids=lambda r: f"{r['case']}-{r['kind']}",
)
def test_fixture_case_exactly(clf, row):
    segments, evidence = clf.classify_one(row["text"])
    assert sorted(segments) == sorted(_expected(row))
    assert set(evidence) == set(segments)


# ---------------------------------------------------------------------- rules


def test_specific_term_wins_unless_generic_named_separately(clf):
    assert clf.classify_one("电子级氢氟酸生产") == (
        ["electronic_hf"],
        {"electronic_hf": ["电子级氢氟酸"]},
    )
    segments, evidence = clf.classify_one("电子级氢氟酸、氢氟酸生产")
    assert segments == ["ahf", "electronic_hf"]
    assert evidence["ahf"] == ["氢氟酸"]


def test_matches_agree_with_brute_force_leftmost_longest(clf, fluorochem):
    """Reference implementation: scan left to right, take the longest term at each position."""
    stages = {s.id: s.stage for s in fluorochem.ordered_segments()}
    owners: dict[str, set[str]] = {}
    for sid, terms in segment_terms(fluorochem).items():
        for term in terms:
            owners.setdefault(term, set()).add(sid)
    # Left out: terms of application segments (verb rule), terms holding a trigger word
    # (原料), and Latin terms (word boundaries), which other tests cover.
    terms = sorted(
        t
        for t, sids in owners.items()
        if all(stages[s] != "application" for s in sids)
        and "原料" not in t
        and not any(c.isascii() and c.isalnum() for c in t)
    )
    filler = ["技术服务", "、", "；", "货物进出口", "销售", "生产"]
    rng = random.Random(7)
    for _ in range(300):
        text = "".join(rng.choice(terms if rng.random() < 0.5 else filler) for _ in range(8))
        expected: dict[str, set[str]] = {}
        i = 0
        while i < len(text):
            hit = max((t for t in terms if text.startswith(t, i)), key=len, default=None)
            if hit is None:
                i += 1
                continue
            for sid in owners[hit]:
                expected.setdefault(sid, set()).add(hit)
            i += len(hit)
        row = clf.classify_row(text)  # production and trade: both are matches
        assert {k: set(v) for k, v in row.evidence.items()} == expected, text
        assert set(row.segments) | set(row.trade_segments) == set(expected)


@pytest.mark.parametrize(
    "text",
    [
        "化工产品销售（不含氢氟酸）",
        "化工产品销售（不含危险化学品、氢氟酸）",
        "不得从事氢氟酸生产",
        "化工原料销售（除氢氟酸外）",
        "除氢氟酸外的化工产品销售",
        "不从事萤石开采、氢氟酸生产",
    ],
)
def test_negated_mentions_are_ignored(clf, text):
    assert clf.classify_one(text) == ([], {})


def test_negation_ends_at_clause_or_bracket(clf):
    assert clf.classify_one("销售化工产品，不含硫酸；生产氢氟酸")[0] == ["ahf"]
    assert clf.classify_one("化工产品（不含硫酸）、氢氟酸生产")[0] == ["ahf"]
    # 除 in 去除 is not 除…外
    assert clf.classify_one("去除杂质后生产氢氟酸，对外销售")[0] == ["ahf"]


def test_markets_and_raw_materials_are_not_products(clf):
    assert clf.classify_one("氟橡胶生产，用于汽车、建筑等领域")[0] == ["fkm"]
    assert clf.classify_one("生产应用于锂电池的PVDF")[0] == ["pvdf"]
    assert clf.classify_one("以萤石为原料生产无水氢氟酸")[0] == ["ahf"]
    assert clf.classify_one("原料：萤石、硫酸；产品：氢氟酸")[0] == ["ahf"]


def test_application_needs_an_operation_verb(clf):
    assert clf.classify_one("新能源汽车销售") == ([], {})
    assert clf.classify_one("新能源汽车制造") == (["automotive"], {"automotive": ["新能源汽车"]})
    assert clf.classify_one("数据中心运营")[0] == ["data_center_cooling"]
    # a use or grade qualifier is not the market itself
    assert clf.classify_one("汽车用氟橡胶制造")[0] == ["fkm"]
    assert clf.classify_one("冶金级萤石生产")[0] == ["fluorspar"]
    # an application term right before another term modifies it
    assert clf.classify_one("光伏PVDF膜生产")[0] == ["pvdf"]
    assert clf.classify_one("半导体电子特气生产；以萤石为原料")[0] == ["electronic_gases"]
    assert clf.classify_one("光伏电站建设、PVDF膜生产")[0] == ["pvdf", "photovoltaic"]


def test_latin_terms_need_boundaries_and_ignore_case(clf):
    assert clf.classify_one("R227ea销售") == ([], {})
    assert clf.classify_one("R22生产")[0] == ["hcfc_refrigerants"]
    assert clf.classify_one("pvdf粉料、ＰＴＦＥ板材生产")[1] == {"pvdf": ["PVDF"], "ptfe": ["PTFE"]}


def test_segments_follow_stage_order_and_evidence_is_sorted(clf, fluorochem):
    segments, evidence = clf.classify_one("聚偏氟乙烯、萤石精粉、无水氢氟酸、氢氟酸生产")
    order = [s.id for s in fluorochem.ordered_segments()]
    assert segments == sorted(segments, key=order.index)
    assert segments == ["fluorspar", "ahf", "pvdf"]
    assert evidence["ahf"] == ["无水氢氟酸", "氢氟酸"]


@pytest.mark.parametrize("text", [None, "", float("nan"), pd.NA, 42, "餐饮服务"])
def test_empty_or_unrelated_texts_give_nothing(clf, text):
    assert clf.classify_one(text) == ([], {})


def test_works_for_any_chain_and_caches_per_content(tiny_ttl):
    tiny = parse_chain(tiny_ttl)
    assert Classifier(tiny).classify_one("金属零件加工") == (
        ["metal", "part"],
        {"metal": ["金属"], "part": ["零件"]},
    )
    assert Classifier(tiny)._automaton is Classifier(parse_chain(tiny_ttl))._automaton
    other = parse_chain(tiny_ttl.replace('"金属"@zh', '"合金"@zh'))
    assert Classifier(other).classify_one("金属零件加工")[0] == ["part"]


# ---------------------------------------------------------------------- tables


def test_numpy_strings_are_texts(clf):
    import numpy as np

    assert clf.classify_one(np.str_("萤石精粉生产"))[0] == ["fluorspar"]


def test_classify_keeps_series_index(fluorochem):
    texts = pd.Series(["萤石精粉生产", None, "聚偏氟乙烯生产"], index=["a", "b", "c"])
    frame = classify(fluorochem, texts)
    assert list(frame.index) == ["a", "b", "c"]
    assert list(frame.columns) == ["segments", "evidence", "trade_segments", "segments_confidence"]
    assert frame["segments"].tolist() == [["fluorspar"], [], ["pvdf"]]
    assert frame.loc["c", "evidence"] == {"pvdf": ["聚偏氟乙烯"]}


def test_assign_segments_tags_win(fluorochem):
    table = pd.DataFrame(
        {
            "name": ["甲", "乙", "丙"],
            "scope": ["聚偏氟乙烯生产", "聚偏氟乙烯生产", "餐饮服务"],
            "segments": [None, "萤石;ahf", ["pvdf"]],
        }
    )
    out = assign_segments(fluorochem, table, evidence=True)
    assert out["segments"].tolist() == [["pvdf"], ["fluorspar", "ahf"], ["pvdf"]]
    assert out["segments_source"].tolist() == ["classified", "tagged", "tagged"]
    assert out["evidence"].tolist()[:2] == [{"pvdf": ["聚偏氟乙烯"]}, {}]
    assert table["segments"].tolist()[0] is None  # the input is not changed


def test_assign_segments_keeps_foreign_tags_and_names_missing_columns(fluorochem):
    table = pd.DataFrame({"scope": ["x"], "segments": ["cathode; 萤石"]})
    assert assign_segments(fluorochem, table)["segments"].tolist() == [["fluorspar", "cathode"]]
    with pytest.raises(InputError, match=r"经营范围.*scope"):
        assign_segments(fluorochem, table, text_column="经营范围")


# ---------------------------------------------------------------------- CLI


@pytest.fixture
def scopes_csv(tmp_path):
    path = tmp_path / "firms.csv"
    path.write_text(
        "企业名称,经营范围,环节\n"
        "甲化工,电子级氢氟酸生产；化工产品销售（不含危险化学品）,\n"
        "乙科技,氟橡胶生产，产品用于汽车密封,\n"
        "丙矿业,普通货物仓储,萤石\n",
        encoding="gbk",
    )
    return path


def test_cli_classify_json(invoke, scopes_csv):
    result = invoke(
        "classify", "fluorochem", scopes_csv, "--text-column", "经营范围", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert [r["企业名称"] for r in records] == ["甲化工", "乙科技", "丙矿业"]
    assert [r["segments"] for r in records] == [["electronic_hf"], ["fkm"], ["fluorspar"]]
    assert records[0]["evidence"] == {"electronic_hf": ["电子级氢氟酸"]}
    assert [r["segments_source"] for r in records] == ["classified", "classified", "tagged"]
    assert "2/3" not in result.stdout  # the note goes to stderr


def test_cli_classify_csv_joins_segments(invoke, tmp_path):
    path = tmp_path / "firms.csv"
    path.write_text("name,scope\n甲,萤石精粉、无水氢氟酸生产\n乙,餐饮\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = invoke("classify", "fluorochem", path, "--text-column", "scope", "-o", out)
    assert result.exit_code == 0
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0]["segments"] == "fluorspar;ahf"
    assert json.loads(rows[0]["evidence"]) == {"ahf": ["无水氢氟酸"], "fluorspar": ["萤石精粉"]}
    assert rows[1]["segments"] == "" and rows[1]["segments_source"] == "classified"


def test_cli_classify_xlsx(invoke, scopes_csv, tmp_path):
    out = tmp_path / "out.xlsx"
    result = invoke("classify", "fluorochem", scopes_csv, "--text-column", "经营范围", "-o", out)
    assert result.exit_code == 0
    sheet = load_workbook(out).active
    header = [c.value for c in sheet[1]]
    assert header[-5:] == [
        "segments",
        "evidence",
        "segments_source",
        "segments_confidence",
        "trade_segments",
    ]
    assert sheet.cell(row=2, column=header.index("segments") + 1).value == "electronic_hf"


def test_cli_classify_unknown_column_is_one_line(runner, scopes_csv):
    from chainmap.cli import cli

    result = runner.invoke(
        cli, ["classify", "fluorochem", str(scopes_csv), "--text-column", "范围"]
    )
    assert result.exit_code != 0
    message = result.output.strip()
    assert len(message.splitlines()) == 1
    assert "范围" in message and "企业名称, 经营范围, 环节" in message
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------- benchmark


@pytest.fixture(scope="module")
def bench():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "classify.py"
    spec = importlib.util.spec_from_file_location("classify_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_texts_are_seeded_and_sized(bench, fluorochem):
    terms = sorted({t for ts in segment_terms(fluorochem).values() for t in ts})
    texts = bench.synthetic_texts(terms, 500, seed=3)
    assert texts == bench.synthetic_texts(terms, 500, seed=3)
    assert all(150 <= len(t) <= 250 for t in texts)
    assert any(term in texts[0] for term in terms) or any(term in texts[1] for term in terms)


def test_benchmark_runs_small(bench, capsys):
    assert bench.main(["--n", "300", "--chunk", "100"]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out and "speed-up" in out and "peak memory" in out


def test_tuning_to_frequent_characters_changes_no_result(fluorochem, bench):
    from chainmap.analysis.classify import frequent_chars

    terms = sorted({t for ts in segment_terms(fluorochem).values() for t in ts})
    texts = [r["text"] for r in _fixture_rows()] + bench.synthetic_texts(terms, 1500, seed=5)
    chars = frequent_chars(texts, n=200)
    assert len(chars) == 200 and "氟" in chars
    plain, tuned = Classifier(fluorochem), Classifier(fluorochem, frequent_chars=chars)
    assert tuned._automaton is not plain._automaton
    assert tuned.classify_many(texts) == plain.classify_many(texts)
    assert tuned.classify_one("含\x00氢氟酸") == plain.classify_one("含\x00氢氟酸")


def test_frequent_chars_equals_counting_them_one_by_one(fluorochem, bench):
    """The numpy count against collections.Counter: order by count, ties by code point."""
    from collections import Counter
    import random

    from chainmap.analysis.classify import _PAD, frequent_chars

    def counted(texts, n):
        counts = Counter("".join(t for t in texts if isinstance(t, str)))
        counts.pop(_PAD, None)
        return "".join(sorted(counts, key=lambda ch: (-counts[ch], ch))[:n])

    terms = sorted({t for ts in segment_terms(fluorochem).values() for t in ts})
    rng = random.Random(7)
    alphabet = ["a", "A", "氟", "酸", _PAD, "\x01", "\ud800", "\U0001f600", "\U0010ffff"]
    samples = [bench.synthetic_texts(terms, 500, seed=5), [], [None, 3.5]]
    for _ in range(500):
        samples.append(
            [
                "".join(rng.choice(alphabet) for _ in range(rng.randrange(8)))
                if rng.random() < 0.9
                else None
                for _ in range(rng.randrange(6))
            ]
        )
    for texts in samples:
        for n in (0, 1, 3, 64):
            assert frequent_chars(texts, n=n) == counted(texts, n)


def test_cli_classify_reads_xlsx_with_chinese_headers(invoke, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["企业名称", "经营范围", "环节"])
    sheet.append(["甲", "六氟磷酸锂生产；锂电池电解液销售", None])
    sheet.append(["乙", "技术服务", "pvdf; 萤石"])
    path = tmp_path / "firms.xlsx"
    book.save(path)
    result = invoke("classify", "fluorochem", path, "--text-column", "经营范围", "--format", "json")
    records = json.loads(result.stdout)
    assert [r["segments"] for r in records] == [["lipf6"], ["fluorspar", "pvdf"]]
    assert [r["trade_segments"] for r in records] == [["electrolyte"], []]  # 电解液销售: trade
    assert [r["segments_confidence"] for r in records] == [["scope"], []]
    assert [r["segments_source"] for r in records] == ["classified", "tagged"]
    assert records[1]["环节"] == "pvdf; 萤石"  # the input column is kept as it was


def test_cli_classify_reads_gbk_registry_export_with_title_row(invoke):
    """The registry fixture of the import tests: GBK, a title row above the header."""
    path = Path(__file__).parent / "fixtures" / "registry_gbk_title_synthetic.csv"
    result = invoke("classify", "fluorochem", path, "--text-column", "经营范围", "--format", "json")
    records = json.loads(result.stdout)
    assert len(records) == 10  # every data row, even the empty ones
    by_scope = {r["经营范围"]: r["segments"] for r in records}
    assert by_scope["无水氟化氢、氟化工产品的生产、销售"] == ["ahf"]
    assert by_scope["萤石开采、销售"] == ["fluorspar"]
    assert by_scope["化工原料销售(不含危险化学品)"] == []
    assert by_scope["五金制品制造"] == []
    assert {r["segments_source"] for r in records} == {"classified"}


def test_a_text_ending_inside_a_longer_keyword_keeps_the_shorter_one():
    from chainmap.analysis.classify import Classifier
    from chainmap.model.chain import load_chain

    clf = Classifier(load_chain("fluorochem"))
    # 高品位萤石块矿 is a keyword; a text cut after 块 still names 萤石 (leftmost-longest).
    row = clf.classify_row("销售高品位萤石块")  # 销售: trade evidence (rule 6)
    assert (row.trade_segments, row.evidence) == (["fluorspar"], {"fluorspar": ["萤石"]})
    assert clf.classify_one("销售高品位萤石块。") == clf.classify_one("销售高品位萤石块")


def test_cli_classifies_an_imported_parquet(invoke, tmp_path):
    """import -> Parquet -> classify: list cells (numpy arrays when read back) stay lists."""
    raw = tmp_path / "r.csv"
    raw.write_text(
        "企业名称,所属区县,经营范围,标签\n"
        "甲氟材料有限公司,武义县,聚偏氟乙烯树脂生产,高新技术企业；专精特新\n"
        "乙化工有限公司,武义县,无水氟化氢生产,\n",
        encoding="utf-8",
    )
    assert invoke("import", raw, "-o", tmp_path / "r.parquet").exit_code == 0
    out = tmp_path / "out.csv"
    done = invoke(
        "classify", "fluorochem", tmp_path / "r.parquet", "--text-column", "scope", "-o", out
    )
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [(r["segments"], r["segments_source"]) for r in rows] == [
        ("pvdf", "classified"),
        ("ahf", "classified"),
    ]
    assert rows[0]["flags"] == "高新技术企业; 专精特新" and rows[1]["flags"] == ""
    shown = json.loads(
        invoke("classify", "fluorochem", tmp_path / "r.parquet", "--text-column", "scope",
               "--format", "json").stdout
    )  # fmt: skip
    assert shown[0]["flags"] == ["高新技术企业", "专精特新"] and shown[1]["segments"] == ["ahf"]


def test_classify_on_a_terminal_shows_names_and_segments_and_points_to_o(invoke, tmp_path):
    from pathlib import Path

    export = Path(__file__).parent.parent / "notebooks" / "data"
    export = export / "registry_export_fixture_synthetic.xlsx"
    result = invoke("classify", "fluorochem", export, "--text-column", "经营范围")
    assert result.exit_code == 0, result.output
    header = next(line for line in result.stdout.splitlines() if "企业名称" in line)
    assert "经营范围" not in result.stdout and "segments_source" in header
    assert "-o FILE.csv" in result.stderr
    full = tmp_path / "all.csv"
    assert (
        invoke("classify", "fluorochem", export, "--text-column", "经营范围", "-o", full).exit_code
        == 0
    )
    assert "经营范围" in full.read_text(encoding="utf-8-sig").splitlines()[0]
