"""The notebooks in notebooks/: stored clean, paired with their py:percent text, and run.

Each notebook runs top to bottom in a fresh kernel of *this* interpreter (a kernelspec
written to a temporary JUPYTER_PATH, so a system-wide ``python3`` kernel of another
Python can never be picked up); any error fails the test.
"""

from __future__ import annotations

import json
from pathlib import Path
import sys

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NAMES = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
KERNEL = "chainmap-tests"

nbformat = pytest.importorskip("nbformat")


def test_the_four_tutorial_notebooks_are_present():
    assert NAMES == [
        "01_fluorochem_tour",
        "02_bring_your_own_data",
        "03_relatedness",
        "04_sparql",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.id
        assert not cell.metadata, cell.id


@pytest.mark.parametrize("name", NAMES)
def test_notebook_matches_its_paired_py_percent_file(name):
    jupytext = pytest.importorskip("jupytext")
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    assert nb.metadata["jupytext"]["formats"] == "ipynb,py:percent"
    text = (NOTEBOOKS / f"{name}.py").read_text(encoding="utf-8")
    # ipynb -> py reproduces the stored text exactly ...
    assert jupytext.writes(nb, fmt="py:percent") == text
    # ... and py -> cells gives back the same cells
    back = jupytext.reads(text, fmt="py:percent")
    assert [(c.cell_type, c.source) for c in back.cells] == [
        (c.cell_type, c.source) for c in nb.cells
    ]


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """A kernelspec for this interpreter on a private JUPYTER_PATH."""
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    home = tmp_path_factory.mktemp("jupyter")
    spec = home / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "chainmap tests", "language": "python"}),
        encoding="utf-8",
    )
    return home


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if "__pycache__" not in p.parts}


def _outputs(nb, mime: str) -> list[str]:
    return [
        "".join(out.get("data", {}).get(mime, ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if mime in out.get("data", {})
    ]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(name, kernel_env, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("JUPYTER_PATH", str(kernel_env))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend (Agg PNGs)
    before = _files(NOTEBOOKS), _files(ROOT / "graphs")
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=300,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in errors if o.output_type == "error"]
    assert (_files(NOTEBOOKS), _files(ROOT / "graphs")) == before  # writes only to temp dirs

    html = _outputs(nb, "text/html")
    if name == "01_fluorochem_tour":
        # load_chain("fluorochem") shows the HTML summary, the plan and the map display inline
        assert any("chainmap-chain" in h and "氟化工产业链" in h for h in html)
        assert any("chainmap-plan" in h for h in html)
        assert any("<iframe srcdoc=" in h for h in html)
    if name == "02_bring_your_own_data":
        assert any("chainmap-report" in h and "missing_name" in h for h in html)
    if name == "03_relatedness":
        assert _outputs(nb, "image/png"), "the quadrant plot was not drawn"
    if name == "04_sparql":  # fluorspar lies upstream of PVDF (upstream-path query)
        assert any("seg:fluorspar" in h and "seg:pvdf" in h for h in html)


def _dist(requirement: str) -> str:
    """``"dask[distributed]>=2024.1"`` → ``"dask"``."""
    import re

    return re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_pyproject_extras_cover_what_the_notebooks_import():
    import ast
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    core = {_dist(r) for r in project["dependencies"]}
    notebooks = {_dist(r) for r in extras["notebooks"]}
    provided_by = {"IPython": "ipykernel"}  # display_map's IPython comes with the kernel
    imported = set()
    for script in NOTEBOOKS.glob("*.py"):
        for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"chainmap"}
    assert "matplotlib" in third_party  # the probe sees the notebooks' imports
    needed = {provided_by.get(m, m).lower() for m in third_party | {"IPython"}}
    assert needed <= core | notebooks, needed - core - notebooks
    # the suite runs the notebooks, so the test extra holds what running them needs
    assert notebooks - {"jupyterlab"} <= {_dist(r) for r in extras["test"]}
