"""Hardening: no traceback, no lost row, no destroyed output, no injection, no network.

Library and CLI checks for issue 15; the hostile corpus runs in test_hostile_corpus.py.
"""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner
from listener import local_listener
import pandas as pd
import pytest

from chainmap import atomic
from chainmap.cli import cli
from chainmap.errors import InputError
from chainmap.outputs import tables

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def one_line_error(result) -> str:
    """The result failed with exactly one non-empty stderr line naming the problem."""
    assert result.exit_code not in (0, None), result.output
    assert "Traceback" not in result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert lines and lines[-1].startswith("Error: "), result.stderr
    return lines[-1]


# ---------------------------------------------------------------------- formula injection

HOSTILE_CELLS = [
    "本地公司\r=1+2",
    "本地公司\n@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://127.0.0.1:9/","y")',
    "+86-571",
    "-x",
    "@cmd",
]


def test_csv_reads_back_with_no_cell_starting_a_formula():
    header = '=HYPERLINK("http://127.0.0.1:9/","y")'
    frame = pd.DataFrame(
        {
            header: HOSTILE_CELLS,
            "number_text": ["-120.5", "002156", "+3", "1e5", "-0", ".5", "7", "-1.5e-3"],
            "number": [-1.5, 2, 3, 4, 5, 6, 7, 8],
        }
    )
    text = tables.to_csv(frame).removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    assert len(rows) == 1 + len(frame)  # a bare CR did not start a new row
    assert all(len(row) == 3 for row in rows)
    first_cells = [cell for row in rows for cell in (row[0],)]
    assert not any(cell.startswith(FORMULA_START) for cell in first_cells)
    # Every hostile cell comes back whole, behind one quote.
    assert [row[0] for row in rows[1:]] == ["'" + v for v in HOSTILE_CELLS]
    # Numbers written as text stay exactly as they were (types never change).
    assert [row[1] for row in rows[1:]] == frame["number_text"].tolist()


def test_xlsx_neutralises_headers_and_cells(tmp_path):
    from openpyxl import load_workbook

    frame = pd.DataFrame({"=cmd|' /C calc'!A0": HOSTILE_CELLS, "code": ["002156"] * 8})
    path = tables.write_xlsx({"s": frame}, tmp_path / "x.xlsx")
    sheet = load_workbook(path)["s"]
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert not any(isinstance(v, str) and v.startswith(FORMULA_START) for v in values)
    assert values.count("002156") == 8  # a stock code stays text


@pytest.mark.parametrize(
    "value, expected",
    [
        ("-120.5", "-120.5"),
        ("002156", "002156"),
        ("a\n=b", "'a\n=b"),
        ("a\r\n+b", "'a\r\n+b"),
        ("\t1", "'\t1"),
        ("普通文本", "普通文本"),
        (-3, -3),
        (None, None),
    ],
)
def test_neutralise_cases(value, expected):
    assert tables.neutralise(value) == expected


# ---------------------------------------------------------------------- atomic writes


def test_failed_write_keeps_previous_output_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "rank.csv"
    target.write_text("previous, complete\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), atomic.atomic_write(target) as handle:
        handle.write(b"half")
        raise KeyboardInterrupt
    assert target.read_text(encoding="utf-8") == "previous, complete\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rank.csv"]


def test_incomplete_dataset_is_refused(tmp_path):
    root = tmp_path / "classified"
    root.mkdir()
    pd.DataFrame({"a": [1]}).to_parquet(root / "part-00000.parquet")
    with pytest.raises(InputError, match="incomplete dataset"):
        atomic.require_complete(root)
    (root / atomic.COMPLETE_MARKER).write_text("{}")
    atomic.require_complete(root)  # complete now


def test_atomic_directory_replaces_the_old_dataset_only_when_done(tmp_path):
    root = tmp_path / "out"
    with atomic.atomic_directory(root) as building:
        (building / "part-00000.parquet").write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic.atomic_directory(root) as building:
        (building / "part-00000.parquet").write_bytes(b"new, partial")
        raise RuntimeError("killed")
    assert (root / "part-00000.parquet").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    with pytest.raises(InputError, match="not a chainmap dataset"):
        with atomic.atomic_directory(tmp_path):  # holds "out": a user folder
            pass


def test_missing_output_folder_is_one_line(tmp_path):
    line = one_line_error(run("chains", "-o", str(tmp_path / "no" / "such" / "x.csv")))
    assert "x.csv" in line and "folder must exist" in line


def test_output_that_is_a_folder_is_one_line(tmp_path):
    line = one_line_error(run("chains", "-o", str(tmp_path)))
    assert "folder" in line


# ---------------------------------------------------------------------- SPARQL offline

OFFLINE_CASES = [
    "SELECT ?s WHERE {{ SERVICE <{base}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT ?s WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{base}/q> {{ ?s ?p ?o }} }} }}",
    "SELECT ?s FROM <{base}/g> WHERE {{ ?s ?p ?o }}",
    "SELECT ?s FROM NAMED <{base}/g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "SELECT ?s WHERE {{ SERVICE <file:///etc/passwd> {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("template", OFFLINE_CASES)
@pytest.mark.parametrize("bind", [(), ("--bind", "x=1")])  # --bind takes the rdflib path
def test_sparql_never_leaves_the_machine(template, bind):
    with local_listener() as (base, hits):
        result = run("query", "fluorochem", template.format(base=base), *bind)
    assert hits == []
    line = one_line_error(result)
    assert "chainmap queries run offline" in line


def test_sparql_syntax_error_is_short():
    line = one_line_error(run("query", "fluorochem", "SELECT ?s WHERE { ?s ?p "))
    assert "line 1, column" in line and len(line) < 300


def test_bind_name_with_a_space_is_one_line():
    line = one_line_error(run("query", "fluorochem", "segments-of-stage", "--bind", "a b=1"))
    assert "'a b'" in line
