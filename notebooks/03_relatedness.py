# %% [markdown]
# # 03 · 关联度与复杂度 / Relatedness and complexity
#
# 地区 × 环节矩阵、区位商 (RCA)、邻近度 (proximity)、关联密度 (density)，以及
# “关联度—复杂度”四象限图：哪些本地尚未具备的环节既与现有基础相关，又有较高复杂度？
#
# The region × segment matrix, revealed comparative advantage (RCA, the location
# quotient), Hidalgo et al. (2007) proximity, relatedness density, and the Balland et
# al. (2019) relatedness-vs-complexity quadrant for 浙江省.
#
# **Read the numbers as an illustration.** The bundled sample is a small set of listed or
# well-documented firms, not a census: it shows the method, not a ranking of real
# regions. These measures need many regions with diverse holdings; at city level the
# sample splits into small disconnected blocks and complexity degenerates, so this
# notebook works at province level. With a full registry export, use
# `level="city"` or `"county"` and your own home.
#
# The plot needs matplotlib: `pip install -e ".[notebooks]"`.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import chainmap as cm
from chainmap.analysis import relatedness as rel
from chainmap.model.catalog import bundled_chain_ids

chain = cm.load_chains(bundled_chain_ids())  # every bundled chain, joined on shared segments
firms = cm.datasets.enterprises("all")
print(chain)
print(len(firms), "sample firms")

# %% [markdown]
# ## 地区 × 环节矩阵 / The region × segment matrix
#
# Enterprise counts per province and segment (deregistered and foreign firms left out).
# We keep the segments that some province holds.

# %%
X = cm.region_segment_matrix(chain, firms, level="province")
X = X.loc[:, X.sum() > 0]
names = cm.regions()["name"]
print(X.shape, "(provinces × segments)")
busiest = X.sum(axis=1).nlargest(8).index, X.sum().nlargest(8).index  # most firms first
X.loc[busiest].rename(index=names, columns=lambda s: chain.segment(s).name_zh)

# %% [markdown]
# ## RCA 与存在矩阵 / RCA and presence
#
# RCA = (X_rs / Σ_s X_rs) / (Σ_r X_rs / ΣX); a region "has" a segment (M = 1) where RCA ≥ 1.

# %%
R = rel.rca(X)
M = rel.presence(R)
home = "330000"  # 浙江省
print(names[home], "holds", int(M.loc[home].sum()), "of", M.shape[1], "segments with RCA ≥ 1")
R.loc[home].sort_values(ascending=False).head(8).rename(lambda s: chain.segment(s).name_zh)

# %% [markdown]
# ## 邻近度与关联密度 / Proximity and density
#
# φ_pq = (MᵀM)_pq / max(k_p, k_q): how often two segments are held together.
# ω_rs = Σ_q M_rq φ_sq / Σ_q φ_sq: how much of what s is close to, region r already holds.

# %%
phi = rel.proximity(M)
upper = np.triu(np.ones(phi.shape, dtype=bool), k=1)  # each pair once
label = {s: chain.segment(s).name_zh for s in phi.index}
pairs = phi.where(upper).stack().sort_values(ascending=False).head(8)
pairs.rename(index=label).to_frame("proximity")

# %%
omega = rel.density(M, phi)
quadrant = pd.DataFrame(
    {
        "name_zh": [chain.segment(s).name_zh for s in M.columns],
        "name_en": [chain.segment(s).name_en for s in M.columns],
        "density": omega.loc[home],
        "held": M.loc[home].astype(bool),
    },
    index=M.columns,
)
eci, pci = rel.complexity(M)
quadrant["complexity"] = pci
quadrant.sort_values("density", ascending=False).head(10)

# %% [markdown]
# ## 关联度—复杂度四象限 / The relatedness–complexity quadrant
#
# x: relatedness density for 浙江省; y: segment complexity (PCI, eigenvector method,
# z-scores). Dashed lines at the medians. Segments the region does not yet hold to the
# right are the related ones; those also high up are related *and* complex, the classic
# candidates for diversification. The most related segments not yet held are labelled.

# %%
data = quadrant.dropna(subset=["complexity"])
x_mid, y_mid = data["density"].median(), data["complexity"].median()
fig, ax = plt.subplots(figsize=(8, 6))
for held, style in [(False, {"c": "#c0392b", "label": "not held (RCA < 1)"}),
                    (True, {"c": "#2471a3", "label": "held (RCA ≥ 1)"})]:
    part = data[data["held"] == held]
    ax.scatter(part["density"], part["complexity"], s=28, alpha=0.8, **style)
ax.axvline(x_mid, ls="--", c="grey", lw=0.8)
ax.axhline(y_mid, ls="--", c="grey", lw=0.8)
candidates = data[~data["held"]].sort_values(["density", "complexity"], ascending=False).head(8)
# numbered labels (names in the table below); points that coincide share one label
candidates = candidates.assign(label=range(1, len(candidates) + 1))
spots = candidates.groupby([candidates["density"].round(3), candidates["complexity"].round(3)])
for (d, c), group in spots:
    ax.annotate(",".join(map(str, group["label"])), (d, c), fontsize=8,
                xytext=(4, 4), textcoords="offset points")
ax.set_xlabel("relatedness density (Zhejiang)")
ax.set_ylabel("segment complexity (PCI, z-score)")
ax.set_title("Relatedness vs complexity, bundled sample firms (illustrative)")
ax.legend(loc="lower right", fontsize=8)
plt.show()

# %%
candidates.assign(upper_right=(candidates["density"] > x_mid) & (candidates["complexity"] > y_mid))[
    ["label", "name_zh", "name_en", "density", "complexity", "upper_right"]
]

# %% [markdown]
# The same density, computed inside `segment_status` with the profile's thresholds, is
# the `density` column of the gaps table whenever at least `min_regions_for_density`
# regions hold the chain (here for 浙江省 at province level):

# %%
gaps = cm.segment_status(chain, firms, home=home)
gaps.loc[gaps["count_total"] > 0, ["name_zh", "status", "strategy", "lq", "density"]].head(10)
