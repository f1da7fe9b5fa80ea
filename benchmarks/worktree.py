"""A git worktree of an earlier revision, for benchmarks that compare against it."""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from pathlib import Path
import subprocess
import tempfile

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def baseline_worktree(rev: str) -> Iterator[Path]:
    """Check ``rev`` out in a temporary detached worktree; remove it afterwards.

    The wheel ships ``graphs/`` as ``chainmap.graphs``; from a bare tree on PYTHONPATH,
    the package is pointed at the tree's own data (not at the installed checkout's).
    """
    with tempfile.TemporaryDirectory(prefix="chainmap-baseline-") as tmp:
        tree = Path(tmp) / "tree"
        git = ["git", "-C", str(ROOT), "worktree"]
        subprocess.run([*git, "add", "--detach", "-q", str(tree), rev], check=True)
        try:
            (tree / "chainmap" / "graphs").symlink_to(tree / "graphs", target_is_directory=True)
            yield tree
        finally:
            subprocess.run([*git, "remove", "--force", str(tree)], check=False)
