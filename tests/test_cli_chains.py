"""CLI: chains, show, chain import, the shared output option and start-up cost."""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys
import time

from openpyxl import load_workbook
import pytest

from chainmap.cli import cli
from chainmap.model.vocab import STAGES

ROOT = Path(__file__).resolve().parents[1]


def test_chains_json_lists_fluorochem(invoke):
    result = invoke("chains", "--format", "json")
    assert result.exit_code == 0
    records = {r["id"]: r for r in json.loads(result.stdout)}
    fluoro = records["fluorochem"]
    assert (fluoro["segments"], fluoro["links"]) == (50, 79)
    assert set(fluoro) == {"id", "name_zh", "name_en", "segments", "links", "shared_segments"}


def test_show_segment_json_gives_upstream_chain_and_uses(invoke):
    result = invoke("show", "fluorochem", "--segment", "pvdf", "--format", "json")
    records = {r["id"]: r for r in json.loads(result.stdout)}
    assert records["pvdf"]["upstream"] == ["hfp", "vdf"]
    assert {"lithium_battery", "photovoltaic"} <= set(records["pvdf"]["downstream"])
    assert records["vdf"]["upstream"] == ["hcfc_refrigerants"]
    assert {"hcfc_refrigerants", "ahf", "fluorspar"} <= set(records)
    assert set(records["pvdf"]) == {
        "id",
        "name_zh",
        "name_en",
        "stage",
        "keywords",
        "upstream",
        "downstream",
        "sources",
    }


def test_show_lists_all_segments_in_stage_order(invoke):
    records = json.loads(invoke("show", "fluorochem", "--format", "json").stdout)
    assert len(records) == 50
    order = list(STAGES)
    assert [order.index(r["stage"]) for r in records] == sorted(
        order.index(r["stage"]) for r in records
    )


def test_show_accepts_a_ttl_path(invoke, tmp_path, tiny_ttl):
    path = tmp_path / "tiny.ttl"
    path.write_text(tiny_ttl, encoding="utf-8")
    records = json.loads(invoke("show", path, "--format", "json").stdout)
    assert [r["id"] for r in records] == ["ore", "metal", "part"]


def test_unknown_names_get_one_line_errors(invoke):
    result = invoke("show", "fluorochm")
    assert result.exit_code != 0
    assert "did you mean: fluorochem" in result.stderr
    assert "Traceback" not in result.output
    result = invoke("show", "fluorochem", "--segment", "pvdx")
    assert result.exit_code != 0 and "pvdf" in result.stderr


def test_format_from_suffix_csv_has_bom_and_xlsx_reopens(invoke, tmp_path):
    csv_path = tmp_path / "chains.csv"
    invoke("chains", "-o", csv_path)
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "氟化工产业链".encode() in raw
    xlsx = tmp_path / "show.xlsx"
    invoke("show", "fluorochem", "-o", xlsx)
    rows = list(load_workbook(xlsx).active.values)
    assert len(rows) == 51


def test_xlsx_requires_output(invoke):
    result = invoke("chains", "--format", "xlsx")
    assert result.exit_code != 0 and "-o" in result.stderr


def test_xlsx_output_is_byte_identical_across_runs(invoke, tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    invoke("show", "fluorochem", "-o", a)
    time.sleep(1.1)  # openpyxl stamps the save time in seconds; it must not reach the file
    invoke("show", "fluorochem", "-o", b)
    assert a.read_bytes() == b.read_bytes()


def test_chain_import_round_trips_reference_style_tables(invoke, tmp_path):
    (tmp_path / "segs.csv").write_text(
        "id,name_zh,name_en,stage,keywords_zh,gbt4754,source_url\n"
        "ore,矿石,Ore,resource,矿石,,https://example.org/1\n"
        "metal,金属,Metal,material,金属,,https://example.org/2\n",
        encoding="utf-8",
    )
    (tmp_path / "links.csv").write_text(
        "upstream_id,downstream_id,relation,note,source_url\n"
        "ore,metal,feedstock_of,冶炼,https://example.org/3\n",
        encoding="gbk",
    )
    out = tmp_path / "mine.ttl"
    result = invoke(
        "chain",
        "import",
        tmp_path / "segs.csv",
        tmp_path / "links.csv",
        "-o",
        out,
        "--name-zh",
        "我的链",
    )
    assert result.exit_code == 0, result.output
    records = json.loads(invoke("show", out, "--format", "json").stdout)
    assert [r["id"] for r in records] == ["ore", "metal"]


def test_chain_import_bad_row_is_a_located_one_line_error(invoke, tmp_path):
    (tmp_path / "s.csv").write_text(
        "id,name_zh,name_en,stage,keywords_zh,gbt4754,source_url\nore,矿石,Ore,rock,,,\n",
        encoding="utf-8",
    )
    (tmp_path / "l.csv").write_text("upstream_id,downstream_id,relation\n", encoding="utf-8")
    result = invoke(
        "chain", "import", tmp_path / "s.csv", tmp_path / "l.csv", "-o", tmp_path / "x.ttl"
    )
    assert result.exit_code != 0
    assert "s.csv, row 2, column 'stage'" in result.stderr


@pytest.mark.parametrize(
    "chain_id", ["a b", "a>b", "x#y", "链", 'evil ; skos:prefLabel "注入"@zh .']
)
def test_chain_import_refuses_an_id_that_is_not_an_iri_name_and_keeps_the_old_file(
    invoke, tmp_path, chain_id
):
    (tmp_path / "s.csv").write_text(
        "id,name_zh,name_en,stage,keywords_zh,gbt4754,source_url\nore,矿石,Ore,resource,,,\n",
        encoding="utf-8",
    )
    (tmp_path / "l.csv").write_text("upstream_id,downstream_id,relation\n", encoding="utf-8")
    out = tmp_path / "x.ttl"
    args = ["chain", "import", tmp_path / "s.csv", tmp_path / "l.csv", "-o", out]
    assert invoke(*args, "--id", "good_chain").exit_code == 0
    before = out.read_bytes()
    result = invoke(*args, "--id", chain_id)
    assert result.exit_code == 1 and "invalid chain id" in result.stderr, result.output
    assert out.read_bytes() == before


def _all_commands(group, prefix=()):
    for name, cmd in sorted(group.commands.items()):
        yield (*prefix, name), cmd
        if hasattr(cmd, "commands"):
            yield from _all_commands(cmd, (*prefix, name))


def test_every_command_has_help_with_example_and_is_in_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path, cmd in _all_commands(cli):
        assert cmd.help and "Example:" in cmd.help, path
        assert f"chainmap {' '.join(path)}" in readme, f"README does not mention {' '.join(path)}"


def test_help_imports_no_heavy_dependencies():
    code = (
        "import sys; from chainmap.cli import main\n"
        "try: main(['--help'])\nexcept SystemExit: pass\n"
        "heavy = [m for m in ('pyvis', 'pyoxigraph', 'openpyxl', 'pyshacl', 'docx', 'dask', 'rdflib', 'pandas', 'networkx')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout


def test_the_entry_point_freezes_what_is_left_as_the_process_ends(tmp_path):
    """main() is a process's last act: the objects left are frozen, so the interpreter's
    last collections skip them, after a command that succeeds or fails; its output is
    written and complete."""
    out_file = tmp_path / "chains.csv"
    code = (
        "import gc, sys; from chainmap.cli import main\n"
        "assert gc.get_freeze_count() == 0\n"
        "try: main(sys.argv[1:])\n"
        "except SystemExit as e: print('EXIT', e.code)\n"
        "print('FROZEN', gc.get_freeze_count() > 1000)\n"
    )
    for args, code_seen in (
        (["chains", "-o", str(out_file)], "EXIT 0"),
        (["rank", "no_such_chain"], "EXIT 1"),
    ):
        run = [sys.executable, "-c", code, *args]
        out = subprocess.run(run, capture_output=True, text=True, check=True)
        assert code_seen in out.stdout, out.stderr
        assert "FROZEN True" in out.stdout
    assert "fluorochem" in out_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("args", [["--help"], ["chains", "--help"], ["show", "--help"]])
def test_help_pages_render(invoke, args):
    assert invoke(*args).exit_code == 0


def test_a_missing_optional_package_names_the_extra(invoke, monkeypatch, tmp_path):
    import builtins

    real = builtins.__import__

    def no_docx(name, *args, **kwargs):
        if name == "docx" or name.startswith("docx."):
            raise ModuleNotFoundError("No module named 'docx'", name="docx")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_docx)
    result = invoke("plan", "fluorochem", "-o", tmp_path / "p.docx")
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "pip install 'chainmap[docx]'" in result.stderr


def test_the_readme_chain_table_gives_the_real_counts():
    import re

    from chainmap.model.chain import describe_bundled_chains

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(
        (cid, (int(a), int(b)))
        for cid, a, b in re.findall(r"^\| `(\w+)` \| [^|]+\| (\d+) / (\d+) \|$", readme, re.M)
    )
    actual = {r["id"]: (r["segments"], r["links"]) for r in describe_bundled_chains()}
    assert rows == actual


def test_the_readme_python_blocks_that_build_maps_run(tmp_path, monkeypatch):
    """Every README Python block that calls build_map runs as written (it once used
    ``status`` and ``ranking`` it never defined)."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "build_map(" in b]
    assert blocks
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        if "build_map(chain, enterprises=firms" not in block and "net = build_map" not in block:
            continue
        exec(compile(block, "README.md", "exec"), {})
    assert (tmp_path / "map.html").exists()


def test_the_readme_sample_size_is_the_bundled_one():
    import csv
    import re

    from chainmap import datasets

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows, firms = map(int, re.search(r"(\d+) rows: (\d+) real firms", readme).groups())
    files = sorted((ROOT / "graphs").glob("companies_*.csv"))
    assert rows == sum(sum(1 for _ in csv.DictReader(f.open(encoding="utf-8"))) for f in files)
    assert firms == len(datasets.enterprises("all"))
