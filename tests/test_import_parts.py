"""An import read in parts writes the file and report of a whole-file import, byte for byte.

``import_enterprises`` reads a large plain CSV export to Parquet part by part
(``iter_export``), merges rows that share an id across parts, and infers the Parquet
schema from the parts. The reference is the whole-file import: ``read_enterprises``
then ``write_enterprises``. Both run here on every CSV fixture, a synthetic export
with every kind of problem (duplicates across parts included) and files pyarrow stops
on part way, with parts of a few rows so every boundary is crossed.
"""

from __future__ import annotations

import itertools
from pathlib import Path
import subprocess
import sys
import tempfile

from click.testing import CliRunner
import numpy as np
import pandas as pd
import pytest

from chainmap.cli import cli
from chainmap.errors import InputError
from chainmap.model.enterprises import read_enterprises
from chainmap.model.uscc import ALPHABET, check_characters
from chainmap.outputs import enterprises as out
from chainmap.readwrite.reader import iter_export

FIXTURES = Path(__file__).parent / "fixtures"
GRAPHS = Path(__file__).parent.parent / "graphs"
CSVS = sorted(
    p
    for p in [
        *FIXTURES.glob("*"),
        *(FIXTURES / "hostile").glob("ent_*"),
        *GRAPHS.glob("companies_*"),
    ]
    if p.suffix == ".csv"
)

pytest.importorskip("pyarrow")


def _whole(path: Path, target: Path, **kwargs):
    """The reference: the whole file read, normalised and written."""
    try:
        table, report = read_enterprises(path, **kwargs)
    except InputError as exc:
        return str(exc)
    out.write_enterprises(table, target)
    return report


def _parts(path: Path, target: Path, part_rows: int, workers: int = 1, **kwargs):
    try:
        return out.import_enterprises(
            path, target, part_rows=part_rows, min_bytes=0, workers=workers, **kwargs
        )
    except InputError as exc:
        return str(exc)


def _assert_same(path: Path, tmp_path: Path, part_rows: int, workers: int = 1, **kwargs) -> None:
    ref = _whole(path, tmp_path / "whole.parquet", **kwargs)
    got = _parts(path, tmp_path / "parts.parquet", part_rows, workers, **kwargs)
    if isinstance(ref, str) or isinstance(got, str):
        assert got == ref
        return
    assert (got.items, got.read, got.notes) == (ref.items, ref.read, ref.notes)
    whole = (tmp_path / "whole.parquet").read_bytes()
    assert (tmp_path / "parts.parquet").read_bytes() == whole
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # parts removed


@pytest.fixture
def taken(monkeypatch):
    """Counts the files read in parts to the end (not handed to the whole-file import)."""
    done = []
    real = out._import_parts

    def counted(*args, **kwargs):
        report = real(*args, **kwargs)
        done.append(report.source)
        return report

    monkeypatch.setattr(out, "_import_parts", counted)
    return done


@pytest.mark.parametrize("part_rows", [1, 4])
def test_every_csv_fixture_imports_in_parts_as_whole(tmp_path, taken, part_rows):
    for k, path in enumerate(CSVS):
        case = tmp_path / str(k)
        case.mkdir()
        _assert_same(path, case, part_rows)
    # the bundled tables and most fixtures are plain rectangles: really read in parts
    assert len(taken) >= 12, taken
    assert any("companies_fluorochem" in s for s in taken)


def _problem_export(n: int, seed: int) -> pd.DataFrame:
    """Every kind of problem, and rows sharing an id far apart (across parts)."""
    rng = np.random.default_rng(seed)
    bodies = [
        "9133" + "".join(rng.choice(list("0123456789"), 4)) + "".join(rng.choice(list(ALPHABET), 9))
        for _ in range(n)
    ]
    codes = [b + c for b, c in zip(bodies, check_characters(bodies).tolist(), strict=True)]
    kind = rng.random(n)
    places = [
        ("浙江省", "金华市", "武义县", ""),
        ("浙江", "金华", "", ""),
        ("", "", "", "浙江省金华市武义县白洋街道1号"),
        ("浙江省", "金华市", "不存在县", "浙江省金华市武义县某路"),
        ("", "", "朝阳区", ""),
        ("", "", "", ""),
    ]
    uscc = [
        "" if k < 0.05 else (c[:-1] + "0" if k < 0.1 else (c.lower() if k < 0.12 else c))
        for c, k in zip(codes, kind, strict=True)
    ]
    where = [places[i] for i in rng.integers(0, len(places), n)]
    for i in range(20, 38):  # no code, the same name and place at the end: merged
        uscc[i] = uscc[n - 40 + i] = ""
        where[n - 40 + i] = where[i]
    for a, b in ((10, 11), (3, n - 2), (7, n // 2), (7, n - 1)):
        uscc[b] = uscc[a]  # the same code: merged into the first, across parts
    names = [f"示例{i % (n - 40)}新材料有限公司" for i in range(n)]  # same name, no code
    capital = ["1234.56万人民币", "500万元", "2亿美元", "300", "-100万", "—", "", "abc"]
    dates = ["2001-03-05", "2001/3/5", "2001年3月5日", "2001-02-30", "9999-12-31", ""]
    numbers = ["35", "1,200", "—", "-3", "", "x"]
    frame = pd.DataFrame(
        {
            "企业名称": ["" if i % 97 == 0 else nm for i, nm in enumerate(names)],
            "统一社会信用代码": uscc,
            "登记状态": rng.choice(["存续", "在业", "注销", "吊销，未注销", ""], n),
            "所属省份": [w[0] for w in where],
            "所属城市": [w[1] for w in where],
            "所属区县": [w[2] for w in where],
            "企业地址": [w[3] for w in where],
            "注册资本": rng.choice(capital, n),
            "成立日期": rng.choice(dates, n),
            "参保人数": rng.choice(numbers, n),
            "环节": rng.choice(["", "pvdf", "PVDF；ahf", "未知环节"], n),
            "标签": rng.choice(["", "高新技术企业", "专精特新；高新技术企业"], n),
            "备注": rng.choice(["", " ", "备注"], n),
            # kept in Arrow by the parts (STORED_TEXT_COLUMNS): every kind of space at
            # either end, inside, alone; empty in the first parts only
            "经营范围": rng.choice(
                [
                    "含氟聚合物销售",
                    " 氟树脂 ",
                    "\u3000",
                    "",
                    "\u3000氟化工\x85",
                    "经营\u3000范围 ",
                    "\t",
                ],
                n,
            ),
        }
    )
    frame.loc[n - 5, :] = ""  # a blank row
    frame.loc[n - 6, :] = ""
    frame.loc[n - 6, "经营范围"] = "\u3000 "  # blank but for spaces: skipped as blank
    frame.loc[n - 7, :] = ""
    frame.loc[n - 7, "经营范围"] = "氟化工"  # no name, a scope: rejected, not skipped
    frame.loc[: n // 3, ["备注", "经营范围"]] = ""  # columns empty in the first parts only
    return frame


@pytest.mark.parametrize("strict", [False, True])
def test_a_problem_export_with_duplicates_across_parts_imports_as_whole(tmp_path, taken, strict):
    path = tmp_path / "export.csv"
    _problem_export(1500, 3).to_csv(path, index=False, encoding="utf-8-sig")
    for part_rows in (11, 400):
        case = tmp_path / f"p{part_rows}"
        case.mkdir()
        _assert_same(path, case, part_rows, strict=strict)
        report = out.import_enterprises(
            path, case / "again.parquet", part_rows=part_rows, min_bytes=0, workers=1
        )
        codes = report.by_code()
        assert codes["duplicate"] >= 8 and codes["missing_name"] and codes["bad_capital"]
        assert "  跳过空行 / blank rows skipped: 2" in report.notes
    assert len(taken) == 4


def test_parts_normalised_by_two_processes_give_the_same_file(tmp_path, taken):
    path = tmp_path / "export.csv"
    _problem_export(2000, 13).to_csv(path, index=False)
    _assert_same(path, tmp_path, 300, workers=2)
    assert len(taken) == 1


def test_title_rows_and_a_column_named_twice(tmp_path, taken):
    body = _problem_export(300, 5)
    lines = ["示例企业名单（导出时间 2026-01-01）" + "," * (body.shape[1] - 1)]
    lines.append(",".join(["企业名称", *body.columns[1:-1], "企业名称"]))
    path = tmp_path / "titled.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with path.open("a", encoding="utf-8", newline="") as f:
        body.to_csv(f, index=False, header=False)
    _assert_same(path, tmp_path, 50)
    assert len(taken) == 1


@pytest.mark.parametrize(
    "tail",
    [
        "甲公司,多,出来,的,字段" + "," * 20 + "\n",  # a ragged row: pandas reads it whole
        "乙公司,存续\n",  # a row with fewer fields
    ],
    ids=["ragged", "short"],
)
def test_a_file_pyarrow_stops_on_part_way_is_read_whole(tmp_path, taken, tail):
    path = tmp_path / "late.csv"
    _problem_export(600, 9).to_csv(path, index=False)
    with path.open("a", encoding="utf-8") as f:
        f.write(tail)
    _assert_same(path, tmp_path, 100)
    assert taken == []


def test_invalid_utf8_late_in_the_file_is_read_whole(tmp_path, taken):
    path = tmp_path / "gbk_late.csv"
    _problem_export(600, 9).to_csv(path, index=False)
    with path.open("ab") as f:
        f.write("乙公司,,存续".encode("gbk") + b"," * 10 + b"\n")
    _assert_same(path, tmp_path, 100)
    assert taken == []


def test_files_read_whole_are_not_offered_in_parts(tmp_path):
    plain = tmp_path / "plain.csv"
    plain.write_text("企业名称,所属区县\n甲公司,武义县\n", encoding="utf-8")
    assert iter_export(plain, min_bytes=0) is not None
    assert iter_export(plain, min_bytes=1 << 20) is None  # small: read whole
    for name, data in {
        "crlf.csv": "企业名称,所属区县\r\n甲公司,武义县\r\n".encode(),
        "nul.csv": "企业名称,所属区县\n甲\x00公司,武义县\n".encode(),
        "utf16.csv": "企业名称,所属区县\n甲公司,武义县\n".encode("utf-16"),
        "gbk.csv": "企业名称,所属区县\n甲公司,武义县\n".encode("gbk"),
        "one_column.csv": "企业名称\n甲公司\n".encode(),
    }.items():
        (tmp_path / name).write_bytes(data)
        assert iter_export(tmp_path / name, min_bytes=0) is None, name
    assert iter_export(FIXTURES / "registry_zh_headers_synthetic.xlsx", min_bytes=0) is None


def test_cli_import_in_parts_writes_the_whole_import(tmp_path, monkeypatch, taken):
    path = tmp_path / "export.csv"
    _problem_export(900, 11).to_csv(path, index=False)
    runner = CliRunner()
    args = ["import", str(path), "--report", str(tmp_path / "whole.csv")]
    result = runner.invoke(
        cli, [*args, "-o", str(tmp_path / "whole.parquet")], catch_exceptions=False
    )
    assert result.exit_code == 0 and taken == []
    monkeypatch.setattr(out, "PART_IMPORT_BYTES", 0)
    monkeypatch.setattr(out, "PART_ROWS", 100)
    args[-1] = str(tmp_path / "parts.csv")
    again = runner.invoke(
        cli, [*args, "-o", str(tmp_path / "parts.parquet")], catch_exceptions=False
    )
    assert again.exit_code == 0 and len(taken) == 1
    assert again.output == result.output.replace("whole.", "parts.")
    assert (tmp_path / "parts.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()
    assert (tmp_path / "parts.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()


def test_a_script_without_a_main_guard_imports_with_workers(tmp_path):
    """Workers are fresh interpreters: the caller's ``__main__`` is not run again in them."""
    path = tmp_path / "export.csv"
    _problem_export(900, 17).to_csv(path, index=False)
    script = tmp_path / "script.py"
    script.write_text(
        "from chainmap.outputs.enterprises import import_enterprises\n"
        f"r = import_enterprises({str(path)!r}, {str(tmp_path / 'parts.parquet')!r},"
        " part_rows=200, min_bytes=0, workers=2)\n"
        "print('kept', r.kept)\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("kept") == 1  # (a worker running the script again would print too)
    ref = _whole(path, tmp_path / "whole.parquet")
    assert done.stdout.strip() == f"kept {ref.kept}"
    assert (tmp_path / "parts.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()


@pytest.mark.skipif(not Path("/bin/false").exists(), reason="needs /bin/false")
def test_parts_a_worker_does_not_answer_are_normalised_here(tmp_path, monkeypatch):
    path = tmp_path / "export.csv"
    _problem_export(900, 19).to_csv(path, index=False)
    ref = _whole(path, tmp_path / "whole.parquet")
    monkeypatch.setattr(sys, "executable", "/bin/false")  # workers that exit at once
    got = _parts(path, tmp_path / "parts.parquet", 200, workers=2)
    assert (got.items, got.read) == (ref.items, ref.read)
    assert (tmp_path / "parts.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")
def test_ctrl_c_keeps_the_previous_output_and_stops_the_workers(tmp_path):
    """Ctrl-C reaches the whole process group: one line, the old file kept, nothing left."""
    import glob
    import os
    import signal
    import time

    path = tmp_path / "export.csv"
    _problem_export(20_000, 23).to_csv(path, index=False)
    target = tmp_path / "out.parquet"
    target.write_bytes(b"previous")
    script = tmp_path / "run.py"
    script.write_text(
        "import sys\n"
        "from chainmap.outputs import enterprises\n"
        "from chainmap.cli import main\n"
        "enterprises.PART_IMPORT_BYTES, enterprises.PART_ROWS = 0, 20\n"
        "sys.argv = ['chainmap', 'import', sys.argv[1], '-o', sys.argv[2]]\n"
        "main()\n",
        encoding="utf-8",
    )
    before = set(glob.glob(os.path.join(tempfile.gettempdir(), "chainmap-workers-*")))
    proc = subprocess.Popen(
        [sys.executable, str(script), str(path), str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        now = set(glob.glob(os.path.join(tempfile.gettempdir(), "chainmap-workers-*")))
        if now - before:  # the workers have started
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the import ended before it could be interrupted"
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGINT)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert err.strip().splitlines() == ["interrupted; previous output kept / 已中断, 原有输出保留"]
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    after = set(glob.glob(os.path.join(tempfile.gettempdir(), "chainmap-workers-*")))
    assert after <= before


def test_arrow_text_cells_strip_as_the_python_reference():
    """The parts keep stored text columns in Arrow; each cell must be what ``str.strip``
    (and ``or None``) gives, for every character ``str.isspace`` knows, at either end."""
    import pyarrow as pa

    from chainmap.model.enterprises import _text_cells, arrow_text_cells

    spaces = [c for c in map(chr, range(0x110000)) if c.isspace()]
    pool = [*spaces, "甲", "a", "\u200b", "\ufeff", "\U0001f600", "\x00"]  # (not spaces: kept)
    rng = np.random.default_rng(7)
    cells = ["".join(rng.choice(pool, rng.integers(0, 5))) for _ in range(50_000)]
    cells += ["", " ", "氟化工", None]
    got = arrow_text_cells(pa.chunked_array([cells[:999], cells[999:]], pa.string()))
    assert got.to_pylist() == _text_cells(cells)
    plain = pa.array(["含氟聚合物", "氟树脂"])  # nothing to strip: the same array
    assert arrow_text_cells(plain) is plain


def test_a_mapping_header_the_file_lacks_is_noted_in_parts_as_whole(tmp_path, taken):
    """A typo in --mapping mapped nothing, without a word; the note is the same both ways."""
    path = tmp_path / "export.csv"
    _problem_export(300, 8).to_csv(path, index=False)
    mapping = {"企业名称": "name", "企业地址x": "address", "备注": "listed"}
    _assert_same(path, tmp_path, 50, mapping=mapping)
    report = out.import_enterprises(
        path, tmp_path / "again.parquet", part_rows=50, min_bytes=0, mapping=mapping
    )
    said = [n for n in report.notes if "mapped headers not in the file" in n]
    assert said and "企业地址x" in said[0] and "备注" not in said[0]


@pytest.fixture
def ranges(monkeypatch):
    """Counts the byte ranges read (``ExportRange.read``) and those declined."""
    from chainmap.readwrite import reader

    seen = {"read": 0, "declined": 0}
    real = reader.ExportRange.read

    def counted(self):
        seen["read"] += 1
        try:
            return real(self)
        except reader.RangesDeclined:
            seen["declined"] += 1
            raise

    monkeypatch.setattr(reader.ExportRange, "read", counted)
    return seen


def test_ranges_of_lines_are_the_rows_of_the_streaming_reader(tmp_path):
    """The caller cuts the export at line breaks and counts lines; the ranges, read
    elsewhere, are the parts pyarrow's streaming reader gives: the same cells, header,
    row numbers and notes, whatever the part size."""
    import pyarrow as pa

    from chainmap.readwrite.reader import export_ranges

    path = tmp_path / "export.csv"
    body = _problem_export(700, 29)
    title = "示例企业名单（导出时间 2026-01-01）" + ";" * (body.shape[1] - 1)
    path.write_text(title + "\n", encoding="utf-8")
    with path.open("a", encoding="utf-8", newline="") as f:
        body.to_csv(f, index=False, sep=";")  # a separator guessed, with its note
    size = path.stat().st_size
    stream = list(iter_export(path, 100, min_bytes=0, raw=True))
    for rows in (1, 7, 100, 10_000):
        got = list(export_ranges(path, rows, min_bytes=0))
        assert len(got) > 1 or rows == 10_000
        assert [r.end for r in got[:-1]] == [r.start for r in got[1:]] and got[-1].end == size
        assert all(r.first_row + r.rows == s.first_row for r, s in itertools.pairwise(got))
        parts = [r.read() for r in got]
        assert {(tuple(p.header), tuple(p.notes)) for p in parts} == {
            (tuple(stream[0].header), tuple(stream[0].notes))
        }
        assert parts[0].first_row == stream[0].first_row == 3  # title, header, then data
        joined = pa.concat_tables([p.cells for p in parts])
        assert joined.equals(pa.concat_tables([s.cells for s in stream]))


def test_an_export_is_imported_from_ranges_read_by_the_workers(tmp_path, taken, ranges):
    path = tmp_path / "export.csv"
    _problem_export(900, 31).to_csv(path, index=False)
    with path.open("ab") as f:  # a last line without its line break
        f.seek(-1, 2)
        f.truncate()
    _assert_same(path, tmp_path, 100)
    assert len(taken) == 1 and ranges["read"] >= 9 and ranges["declined"] == 0


@pytest.mark.parametrize("where", [0.1, 0.5, 0.97])
def test_a_cell_holding_line_breaks_is_read_by_the_callers_reader(tmp_path, taken, ranges, where):
    """Lines are not rows there: the range is declined and the streaming reader, which
    keeps quoted line breaks, reads the file in parts, as whole; also when a range ends
    inside the cell."""
    frame = _problem_export(600, 37)
    at = int(len(frame) * where)
    frame.loc[at, "经营范围"] = "第一行\n" + "氟化工\n" * 30 + "末行"
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    for part_rows in (4, 50):
        case = tmp_path / str(part_rows)
        case.mkdir()
        _assert_same(path, case, part_rows)
    assert len(taken) == 2 and ranges["declined"] >= 2


@pytest.mark.parametrize("late", [b"\x00", b"\r"])
def test_a_nul_or_cr_late_in_the_export_is_read_whole(tmp_path, taken, late):
    path = tmp_path / "late.csv"
    _problem_export(600, 41).to_csv(path, index=False)
    with path.open("ab") as f:
        f.write("乙公司,,存续".encode() + late + b"," * 11 + b"\n")
    _assert_same(path, tmp_path, 100)
    assert taken == []


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads /proc (Linux)")
def test_the_caller_holds_one_range_of_the_export_at_a_time(tmp_path):
    """The caller maps each range to count its lines: its resident memory stays about a
    range, not the export (a mapping of the whole file kept every page it read resident:
    8 GiB for a 10M-row export)."""
    import os

    from chainmap.readwrite.reader import export_ranges

    path = tmp_path / "export.csv"
    line = "示例新材料有限公司," + "氟化工" * 260 + "\n"  # about 800 bytes a line
    with path.open("w", encoding="utf-8") as f:
        f.write("企业名称,经营范围\n")
        for _ in range(60):
            f.write(line * 1000)
    page = os.sysconf("SC_PAGE_SIZE")

    def resident() -> int:
        return int(Path("/proc/self/statm").read_text().split()[1]) * page

    before, grown = resident(), 0
    ranges = list(export_ranges(path, 2000, min_bytes=0) or [])
    for _ in export_ranges(path, 2000, min_bytes=0):
        grown = max(grown, resident() - before)
    assert len(ranges) >= 20 and sum(r.rows for r in ranges) == 60_000
    assert grown < path.stat().st_size // 4, (grown, path.stat().st_size)


def test_an_export_cut_short_while_its_ranges_are_cut_is_declined(tmp_path):
    """The file shrinks after its size was read: the caller says it changed (the import
    then reads what is there whole) instead of failing on a mapping past its end."""
    from chainmap.readwrite.reader import ExportDeclined, export_ranges

    path = tmp_path / "export.csv"
    _problem_export(600, 43).to_csv(path, index=False)
    ranges = export_ranges(path, 50, min_bytes=0)
    assert next(ranges).rows > 0  # (about 50 lines: the step is the head's mean line)
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 2)
    with pytest.raises(ExportDeclined, match="changed"):
        list(ranges)
