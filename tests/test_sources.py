"""Every source cited by the bundled company rows is judged by ``graphs/source_domains.csv``."""

from __future__ import annotations

import csv
import io

import pytest

from chainmap.model.catalog import bundled_files, read_text
from chainmap.model.sources import (
    KINDS,
    PRIMARY_KINDS,
    domain_table,
    source_domain,
    source_kind,
)

COMPANY_FILES = bundled_files("companies_", ".csv")


def _rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(read_text(name))))


def _cited() -> list[tuple[str, int, str, str]]:
    """``(file, row number, name, url)`` for every URL of every company row."""
    return [
        (name, number, row["name_zh"], url)
        for name in COMPANY_FILES
        for number, row in enumerate(_rows(name), start=2)
        for url in row["source_url"].split()
    ]


def test_table_is_well_formed():
    rows = list(csv.DictReader(io.StringIO(read_text("source_domains.csv"))))
    assert rows and list(rows[0]) == ["domain", "kind", "note"]
    domains = [r["domain"] for r in rows]
    assert domains == sorted(domains), "keep source_domains.csv sorted by domain"
    assert len(set(domains)) == len(domains), "a domain appears twice"
    for r in rows:
        assert r["kind"] in KINDS, r
        assert r["note"].strip(), f"{r['domain']}: every domain needs a reviewed note"
        assert r["domain"] == r["domain"].lower().strip() and not r["domain"].startswith("www.")


def test_resolution_walks_up_to_the_registrable_domain():
    table = domain_table()
    # a subdomain with its own row wins over its parent's row
    assert source_kind("http://quotes.money.163.com/f10/x.html") == "filing"
    assert source_kind("https://c.m.163.com/news/a/x.html") == "secondary"
    # subdomains of a denied registrable domain are denied too
    assert source_domain("http://news.jizihe.com/page/1.shtml") == "jizihe.com"
    assert table["jizihe.com"][0] == "denied"
    assert source_kind("http://lnmo20101130134838704182.lnmo.com.cn/news_1.html") == "denied"
    # www., case and a trailing dot are ignored; unknown hosts are None
    assert source_kind("https://WWW.SEC.GOV./Archives/x.htm") == "filing"
    assert source_kind("https://unknown.example/x") is None
    assert source_kind("not a url") is None


def test_known_spam_domains_are_denied():
    for url in ("http://ziboxinyan.com/bgdown/1.html", "http://kedejs.com/x/1.html"):
        assert source_kind(url) == "denied", url


def test_every_cited_domain_is_in_the_table():
    unknown = [f"{f}:{n} {name}: {url}" for f, n, name, url in _cited() if source_kind(url) is None]
    assert not unknown, "add these domains to graphs/source_domains.csv:\n" + "\n".join(unknown)


def test_no_company_row_cites_a_denied_domain():
    denied = [
        f"{f}:{n} {name}: {url}" for f, n, name, url in _cited() if source_kind(url) == "denied"
    ]
    assert not denied, "\n".join(denied)


def test_catalogue_sources_cite_reviewed_domains():
    """The URLs in scope_catalog.csv's ``source`` column are on reviewed, allowed domains."""
    urls = [
        word.rstrip(",;)")
        for row in _rows("scope_catalog.csv")
        for word in row["source"].split()
        if word.startswith(("http://", "https://"))
    ]
    assert urls
    assert all(source_kind(u) not in (None, "denied") for u in urls), sorted(set(urls))


@pytest.mark.parametrize("name", COMPANY_FILES)
def test_every_company_row_has_a_primary_source(name):
    weak = [
        f"{name}:{number} {row['name_zh']}"
        for number, row in enumerate(_rows(name), start=2)
        if not {source_kind(u) for u in row["source_url"].split()} & PRIMARY_KINDS
    ]
    assert not weak, (
        "rows without a filing/company/government/association/press source: " + ", ".join(weak)
    )


def test_the_company_files_are_not_empty():
    assert COMPANY_FILES and all(_rows(name) for name in COMPANY_FILES)


def test_readme_reports_the_current_counts_by_source_kind():
    # graphs/README.md states the number of company rows (by strongest source) and links by kind
    from collections import Counter
    from pathlib import Path
    import re

    readme = (Path(__file__).resolve().parents[1] / "graphs" / "README.md").read_text("utf-8")
    stated = {
        m[1]: (int(m[2]), int(m[3]))
        for m in re.finditer(r"^\| `(\w+)` \| (\d+) \| (\d+) \|$", readme, flags=re.MULTILINE)
    }
    rows: Counter[str] = Counter()
    links: Counter[str] = Counter()
    for _name, _number, _firm, url in _cited():
        links[source_kind(url)] += 1
    for name in COMPANY_FILES:
        for row in _rows(name):
            kinds = [source_kind(u) for u in row["source_url"].split()]
            rows[min(kinds, key=KINDS.index)] += 1
    assert stated == {k: (rows[k], links[k]) for k in KINDS}


TABLES = {
    "policy.csv": lambda r: f"{r['segment_id']} | {r['instrument']}",
    "signals_fluorochem.csv": lambda r: f"{r['enterprise']} | {r['date']} | {r['kind']}",
}


def _table_rows():
    """``(file, key, urls)`` of every policy and signal row."""
    for name, key in TABLES.items():
        for row in _rows(name):
            yield name, key(row), row["source_url"].split()


def test_policy_and_signal_sources_are_reviewed_and_never_denied():
    unknown = [(f, k, u) for f, k, urls in _table_rows() for u in urls if source_kind(u) is None]
    assert not unknown, f"add these domains to graphs/source_domains.csv: {unknown}"
    denied = [(f, k, u) for f, k, urls in _table_rows() for u in urls if source_kind(u) == "denied"]
    assert not denied, denied


def test_policy_and_signal_rows_without_a_primary_source_are_listed_and_only_shrink():
    """The policy gates' notices are cited from full-text reprints: the ministry's own pages
    were not reachable. They stay (dropping a gate would rank banned capacity) and are
    listed in ``sources/tables_awaiting_primary_source.csv``; a new row may not join."""
    lacking = {
        (f, k) for f, k, urls in _table_rows() if not {source_kind(u) for u in urls} & PRIMARY_KINDS
    }
    listed = {(r["file"], r["key"]) for r in _rows("sources/tables_awaiting_primary_source.csv")}
    assert lacking - listed == set(), "a new or changed row needs a primary source"
    assert listed - lacking == set(), "these rows now have a primary source: drop them"
    assert {f for f, _ in listed} <= {"policy.csv"}  # every signal has a primary source
