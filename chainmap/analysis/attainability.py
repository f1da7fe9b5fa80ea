"""Stage two of the score: how attainable a firm is (strength, affinity, intent).

Every signal sits on a fixed, documented scale (``docs/methods.md``), never on a
percentile among the candidates: a lone candidate is not the strongest because it is
alone, and candidates in other segments cannot move it. A missing signal is scored at
the bottom of its scale, so missing data is never an advantage; the reasons say what
is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CAPITAL_SCALE",
    "CNY",
    "EMPLOYEE_SCALE",
    "EXIT_KINDS",
    "INTENT_NEGATIVE",
    "INTENT_POSITIVE",
    "QUALITY_FLAGS",
    "REVENUE_MAX_AGE",
    "REVENUE_SCALE",
    "RISK_BARRING",
    "RISK_WARNING",
    "STRENGTH_COLUMNS",
    "STRENGTH_WEIGHTS",
    "FirmSignals",
    "affinity",
    "flag_lists",
    "flag_numbers",
    "intent_score",
    "log_scale",
    "match_signals",
    "risk_flags",
    "strength",
    "weights_of",
]

#: Revenue scale, 亿元: 0.1 (1000万元) scores 0, 1000亿元 scores 1, log-linear between.
REVENUE_SCALE = (0.1, 1000.0)
#: Registered capital scale, 万元人民币: 100万 → 0, 100亿 (1e6 万) → 1.
CAPITAL_SCALE = (100.0, 1_000_000.0)
#: Insured staff (参保人数) scale: 10 → 0, 10,000 → 1.
EMPLOYEE_SCALE = (10.0, 10_000.0)
#: A revenue figure counts only when it is at most this many years older than the data year.
REVENUE_MAX_AGE = 2
#: Weights of the strength signals (sum to 1).
STRENGTH_WEIGHTS = {"revenue": 0.4, "capital": 0.2, "employees": 0.2, "listed": 0.1, "quality": 0.1}
#: The columns :func:`strength` reads.
STRENGTH_COLUMNS = (
    "revenue",
    "revenue_year",
    "registered_capital",
    "capital_currency",
    "employees",
    "listed",
    "flags",
)
QUALITY_FLAGS = ("高新技术企业", "专精特新", "小巨人", "单项冠军", "瞪羚")
#: Currencies read as 人民币 (a blank currency with a number is read as 人民币, as registries do).
CNY = ("人民币", "CNY", "RMB", "元", "万元", "")

#: Dated events (the signals table) that raise intent, lower it, or mark an exit.
INTENT_POSITIVE = ("扩产", "募投", "新设子公司", "对外投资", "环评公示", "融资")
INTENT_NEGATIVE = ("亏损",)
EXIT_KINDS = ("停产", "退出")
#: Registry risk flags that bar a firm from targets, and those that only warn.
RISK_BARRING = ("严重违法失信", "失信被执行人")
RISK_WARNING = ("经营异常", "被执行人", "行政处罚", "股权冻结")


def log_scale(values: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    """``log10`` of ``values`` mapped linearly from ``bounds`` to [0, 1]; NaN and ≤ 0 stay NaN.

    >>> log_scale(np.array([0.1, 10.0, 1000.0, 1e6, np.nan]), (0.1, 1000.0)).tolist()
    [0.0, 0.5, 1.0, 1.0, nan]
    """
    lo, hi = (math.log10(b) for b in bounds)
    values = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(values > 0, np.log10(np.where(values > 0, values, 1.0)), np.nan)
    return np.clip((logs - lo) / (hi - lo), 0.0, 1.0)


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)


def _texts(frame: pd.DataFrame, column: str) -> list[str]:
    if column not in frame.columns:
        return [""] * len(frame)
    return ["" if not isinstance(v, str) else v.strip() for v in frame[column].tolist()]


def _per_text(
    frame: pd.DataFrame, column: str, fn: Callable[[str], Any], dtype: type
) -> np.ndarray:
    """``fn`` of each row's :func:`_texts` cell, called once per distinct cell."""
    if column not in frame.columns:
        return np.array([fn("")] * len(frame), dtype=dtype)
    try:
        codes, uniques = pd.factorize(frame[column])
    except TypeError:  # unhashable cells: row by row
        return np.array([fn(t) for t in _texts(frame, column)], dtype=dtype)
    texts = ["" if not isinstance(v, str) else v.strip() for v in uniques]
    return np.array([fn(t) for t in [*texts, ""]], dtype=dtype)[codes]  # -1: missing


def _flag_list(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, (list, tuple, np.ndarray)):
        items = [str(v) for v in value]
    else:
        items = str(value).replace("；", ";").replace("、", ";").split(";")
    return [f.strip() for f in items if f and f.strip()]


def strength(
    frame: pd.DataFrame,
    *,
    data_year: int | None,
    flags: Sequence[list[str]] | None = None,
    flag_numbers: tuple[np.ndarray, Sequence[list[str]]] | None = None,
) -> pd.DataFrame:
    """Strength in [0, 1] per row and its signals on their fixed scales (missing = NaN).

    ``flags``: the rows' :func:`flag_lists`, when the caller has parsed them already;
    or ``flag_numbers``: the rows' :func:`flag_numbers`.

    Columns: ``strength`` (missing signals scored 0), ``s_revenue``, ``s_capital``,
    ``s_employees``, ``s_listed``, ``s_quality``, and ``revenue_stale`` (a revenue figure
    more than :data:`REVENUE_MAX_AGE` years older than ``data_year``, so not counted).

    Examples
    --------
    >>> firms = pd.DataFrame({"revenue": [10.0, None], "revenue_year": [2024, None],
    ...                       "listed": ["600000.SH", None]})
    >>> s = strength(firms, data_year=2024)
    >>> s["s_revenue"].tolist(), s["strength"].round(3).tolist()
    ([0.5, nan], [0.3, 0.0])
    """
    revenue = _numbers(frame, "revenue")
    year = _numbers(frame, "revenue_year")
    stale = np.zeros(len(frame), dtype=bool)
    if data_year is not None:
        stale = ~np.isnan(revenue) & (np.isnan(year) | (year < data_year - REVENUE_MAX_AGE))
    s_rev = log_scale(np.where(stale, np.nan, revenue), REVENUE_SCALE)
    capital = _numbers(frame, "registered_capital")
    cny = _per_text(frame, "capital_currency", lambda c: c in CNY, bool)
    s_cap = log_scale(np.where(cny, capital, np.nan), CAPITAL_SCALE)
    s_emp = log_scale(_numbers(frame, "employees"), EMPLOYEE_SCALE)
    listed = _per_text(frame, "listed", bool, float)
    quality = np.zeros(len(frame))
    if flags is not None and flag_numbers is None:
        if len(flags) != len(frame):
            raise ValueError(f"{len(flags)} flag lists for {len(frame)} rows")
        flag_numbers = _by_object(flags)
    if flag_numbers is not None:  # one test per distinct list
        numbers, lists = flag_numbers
        if len(numbers) != len(frame):
            raise ValueError(f"{len(numbers)} flag numbers for {len(frame)} rows")
        has = [float(any(q in x for x in f for q in QUALITY_FLAGS)) for f in lists]
        quality = np.array(has, dtype=float)[numbers] if len(numbers) else quality
    elif "flags" in frame.columns:  # one parse per distinct cell (registries repeat a few)
        cells = frame["flags"]
        text = (
            cells.map(lambda v: v if isinstance(v, str) else None)
            if cells.dtype == object
            else cells
        )
        if text.notna().sum() == cells.notna().sum():  # text or missing: factorise
            codes, uniques = pd.factorize(text)
            has = [any(q in f for f in _flag_list(v) for q in QUALITY_FLAGS) for v in uniques]
            quality = np.append(np.array(has, dtype=float), 0.0)[codes]
        else:  # lists or other cells
            quality = np.array(
                [any(q in f for f in _flag_list(v) for q in QUALITY_FLAGS) for v in cells.tolist()],
                dtype=float,
            )
    w = STRENGTH_WEIGHTS
    total = (
        w["revenue"] * np.nan_to_num(s_rev)
        + w["capital"] * np.nan_to_num(s_cap)
        + w["employees"] * np.nan_to_num(s_emp)
        + w["listed"] * listed
        + w["quality"] * quality
    )
    return pd.DataFrame(
        {
            "strength": total,
            "s_revenue": s_rev,
            "s_capital": s_cap,
            "s_employees": s_emp,
            "s_listed": listed,
            "s_quality": quality,
            "revenue_stale": stale,
        },
        index=frame.index,
    )


def affinity(
    distance_km: np.ndarray,
    in_zone: np.ndarray,
    tie: np.ndarray,
    *,
    half_life_km: float,
) -> np.ndarray:
    """Affinity in [0, 1]: 1 for an existing tie, else 0.7·0.5^(d/half) + 0.3·zone.

    An unknown distance (a foreign firm without a Chinese site, an unresolved region)
    scores 0: the lowest affinity, never a neutral one.

    >>> affinity(np.array([0.0, 300.0, np.nan]), np.array([1.0, 0.0, 0.0]),
    ...          np.array([False, False, False]), half_life_km=300).tolist()
    [1.0, 0.35, 0.0]
    """
    d = np.asarray(distance_km, dtype=float)
    decay = np.where(np.isnan(d), 0.0, np.power(0.5, np.nan_to_num(d) / half_life_km))
    zone = np.where(np.isnan(d), 0.0, np.asarray(in_zone, dtype=float))
    return np.where(np.asarray(tie, dtype=bool), 1.0, 0.7 * decay + 0.3 * zone)


@dataclass(frozen=True)
class FirmSignals:
    """The dated events of one firm that the score reads (from the signals table)."""

    positive: tuple[tuple[str, str, str], ...] = ()  # (date, kind, note) within the window
    negative: tuple[tuple[str, str, str], ...] = ()
    exit: tuple[str, str, str] | None = None  # the latest 停产/退出 event on or before as_of
    exiting: tuple[str, str, str] | None = None  # a 停产/退出 announced for after as_of


def intent_score(signals: FirmSignals | None) -> float:
    """Intent in [0, 1] from a firm's events (docs/methods.md).

    One positive event in the window gives 0.7, two or more 1.0; a loss (亏损) in the
    window takes 0.4 off. No event: 0 (missing is never an advantage).

    >>> intent_score(FirmSignals(positive=(("2024-05-01", "扩产", ""),)))
    0.7
    >>> intent_score(None)
    0.0
    """
    if signals is None:
        return 0.0
    n = len(signals.positive)
    value = (0.7 if n >= 1 else 0.0) + (0.3 if n >= 2 else 0.0)
    if signals.negative:
        value -= 0.4
    return float(min(1.0, max(0.0, value)))


#: Where a firm is, as a signal's ``region`` is matched against it (:func:`match_signals`).
_PLACE_COLUMNS = ("region_code", "province", "city", "county", "country")

#: The columns :func:`match_signals` reads of the rows a signal names.
SIGNAL_MATCH_COLUMNS = ("enterprise_id", "name", *_PLACE_COLUMNS)


def match_signals(
    frame: pd.DataFrame,
    signals: pd.DataFrame | None,
    *,
    as_of: dt.date | None,
    months: int = 24,
    rows_of: Callable[[np.ndarray], pd.DataFrame] | None = None,
) -> list[FirmSignals | None]:
    """The :class:`FirmSignals` of each row of ``frame`` (None where it has no event).

    ``rows_of(rows)``: the rows of the whole table, when ``frame`` holds only its
    ``enterprise_id`` and ``name`` (the place columns are read only for the rows a signal
    names: ``frame.take`` when None).

    A signal row matches a firm by ``enterprise_id`` when it has one, else by exact
    ``name`` (the ``enterprise`` column), and, when its ``region`` is filled, only a
    firm whose region code, province/city/county names or country contain it.
    Intent and loss events count within ``months`` before ``as_of`` (the data date;
    :func:`chainmap.model.signals.intent_events`); exits follow
    :func:`chainmap.model.signals.exit_status`.
    """
    if signals is None or not len(signals) or as_of is None:
        return [None] * len(frame)
    from chainmap.model import signals as sig

    groups: dict[tuple[str, str], dict[str, list]] = {}
    for kind, table in (
        ("positive", sig.intent_events(signals, as_of=as_of, months=months)),
        (
            "negative",
            sig.events_in_window(signals, as_of=as_of, months=months, kinds=INTENT_NEGATIVE),
        ),
        ("exit", sig.exit_status(signals, as_of=as_of)),
    ):
        for row in table.to_dict(orient="records"):
            eid = row.get("enterprise_id")
            key = eid if isinstance(eid, str) and eid else f"name:{row.get('enterprise')}"
            region = row.get("region") if isinstance(row.get("region"), str) else ""
            if kind == "exit":
                item = (row["exit_date"].isoformat(), row["exit_status"], "")
            else:
                item = (row["date"].isoformat(), str(row["kind"]), str(row.get("note") or ""))
            groups.setdefault((key, region), {}).setdefault(kind, []).append(item)
    by_key: dict[str, list[tuple[str, dict[str, list]]]] = {}
    for (key, region), entry in groups.items():
        by_key.setdefault(key, []).append((region, entry))
    # Only rows whose id or name has an event are looked at (registry tables are long).
    ids = frame["enterprise_id"] if "enterprise_id" in frame else pd.Series([None] * len(frame))
    names = frame["name"] if "name" in frame else pd.Series([None] * len(frame))
    by_name = [k.removeprefix("name:") for k in by_key if k.startswith("name:")]
    wanted = ids.isin(list(by_key)).to_numpy() | names.astype(str).isin(by_name).to_numpy()
    out: list[FirmSignals | None] = [None] * len(frame)
    rows = np.flatnonzero(wanted)
    if not len(rows):
        return out
    sub = frame.take(rows) if rows_of is None else rows_of(rows)
    places = [" ".join(t) for t in zip(*(_texts(sub, c) for c in _PLACE_COLUMNS), strict=True)]
    for i, eid, name, place in zip(
        rows, _texts(sub, "enterprise_id"), _texts(sub, "name"), places, strict=True
    ):
        entries = [e for _, e in by_key.get(eid, [])] + [
            e for region, e in by_key.get(f"name:{name}", []) if _region_matches(region, place)
        ]
        if not entries:
            continue
        pos = sorted(i for e in entries for i in e.get("positive", []))
        neg = sorted(i for e in entries for i in e.get("negative", []))
        exits = sorted(i for e in entries for i in e.get("exit", []))
        exited = next((x for x in exits if x[1] == "exited"), None)
        exiting = next((x for x in exits if x[1] == "exiting"), None)
        out[i] = FirmSignals(tuple(pos), tuple(neg), exited, None if exited else exiting)
    return out


def _region_matches(region: str, place: str) -> bool:
    """A signal's region (``省/市/县`` or a country) against a firm's place names.

    >>> _region_matches("浙江省/金华市/武义县", "330723 浙江 金华 武义县 中国"), _region_matches("日本", "")
    (True, False)
    """
    if not region:
        return True
    parts = [p for p in region.replace("/", " ").split() if p]
    return all(p in place or p.rstrip("省市县区") in place for p in parts)


def risk_flags(value: Any) -> tuple[list[str], list[str]]:
    """(barring, warning) registry risk flags in a ``flags`` cell.

    >>> risk_flags("高新技术企业;风险:经营异常;严重违法失信")
    (['严重违法失信'], ['经营异常'])
    """
    barring, warning = [], []
    for f in _flag_list(value):
        text = f.removeprefix("风险:").removeprefix("风险：")
        if any(b in text for b in RISK_BARRING):
            barring.append(text)
        elif any(w in text for w in RISK_WARNING):
            warning.append(text)
    return barring, warning


def flag_numbers(frame: pd.DataFrame) -> tuple[np.ndarray, list[list[str]]]:
    """:func:`flag_lists` as ``(numbers, lists)``: row i's list is ``lists[numbers[i]]``,
    each distinct cell parsed once (a registry repeats a few dozen cells a million times,
    so what is computed per list is computed per distinct list)."""
    if "flags" not in frame.columns:  # (no flags: one empty list)
        return np.zeros(len(frame), dtype=np.int64), [[]] if len(frame) else []
    if isinstance(frame["flags"].dtype, pd.StringDtype):
        codes, uniques = pd.factorize(frame["flags"], use_na_sentinel=False)  # (in Arrow)
        return codes, [_flag_list(v) for v in uniques.tolist()]
    return _by_object(flag_lists(frame))  # (equal cells share a list)


def _by_object(flags: Sequence[list[str]]) -> tuple[np.ndarray, list[list[str]]]:
    """``flags`` as :func:`flag_numbers` gives them, numbered by list object."""
    ids = np.fromiter(map(id, flags), dtype=np.int64, count=len(flags))
    codes, _ = pd.factorize(ids)
    first = np.unique(codes, return_index=True)[1] if len(codes) else np.array([], np.int64)
    return codes, [flags[i] for i in first.tolist()]


def flag_lists(frame: pd.DataFrame) -> list[list[str]]:
    """The ``flags`` cell of every row as a list of labels (one parse per distinct cell)."""
    if "flags" not in frame.columns:
        return [[] for _ in range(len(frame))]
    if isinstance(frame["flags"].dtype, pd.StringDtype):  # numbered in Arrow: no text objects
        codes, lists = flag_numbers(frame)
        return [lists[k] for k in codes.tolist()]
    cells = frame["flags"].tolist()
    try:
        parsed = {v: _flag_list(v) for v in set(cells)}
    except TypeError:  # unhashable cells: lists, or Parquet's arrays; keyed by their items
        try:
            if set(map(type, cells)) == {np.ndarray}:  # Parquet's list cells (1M: 0.05 s)
                keys = list(map(tuple, map(np.ndarray.tolist, cells)))
            else:
                keys = [tuple(v) if isinstance(v, (list, np.ndarray)) else v for v in cells]
            parsed = {k: _flag_list(list(k) if type(k) is tuple else k) for k in set(keys)}
        except TypeError:  # unhashable items
            return [_flag_list(v) for v in cells]
        return [parsed[k] for k in keys]
    return [parsed[v] for v in cells]


def weights_of(profile: Mapping[str, Any], criteria: tuple[str, ...]) -> np.ndarray:
    """The profile's weights of ``criteria`` as an array."""
    return np.array([float(profile["weights"][c]) for c in criteria])
