"""Dated, sourced events per enterprise: investment intent and exits.

A signals table has the columns ``enterprise, region, date, kind, note,
source_url`` (and optionally ``enterprise_id``); ``kind`` is one of
:data:`SIGNAL_KINDS`. The bundled ``graphs/signals_fluorochem.csv`` names firms
exactly as ``graphs/companies_fluorochem.csv`` does; ``region`` is
``省/市/县`` for Chinese firms and the country for foreign ones.

Two pure functions read it, always against the **data date** ``as_of`` (never
the clock):

- :func:`intent_events`: the positive events (:data:`INTENT_KINDS`) of the
  ``months`` before ``as_of``;
- :func:`exit_status`: ``exiting`` / ``exited`` with a date, from
  ``停产`` / ``退出`` rows. An exit row dated after ``as_of`` is a *planned* date
  (for example "production stops at the end of March 2026"); it counts only when
  the same firm has an exit row (the announcement) on or before ``as_of``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from chainmap.errors import InputError
from chainmap.model.values import parse_date

__all__ = [
    "EXIT_KINDS",
    "INTENT_KINDS",
    "SIGNAL_COLUMNS",
    "SIGNAL_KINDS",
    "data_date",
    "events_in_window",
    "exit_status",
    "intent_events",
    "load_signals",
]

#: Event kinds a signals table may use (issue #17).
SIGNAL_KINDS: tuple[str, ...] = (
    "扩产",
    "募投",
    "新设子公司",
    "对外投资",
    "环评公示",
    "融资",
    "停产",
    "退出",
    "亏损",
)
#: Kinds that show intent to invest (raise ``intent``).
INTENT_KINDS: tuple[str, ...] = ("扩产", "募投", "新设子公司", "对外投资", "环评公示", "融资")
#: Kinds that fill ``exit_status``.
EXIT_KINDS: tuple[str, ...] = ("停产", "退出")

#: Columns of a signals table, in file order.
SIGNAL_COLUMNS: tuple[str, ...] = ("enterprise", "region", "date", "kind", "note", "source_url")

_REQUIRED = ("enterprise", "date", "kind", "source_url")
_BUNDLED = "signals_fluorochem.csv"


def load_signals(path: str | Path | None = None) -> pd.DataFrame:
    """Load and validate a signals table (the bundled fluorochem signals by default).

    Every row needs an enterprise, a valid ``date``, a ``kind`` of
    :data:`SIGNAL_KINDS` and a ``source_url``; otherwise an :class:`InputError`
    names the file, row and column. ``date`` becomes a :class:`datetime.date`,
    ``sources`` the list of URLs. Extra columns (``enterprise_id`` …) are kept.
    Rows are sorted by enterprise, region, date and kind.

    Examples
    --------
    >>> signals = load_signals()
    >>> set(signals["kind"]) <= set(SIGNAL_KINDS)
    True
    """
    if path is None:  # the bundled table, validated at build time
        from chainmap.model.prebuilt import cached_table

        cached = cached_table("signals")
        if cached is not None:
            return cached
    # (the sheet readers only for a table read afresh: 10 ms of imports a bundled run skips)
    from chainmap.model.sourced import finish_record, iter_rows, read_sourced_table, sourced_frame

    frame, label, first = read_sourced_table(path, bundled=_BUNDLED, required=_REQUIRED)
    records = []
    for row, rec in iter_rows(frame, first):
        if not rec.get("enterprise"):
            raise InputError(
                "缺少企业名称 / empty enterprise", file=label, row=row, column="enterprise"
            )
        kind = rec.get("kind")
        if kind not in SIGNAL_KINDS:
            raise InputError(
                f"未知事件类型 / unknown kind {kind!r}",
                file=label,
                row=row,
                column="kind",
                hint="one of " + "/".join(SIGNAL_KINDS),
            )
        records.append(finish_record(rec, file=label, row=row, date_column="date"))
    table = sourced_frame(records, SIGNAL_COLUMNS, list(frame.columns))
    if table.empty:
        return table
    keyed = table.assign(_region=table["region"].fillna(""), _date=table["date"].map(_ordinal))
    keyed = keyed.sort_values(["enterprise", "_region", "_date", "kind"], kind="stable")
    return keyed.drop(columns=["_region", "_date"]).reset_index(drop=True)


def _ordinal(date: dt.date) -> int:
    return date.toordinal()


def _as_of(value: object) -> dt.date:
    try:
        date = parse_date(value)
    except (ValueError, OverflowError):
        date = None
    if date is None:
        raise InputError(f"数据日期无效 / invalid data date as_of={value!r}", hint="use YYYY-MM-DD")
    return date


def _months_before(date: dt.date, months: int) -> dt.date:
    """``date`` minus whole calendar months, the day clipped to the month's end."""
    if months < 0:
        raise ValueError("months must be >= 0")
    total = date.year * 12 + (date.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    next_first = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_first - dt.timedelta(days=1)).day
    return dt.date(year, month, min(date.day, last_day))


def _key_columns(signals: pd.DataFrame) -> list[str]:
    return ["enterprise", "region", *(["enterprise_id"] if "enterprise_id" in signals else [])]


def data_date(signals: pd.DataFrame) -> dt.date | None:
    """The data date of a signals table: its latest dated fact, planned exit dates excluded.

    A firm's first ``停产``/``退出`` row is the announcement; its later exit rows are the
    planned dates it announced, which are not facts known on those dates.

    >>> rows = pd.DataFrame({"enterprise": ["甲", "甲", "乙"], "region": [None] * 3,
    ...     "date": [dt.date(2025, 5, 26), dt.date(2026, 3, 31), dt.date(2024, 1, 1)],
    ...     "kind": ["退出", "停产", "扩产"]})
    >>> data_date(rows)
    datetime.date(2025, 5, 26)
    """
    if signals is None or signals.empty:
        return None
    keys = _key_columns(signals)
    is_exit = signals["kind"].isin(EXIT_KINDS).to_numpy(dtype=bool)
    dates = signals["date"].tolist()
    facts = [d for d, x in zip(dates, is_exit.tolist(), strict=True) if not x]
    # Each firm's first exit row: the earliest date, a blank key part counting as "" for
    # the firm (as a groupby of the keys filled with "") and sorting after a filled one
    # (as sort_values puts missing values last). A table of signals is a few hundred
    # rows: a loop, where sort_values and groupby took 4 ms for nine.
    first: dict[tuple, tuple] = {}
    at = np.flatnonzero(is_exit).tolist()
    columns = [signals[k].take(at).tolist() for k in keys]
    for parts, i in zip(zip(*columns, strict=True), at, strict=True):
        blank = [p is None or p is pd.NA or (isinstance(p, float) and p != p) for p in parts]
        firm = tuple("" if b else p for p, b in zip(parts, blank, strict=True))
        order = (tuple(zip(blank, firm, strict=True)), _ordinal(dates[i]))
        if firm not in first or order < first[firm][0]:
            first[firm] = (order, dates[i])
    facts += [date for _, date in first.values()]
    return max(facts) if facts else None


def events_in_window(
    signals: pd.DataFrame, *, as_of: object, months: int = 24, kinds: tuple[str, ...]
) -> pd.DataFrame:
    """The events of ``kinds`` dated within ``[as_of - months, as_of]``, both ends included.

    >>> rows = pd.DataFrame({"enterprise": ["甲"], "region": [None],
    ...     "date": [dt.date(2024, 6, 1)], "kind": ["亏损"]})
    >>> len(events_in_window(rows, as_of="2024-12-31", kinds=("亏损",)))
    1
    """
    end = _as_of(as_of)
    start = _months_before(end, months)
    keep = signals["kind"].isin(kinds) & signals["date"].map(lambda d: start <= d <= end)
    return signals[keep].reset_index(drop=True)


def intent_events(signals: pd.DataFrame, *, as_of: object, months: int = 24) -> pd.DataFrame:
    """The intent events (:data:`INTENT_KINDS`) dated within ``months`` before ``as_of``.

    The window is ``[as_of - months, as_of]``, both ends included; events after
    the data date are not yet known and never count.

    Examples
    --------
    >>> rows = pd.DataFrame({"enterprise": ["甲", "甲", "乙"], "region": [None] * 3,
    ...     "date": [dt.date(2022, 1, 1), dt.date(2024, 6, 1), dt.date(2024, 7, 1)],
    ...     "kind": ["扩产", "融资", "亏损"]})
    >>> intent_events(rows, as_of="2024-12-31")[["enterprise", "kind"]].values.tolist()
    [['甲', '融资']]
    """
    return events_in_window(signals, as_of=as_of, months=months, kinds=INTENT_KINDS)


def exit_status(signals: pd.DataFrame, *, as_of: object) -> pd.DataFrame:
    """Per enterprise with a known exit at ``as_of``: ``exit_status``, ``exit_date``, sources.

    A firm is known to exit when it has a ``停产``/``退出`` row dated on or before
    ``as_of``. Its ``exit_date`` is the latest of its exit rows, planned dates
    included; ``exit_status`` is ``exiting`` while that date is after ``as_of``
    and ``exited`` from then on. Columns: the key (``enterprise``, ``region`` and
    ``enterprise_id`` when present), ``exit_status``, ``exit_date``, ``sources``.

    Examples
    --------
    >>> rows = pd.DataFrame({"enterprise": ["甲", "甲"], "region": ["日本", "日本"],
    ...     "date": [dt.date(2025, 5, 26), dt.date(2026, 3, 31)], "kind": ["退出", "停产"],
    ...     "sources": [["https://a"], ["https://a"]]})
    >>> exit_status(rows, as_of="2025-12-31")[["exit_status", "exit_date"]].values.tolist()
    [['exiting', datetime.date(2026, 3, 31)]]
    >>> exit_status(rows, as_of="2026-06-30")["exit_status"].tolist()
    ['exited']
    >>> exit_status(rows, as_of="2025-01-01").empty
    True
    """
    end = _as_of(as_of)
    keys = _key_columns(signals)
    columns = [*keys, "exit_status", "exit_date", "sources"]
    exits = signals[signals["kind"].isin(EXIT_KINDS)]
    records = []
    for key, rows in exits.groupby([exits[k].fillna("") for k in keys], sort=True, dropna=False):
        dates = list(rows["date"])
        if min(dates) > end:  # announced after the data date: not known yet
            continue
        exit_date = max(dates)
        urls = rows["sources"] if "sources" in rows else rows["source_url"].map(str.split)
        record = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        record = {k: (v if v != "" else None) for k, v in record.items()}
        record.update(
            exit_status="exiting" if exit_date > end else "exited",
            exit_date=exit_date,
            sources=list(dict.fromkeys(u for us in urls for u in us)),
        )
        records.append(record)
    return pd.DataFrame.from_records(records, columns=columns)
