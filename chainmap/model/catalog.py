"""Locate bundled data files, from an editable checkout or an installed wheel.

The top-level ``graphs/`` folder is installed as the package ``chainmap.graphs``
(see ``[tool.setuptools] package-dir`` in ``pyproject.toml``); this module is
the only place that knows it.
"""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable

__all__ = ["bundled_chain_ids", "bundled_files", "data_path", "read_text"]

_PACKAGE = "chainmap.graphs"

# Files in graphs/ that are Turtle but not chains.
_NOT_CHAINS = {"chainmap.ttl", "shapes.ttl"}


def data_path(name: str) -> Traversable:
    """Return the bundled data file ``name`` (e.g. ``"fluorochem.ttl"``).

    Examples
    --------
    >>> data_path("fluorochem.ttl").is_file()
    True
    """
    path = resources.files(_PACKAGE)
    for part in name.split("/"):
        path = path / part
    return path


def read_text(name: str) -> str:
    """Return the text of a bundled file, decoded as UTF-8."""
    return data_path(name).read_text(encoding="utf-8")


def bundled_chain_ids() -> list[str]:
    """Return the ids of the bundled chains, sorted.

    Examples
    --------
    >>> "fluorochem" in bundled_chain_ids()
    True
    """
    root = resources.files(_PACKAGE)
    return sorted(
        p.name[: -len(".ttl")]
        for p in root.iterdir()
        if p.name.endswith(".ttl") and p.name not in _NOT_CHAINS
    )


def bundled_files(prefix: str, suffix: str) -> list[str]:
    """Names of the bundled files ``prefix*suffix``, sorted.

    Examples
    --------
    >>> bundled_files("companies_", ".csv")[:1]
    ['companies_fluorochem.csv']
    """
    root = resources.files(_PACKAGE)
    return sorted(
        p.name for p in root.iterdir() if p.name.startswith(prefix) and p.name.endswith(suffix)
    )
