"""Policy gates on segments: the sourced table ``graphs/policy.csv``.

One row per segment and instrument (``segment_id, class, instrument, article,
effective, scope_note, source_note, source_url``; ``source_note``, optional, is the
maintainer's remark on the page read, never shown as the rule's scope). ``class`` is one of :data:`POLICY_CLASSES`,
ordered strictest first as CONTRACTS.md fixes it::

    eliminated > banned_new > relocation_only > restricted > park_required > encouraged

This module only loads, validates and orders the rows; which classes bar a
segment is the profile's ``[policy] exclude`` and is applied by the analyses.
The instruments, what they bar and the pages read are listed in ``docs/policy.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import datetime as dt
import functools
from pathlib import Path

import pandas as pd

from chainmap.errors import InputError, closest
from chainmap.model import catalog

__all__ = [
    "POLICY_CLASSES",
    "POLICY_COLUMNS",
    "bundled_segment_ids",
    "load_policy",
    "segment_policy",
    "strictest",
    "strictness",
]

#: Policy classes, strictest first (CONTRACTS.md).
POLICY_CLASSES: tuple[str, ...] = (
    "eliminated",
    "banned_new",
    "relocation_only",
    "restricted",
    "park_required",
    "encouraged",
)

#: Columns of ``graphs/policy.csv``, in file order.
POLICY_COLUMNS: tuple[str, ...] = (
    "segment_id",
    "class",
    "instrument",
    "article",
    "effective",
    "scope_note",
    "source_note",
    "source_url",
)

_REQUIRED = ("segment_id", "class", "instrument", "effective", "source_url")
_RANK = {name: i for i, name in enumerate(POLICY_CLASSES)}


def strictness(policy_class: str) -> int:
    """Rank of a class, 0 for the strictest.

    Examples
    --------
    >>> strictness("eliminated") < strictness("banned_new") < strictness("encouraged")
    True
    """
    try:
        return _RANK[policy_class]
    except KeyError:
        raise ValueError(f"unknown policy class {policy_class!r}") from None


@functools.cache
def bundled_segment_ids() -> frozenset[str]:
    """Ids of every segment of every bundled chain (the ids policy rows may use)."""
    from chainmap.model.chain import load_chain

    ids: set[str] = set()
    for chain_id in catalog.bundled_chain_ids():
        ids.update(load_chain(chain_id).segments_by_id)
    return frozenset(ids)


def load_policy(
    path: str | Path | None = None, *, segment_ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """Load and validate a policy table (the bundled ``graphs/policy.csv`` by default).

    Every row must name a known segment (``segment_ids``, default: the segments of
    the bundled chains), a class of :data:`POLICY_CLASSES`, an instrument, an
    ``effective`` date and at least one http(s) ``source_url``; a segment may have
    one row per instrument. Any other row is an :class:`InputError` naming the file,
    row and column. ``effective`` becomes a :class:`datetime.date` and ``sources``
    the list of URLs. Rows are sorted by segment, strictness, date and instrument,
    so the first row of a segment is its :func:`strictest`.

    Examples
    --------
    >>> policy = load_policy()
    >>> sorted(set(policy["class"]))
    ['banned_new']
    >>> strictest(policy[policy["segment_id"] == "hcfc_refrigerants"])["instrument"]
    '环大气〔2018〕5号'
    """
    if path is None and segment_ids is None:  # the bundled table, validated at build time
        from chainmap.model.prebuilt import cached_table

        cached = cached_table("policy")
        if cached is not None:
            return cached
    # (the sheet readers only for a table read afresh: 10 ms of imports a bundled run skips)
    from chainmap.model.sourced import finish_record, iter_rows, read_sourced_table, sourced_frame

    frame, label, first = read_sourced_table(path, bundled="policy.csv", required=_REQUIRED)
    known = frozenset(segment_ids) if segment_ids is not None else bundled_segment_ids()
    records: list[dict[str, object]] = []
    seen: dict[tuple[str, str], int] = {}
    for row, rec in iter_rows(frame, first):

        def fail(column: str, message: str, hint: str = "", row: int = row) -> InputError:
            return InputError(message, file=label, row=row, column=column, hint=hint)

        segment = rec.get("segment_id")
        if not segment:
            raise fail("segment_id", "缺少环节 / empty segment_id")
        if segment not in known:
            guess = closest(str(segment), known)
            raise fail(
                "segment_id",
                f"未知环节 / unknown segment id {segment!r}",
                ("是否指 / did you mean: " + ", ".join(guess)) if guess else "see `chainmap show`",
            )
        cls = rec.get("class")
        if cls not in _RANK:
            raise fail(
                "class",
                f"未知政策类别 / unknown policy class {cls!r}",
                "one of " + ", ".join(POLICY_CLASSES),
            )
        instrument = rec.get("instrument")
        if not instrument:
            raise fail("instrument", "缺少文件名称或文号 / empty instrument")
        key = (str(segment), str(instrument))
        if key in seen:
            raise fail(
                "instrument",
                f"重复 / duplicate row for {segment} and this instrument (first at row {seen[key]})",
                "one row per segment and instrument",
            )
        seen[key] = row
        records.append(finish_record(rec, file=label, row=row, date_column="effective"))
    table = sourced_frame(records, POLICY_COLUMNS, list(frame.columns))
    if table.empty:
        return table
    order = table.assign(
        _rank=table["class"].map(_RANK), _date=table["effective"].map(dt.date.toordinal)
    )
    order = order.sort_values(["segment_id", "_rank", "_date", "instrument"], kind="stable")
    return order.drop(columns=["_rank", "_date"]).reset_index(drop=True)


def strictest(rows: pd.DataFrame | Iterable[Mapping[str, object]]) -> dict[str, object] | None:
    """The strictest of ``rows`` (CONTRACTS order), or ``None`` when there are none.

    Ties in class go to the earliest ``effective`` date (the instrument that first
    imposed the class, so the date reads "since"), then to the instrument name, so
    the result does not depend on row order.

    Examples
    --------
    >>> rows = [
    ...     {"class": "encouraged", "effective": dt.date(2024, 2, 1), "instrument": "B"},
    ...     {"class": "restricted", "effective": dt.date(2019, 1, 1), "instrument": "A"},
    ...     {"class": "restricted", "effective": dt.date(2024, 2, 1), "instrument": "C"},
    ... ]
    >>> strictest(rows)["instrument"]
    'A'
    """
    items = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else [dict(r) for r in rows]
    if not items:
        return None

    def key(item: Mapping[str, object]) -> tuple:
        date = item.get("effective")
        ordinal = date.toordinal() if isinstance(date, dt.date) else 0
        return (strictness(str(item["class"])), ordinal, str(item.get("instrument") or ""))

    return min(items, key=key)


def segment_policy(policy: pd.DataFrame) -> dict[str, dict[str, object]]:
    """Per segment, the CONTRACTS ``policy`` object of its strictest row.

    ``{class, instrument, effective, note, sources}``, with ``effective`` as an ISO
    date and ``sources`` the strictest row's URLs.

    Examples
    --------
    >>> segment_policy(load_policy())["hfc_refrigerants"]["effective"]
    '2022-01-01'
    """
    groups: dict[str, list[dict[str, object]]] = {}
    for row in policy.to_dict("records"):  # (one pass: a groupby per call cost 2-3 ms)
        groups.setdefault(str(row["segment_id"]), []).append(row)
    out: dict[str, dict[str, object]] = {}
    for segment in sorted(groups):
        top = strictest(groups[segment])
        assert top is not None  # a group is never empty
        out[segment] = {
            "class": top["class"],
            "instrument": top["instrument"],
            "effective": top["effective"].isoformat(),
            "note": top.get("scope_note"),
            "sources": list(top["sources"]),
        }
    return out
