# %% [markdown]
# # 01 · 氟化工产业链导览 / A tour of the fluorochemical chain
#
# 以武义县为本地，走一遍 chainmap 的主流程：加载产业链 → 上下游 → 强链/补链/延链 →
# 招商目标企业排序 → 招商方案 → 交互式产业链图谱。
#
# The main flow with 武义县 (Wuyi county, Jinhua, 330723) as the home region: load the
# chain, look up and down the chain, the gaps (强链 / 补链 / 延链), the ranked targets,
# the targeting plan, and the interactive map. Everything runs offline on the bundled,
# sourced sample firms (`chainmap.datasets`); see `graphs/README.md` for every source.

# %%
import chainmap as cm

chain = cm.load_chain("fluorochem")
chain  # in Jupyter: an HTML summary, segments by stage with counts

# %% [markdown]
# ## 环节与上下游 / Segments, upstream and downstream
#
# `chain.segments` is a DataFrame of every segment (stage order). `upstream` and
# `downstream` follow the links any number of hops (or `depth=` hops).

# %%
chain.segments[["name_zh", "name_en", "stage", "keywords"]].head(8)

# %%
pvdf = chain.segment("pvdf")
print(pvdf.name_zh, "/", pvdf.name_en, "·", pvdf.stage)
print("上游 upstream (1 hop):  ", [chain.segment(s).name_zh for s in chain.upstream("pvdf", depth=1)])
print("上游 upstream (all):    ", [chain.segment(s).name_zh for s in chain.upstream("pvdf")])
print("下游 downstream (1 hop):", [chain.segment(s).name_zh for s in chain.downstream("pvdf", depth=1)])

# %% [markdown]
# A neighbourhood is a chain too, with the same HTML summary:

# %%
chain.neighbourhood("pvdf", depth=1)

# %% [markdown]
# ## 样本企业 / The bundled sample firms
#
# Real companies with sources (`source` column). Firms abroad keep their `country` and
# have no `region_code`.

# %%
firms = cm.datasets.enterprises(chain)
print(len(firms), "firms;", int(firms["region_code"].notna().sum()), "with a Chinese region code")
firms[["name", "province", "city", "county", "region_code", "segments"]].head(10)

# %% [markdown]
# ## 武义县的强链、补链、延链 / Gaps for 武义县
#
# For each segment: how many home firms hold it, the location quotient, the status
# (`strong`, `weak`, `missing`, `no_data`) and the strategy, with the reason in words.

# %%
gaps = cm.segment_status(chain, firms, home="武义县")
print({k: gaps.attrs[k] for k in ("home", "home_name", "level", "regions", "enterprises")})
gaps[["name_zh", "stage", "status", "strategy", "count_home", "lq", "feasibility"]].head(15)

# %%
gaps.groupby(["status", "strategy"], dropna=False).size().rename("segments").to_frame()

# %%
for sid in ["ahf", "pvdf"]:
    print(sid, "→", gaps.loc[sid, "reason"])

# %% [markdown]
# ## 招商目标企业 / Ranked targets
#
# Outside firms ranked by how well they fill the gaps. The score splits exactly into
# four weighted criteria (`contributions`); `stability` is the share of randomly
# perturbed weight sets under which the firm stays in the top K. Home firms never
# appear here: they are the anchors in `gaps`.

# %%
ranking = cm.rank_enterprises(chain, firms, home="武义县")
ranking[["rank", "name", "region", "segment_name", "strategy", "score", "stability"]].head(10)

# %%
top = ranking.iloc[0]
print(top["name"], "·", top["reasons"])
print({k: round(v, 3) for k, v in top["contributions"].items()}, "sum =", round(top["score"], 3))

# %% [markdown]
# ## 招商方案 / The targeting plan (重点领域 + 重点区域 + 重点企业)

# %%
plan = cm.build_plan(chain, firms, home="武义县", fields=4, per_field=3)
plan

# %% [markdown]
# ## 产业链图谱 / The map
#
# Segments left to right by stage, coloured by the home's status; the top targets per
# segment as satellites (tooltips carry score and reasons), home anchors as stars. The
# page is self-contained (no CDN), shown inline through an `<iframe srcdoc>` that works
# in JupyterLab, classic Notebook and VS Code.

# %%
net = cm.build_map(chain, enterprises=firms, home="武义县", ranking=ranking, status=gaps,
                   top_per_segment=3)
cm.display_map(net, height=600)

# %% [markdown]
# To keep the map as a file, write it anywhere you like; this notebook writes into a
# temporary folder so it never touches the repository.

# %%
import tempfile
from pathlib import Path

from chainmap.outputs.maps import write_map

out = Path(tempfile.mkdtemp(prefix="chainmap-")) / "fluorochem_wuyi.html"
write_map(net, out)
print(out.name, f"{out.stat().st_size / 1024:.0f} KiB")
