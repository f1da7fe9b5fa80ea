"""ImportReport: every input row is accounted for, as kept or rejected with a reason.

Loaders (enterprises, ledgers) record one :class:`ReportItem` per problem. A
rejected row is not in the output table; a warned row is kept. The invariant
``read == kept + rejected`` always holds and :meth:`ImportReport.check` asserts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import heapq
from typing import Literal

import pandas as pd

from chainmap.model.values import html_text

__all__ = ["REPORT_COLUMNS", "ImportReport", "ReportItem", "RowAccount"]

#: Columns of the report file; ``row`` is the row number as the user sees it
#: in the source file (spreadsheet numbering, header and title rows included).
REPORT_COLUMNS = ("row", "column", "code", "message", "severity")

Severity = Literal["rejected", "warning"]


@dataclass(frozen=True, slots=True)  # slots: a national import holds millions of them
class ReportItem:
    """One problem with one input row (or with the whole file when ``row`` is None)."""

    row: int | None
    column: str | None
    code: str
    message: str
    severity: Severity = "warning"

    def __reduce__(self) -> tuple:
        # Pickled as its five values: the import's worker processes send their parts'
        # items (a quarter of a million per million registry rows), and the dataclass's
        # own state protocol (``fields()`` per item) cost 1 s of the main process's time.
        return (ReportItem, (self.row, self.column, self.code, self.message, self.severity))


class _Counted:
    """``counts()`` of a class with ``read``, ``kept``, ``rejected`` and ``warnings``."""

    read: int
    kept: int
    rejected: int
    warnings: int

    def counts(self) -> dict[str, int]:
        """``{"read", "kept", "rejected", "warnings"}``."""
        return {
            "read": self.read,
            "kept": self.kept,
            "rejected": self.rejected,
            "warnings": self.warnings,
        }


@dataclass
class ImportReport(_Counted):
    """What happened to every row of one input file.

    Examples
    --------
    >>> r = ImportReport(source="firms.csv", read=3)
    >>> r.reject(4, "uscc", "duplicate", "merged into row 2")
    >>> r.warn(3, "uscc", "invalid_uscc", "check digit is wrong")
    >>> (r.read, r.kept, r.rejected, r.warnings)
    (3, 2, 1, 1)
    """

    source: str = ""
    read: int = 0
    items: list[ReportItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ recording
    def reject(self, row: int | None, column: str | None, code: str, message: str) -> None:
        """Record that ``row`` was not kept, and why."""
        self.items.append(ReportItem(row, column, code, message, "rejected"))

    def warn(self, row: int | None, column: str | None, code: str, message: str) -> None:
        """Record a problem with a row that is still kept."""
        self.items.append(ReportItem(row, column, code, message, "warning"))

    # ------------------------------------------------------------------ counts
    @property
    def rejected_rows(self) -> list[int]:
        """Distinct rejected row numbers, in order."""
        return sorted({i.row for i in self.items if i.severity == "rejected" and i.row is not None})

    @property
    def rejected(self) -> int:
        return len(self.rejected_rows)

    @property
    def kept(self) -> int:
        return self.read - self.rejected

    @property
    def warnings(self) -> int:
        """Number of warning items (a row may carry several)."""
        return sum(1 for i in self.items if i.severity == "warning")

    def check(self) -> None:
        """Assert the accounting invariant ``read == kept + rejected``."""
        if self.read != self.kept + self.rejected or self.kept < 0:
            raise AssertionError(
                f"ImportReport out of balance: read={self.read} kept={self.kept} "
                f"rejected={self.rejected}"
            )

    def by_code(self) -> dict[str, int]:
        """Item counts per code, sorted by code."""
        out: dict[str, int] = {}
        for item in self.items:
            out[item.code] = out.get(item.code, 0) + 1
        return dict(sorted(out.items()))

    # ------------------------------------------------------------------ output
    def to_frame(self) -> pd.DataFrame:
        """The items as a DataFrame with :data:`REPORT_COLUMNS`, sorted by row."""
        rows = sorted(
            self.items,
            key=lambda i: (i.row is None, i.row or 0, i.severity, i.column or "", i.code),
        )
        frame = pd.DataFrame(
            [[getattr(i, c) for c in REPORT_COLUMNS] for i in rows], columns=list(REPORT_COLUMNS)
        )
        frame["row"] = frame["row"].astype("Int64")
        return frame

    def summary(self) -> str:
        """A few bilingual lines: counts first, then the codes seen."""
        c = self.counts()
        lines = [
            f"{self.source}: 读取 read {c['read']}, 保留 kept {c['kept']}, "
            f"拒绝 rejected {c['rejected']}, 警告 warnings {c['warnings']}"
        ]
        for code, n in self.by_code().items():
            lines.append(f"  {code}: {n}")
        lines.extend(self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        esc = html_text

        c = self.counts()
        head = (
            f"<strong>导入报告 / Import report</strong> {esc(self.source)}: "
            f"读取 read {c['read']} · 保留 kept {c['kept']} · 拒绝 rejected {c['rejected']} · "
            f"警告 warnings {c['warnings']}"
        )
        items = sorted(self.items, key=lambda i: (i.row is None, i.row or 0))[:20]
        rows = "".join(
            f"<tr><td>{'' if i.row is None else i.row}</td><td>{esc(i.column or '')}</td>"
            f"<td>{esc(i.code)}</td><td>{esc(i.severity)}</td><td>{esc(i.message)}</td></tr>"
            for i in items
        )
        more = f"<p>… {len(self.items) - 20} more</p>" if len(self.items) > 20 else ""
        notes = "".join(f"<p>{esc(n.strip())}</p>" for n in self.notes)
        return (
            f"<div class='chainmap-report'>{head}<table><thead><tr><th>row</th><th>column</th>"
            f"<th>code</th><th>severity</th><th>message</th></tr></thead><tbody>{rows}</tbody>"
            f"</table>{more}{notes}</div>"
        )


def _item_order(item: ReportItem) -> tuple:
    """Items by row (file-wide items last), rejections before warnings on a row."""
    return (item.row is None, item.row or 0, item.severity)


@dataclass
class RowAccount(_Counted):
    """The counts of an :class:`ImportReport` and its first items, for an input read part
    by part: ``a + b`` adds the accounts of two parts read in that order (their rows are
    disjoint) and keeps the first ``FIRST`` items, so a national file's million items
    never travel. ``first`` holds ``(file, item)``: a folder's parts are several files.

    ``canonical``: every part was a canonical table (nothing normalised, nothing to
    report).

    >>> a = ImportReport(source="f.csv", read=2)
    >>> a.warn(3, "uscc", "invalid_uscc", "check digit")
    >>> b = ImportReport(source="f.csv", read=2)
    >>> b.reject(4, "name", "missing_name", "no name")
    >>> both = RowAccount.of(a) + RowAccount.of(b)
    >>> both.counts(), [(f, i.row) for f, i in both.first]
    ({'read': 4, 'kept': 3, 'rejected': 1, 'warnings': 1}, [('f.csv', 3), ('f.csv', 4)])
    """

    FIRST = 5

    read: int = 0
    rejected: int = 0
    warnings: int = 0
    items: int = 0
    first: list[tuple[str, ReportItem]] = field(default_factory=list)
    canonical: bool = True

    @classmethod
    def of(cls, report: ImportReport) -> RowAccount:
        """The account of one normalised part (``report.source`` names its file)."""
        first = heapq.nsmallest(cls.FIRST, report.items, key=_item_order)
        return cls(
            read=report.read,
            rejected=report.rejected,
            warnings=report.warnings,
            items=len(report.items),
            first=[(report.source, item) for item in first],
            canonical=False,
        )

    @classmethod
    def rows(cls, n: int) -> RowAccount:
        """The account of ``n`` rows of a canonical table."""
        return cls(read=n)

    @property
    def kept(self) -> int:
        return self.read - self.rejected

    def __add__(self, other: RowAccount) -> RowAccount:
        # ``other`` was read after ``self``: its items come after, whatever their rows.
        return RowAccount(
            read=self.read + other.read,
            rejected=self.rejected + other.rejected,
            warnings=self.warnings + other.warnings,
            items=self.items + other.items,
            first=[*self.first, *other.first][: self.FIRST],
            canonical=self.canonical and other.canonical,
        )
