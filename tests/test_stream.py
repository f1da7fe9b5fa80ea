"""Streaming and Dask engines against the in-memory path, on SYNTHETIC registries."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chainmap.analysis.classify import assign_segments
from chainmap.analysis.gaps import gap_records, segment_status
from chainmap.analysis.plan import build_plan
from chainmap.analysis.scoring import rank_enterprises, rank_records
from chainmap.analysis.stream import (
    choose_engine,
    classify_file,
    parts,
    scan,
    stream_plan,
    stream_rank,
)
from chainmap.synthetic import synthetic_registry, uscc_check_digits, write_synthetic_registry


def _json(value):
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


@pytest.fixture(scope="module")
def small(tmp_path_factory, fluorochem):
    """20,000 synthetic firms in 3 files of 4 row groups each."""
    root = tmp_path_factory.mktemp("synthetic_small")
    write_synthetic_registry(
        root, 20_000, fluorochem, seed=7, rows_per_file=7_000, row_group_size=1_750
    )
    return root


def test_uscc_check_digits_match_python_stdnum():
    from stdnum.cn import uscc

    rng = np.random.default_rng(0)
    alphabet = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
    bodies = np.array(["".join(row) for row in alphabet[rng.integers(0, 31, (300, 17))]])
    ours = uscc_check_digits(bodies).tolist()
    assert ours == [uscc.calc_check_digit(b) for b in bodies]


def test_synthetic_registry_is_seeded_labelled_and_canonical(fluorochem):
    from stdnum.cn import uscc

    from chainmap.model import regions
    from chainmap.model.enterprises import ENTERPRISE_COLUMNS, normalise_enterprises

    a = synthetic_registry(2_000, fluorochem, seed=3)
    pd.testing.assert_frame_equal(a, synthetic_registry(2_000, fluorochem, seed=3))
    assert not a.equals(synthetic_registry(2_000, fluorochem, seed=4))
    assert a["name"].str.startswith("合成").all() and set(a["source"]) == {"synthetic"}
    assert set(ENTERPRISE_COLUMNS) - {"segments", "segments_source"} <= set(a.columns)
    levels = regions.regions()["level"]
    codes = a["region_code"].dropna()
    assert (levels.reindex(codes).to_numpy() == "county").all()
    valid = a["uscc"].dropna().map(uscc.is_valid)
    assert 0.75 < valid.mean() < 0.95 and (~valid).any()
    # The import normaliser derives the same ids and activity from these columns.
    norm, _ = normalise_enterprises(a.head(300))
    assert norm["enterprise_id"].tolist() == a["enterprise_id"].head(300).tolist()
    assert norm["active"].tolist() == a["active"].head(300).tolist()


def _compare(fluorochem, root, **engine):
    full = pd.read_parquet(root)
    memory = rank_enterprises(fluorochem, full, top_per_segment=15)
    streamed = stream_rank(fluorochem, root, top_per_segment=15, **engine)
    assert len(memory) > 50
    assert rank_records(streamed) == rank_records(memory)
    assert _json(streamed.attrs) == _json(memory.attrs)
    return full


@pytest.mark.slow
def test_stream_equals_memory_rank_status_and_plan(small, fluorochem):
    full = _compare(fluorochem, small, chunk_rows=1_000)
    s = scan(fluorochem, small)
    assert _json(gap_records(s.status())) == _json(gap_records(segment_status(fluorochem, full)))
    assert len(parts(small)) == 12
    plan_mem = build_plan(fluorochem, full).to_dict()
    assert _json(stream_plan(fluorochem, small).to_dict()) == _json(plan_mem)


def test_stream_reads_csv_in_chunks_like_one_table(small, fluorochem, tmp_path):
    # 8,000 rows: in the first 6,000 the home's only chain firm just trades (销售), which
    # is no holding, so there would be no targets to compare.
    full = pd.read_parquet(small).head(8_000)
    path = tmp_path / "synthetic.csv"
    full.to_csv(path, index=False)
    whole = stream_rank(fluorochem, path, chunk_rows=10**9)
    chunked = stream_rank(fluorochem, path, chunk_rows=700)
    assert len(whole) > 10 and rank_records(chunked) == rank_records(whole)


def test_classify_file_equals_assign_segments(small, fluorochem, tmp_path):
    counts = classify_file(fluorochem, small, tmp_path / "out", chunk_rows=2_000)
    out = pd.read_parquet(tmp_path / "out")
    ref = assign_segments(fluorochem, pd.read_parquet(small))
    assert counts["rows"] == len(ref) == len(out)
    assert [list(v) for v in out["segments"]] == ref["segments"].tolist()
    assert counts["with_segments"] == int(ref["segments"].map(len).gt(0).sum())
    # A classified dataset ranks as the raw one does (tags are not re-derived).
    assert rank_records(stream_rank(fluorochem, tmp_path / "out", top=40)) == rank_records(
        stream_rank(fluorochem, small, top=40)
    )


@pytest.mark.slow
def test_dask_local_cluster_equals_in_process(small, fluorochem):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster:
        on_dask = stream_rank(
            fluorochem, small, engine="dask", scheduler=cluster.scheduler_address, top=60
        )
    in_process = stream_rank(fluorochem, small, top=60)
    assert rank_records(on_dask) == rank_records(in_process)
    assert on_dask.attrs == in_process.attrs


def test_engine_auto_and_cli_engines_agree(small, invoke):
    assert choose_engine("auto", small) == "memory"  # well under AUTO_STREAM_BYTES
    # All three files: the home firms of the first one only trade chain goods (销售), which
    # are no holdings, so it alone gives no targets.
    part = small
    out = {}
    for engine in ("memory", "stream"):
        res = invoke(
            "rank",
            "fluorochem",
            "--enterprises",
            part,
            "--engine",
            engine,
            "--top",
            25,
            "--format",
            "json",
        )
        assert res.exit_code == 0, res.output
        out[engine] = json.loads(res.stdout)
    assert out["memory"] == out["stream"] and len(out["memory"]) == 25
    res = invoke("rank", "fluorochem", "--engine", "stream")
    assert res.exit_code != 0 and "--enterprises" in res.output


@pytest.mark.slow
def test_stream_equals_memory_on_200k_rows(tmp_path_factory, fluorochem):
    root = tmp_path_factory.mktemp("synthetic_200k")
    write_synthetic_registry(root, 200_000, fluorochem, seed=11, rows_per_file=70_000)
    _compare(fluorochem, root)


def test_candidates_carry_every_column_scoring_reads():
    # Streaming keeps only CANDIDATE_COLUMNS; a column the ranking reads but streaming
    # drops would make the two engines differ silently.
    from chainmap.analysis.scoring import SCORING_COLUMNS
    from chainmap.analysis.stream import CANDIDATE_COLUMNS

    assert set(SCORING_COLUMNS) <= set(CANDIDATE_COLUMNS)


def test_classify_file_classifies_an_imported_parquet(fluorochem, tmp_path):
    """`chainmap import` writes `segments` as a list column (empty for untagged firms);
    Parquet gives those cells back as numpy arrays, which must read as "no tags"."""
    from chainmap.analysis.classify import _parse_tags
    from chainmap.model.enterprises import read_enterprises
    from chainmap.outputs.enterprises import write_enterprises

    raw = tmp_path / "registry.csv"
    raw.write_text(
        "企业名称,所属区县,经营范围,环节\n"
        "甲氟材料有限公司,武义县,聚偏氟乙烯树脂生产,\n"
        "乙化工有限公司,武义县,无水氟化氢生产；萤石销售,\n"
        "丙贸易有限公司,武义县,日用百货销售,\n"
        "丁新材料有限公司,武义县,技术服务,PTFE\n",
        encoding="utf-8",
    )
    table, _ = read_enterprises(raw)
    imported = write_enterprises(table, tmp_path / "imported.parquet")
    assert isinstance(pd.read_parquet(imported)["segments"].iloc[0], np.ndarray)
    classify_file(fluorochem, imported, tmp_path / "out")
    out = pd.read_parquet(tmp_path / "out")
    assert [list(v) for v in out["segments"]] == [["pvdf"], ["ahf"], [], ["ptfe"]]
    assert out["segments_source"].tolist() == ["classified", "classified", "classified", "tagged"]
    assert _parse_tags(np.array([], dtype=object), fluorochem) == []
    label = fluorochem.segment("ptfe").name_zh
    assert _parse_tags(np.array(["其他链环节", label], dtype=object), fluorochem) == [
        "ptfe",
        "其他链环节",
    ]


def test_rank_and_plan_read_scopes_only_when_a_row_is_to_be_classified(fluorochem, tmp_path):
    """A classified file's scopes are not read for rank and plan; an imported file's are.
    Either way the group is the one read in full, scopes aside, and the results equal
    the in-memory ranking and plan of the whole file."""
    from chainmap.analysis.stream import Part, _row_group
    from chainmap.model.enterprises import read_enterprises
    from chainmap.outputs.enterprises import write_enterprises
    from chainmap.readwrite.reader import read_row_group

    raw = tmp_path / "registry.csv"
    rows = [
        "甲氟材料有限公司,武义县,聚偏氟乙烯树脂生产,",
        "乙化工有限公司,衢州市柯城区,无水氟化氢生产；萤石销售,",
        "丙贸易有限公司,金华市婺城区,日用百货销售,",
        "丁新材料有限公司,杭州市滨江区,技术服务,PTFE",
        "戊氟化工有限公司,三明市明溪县,氢氟酸生产,",
    ]
    raw.write_text("企业名称,所属区县,经营范围,环节\n" + "\n".join(rows) + "\n", encoding="utf-8")
    table, _ = read_enterprises(raw)
    imported = write_enterprises(table, tmp_path / "imported.parquet")
    classify_file(fluorochem, imported, tmp_path / "classified")
    classified = sorted((tmp_path / "classified").glob("*.parquet"))[0]
    for path, settled in ((imported, False), (classified, True)):
        lazy, full = _row_group(Part(str(path), 0)), read_row_group(path, 0)
        assert list(lazy.columns) == list(full.columns)
        if settled:
            assert lazy["scope"].isna().all() and full["scope"].notna().any()
            lazy, full = lazy.drop(columns="scope"), full.drop(columns="scope")
        pd.testing.assert_frame_equal(lazy, full)
        memory = pd.read_parquet(path)
        ranked = stream_rank(fluorochem, path, home="武义县", with_stability=False)
        expected = rank_enterprises(fluorochem, memory, home="武义县", with_stability=False)
        assert ranked["name"].tolist() == expected["name"].tolist() != []
        assert _json(stream_plan(fluorochem, path).to_dict()) == _json(
            build_plan(fluorochem, memory).to_dict()
        )


def test_two_worker_processes_give_the_stream_engine_s_output(
    small, fluorochem, tmp_path, monkeypatch
):
    """The stream engine's parts read by two worker processes: the same files and results."""
    from chainmap.analysis import stream

    alone = tmp_path / "alone"
    classify_file(fluorochem, small, alone)
    ranked, planned = stream_rank(fluorochem, small, top=60), stream_plan(fluorochem, small)
    monkeypatch.setattr(stream, "STREAM_WORKERS_MIN_BYTES", 0)
    monkeypatch.setattr(stream, "default_workers", lambda: 2)
    assert stream._workers_for(parts(small)) == 2
    shared = tmp_path / "shared"
    assert classify_file(fluorochem, small, shared) == classify_file(fluorochem, small, alone)
    files = sorted(p.name for p in alone.glob("*.parquet"))
    assert files == sorted(p.name for p in shared.glob("*.parquet")) and len(files) == 12
    assert all((alone / f).read_bytes() == (shared / f).read_bytes() for f in files)
    again = stream_rank(fluorochem, small, top=60)
    assert rank_records(again) == rank_records(ranked) and again.attrs == ranked.attrs
    assert _json(stream_plan(fluorochem, small).to_dict()) == _json(planned.to_dict())


def test_a_settled_group_reduces_from_its_held_rows_as_from_the_whole_group(fluorochem, tmp_path):
    """_held_group makes pandas rows only of the rows holding a segment (12 % of a
    classified registry); the reduction, counts of the whole group included (rows read,
    the latest revenue year), is the one of the whole group. Groups it must not take
    (rows still to classify, an id held twice) are read whole, as before."""
    from chainmap.analysis.stream import Part, _held_group, canonical, reduce_frame, reduce_part
    from chainmap.readwrite.reader import read_row_group

    registry = synthetic_registry(3_000, fluorochem, seed=21)
    rng = np.random.default_rng(4)
    registry["revenue_year"] = rng.choice([2019.0, 2021.0, 2023.0, np.nan], len(registry))
    registry.loc[registry.index[-1], "revenue_year"] = 2025.0  # on a row without a segment
    registry.loc[registry.index[-1], "segments"] = None
    registry.loc[registry.index[-1], "scope"] = "日用百货销售"
    raw = tmp_path / "raw.parquet"
    registry.to_parquet(raw)
    classify_file(fluorochem, raw, tmp_path / "classified")
    path = sorted((tmp_path / "classified").glob("*.parquet"))[0]
    part = Part(str(path), 0)
    held = _held_group(part)
    assert held is not None
    table, rows, year = held
    whole = canonical(read_row_group(path, 0))
    assert rows == len(whole) and year == 2025 and 0 < len(table) < len(whole)
    kw = {"level": "county", "home_code": "330723", "region_level": "city"}
    got, want = reduce_part(part, fluorochem, **kw), reduce_frame(fluorochem, whole, **kw)
    assert (got.plan.input, got.plan.in_chain, got.plan.data_year) == (
        want.plan.input,
        want.plan.in_chain,
        want.plan.data_year,
    )
    pd.testing.assert_frame_equal(got.plan.matrix, want.plan.matrix)
    assert got.plan.abroad == want.plan.abroad
    pd.testing.assert_frame_equal(got.status.matrix, want.status.matrix)
    pd.testing.assert_series_equal(got.status.count_total, want.status.count_total)
    pd.testing.assert_series_equal(got.status.count_home, want.status.count_home)
    assert got.status.anchors == want.status.anchors
    assert (got.status.inactive, got.status.enterprises) == (
        want.status.inactive,
        want.status.enterprises,
    )
    pd.testing.assert_frame_equal(got.candidates[0], want.candidates[0])
    # read whole: an imported (unclassified) file, and a group holding one id twice
    assert _held_group(Part(str(raw), 0)) is None
    twice = pd.read_parquet(path)
    chain_rows = np.flatnonzero(twice["segments"].map(len).to_numpy() > 0)
    twice.loc[chain_rows[1], "enterprise_id"] = twice.loc[chain_rows[0], "enterprise_id"]
    twice.to_parquet(tmp_path / "twice.parquet")
    assert _held_group(Part(str(tmp_path / "twice.parquet"), 0)) is None


def test_one_firm_in_two_input_files_is_refused_naming_both(fluorochem, tmp_path):
    """Each part checks its own rows; a firm in two files met only in the ranking, whose
    error named positions in the merged candidates and no file (and gaps said nothing)."""
    from chainmap.errors import InputError

    source = Path(__file__).parents[1] / "graphs" / "companies_fluorochem.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "a.csv").write_text("\n".join(lines[:30]) + "\n", encoding="utf-8")
    (folder / "b.csv").write_text("\n".join([lines[0], *lines[25:40]]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        stream_rank(fluorochem, folder, with_stability=False)
    text = str(err.value)
    assert "a.csv" in text and "b.csv" in text and "enterprise_id" in text
    with pytest.raises(InputError, match=r"b\.csv"):
        stream_plan(fluorochem, folder)
    (folder / "b.csv").write_text("\n".join([lines[0], *lines[30:40]]) + "\n", encoding="utf-8")
    assert len(stream_rank(fluorochem, folder, with_stability=False))  # each firm once: fine


def test_latest_year_by_arrow_equals_data_year():
    """A row group's data year, read by Arrow, equals plan.data_year of the same column
    made pandas, for every type a Parquet revenue_year may have."""
    import pyarrow as pa

    from chainmap.analysis.plan import data_year
    from chainmap.analysis.stream import _latest_year

    nan = float("nan")
    columns = [
        pa.chunked_array([pa.nulls(5)]),
        pa.chunked_array([], type=pa.null()),
        pa.chunked_array([pa.array([2021, None, 2024], pa.int64())]),
        pa.chunked_array([pa.array([2021, None], pa.int16()), pa.array([2019], pa.int16())]),
        pa.chunked_array([pa.array([7, 3], pa.uint8())]),
        pa.chunked_array([pa.array([2022.0, nan, None, 2023.0])]),
        pa.chunked_array([pa.array([nan, nan])]),
        pa.chunked_array([pa.array([None, None], pa.float32())]),
        pa.chunked_array([], type=pa.float64()),
        pa.chunked_array([pa.array(["2023", "x", None])]),
        pa.chunked_array([pa.array(["x"])]),
        pa.chunked_array([pa.array([-5.5, 2.9])]),
    ]
    for column in columns:
        expect = data_year(pa.table({"revenue_year": column}).to_pandas())
        got = _latest_year(column)
        assert got == expect and type(got) is type(expect), column


def _same_cells(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Equal frames whose array cells also have the same type, dtype and values."""
    pd.testing.assert_frame_equal(got, want)
    for j in range(want.shape[1]):
        for a, b in zip(got.iloc[:, j].tolist(), want.iloc[:, j].tolist(), strict=True):
            assert type(a) is type(b), want.columns[j]
            if isinstance(b, np.ndarray):
                assert a.dtype == b.dtype and a.shape == b.shape and a.tolist() == b.tolist()


def test_reduced_pickles_array_columns_in_one_piece(fluorochem, tmp_path):
    """A worker's Reduced reaches the caller equal, cell for cell; a column of Parquet
    lists (numpy arrays) travels as one array, other columns as they are."""
    import pickle

    from chainmap.analysis.stream import Part, Reduced, _packed, reduce_part

    registry = synthetic_registry(3_000, fluorochem, seed=22)
    flags = [["listed"], [], ["exited", "sanctioned"], None]
    registry["flags"] = [flags[i % 4] for i in range(len(registry))]
    raw = tmp_path / "raw.parquet"
    registry.to_parquet(raw)
    classify_file(fluorochem, raw, tmp_path / "classified")
    path = sorted((tmp_path / "classified").glob("*.parquet"))[0]
    kw = {"level": "county", "home_code": "330723", "region_level": "city"}
    reduced = reduce_part(Part(str(path), 0), fluorochem, **kw)
    frame = reduced.candidates[0]
    assert len(frame) > 100 and frame["flags"].map(type).eq(np.ndarray).mean() > 0.5
    back = pickle.loads(pickle.dumps(reduced, protocol=pickle.HIGHEST_PROTOCOL))
    _same_cells(back.candidates[0], frame)  # None cells: nothing packed, as it was
    assert back.status.enterprises == reduced.status.enterprises

    arrays = frame.assign(flags=[np.array(flags[i % 3], dtype=object) for i in range(len(frame))])
    rest, packed = _packed(arrays)
    assert [p[1] for p in packed] == ["flags"] and "flags" not in rest.columns
    back = pickle.loads(pickle.dumps(Reduced(reduced.status, reduced.plan, [arrays, frame])))
    _same_cells(back.candidates[0], arrays)
    _same_cells(back.candidates[1], frame)
    # Left as they are: mixed dtypes, 2-D cells, repeated column names, no rows.
    odd = [
        arrays.assign(flags=[np.array([1, 2]), *arrays["flags"].iloc[1:]]),
        arrays.assign(flags=[np.zeros((1, 2))] * len(arrays)),
        pd.concat([arrays[["flags"]], arrays[["flags"]]], axis=1),
        arrays.iloc[:0],
    ]
    for case in odd:
        assert _packed(case)[1] == []
        back = pickle.loads(pickle.dumps(Reduced(reduced.status, reduced.plan, [case])))
        _same_cells(back.candidates[0], case)


def _registry_with_problems(fluorochem, path: Path, n: int = 3_000, seed: int = 4) -> None:
    """A raw registry CSV with warnings throughout (invalid USCCs, revoked firms) and three
    rows rejected for a blank name, in different chunks of 700 rows."""
    table = synthetic_registry(n, fluorochem, seed=seed, chain_share=0.5)
    table.loc[[3, n // 2, n - 100], "name"] = ""
    table.to_csv(path, index=False)


def test_the_stream_engine_accounts_for_every_row_as_the_import_does(fluorochem, tmp_path):
    """The stream engine's frames carry no import report; ``accounting`` gives the counts
    and first problems ``read_enterprises`` gives, chunk by chunk and part by part."""
    import heapq

    from chainmap.analysis.stream import accounting
    from chainmap.model.enterprises import read_enterprises

    folder = tmp_path / "in"
    folder.mkdir()
    _registry_with_problems(fluorochem, folder / "a.csv")
    _registry_with_problems(fluorochem, folder / "b.csv", n=2_000, seed=5)
    reports = [read_enterprises(folder / f)[1] for f in ("a.csv", "b.csv")]
    assert all(r.rejected == 3 and r.warnings > 100 for r in reports)
    with accounting() as accounts:
        stream_rank(fluorochem, folder / "a.csv", chunk_rows=700, top=5)
        stream_plan(fluorochem, folder, chunk_rows=700)
    one, both = accounts
    assert one.counts() == reports[0].counts() and one.items == len(reports[0].items)
    order = lambda i: (i.row is None, i.row or 0, i.severity)  # noqa: E731
    first = heapq.nsmallest(5, reports[0].items, key=order)
    assert one.first == [(str(folder / "a.csv"), item) for item in first]
    # A folder: the first problems of its first file, then of the next (b.csv's row 5
    # comes after a.csv's rows however its number compares).
    with accounting() as accounts:
        stream_plan(fluorochem, folder, chunk_rows=10**9)
    (whole,) = accounts
    assert whole.first == both.first
    order = _accounted_order(tmp_path, fluorochem)
    files = [Path(f).name for f, _ in order]
    assert files == ["b1.csv", *["c.csv"] * (len(order) - 1)] and len(order) == 5
    assert min(row for _, row in order[1:]) < order[0][1]  # c.csv's rows are lower
    assert both.counts() == {
        k: reports[0].counts()[k] + reports[1].counts()[k] for k in one.counts()
    }
    assert not one.canonical and both.items == sum(len(r.items) for r in reports)
    with accounting() as outside:
        pass
    assert outside == []  # (each block collects its own scans)


def _accounted_order(tmp_path: Path, fluorochem) -> list[tuple[str, int | None]]:
    """The first items of a folder whose first file has one problem and whose second has
    problems on lower rows: file order wins over row order."""
    from chainmap.analysis.stream import accounting

    folder = tmp_path / "order"
    folder.mkdir()
    one = synthetic_registry(50, fluorochem, seed=8, chain_share=0.5)
    one = one.drop(columns=["uscc", "status"])  # (no USCC or status warnings)
    one.loc[40, "name"] = ""  # its only problem: row 42
    one.to_csv(folder / "b1.csv", index=False)
    _registry_with_problems(fluorochem, folder / "c.csv", n=300)
    with accounting() as accounts:
        stream_plan(fluorochem, folder)
    return [(file, item.row) for file, item in accounts[0].first]


def test_rank_and_plan_on_the_stream_engine_show_what_they_read(fluorochem, tmp_path, invoke):
    """``--engine stream`` printed no counts and no row problems; it now prints what
    ``--engine memory`` prints for the same file."""
    path = tmp_path / "registry.csv"
    _registry_with_problems(fluorochem, path)

    def read_lines(*args: str) -> list[str]:
        res = invoke(*args, "--enterprises", path, "--format", "json")
        assert res.exit_code == 0, res.output
        name = str(path)
        return [
            line
            for line in res.stderr.splitlines()
            if line.startswith((f"企业 / enterprises: {name}: ", f"  {name}:", "  … "))
        ]

    memory = read_lines("rank", "fluorochem", "--engine", "memory")
    assert ", rejected 3, " in memory[0]
    assert len(memory) == 7  # the counts, five problems, how many more
    assert read_lines("rank", "fluorochem", "--engine", "stream") == memory
    assert read_lines("plan", "fluorochem", "--engine", "stream") == memory
    canonical = tmp_path / "registry.parquet"
    assert invoke("import", path, "-o", canonical).exit_code == 0
    res = invoke("rank", "fluorochem", "--enterprises", canonical, "--engine", "stream")
    assert f"{canonical}: canonical table, 2997 rows" in res.stderr


def test_a_raw_parquet_s_row_groups_are_numbered_as_the_file_s_rows(tmp_path, invoke):
    """A non-canonical Parquet file read by row group numbered every group from row 2."""
    raw = pd.read_csv(Path(__file__).parents[1] / "graphs" / "companies_fluorochem.csv", dtype=str)
    path = tmp_path / "raw.parquet"
    raw.to_parquet(path, row_group_size=20)  # (row 24, without a county, is in group 2)

    def lines(engine: str) -> list[str]:
        res = invoke("rank", "fluorochem", "--enterprises", path, "--engine", engine, "--top", 1)
        assert res.exit_code == 0, res.output
        return [line for line in res.stderr.splitlines() if line.startswith(f"  {path}:")]

    memory = lines("memory")
    assert memory and all(f"{path}:4:" not in line for line in memory)
    assert lines("stream") == memory


def test_the_cli_shows_as_many_row_problems_as_an_account_keeps():
    from chainmap.cli import ROWS_SHOWN
    from chainmap.model.report import RowAccount

    assert RowAccount.FIRST == ROWS_SHOWN
