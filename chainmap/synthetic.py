"""A seeded SYNTHETIC enterprise registry for benchmarks and scale tests.

Every row is invented and labelled so: names start with ``合成``, ``source`` is
``synthetic``, and written datasets are directories named ``synthetic_*``.
The columns are the canonical enterprise columns of CONTRACTS.md:

- ``region_code``: county-level adcodes of the bundled region table
  (:func:`chainmap.model.regions.regions`), drawn with *synthetic* Zipf-like
  weights over a seeded shuffle of the counties (no sourced density is used);
  about 0.5 % of rows are foreign (no region code, ``country`` 日本/德国/美国), and
  ``home_share`` of the rows sit in ``home`` so that the home region holds some segments.
- ``scope``: registry-style filler clauses, and for ``chain_share`` of the rows
  one or two real keywords of the chain's segments with an operation verb.
- ``uscc``: 18 characters whose region part is ``99`` + the county's last four
  digits (no real adcode starts with 99, so no synthetic code is a real firm's);
  about 80 % carry a valid GB 32100-2015 check digit, 15 % a wrong one, 5 % none. ``enterprise_id`` is the USCC when valid, else
  the ``h:`` hash of :func:`chainmap.model.enterprises.enterprise_id`.
- ``registered_capital`` (万, log-normal), ``capital_currency`` (mostly CNY),
  ``founded`` (1990-2024), ``employees`` (log-normal, 30 % missing),
  ``revenue`` (亿元, 85 % missing) with ``revenue_year`` 2022/2023, ``listed``
  (0.3 %), ``flags`` (5 % quality flags), ``parent`` (2 %), ``status`` with
  about 8 % 注销/吊销 (``active`` False).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from chainmap.model.uscc import ALPHABET, check_characters

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from chainmap.model.chain import Chain

__all__ = [
    "USCC_ALPHABET",
    "synthetic_registry",
    "uscc_check_digits",
    "write_synthetic_registry",
]

#: The 31 characters of a USCC (GB 32100-2015: digits and letters without I O Z S V).
USCC_ALPHABET = ALPHABET

_FILLER = (
    "一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广",
    "货物进出口",
    "技术进出口",
    "日用百货销售",
    "五金产品批发",
    "办公用品销售",
    "信息咨询服务（不含许可类信息咨询服务）",
    "企业管理咨询",
    "普通货物仓储服务（不含危险化学品等需许可审批的项目）",
    "住房租赁",
    "建筑材料销售",
    "服装服饰零售",
    "农副产品销售",
    "餐饮服务",
    "广告设计、代理",
    "软件开发",
    "市场营销策划",
    "会议及展览服务",
)
_VERBS = ("生产", "制造", "研发、生产、销售", "加工", "销售")
_FLAGS = ("高新技术企业", "专精特新", "科技型中小企业", "小巨人")
_FOREIGN = ("日本", "德国", "美国")


def uscc_check_digits(bodies: np.ndarray) -> np.ndarray:
    """Check characters for 17-character USCC bodies (as an array of ``str``).

    Examples
    --------
    >>> uscc_check_digits(np.array(["91330723MA2E1234X"])).tolist()
    ['B']
    """
    return check_characters(bodies.tolist())


def _counties(seed: int) -> tuple[np.ndarray, np.ndarray]:
    from chainmap.model import regions

    table = regions.regions()
    codes = np.array(sorted(table.index[table["level"] == "county"]))
    rng = np.random.default_rng(seed)
    rng.shuffle(codes)
    weights = 1.0 / np.arange(1, len(codes) + 1) ** 0.8  # synthetic Zipf-like weights
    return codes, weights / weights.sum()


def _keywords(chain: Chain) -> list[str]:
    words = []
    for seg in chain.ordered_segments():
        if seg.stage == "application":
            continue
        words.extend([seg.name_zh, *seg.keywords])
    return sorted(set(w for w in words if w))


def synthetic_registry(
    n: int,
    chain: Chain,
    *,
    seed: int = 0,
    start: int = 0,
    chain_share: float = 0.12,
    home: str | None = "330723",
    home_share: float = 0.002,
) -> pd.DataFrame:
    """``n`` SYNTHETIC enterprises (rows ``start`` … ``start + n - 1``) with canonical columns.

    The rows depend only on ``seed`` and their row numbers' block, so a large
    registry can be written block by block.

    Examples
    --------
    >>> from chainmap.model.chain import load_chain
    >>> t = synthetic_registry(200, load_chain("fluorochem"), seed=1)
    >>> len(t), bool(t["name"].str.startswith("合成").all()), set(t["source"])
    (200, True, {'synthetic'})
    """
    import pandas as pd

    from chainmap.model.enterprises import enterprise_id

    rng = np.random.default_rng([seed, start])
    counties, weights = _counties(seed)
    ids = np.arange(start, start + n)
    region = counties[rng.choice(len(counties), size=n, p=weights)].astype(object)
    if home is not None:
        region[rng.random(n) < home_share] = home
    foreign = rng.random(n) < 0.005
    region[foreign] = None
    country = np.where(foreign, np.array(_FOREIGN)[rng.integers(0, 3, n)], "中国")

    keywords = np.array(_keywords(chain), dtype=object)
    has_kw = rng.random(n) < chain_share
    two = rng.random(n) < 0.25
    kw1 = keywords[rng.integers(0, len(keywords), n)]
    kw2 = keywords[rng.integers(0, len(keywords), n)]
    verb = np.array(_VERBS, dtype=object)[rng.integers(0, len(_VERBS), n)]
    fill = np.array(_FILLER, dtype=object)
    f1 = fill[rng.integers(0, len(fill), n)]
    f2 = fill[rng.integers(0, len(fill), n)]
    f3 = fill[rng.integers(0, len(fill), n)]
    scope = [
        (f"{v}{a}" + (f"、{b}" if t else "") + f"；{x}；{y}；{z}" if k else f"{x}；{y}；{z}")
        for k, t, v, a, b, x, y, z in zip(has_kw, two, verb, kw1, kw2, f1, f2, f3, strict=True)
    ]

    names = [f"合成{i:09d}科技有限公司" for i in ids]
    org = rng.integers(0, 31, size=(n, 9))
    alphabet = np.array(list(USCC_ALPHABET))
    # "99" + the county's last four digits: no real adcode starts with 99, so no
    # synthetic USCC can equal a real firm's (issue #16 §6).
    prefix = np.array(
        ["000000" if f else "99" + str(r)[2:] for f, r in zip(foreign, region, strict=True)],
        dtype=object,
    )
    bodies = np.array(
        ["91" + p + "".join(row) for p, row in zip(prefix, alphabet[org].tolist(), strict=True)]
    )
    check = uscc_check_digits(bodies)
    kind = rng.random(n)
    wrong = alphabet[(np.searchsorted(alphabet, check) + 1) % 31]
    uscc = np.where(kind < 0.80, np.char.add(bodies, check), np.char.add(bodies, wrong))
    uscc = uscc.astype(object)
    uscc[kind >= 0.95] = None
    eid = [
        u if k < 0.80 else enterprise_id(None, nm, r)
        for u, k, nm, r in zip(uscc, kind, names, region, strict=True)
    ]

    status_draw = rng.random(n)
    status = np.where(status_draw < 0.05, "注销", np.where(status_draw < 0.08, "吊销", "存续"))
    capital = np.round(np.exp(rng.normal(5.5, 1.6, n)), 2)
    currency = np.where(rng.random(n) < 0.97, "CNY", "USD")
    founded = pd.to_datetime("1990-01-01") + pd.to_timedelta(rng.integers(0, 12784, n), unit="D")
    employees = np.round(np.exp(rng.normal(2.5, 1.3, n)))
    employees[rng.random(n) < 0.30] = np.nan
    revenue = np.round(np.exp(rng.normal(-0.5, 1.5, n)), 3)
    has_rev = rng.random(n) < 0.15
    revenue[~has_rev] = np.nan
    year = np.where(has_rev, np.where(rng.random(n) < 0.7, 2023.0, 2022.0), np.nan)
    listed = np.where(rng.random(n) < 0.003, [f"{600000 + i % 4000}.SH" for i in ids], None)
    flag_draw = rng.random(n)
    flags = np.where(flag_draw < 0.05, np.array(_FLAGS, dtype=object)[rng.integers(0, 4, n)], None)
    parent = np.where(rng.random(n) < 0.02, [f"合成集团{i % 5000:04d}" for i in ids], None)
    names_of = _region_names(region)
    return pd.DataFrame(
        {
            "enterprise_id": eid,
            "uscc": uscc,
            "name": names,
            "legal_rep": "合成法人",
            "status": status,
            "active": status == "存续",
            "country": country,
            "province": [names_of.get(r, (None,) * 3)[0] for r in region],
            "city": [names_of.get(r, (None,) * 3)[1] for r in region],
            "county": [names_of.get(r, (None,) * 3)[2] for r in region],
            "region_code": region,
            "address": [f"合成地址{i}号" for i in ids],
            "scope": scope,
            "registered_capital": capital,
            "capital_currency": currency,
            "founded": founded,
            "employees": employees,
            "revenue": revenue,
            "revenue_year": year,
            "listed": listed,
            "flags": flags,
            "parent": parent,
            "short_name": None,
            "source": "synthetic",
        }
    )


def _region_names(codes: np.ndarray) -> dict[str, tuple[str | None, ...]]:
    """Province, city and county names of each distinct code."""
    from chainmap.model import regions

    out = {}
    for code in set(codes.tolist()) - {None}:
        levels = [regions.ancestor(code, lv) for lv in ("province", "city", "county")]
        out[code] = tuple(regions.region_name(c) if c else None for c in levels)
    return out


def _blocks(n: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, size):
        yield start, min(size, n - start)


def write_synthetic_registry(
    path: str | Path,
    n: int,
    chain: Chain,
    *,
    seed: int = 0,
    rows_per_file: int = 500_000,
    row_group_size: int = 100_000,
    chain_share: float = 0.12,
    home: str | None = "330723",
) -> list[Path]:
    """Write ``n`` SYNTHETIC enterprises as a partitioned Parquet dataset under ``path``.

    One file ``part-NNNNN.parquet`` per ``rows_per_file`` rows, row groups of
    ``row_group_size``; memory stays bounded by one file's rows. Returns the files.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from chainmap.readwrite.atomic import atomic_directory

    root = Path(path)
    names = []
    with atomic_directory(root) as building:  # marked complete, then swapped in
        for i, (start, size) in enumerate(_blocks(n, rows_per_file)):
            frame = synthetic_registry(
                size, chain, seed=seed, start=start, chain_share=chain_share, home=home
            )
            names.append(f"part-{i:05d}.parquet")
            pq.write_table(
                pa.Table.from_pandas(frame, preserve_index=False),
                building / names[-1],
                row_group_size=row_group_size,
            )
    return [root / name for name in names]
