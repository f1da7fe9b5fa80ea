"""Every exception chainmap raises on purpose.

A user of the command line sees ``str(error)`` as a one-line message, never a
traceback, so each message says what is wrong, where, and what to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = [
    "EXTRAS",
    "ChainError",
    "ChainmapError",
    "InputError",
    "MissingExtraError",
    "UnknownChainError",
    "UnknownRegionError",
    "UnknownSegmentError",
    "closest",
]


def closest(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` candidates that look like ``word`` (for "did you mean")."""
    import difflib  # (only on an error: 3-4 ms of every command's start-up)

    pool = sorted(set(candidates))
    found = difflib.get_close_matches(word, pool, n=n, cutoff=0.5)
    if len(found) < n:
        # Substring hits catch Chinese names, where edit ratios are weak.
        found += [c for c in pool if word and word in c and c not in found][: n - len(found)]
    return found


class ChainmapError(Exception):
    """Base class: a problem the user can fix, reported without a traceback."""


class ChainError(ChainmapError):
    """A chain definition is malformed (syntax, dangling link, cycle, label, stage, id)."""


class _UnknownName(ChainmapError, KeyError):
    kind = "name"
    kind_zh = "名称"

    def __init__(self, name: str, suggestions: Sequence[str] = (), hint: str = ""):
        self.name = name
        self.suggestions = list(suggestions)
        msg = f"未知{self.kind_zh} / unknown {self.kind}: {name!r}"
        if self.suggestions:
            msg += "; 是否指 / did you mean: " + ", ".join(self.suggestions)
        if hint:
            msg += f". {hint}"
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError would add quotes around the message
        return self.args[0]


class UnknownChainError(_UnknownName):
    """No bundled chain or ``.ttl`` file by that name."""

    kind = "chain"
    kind_zh = "产业链"


class UnknownSegmentError(_UnknownName):
    """No segment with that id or label in the chain."""

    kind = "segment"
    kind_zh = "环节"


class UnknownRegionError(_UnknownName):
    """A region name or code that does not resolve, or resolves to several regions.

    ``candidates`` holds the matching regions when the name is ambiguous.
    """

    kind = "region"
    kind_zh = "地区"

    def __init__(
        self,
        name: str,
        suggestions: Sequence[str] = (),
        hint: str = "",
        candidates: Sequence[str] = (),
    ):
        self.candidates = list(candidates)
        if self.candidates:
            hint = (
                "名称有歧义, 候选 / ambiguous, candidates: "
                + ", ".join(self.candidates)
                + ". 请用6位行政区划代码或'省/市/县' / use the 6-digit adcode or 'province/city/county'"
            )
        super().__init__(name, suggestions, hint)


class InputError(ChainmapError, ValueError):
    """Bad input data, located by file, row and column where known."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str = "",
    ):
        self.file, self.row, self.column, self.hint = file, row, column, hint
        where = []
        if file is not None:
            where.append(str(file))
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        text = (", ".join(where) + ": " if where else "") + message
        if hint:
            text += f". {hint}"
        super().__init__(text)


#: Optional packages (top-level import names) → (what to install, the extra in pyproject.toml).
EXTRAS: dict[str, tuple[str, str]] = {
    "docx": ("python-docx", "docx"),
    "pyarrow": ("pyarrow", "parquet"),
    "fastparquet": ("pyarrow", "parquet"),
    "pyshacl": ("pyshacl", "shacl"),
    "pyoxigraph": ("pyoxigraph", "fast"),
    "dask": ("dask[distributed]", "dask"),
    "distributed": ("dask[distributed]", "dask"),
    "matplotlib": ("matplotlib", "notebooks"),
}


class MissingExtraError(ChainmapError, ImportError):
    """An optional package is missing; the message names the extra that installs it.

    Examples
    --------
    >>> print(MissingExtraError("pyshacl"))
    缺少可选依赖 / this needs an optional package (pyshacl): pip install 'chainmap[shacl]'
    """

    def __init__(self, module: str):
        package, extra = EXTRAS[module.split(".")[0]]
        self.package, self.extra = package, extra
        super().__init__(
            f"缺少可选依赖 / this needs an optional package ({package}): "
            f"pip install 'chainmap[{extra}]'"
        )

    @classmethod
    def from_import_error(cls, exc: ImportError) -> MissingExtraError | None:
        """The error for an ImportError of one of our optional packages, else None."""
        if isinstance(exc, cls):
            return exc
        name = (exc.name or "").split(".")[0]
        if name in EXTRAS:
            return cls(name)
        text = str(exc)
        return next((cls(k) for k in EXTRAS if k in text), None)
