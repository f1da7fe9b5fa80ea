# %% [markdown]
# # 02 · 导入自己的企业名单 / Bring your own data
#
# 招商部门的企业名单通常是企业信息平台导出的 Excel：表头是中文，上方有标题行，注册资本带单位，
# 日期格式五花八门，还会有重复、注销和缺名称的行。本笔记本导入这样一份名单，查看导入报告，
# 按经营范围归入产业链环节，再与内置样本一起排序。
#
# Registry exports arrive as Excel with Chinese headers, a title row above the header,
# capital as text with units, mixed date styles, duplicates, deregistered firms and rows
# without a name. This notebook imports one, reads the ImportReport, classifies the
# business scopes (经营范围) into chain segments, and ranks.
#
# **The file is a SYNTHETIC FIXTURE**: `data/registry_export_fixture_synthetic.xlsx` is
# written by `data/make_registry_fixture.py`; every firm, person and code in it is
# invented (names end in 「(示例)」). Replace the path with your own export.

# %%
from pathlib import Path

import pandas as pd

import chainmap as cm

path = Path("data") / "registry_export_fixture_synthetic.xlsx"
pd.read_excel(path, header=None).head(6)  # the raw sheet: a title row, a blank row, the header

# %% [markdown]
# ## 导入与导入报告 / Import and the ImportReport
#
# `read_enterprises` finds the header row, maps the Chinese headers to the canonical
# columns, validates USCC check digits, parses capital and dates, resolves the region
# and merges duplicates. Every input row is kept or rejected with a reason
# (`read == kept + rejected`); row numbers are those of the spreadsheet.

# %%
table, report = cm.read_enterprises(path)
report  # in Jupyter: an HTML summary with one line per finding

# %%
print(report.summary())
report.to_frame()

# %%
table[["name", "uscc", "status", "active", "region_code", "registered_capital",
       "capital_currency", "founded", "employees", "flags"]]

# %% [markdown]
# ## 经营范围归类 / Classify business scopes
#
# `classify(chain, texts)` returns the segments found in each text with the evidence
# (the terms that matched). Negated mentions (不含…), mere markets (用于…) and raw
# materials (以…为原料) do not count, and application segments need a verb that says
# the firm makes or runs them.

# %%
chain = cm.load_chain("fluorochem")
found = cm.classify(chain, table.set_index("name")["scope"])
found

# %% [markdown]
# `assign_segments` does the same on the whole table and records where each row's
# segments came from: tags already in a `segments` or `环节` column always win
# (`tagged`); the rest are `classified`.

# %%
firms = cm.assign_segments(chain, table)
print(firms["segments_source"].value_counts().to_dict())
print("no segment found:", firms.loc[firms["segments"].map(len) == 0, "name"].tolist())

# %% [markdown]
# ## 本地现状与排序 / Gaps and ranking with your data
#
# The deregistered firm is kept in the table (`active=False`) and left out of the
# analysis; the firm resolved only to its city (金华市) counts at city level only.

# %%
gaps = cm.segment_status(chain, firms, home="武义县")
print("inactive excluded:", gaps.attrs["inactive_excluded"])
gaps.loc[gaps["count_total"] > 0, ["name_zh", "status", "strategy", "count_home", "anchors"]]

# %%
ranking = cm.rank_enterprises(chain, firms, home="武义县")
ranking[["rank", "name", "region", "segment_name", "strategy", "score", "reasons"]].head(10)

# %% [markdown]
# Your list and the bundled sample combine: the canonical columns are the same, so
# concatenate and rank again. (`enterprise_id` is the USCC when valid, else a stable
# hash of name and region, so the two lists cannot collide by accident.)

# %%
both = pd.concat([cm.datasets.enterprises(chain), firms], ignore_index=True)
combined = cm.rank_enterprises(chain, both, home="武义县", top=10)
combined[["rank", "name", "region", "segment_name", "strategy", "score"]]

# %% [markdown]
# ## 保存 / Save
#
# The canonical table and the report can be written as Parquet/CSV/XLSX. This notebook
# writes into a temporary folder, never into the repository.

# %%
import tempfile

from chainmap.outputs.enterprises import write_enterprises, write_import_report

out = Path(tempfile.mkdtemp(prefix="chainmap-"))
write_enterprises(firms, out / "firms.xlsx")
write_import_report(report, out / "import_report.csv")
sorted(p.name for p in out.iterdir())
