"""Enterprise import: registry-style fixtures (tests/fixtures/, fictional firms)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
import unicodedata

import numpy as np
import pandas as pd
import pytest
from stdnum.cn import uscc as stdnum_uscc

from chainmap.errors import InputError
from chainmap.model.enterprises import (
    ENTERPRISE_COLUMNS,
    enterprise_id,
    is_active,
    normalise_enterprises,
    parse_capital,
    parse_date,
    read_enterprises,
)
from chainmap.model.regions import regions
from chainmap.readwrite.reader import detect_header_row, read_table

FIXTURES = Path(__file__).parent / "fixtures"
GBK = FIXTURES / "registry_gbk_title_synthetic.csv"
XLSX = FIXTURES / "registry_zh_headers_synthetic.xlsx"


def _codes_by_row(report):
    out: dict[int, set[str]] = {}
    for item in report.items:
        out.setdefault(item.row, set()).add(item.code)
    return out


def _code_of(name: str) -> str:
    t = regions()
    found = t.index[t["name"] == name]
    assert len(found) == 1, name
    return found[0]


# ---------------------------------------------------------------------- GBK CSV with a title row


@pytest.fixture(scope="module")
def gbk():
    return read_enterprises(GBK)


def test_gbk_file_really_is_gbk_with_title_rows():
    raw = GBK.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    lines = raw.decode("gbk").splitlines()
    assert lines[0].startswith("浙江省金华市企业名单") and lines[1] == ""
    assert lines[2].startswith("企业名称,")


def test_gbk_accounting_and_reasons(gbk):
    table, report = gbk
    report.check()
    assert report.read == 10  # data rows 4..13 as the spreadsheet numbers them
    assert (report.kept, report.rejected) == (8, 2)
    assert report.read == report.kept + report.rejected == len(table) + report.rejected
    assert _codes_by_row(report) == {
        5: {"invalid_uscc"},
        6: {"duplicate"},
        7: {"inactive"},
        8: {"inactive"},
        9: {"region_unresolved"},
        10: {"region_from_address"},
        11: {"missing_name"},
        12: {"region_unresolved"},
        13: {"bad_date", "bad_capital"},
    }
    assert report.rejected_rows == [6, 11]
    merged = [i for i in report.items if i.code == "duplicate"]
    assert merged[0].message.startswith("merged into row 4")
    assert list(table["source_row"]) == [4, 5, 7, 8, 9, 10, 12, 13]


def test_gbk_columns_and_values(gbk):
    table, _ = gbk
    assert list(table.columns[: len(ENTERPRISE_COLUMNS)]) == list(ENTERPRISE_COLUMNS)
    assert "备注" in table.columns  # extra input column kept as it is
    first = table.iloc[0]
    assert first["name"] == "武义示例氟材料有限公司(测试)"
    assert first["region_code"] == _code_of("武义县")
    assert (first["registered_capital"], first["capital_currency"]) == (5000.0, "CNY")
    # merged from the duplicate row 6, which alone had 实缴资本
    assert (first["paid_in_capital"], first["paid_in_currency"]) == (3000.0, "CNY")
    assert first["founded"] == dt.date(2005, 3, 15)
    assert first["employees"] == 120
    assert first["flags"] == ["高新技术企业"]
    assert first["industry_division"] == "化学原料和化学制品制造业"
    assert first["segments"] == [] and first["segments_source"] is None
    by_row = table.set_index("source_row")
    assert [bool(by_row.loc[r, "active"]) for r in (4, 7, 8)] == [True, False, False]
    assert (by_row.loc[8, "registered_capital"], by_row.loc[8, "capital_currency"]) == (
        12000.0,
        "CNY",
    )
    assert by_row.loc[9, "capital_currency"] == "USD"  # 100万美元, never converted
    assert by_row.loc[9, "registered_capital"] == 100.0
    assert by_row.loc[9, "flags"] == ["高新技术企业", "专精特新"]
    assert by_row.loc[9, "region_code"] is None
    assert by_row.loc[10, "region_code"] == _code_of("永康市")
    assert by_row.loc[5, "region_code"] == _code_of("婺城区")
    assert by_row.loc[7, "employees"] == 0


def test_uscc_validation_agrees_with_stdnum(gbk):
    table, _ = gbk
    for _, row in table.iterrows():
        if row["uscc"]:
            valid = stdnum_uscc.is_valid(row["uscc"])
            assert (row["enterprise_id"] == row["uscc"]) == valid
    bad = table.set_index("source_row").loc[5, "uscc"]
    assert not stdnum_uscc.is_valid(bad)
    assert bad[:-1] + stdnum_uscc.calc_check_digit(bad) != bad


def test_enterprise_ids_are_unique_and_hash_is_documented(gbk):
    table, _ = gbk
    assert table["enterprise_id"].is_unique
    row = table.set_index("source_row").loc[12]
    name = unicodedata.normalize("NFKC", row["name"]).replace(" ", "").lower()
    expected = "h:" + hashlib.sha256(f"{name}|".encode()).hexdigest()[:16]
    assert row["enterprise_id"] == expected
    assert enterprise_id("BAD", "甲", "330723") == enterprise_id(None, "甲", "330723")


def test_strict_rejects_invalid_uscc():
    table, report = read_enterprises(GBK, strict=True)
    report.check()
    assert report.read == 10 and report.rejected == 3
    assert 5 in report.rejected_rows
    assert 5 not in set(table["source_row"])


# ---------------------------------------------------------------------- XLSX with Chinese headers


def test_xlsx_header_detection_and_merge():
    raw = read_table(XLSX)
    assert raw.attrs["first_row"] == 3 and raw.columns[0] == "公司名称"
    table, report = read_enterprises(XLSX)
    report.check()
    assert (report.read, report.kept, report.rejected) == (4, 3, 1)
    assert _codes_by_row(report) == {
        5: {"duplicate"},
        6: {"invalid_uscc", "region_unresolved", "inactive"},
    }
    quzhou = table.set_index("source_row").loc[4]
    assert quzhou["segments"] == ["ptfe", "pvdf"] and quzhou["segments_source"] == "tagged"
    assert quzhou["address"] == "浙江省衢州市柯城区示例路2号"  # filled from row 5
    assert quzhou["registered_capital"] == 12000.0  # header 注册资金(万元), bare number
    sanming = table.set_index("source_row").loc[3]
    assert sanming["region_code"] == _code_of("三元区")


def test_english_headers_and_user_mapping():
    table, report = read_enterprises(FIXTURES / "registry_english_synthetic.csv")
    report.check()
    row = table.iloc[0]
    assert row["name"].startswith("Example Fluoro")
    assert row["region_code"] == _code_of("武义县")
    assert (row["registered_capital"], row["capital_currency"]) == (2000.0, "CNY")
    assert "所在园区" in table.columns
    custom = FIXTURES / "registry_custom_synthetic.csv"
    with pytest.raises(InputError, match="name"):
        read_enterprises(custom)
    table, report = read_enterprises(custom, mapping=FIXTURES / "registry_custom_mapping.toml")
    assert table.iloc[0]["scope"] == "萤石开采"
    assert table.iloc[0]["region_code"] == _code_of("武义县")


def test_parquet_round_trip(tmp_path):
    from chainmap.outputs.enterprises import write_enterprises

    table, _ = read_enterprises(XLSX)
    for suffix in (".parquet", ".csv", ".xlsx"):
        path = write_enterprises(table, tmp_path / f"out{suffix}")
        again, report = read_enterprises(path)
        assert report.rejected == 0
        assert list(again["name"]) == list(table["name"])
        assert list(again["segments"]) == list(table["segments"])
        assert list(again["enterprise_id"]) == list(table["enterprise_id"])


# ---------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("5000万元人民币", "万", (5000.0, "CNY")),
        ("100万美元", "万", (100.0, "USD")),
        ("1.2亿", "万", (12000.0, "CNY")),
        ("1.2亿元人民币", "万", (12000.0, "CNY")),
        ("5,000.5万港元", "万", (5000.5, "HKD")),
        ("人民币800万元", "万", (800.0, "CNY")),
        ("300", "万", (300.0, "CNY")),
        ("300", "亿", (3000000.0, "CNY")),
        ("2500000", "元", (250.0, "CNY")),
        ("50万欧元", "万", (50.0, "EUR")),
        ("", "万", (None, None)),
        ("-", "万", (None, None)),
    ],
)
def test_parse_capital(text, unit, expected):
    assert parse_capital(text, unit=unit) == expected


def test_parse_capital_rejects_text():
    with pytest.raises(ValueError):
        parse_capital("不详")


@pytest.mark.parametrize(
    "text",
    ["2005-03-15", "2005/3/15", "2005.03.15", "2005年3月15日", "20050315",
     "2005-03-15 00:00:00", "38426"],
)  # fmt: skip
def test_parse_date(text):
    assert parse_date(text) == dt.date(2005, 3, 15)


@pytest.mark.parametrize(
    ("status", "active"),
    [("存续", True), ("在业", True), ("开业", True), (None, True), ("注销", False),
     ("吊销，未注销", False), ("撤销", False), ("Revoked", False), ("迁出", True)],
)  # fmt: skip
def test_is_active(status, active):
    assert is_active(status) is active


def test_header_row_detection():
    rows = [["名单"], ["导出时间: 2024-01-01"], [], ["企业名称", "地址", "状态", "资本"], ["a"]]
    assert detect_header_row(rows) == 3


def test_normalise_frame_row_numbers():
    frame = pd.DataFrame({"企业名称": ["甲", None], "所属区县": ["武义县", "武义县"]})
    table, report = normalise_enterprises(frame, row_numbers=[10, 11])
    assert report.rejected_rows == [11]
    assert list(table["source_row"]) == [10]


# ---------------------------------------------------------------------- bad files


def test_bad_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        read_enterprises(empty)
    with pytest.raises(InputError, match="not found"):
        read_enterprises(tmp_path / "missing.csv")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="cannot read"):
        read_enterprises(broken)
    doc = tmp_path / "x.doc"
    doc.write_text("x")
    with pytest.raises(InputError, match="unsupported"):
        read_enterprises(doc)
    bad_map = tmp_path / "map.toml"
    bad_map.write_text('[columns]\n"单位全称" = "nonsense"\n', encoding="utf-8")
    with pytest.raises(InputError, match="nonsense"):
        read_enterprises(FIXTURES / "registry_custom_synthetic.csv", mapping=bad_map)
    bad_map.write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(InputError, match="columns"):
        read_enterprises(FIXTURES / "registry_custom_synthetic.csv", mapping=bad_map)


# ---------------------------------------------------------------------- CLI


def test_cli_import(invoke, tmp_path):
    out, rep = tmp_path / "out.parquet", tmp_path / "report.csv"
    result = invoke("import", GBK, "-o", out, "--report", rep)
    assert result.exit_code == 0, result.output
    assert "read 10, 保留 kept 8, 拒绝 rejected 2" in result.stderr
    assert result.stdout == ""
    written = pd.read_parquet(out)
    assert len(written) == 8
    report = pd.read_csv(rep, encoding="utf-8-sig")
    assert list(report.columns[:4]) == ["row", "column", "code", "message"]
    assert set(report["code"]) >= {"duplicate", "missing_name", "invalid_uscc", "inactive"}
    strict = invoke("import", GBK, "-o", tmp_path / "s.csv", "--strict")
    assert "rejected 3" in strict.stderr


def test_cli_import_errors_are_one_line(invoke, tmp_path):
    result = invoke("import", tmp_path / "nope.csv", "-o", tmp_path / "x.csv")
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "not found" in result.output
    result = invoke("import", GBK, "-o", tmp_path / "x.json")
    assert result.exit_code != 0 and "unsupported" in result.output


def test_parquet_written_group_by_group_is_pandas_file(tmp_path, monkeypatch):
    """write_parquet_groups writes the bytes of table.to_parquet(row_group_size=…)."""
    pytest.importorskip("pyarrow")
    from chainmap.outputs import enterprises as out

    monkeypatch.setattr(out, "PARQUET_ROW_GROUP", 7)
    table, _ = read_enterprises(
        Path(__file__).parent / "fixtures" / "registry_gbk_title_synthetic.csv"
    )
    table = pd.concat([table] * 3, ignore_index=True)
    # a column blank in the first group only, lists, dates and numbers across groups
    table["listed"] = [None] * 7 + ["600000.SH"] * (len(table) - 7)
    for n in (0, 1, 7, 8, len(table)):
        part = table.head(n)
        ours, theirs = tmp_path / f"ours{n}.parquet", tmp_path / f"theirs{n}.parquet"
        out.write_parquet_groups(part, ours)
        part.to_parquet(theirs, index=False, row_group_size=7)
        assert ours.read_bytes() == theirs.read_bytes(), n


def test_a_column_that_loses_its_canonical_name_is_kept_not_dropped():
    """企业名称 and name both map to name: the first is the name, the other stays in the
    table (it was dropped without a word when its header was itself canonical)."""
    from chainmap.model.enterprises import normalise_enterprises

    frame = pd.DataFrame(
        {
            "企业名称": ["甲公司"],
            "name": ["乙公司"],
            "name.1": ["已有"],  # (a column by that name already: the next one is taken)
            "经营范围": ["氟化工"],
            "scope": ["含氟聚合物"],
            "enterprise_id": ["x"],  # a file chainmap wrote: computed again, not kept
            "备注": ["b"],
        }
    )
    table, _ = normalise_enterprises(frame)
    row = table.iloc[0]
    assert (row["name"], row["name.2"], row["name.1"]) == ("甲公司", "乙公司", "已有")
    assert (row["scope"], row["scope.1"], row["备注"]) == ("氟化工", "含氟聚合物", "b")
    assert row["enterprise_id"] != "x" and "enterprise_id.1" not in table.columns


def test_negative_revenue_is_left_blank_with_a_warning_in_both_implementations():
    """Revenue is never negative (a loss is profit); -5 was kept and scored as missing."""
    from chainmap.model.enterprises import normalise_enterprises

    frame = pd.DataFrame(
        {
            "企业名称": ["甲公司", "乙公司", "丙公司"],
            "营业收入": ["-5", "12.5亿元", "约" * 300],
        }
    )
    for method in ("columns", "rows"):
        table, report = normalise_enterprises(frame, method=method)
        assert table["revenue"].tolist()[:2] == [None, 12.5]
        messages = [item.message for item in report.items]
        assert any("negative revenue '-5'" in m for m in messages), messages
        assert all(len(m) < 120 for m in messages), messages  # (a 300-character cell, cut)


def test_capitals_read_at_once_are_those_of_the_cell_parser():
    """A large column's commonest capital spelling is read by pyarrow at once
    (``_plain_capitals``); every value it gives must be ``_capital_cell``'s, to the bit,
    and the spellings it leaves must be left to it."""
    pytest.importorskip("pyarrow")
    from chainmap.model.enterprises import _capital_cell, _plain_capitals

    rng = np.random.default_rng(11)
    digits = "0123456789"
    texts: list[str | None] = [None, "", "万", ".5万", "12.万", "１２万", "١٢万", "12 万"]
    for _ in range(200_000):
        whole = "".join(rng.choice(list(digits), rng.integers(1, 14)))
        tail = "".join(rng.choice(list(digits), rng.integers(0, 8)))
        number = whole + ("." + tail if tail or rng.random() < 0.05 else "")
        unit = rng.choice(["万", "万", "万", "亿", "", "千"])
        texts.append(
            number
            + unit
            + rng.choice(["", "", "元"])
            + rng.choice(["", "人民币", "美元", "港元", "人民币元"])
        )
    for edge in ("999999999.999999", "999999999.9999995", "1000000000", "99999999.9999999"):
        texts.append(edge + "万")
    read = _plain_capitals(texts)
    assert len(read) == len(texts)
    taken = 0
    for text, got in zip(texts, read, strict=True):
        if got is None:
            continue
        taken += 1
        value, currency = _capital_cell(text, text, "万")
        assert (got[1], np.float64(got[0]).tobytes()) == (
            currency,
            np.float64(value).tobytes(),
        ), text
    assert taken > 20_000  # the commonest spelling is read at once
    assert read[texts.index("１２万")] is None  # other scripts' digits: the cell parser


def test_an_old_region_code_is_read_as_its_successor_with_a_warning_naming_both(tmp_path):
    """临安市's old code 330185 became 330112 (临安区) in 2017: the row is kept with the
    current code and a ``region_old_code`` warning names both; a current code, a
    statistical code of one and a name stay silent."""
    path = tmp_path / "codes.csv"
    path.write_text(
        "企业名称,行政区划代码,环节\n"
        "临安丁氟材料有限公司,330185,ptfe\n"
        "武义壬氟化工有限公司,330723,ahf\n"
        "武义癸新材料有限公司,330723000000,ahf\n"
        "临安戊新材料有限公司,330185000000,pvdf\n",
        encoding="utf-8",
    )
    table, report = read_enterprises(path)
    assert table["region_code"].tolist() == ["330112", "330723", "330723", "330112"]
    assert _codes_by_row(report) == {2: {"region_old_code"}, 5: {"region_old_code"}}
    item = next(i for i in report.items if i.row == 2)
    assert item.column == "行政区划代码"
    assert "330185 → 330112 浙江省/杭州市/临安区" in item.message
    assert report.kept == 4 and report.rejected == 0


def test_cli_rank_shows_the_first_row_problems_of_its_file_and_counts_the_rest(invoke):
    """The counts alone did not say which rows to fix: the first rows' problems follow
    them, one line each with file, row and column, rejections and warnings in row order,
    then how many more and the command that lists every row."""
    from chainmap.cli import ROWS_SHOWN

    _, report = read_enterprises(GBK)
    result = invoke("rank", "fluorochem", "--enterprises", GBK)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    head = next(i for i, line in enumerate(lines) if "read 10, kept 8" in line)
    shown = lines[head + 1 : head + 1 + ROWS_SHOWN]
    items = sorted(report.items, key=lambda i: (i.row, i.severity))
    assert len(items) > ROWS_SHOWN
    for line, item in zip(shown, items[:ROWS_SHOWN], strict=True):
        assert line.startswith(f"  {GBK}:{item.row}: {item.column}: ")
        assert item.code in line and item.message in line
    assert "拒绝 rejected duplicate: merged into row 4" in result.stderr
    more = lines[head + 1 + ROWS_SHOWN]
    assert f"{len(items) - ROWS_SHOWN} more" in more and "--report" in more


def test_a_segment_written_by_its_name_is_read_as_its_id(tmp_path):
    """环节 cells may hold a segment's Chinese or English name (as the ledger's do): each
    is read as the segment's id with a ``segment_name`` warning; an unknown tag stays
    unknown, with its own warning, and ids stay as they are."""
    from chainmap import load_chain

    chain = load_chain("fluorochem")
    ptfe, ahf = chain.segments_by_id["ptfe"], chain.segments_by_id["ahf"]
    path = tmp_path / "names.csv"
    path.write_text(
        "企业名称,所属省份,所属城市,所属区县,环节\n"
        f"甲公司,浙江省,金华市,武义县,{ptfe.name_zh}\n"
        f"乙公司,浙江省,金华市,武义县,{ahf.name_en.upper()};pvdf\n"
        "丙公司,浙江省,金华市,武义县,不存在的环节\n",
        encoding="utf-8",
    )
    table, report = read_enterprises(path)
    assert [list(v) for v in table["segments"]] == [["ptfe"], ["ahf", "pvdf"], ["不存在的环节"]]
    assert _codes_by_row(report) == {
        2: {"segment_name"},
        3: {"segment_name"},
        4: {"unknown_segment"},
    }
    assert f"{ptfe.name_zh!r} 读作 / read as 'ptfe'" in report.items[0].message


def test_a_duplicate_with_a_newer_revenue_replaces_the_older_and_differences_are_named(
    tmp_path,
):
    """Two rows of one firm: the later year's revenue wins (the earlier one was kept, a
    tenth of it, lowering the firm's strength), empty fields are filled, and the merged
    row's message names what it changed and which different values were not taken."""
    path = tmp_path / "dup.csv"
    path.write_text(
        "企业名称,行政区划代码,环节,营业收入,营收年份,注册资本\n"
        "甲公司,330802,ptfe,5,2023,1000万元\n"
        "甲公司,330802,electronic_gases,50,2024,2000万元\n"
        "甲公司,330802,pvdf,4,2022,\n",
        encoding="utf-8",
    )
    table, report = read_enterprises(path)
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["revenue"], row["revenue_year"]) == (50.0, 2024)
    assert row["registered_capital"] == 1000.0  # the first row's, named as differing
    assert list(row["segments"]) == ["ptfe", "electronic_gases", "pvdf"]
    messages = {i.row: i.message for i in report.items if i.code == "duplicate"}
    assert messages[3] == (
        "merged into row 2 (same name and region); 营收取本行较新年份 / the newer revenue "
        "(2024) taken; 与首行不同, 保留首行 / differs, row 2 kept: 注册资本"
    )
    assert messages[4] == "merged into row 2 (same name and region)"  # 2022 < 2024: not taken


@pytest.mark.parametrize(
    ("first", "later", "kept", "words"),
    [
        # no figure in the first row: the later pair whole, never 5亿 labelled 2024
        ((None, 2024), (5.0, 2020), (5.0, 2020), ""),
        ((3.0, 2023), (5.0, 2023), (3.0, 2023), "a different revenue, the first row's kept"),
        ((3.0, 2023), (3.0, 2023), (3.0, 2023), ""),
        ((3.0, "2021"), (5.0, 2023), (5.0, 2023), "the newer revenue (2023) taken"),
        ((3.0, 2023.0), (5.0, "2022"), (3.0, 2023.0), ""),  # an earlier year: no word
        ((3.0, None), (5.0, None), (3.0, None), "a different revenue"),
        ((3.0, None), (5.0, 2022), (5.0, 2022), "the newer revenue (2022) taken"),
    ],
)
def test_merged_revenue_is_a_pair_with_its_year(first, later, kept, words):
    from chainmap.model.enterprises import merge_duplicates
    from chainmap.model.report import ImportReport

    rows = [
        {"enterprise_id": "h:1", "source_row": r, "revenue": v, "revenue_year": y, "segments": []}
        for r, (v, y) in ((2, first), (3, later))
    ]
    report = ImportReport(source="t.csv", read=2)
    (merged,) = merge_duplicates(rows, report, {"uscc": "USCC", "name": "企业名称"})
    assert (merged["revenue"], merged["revenue_year"]) == kept
    (item,) = report.items
    assert item.message.startswith("merged into row 2 (same name and region)")
    assert (words in item.message) if words else item.message.endswith("region)")
