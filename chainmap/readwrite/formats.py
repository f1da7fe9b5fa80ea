"""File formats by suffix: the one place that maps ``.csv`` → ``csv``, ``.md`` → ``markdown`` ….

Readers and writers ask :func:`format_of` instead of testing suffixes themselves.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FORMATS", "STREAMABLE", "TABLE_FORMATS", "format_of"]

#: File suffix (lower case, with the dot) → format name.
FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".ttl": "ttl",
    ".nt": "nt",
    ".jsonld": "jsonld",
}

#: The formats a user table (enterprises, ledgers, chain tables) may arrive in.
TABLE_FORMATS = ("csv", "tsv", "xlsx", "parquet")

#: The table formats that can be read part by part (XLSX is one zip: read whole).
STREAMABLE = ("csv", "tsv", "parquet")


def format_of(path: str | Path, default: str | None = None) -> str | None:
    """The format named by the suffix of ``path``, else ``default``.

    Examples
    --------
    >>> format_of("firms.CSV"), format_of("plan.htm"), format_of("x.bin", "table")
    ('csv', 'html', 'table')
    """
    return FORMATS.get(Path(path).suffix.lower(), default)
