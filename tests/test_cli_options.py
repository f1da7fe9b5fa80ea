"""Shared CLI options: one --enterprises syntax, one -o, one error for optional packages."""

from __future__ import annotations

import builtins
import json
from pathlib import Path

from chainmap.errors import MissingExtraError

FIXTURES = Path(__file__).parent / "fixtures"


def test_enterprises_sample_is_the_default_of_the_analyses(invoke):
    default = invoke("gaps", "fluorochem", "--format", "json")
    sample = invoke("gaps", "fluorochem", "--enterprises", "sample", "--format", "json")
    assert default.exit_code == sample.exit_code == 0
    assert json.loads(sample.stdout) == json.loads(default.stdout)
    assert any(r["anchors"] for r in json.loads(sample.stdout))


def test_enterprises_default_none_for_export(invoke):
    bare = invoke("export", "fluorochem", "--format", "nt")
    sample = invoke("export", "fluorochem", "--enterprises", "sample", "--format", "nt")
    assert bare.exit_code == sample.exit_code == 0
    assert "/enterprise/" not in bare.stdout and "/enterprise/" in sample.stdout


def test_a_file_named_sample_is_read_as_a_file(invoke, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sample").write_bytes((FIXTURES / "registry_english_synthetic.csv").read_bytes())
    res = invoke("export", "fluorochem", "--enterprises", "sample", "--format", "nt")
    # Read as a file (which has no table suffix), not as the bundled sample.
    assert res.exit_code != 0 and "unsupported file type" in res.output


def test_o_is_declared_once(invoke):
    import inspect

    from chainmap import cli

    assert '"-o"' not in inspect.getsource(cli)
    for command in ("plan", "map", "import", "gaps"):
        assert "-o, --output" in invoke(command, "--help").output


def test_missing_optional_package_is_one_line(invoke, tmp_path, monkeypatch):
    real = builtins.__import__

    def no_docx(name, *args, **kwargs):
        if name == "docx" or name.startswith("docx."):
            raise ImportError(f"No module named {name!r}", name=name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_docx)
    res = invoke("plan", "fluorochem", "-o", tmp_path / "p.docx")
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines()[-1].endswith("pip install 'chainmap[docx]'")
    err = MissingExtraError.from_import_error(ImportError("x", name="pyshacl"))
    assert isinstance(err, ImportError) and err.extra == "shacl"
    assert MissingExtraError.from_import_error(ImportError("x", name="numpy")) is None
