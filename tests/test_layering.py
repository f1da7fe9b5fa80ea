"""The package's import graph: layers point down, and no module borrows another's private names.

model ← analysis ← outputs ← cli (DESIGN.md); readwrite sits below model. Checked
on the source with the AST, lazy imports inside functions included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "chainmap"

#: Layer → the chainmap layers it must not import. readwrite sits below model but
#: reads cells with model.values, a leaf module that imports nothing of chainmap.
FORBIDDEN = {
    "readwrite": ("analysis", "outputs", "cli", "cli_options"),
    "model": ("analysis", "outputs", "cli", "cli_options"),
    "analysis": ("outputs", "cli", "cli_options"),
    "outputs": ("cli", "cli_options"),
}


#: Known exceptions, each with the reason it stands (remove the entry when it is fixed).
PRIVATE_IMPORTS_ALLOWED: set[tuple[str, str]] = set()


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "graphs" not in p.parts)


def _imports(path: Path):
    """(module imported, names imported, line) for every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [a.name for a in node.names], node.lineno


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "chainmap" and len(parts) > 1 else None


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_layers(path):
    layer = path.relative_to(PACKAGE).parts[0]
    forbidden = FORBIDDEN.get(layer, ())
    wrong = [
        f"line {line}: {module}"
        for module, _, line in _imports(path)
        if _layer(module) in forbidden or _layer(module + ".x") in forbidden
    ]
    assert not wrong, f"{path.name} imports a higher layer: {wrong}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_private_names(path):
    wrong = [
        f"line {line}: from {module} import {name}"
        for module, names, line in _imports(path)
        if module.startswith("chainmap")
        for name in names
        if name.startswith("_")
        and not name.startswith("__")
        and (path.name, name) not in PRIVATE_IMPORTS_ALLOWED
    ]
    assert not wrong, f"{path.name} imports private names: {wrong}"


def test_readwrite_uses_only_the_leaf_model_values():
    used = {
        module
        for path in (PACKAGE / "readwrite").glob("*.py")
        for module, _, _ in _imports(path)
        if _layer(module) == "model"
    }
    assert used <= {"chainmap.model.values"}
    values = {m for m, _, _ in _imports(PACKAGE / "model" / "values.py")}
    assert not any(m.startswith("chainmap") for m in values)


def test_the_checks_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from chainmap.outputs.tables import _private\n")
    assert [(m, n) for m, n, _ in _imports(bad)] == [("chainmap.outputs.tables", ["_private"])]
    assert _layer("chainmap.outputs.tables") in FORBIDDEN["model"]
