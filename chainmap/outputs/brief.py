"""The briefing pack: several outputs written into one folder, all or nothing.

:func:`write_pack` builds every file in a temporary folder beside the target, writes
``manifest.json`` (parameters, data date, each file's size and SHA-256), and only
then renames the folder into place. A failed run leaves no half-filled folder and
keeps an earlier pack as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
import hashlib
import json
import os
from pathlib import Path
import shutil
import tempfile
from typing import Any

from chainmap.errors import ChainmapError, InputError

__all__ = ["MANIFEST", "SkipFile", "write_pack"]

#: The manifest's file name; its presence marks a folder as a chainmap pack.
MANIFEST = "manifest.json"


class SkipFile(ChainmapError):
    """Raised by a pack writer that cannot make its file here (say, no PDF renderer)."""


def write_pack(
    directory: str | Path,
    files: Sequence[tuple[str, Callable[[Path], Any]]],
    manifest: Mapping[str, Any],
    *,
    on_skip: Callable[[str, str], None] | None = None,
) -> Path:
    """Write ``files`` (name, writer) and ``manifest.json`` into ``directory`` atomically.

    Each writer is called with the path to write. One that raises :class:`SkipFile`
    is left out and listed under ``skipped`` in the manifest (``on_skip(name, why)``
    is told); any other error removes the temporary folder and propagates.
    An existing ``directory`` is replaced only if it is empty or an earlier pack: its
    ``manifest.json`` is a pack manifest and it holds nothing the manifest does not list
    (a web app's ``manifest.json``, or a file added to a pack, keeps the folder as it is).
    """
    target = Path(directory)
    if target.exists():
        if not target.is_dir():
            raise InputError("已存在同名文件 / a file of that name exists", file=str(target))
        if any(target.iterdir()):
            _check_earlier_pack(target)
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    try:
        written: dict[str, dict[str, Any]] = {}
        skipped: dict[str, str] = {}
        for name, writer in files:
            try:
                writer(work / name)
            except SkipFile as why:
                skipped[name] = str(why)
                (work / name).unlink(missing_ok=True)
                if on_skip is not None:
                    on_skip(name, str(why))
                continue
            data = (work / name).read_bytes()
            written[name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        body = {**manifest, "files": dict(sorted(written.items())), "skipped": skipped}
        (work / MANIFEST).write_text(
            json.dumps(body, ensure_ascii=False, indent=2, sort_keys=False) + "\n",
            encoding="utf-8",
        )
        os.chmod(work, 0o755)
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=parent))
            os.replace(target, old / "pack")
        try:
            os.replace(work, target)
        except BaseException:
            if old is not None:
                os.replace(old / "pack", target)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return target


def _check_earlier_pack(target: Path) -> None:
    """Raise unless the non-empty folder ``target`` is a pack this function wrote, unchanged
    but for the files it lists (so replacing it loses nothing that is not in the new pack)."""
    hint = "choose a new folder; chainmap replaces only an earlier pack"
    try:
        manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if not (
        isinstance(manifest, dict)
        and isinstance(manifest.get("files"), dict)
        and isinstance(manifest.get("skipped"), dict)
    ):
        raise InputError(
            "文件夹已存在且不是简报包 / the folder exists and is not a chainmap briefing pack",
            file=str(target),
            hint=hint,
        )
    listed = {MANIFEST, *manifest["files"], *manifest["skipped"]}
    extra = sorted(p.name for p in target.iterdir() if p.name not in listed)
    if extra:
        shown = ", ".join(extra[:5]) + (" …" if len(extra) > 5 else "")
        raise InputError(
            "简报包文件夹里有不属于简报包的文件 / the folder is not a chainmap briefing pack "
            f"as written: it also holds {shown}",
            file=str(target),
            hint="move those files out, or choose a new folder",
        )
