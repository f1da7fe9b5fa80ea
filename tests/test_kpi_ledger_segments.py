"""Ledger rows without a segment are classified from the project and enterprise names."""

from __future__ import annotations

import pandas as pd

from chainmap.analysis.kpi import classify_projects


def test_empty_segments_are_classified_and_given_ones_kept():
    ledger = pd.DataFrame(
        {
            "project_id": ["P1", "P2", "P3", "P4"],
            "project": [
                "年产5000吨聚偏氟乙烯项目",
                "化工物流中心",
                "电子级氢氟酸扩能",
                "锂电池隔膜",
            ],
            "enterprise": ["示例企业甲", "示例企业乙", "示例企业丙", "示例企业丁"],
            "chain": ["fluorochem", "fluorochem", "fluorochem", "no_such_chain"],
            "segment": [None, None, "ahf", None],
            "segments_source": [None, None, "given", None],
        }
    )
    out = classify_projects(ledger)
    assert out.loc[0, "segment"] == "pvdf" and out.loc[0, "segments_source"] == "classified"
    assert out.loc[1, "segment"] is None and out.loc[1, "segments_source"] == "classified"
    assert out.loc[2, "segment"] == "ahf" and out.loc[2, "segments_source"] == "given"
    assert pd.isna(out.loc[3, "segment"]) and pd.isna(out.loc[3, "segments_source"])
    assert pd.isna(ledger.loc[0, "segment"])  # the input is not modified


def test_kpi_by_segment_counts_a_classified_project(invoke, tmp_path):
    import json

    path = tmp_path / "ledger.csv"
    path.write_text(
        "项目编号,项目名称,企业名称,产业链,细分环节,产业类别,来源,总投资,签约日期,落地日期\n"
        "A1,年产5000吨聚偏氟乙烯项目,示例企业甲,fluorochem,,制造业,招引,12,2024-01-05,2024-03-01\n",
        encoding="utf-8",
    )
    targets = tmp_path / "t.toml"
    targets.write_text('[[class]]\nid = "all"\nname = "全部"\n', encoding="utf-8")
    result = invoke(
        "kpi",
        path,
        "--targets",
        targets,
        "--period",
        "2024H1",
        "--by",
        "segment",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert any(r.get("group") == "pvdf" and r["landed_count"] == 1 for r in rows)


def test_active_projects_by_segment():
    from chainmap.analysis.kpi import active_projects

    ledger = pd.DataFrame(
        {
            "project_id": ["P1", "P2", "P3", "P4"],
            "project": ["聚偏氟乙烯项目", "氟橡胶项目", "已投产项目", "别的链"],
            "chain": ["fluorochem", "fluorochem", "fluorochem", "nev"],
            "segment": ["pvdf", "fkm;pvdf", "ptfe", "fkm"],
            "operating_on": [pd.NaT, pd.NaT, pd.Timestamp("2024-05-01"), pd.NaT],
        }
    )
    assert active_projects(ledger, ["fluorochem"]) == {
        "fkm": ["氟橡胶项目"],
        "pvdf": ["氟橡胶项目", "聚偏氟乙烯项目"],
    }


def test_map_marks_segments_with_active_projects(invoke, tmp_path):
    from pathlib import Path

    ledger = Path(__file__).resolve().parents[1] / "graphs" / "ledger_synthetic.csv"
    out = tmp_path / "m.html"
    result = invoke("map", "fluorochem", "--ledger", ledger, "-o", out)
    assert result.exit_code == 0, result.output
    import json
    import re

    page = out.read_text(encoding="utf-8")
    block = re.search(
        r'<script type="application/json" id="chainmap-data">(.*?)</script>', page, re.S
    )
    nodes = {n["id"]: n for n in json.loads(block.group(1))["nodes"]}
    # SX-001 (PVDF) is in the synthetic ledger without an operating date.
    assert nodes["seg:pvdf"]["projects"] >= 1 and "个项目" in nodes["seg:pvdf"]["label"]
    assert "示例项目A" in nodes["seg:pvdf"]["title"]
    assert "projects" not in nodes["seg:trifluoromethane"]  # no project there
