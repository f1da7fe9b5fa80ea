"""Every CLI command over the hostile corpus (tests/fixtures/hostile/, issue 15).

For each run: no traceback; a failure exits non-zero with one clear ``Error:`` line
(not the catch-all for errors no input edge handled); an import accounts for every
row (read == kept + rejected); every CSV written reads back with ``csv.reader`` with
no cell that a spreadsheet would run as a formula. ``EXPECT`` pins what some files
must produce, so a file that stops exercising its case fails the test.
"""

from __future__ import annotations

import csv
from pathlib import Path
import re

from click.testing import CliRunner
import pytest

from chainmap.cli import cli

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
FILES = sorted(p.name for p in HOSTILE.iterdir() if p.suffix != ".md")
TARGETS = str(Path(__file__).parents[1] / "graphs" / "kpi_targets_synthetic.toml")
LEDGER = str(Path(__file__).parents[1] / "graphs" / "ledger_synthetic.csv")
FORMULA = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
CATCH_ALL = "cannot process the input"

#: (file, command) → text the run's output must hold (a reason, or the refusal).
EXPECT = {
    ("ent_ragged_more_fields.csv", "import"): "too_many_fields",
    ("ent_negative_capital.csv", "import"): "negative capital",
    ("ent_capital_401_digits.csv", "import"): "bad_capital",
    ("ent_huge_numbers.csv", "import"): "out of range",
    ("ent_dates_out_of_range.csv", "import"): "out of range",
    ("ent_negative_employees.csv", "import"): "negative employee",
    ("ent_segment_tags_case.csv", "import"): "segment_case",
    ("ent_big5.csv", "import"): "Big5",
    ("ent_utf16_no_bom.csv", "import"): "UTF_16",
    ("ent_tab_separated.csv", "import"): "tab-separated",
    ("ent_semicolon_separated.csv", "import"): "semicolon-separated",
    ("ent_garbage.xlsx", "import"): "Error:",
    ("ent_zip_not_workbook.xlsx", "import"): "Error:",
    ("ent_truncated.xlsx", "import"): "Error:",
    ("ent_empty.csv", "import"): "empty",
    ("chain_cycle.ttl", "show"): "cycle",
    ("chain_self_loop.ttl", "show"): "itself",
    ("chain_two_chains.ttl", "show"): "exactly one cm:Chain",
    ("chain_notation_mismatch.ttl", "show"): "notation",
    ("chain_weight_text.ttl", "show"): "not a decimal",
    ("chain_weight_negative.ttl", "show"): "negative",
    ("chain_weight_nan.ttl", "show"): "not a decimal",
    ("chain_untyped_segment.ttl", "show"): "cm:Segment",
    ("chain_stray_triple.ttl", "show"): "no cm:Link",
    ("chain_valid_used_in_loop.ttl", "show"): "矿石",
    ("chaintab_segments_id_space.csv", "chain import"): "'my seg'",
    ("chaintab_links_weight_nan.csv", "chain import"): "finite, non-negative",
    ("chaintab_links_weight_inf.csv", "chain import"): "finite, non-negative",
    ("chaintab_links_weight_negative.csv", "chain import"): "finite, non-negative",
    ("chaintab_garbage.xlsx", "chain import"): "Error:",
    ("ledger_year_2500.csv", "kpi"): "outside 1900-2100",
    ("ledger_year_0001.csv", "kpi"): "outside 1900-2100",
    ("ledger_amount_inf_nan.csv", "kpi"): "bad_amount: 3",
    ("ledger_400_digits.csv", "kpi"): "bad_amount: 1",
    ("ledger_garbage.xlsx", "kpi"): "Error:",
    ("profile_weights_nan.toml", "rank"): "weights.gap_priority",
    ("profile_weights_bool.toml", "rank"): "weights.gap_priority",
    ("profile_weights_inf.toml", "rank"): "weights.gap_priority",
    ("profile_strong_lq_nan.toml", "rank"): "thresholds.strong_lq",
    ("profile_half_life_nan.toml", "rank"): "distance_half_life_km",
    ("profile_stability_huge.toml", "rank"): "stability.n",
    ("profile_non_ascii_key.toml", "rank"): "quote non-ASCII keys",
    ("query_service.rq", "query"): "run offline",
    ("query_service_file.rq", "query"): "run offline",
    ("query_from_named.rq", "query"): "run offline",
    ("query_syntax_error.rq", "query"): "SPARQL syntax error at line",
}


def commands(name: str, tmp: Path) -> list[tuple[str, list[str]]]:
    """The commands that read ``name``, by its prefix: ``(label, argv)``."""
    f = str(HOSTILE / name)
    kind = name.split("_")[0]
    fast = str(tmp / "fast.toml")
    (tmp / "fast.toml").write_text("[stability]\nn = 3\n", encoding="utf-8")
    if kind == "ent":
        return [
            ("import", ["import", f, "-o", str(tmp / "out.csv"), "--report", str(tmp / "rep.csv")]),
            ("import xlsx", ["import", f, "-o", str(tmp / "out.xlsx")]),
            (
                "classify",
                [
                    "classify",
                    "fluorochem",
                    f,
                    "--text-column",
                    "经营范围",
                    "-o",
                    str(tmp / "c.csv"),
                ],
            ),
            (
                "rank",
                [
                    "rank",
                    "fluorochem",
                    "--enterprises",
                    f,
                    "--profile",
                    fast,
                    "-o",
                    str(tmp / "r.csv"),
                ],
            ),
            ("gaps", ["gaps", "fluorochem", "--enterprises", f, "-o", str(tmp / "g.xlsx")]),
            (
                "plan",
                [
                    "plan",
                    "fluorochem",
                    "--enterprises",
                    f,
                    "--profile",
                    fast,
                    "-o",
                    str(tmp / "p.md"),
                ],
            ),
            ("export", ["export", "fluorochem", "--enterprises", f, "-o", str(tmp / "kg.nt")]),
            ("validate", ["validate", f]),
            (
                "query",
                [
                    "query",
                    "fluorochem",
                    "SELECT ?name WHERE { ?e a cm:Enterprise ; schema:name ?name }",
                    "--enterprises",
                    f,
                    "-o",
                    str(tmp / "q.csv"),
                ],
            ),
        ]
    if kind == "chain":
        return [
            ("show", ["show", f, "--format", "csv"]),
            ("gaps", ["gaps", f, "--format", "csv", "-o", str(tmp / "g.csv")]),
            ("export", ["export", f, "-o", str(tmp / "kg.ttl")]),
            ("validate", ["validate", f]),
        ]
    if kind == "chaintab":
        segments = str(HOSTILE / "chaintab_segments_ok.csv")
        links = str(HOSTILE / "chaintab_links_ok.csv")
        pair = [f, links] if "segments" in name else [segments, f]
        if name.endswith(".xlsx"):
            pair = [f]
        return [("chain import", ["chain", "import", *pair, "-o", str(tmp / "c.ttl")])]
    if kind == "ledger":
        return [
            ("kpi", ["kpi", f, "--targets", TARGETS, "--period", "2024", "-o", str(tmp / "k.csv")]),
            (
                "kpi xlsx",  # 2025: the leads landed in 2024 are overdue, so their names are in it
                ["kpi", f, "--targets", TARGETS, "--period", "2025", "-o", str(tmp / "k.xlsx")],
            ),
        ]
    if kind == "profile":
        return [
            ("rank", ["rank", "fluorochem", "--profile", f, "--format", "csv"]),
            ("plan", ["plan", "fluorochem", "--profile", f, "--format", "json"]),
        ]
    if kind == "targets":
        return [("kpi", ["kpi", LEDGER, "--targets", f, "--period", "2024", "--format", "json"])]
    if kind == "query":
        return [("query", ["query", "fluorochem", "@" + f, "--format", "csv"])]
    raise AssertionError(f"no commands for {name}: name hostile files by kind")


def check_run(result, label: str, name: str) -> None:
    text = result.output
    assert "Traceback" not in text, text[-2000:]
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(
            f"{label} {name}: {type(result.exception).__name__}: {result.exception}"
        )
    if result.exit_code != 0:
        errors = [ln for ln in result.stderr.splitlines() if ln.startswith("Error")]
        if label == "validate" and not errors:
            assert "does not conform" in result.stderr
        else:
            assert len(errors) == 1, result.stderr[-2000:]
            assert CATCH_ALL not in errors[0], errors[0]
            assert len(errors[0]) < 600
    for read, kept, rejected in re.findall(r"read (\d+), .*?kept (\d+), .*?rejected (\d+)", text):
        assert int(read) == int(kept) + int(rejected), text


def check_csv_outputs(tmp: Path) -> None:
    """Every CSV and XLSX written: no cell a spreadsheet would run as a formula."""
    from openpyxl import load_workbook

    for path in tmp.glob("*.xlsx"):
        for sheet in load_workbook(path).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    text = cell.value if isinstance(cell.value, str) else ""
                    assert cell.data_type != "f", (path.name, cell.coordinate)
                    assert not (text.startswith(FORMULA) and not NUMBER.fullmatch(text)), (
                        path.name,
                        text[:80],
                    )
    for path in tmp.glob("*.csv"):
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle, strict=True):
                for cell in row:
                    assert not (cell.startswith(FORMULA) and not NUMBER.fullmatch(cell)), (
                        path.name,
                        cell[:80],
                    )


@pytest.mark.parametrize("name", FILES)
def test_every_command_over_the_hostile_corpus(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outputs = {}
    for label, argv in commands(name, tmp_path):
        result = CliRunner().invoke(cli, argv)
        check_run(result, label, name)
        report = tmp_path / "rep.csv"  # the import report holds each row's reason
        outputs[label] = result.output + (report.read_text("utf-8-sig") if report.exists() else "")
        check_csv_outputs(tmp_path)
    for (file, label), needle in EXPECT.items():
        if file == name:
            assert needle in outputs[label], outputs[label][-2000:]


def test_corpus_is_large_and_every_expectation_names_a_file():
    assert len(FILES) >= 60
    assert {file for file, _ in EXPECT} <= set(FILES)


# ---------------------------------------------------------------------- stream and dask engines

READER_FILES = [name for name in FILES if name.startswith("ent_")]
#: Reader files the stream/dask engines still fail on because they have their own CSV
#: reader (chainmap.analysis.stream.iter_chunks); `arch` gives both engines the one
#: reader of model/sheets.py, which passes these on the memory engine.
# Every reader file now goes through the one reader on every engine (issue 14); nothing
# is expected to fail here any more.
STREAM_READER_XFAIL: set[str] = set()


@pytest.fixture(scope="session")
def dask_scheduler():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=":0"
    ) as cluster:
        yield cluster.scheduler_address


def _engine_params():
    for engine in ("stream", "dask"):
        for name in READER_FILES:
            marks = [pytest.mark.slow]
            if (engine, name) in STREAM_READER_XFAIL or name in STREAM_READER_XFAIL:
                marks.append(
                    pytest.mark.xfail(reason="stream reader: merged from arch", strict=False)
                )
            yield pytest.param(engine, name, marks=marks, id=f"{engine}-{name}")


@pytest.mark.parametrize("engine, name", list(_engine_params()))
def test_reader_files_on_the_stream_and_dask_engines(engine, name, tmp_path, monkeypatch, request):
    monkeypatch.chdir(tmp_path)
    f = str(HOSTILE / name)
    (tmp_path / "fast.toml").write_text("[stability]\nn = 3\n", encoding="utf-8")
    options = ["--engine", engine]
    if engine == "dask":
        options += ["--scheduler", request.getfixturevalue("dask_scheduler")]
    runs = [
        ("rank", ["rank", "fluorochem", "--enterprises", f, "--profile", "fast.toml", *options, "-o", "r.csv"]),
        ("plan", ["plan", "fluorochem", "--enterprises", f, "--profile", "fast.toml", *options, "-o", "p.md"]),
        ("classify", ["classify", "fluorochem", f, "--text-column", "经营范围", *options, "-o", "out"]),
    ]  # fmt: skip
    for label, argv in runs:
        result = CliRunner().invoke(cli, argv)
        check_run(result, label, name)
        check_csv_outputs(tmp_path)
