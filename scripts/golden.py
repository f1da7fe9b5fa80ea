"""Write every chainmap output for the bundled data into a folder, or compare two such folders.

A refactoring that changes no method must leave these bytes alone (issue #14)::

    python scripts/golden.py OUTDIR                 # run every command, one file per output
    python scripts/golden.py --compare DIR_A DIR_B  # list the files that differ

Each command runs in-process with click's CliRunner, inside OUTDIR, so paths in
the notes are relative and the folders of two runs compare. Next to each output,
``NAME.stderr`` holds the notes the command wrote and its exit code. XLSX and
DOCX files are zip archives: they are compared member by member, by bytes.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
import shutil
import sys
import zipfile

REPO = Path(__file__).resolve().parent.parent
#: Input files, copied into ``OUTDIR/inputs`` so every path in the notes is relative.
INPUTS = {
    "ledger_synthetic.csv": REPO / "graphs" / "ledger_synthetic.csv",
    "ledger_synthetic_investment.csv": REPO / "graphs" / "ledger_synthetic_investment.csv",
    "kpi_targets_synthetic.toml": REPO / "graphs" / "kpi_targets_synthetic.toml",
    "companies_fluorochem.csv": REPO / "graphs" / "companies_fluorochem.csv",
    "registry_gbk_title_synthetic.csv": REPO
    / "tests"
    / "fixtures"
    / "registry_gbk_title_synthetic.csv",
    **{
        name: REPO / "tests" / "fixtures" / "hostile" / name
        for name in (
            "ent_dates_out_of_range.csv",
            "ent_nan_inf_numbers.csv",
            "ent_negative_capital.csv",
            "ent_segment_tags_case.csv",
            "ent_ragged_more_fields.csv",
        )
    },
    "classify_fluorochem_handwritten.csv": REPO
    / "tests"
    / "fixtures"
    / "classify_fluorochem_handwritten.csv",
}

#: (output file, CLI arguments). ``{out}`` is replaced by the output file name;
#: commands without ``-o`` write to stdout, captured into the output file.
COMMANDS: list[tuple[str, list[str]]] = [
    ("chains.json", ["chains", "--format", "json"]),
    # the import normaliser: canonical table and row-by-row report
    *[
        (
            f"import_{stem}.csv",
            [
                "import",
                f"inputs/{stem}.csv",
                "-o",
                "{out}",
                "--report",
                f"import_{stem}.report.csv",
            ],
        )
        for stem in (
            "registry_gbk_title_synthetic",
            "companies_fluorochem",
            "ent_dates_out_of_range",
            "ent_nan_inf_numbers",
            "ent_negative_capital",
            "ent_segment_tags_case",
            "ent_ragged_more_fields",
        )
    ],
    ("chains.table", ["chains"]),
    ("show_fluorochem.json", ["show", "fluorochem", "--format", "json"]),
    ("gaps_fluorochem.json", ["gaps", "fluorochem", "--format", "json"]),
    ("gaps_fluorochem.csv", ["gaps", "fluorochem", "-o", "{out}"]),
    ("gaps_fluorochem.table", ["gaps", "fluorochem"]),
    ("rank_fluorochem.json", ["rank", "fluorochem", "--format", "json"]),
    ("rank_fluorochem.csv", ["rank", "fluorochem", "-o", "{out}"]),
    ("rank_fluorochem.xlsx", ["rank", "fluorochem", "-o", "{out}"]),
    ("rank_fluorochem.table", ["rank", "fluorochem"]),
    ("plan_fluorochem.md", ["plan", "fluorochem", "-o", "{out}"]),
    ("plan_fluorochem.html", ["plan", "fluorochem", "-o", "{out}"]),
    ("plan_fluorochem.xlsx", ["plan", "fluorochem", "-o", "{out}"]),
    ("plan_fluorochem.docx", ["plan", "fluorochem", "-o", "{out}"]),
    ("plan_fluorochem.json", ["plan", "fluorochem", "-o", "{out}"]),
    ("map_fluorochem.html", ["map", "fluorochem", "-o", "{out}"]),
    (
        "map_fluorochem_pvdf.html",
        ["map", "fluorochem", "--segment", "pvdf", "--depth", "2", "-o", "{out}"],
    ),
    ("map_fluorochem_lithium.html", ["map", "fluorochem,lithium_battery", "-o", "{out}"]),
    ("export_fluorochem.ttl", ["export", "fluorochem", "--enterprises", "sample", "-o", "{out}"]),
    ("export_fluorochem.nt", ["export", "fluorochem", "--enterprises", "sample", "-o", "{out}"]),
    (
        "export_fluorochem.jsonld",
        ["export", "fluorochem", "--enterprises", "sample", "-o", "{out}"],
    ),
    *[
        (
            f"kpi_synthetic.{fmt}",
            [
                "kpi",
                "inputs/ledger_synthetic.csv",
                "--targets",
                "inputs/kpi_targets_synthetic.toml",
                "--investment",
                "inputs/ledger_synthetic_investment.csv",
                "--period",
                "2024",
                *(["-o", "{out}"] if fmt != "table" else []),
            ],
        )
        for fmt in ("json", "csv", "xlsx", "table")
    ],
    (
        "classify_handwritten.json",
        [
            "classify",
            "fluorochem",
            "inputs/classify_fluorochem_handwritten.csv",
            "--text-column",
            "text",
            "--format",
            "json",
        ],
    ),
    (
        "classify_handwritten.csv",
        [
            "classify",
            "fluorochem",
            "inputs/classify_fluorochem_handwritten.csv",
            "--text-column",
            "text",
            "-o",
            "{out}",
        ],
    ),
    *[
        (
            f"rank_{engine}_csv.json",
            [
                "rank",
                "fluorochem",
                "--engine",
                engine,
                "--enterprises",
                "inputs/companies_fluorochem.csv",
                "--format",
                "json",
            ],
        )
        for engine in ("memory", "stream")
    ],
    # A GBK registry export with a title row: base 1c2b199 streams it into a traceback.
    *[
        (
            f"rank_{engine}_gbk.json",
            [
                "rank",
                "fluorochem",
                "--engine",
                engine,
                "--enterprises",
                "inputs/registry_gbk_title_synthetic.csv",
                "--format",
                "json",
            ],
        )
        for engine in ("memory", "stream")
    ],
]


def write_all(outdir: Path) -> None:
    """Run every command of :data:`COMMANDS`; write its output and its notes into ``outdir``."""
    from click.testing import CliRunner

    from chainmap.cli import cli

    outdir.mkdir(parents=True, exist_ok=True)
    here = Path.cwd()
    (outdir / "inputs").mkdir(exist_ok=True)
    for name, source in INPUTS.items():
        shutil.copyfile(source, outdir / "inputs" / name)
    os.chdir(outdir)
    try:
        for name, args in COMMANDS:
            args = [a.replace("{out}", name) for a in args]
            result = CliRunner().invoke(cli, args, catch_exceptions=True)
            if "{out}" not in " ".join(dict(COMMANDS)[name]):
                Path(name).write_bytes(result.stdout_bytes)
            notes = result.stderr + f"exit code: {result.exit_code}\n"
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                notes += f"exception: {type(result.exception).__name__}: {result.exception}\n"
            Path(name + ".stderr").write_text(notes, encoding="utf-8")
            print(f"{result.exit_code}  {name}", file=sys.stderr)
    finally:
        os.chdir(here)


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {info.filename: z.read(info) for info in z.infolist()}


def differences(a: Path, b: Path) -> list[str]:
    """One line per file that is missing on one side or differs in its bytes."""
    names_a = {p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()}
    names_b = {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()}
    out = [f"only in {a}: {n}" for n in sorted(names_a - names_b)]
    out += [f"only in {b}: {n}" for n in sorted(names_b - names_a)]
    for name in sorted(names_a & names_b):
        fa, fb = a / name, b / name
        if fa.suffix in (".xlsx", ".docx"):
            ma, mb = _members(fa), _members(fb)
            changed = sorted(k for k in ma.keys() | mb.keys() if ma.get(k) != mb.get(k))
            if changed:
                out.append(f"differs: {name} (members: {', '.join(changed)})")
        elif fa.read_bytes() != fb.read_bytes():
            out.append(f"differs: {name}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path, help="OUTDIR, or DIR_A DIR_B with --compare")
    parser.add_argument("--compare", action="store_true", help="compare two output folders")
    args = parser.parse_args(argv)
    if args.compare:
        if len(args.dirs) != 2:
            parser.error("--compare needs DIR_A DIR_B")
        lines = differences(*args.dirs)
        print("\n".join(lines) if lines else "identical")
        return 1 if lines else 0
    if len(args.dirs) != 1:
        parser.error("give one OUTDIR")
    if args.dirs[0].exists():
        shutil.rmtree(args.dirs[0])
    write_all(args.dirs[0].resolve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
