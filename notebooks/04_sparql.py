# %% [markdown]
# # 04 · 知识图谱与 SPARQL / The knowledge graph and SPARQL
#
# 把产业链、企业和地区导出为 RDF 知识图谱，运行内置的示例 SPARQL 查询。
#
# Export the chain, the enterprises and their regions as an RDF knowledge graph (SKOS +
# the chainmap vocabulary, schema.org, dcterms), then run the bundled example queries in
# `graphs/queries/`. Values are bound as query parameters, never pasted into the text.

# %%
import tempfile
from pathlib import Path

import chainmap as cm
from chainmap.outputs.kg import bundled_queries, parse_term, read_query

chain = cm.load_chains(["fluorochem", "semiconductor_materials"])  # joined on 7 shared segments
firms = cm.datasets.enterprises(chain)
print(len(chain), "segments;", len(firms), "sample firms")

# %% [markdown]
# ## 导出 / Export
#
# `build_kg` returns an rdflib Graph (for ordinary sizes); `write_kg` writes Turtle,
# N-Triples or JSON-LD straight from the tables, with the same triples and
# deterministic bytes. Regions: those the enterprises reference, with their ancestors
# (`regions=True` exports the whole table). The files go to a temporary folder, not
# the repository.

# %%
graph = cm.build_kg(chain, enterprises=firms)
print(f"{len(graph):,} triples")

out = Path(tempfile.mkdtemp(prefix="chainmap-"))
for fmt in ("ttl", "nt"):
    cm.write_kg(chain, out / f"kg.{fmt}", enterprises=firms, format=fmt)
{p.name: f"{p.stat().st_size / 1024:.0f} KiB" for p in sorted(out.iterdir())}

# %%
print((out / "kg.ttl").read_text(encoding="utf-8").split("seg:pvdf a", 1)[1][:600])

# %% [markdown]
# ## 示例查询 / The example queries
#
# Each bundled query starts with a comment saying what it answers and what to bind.

# %%
queries = bundled_queries()
queries

# %%
print(read_query("upstream-path"))

# %% [markdown]
# Run every bundled query with the example bindings from its header (`query_kg` binds
# them as parameters; pyoxigraph answers when installed, else rdflib):

# %%
examples = {
    "downstream-enterprises-in-zone": {"source": "seg:fluorspar", "zone": '"长三角"@zh'},
    "enterprises-in-segment": {"segment": "seg:ahf"},
    "enterprises-per-province": {"segment": "seg:ahf"},
    "segments-of-stage": {"stage": "stage:material"},
    "shared-segments": {},
    "upstream-path": {"target": "seg:pvdf"},
}
results = {}
for name in queries:
    bindings = {var: parse_term(value) for var, value in examples.get(name, {}).items()}
    results[name] = cm.query_kg(chain, read_query(name), enterprises=firms, bindings=bindings)
    print(f"{name:32} {len(results[name]):4} rows   {queries[name]}")

# %%
results["upstream-path"]

# %%
results["enterprises-per-province"]

# %%
results["downstream-enterprises-in-zone"].head(10)

# %%
results["shared-segments"]

# %% [markdown]
# ## 自己写查询 / Your own query on the rdflib graph
#
# Any SELECT works on the graph returned by `build_kg`; bind values with `initBindings`
# rather than formatting them into the query string.

# %%
import pandas as pd
from rdflib import Literal

my_query = """
PREFIX cm: <https://w3id.org/chainmap/vocab#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?name ?segmentName WHERE {
  ?firm cm:region/schema:containedInPlace* ?place ;
        schema:name ?name ;
        cm:segment ?segment .
  ?place schema:name ?placeName .
  ?segment skos:prefLabel ?segmentName .
  FILTER(lang(?segmentName) = "zh")
}
ORDER BY ?name ?segmentName
"""
rows = graph.query(my_query, initBindings={"placeName": Literal("衢州市", lang="zh")})
pd.DataFrame([(str(r.name), str(r.segmentName)) for r in rows], columns=["name", "segment"])
