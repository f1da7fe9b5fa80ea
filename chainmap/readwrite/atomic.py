"""Atomic file and folder outputs: the previous output survives any failure.

Every file chainmap writes goes through :func:`atomic_write` (or
:func:`atomic_path` for libraries that save by file name): the data goes to a
temporary file in the same folder, is flushed to disk, and only then renamed
over the target with :func:`os.replace`, which is atomic on one file system.
On any error, Ctrl-C included, the temporary file is removed and the target is
left as it was.

Folder outputs (the Parquet dataset of ``classify --engine stream -o DIR``) are
built in a temporary sibling folder; a completion marker (:data:`COMPLETE_MARKER`)
is written last, then the folder is swapped into place. A reader refuses a
chainmap dataset without its marker (:func:`require_complete`).

This module is the only place that knows how outputs reach the disk.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import errno
import json
import os
from pathlib import Path
import shutil
import tempfile
from typing import IO, Any

from chainmap.errors import InputError

__all__ = [
    "COMPLETE_MARKER",
    "atomic_directory",
    "atomic_path",
    "atomic_write",
    "check_writable",
    "is_dataset",
    "require_complete",
    "write_bytes",
    "write_text",
]

#: Written last into a finished folder output (as Spark and Hadoop do).
COMPLETE_MARKER = "_SUCCESS"
#: File names chainmap gives to the parts of a folder output.
_PART_GLOB = "part-*.parquet"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _file_mode() -> int:
    """The mode an ordinary ``open(path, "w")`` would give (mkstemp makes 0600)."""
    return 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it over ``path`` when the block ends.

    For writers that take a file name (openpyxl, python-docx, pyarrow). The
    temporary file keeps the target's suffix, so suffix-sniffing writers work.
    """
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder", str(target))
    if target.exists() and not target.is_file():  # /dev/null, a pipe: nothing to keep
        yield target
        return
    try:
        fd, tmp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".part" + target.suffix
        )
    except OSError as exc:  # name the output, not the temporary file
        exc.filename = str(target)
        raise
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, _file_mode())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and exc.filename in (None, str(tmp)):
            exc.filename = str(target)
        failed = _serialisation_errno(exc)
        if failed is not None:  # a full disk, as the OSError other writers raise
            raise OSError(failed, os.strerror(failed), str(target)) from None
        raise


#: lxml's words (openpyxl, python-docx) for a write the file system refused.
_LXML_IO = {"IO_EFBIG": errno.EFBIG, "IO_ENOSPC": errno.ENOSPC, "IO_EDQUOT": errno.EDQUOT}


def _serialisation_errno(exc: BaseException) -> int | None:
    """The errno of lxml's ``SerialisationError`` for a refused write (``IO_EFBIG`` …), else None.

    openpyxl writes worksheets through lxml, which reports a full disk as
    ``SerialisationError: IO_ENOSPC`` rather than an OSError.
    """
    if type(exc).__name__ != "SerialisationError":
        return None
    text = str(exc)
    return next((code for word, code in _LXML_IO.items() if word in text), errno.EIO)


@contextlib.contextmanager
def atomic_write(
    path: str | Path, mode: str = "wb", *, encoding: str | None = None
) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path`` for writing; rename it into place on success.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_write(target, "w", encoding="utf-8") as handle:
    ...     _ = handle.write("完整 / complete")
    >>> target.read_text(encoding="utf-8")
    '完整 / complete'
    """
    if "w" not in mode:
        raise ValueError(f"atomic_write writes; got mode {mode!r}")
    with atomic_path(path) as tmp:
        kwargs = {"newline": ""} if "b" not in mode else {}
        with open(tmp, mode, encoding=encoding, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    with atomic_write(path, "wb") as handle:
        handle.write(data)
    return Path(path)


def write_text(path: str | Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (no newline translation); return the path."""
    return write_bytes(path, text.encode(encoding))


def check_writable(*paths: str | Path | None) -> None:
    """Raise the OSError a write to each path would meet, before any work is done.

    For commands with two outputs (``import -o … --report …``): neither is written
    when the other could not be.
    """
    for path in paths:
        if path is None:
            continue
        target = Path(path)
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(target))
        if not target.parent.is_dir():
            raise FileNotFoundError(errno.ENOENT, "no such folder", str(target))
        if not os.access(target.parent, os.W_OK):
            raise PermissionError(errno.EACCES, "permission denied", str(target))


# ---------------------------------------------------------------------- folders


def is_dataset(path: str | Path) -> bool:
    """True when ``path`` is a folder chainmap wrote (it holds parts or the marker)."""
    root = Path(path)
    return root.is_dir() and (
        (root / COMPLETE_MARKER).exists() or next(root.glob(_PART_GLOB), None) is not None
    )


def require_complete(path: str | Path) -> None:
    """Refuse a chainmap folder output that has no completion marker (an interrupted write)."""
    root = Path(path)
    if is_dataset(root) and not (root / COMPLETE_MARKER).exists():
        raise InputError(
            f"数据集不完整 / incomplete dataset: no {COMPLETE_MARKER} marker, "
            "the write that made it was interrupted",
            file=str(root),
            hint="run the command that wrote it again",
        )


@contextlib.contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling folder; on success mark it complete and swap it in.

    The marker lists the part names. An existing ``path``
    must be empty or an earlier chainmap dataset, which is replaced whole only
    once the new one is complete.
    """
    target = Path(path)
    if target.exists() and (
        not target.is_dir() or (any(target.iterdir()) and not is_dataset(target))
    ):
        raise InputError(
            "输出目录已存在且不是 chainmap 数据集 / the output folder exists and is not a "
            "chainmap dataset",
            file=str(target),
            hint="choose a new or empty folder for -o",
        )
    parent = target.parent if str(target.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.", suffix=".part"))
    try:
        yield tmp
        parts = sorted(p.name for p in tmp.iterdir())
        marker = json.dumps({"parts": parts}, ensure_ascii=False, indent=2) + "\n"
        with open(tmp / COMPLETE_MARKER, "w", encoding="utf-8") as handle:
            handle.write(marker)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.", suffix=".old"))
            os.replace(target, old / "data")
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
