"""The one table reader: every engine reads what ``--engine memory`` reads."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pandas as pd
import pytest

from chainmap.analysis.scoring import rank_enterprises, rank_records
from chainmap.analysis.stream import stream_rank
from chainmap.errors import InputError
from chainmap.model.enterprises import read_enterprises
from chainmap.readwrite.reader import file_encoding, iter_table, read_table

FIXTURES = Path(__file__).parent / "fixtures"
GBK = FIXTURES / "registry_gbk_title_synthetic.csv"


def _cells(frame):
    return [[None if pd.isna(v) else v for v in row] for row in frame.values.tolist()]


def _memory(chain, path, **kw):
    table, _ = read_enterprises(path, **kw)
    return rank_records(rank_enterprises(chain, table))


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8", "utf-16"])
def test_iter_table_reads_the_cells_read_table_reads(encoding, tmp_path):
    path = tmp_path / "firms.csv"
    path.write_bytes(GBK.read_bytes().decode("gb18030").encode(encoding))
    whole = read_table(path)
    parts = list(iter_table(path, chunk_rows=3))
    assert len(parts) > 1
    assert parts[0].attrs["first_row"] == whole.attrs["first_row"] > 2
    joined = pd.concat(parts, ignore_index=True)
    assert list(joined.columns) == list(whole.columns)
    assert _cells(joined) == _cells(whole)


def test_file_encoding_reads_past_an_ascii_head(tmp_path):
    path = tmp_path / "late.csv"
    path.write_bytes(b"name,city\n" + b"a,b\n" * 5000 + "甲,乙\n".encode("gbk"))
    assert file_encoding(path, block=1024) == "gb18030"
    path.write_bytes(codecs.BOM_UTF16_LE + "name\n甲\n".encode("utf-16-le"))
    assert file_encoding(path) == "utf-16"


@pytest.mark.parametrize("engine", ["stream", pytest.param("dask", marks=pytest.mark.slow)])
def test_gbk_title_row_ranks_alike_on_every_engine(engine, fluorochem):
    memory = _memory(fluorochem, GBK)
    assert memory  # the fixture holds a target
    if engine == "dask":
        pytest.importorskip("dask.distributed")
    streamed = stream_rank(fluorochem, GBK, engine=engine, chunk_rows=3)
    assert rank_records(streamed) == memory


def test_mapping_reaches_the_stream_engine(fluorochem):
    mapping = FIXTURES / "registry_custom_mapping.toml"
    custom = FIXTURES / "registry_custom_synthetic.csv"
    memory, _ = read_enterprises(custom, mapping=mapping)
    streamed = stream_rank(fluorochem, custom, mapping=mapping, with_stability=False)
    expected = rank_enterprises(fluorochem, memory, with_stability=False)
    assert rank_records(streamed) == rank_records(expected)
    with pytest.raises(InputError, match="name column"):
        stream_rank(fluorochem, custom)


def test_xlsx_cannot_stream_says_so_in_one_line(invoke):
    xlsx = FIXTURES / "registry_zh_headers_synthetic.xlsx"
    res = invoke("rank", "fluorochem", "--engine", "stream", "--enterprises", xlsx)
    assert res.exit_code != 0
    error = [line for line in res.stderr.splitlines() if line.startswith("Error")]
    assert len(error) == 1 and "XLSX" in error[0] and "--engine memory" in error[0]
    assert "Traceback" not in res.output


def test_cli_stream_equals_memory_on_gbk(invoke):
    out = {}
    for engine in ("memory", "stream"):
        res = invoke(
            "rank", "fluorochem", "--engine", engine, "--enterprises", GBK, "--format", "json"
        )
        assert res.exit_code == 0, res.output
        out[engine] = json.loads(res.stdout)
    assert out["stream"] == out["memory"] != []


def test_trailing_commas_give_the_same_columns_whole_and_in_parts(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("企业名单\n企业名称,地址\n甲公司,武义县,\n乙公司,衢州市,\n", encoding="gbk")
    whole = read_table(path)
    parts = list(iter_table(path, chunk_rows=1))
    assert [list(p.columns) for p in parts] == [list(whole.columns)] * 2
    assert _cells(pd.concat(parts, ignore_index=True)) == _cells(whole)


_CSV_FIXTURES = sorted(
    p
    for p in [
        *(Path(__file__).parent / "fixtures").rglob("*"),
        *(Path(__file__).parent.parent / "graphs").rglob("*.csv"),
    ]
    if p.suffix in (".csv", ".tsv")
)


def _read(path, **kwargs):
    try:
        return "frame", read_table(path, **kwargs)
    except Exception as exc:  # the same error, or the same frame
        return "error", f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize("path", _CSV_FIXTURES, ids=lambda p: p.name)
def test_pyarrow_reads_the_cells_pandas_reads(path, monkeypatch):
    """Large plain UTF-8 files go to pyarrow's parser; every fixture, forced through it,
    reads as pandas' parser reads it (or falls back to pandas when pyarrow would differ)."""
    pytest.importorskip("pyarrow")
    from chainmap.readwrite import reader

    for header in ("auto", None):
        for text_cells in (True, False):
            monkeypatch.setattr(reader, "ARROW_MIN_BYTES", 1 << 62)
            kind, by_pandas = _read(path, header=header, text_cells=text_cells)
            monkeypatch.setattr(reader, "ARROW_MIN_BYTES", 0)
            kind2, by_arrow = _read(path, header=header, text_cells=text_cells)
            assert kind == kind2
            if kind == "error":
                assert by_pandas == by_arrow
                continue
            assert by_arrow.equals(by_pandas)
            assert list(by_arrow.columns) == list(by_pandas.columns)
            assert type(by_arrow.columns) is type(by_pandas.columns)
            assert list(by_arrow.dtypes) == list(by_pandas.dtypes)
            assert by_arrow.attrs == by_pandas.attrs


def test_pyarrow_path_is_taken_for_a_plain_export(tmp_path, monkeypatch):
    pytest.importorskip("pyarrow")
    from chainmap.readwrite import reader

    path = tmp_path / "firms.csv"
    path.write_text('企业名称,经营范围\n甲公司,"生产,销售"\n乙公司,\n', encoding="utf-8-sig")
    used = []
    original = reader._arrow_cells
    monkeypatch.setattr(reader, "ARROW_MIN_BYTES", 0)
    monkeypatch.setattr(reader, "_arrow_cells", lambda *a: used.append(1) or original(*a))
    table, report = read_enterprises(path)
    assert used and table["scope"].tolist() == ["生产,销售", None]
    assert (report.read, report.kept) == (2, 2)


@pytest.mark.parametrize(
    "body",
    [
        "企业名称,城市\n甲公司,杭州\n".encode() + "乙公司,金华\n".encode("gbk"),  # GBK late
        "企业名称,城市\n甲公司,杭州\n".encode("gbk"),  # GBK throughout
        "企业名称,城市\r\n甲公司,杭州\r\n".encode(),  # CR line breaks
        "企业名称,城市\n甲公司,杭\x00州\n".encode(),  # a NUL
        "企业名称,城市\n甲公司,杭州\n".encode("utf-16"),  # a UTF-16 BOM
    ],
    ids=["gbk-late", "gbk", "crlf", "nul", "utf16"],
)
def test_pyarrow_first_declines_what_is_not_plain_utf8(tmp_path, monkeypatch, body):
    """pyarrow is tried before any decode of the whole file; what it must not read (or
    cannot, like bytes invalid as UTF-8 far from the head) reads as without it."""
    pytest.importorskip("pyarrow")
    from chainmap.readwrite import reader

    path = tmp_path / "firms.csv"
    path.write_bytes(body)
    monkeypatch.setattr(reader, "ARROW_MIN_BYTES", 1 << 62)
    kind, without = _read(path, header=None)
    monkeypatch.setattr(reader, "ARROW_MIN_BYTES", 0)
    kind2, first = _read(path, header=None)
    assert kind == kind2
    if kind == "error":  # mixed encodings: the same one line either way
        assert first == without and "cannot decode" in first
        return
    assert first.equals(without) and first.attrs == without.attrs
    assert first.shape == (2, 2)


def test_pyarrow_path_frees_the_file_bytes_only_when_it_reads_them(monkeypatch):
    """The bytes go once pyarrow has parsed them (a lower peak), and stay for the
    fallback reader when pyarrow declines the file."""
    pytest.importorskip("pyarrow")
    from chainmap.readwrite import reader

    monkeypatch.setattr(reader, "ARROW_MIN_BYTES", 0)
    good = [("企业名称,城市\n" + "甲公司,杭州\n" * 3).encode("utf-8")]
    frame = reader._arrow_export(good, "csv", [])
    assert frame is not None and frame.shape == (4, 2) and good == []
    declined = [("企业名称,城市\n" + "甲公司,杭州\n" * 3).encode("gbk")]
    assert reader._arrow_export(declined, "csv", []) is None and len(declined) == 1


@pytest.mark.parametrize("late", [True, False], ids=["past the first rows", "among them"])
def test_iter_table_finds_the_overlong_rows_read_table_finds(tmp_path, late):
    """A row with more fields than the header (an unquoted comma) would shift its cells;
    read in chunks, it is found as read_table finds it, and the import rejects it."""
    from chainmap.analysis.stream import iter_chunks, parts
    from chainmap.readwrite.reader import iter_table

    rows = [f"甲{i}公司,武义县,氟化氢生产" for i in range(40)]
    bad = 30 if late else 5
    rows[bad] = "乙公司,武义县,氟化氢生产,销售,萤石,,"  # two commas too many, then trailing
    rows[bad + 1] = "丙公司,武义县,氟化氢生产,"  # a trailing comma only: not overlong
    path = tmp_path / "firms.csv"
    path.write_text("企业名称,所属区县,经营范围\n" + "\n".join(rows) + "\n", encoding="utf-8")
    whole = read_table(path)
    chunks = list(iter_table(path, chunk_rows=7))
    found = {r: n for c in chunks for r, n in c.attrs["overlong_rows"].items()}
    assert found == whole.attrs["overlong_rows"] == {bad + 2: 5}
    assert [list(c.columns) for c in chunks] == [list(chunks[0].columns)] * len(chunks)
    assert not any(str(c).startswith("\x00") for c in chunks[0].columns)
    names = [n for part in parts(path) for c in iter_chunks(part, chunk_rows=7) for n in c["name"]]
    assert "乙公司" not in names and "丙公司" in names and len(names) == 39


def test_a_utf8_mark_before_gbk_text_reads_as_the_gbk_file(tmp_path):
    """The mark was read as GBK too: the first header became 锘縩ame_zh, no name column."""
    from chainmap.model.enterprises import read_enterprises

    source = Path(__file__).parents[1] / "graphs" / "companies_fluorochem.csv"
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(source.read_text(encoding="utf-8").encode("gb18030"))
    marked = tmp_path / "marked.csv"
    marked.write_bytes(codecs.BOM_UTF8 + gbk.read_bytes())
    plain, _ = read_enterprises(gbk)
    table, report = read_enterprises(marked)
    pd.testing.assert_frame_equal(table, plain)
    assert any("byte-order mark before GBK" in n for n in report.notes)


@pytest.mark.parametrize("end", ["\n", "\r"], ids=["LF", "CR"])
def test_a_gbk_line_in_a_utf8_file_is_named_by_its_line(tmp_path, end):
    """A row pasted from a GBK file into a UTF-8 one: the error names that line (the file
    reads as neither encoding), not only the file; lines end in LF, or CR alone (old Mac
    exports, where the line was given as 1)."""
    lines = ["企业名称,行政区划代码,环节", *(f"公司{i},330723,ahf" for i in range(1, 8))]
    raw = end.join(lines[:5]).encode("utf-8") + end.encode() + "辛公司,330802,ptfe".encode("gbk")
    raw += end.encode() + end.join(lines[5:]).encode("utf-8") + end.encode()
    path = tmp_path / "mixed.csv"
    path.write_bytes(raw)
    with pytest.raises(InputError) as err:
        read_table(path)  # (GB18030 decodes it whole: every UTF-8 name as mojibake)
    assert err.value.row == 6 and "line 6 holds byte 0xD0" in str(err.value)
    assert "mixes two encodings" in str(err.value)
    for block in (7, 64, 2**22):  # the streamed reader's blocks, cut anywhere
        with pytest.raises(InputError) as err:
            file_encoding(path, block=block)
        assert err.value.row == 6, block
    if end == "\r":
        return
    gbk, utf8 = tmp_path / "gbk.csv", tmp_path / "utf8.csv"
    gbk.write_bytes("\n".join(lines).encode("gbk") + b"\n")
    utf8.write_bytes("\n".join(lines).encode("utf-8") + b"\n")
    for block in (7, 2**22):  # a whole GBK or UTF-8 file is not mixed
        assert file_encoding(gbk, block=block) == "gb18030"
        assert file_encoding(utf8, block=block) == "utf-8-sig"
    assert read_table(gbk).iloc[4, 0] == "公司5"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('企业名称,环节\n"未闭合,ahf\n甲公司,pvdf\n', 2, "opened on line 2 is never closed"),
        ('企业名称,环节\n甲公司,pvdf\n乙公司,ahf\n"丙公司,ahf\n', 4, "opened on line 4"),
    ],
)
def test_a_quote_never_closed_is_named_by_its_line(tmp_path, text, line, words):
    path = tmp_path / "quote.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_table(path)
    assert err.value.row == line and words in str(err.value)


def test_parser_problem_reads_pandas_field_counts():
    from chainmap.readwrite.reader import parser_problem

    message, line, _ = parser_problem(
        ValueError("Error tokenizing data. C error: Expected 3 fields in line 5, saw 4")
    )
    assert line == 5 and "line 5 has 4 cells, the header 3" in message
    assert parser_problem(ValueError("something else")) is None
