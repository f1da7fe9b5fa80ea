"""The kind of a cited source, from the reviewed table ``graphs/source_domains.csv``.

Every URL cited by the bundled data resolves, by its host name, to one row of the
table (``domain, kind, note``). The most specific row wins: ``vip.stock.finance.sina.com.cn``
is looked up first as itself, then as ``stock.finance.sina.com.cn``, ``finance.sina.com.cn``
and so on down to the registrable domain, so a row for a registrable domain covers its
subdomains unless a subdomain has its own row. A leading ``www.`` and a trailing dot are
ignored. Kinds:

``filing``
    exchange disclosure (cninfo, SSE, SZSE, BSE, HKEXnews, EDGAR) or a page carrying
    the full text of one (designated disclosure newspapers, portal announcement mirrors)
``company``, ``government``, ``association``
    the firm's own site, a government page, an industry association
``press``
    a reputable newspaper, news agency or trade journal
``secondary``
    aggregators, forums, encyclopedias, blogs: never enough on their own
``denied``
    SEO, gambling, sex-service and content-farm sites: never cited
"""

from __future__ import annotations

import csv
import functools
import io
from urllib.parse import urlsplit

from chainmap.model.catalog import read_text

__all__ = ["KINDS", "PRIMARY_KINDS", "domain_table", "source_domain", "source_kind"]

#: Every kind of ``graphs/source_domains.csv``, strongest first.
KINDS = ("filing", "company", "government", "association", "press", "secondary", "denied")
#: Kinds that can carry a fact alone (``press`` only where no other exists).
PRIMARY_KINDS = frozenset(KINDS[:5])


@functools.cache
def domain_table() -> dict[str, tuple[str, str]]:
    """``domain -> (kind, note)`` from the bundled ``source_domains.csv``."""
    table: dict[str, tuple[str, str]] = {}
    reader = csv.DictReader(io.StringIO(read_text("source_domains.csv")))
    for row in reader:
        table[_host(row["domain"])] = (row["kind"], row["note"])
    return table


def _host(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def source_domain(url: str) -> str | None:
    """The table row ``url`` resolves to (the most specific matching domain), or ``None``.

    >>> source_domain("http://news.jizihe.com/page/1.shtml")
    'jizihe.com'
    >>> source_domain("https://www.sec.gov/Archives/x.htm")
    'sec.gov'
    >>> source_domain("https://unknown.example/") is None
    True
    """
    host = _host(urlsplit(url.strip()).hostname or "")
    table = domain_table()
    labels = host.split(".")
    for start in range(len(labels) - 1):
        candidate = ".".join(labels[start:])
        if candidate in table:
            return candidate
    return None


def source_kind(url: str) -> str | None:
    """The reviewed kind of the site ``url`` is on, or ``None`` when it is not in the table.

    >>> source_kind("http://ziboxinyan.com/bgdown/1.html")
    'denied'
    >>> source_kind("https://cen.acs.org/articles/x")
    'press'
    """
    domain = source_domain(url)
    return None if domain is None else domain_table()[domain][0]
