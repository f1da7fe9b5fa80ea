"""The README's main job runs with the core dependencies alone.

`pip install -e .` then `chainmap rank fluorochem` (the README's first command) failed
on a fresh machine: the ranking imported pyarrow, then only an extra, while the tests
install every extra and never saw it. Here each main command runs in a fresh process
whose imports of the extras' packages fail as they would where they are not installed.
"""

from __future__ import annotations

from pathlib import Path
import re
import subprocess
import sys
import tomllib

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: The import names of the packages the extras add (a distribution's name → its modules).
EXTRA_MODULES = {
    "pyoxigraph": ["pyoxigraph"],
    "pyshacl": ["pyshacl"],
    "python-docx": ["docx"],
    "dask": ["dask", "distributed"],
    "jupyterlab": ["jupyterlab"],
    "jupytext": ["jupytext"],
    "matplotlib": ["matplotlib"],
    "nbclient": ["nbclient"],
    "ipykernel": ["ipykernel"],
    "pyarrow": ["pyarrow"],
}


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].lower()


def _blocked() -> list[str]:
    """The modules of the packages that are in an extra (not ``test``) and not core."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = {_name(r) for r in project["dependencies"]}
    extras = {
        _name(r)
        for name, reqs in project["optional-dependencies"].items()
        if name not in ("test", "all")
        for r in reqs
    }
    unknown = extras - set(EXTRA_MODULES)
    assert not unknown, f"add the import names of {sorted(unknown)} to EXTRA_MODULES"
    return sorted(m for d in extras - core for m in EXTRA_MODULES[d])


_RUN = """
import importlib.abc, sys
blocked = set(sys.argv[1].split(","))
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Block())
sys.argv = ["chainmap", *sys.argv[2:]]
from chainmap.cli import main
main()
"""


def test_pyarrow_is_a_core_dependency_and_the_extras_are_known():
    assert "pyarrow" not in _blocked()
    assert {"pyoxigraph", "docx", "pyshacl"} <= set(_blocked())


@pytest.mark.parametrize(
    "args",
    [
        ["rank", "fluorochem", "--top", "3"],
        ["gaps", "fluorochem"],
        ["plan", "fluorochem", "-o", "{tmp}/plan.md"],
        ["plan", "fluorochem", "--one-page", "-o", "{tmp}/brief.html"],
        ["map", "fluorochem", "-o", "{tmp}/map.html"],
        ["import", str(ROOT / "graphs" / "companies_fluorochem.csv"), "-o", "{tmp}/firms.parquet"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_a_main_command_runs_without_the_extras(args, tmp_path):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    res = subprocess.run(
        [sys.executable, "-c", _RUN, ",".join(_blocked()), *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert "optional package" not in res.stderr and "Traceback" not in res.stderr
