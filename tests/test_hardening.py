"""Hardening: no traceback, no lost row, no destroyed output, no injection, no network.

Library and CLI checks for issue 15; the hostile corpus runs in test_hostile_corpus.py.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from click.testing import CliRunner
from listener import local_listener
import pandas as pd
import pytest

from chainmap.cli import cli
from chainmap.errors import InputError
from chainmap.outputs import tables
from chainmap.readwrite import atomic

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
    line = one_line_error(run("chains", "--format", "csv", "-o", str(tmp_path)))
    assert "is a folder; give a file name" in line


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


# ---------------------------------------------------------------------- killed and full disks


def _chainmap(*args: str, **kwargs):
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "chainmap", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _wait_for(predicate, timeout: float = 120.0) -> bool:
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture(scope="module")
def big_firms(tmp_path_factory):
    from chainmap.model.chain import load_chain
    from chainmap.synthetic import synthetic_registry

    path = tmp_path_factory.mktemp("big") / "firms.parquet"
    synthetic_registry(150_000, load_chain("fluorochem"), seed=3).to_parquet(path)
    return path


@pytest.fixture(scope="module")
def big_parts(big_firms, tmp_path_factory):
    """A dataset of four parts of 150,000 distinct firms (the first is ``big_firms``)."""
    from chainmap.model.chain import load_chain
    from chainmap.synthetic import synthetic_registry

    parts = tmp_path_factory.mktemp("big_parts")
    (parts / "part-0.parquet").symlink_to(big_firms)
    for i in range(1, 4):
        frame = synthetic_registry(150_000, load_chain("fluorochem"), seed=3, start=150_000 * i)
        frame.to_parquet(parts / f"part-{i}.parquet")
    (parts / "_SUCCESS").write_text("", encoding="utf-8")
    return parts


@pytest.mark.slow
@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGKILL"])
def test_killed_export_keeps_the_previous_output(big_firms, tmp_path, signal_name):
    import signal

    target = tmp_path / "kg.nt"
    target.write_bytes(b"<urn:x:previous> <urn:x:complete> <urn:x:output> .\n")
    before = target.read_bytes()
    proc = _chainmap("export", "fluorochem", "--enterprises", str(big_firms), "-o", str(target))
    partial = lambda: [p for p in tmp_path.iterdir() if p.name.startswith(".kg.nt.")]  # noqa: E731
    # Wait until the export is writing its temporary file, then kill it mid-way.
    assert _wait_for(lambda: partial() and partial()[0].stat().st_size > 0), proc.communicate()
    proc.send_signal(getattr(signal, signal_name))
    _, err = proc.communicate(timeout=120)
    assert target.read_bytes() == before, err  # (err: what the process said, if it failed)
    if signal_name == "SIGINT":
        assert proc.returncode == 130, err
        assert err.strip().splitlines()[-1].startswith("interrupted; previous output kept"), err
        assert "Traceback" not in err
        assert partial() == [], err  # the partial file is removed
    else:
        assert proc.returncode == -signal.SIGKILL  # nothing runs after SIGKILL: the
        # hidden .kg.nt.*.part file may stay, but kg.nt is the previous, complete one


@pytest.fixture
def small_disk(tmp_path):
    import subprocess

    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN): {done.stderr!r}")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_full_disk_keeps_the_previous_output(small_disk):
    target = small_disk / "show.csv"
    first = run("show", "fluorochem", "-o", str(target))
    assert first.exit_code == 0, first.output
    before = target.read_bytes()
    filler = small_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)  # fill the disk to the last byte
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    line = one_line_error(run("show", "fluorochem", "-o", str(target)))
    assert "show.csv" in line and "disk full" in line
    assert target.read_bytes() == before
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "show.csv"]


def test_import_checks_both_outputs_before_writing_either(tmp_path):
    from pathlib import Path

    firms = Path(__file__).parent / "fixtures" / "hostile" / "ent_gbk.csv"
    out = tmp_path / "firms.csv"
    line = one_line_error(
        run("import", str(firms), "-o", str(out), "--report", str(tmp_path / "no" / "r.csv"))
    )
    assert "r.csv" in line
    assert not out.exists()


@pytest.mark.parametrize("content", [b"", b"PAR1", b"PAR1" + b"\x00" * 64 + b"PAR1"])
@pytest.mark.parametrize(
    "command",
    [
        ("rank", "--engine", "memory"),
        ("rank", "--engine", "stream"),
        ("gaps",),
        ("plan",),
        ("map",),
    ],
)
def test_empty_or_damaged_parquet_is_one_line_naming_the_file(tmp_path, content, command):
    bad = tmp_path / "firms.parquet"
    bad.write_bytes(content)
    name, *options = command
    args = [name, "fluorochem", "--enterprises", str(bad), *options]
    if name == "map":
        args += ["-o", str(tmp_path / "map.html")]
    line = one_line_error(run(*args))
    assert "firms.parquet" in line and "cannot read this Parquet file" in line, line
    assert "OSError" not in line and "cannot process the input" not in line, line


def test_no_output_may_overwrite_an_input_or_another_output(tmp_path):
    from pathlib import Path

    source = Path(__file__).parent.parent / "graphs" / "companies_fluorochem.csv"
    firms = tmp_path / "firms.csv"
    firms.write_bytes(source.read_bytes())
    cases = [
        (["import", firms, "-o", firms], "--output names the same file as FILE"),
        (
            ["import", firms, "-o", tmp_path / "a.csv", "--report", tmp_path / "a.csv"],
            "--report names the same file as --output",
        ),
        (
            ["plan", "fluorochem", "--leads", tmp_path / "s.xlsx", "-o", tmp_path / "s.xlsx"],
            "--leads names the same file as --output",
        ),
        (
            ["rank", "fluorochem", "--enterprises", firms, "-o", tmp_path / "." / "firms.csv"],
            "--output names the same file as --enterprises",
        ),
        (
            ["classify", "fluorochem", firms, "--text-column", "scope", "-o", firms],
            "names the same file as",
        ),
    ]
    for args, expected in cases:
        line = one_line_error(run(*map(str, args)))
        assert expected in line, line
    assert firms.read_bytes() == source.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["firms.csv"]
    # different files are fine
    result = run("import", str(firms), "-o", str(tmp_path / "b.csv"))
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------------- Turtle writing


def test_chain_name_cannot_inject_triples(tmp_path):
    from pathlib import Path

    from rdflib import Graph

    hostile = Path(__file__).parent / "fixtures" / "hostile"
    out = tmp_path / "c.ttl"
    name = "链\nseg:ore cm:stage stage:service .\n#"
    result = run(
        "chain",
        "import",
        str(hostile / "chaintab_segments_ok.csv"),
        str(hostile / "chaintab_links_ok.csv"),
        "--name-zh",
        name,
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    from chainmap.model.chain import load_chain

    chain = load_chain(out)
    assert chain.name_zh == name  # kept whole, as a literal
    assert chain.segment("ore").stage == "resource"
    graph = Graph().parse(out, format="turtle")
    stages = {str(o).rsplit("/", 1)[-1] for o in graph.objects(None, None) if "stage/" in str(o)}
    assert "service" not in stages
    comments = [ln for ln in out.read_text(encoding="utf-8").splitlines() if ln.startswith("#")]
    assert all("\n" not in c for c in comments) and len(comments) == 1


def test_source_url_cannot_end_its_iri(tmp_path):
    from chainmap.model.chain import chain_from_tables, parse_chain

    segments = pd.DataFrame(
        {
            "id": ["ore"],
            "name_zh": ["矿石"],
            "stage": ["resource"],
            "source_url": ["http://x/>;cm:stage\tstage:service;<http://y"],
        }
    )
    links = pd.DataFrame(columns=["upstream_id", "downstream_id", "relation"])
    with pytest.raises(InputError, match="is not an http"):  # refused at the table's edge
        chain_from_tables(segments, links, chain_id="c", name_zh="链")
    # A chain built in Python may still carry such a source: the Turtle writer escapes it.
    from chainmap.model.chain import Chain, Segment

    sources = ("http://x/>;cm:stage", "stage:service;<http://y")
    chain = Chain(
        id="c",
        name_zh="链",
        name_en="",
        segments_by_id={
            "ore": Segment(id="ore", name_zh="矿石", name_en="", stage="resource", sources=sources)
        },
        link_list=[],
    )
    again = parse_chain(chain.to_turtle())
    assert again.segment("ore").stage == "resource"
    assert len(again.segment("ore").sources) == 2  # each one IRI


def test_ill_typed_literals_print_no_rdflib_traceback(tmp_path):
    """rdflib logs a traceback per ill-typed literal; pytest captures logs, so run a process."""
    from pathlib import Path

    hostile = Path(__file__).parent / "fixtures" / "hostile" / "chain_weight_text.ttl"
    text = hostile.read_text(encoding="utf-8")
    accepted = tmp_path / "notation.ttl"  # a notation typed as an integer: read as text
    accepted.write_text(
        text.replace('"abc"^^xsd:decimal', '"0.5"^^xsd:decimal').replace(
            'skos:notation "ore"', 'skos:notation "ore"^^xsd:integer'
        ),
        encoding="utf-8",
    )
    assert accepted.read_text(encoding="utf-8") != text
    runs = {
        "accepted": _chainmap("show", str(accepted)),
        "refused": _chainmap("show", str(hostile)),
        "bind": _chainmap(
            "query",
            "fluorochem",
            "segments-of-stage",
            "--bind",
            'stage="a"^^<http://www.w3.org/2001/XMLSchema#integer>',
        ),
    }
    for name, proc in runs.items():
        _out, err = proc.communicate(timeout=120)
        assert "Traceback" not in err and "Warning" not in err, (name, err)
        if name == "refused":
            assert proc.returncode == 1
            assert [ln for ln in err.splitlines() if ln.strip()] == [err.strip()]
            assert "cm:weight" in err
        else:
            assert proc.returncode == 0, (name, err)


@pytest.mark.slow
def test_a_bad_part_on_dask_is_one_line_without_worker_logs(tmp_path):
    pytest.importorskip("distributed")
    from pathlib import Path

    parts = tmp_path / "parts"
    parts.mkdir()
    source = Path(__file__).parent.parent / "graphs" / "companies_fluorochem.csv"
    (parts / "a.csv").write_bytes(source.read_bytes())
    (parts / "b.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    proc = _chainmap("rank", "fluorochem", "--enterprises", str(parts), "--engine", "dask")
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1
    assert "Traceback" not in err and "Compute Failed" not in err, err
    assert err.strip().splitlines()[-1].startswith("Error: ")
    assert "b.csv" in err.strip().splitlines()[-1]


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["memory", "stream", "dask", "dask-local"])
def test_ctrl_c_is_one_line_and_exit_130_on_every_engine(request, big_firms, tmp_path, engine):
    """Ctrl-C reaches the whole process group (dask workers too), as in a terminal.

    ``dask`` runs on a scheduler of this test's own; ``dask-local`` starts its own
    LocalCluster, whose workers ignore Ctrl-C (a Ctrl-C during their start-up is
    dropped, so the signal is sent once the work runs).
    """
    import signal
    import time

    target = tmp_path / "rank.csv"
    target.write_text("previous\n", encoding="utf-8")
    options = ["--engine", engine]
    cluster = None
    if engine == "dask":
        distributed = pytest.importorskip("dask.distributed")
        cluster = distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
            dashboard_address=":0",
        )  # fmt: skip
        options += ["--scheduler", cluster.scheduler_address]
    source = big_firms
    if engine in ("memory", "stream"):  # 150,000 firms were ranked within the 1 s once
        source = request.getfixturevalue("big_parts")  # ranking got faster: 600,000 in 4 parts
    if engine == "dask-local":
        options = ["--engine", "dask"]
        # Its own cluster takes seconds to start and ignores Ctrl-C meanwhile: give it
        # 48 parts of work, so the signal lands while the work runs, not after it (twelve
        # were done within the 8 s once classifying and sending results got faster).
        source = tmp_path / "parts"
        source.mkdir()
        for i in range(48):
            (source / f"part-{i}.parquet").symlink_to(big_firms)
        (source / "_SUCCESS").write_text("", encoding="utf-8")
    proc = _chainmap(
        "rank", "fluorochem", *options, "--enterprises", str(source), "-o",
        str(target), start_new_session=True,
    )  # fmt: skip
    first = proc.stderr.readline()  # the input is resolved: the work has begun
    time.sleep(8 if engine == "dask-local" else 1)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=180)
    err = first + err
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Task exception" not in err, err
    assert err.strip().splitlines()[-1].startswith("interrupted; previous output kept")
    assert target.read_text(encoding="utf-8") == "previous\n"
    if cluster is not None:
        cluster.close()


def test_interrupted_stream_classify_keeps_the_previous_dataset(tmp_path, monkeypatch):
    from chainmap.analysis import stream

    parts = tmp_path / "in"
    parts.mkdir()
    for i in range(3):
        pd.DataFrame({"name": [f"公司{i}"], "scope": ["聚偏氟乙烯的生产"]}).to_csv(
            parts / f"f{i}.csv", index=False
        )
    out = tmp_path / "classified"
    args = ["classify", "fluorochem", str(parts), "--text-column", "scope", "--engine", "stream"]
    assert run(*args, "-o", str(out)).exit_code == 0
    before = sorted((p.name, p.read_bytes()) for p in out.iterdir())
    assert (out / atomic.COMPLETE_MARKER).exists()

    real, calls = stream._classify_part, []

    def interrupted(part, target, **kwargs):  # Ctrl-C while the second part is written
        calls.append(part)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(part, target, **kwargs)

    monkeypatch.setattr(stream, "_classify_part", interrupted)
    result = run(*args, "-o", str(out))
    assert result.exit_code == 130
    assert result.stderr.strip().splitlines()[-1].startswith("interrupted; previous output kept")
    assert sorted((p.name, p.read_bytes()) for p in out.iterdir()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["classified", "in"]  # no leftovers
    # A dataset without its marker (a copy cut short) is refused by the readers, in one line.
    (out / atomic.COMPLETE_MARKER).unlink()
    line = one_line_error(
        run("rank", "fluorochem", "--enterprises", str(out), "--engine", "stream")
    )
    assert "incomplete dataset" in line


# ---------------------------------------------------------------------- readers


def _hostile(name: str):
    from pathlib import Path

    return Path(__file__).parent / "fixtures" / "hostile" / name


def test_row_with_more_fields_is_rejected_by_number_and_nothing_shifts():
    from chainmap.model.enterprises import read_enterprises

    table, report = read_enterprises(_hostile("ent_ragged_more_fields.csv"))
    rejected = [(i.row, i.code) for i in report.items if i.severity == "rejected"]
    assert rejected == [(3, "too_many_fields")]  # header row 1, the bad row is row 3
    assert not [c for c in table.columns if str(c).startswith("Unnamed")]
    assert report.read == report.kept + report.rejected == 3


def test_numbers_and_dates_that_cannot_be_meant_are_blanked_with_a_reason():
    from chainmap.model.enterprises import read_enterprises

    for name, column in [
        ("ent_negative_capital.csv", "registered_capital"),
        ("ent_capital_401_digits.csv", "registered_capital"),
        ("ent_negative_employees.csv", "employees"),
        ("ent_huge_numbers.csv", "employees"),
    ]:
        table, report = read_enterprises(_hostile(name))
        assert table.loc[0, column] is None, (name, table.loc[0, column])
        assert report.items and report.items[0].row == 2
    table, report = read_enterprises(_hostile("ent_dates_out_of_range.csv"))
    assert table["founded"].tolist()[:4] == [None] * 4
    assert table.loc[4, "founded"] is not None  # the ordinary row keeps its date


def test_segment_tags_are_folded_or_warned():
    from chainmap.model.enterprises import read_enterprises

    table, report = read_enterprises(_hostile("ent_segment_tags_case.csv"))
    assert table.loc[0, "segments"] == ["pvdf"]
    assert {i.code for i in report.items} == {"segment_case", "unknown_segment"}


@pytest.mark.parametrize(
    "name, encoding", [("ent_big5.csv", "big5"), ("ent_utf16_no_bom.csv", "utf_16_le")]
)
def test_unsure_encodings_are_read_right_and_noted(name, encoding):
    from chainmap.readwrite.sniff import guess_encoding

    raw = _hostile(name).read_bytes()
    found, note = guess_encoding(raw)
    assert found == encoding and note
    assert "臺灣" in raw.decode(found) or "示例" in raw.decode(found)


def test_profile_refuses_booleans_and_non_finite_numbers():
    from chainmap.model.profile import LIMITS, load_profile

    weights = {
        "gap_priority": 0.25,
        "feasibility": 0.25,
        "strength": 0.25,
        "affinity": 0.25,
        "intent": 0.0,
    }
    load_profile(weights=weights)
    for bad in (True, float("nan"), float("inf"), -0.1):
        with pytest.raises(InputError, match=r"weights\.gap_priority"):
            load_profile(weights={**weights, "gap_priority": bad})
    with pytest.raises(InputError, match=r"stability\.n"):
        load_profile(stability={"n": LIMITS["stability.n"] + 1})
    with pytest.raises(InputError, match="strong_lq"):
        load_profile(thresholds={"strong_lq": float("nan")})


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[weights]\ngap_priority = "0.25"\n', "weights.gap_priority"),
        ('[strategy_weight]\n"补链" = "x"\n', "strategy_weight.补链"),
        ("weights = 3\n", "[weights]"),
        ('zones = ["a"]\n', "[zones]"),
        ("home = 1\n", "[home]"),
        ('[policy]\nexclude = "banned_new"\n', "policy.exclude"),
        ('[affinity]\nzones = "长三角"\n', "affinity.zones"),
        ('[segments]\nexclude_stages = "resource"\n', "segments.exclude_stages"),
        ('[home]\nregion = "999999"\n', "home.region"),
        ('[zones]\n"我的区" = ["330723", "999999"]\n', "zones.我的区"),
        ("a = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ],
)
def test_a_profile_of_the_wrong_shape_is_one_line_naming_the_file_and_key(tmp_path, toml, key):
    profile = tmp_path / "mine.toml"
    profile.write_text(toml, encoding="utf-8")
    line = one_line_error(run("rank", "fluorochem", "--profile", str(profile)))
    assert "mine.toml" in line and key in line, line
    assert "cannot process the input" not in line, line


def test_dates_outside_1900_to_2100_are_one_line_where_they_are_given(tmp_path):
    from pathlib import Path

    ledger = Path(__file__).parent.parent / "graphs" / "ledger_synthetic.csv"
    for args in (
        ["kpi", str(ledger), "--period", "2024", "--as-of", "9999-12-31"],
        ["ledger", "import", str(ledger), "--as-of", "0001-01-01", "--db", str(tmp_path / "t.db")],
    ):
        line = one_line_error(run(*args))
        assert "--as-of" in line and "1900-2100" in line, line
    assert not (tmp_path / "t.db").exists()
    signals = tmp_path / "signals.csv"
    signals.write_text(
        "enterprise,region,date,kind,note,source_url\n"
        "浙江巨化股份有限公司,330802,0001-01-01,扩产,x,https://www.juhua.com.cn/\n",
        encoding="utf-8",
    )
    line = one_line_error(run("rank", "fluorochem", "--signals", str(signals)))
    assert "signals.csv, row 2, column 'date'" in line and "1900-2100" in line, line


def test_small_edges_name_the_file_and_key_at_fault(tmp_path):
    from pathlib import Path

    root = Path(__file__).parent.parent
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[columns]\n"企业" = "no_such_column"\n', encoding="utf-8")
    firms = root / "graphs" / "companies_fluorochem.csv"
    line = one_line_error(
        run("import", str(firms), "-o", str(tmp_path / "o.csv"), "--mapping", str(mapping))
    )
    assert line.startswith(f'Error: {mapping}: [columns] "企业" = "no_such_column"'), line
    targets = tmp_path / "targets.toml"
    text = (root / "graphs" / "kpi_targets_synthetic.toml").read_text(encoding="utf-8")
    assert "min_investment = 10\n" in text
    targets.write_text(text.replace("min_investment = 10\n", "min_investment = nan\n"), "utf-8")
    ledger = root / "graphs" / "ledger_synthetic.csv"
    line = one_line_error(run("kpi", str(ledger), "--period", "2024", "--targets", str(targets)))
    assert "targets.toml" in line and "min_investment" in line and "nan" in line, line
    line = one_line_error(run("map", "fluorochem", "--segment", "", "-o", str(tmp_path / "m.html")))
    assert "unknown segment" in line and not (tmp_path / "m.html").exists()


def _sample_with(tmp_path, old: str, new: str):
    from pathlib import Path

    source = (Path(__file__).parent.parent / "graphs" / "companies_fluorochem.csv").read_text(
        encoding="utf-8"
    )
    assert old in source
    path = tmp_path / "firms.csv"
    path.write_text(source.replace(old, new), encoding="utf-8")
    return path


def test_terminal_tables_print_data_as_written_not_as_rich_markup(tmp_path):
    for name in ("[link=http://evil.example/]点我[/link][bold red]红[/bold red]公司", "坏[/]公司"):
        firms = _sample_with(tmp_path, "浙江永和制冷股份有限公司", name)
        result = run("rank", "fluorochem", "--enterprises", str(firms), "--signals", "none")
        assert result.exit_code == 0, result.output
        table = result.stdout.split("\n\n")[0] if "\n\n" in result.stdout else result.stdout
        flat = "".join(result.stdout.split())  # the table folds long names over lines
        assert "".join(name.split()) in flat, table


def test_docx_outputs_keep_a_name_with_a_control_character(tmp_path):
    pytest.importorskip("docx")
    import docx

    firms = _sample_with(tmp_path, "浙江永和制冷股份有限公司", "浙江永和\x01制冷股份有限公司")
    for args, out in (
        (["plan", "fluorochem", "--per-field", "20"], tmp_path / "plan.docx"),
        (["plan", "fluorochem", "--one-page"], tmp_path / "brief.docx"),
    ):
        result = run(*args, "--enterprises", str(firms), "-o", str(out))
        assert result.exit_code == 0, result.output
        text = "\n".join(
            cell.text
            for table in docx.Document(str(out)).tables
            for row in table.rows
            for cell in row.cells
        )
        assert "浙江永和\ufffd制冷" in text, out.name


def test_sheet_names_from_data_are_excel_safe(tmp_path):
    from pathlib import Path

    from openpyxl import load_workbook

    source = Path(__file__).parent.parent / "graphs" / "ledger_synthetic.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    owned = [lines[0] + ",责任单位"] + [line + ",经信局/招商科*" for line in lines[1:]]
    path = tmp_path / "ledger.csv"
    path.write_text("\n".join(owned) + "\n", encoding="utf-8")
    out = tmp_path / "slip.xlsx"
    result = run(
        "ledger",
        "assignments",
        "--owner",
        "经信局/招商科*",
        "--ledger",
        str(path),
        "--as-of",
        "2024-06-30",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert load_workbook(out).sheetnames == ["交办单 · 经信局／招商科＊"]


def test_leads_never_replace_the_offices_ledger_but_replace_earlier_leads(tmp_path):
    from pathlib import Path

    graphs = Path(__file__).parent.parent / "graphs"
    for name in ("ledger_synthetic.xlsx", "ledger_synthetic.csv"):
        ledger = tmp_path / name
        ledger.write_bytes((graphs / name).read_bytes())
        plan = tmp_path / "plan.md"
        line = one_line_error(run("plan", "fluorochem", "--leads", str(ledger), "-o", str(plan)))
        assert name in line and "not a leads file" in line, line
        assert ledger.read_bytes() == (graphs / name).read_bytes()
        assert not plan.exists()  # refused before any work
    leads = tmp_path / "leads.xlsx"
    for date in ("2024-06-01", "2024-07-01"):  # an earlier leads file is replaced
        result = run("plan", "fluorochem", "--leads", str(leads), "--tracked-on", date)
        assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    values = [c.value for row in load_workbook(leads).active.iter_rows() for c in row]
    assert "2024-07-01" in values and "2024-06-01" not in values


def test_an_assignment_slip_for_a_unit_the_ledger_does_not_hold_is_refused(tmp_path):
    from pathlib import Path

    ledger = Path(__file__).parent.parent / "graphs" / "ledger_synthetic.xlsx"
    slip = tmp_path / "slip.docx"
    args = ["ledger", "assignments", "--ledger", str(ledger), "--as-of", "2024-06-30"]
    line = one_line_error(run(*args, "--owner", "驻沪办", "-o", str(slip)))
    assert "'驻沪办'" in line and "office_sh" in line, line
    assert not slip.exists()
    assert run(*args, "--owner", "office_sh", "-o", str(slip)).exit_code == 0


def test_a_bind_for_a_variable_the_query_lacks_is_one_line_listing_its_variables():
    line = one_line_error(
        run("query", "fluorochem", "segments-of-stage", "--bind", "stagee=stage:material")
    )
    assert "?stagee" in line and "?stage" in line.split("variables:")[1], line


def _controls(text: str) -> list[str]:
    return [c for c in text if (ord(c) < 32 and c not in "\n\t\r") or 0x7F <= ord(c) <= 0x9F]


def test_control_characters_from_data_never_reach_a_reader(tmp_path):
    """ESC and the one-byte CSI in a firm's name: U+FFFD for people, escapes in JSON."""
    import json

    name = "浙江永和\x1b[31m\x01\x7f\x9b制冷股份有限公司"
    firms = _sample_with(tmp_path, "浙江永和制冷股份有限公司", name)
    for args, out in (
        (["plan", "fluorochem"], tmp_path / "plan.md"),
        (["plan", "fluorochem"], tmp_path / "plan.html"),
        (["map", "fluorochem"], tmp_path / "map.svg"),
        (["rank", "fluorochem"], None),
    ):
        result = run(*args, "--enterprises", str(firms), *(["-o", str(out)] if out else []))
        assert result.exit_code == 0, result.output
        text = out.read_text(encoding="utf-8") if out else result.stdout + result.stderr
        assert not _controls(text), (args, out)
        if out is None or out.suffix != ".svg":  # (the poster names firms by short names)
            assert "\ufffd" in text and "31m" in text, (args, out)
    result = run("rank", "fluorochem", "--enterprises", str(firms), "--format", "json")
    assert not _controls(result.stdout)
    assert name in {r["name"] for r in json.loads(result.stdout)}  # the data as it was
    out = tmp_path / "map.html"
    assert run("map", "fluorochem", "--enterprises", str(firms), "-o", str(out)).exit_code == 0
    page = out.read_text(encoding="utf-8")
    data = page[page.index('id="chainmap-data">') :]
    data = data[: data.index("</script>")]
    assert not _controls(data) and "\\u009b" in data


def test_map_refuses_a_suffix_it_cannot_write(tmp_path):
    out = tmp_path / "map.jpg"
    result = run("map", "fluorochem", "-o", str(out))
    assert result.exit_code == 2 and not out.exists()
    assert ".svg, .png or .pdf" in result.output and "Traceback" not in result.output


def test_validate_takes_the_mapping_its_hint_names(tmp_path):
    table = tmp_path / "custom.csv"
    table.write_text("企业,地区\nA公司,武义县\n", encoding="utf-8")
    mapping = tmp_path / "map.toml"
    mapping.write_text('[columns]\n"企业" = "name"\n"地区" = "county"\n', encoding="utf-8")
    first = run("validate", str(table))
    assert first.exit_code == 1 and "--mapping" in first.output
    assert run("validate", str(table), "--mapping", str(mapping)).exit_code == 0
    ttl = Path(__file__).parent.parent / "graphs" / "fluorochem.ttl"
    assert run("validate", str(ttl), "--mapping", str(mapping)).exit_code == 2


def test_an_empty_stability_column_is_explained():
    short = run("rank", "hydrogen", "--format", "json")
    assert short.exit_code == 0
    import json

    assert all(r["stability"] is None for r in json.loads(short.stdout))
    assert "stability not computed" in short.stderr and "top_k = 20" in short.stderr
    long = run("rank", "fluorochem", "--format", "json")
    assert any(r["stability"] is not None for r in json.loads(long.stdout))
    assert "stability not computed" not in long.stderr


def test_validate_names_the_line_and_the_fault_of_a_turtle_syntax_error(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix x: <http://x/> .\nx:a x:b .\n", encoding="utf-8")
    line = one_line_error(run("validate", str(bad)))
    assert "line 2" in line and ("object" in line or "objectList" in line), line


def test_map_with_a_ledger_reads_and_notes_it_once(tmp_path):
    ledger = Path(__file__).parent.parent / "graphs" / "ledger_synthetic.xlsx"
    result = run("map", "fluorochem", "--ledger", str(ledger), "-o", str(tmp_path / "m.html"))
    assert result.exit_code == 0, result.output
    assert result.stderr.count("读取 read 18") == 1, result.stderr
    assert "segments with active projects" in result.stderr


def test_ledger_documents_name_units_with_the_targets_file(tmp_path):
    from docx import Document
    from openpyxl import load_workbook

    graphs = Path(__file__).parent.parent / "graphs"
    ledger, units = graphs / "ledger_synthetic.xlsx", graphs / "kpi_units_synthetic.toml"
    slip = tmp_path / "slip.docx"
    args = ("--ledger", str(ledger), "--as-of", "2024-06-30", "--targets", str(units))
    result = run("ledger", "assignments", "--owner", "驻沪办", *args, "-o", str(slip))
    assert result.exit_code == 0, result.output
    assert Document(str(slip)).paragraphs[0].text == "交办单 · 驻沪办"  # not office_sh
    review = tmp_path / "review.xlsx"
    assert run("ledger", "review", *args, "-o", str(review)).exit_code == 0
    owners = {r[2] for r in load_workbook(review).active.iter_rows(min_row=4, values_only=True)}
    assert "驻沪办" in owners and "office_sh" not in owners
    funnel = run(
        "ledger", "funnel", str(ledger), "--period", "2024H1", "--by", "owner",
        "--targets", str(units), "--format", "json",
    )  # fmt: skip
    groups = {r["group"] for r in __import__("json").loads(funnel.stdout)}
    assert "驻沪办" in groups and "office_sh" not in groups
    without = run("ledger", "assignments", "--owner", "驻沪办", *args[:4], "-o", str(slip))
    assert without.exit_code != 0 and "--targets" in without.output  # the hint names it


def test_a_cut_ranking_says_how_many_targets_there_are():
    full = run("rank", "fluorochem", "--format", "json")
    n = len(__import__("json").loads(full.stdout))
    cut = run("rank", "fluorochem", "--top", "5", "--format", "json")
    assert f"targets: 5 shown of {n} (" in cut.stderr, cut.stderr
    assert f"targets: {n} of " in full.stderr


def test_kpi_and_changes_refuse_dates_that_run_backwards(tmp_path):
    ledger = Path(__file__).parent.parent / "graphs" / "ledger_synthetic.xlsx"
    early = run("kpi", str(ledger), "--period", "2024H1", "--as-of", "2023-12-31")
    assert early.exit_code == 2 and "before the period starts (2024-01-01)" in early.output
    neither = run("kpi", "--period", "2024H1")
    assert neither.exit_code == 2 and "not both" not in neither.output
    assert "give a LEDGER file or --db" in neither.output
    db = tmp_path / "store.db"
    assert (
        run("ledger", "import", str(ledger), "--as-of", "2024-06-21", "--db", str(db)).exit_code
        == 0
    )
    back = run("ledger", "changes", "--from", "2024-06-28", "--to", "2024-06-21", "--db", str(db))
    assert back.exit_code == 2 and "--from is after --to" in back.output


def test_the_kpi_workbook_reads_as_names_and_formatted_numbers(tmp_path):
    from openpyxl import load_workbook

    graphs = Path(__file__).parent.parent / "graphs"
    out = tmp_path / "kpi.xlsx"
    result = run(
        "kpi", str(graphs / "ledger_synthetic.xlsx"), "--period", "2024H1",
        "--targets", str(graphs / "kpi_units_synthetic.toml"), "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    lag = list(book["实物量滞后"].iter_rows(min_row=2, values_only=False))
    owners = {row[2].value for row in lag}
    assert owners and not owners & {"platform_a", "platform_b", "office_sh", "group_f"}
    assert {row[7].value for row in lag} <= {"是", "否"}  # not True/False
    assert [c.number_format for c in lag[0][3:7]] == ["0.00", "0.00", "0.00", "0.0%"]
    cells = [c for row in book["超期 overdue"].iter_rows(min_row=2, values_only=True) for c in row]
    assert "氟化工产业链" in cells and "fluorochem" not in cells
    groups = {r[0] for r in book["漏斗 funnel"].iter_rows(min_row=2, values_only=True)}
    assert "fluorochem" not in groups


def test_a_two_row_merged_ledger_header_is_one_clear_line(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["项目编号", "项目名称", "日期", None, "总投资（亿元）"])
    sheet.append([None, None, "签约日期", "落地日期", None])
    sheet.merge_cells("C1:D1")
    sheet.append(["M1", "甲", "2024-02-01", "2024-03-01", 5])
    path = tmp_path / "merged.xlsx"
    book.save(path)
    line = one_line_error(run("kpi", str(path), "--period", "2024H1"))
    assert "header runs over two rows (1–2)" in line and "签约日期" in line, line


def test_a_unit_written_by_name_is_that_unit_in_kpi_by_owner(tmp_path):
    import json

    import openpyxl

    graphs = Path(__file__).parent.parent / "graphs"
    book = openpyxl.load_workbook(graphs / "ledger_synthetic.xlsx")
    sheet = book.worksheets[0]
    col = [c.value for c in sheet[2]].index("责任单位") + 1
    row = next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, col).value == "platform_a")
    sheet.cell(row, col).value = "平台甲"  # the unit's name, not its id
    path = tmp_path / "ledger.xlsx"
    book.save(path)
    targets = str(graphs / "kpi_units_synthetic.toml")
    args = ("--period", "2024H1", "--by", "owner", "--targets", targets, "--format", "json")
    named = json.loads(run("kpi", str(path), *args).stdout)
    plain = json.loads(run("kpi", str(graphs / "ledger_synthetic.xlsx"), *args).stdout)
    assert named == plain  # one 平台甲 group, as if written platform_a


def test_the_bulletin_workbook_names_units_fields_and_checks(tmp_path):
    from openpyxl import load_workbook

    graphs = Path(__file__).parent.parent / "graphs"
    db = tmp_path / "store.db"
    for name, day in (
        ("ledger_synthetic_prev.xlsx", "2024-06-21"),
        ("ledger_synthetic.xlsx", "2024-06-28"),
    ):
        assert (
            run("ledger", "import", str(graphs / name), "--as-of", day, "--db", str(db)).exit_code
            == 0
        )
    out = tmp_path / "bulletin.xlsx"
    args = ("--from", "2024-06-21", "--to", "2024-06-28", "--db", str(db))
    targets = ("--targets", str(graphs / "kpi_units_synthetic.toml"))
    assert run("ledger", "changes", *args, *targets, "-o", str(out)).exit_code == 0
    cells = {
        c for sheet in load_workbook(out) for row in sheet.iter_rows(values_only=True) for c in row
    }
    assert {"存在问题", "驻深办", "平台乙"} <= cells
    assert not cells & {"problem", "owner", "office_sz", "platform_b", "energy", "demands"}


def test_the_channel_funnel_workbook_prints_on_a4_with_rates(tmp_path):
    from openpyxl import load_workbook

    ledger = Path(__file__).parent.parent / "graphs" / "ledger_synthetic.xlsx"
    out = tmp_path / "funnel.xlsx"
    assert run("ledger", "funnel", str(ledger), "--period", "2024H1", "-o", str(out)).exit_code == 0
    sheet = load_workbook(out).active
    assert sheet.title == "渠道漏斗 2024H1" and sheet.page_setup.orientation == "landscape"
    assert [c.value for c in sheet[1]] == ["分组", "阶段", "数量", "转化率"]
    assert sheet["D3"].number_format == "0.0%"


def test_kpi_by_chain_says_when_groups_add_up_to_more_than_the_total(tmp_path):
    ledger = tmp_path / "l.csv"
    ledger.write_text(
        "项目编号,项目名称,产业链,签约日期\nF1,甲,氟化工、锂电池,2024-02-01\nF2,乙,氟化工,2024-02-02\n",
        encoding="utf-8",
    )
    both = run("kpi", str(ledger), "--period", "2024H1", "--by", "chain")
    assert both.exit_code == 0 and "1 projects belong to several chains" in both.stderr
    one = run("kpi", str(ledger), "--period", "2024H1")
    assert "several" not in one.stderr


def test_validate_never_fetches_a_remote_json_ld_context(tmp_path):
    import json

    with local_listener() as (base, hits):
        for name, context in (
            ("flat.jsonld", f"{base}/ctx.jsonld"),
            ("listed.json", [{"x": "http://x/"}, f"{base}/ctx2.jsonld"]),
            ("imported.jsonld", {"@import": f"{base}/ctx3.jsonld"}),
        ):
            path = tmp_path / name
            path.write_text(
                json.dumps({"@context": context, "@id": "http://x/a", "http://x/p": "v"}),
                encoding="utf-8",
            )
            line = one_line_error(run("validate", str(path)))
            assert "remote @context" in line and "offline" in line, line
    assert hits == []
    inline = tmp_path / "inline.jsonld"  # an inline context still reads
    inline.write_text(
        json.dumps({"@context": {"x": "http://x/"}, "@id": "x:a", "x:p": "v"}), encoding="utf-8"
    )
    assert "remote" not in run("validate", str(inline)).output


def test_chain_import_refuses_what_would_write_broken_rdf(tmp_path):
    segs = tmp_path / "segments.csv"
    links = tmp_path / "links.csv"
    links.write_text("upstream_id,downstream_id,relation\n", encoding="utf-8")
    segs.write_text("id,name_zh,stage,source_url\n", encoding="utf-8")  # no segment
    line = one_line_error(
        run("chain", "import", str(segs), str(links), "-o", str(tmp_path / "a.ttl"))
    )
    assert "holds no segment" in line and not (tmp_path / "a.ttl").exists()
    segs.write_text(
        "id,name_zh,stage,source_url\nwafer,硅片,material,not a url\n", encoding="utf-8"
    )
    line = one_line_error(
        run("chain", "import", str(segs), str(links), "-o", str(tmp_path / "b.ttl"))
    )
    assert "is not an http(s) URL" in line and "row 2" in line, line
    segs.write_text(
        "id,name_zh,stage,source_url\nwafer,硅片,material,https://example.org/a\n", encoding="utf-8"
    )
    nt = run("chain", "import", str(segs), str(links), "-o", str(tmp_path / "c.nt"))
    assert nt.exit_code == 2 and "use .ttl" in nt.output and not (tmp_path / "c.nt").exists()
    assert (
        run("chain", "import", str(segs), str(links), "-o", str(tmp_path / "d.ttl")).exit_code == 0
    )


def test_chainmaps_own_enterprise_only_export_validates(tmp_path):
    pytest.importorskip("pyshacl")
    out = tmp_path / "firms.nt"
    assert run("export", "-", "--enterprises", "sample", "-o", str(out)).exit_code == 0
    result = run("validate", str(out))
    assert result.exit_code == 0 and "conforms" in result.stderr, result.output
    empty = tmp_path / "empty.ttl"  # a file with nothing of ours is still no chain
    empty.write_text("@prefix cm: <https://w3id.org/chainmap/vocab#> .\n", encoding="utf-8")
    assert run("validate", str(empty)).exit_code == 1


@pytest.mark.parametrize(
    ("binds", "message"),
    [
        (["stage=<not an iri>"], "is not an absolute IRI"),
        (["stage=<foo>"], "is not an absolute IRI"),
        (["stage="], "has an empty value"),
        (["stage=stage:material", "stage=stage:product"], "is bound twice"),
    ],
)
def test_query_bind_mistakes_are_one_line_each(binds, message):
    args = [a for b in binds for a in ("--bind", b)]
    result = run("query", "fluorochem", "segments-of-stage", *args)
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output
    assert "report this" not in result.output


@pytest.mark.parametrize(
    ("sparql", "message"),
    [
        (
            "SELECT ?s FROM <http://example.org/d.ttl> WHERE { ?s ?p ?o }",
            "FROM <http://example.org/d.ttl> is refused",
        ),
        (
            "SELECT ?s FROM NAMED <http://e/n> WHERE { ?s ?p ?o }",
            "FROM NAMED <http://e/n> is refused",
        ),
        ("LOAD <http://example.org/x>", "queries are read-only"),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "queries are read-only"),
        ("zzz-query", "unknown bundled query 'zzz-query'."),
    ],
)
def test_query_refusals_say_what_was_refused(sparql, message):
    line = one_line_error(run("query", "fluorochem", sparql))
    assert message in line and "did you mean ?" not in line, line


def test_a_rule_violation_carries_its_own_message_only(tmp_path):
    pytest.importorskip("pyshacl")
    import json

    text = (Path(__file__).parent.parent / "graphs" / "fluorochem.ttl").read_text(encoding="utf-8")
    bad = tmp_path / "stray.ttl"
    bad.write_text(text + "\nseg:pvdf cm:feedstockOf seg:fluorspar .\n", encoding="utf-8")
    result = run("validate", str(bad), "--format", "json")
    assert result.exit_code == 1
    messages = [v["message"] for v in json.loads(result.stdout)]
    assert any("has no cm:Link node" in m for m in messages), messages
    assert not any("a chain IRI is" in m for m in messages), messages  # not glued on


def test_query_stops_at_its_row_limit_and_says_so():
    cross = "SELECT ?a ?b WHERE { ?a ?p ?x . ?b ?q ?y }"  # millions of rows, never built
    result = run("query", "fluorochem", cross, "--limit", "7", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.strip().splitlines()) == 1 + 7  # header and seven rows
    assert "more than 7 rows: the first 7 are output" in result.stderr
    small = "SELECT ?s WHERE { ?s a skos:Concept } LIMIT 3"
    for limit in ("0", "3"):  # no limit; a limit the result meets exactly
        result = run("query", "fluorochem", small, "--limit", limit, "--format", "csv")
        assert result.exit_code == 0 and "more than" not in result.stderr, result.output
        assert "3 行 / rows" in result.stderr
    line = one_line_error(run("query", "fluorochem", small, "--limit", "-1"))
    assert "--limit" in line


def _limited(limit_bytes: int, *args: str, cwd: Path):
    """``python -m chainmap ARGS`` with files limited to ``limit_bytes`` (as a full disk)."""
    import resource
    import subprocess
    import sys

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, resource.RLIM_INFINITY))

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    env.pop("CHAINMAP_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "chainmap", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        preexec_fn=limit,
        env=env,
        timeout=300,
    )


def test_an_xlsx_write_the_file_system_refuses_is_one_line(tmp_path):
    """openpyxl writes through lxml, which says IO_EFBIG where other writers raise an
    OSError; and its half-closed writer failed again when collected, with a traceback."""
    target = tmp_path / "r.xlsx"
    assert run("rank", "fluorochem", "-o", str(target)).exit_code == 0
    before = target.read_bytes()
    done = _limited(40 * 1024, "rank", "fluorochem", "-o", str(target), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Error: {target}: ") and "file too large" in last, last
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx"]


def test_the_ledger_store_refuses_files_that_are_not_a_store(tmp_path):
    import sqlite3

    ledger = str(Path(__file__).parents[1] / "graphs" / "ledger_synthetic.csv")
    empty = tmp_path / "notes.txt"
    empty.write_bytes(b"")
    for args in (
        ("kpi", "--period", "2024", "--db", str(empty)),
        ("map", "fluorochem", "-o", str(tmp_path / "m.html"), "--db", str(empty)),
    ):
        line = one_line_error(run(*args))
        assert "notes.txt" in line and "not a chainmap database" in line
        assert empty.read_bytes() == b""  # (SQLite made it a database before)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE foo (x)")
    before = other.read_bytes()
    for args in (
        ("ledger", "import", ledger, "--as-of", "2024-06-01", "--db", str(other)),
        ("kpi", "--period", "2024", "--db", str(other)),
    ):
        line = one_line_error(run(*args))
        assert "other.db" in line and "foo" in line
        assert other.read_bytes() == before
    fresh = tmp_path / "new.db"  # a new file, and an empty one given to import: a new store
    assert (
        run("ledger", "import", ledger, "--as-of", "2024-06-01", "--db", str(fresh)).exit_code == 0
    )
    assert (
        run("ledger", "import", ledger, "--as-of", "2024-06-01", "--db", str(empty)).exit_code == 0
    )


def test_a_full_disk_during_ledger_import_is_not_called_damage(tmp_path):
    import sqlite3

    ledger = str(Path(__file__).parents[1] / "graphs" / "ledger_synthetic.csv")
    db = tmp_path / "t.db"
    assert run("ledger", "import", ledger, "--as-of", "2024-06-01", "--db", str(db)).exit_code == 0
    size = db.stat().st_size
    done = _limited(
        size, "ledger", "import", ledger, "--as-of", "2024-07-01", "--db", str(db), cwd=tmp_path
    )
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert "could not write to the ledger store" in last and "damaged" not in last, last
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT as_of FROM snapshot").fetchall() == [("2024-06-01",)]


def test_text_inputs_that_are_not_utf8_or_not_files_are_one_line(tmp_path):
    body = (Path(__file__).parents[1] / "graphs" / "fluorochem.ttl").read_text(encoding="utf-8")
    utf16 = tmp_path / "u16.ttl"
    utf16.write_text(body, encoding="utf-16")
    gbk = tmp_path / "gbk.ttl"
    gbk.write_text(body, encoding="gb18030")
    garbage = tmp_path / "garbage.ttl"
    garbage.write_bytes(bytes(range(256)) * 20)
    for path, looks in ((utf16, "UTF-16"), (gbk, "GBK"), (garbage, "")):
        line = one_line_error(run("show", str(path)))
        assert str(path) in line and "not UTF-8" in line and looks in line, line
        line = one_line_error(run("query", "fluorochem", f"@{path}"))
        assert str(path) in line and "SPARQL file is not UTF-8" in line, line
    with_bom = tmp_path / "bom.ttl"  # a BOM (Windows editors) is not an error
    with_bom.write_text(body, encoding="utf-8-sig")
    assert run("show", str(with_bom)).exit_code == 0
    folder = tmp_path / "dir.ttl"
    folder.mkdir()
    assert "is a folder" in one_line_error(run("show", str(folder)))
    assert "is a folder" in one_line_error(run("query", "fluorochem", f"@{folder}"))
    for text in ("", "  \n", "# only a comment\n"):
        query = tmp_path / "q.rq"
        query.write_text(text, encoding="utf-8")
        assert "the query is empty" in one_line_error(run("query", "fluorochem", f"@{query}"))


def test_a_map_with_every_stage_hidden_is_one_line(tmp_path):
    from chainmap.model.vocab import STAGES

    hidden = [arg for stage in STAGES for arg in ("--hide-stage", stage)]
    for name in ("m.html", "m.svg"):
        line = one_line_error(run("map", "fluorochem", "-o", str(tmp_path / name), *hidden))
        assert "nothing to draw" in line
    assert not list(tmp_path.iterdir())


def test_options_that_would_be_ignored_or_contradict_are_refused(tmp_path):
    """Each was accepted with exit 0 and did something else than asked."""
    folder = tmp_path / "outdir"
    folder.mkdir()
    assert "is a folder" in one_line_error(run("gaps", "fluorochem", "-o", str(folder)))
    mismatch = one_line_error(
        run("gaps", "fluorochem", "-o", str(tmp_path / "x.xlsx"), "--format", "csv")
    )
    assert "says xlsx" in mismatch and "csv" in mismatch  # CSV was written into x.xlsx
    plan_md = run("plan", "fluorochem", "-o", str(tmp_path / "p.md"), "--format", "json")
    assert "says markdown" in one_line_error(plan_md)
    assert not (tmp_path / "x.xlsx").exists() and not (tmp_path / "p.md").exists()
    ok = run("gaps", "fluorochem", "-o", str(tmp_path / "x.txt"), "--format", "csv")
    assert ok.exit_code == 0 and (tmp_path / "x.txt").read_text(encoding="utf-8-sig").startswith(
        "id,"
    )
    line = one_line_error(run("plan", "fluorochem", "--tracked-on", "2024-01-01"))
    assert "--tracked-on" in line and "--leads" in line
    for command in ("rank", "plan"):
        line = one_line_error(run(command, "fluorochem", "--scheduler", "tcp://127.0.0.1:1"))
        assert "--scheduler is for --engine dask" in line


def test_a_long_cell_in_a_crlf_file_is_no_carriage_return_note(tmp_path):
    """A cell over the csv module's 128 KiB limit was taken for a bare-CR problem."""
    from chainmap.model.enterprises import read_enterprises

    path = tmp_path / "long.csv"
    with path.open("w", encoding="utf-8", newline="") as f:  # csv.writer: CRLF
        writer = csv.writer(f)
        writer.writerow(["企业名称", "所属省份", "经营范围"])
        writer.writerow(["甲公司", "浙江省", "氟" * 200_000])
        writer.writerow(["乙公司", "浙江省", "含氟聚合物\r销售"])  # a real bare CR, quoted
    table, report = read_enterprises(path)
    assert table["scope"].tolist() == ["氟" * 200_000, "含氟聚合物\r销售"]
    assert not [n for n in report.notes if "carriage return" in n]


def test_an_os_error_without_a_file_names_no_file():
    from chainmap.cli import _os_error_line

    line = _os_error_line(OSError("Timed out trying to connect to tcp://127.0.0.1:1"))
    assert "(file)" not in line and "Timed out" in line
    assert _os_error_line(OSError(28, "No space left", "out.csv")).startswith("out.csv: ")


def test_export_refuses_a_suffix_that_names_no_rdf_format(tmp_path):
    line = one_line_error(run("export", "fluorochem", "-o", str(tmp_path / "kg.xyz")))
    assert "cannot tell the RDF format" in line  # (Turtle was written into kg.xyz)
    line = one_line_error(
        run("export", "fluorochem", "-o", str(tmp_path / "kg.nt"), "--format", "ttl")
    )
    assert "says nt" in line
    assert not list(tmp_path.iterdir())
    assert (
        run("export", "fluorochem", "-o", str(tmp_path / "kg.txt"), "--format", "nt").exit_code == 0
    )


def test_an_empty_sqlite_database_may_become_a_store_but_is_not_read_as_one(tmp_path):
    import sqlite3

    ledger = str(Path(__file__).parents[1] / "graphs" / "ledger_synthetic.csv")
    db = tmp_path / "cut.db"
    with sqlite3.connect(db) as conn:  # a database without tables (a first import cut short)
        conn.execute("CREATE TABLE t (x)")
        conn.execute("DROP TABLE t")
    assert db.stat().st_size > 0
    assert "not a chainmap database" in one_line_error(
        run("kpi", "--period", "2024", "--db", str(db))
    )
    assert run("ledger", "import", ledger, "--as-of", "2024-06-01", "--db", str(db)).exit_code == 0


def test_ctrl_c_that_a_library_turns_into_its_own_error_is_still_an_interruption(
    invoke, monkeypatch
):
    """pandas' C CSV reader catches Ctrl-C in its read callback and raises a ParserError
    ("Calling read(nbytes) on source failed"): the interrupted export said "cannot process
    the input" and exited 1 (found by the SIGINT export test, once in a loaded CI run).
    Any error after a Ctrl-C is the interruption: one line, exit 130."""
    import signal

    from chainmap import cli

    real = cli.load_inputs

    def interrupted_inside_a_library(*args, **kwargs):
        try:
            os.kill(os.getpid(), signal.SIGINT)  # (its handler runs before the next line)
        except KeyboardInterrupt:  # (what pandas' reader does with it)
            raise ValueError("Calling read(nbytes) on source failed") from None
        return real(*args, **kwargs)

    monkeypatch.setattr(cli, "load_inputs", interrupted_inside_a_library)
    done = invoke("gaps", "fluorochem")
    assert done.exit_code == 130, done.output
    assert done.stderr.strip().splitlines()[-1].startswith("interrupted; previous output kept")
    assert "cannot process the input" not in done.stderr
    monkeypatch.setattr(cli, "load_inputs", real)  # and a plain run is not "interrupted"
    assert invoke("gaps", "fluorochem").exit_code == 0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
