"""The sourced policy table: validation, strictness order, and the bundled rows' sources."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import random
from urllib.parse import urlsplit

import pytest

from chainmap.errors import InputError
from chainmap.model.catalog import read_text
from chainmap.model.policy import (
    POLICY_CLASSES,
    POLICY_COLUMNS,
    bundled_segment_ids,
    load_policy,
    segment_policy,
    strictest,
    strictness,
)

# Every host a bundled policy row may cite, with the kind of page it is (docs/policy.md).
# A new host must be judged and added here, or the test fails.
POLICY_SOURCE_HOSTS = {
    "0798ci.com": "reprint quoting the official text verbatim",
    "ehs.cn": "reprint quoting the official text verbatim (EHS law database)",
    "static.chndaqi.com": "reprint quoting the official text verbatim (中国大气网, source 生态环境部)",
    "m.chinaxdsb.com": "reprint quoting the official text verbatim",
}
# Mirrors seen while searching that inject gambling text into government pages: never cite.
BANNED_HOSTS = {"jnjuzhen.com", "fun4hi.com", "shopbettydeesonline.com"}

# (a user's file may leave the optional source_note out: these files do)
HEADER = ",".join(c for c in POLICY_COLUMNS if c != "source_note")
GOOD = "hcfc_refrigerants,banned_new,环大气〔2018〕5号,一,2018-01-26,原料用途除外,https://example.org/a"


def _write(tmp_path, *rows, header=HEADER, name="policy.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return path


# ---------------------------------------------------------------- bundled data


def test_bundled_rows_are_valid_and_sourced():
    policy = load_policy()
    assert len(policy) >= 5
    assert set(policy["class"]) <= set(POLICY_CLASSES)
    assert set(policy["segment_id"]) <= bundled_segment_ids()
    for row in policy.itertuples():
        assert row.sources, row
        for url in row.sources:
            host = urlsplit(url).hostname
            assert host in POLICY_SOURCE_HOSTS, f"unjudged source host {host!r} ({url})"
            assert host not in BANNED_HOSTS
        assert isinstance(row.effective, dt.date)
        assert row.scope_note, "every bundled row says what it bars and what stays allowed"


def test_no_bundled_row_without_source_url():
    raw = list(csv.DictReader(io.StringIO(read_text("policy.csv"))))
    assert raw and all((r["source_url"] or "").strip() for r in raw)
    assert list(raw[0]) == list(POLICY_COLUMNS)


def test_bundled_covers_the_ods_and_hfc_bans():
    gates = segment_policy(load_policy())
    assert gates["hcfc_refrigerants"]["class"] == "banned_new"
    assert gates["hcfc_refrigerants"]["instrument"] == "环大气〔2018〕5号"
    assert "原料" in gates["hcfc_refrigerants"]["note"]  # feedstock use stays allowed
    assert gates["hfc_refrigerants"]["class"] == "banned_new"
    assert gates["hfc_refrigerants"]["effective"] == "2022-01-01"  # first instrument barring it
    assert set(gates["hfc_refrigerants"]) == {"class", "instrument", "effective", "note", "sources"}


def test_bundled_segment_ids_come_from_every_chain():
    ids = bundled_segment_ids()
    # one id from each of three bundled chains, and a shared one
    assert {"hcfc_refrigerants", "li_cathode_lfp", "photoresist", "pvdf"} <= ids


# ---------------------------------------------------------------- strictness


def test_strictness_follows_contracts_order():
    contracts = (
        "eliminated > banned_new > relocation_only > restricted > park_required > encouraged"
    )
    order = contracts.split(" > ")
    assert sorted(order, key=strictness) == order
    with pytest.raises(ValueError):
        strictness("forbidden")


def _reference_strictest(rows):
    """Plain-Python reference: strictest class, then earliest date, then instrument."""
    best = None
    for r in rows:
        if best is None:
            best = r
            continue
        a = (POLICY_CLASSES.index(r["class"]), r["effective"], r["instrument"])
        b = (POLICY_CLASSES.index(best["class"]), best["effective"], best["instrument"])
        if a < b:
            best = r
    return best


def test_strictest_matches_reference_for_every_pair_and_any_order():
    day = dt.date(2020, 1, 1)
    for a, b in itertools.product(POLICY_CLASSES, repeat=2):
        rows = [
            {"class": a, "effective": day, "instrument": "X"},
            {"class": b, "effective": day + dt.timedelta(days=1), "instrument": "Y"},
        ]
        expected = POLICY_CLASSES[min(POLICY_CLASSES.index(a), POLICY_CLASSES.index(b))]
        assert strictest(rows)["class"] == expected
        assert strictest(list(reversed(rows))) == strictest(rows)
    rng = random.Random(7)
    for _ in range(50):
        rows = [
            {
                "class": rng.choice(POLICY_CLASSES),
                "effective": dt.date(2015 + rng.randrange(10), 1 + rng.randrange(12), 1),
                "instrument": rng.choice("ABCD"),
            }
            for _ in range(rng.randrange(1, 6))
        ]
        assert strictest(rows) == _reference_strictest(rows)
        rng.shuffle(rows)
        assert strictest(rows) == _reference_strictest(rows)


def test_strictest_of_nothing_is_none():
    assert strictest([]) is None


def test_load_sorts_strictest_first_per_segment(tmp_path):
    path = _write(
        tmp_path,
        "pvdf,encouraged,目录A,鼓励类,2024-02-01,,https://example.org/1",
        "pvdf,restricted,目录B,限制类,2024-02-01,,https://example.org/2",
        "ahf,park_required,园区C,,2022-03-28,,https://example.org/3",
    )
    policy = load_policy(path)
    assert policy["segment_id"].tolist() == ["ahf", "pvdf", "pvdf"]
    first = policy.groupby("segment_id").head(1)
    assert first["class"].tolist() == ["park_required", "restricted"]
    assert segment_policy(policy)["pvdf"]["instrument"] == "目录B"


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        (GOOD.replace("hcfc_refrigerants", "hcfc_refrigerant"), "segment_id", "hcfc_refrigerants"),
        (GOOD.replace("banned_new", "prohibited"), "class", "prohibited"),
        (GOOD.replace("2018-01-26", "2018-02-30"), "effective", "2018-02-30"),
        (GOOD.replace("2018-01-26", ""), "effective", "date"),
        (GOOD.replace("https://example.org/a", ""), "source_url", "source"),
        (GOOD.replace("https://example.org/a", "网上"), "source_url", "网上"),
        (GOOD.replace("环大气〔2018〕5号", ""), "instrument", "instrument"),
    ],
)
def test_bad_rows_name_file_row_and_column(tmp_path, row, column, words):
    path = _write(tmp_path, GOOD.replace("hcfc_refrigerants", "ahf"), row)
    with pytest.raises(InputError) as info:
        load_policy(path)
    message = str(info.value)
    assert str(path) in message and "row 3" in message and repr(column) in message
    assert words in message
    assert "\n" not in message


def test_duplicate_segment_and_instrument_is_an_error(tmp_path):
    path = _write(tmp_path, GOOD, GOOD.replace("2018-01-26", "2019-01-01"))
    with pytest.raises(InputError, match=r"row 3.*duplicate.*row 2"):
        load_policy(path)


def test_missing_column_is_named(tmp_path):
    path = _write(tmp_path, "hcfc_refrigerants,banned_new", header="segment_id,class")
    with pytest.raises(InputError, match=r"missing column.*instrument"):
        load_policy(path)


def test_segment_ids_can_be_given(tmp_path):
    path = _write(tmp_path, GOOD.replace("hcfc_refrigerants", "my_segment"))
    assert load_policy(path, segment_ids={"my_segment"})["segment_id"].tolist() == ["my_segment"]
    with pytest.raises(InputError, match="unknown segment id 'my_segment'"):
        load_policy(path)


def test_gbk_csv_and_extra_columns_are_read(tmp_path):
    path = _write(tmp_path, GOOD + ",备注", header=HEADER + ",comment", encoding="gb18030")
    policy = load_policy(path)
    assert policy.loc[0, "instrument"] == "环大气〔2018〕5号"
    assert policy.loc[0, "comment"] == "备注"
    assert policy.loc[0, "source_row"] == 2


def test_same_input_same_output(tmp_path):
    rows = [
        GOOD,
        GOOD.replace("环大气〔2018〕5号", "另一文件"),
        "pvdf,encouraged,目录A,,2024-02-01,,https://example.org/1",
    ]
    a = load_policy(_write(tmp_path, *rows, name="a.csv"))
    b = load_policy(_write(tmp_path, *reversed(rows), name="b.csv"))
    cols = [c for c in a.columns if c != "source_row"]
    assert a[cols].to_dict("records") == b[cols].to_dict("records")


def test_how_a_page_was_read_stays_out_of_what_leaders_read():
    """A rule's scope is shown in reasons; the maintainer's remark on the page read (a
    date a reprint does not show) lives in source_note and never reaches a reason."""
    from chainmap import datasets, load_chain
    from chainmap.analysis.gaps import segment_status

    policy = load_policy()
    assert not any("所读" in (n or "") for n in policy["scope_note"])
    assert any("所读" in (n or "") for n in policy["source_note"])
    chain = load_chain("fluorochem")
    status = segment_status(chain, datasets.enterprises(chain), home="330723")
    gated = status[status["policy_gated"]]
    assert len(gated) and not any("所读" in r for r in gated["reason"])
    assert all("(转载)" in r for r in gated["reason"])  # (a reprint is still said)
