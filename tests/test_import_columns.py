"""The column-by-column import equals the row-by-row reference, cell for cell and item for item.

``normalise_enterprises(method="rows")`` is the plain-Python reference (one row at
a time, every cell through the general parsers); the default ``"columns"`` path
parses whole columns with shortcuts for the usual spellings and checks USCCs as
one numpy array. Compared here on every enterprise fixture, the hostile corpus,
hand-made typed frames and a synthetic export with every kind of problem; the
array USCC check is compared with python-stdnum on over 100,000 codes.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from stdnum.cn import uscc as stdnum_uscc

from chainmap.errors import InputError
from chainmap.model.enterprises import normalise_enterprises, read_enterprises
from chainmap.model.uscc import ALPHABET, check_characters, clean_uscc, valid_usccs
from chainmap.readwrite.reader import read_table

FIXTURES = Path(__file__).parent / "fixtures"
GRAPHS = Path(__file__).parent.parent / "graphs"
TABLES = sorted(
    p
    for p in [
        *FIXTURES.glob("*"),
        *(FIXTURES / "hostile").glob("ent_*"),
        *GRAPHS.glob("companies_*"),
    ]
    if p.suffix in (".csv", ".xlsx", ".parquet")
)


def _same_cell(a: object, b: object) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same_cell(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def _assert_same(frame: pd.DataFrame, **kwargs) -> tuple[pd.DataFrame, object]:
    results = []
    for method in ("rows", "columns"):
        try:
            results.append(normalise_enterprises(frame, method=method, **kwargs))
        except InputError as exc:
            results.append(str(exc))
    ref, fast = results
    if isinstance(ref, str) or isinstance(fast, str):
        assert ref == fast
        return ref, None
    (t_ref, r_ref), (t_fast, r_fast) = ref, fast
    _assert_frames_same(t_ref, t_fast)
    assert r_fast.items == r_ref.items
    assert (r_fast.read, r_fast.notes) == (r_ref.read, r_ref.notes)
    return t_fast, r_fast


def _assert_frames_same(t_ref: pd.DataFrame, t_fast: pd.DataFrame) -> None:
    assert list(t_fast.columns) == list(t_ref.columns)
    assert list(t_fast.dtypes) == list(t_ref.dtypes)
    assert len(t_fast) == len(t_ref)
    for column in t_ref.columns:
        pairs = zip(t_ref[column].tolist(), t_fast[column].tolist(), strict=True)
        bad = [(k, a, b) for k, (a, b) in enumerate(pairs) if not _same_cell(a, b)]
        assert not bad, f"{column}: {bad[:3]}"


@pytest.mark.parametrize("path", TABLES, ids=lambda p: p.name)
@pytest.mark.parametrize("strict", [False, True])
def test_every_fixture_imports_as_the_reference(path, strict):
    try:
        frame = read_table(path)
    except (InputError, OSError):
        pytest.skip("not a readable table (the reader's own tests cover it)")
    _assert_same(frame, source=path.name, strict=strict)


@pytest.mark.parametrize("path", TABLES, ids=lambda p: p.name)
def test_read_enterprises_reads_as_the_reference(path):
    """The import reads the parser's cells as they are; the reference reads text cells."""
    try:
        frame = read_table(path)
    except (InputError, OSError):
        pytest.skip("not a readable table (the reader's own tests cover it)")
    try:
        table, report = read_enterprises(path)
    except InputError as exc:
        with pytest.raises(InputError) as ref:
            normalise_enterprises(frame, source=str(path), method="rows")
        assert str(ref.value) == str(exc)
        return
    ref_table, ref_report = normalise_enterprises(frame, source=str(path), method="rows")
    _assert_frames_same(ref_table, table)
    assert report.items == ref_report.items and report.notes == ref_report.notes


def test_typed_cells_import_as_the_reference():
    """Cells that are not text (Excel numbers and dates, Parquet lists, NaN, pd.NA)."""
    frame = pd.DataFrame(
        {
            "企业名称": ["甲公司", "乙公司", "丙公司", " ", "丁公司", "甲公司"],
            "统一社会信用代码": [
                "91110000600037341L",
                911100006000373.0,
                None,
                None,
                "９１１１００００６０００３７３４１Ｌ",
                "91110000600037341L",
            ],
            "注册资本(万元)": [100, 2.5, float("nan"), None, "1.2亿美元", "-3"],
            "成立日期": [
                dt.date(2001, 3, 5),
                pd.Timestamp("2010-01-02"),
                45356,
                None,
                "x",
                "1700-01-01",
            ],
            "参保人数": [3, -4, 2.5, None, "1,200 人", "1e400"],
            "所属区县": ["武义县", "朝阳区", pd.NA, None, "武义", "武义县"],
            "环节": [["pvdf", "AHF"], None, "ptfe；未知", None, "PVDF", "pvdf"],
            "登记状态": ["存续", "注销", None, None, "吊销", "存续"],
            "经营异常": ["是", 0, "否", None, 3, "2024-01-01"],
            "备注": [1, None, " ", None, "x", 2.0],
        }
    )
    table, report = _assert_same(frame)
    # the blank row is skipped; 丁 (the same code in full width) and the second 甲 merge into 甲
    assert table["name"].tolist() == ["甲公司", "乙公司", "丙公司"]
    assert {i.code for i in report.items} >= {"duplicate", "inactive", "bad_number"}


def test_unnamed_rows_with_list_cells_only_are_rejected_as_the_reference():
    # A Parquet list cell (array) is never blank: the row is a row without a name, not a
    # blank one, even when the list is empty; a row of None alone is blank.
    frame = pd.DataFrame(
        {
            "企业名称": ["甲公司", None, None, None, None],
            "环节": [
                np.array(["pvdf"], dtype=object),
                np.array(["ahf"], dtype=object),
                np.array([], dtype=object),
                None,
                None,
            ],
            "标签": [None, None, None, ["专精特新"], None],
        }
    )
    table, report = _assert_same(frame, mapping={"环节": "segments", "标签": "flags"})
    assert table["name"].tolist() == ["甲公司"]
    assert [i.code for i in report.items if i.severity == "rejected"] == ["missing_name"] * 3
    assert report.read == 4  # the row of None alone is blank, not read


def test_a_synthetic_export_with_every_problem_imports_as_the_reference():
    rng = np.random.default_rng(7)
    n = 3000
    bodies = [
        "9133" + "".join(rng.choice(list("0123456789"), 4)) + "".join(rng.choice(list(ALPHABET), 9))
        for _ in range(n)
    ]
    codes = [b + c for b, c in zip(bodies, check_characters(bodies).tolist(), strict=True)]
    kind = rng.random(n)
    uscc = [
        None if k < 0.05 else (c[:-1] + "0" if k < 0.1 else (c.lower() if k < 0.12 else c))
        for c, k in zip(codes, kind, strict=True)
    ]
    uscc[10] = uscc[11]  # a duplicate pair
    names = [f"示例{i % 2500}新材料有限公司" for i in range(n)]  # duplicate names, no USCC
    places = [
        ("浙江省", "金华市", "武义县", None),
        ("浙江", "金华", None, None),
        (None, None, None, "浙江省金华市武义县白洋街道1号"),
        ("浙江省", "金华市", "不存在县", "浙江省金华市武义县某路"),
        ("浙江省", "金华市", "不存在县", None),
        (None, None, "朝阳区", None),
        (None, None, None, None),
    ]
    where = [places[i] for i in rng.integers(0, len(places), n)]
    capital = ["1234.56万人民币", "500万元", "2亿美元", "300", "500000元", "-100万", "—", "", "abc"]
    dates = ["2001-03-05", "2001/3/5", "2001年3月5日", "20010305", "2001-02-30", "9999-12-31", ""]
    numbers = ["35", "1,200", "—", "-3", "", "x", "1" * 20]
    frame = pd.DataFrame(
        {
            "企业名称": [None if i % 97 == 0 else nm for i, nm in enumerate(names)],
            "统一社会信用代码": uscc,
            "登记状态": rng.choice(["存续", "在业", "注销", "吊销，未注销", ""], n),
            "国家": rng.choice(["", "中国", "日本"], n, p=[0.8, 0.1, 0.1]),
            "所属省份": [w[0] for w in where],
            "所属城市": [w[1] for w in where],
            "所属区县": [w[2] for w in where],
            "企业地址": [w[3] for w in where],
            "注册资本": rng.choice(capital, n),
            "实缴资本": rng.choice(capital, n),
            "成立日期": rng.choice(dates, n),
            "参保人数": rng.choice(numbers, n),
            "营业收入": rng.choice(numbers, n),
            "环节": rng.choice(["", "pvdf", "PVDF；ahf", "nev_bms", "未知环节"], n),
            "标签": rng.choice(["", "高新技术企业", "专精特新；高新技术企业"], n),
            "失信被执行人": rng.choice(["", "否", "是", "2"], n),
            "备注": rng.choice(["", " ", "备注"], n),
        }
    ).astype(object)
    frame.attrs["overlong_rows"] = {40: 19}
    for strict in (False, True):
        _table, report = _assert_same(frame, strict=strict)
        codes_seen = {i.code for i in report.items}
        assert {"duplicate", "invalid_uscc", "missing_name", "too_many_fields"} <= codes_seen
        assert {"region_from_address", "region_partial", "bad_capital", "bad_date"} <= codes_seen
        assert report.read == report.kept + report.rejected == len(frame)


def _codes(n: int, seed: int) -> list[str]:
    """Valid codes, codes with a wrong check character, and codes written the ways people do."""
    rng = np.random.default_rng(seed)
    heads = rng.choice(list("0123456789"), (n, 8))
    tails = rng.choice(list(ALPHABET + "IOSVZ"), (n, 9), p=[0.9 / 31] * 31 + [0.02] * 5)
    bodies = ["".join(h) + "".join(t) for h, t in zip(heads, tails, strict=True)]
    fine = [b for b in bodies if all(c in ALPHABET for c in b)]
    checks = dict(zip(fine, check_characters(fine).tolist(), strict=True))
    out = []
    for k, body in enumerate(bodies):
        last = checks.get(body) or ALPHABET[k % 31]
        code = body + (last if k % 3 else ALPHABET[(ALPHABET.index(last) + 1 + k % 30) % 31])
        variant = k % 50
        if variant == 1:
            code = code.lower()
        elif variant == 2:
            code = f"{code[:6]} {code[6:12]}-{code[12:]}"
        elif variant == 3:
            code = code[:17]
        elif variant == 4:
            code = code + "0"
        elif variant == 5:
            code = "".join(chr(ord(c) + 0xFEE0) for c in code)  # full-width
        elif variant == 6:
            code = code[:8] + "\u2013" + code[8:]  # an en dash, which stdnum folds
        out.append(code)
    return out


def test_array_check_agrees_with_python_stdnum_on_120k_codes():
    codes = _codes(120_000, seed=1)
    ours = valid_usccs(codes).tolist()
    theirs = [bool(stdnum_uscc.is_valid(c)) for c in codes]
    assert ours == theirs
    assert 20_000 < sum(theirs) < 100_000  # both answers are well represented
    cleaned = [clean_uscc(c) for c in codes]
    assert valid_usccs(cleaned).tolist() == [
        c is not None and bool(stdnum_uscc.is_valid(c)) for c in cleaned
    ]


def test_check_characters_agree_with_python_stdnum():
    bodies = [c[:17] for c in _codes(12_000, seed=2) if len(c) == 18 and c.isalnum()]
    bodies = [b for b in bodies if all(ch in ALPHABET for ch in b)]
    assert len(bodies) > 3_000
    assert check_characters(bodies).tolist() == [stdnum_uscc.calc_check_digit(b) for b in bodies]
    assert valid_usccs([None, ""]).tolist() == [False, False]


def test_repeated_bad_cells_are_reported_on_every_row():
    """Dates, capitals and head counts are parsed once per distinct cell; a bad cell that
    repeats is still reported on each of its rows, as the reference reports it."""
    frame = pd.DataFrame(
        {
            "企业名称": [f"甲{i}公司" for i in range(6)],
            "成立日期": [
                "2020-13-45",
                "2001-02-03",
                "2020-13-45",
                " 2020-13-45",
                None,
                "2001-02-03",
            ],
            "注册资本": ["很多", "500万元", "很多", "500万元", "很多", 12.5],
            "参保人数": ["十", "10", "十", "-3", "-3", "10"],
        }
    )
    table, report = _assert_same(frame)
    codes = [(item.row, item.code) for item in report.items]
    assert codes.count((2, "bad_date")) == codes.count((4, "bad_date")) == 1
    assert sum(code == "bad_date" for _, code in codes) == 3
    assert sum(code == "bad_capital" for _, code in codes) == 3
    assert table["founded"].tolist()[1] == table["founded"].tolist()[5] == dt.date(2001, 2, 3)
