"""rank / plan / map know the pipeline: firms in the ledger are flagged, never dropped silently."""

from __future__ import annotations

import json

import pandas as pd

from chainmap.analysis.pipeline import mark_pipeline

LEDGER = (
    "项目编号,项目名称,企业名称,产业链,盯引日期,签约日期,落地日期,放弃日期,放弃原因\n"
    "T1,示例项目一,{a},fluorochem,2024-01-01,,,,\n"
    "T2,示例项目二,{b},fluorochem,2024-01-01,2024-03-01,2024-05-01,,\n"
    "T3,示例项目三,{c},fluorochem,2024-01-01,,,2024-04-01,企业转投他地\n"
)


def _top(invoke, n=5):
    result = invoke("rank", "fluorochem", "--top", n, "--format", "json")
    return json.loads(result.stdout)


def test_mark_pipeline_matches_by_uscc_then_name_then_lead_id():
    ledger = pd.DataFrame(
        {
            "project_id": ["fluorochem-E9", "P2", "P3"],
            "enterprise": [None, "乙公司", None],
            "uscc": [None, None, "91330000MA2XXXXX0X"],
            "tracked_on": pd.to_datetime(["2024-01-01"] * 3),
            "signed_on": pd.to_datetime([None, "2024-02-01", None]),
        }
    )
    ranked = [
        {"enterprise_id": "E9", "name": "甲公司"},  # the project id plan --leads gave it
        {"enterprise_id": "E2", "name": "乙公司"},  # by name
        {"enterprise_id": "E3", "name": "丙公司", "uscc": "91330000ma2xxxxx0x"},  # USCC, any case
        {"enterprise_id": "E4", "name": "丁公司"},
    ]
    marked, notes = mark_pipeline(ranked, ledger, chain="fluorochem")
    assert [r["pipeline"] for r in marked] == ["在跟进", "已签约", "在跟进", None]
    assert [r["pipeline_project"] for r in marked][:3] == ["fluorochem-E9", "P2", "P3"]
    assert "在跟进 2" in notes[0] and "已签约 1" in notes[0]


def test_rank_flags_and_the_profile_excludes_by_label(invoke, tmp_path):
    top = _top(invoke)
    names = [r["name"] for r in top]
    ledger = tmp_path / "l.csv"
    ledger.write_text(LEDGER.format(a=names[0], b=names[1], c=names[2]), encoding="utf-8")
    result = invoke("rank", "fluorochem", "--top", 5, "--ledger", ledger, "--format", "json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert [r["name"] for r in got] == names  # nothing removed without the profile
    assert [r["pipeline"] for r in got] == ["在跟进", "已落地", "已放弃", None, None]
    assert "已放弃 1" in result.stderr
    profile = tmp_path / "p.toml"
    profile.write_text('[targets]\nexclude_pipeline = ["已签约", "已落地"]\n', encoding="utf-8")
    args = ["--ledger", ledger, "--profile", profile, "--format", "json"]
    kept = invoke("rank", "fluorochem", "--top", 5, *args)
    assert [r["name"] for r in json.loads(kept.stdout)] == [names[0], *names[2:]]
    assert f"{names[1]} (已落地)" in kept.stderr  # named, not silently removed


def test_plan_key_enterprises_carry_the_label(invoke, tmp_path):
    plan = json.loads(invoke("plan", "fluorochem", "--format", "json").stdout)
    first = plan["key_enterprises"][0]["name"]
    ledger = tmp_path / "l.csv"
    ledger.write_text(LEDGER.format(a=first, b="无关企业乙", c="无关企业丙"), encoding="utf-8")
    result = invoke("plan", "fluorochem", "--format", "json", "--ledger", ledger)
    assert result.exit_code == 0, result.output
    keys = json.loads(result.stdout)["key_enterprises"]
    assert keys[0]["name"] == first and keys[0]["pipeline"] == "在跟进"
