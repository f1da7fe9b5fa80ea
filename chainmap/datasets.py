"""Bundled sample data: sourced enterprise lists for the bundled chains.

``graphs/companies_<chain>.csv`` hold real companies; every row names its sources in
``source_url``, at least one of them a filing, company, government, association or
press page (kinds from ``graphs/source_domains.csv``, see
:func:`chainmap.model.sources.source_kind`), and fields without such a source are
empty (see ``graphs/README.md``). The rows' ``parent`` and ``short_name`` columns
become the canonical ``parent`` and ``short_name``; ``site_basis``, ``products_year``
and ``status_note`` are kept as extra columns. Caveat carried from the data: 三美's
LiPF6 is made at its 福建 subsidiary, so its 武义 row has no ``lipf6``.
"""

from __future__ import annotations

import functools
import io

import pandas as pd

from chainmap.model.catalog import bundled_files, read_text
from chainmap.model.chain import Chain, load_chain

__all__ = ["enterprises"]


@functools.cache
def _all_enterprises() -> pd.DataFrame:
    from chainmap.model.prebuilt import cached_sample

    cached = cached_sample()  # normalised once at build time, if the CSVs are unchanged
    return normalised_sample() if cached is None else cached


def normalised_sample() -> pd.DataFrame:
    """Every bundled sample CSV, normalised and merged (what :func:`enterprises` serves)."""
    from chainmap.model.enterprises import normalise_enterprises  # (not for the prebuilt)

    frames = []
    for name in bundled_files("companies_", ".csv"):
        frame = pd.read_csv(io.StringIO(read_text(name)), dtype=str, keep_default_na=False)
        table, report = normalise_enterprises(frame, source=f"graphs/{name}")
        report.check()
        table["source"] = table["source"].map(lambda s: s or None)
        frames.append(table)
    table = pd.concat(frames, ignore_index=True)
    # The same firm may be listed for several chains: keep the first row per name,
    # with the segments, products and sources of every listing (no source is lost).
    grouped = table.groupby("name", sort=False)
    segments = grouped["segments"].agg(
        lambda lists: list(dict.fromkeys(s for seg in lists for s in seg))
    )
    sources = grouped["source"].agg(lambda v: _union(v, " "))
    products = grouped["products_zh"].agg(lambda v: _union(v, ";"))
    # Keep the listing with the latest revenue figure, so no sourced figure is dropped
    # in favour of a listing that has none (a stable sort keeps file order otherwise).
    year = pd.to_numeric(table["revenue_year"], errors="coerce").fillna(-1)
    table = table.assign(_year=year).sort_values("_year", ascending=False, kind="stable")
    table = table.drop_duplicates("name", keep="first").sort_index().drop(columns="_year")
    table = table.reset_index(drop=True)
    table["segments"] = table["name"].map(segments)
    table["source"] = table["name"].map(sources)
    table["products_zh"] = table["name"].map(products)
    table["segments_source"] = table["segments"].map(lambda s: "tagged" if s else None)
    return table.drop(columns=["source_row"])


def _union(values: pd.Series, sep: str) -> str | None:
    """Join the distinct items of ``sep``-separated cells, in first-seen order."""
    items = [i for v in values if isinstance(v, str) for i in v.split(sep) if i.strip()]
    return sep.join(dict.fromkeys(items)) or None


def enterprises(chain: str | Chain = "fluorochem") -> pd.DataFrame:
    """The bundled sample firms whose segments lie in ``chain`` (every firm for ``"all"``).

    Columns are the canonical enterprise columns (``name`` from ``name_zh``,
    ``listed`` from ``stock_code``, ``revenue`` in 亿元 with ``revenue_year``,
    ``source`` the space-separated source URLs) plus ``name_en`` and ``products_zh``.
    Chinese firms carry the ``region_code`` their location resolves to; foreign
    firms keep their ``country`` and no region code.

    Examples
    --------
    >>> firms = enterprises("fluorochem")
    >>> firms.set_index("name").loc["浙江三美化工股份有限公司", "region_code"]
    '330723'
    >>> sorted(set(firms["segments_source"]))
    ['tagged']
    """
    table = _all_enterprises()
    if isinstance(chain, str) and chain == "all":
        return table.copy()
    loaded = chain if isinstance(chain, Chain) else load_chain(chain)
    ids = set(loaded.segments_by_id)
    keep = table["segments"].map(lambda segs: bool(ids.intersection(segs)))
    return table[keep].reset_index(drop=True)
