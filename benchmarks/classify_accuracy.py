"""Precision and recall of the classifier on the HAND-WRITTEN fixtures.

Reads ``tests/fixtures/classify_fluorochem_handwritten.csv`` (fluorochem only)
and ``tests/fixtures/classify_registry_handwritten.csv`` (all six chains, the
official 经营范围 wording, 国标行业 codes), classifies every text with its chain
(and code), and prints precision and recall over (text, segment) pairs:

- ``production``: the ``segments`` found against the ``expected`` column;
- ``trade``: the ``trade_segments`` found against the ``trade`` column.

Every row is hand-written for the tests; no row describes a real firm.

Usage::

    python benchmarks/classify_accuracy.py
"""

from __future__ import annotations

import csv
from pathlib import Path

from chainmap.analysis.classify import Classifier
from chainmap.model.chain import load_chain

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
FILES = ("classify_fluorochem_handwritten.csv", "classify_registry_handwritten.csv")


def _ids(cell: str | None) -> set[str]:
    return {s for s in (cell or "").split(";") if s}


def score(rows: list[dict[str, str]]) -> dict[str, tuple[int, int, int]]:
    """(tp, fp, fn) over (text, segment) pairs, for production and for trade."""
    classifiers: dict[str, Classifier] = {}
    out = {"production": [0, 0, 0], "trade": [0, 0, 0]}
    for row in rows:
        chain = row.get("chain") or "fluorochem"
        if chain not in classifiers:
            classifiers[chain] = Classifier(load_chain(chain))
        found = classifiers[chain].classify_row(row["text"], row.get("industry") or None)
        for key, got, want in (
            ("production", set(found.segments), _ids(row["expected"])),
            ("trade", set(found.trade_segments), _ids(row.get("trade"))),
        ):
            out[key][0] += len(got & want)
            out[key][1] += len(got - want)
            out[key][2] += len(want - got)
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def rates(tp: int, fp: int, fn: int) -> tuple[float, float]:
    """Precision and recall (1.0 when there is nothing to find or nothing found)."""
    return (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0)


def read(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def main() -> None:
    everything: list[dict[str, str]] = []
    for name in FILES:
        rows = read(name)
        everything += rows
        _report(name, rows)
    _report("both", everything)


def _report(name: str, rows: list[dict[str, str]]) -> None:
    for key, (tp, fp, fn) in score(rows).items():
        p, r = rates(tp, fp, fn)
        print(
            f"{name} ({len(rows)} texts) {key}: precision {p:.3f}, recall {r:.3f} "
            f"(tp {tp}, fp {fp}, fn {fn})"
        )


if __name__ == "__main__":
    main()
