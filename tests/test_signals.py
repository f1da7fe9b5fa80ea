"""Enterprise signals: validation, exits and intent against the data date."""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import urlsplit

import pandas as pd
import pytest

from chainmap.errors import InputError
from chainmap.model.catalog import read_text
from chainmap.model.regions import resolve_region
from chainmap.model.signals import (
    EXIT_KINDS,
    INTENT_KINDS,
    SIGNAL_COLUMNS,
    SIGNAL_KINDS,
    exit_status,
    intent_events,
    load_signals,
)

# Every host a bundled signal may cite, with the kind of page it is (docs/policy.md).
SIGNAL_SOURCE_HOSTS = {
    "q.stock.sohu.com": "exchange filing, reprinted verbatim on a stock portal",
    "vip.stock.finance.sina.com.cn": "exchange filing, reprinted verbatim on a stock portal",
    "epaper.cs.com.cn": "filing in 中国证券报, a designated disclosure newspaper",
    "www.chem-t.com": "trade press carrying the company's release (with its PDF)",
    "www.nasdaq.com": "Reuters report (the announcement's date and scope)",
    "www.3m.com": "3M's own page: PFAS manufacturing exited by the end of 2025",
    "chemicals.gov.in": "India's Department of Chemicals and Petrochemicals (HFL's closure)",
    "www.thehindu.com": "The Hindu, reporting the cabinet's closure decision the same day",
}

HEADER = ",".join(SIGNAL_COLUMNS)


def _write(tmp_path, *rows, header=HEADER, name="signals.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _frame(*rows):
    """Signals as load_signals returns them, from (enterprise, region, date, kind)."""
    return pd.DataFrame(
        [
            {
                "enterprise": e,
                "region": r,
                "date": dt.date.fromisoformat(d),
                "kind": k,
                "sources": [f"https://example.org/{i}"],
            }
            for i, (e, r, d, k) in enumerate(rows)
        ]
    )


# ---------------------------------------------------------------- bundled data


def test_bundled_rows_are_valid_and_sourced():
    signals = load_signals()
    assert len(signals) >= 8
    assert set(signals["kind"]) <= set(SIGNAL_KINDS)
    for row in signals.itertuples():
        assert row.sources and row.note
        for url in row.sources:
            host = urlsplit(url).hostname
            assert host in SIGNAL_SOURCE_HOSTS, f"unjudged source host {host!r} ({url})"
    raw = list(csv.DictReader(io.StringIO(read_text("signals_fluorochem.csv"))))
    assert list(raw[0]) == list(SIGNAL_COLUMNS)
    assert all(r["source_url"].strip() for r in raw)


def test_bundled_firms_are_named_and_placed_as_in_the_company_table():
    companies = list(csv.DictReader(io.StringIO(read_text("companies_fluorochem.csv"))))
    by_name = {c["name_zh"]: c for c in companies}
    for row in load_signals().itertuples():
        firm = by_name.get(row.enterprise)
        assert firm is not None, f"{row.enterprise!r} is not a name in companies_fluorochem.csv"
        place = "/".join(p for p in (firm["province"], firm["city"], firm["county"]) if p)
        if firm["country"] == "中国" and not place:  # the table gives no location
            assert row.region is None, row.enterprise
        elif firm["country"] == "中国":
            assert resolve_region(row.region) == resolve_region(place), row.enterprise
        else:
            assert row.region == firm["country"], row.enterprise


def test_bundled_exits_named_in_the_issue():
    # 三井化学's NF3 exit was sourced, but the firm's company row was not (only content-farm
    # copies), so the sample has no 三井化学 and the signals table carries no row for it.
    status = exit_status(load_signals(), as_of="2025-12-01").set_index("enterprise")
    assert status.loc["3M公司", "exit_status"] == "exiting"
    assert status.loc["3M公司", "exit_date"] == dt.date(2025, 12, 31)
    later = exit_status(load_signals(), as_of="2026-06-30").set_index("enterprise")
    assert set(later["exit_status"]) == {"exited"}


# ---------------------------------------------------------------- exit_status


def test_exit_status_announced_planned_and_done():
    signals = _frame(
        ("甲", "日本", "2025-05-26", "退出"),
        ("甲", "日本", "2026-03-31", "停产"),
        ("乙", "浙江/衢州", "2019-06-30", "停产"),
        ("丙", "美国", "2027-01-01", "退出"),  # announced after every data date below
        ("丁", "浙江/衢州", "2024-01-01", "扩产"),
    )
    before = exit_status(signals, as_of="2025-05-25")
    assert before["enterprise"].tolist() == ["乙"]
    mid = exit_status(signals, as_of=dt.date(2025, 5, 26)).set_index("enterprise")
    assert mid.loc["甲", "exit_status"] == "exiting" and mid.loc["甲", "exit_date"] == dt.date(
        2026, 3, 31
    )
    assert mid.loc["乙", "exit_status"] == "exited" and mid.loc["乙", "exit_date"] == dt.date(
        2019, 6, 30
    )
    after = exit_status(signals, as_of="2026-03-31").set_index("enterprise")
    assert after.loc["甲", "exit_status"] == "exited"
    assert "丙" not in after.index and "丁" not in after.index
    assert list(after.columns) == ["region", "exit_status", "exit_date", "sources"]
    assert after.loc["甲", "sources"] == ["https://example.org/0", "https://example.org/1"]


def test_exit_status_keeps_same_name_in_two_regions_apart():
    signals = _frame(
        ("永和", "浙江/衢州", "2024-01-01", "退出"), ("永和", "内蒙古", "2024-01-01", "扩产")
    )
    status = exit_status(signals, as_of="2024-06-30")
    assert status[["enterprise", "region"]].values.tolist() == [["永和", "浙江/衢州"]]


def test_exit_status_uses_enterprise_id_when_given():
    signals = _frame(("甲", None, "2024-01-01", "退出"), ("甲", None, "2024-01-01", "退出"))
    signals["enterprise_id"] = ["91330000AAAAAAAAAA", "91330000BBBBBBBBBB"]
    status = exit_status(signals, as_of="2024-01-01")
    assert sorted(status["enterprise_id"]) == ["91330000AAAAAAAAAA", "91330000BBBBBBBBBB"]
    assert status["region"].isna().all()


def test_exit_status_needs_a_data_date():
    with pytest.raises(InputError, match="as_of"):
        exit_status(_frame(("甲", None, "2024-01-01", "退出")), as_of="soon")


# ---------------------------------------------------------------- intent_events


def test_intent_window_is_the_months_before_the_data_date():
    signals = _frame(
        ("甲", None, "2022-06-30", "扩产"),  # exactly 24 months before: in
        ("乙", None, "2022-06-29", "扩产"),  # one day earlier: out
        ("丙", None, "2024-06-30", "融资"),  # on the data date: in
        ("丁", None, "2024-07-01", "募投"),  # after the data date: not yet known
        ("戊", None, "2024-01-01", "亏损"),  # not an intent kind
        ("己", None, "2024-01-01", "退出"),
    )
    events = intent_events(signals, as_of="2024-06-30")
    assert events["enterprise"].tolist() == ["甲", "丙"]
    assert intent_events(signals, as_of="2024-06-30", months=12)["enterprise"].tolist() == ["丙"]


def test_intent_window_clips_to_month_end():
    signals = _frame(("甲", None, "2023-02-28", "扩产"), ("乙", None, "2023-02-27", "扩产"))
    assert intent_events(signals, as_of="2024-02-29", months=12)["enterprise"].tolist() == ["甲"]


def test_kind_groups_partition_the_vocabulary():
    assert set(INTENT_KINDS) | set(EXIT_KINDS) | {"亏损"} == set(SIGNAL_KINDS)
    assert not set(INTENT_KINDS) & set(EXIT_KINDS)


def test_bundled_intent_depends_on_the_data_date_only():
    signals = load_signals()
    early = intent_events(signals, as_of="2022-12-31")
    assert set(early["enterprise"]) == {  # the two 2021 LiPF6 expansions only
        "浙江三美化工股份有限公司",
        "胜华新材料集团股份有限公司(原山东石大胜华化工集团股份有限公司)",
    }
    assert intent_events(signals, as_of="2020-01-01").empty


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("甲,浙江,2024-01-01,投产,,https://example.org", "kind", "投产"),
        ("甲,浙江,2024-02-30,扩产,,https://example.org", "date", "2024-02-30"),
        ("甲,浙江,,扩产,,https://example.org", "date", "date"),
        ("甲,浙江,2024-01-01,扩产,,", "source_url", "source"),
        (",浙江,2024-01-01,扩产,,https://example.org", "enterprise", "enterprise"),
    ],
)
def test_bad_rows_name_file_row_and_column(tmp_path, row, column, words):
    path = _write(tmp_path, "乙,浙江,2024-01-01,扩产,,https://example.org", row)
    with pytest.raises(InputError) as info:
        load_signals(path)
    message = str(info.value)
    assert str(path) in message and "row 3" in message and repr(column) in message
    assert words in message


def test_missing_column_is_named(tmp_path):
    path = _write(tmp_path, "甲,2024-01-01", header="enterprise,date")
    with pytest.raises(InputError, match=r"missing column.*kind.*source_url"):
        load_signals(path)


def test_user_file_keeps_extra_columns_and_sorts(tmp_path):
    path = _write(
        tmp_path,
        "乙,浙江,2024-01-01,扩产,,https://example.org/2,91330000BBBBBBBBBB",
        "甲,,2023-01-01,融资,,https://example.org/1 https://example.org/3,91330000AAAAAAAAAA",
        header=HEADER + ",enterprise_id",
    )
    signals = load_signals(path)
    assert signals["enterprise"].tolist() == ["乙", "甲"]  # code-point order, not file order
    row = signals.set_index("enterprise").loc["甲"]
    assert row["enterprise_id"] == "91330000AAAAAAAAAA"
    assert row["sources"] == ["https://example.org/1", "https://example.org/3"]
    assert row["date"] == dt.date(2023, 1, 1)


def test_header_only_file_gives_empty_tables_with_their_columns(tmp_path):
    signals = load_signals(_write(tmp_path, header="enterprise,date,kind,source_url"))
    assert signals.empty and list(signals.columns)[:6] == list(SIGNAL_COLUMNS)
    status = exit_status(signals, as_of="2024-01-01")
    assert status.empty and list(status.columns) == [
        "enterprise",
        "region",
        "exit_status",
        "exit_date",
        "sources",
    ]
    assert intent_events(signals, as_of="2024-01-01").empty


def _data_date_by_pandas(signals: pd.DataFrame):
    """The reference: data_date as sort_values and groupby compute it (before the loop)."""
    from chainmap.model.signals import _key_columns

    keys = _key_columns(signals)
    is_exit = signals["kind"].isin(EXIT_KINDS)
    first_exit = (
        signals[is_exit]
        .assign(_o=signals["date"].map(lambda d: d.toordinal()))
        .sort_values([*keys, "_o"])
        .groupby([signals[k].fillna("") for k in keys], sort=False)
        .head(1)
        .index
    )
    facts = signals[~is_exit | signals.index.isin(first_exit)]
    return max(facts["date"]) if len(facts) else None


@pytest.mark.parametrize("with_id", [False, True])
@pytest.mark.parametrize("dtype", ["str", object])
def test_data_date_equals_the_sort_and_groupby_it_replaced(with_id, dtype):
    """Random tables: firms named, blank (None, NaN, ""), by region and id; exits repeated,
    announced after planned dates, on the same day; only exits; no exit."""
    import numpy as np

    from chainmap.model.signals import data_date

    rng = np.random.default_rng(5)
    names = ["甲公司", "乙公司", "Acme", "", None, np.nan]
    regions = ["衢州市", "", None, "武义县"]
    kinds = [*EXIT_KINDS, *INTENT_KINDS[:3], None]
    start = dt.date(2022, 1, 1).toordinal()
    for _ in range(400):
        n = int(rng.integers(1, 12))
        frame = pd.DataFrame(
            {
                "enterprise": pd.Series([names[i] for i in rng.integers(0, 6, n)], dtype=dtype),
                "region": pd.Series([regions[i] for i in rng.integers(0, 4, n)], dtype=dtype),
                "date": [dt.date.fromordinal(start + int(d)) for d in rng.integers(0, 900, n)],
                "kind": [kinds[i] for i in rng.integers(0, len(kinds), n)],
            }
        )
        if with_id:
            ids = ["91330000A", "91330000B", None]
            frame["enterprise_id"] = pd.Series([ids[i] for i in rng.integers(0, 3, n)], dtype=dtype)
        assert data_date(frame) == _data_date_by_pandas(frame), frame
    bundled = load_signals()
    assert data_date(bundled) == _data_date_by_pandas(bundled)
