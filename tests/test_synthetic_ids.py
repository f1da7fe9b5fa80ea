"""Synthetic identifiers can never be a real firm's (issue #16 §6)."""

from __future__ import annotations

import csv
from pathlib import Path
import re

from stdnum.cn import uscc

from chainmap.model.chain import load_chain
from chainmap.synthetic import synthetic_registry

FIXTURES = Path(__file__).parent / "fixtures"
USCC_LIKE = re.compile(r"\b[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}\b")


def _region_part(code: str) -> str:
    return code[2:8]


def test_fixture_files_with_identifiers_are_named_synthetic():
    for path in FIXTURES.iterdir():
        if path.suffix not in {".csv", ".xlsx"}:
            continue
        if path.suffix == ".csv":
            text = path.read_bytes().decode("utf-8-sig", errors="replace")
            if "_synthetic" not in path.stem:
                text = path.read_bytes().decode("gbk", errors="replace") + text
        else:
            from openpyxl import load_workbook

            sheet = load_workbook(path, read_only=True).active
            text = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row)
        codes = USCC_LIKE.findall(text)
        if codes:
            assert path.stem.endswith("_synthetic"), path.name
        for code in codes:
            assert _region_part(code).startswith("99"), (path.name, code)


def test_gbk_fixture_codes_are_valid_and_synthetic():
    text = (FIXTURES / "registry_gbk_title_synthetic.csv").read_bytes().decode("gbk")
    rows = list(csv.reader(text.splitlines()))
    codes = [row[1] for row in rows[3:] if len(row) > 1 and row[1]]
    assert codes and any(uscc.is_valid(c) for c in codes)
    assert all(_region_part(c).startswith("99") for c in codes)


def test_generated_registry_uses_the_synthetic_prefix():
    table = synthetic_registry(300, load_chain("fluorochem"), seed=3)
    codes = table["uscc"].dropna()
    assert len(codes) and codes.map(uscc.is_valid).any()
    domestic = table.loc[codes.index, "country"] == "中国"
    assert codes[domestic].map(lambda c: _region_part(c).startswith("99")).all()
    # the region part keeps the county's last four digits
    rows = table.loc[codes[domestic].index]
    assert (rows["uscc"].str[4:8] == rows["region_code"].str[2:6]).all()
