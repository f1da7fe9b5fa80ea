"""The knowledge graph: build_kg, the bulk writer, SPARQL queries and SHACL shapes."""

from __future__ import annotations

import csv
import importlib
import io
import os
from pathlib import Path
import subprocess
import sys

import pandas as pd
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, SDO, SKOS

from chainmap.errors import InputError
from chainmap.model.chain import join_chains, load_chain, parse_chain
from chainmap.model.vocab import CM, enterprise_iri, region_iri, segment_iri, zone_iri
from chainmap.outputs import kg

ZONES = {"长三角": ["310000", "330000"]}


@pytest.fixture(scope="module")
def regions():
    """A hand-made slice of the regions table (columns of chainmap.model.regions)."""
    return pd.DataFrame(
        {
            "adcode": ["330000", "330700", "330723", "310000", "310115", "440000", "440300"],
            "name": ["浙江省", "金华市", "武义县", "上海市", "浦东新区", "广东省", "深圳市"],
            "short_name": ["浙江", "金华", "武义", "上海", "浦东", "广东", "深圳"],
            "level": ["province", "city", "county", "province", "county", "province", "city"],
            "parent": [None, "330000", "330700", None, "310000", None, "440000"],
            "lat": [30.27, 29.08, 28.89, 31.23, 31.22, 23.13, 22.54],
            "lon": [120.15, 119.65, 119.81, 121.47, 121.54, 113.26, 114.06],
            "approx_coords": [False, False, True, False, False, False, False],
        }
    )


@pytest.fixture(scope="module")
def firms():
    """A hand-made canonical enterprise table, with text that needs escaping."""
    return pd.DataFrame(
        {
            "enterprise_id": [
                "91330723MA28D1234X",
                "h:0a1b2c3d4e5f",
                "91310115MA1K4ABCD2",
                "91440300MA5F00001Y",
            ],
            "uscc": ["91330723MA28D1234X", None, "91310115MA1K4ABCD2", "91440300MA5F00001Y"],
            "name": [
                '武义"测试"氟化\\工\n有限公司',
                "Example Fluoro Inc.",
                "上海测试新材料",
                "深圳测试电池",
            ],
            "legal_rep": ["张三", None, "李四", None],
            "status": ["存续", None, "在业", "存续"],
            "active": [True, None, True, False],
            "country": ["中国", "美国", "中国", "中国"],
            "province": ["浙江", None, "上海", "广东"],
            "city": ["金华", None, "上海", "深圳"],
            "county": ["武义县", None, "浦东新区", None],
            "region_code": ["330723", None, "310115", "440300"],
            "address": ["武义县\t某路1号", None, None, None],
            "segments": [["fluorspar", "ahf"], ["ptfe"], ["pvdf", "ahf"], ["lipf6"]],
            "segments_source": ["tagged", "tagged", "classified", "classified"],
            "scope": ["萤石开采;氢氟酸生产\x01(控制字符)", None, "聚偏氟乙烯", None],
            "registered_capital": [61051.5, None, 2.5e-07, 1e20],
            "capital_currency": ["CNY", None, "CNY", "CNY"],
            "founded": [pd.Timestamp("2001-05-02"), None, pd.Timestamp("2015-03-01"), None],
            "employees": [1200, None, 35, None],
            "revenue": [40.4, None, None, 2.5],
            "revenue_year": [2024, None, None, 2023],
            "listed": ["603379.SH", None, None, None],
            "flags": [["高新技术企业"], [], ["专精特新", "小巨人"], []],
            "parent": [None, None, "测试集团", None],
            "source": ["http://a.example/x http://b.example/y", "10-K 2023", None, "synthetic"],
        }
    )


def _rdflib_parse(data: bytes, fmt: str) -> Graph:
    graph = Graph()
    graph.parse(data=data.decode("utf-8"), format={"nt": "nt", "ttl": "turtle"}[fmt])
    return graph


# ---------------------------------------------------------------------- build and write


@pytest.mark.parametrize("fmt", ["nt", "ttl"])
def test_bulk_writer_is_isomorphic_to_rdflib_graph(fluorochem, firms, regions, fmt):
    graph = kg.build_kg(fluorochem, enterprises=firms, regions=regions, zones=ZONES)
    data = kg.serialize_kg(fluorochem, enterprises=firms, regions=regions, zones=ZONES, format=fmt)
    assert isomorphic(graph, _rdflib_parse(data, fmt))


def test_literals_carry_languages_datatypes_and_exact_text(fluorochem, firms, regions):
    data = kg.serialize_kg(fluorochem, enterprises=firms, regions=regions, zones=ZONES, format="nt")
    graph = _rdflib_parse(data, "nt")
    sanmei = enterprise_iri("91330723MA28D1234X")
    assert graph.value(sanmei, SDO.name) == Literal(firms["name"][0], lang="zh")
    assert graph.value(sanmei, CM.businessScope) == Literal(firms["scope"][0], lang="zh")
    assert str(graph.value(sanmei, CM.registeredCapital)) == "61051.5"
    capitals = {
        str(graph.value(enterprise_iri(e), CM.registeredCapital))
        for e in ("91310115MA1K4ABCD2", "91440300MA5F00001Y")
    }
    assert capitals == {"0.00000025", "100000000000000000000"}  # xsd:decimal has no exponent
    assert graph.value(sanmei, SDO.foundingDate).datatype.endswith("#date")
    assert str(graph.value(sanmei, CM.revenueYear)) == "2024"
    assert graph.value(sanmei, DCTERMS.identifier) == Literal("91330723MA28D1234X")
    assert set(graph.objects(sanmei, DCTERMS.source)) == {
        URIRef("http://a.example/x"),
        URIRef("http://b.example/y"),
    }
    foreign = enterprise_iri("h:0a1b2c3d4e5f")
    assert str(foreign).endswith("/enterprise/h-0a1b2c3d4e5f")
    assert graph.value(foreign, SDO.name) == Literal("Example Fluoro Inc.")
    assert graph.value(foreign, DCTERMS.source) == Literal("10-K 2023")
    assert set(graph.objects(sanmei, CM.segment)) == {segment_iri("fluorspar"), segment_iri("ahf")}
    assert not any(isinstance(t, BNode) for triple in graph for t in triple)


def test_regions_hierarchy_and_zones_through_ancestors(firms, regions):
    graph = kg.build_kg(None, enterprises=firms, regions=regions, zones=ZONES)
    wuyi = region_iri("330723")
    assert graph.value(wuyi, SDO.containedInPlace) == region_iri("330700")
    assert graph.value(wuyi, CM.adcode) == Literal("330723")
    assert set(graph.objects(wuyi, CM.inZone)) == {zone_iri("长三角")}
    assert set(graph.objects(region_iri("440300"), CM.inZone)) == set()
    assert graph.value(zone_iri("长三角"), SDO.name) == Literal("长三角", lang="zh")


def test_regions_none_exports_referenced_regions_and_ancestors(firms):
    bundled = importlib.import_module("chainmap.model.regions").regions()
    parent = {
        str(a): (str(p) if isinstance(p, str) and p else None)
        for a, p in zip(bundled.index, bundled["parent"], strict=True)
    }
    expected = set()
    for code in ("330723", "310115", "440300"):
        while code:
            expected.add(code)
            code = parent.get(code)
    assert {"330000", "440000"} <= expected
    graph = kg.build_kg(None, enterprises=firms, zones=False)
    assert {str(o) for o in graph.objects(None, CM.adcode)} == expected


def test_turtle_prefixes_are_readable(fluorochem, firms, regions):
    text = kg.serialize_kg(fluorochem, enterprises=firms, regions=regions, format="ttl").decode()
    assert "ns1:" not in text
    assert "@prefix seg: <https://w3id.org/chainmap/segment/> ." in text
    assert "ent:91330723MA28D1234X a cm:Enterprise" in text
    rdflib_text = kg.build_kg(fluorochem).serialize(format="turtle")
    assert "ns1:" not in rdflib_text and "seg:pvdf" in rdflib_text


def test_exported_chain_loads_back_as_the_same_chain(fluorochem, tmp_path):
    for name, data in (
        ("bulk.ttl", kg.serialize_kg(fluorochem, format="ttl")),
        ("rdflib.ttl", kg.build_kg(fluorochem).serialize(format="turtle", encoding="utf-8")),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        again = load_chain(path)
        assert again.segments_by_id == fluorochem.segments_by_id
        assert sorted(again.link_list, key=repr) == sorted(fluorochem.link_list, key=repr)
        assert (again.id, again.name_zh, again.name_en) == (
            fluorochem.id,
            fluorochem.name_zh,
            fluorochem.name_en,
        )
        assert again.sources == fluorochem.sources


def test_independent_parsers_accept_each_others_output(fluorochem, firms, regions):
    ox = pytest.importorskip("pyoxigraph")
    graph = kg.build_kg(fluorochem, enterprises=firms, regions=regions, zones=ZONES)
    for fmt, oxfmt in (("turtle", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES)):
        data = graph.serialize(format=fmt, encoding="utf-8")
        assert len(list(ox.parse(data, format=oxfmt))) == len(graph)
    for fmt, oxfmt in (("ttl", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES)):
        data = kg.serialize_kg(
            fluorochem, enterprises=firms, regions=regions, zones=ZONES, format=fmt
        )
        assert len(set(ox.parse(data, format=oxfmt))) == len(graph)


def test_jsonld_export_holds_the_same_graph(fluorochem, firms, regions):
    data = kg.serialize_kg(
        fluorochem, enterprises=firms, regions=regions, zones=ZONES, format="jsonld"
    )
    graph = Graph()
    graph.parse(data=data.decode("utf-8"), format="json-ld")
    assert isomorphic(
        graph, kg.build_kg(fluorochem, enterprises=firms, regions=regions, zones=ZONES)
    )


def test_joined_chain_writes_each_member(fluorochem, tiny_ttl):
    joined = join_chains([fluorochem, parse_chain(tiny_ttl)])
    graph = kg.build_kg(joined)
    chains = sorted(str(c).rsplit("/", 1)[1] for c in graph.subjects(None, CM.Chain))
    assert chains == ["fluorochem", "tiny"]
    tiny = URIRef("https://w3id.org/chainmap/chain/tiny")
    assert {str(s).rsplit("/", 1)[1] for s in graph.objects(tiny, CM.hasSegment)} == {
        "ore",
        "metal",
        "part",
    }
    assert graph.value(tiny, SKOS.prefLabel, any=True) is not None
    assert isomorphic(graph, _rdflib_parse(kg.serialize_kg(joined, format="nt"), "nt"))


@pytest.mark.slow
def test_output_bytes_do_not_depend_on_hash_seed(tmp_path):
    code = (
        "import sys; from chainmap.model.chain import load_chain; "
        "from chainmap.outputs.kg import serialize_kg; "
        "sys.stdout.buffer.write(serialize_kg(load_chain('fluorochem'), format=sys.argv[1]))"
    )
    for fmt in ("nt", "ttl"):
        outs = {
            subprocess.run(
                [sys.executable, "-c", code, fmt],
                env={**os.environ, "PYTHONHASHSEED": seed},
                capture_output=True,
                check=True,
            ).stdout
            for seed in ("1", "2")
        }
        assert len(outs) == 1


def test_bad_enterprise_ids_are_located_errors(firms):
    bad = firms.copy()
    bad.loc[0, "segments"] = ["Not An Id"]
    with pytest.raises(InputError, match="segments"):
        kg.build_kg(None, enterprises=bad, regions=False)
    dup = pd.concat([firms, firms.iloc[:1]], ignore_index=True)
    with pytest.raises(InputError, match="duplicate"):
        kg.serialize_kg(None, enterprises=dup, regions=False, format="nt")


# ---------------------------------------------------------------------- SPARQL


ENGINES = [
    "rdflib",
    pytest.param(
        "oxigraph",
        marks=pytest.mark.skipif(not kg._has_pyoxigraph(), reason="pyoxigraph not installed"),
    ),
]


def _bundled(chain, name, firms, regions, engine, **values):
    """Run a bundled query with --bind style values over the fixture tables."""
    return kg.query_kg(
        chain,
        kg.read_query(name),
        enterprises=firms,
        regions=regions,
        zones=ZONES,
        bindings={k: kg.parse_term(v) for k, v in values.items()},
        engine=engine,
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_bound_query_matches_pandas_filter(fluorochem, firms, regions, engine):
    rows = _bundled(fluorochem, "enterprises-in-segment", firms, regions, engine, segment="seg:ahf")
    expected = firms[firms["segments"].map(lambda s: "ahf" in s)]
    got = sorted(r.removeprefix("ent:") for r in rows["enterprise"])
    assert got == sorted(expected["enterprise_id"].str.replace(":", "-"))
    assert list(rows["enterprise"]) == sorted(rows["enterprise"])


@pytest.mark.parametrize("engine", ENGINES)
def test_downstream_of_fluorspar_in_yangtze_delta(fluorochem, firms, regions, engine):
    rows = _bundled(
        fluorochem,
        "downstream-enterprises-in-zone",
        firms,
        regions,
        engine,
        source="seg:fluorspar",
        zone='"长三角"@zh',
    )
    downstream = set(fluorochem.downstream("fluorspar"))
    in_zone = {"330723", "310115"}  # 浙江 and 上海 counties of the fixture
    expected = {
        (f"ent:{e.replace(':', '-')}", f"seg:{s}")
        for e, segs, code in zip(
            firms["enterprise_id"], firms["segments"], firms["region_code"], strict=True
        )
        for s in segs
        if s in downstream and code in in_zone
    }
    assert set(zip(rows["enterprise"], rows["segment"], strict=True)) == expected
    assert expected  # the fixture exercises the query


def test_engines_agree_and_order_is_total(fluorochem, firms, regions):
    if not kg._has_pyoxigraph():
        pytest.skip("pyoxigraph not installed")
    query = kg.read_query("upstream-path")
    args = {
        "enterprises": firms,
        "regions": regions,
        "bindings": {"target": kg.parse_term("seg:pvdf")},
    }
    a = kg.query_kg(fluorochem, query, engine="rdflib", **args)
    b = kg.query_kg(fluorochem, query, engine="oxigraph", **args)
    pd.testing.assert_frame_equal(a, b)
    assert set(a["upstream"]) == {f"seg:{s}" for s in fluorochem.upstream("pvdf")}


def test_bare_word_does_not_match_language_tagged_labels(fluorochem):
    query = "SELECT ?s ?label WHERE { ?s skos:prefLabel ?label } ORDER BY ?s"
    plain = kg.query_kg(fluorochem, query, bindings={"label": kg.parse_term("萤石")})
    tagged = kg.query_kg(fluorochem, query, bindings={"label": kg.parse_term('"萤石"@zh')})
    assert len(plain) == 0
    assert list(tagged["s"]) == ["seg:fluorspar"]


def test_bound_values_are_never_pasted_into_the_query(fluorochem):
    query = "SELECT ?s ?label WHERE { ?s skos:prefLabel ?label } ORDER BY ?s"
    hostile = kg.parse_term('"x\\" } UNION { ?s ?p ?label } #"@zh')
    assert len(kg.query_kg(fluorochem, query, bindings={"label": hostile})) == 0


def test_parse_term_forms():
    assert kg.parse_term("<http://example.org/a>") == URIRef("http://example.org/a")
    assert kg.parse_term("seg:pvdf") == segment_iri("pvdf")
    assert kg.parse_term("3.5") == Literal(
        "3.5", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")
    )
    assert kg.parse_term("true").toPython() is True
    assert kg.parse_term("武义县") == Literal("武义县")
    with pytest.raises(InputError, match="prefix"):
        kg.parse_term("nope:thing")
    with pytest.raises(InputError):
        kg.parse_term('"unterminated')


def test_bundled_queries_are_documented_and_ordered():
    readme = (Path(__file__).parents[1] / "graphs" / "README.md").read_text(encoding="utf-8")
    names = kg.bundled_queries()
    assert len(names) >= 5
    for name in names:
        assert "ORDER BY" in kg.read_query(name)
        assert f"{name}.rq" in readme


# ---------------------------------------------------------------------- SHACL

# No @zh label on ore, two stages on metal, an unknown relation, a link to an undefined segment.
BROKEN = """
chain:broken a skos:ConceptScheme, cm:Chain ;
    skos:prefLabel "坏链"@zh ;
    cm:hasSegment seg:ore, seg:metal ;
    cm:hasLink link:ore--metal, link:metal--ghost .

seg:ore a cm:Segment ; skos:prefLabel "Ore"@en ; cm:stage stage:resource .
seg:metal a cm:Segment ; skos:prefLabel "金属"@zh ; cm:stage stage:material, stage:basic .

link:ore--metal a cm:Link ; cm:upstream seg:ore ; cm:downstream seg:metal ; cm:relation cm:madeOf .
link:metal--ghost a cm:Link ; cm:upstream seg:metal ; cm:downstream seg:ghost ; cm:relation cm:usedIn .
"""


def test_bundled_chain_conforms(fluorochem):
    pytest.importorskip("pyshacl")
    assert kg.validate_file(Path(__file__).parents[1] / "graphs" / "fluorochem.ttl").conforms


def test_broken_chain_violations_name_focus_and_path(tmp_path):
    pytest.importorskip("pyshacl")
    path = tmp_path / "broken.ttl"
    path.write_text(kg._turtle_header() + BROKEN, encoding="utf-8")
    result = kg.validate_file(path)
    assert not result.conforms
    found = {(v["focus"], v["path"]) for v in result.violations}
    assert found == {
        ("seg:ore", "skos:prefLabel"),
        ("seg:metal", "cm:stage"),
        ("link:ore--metal", "cm:relation"),
        ("link:metal--ghost", "cm:downstream"),
        ("chain:broken", ""),  # the ghost end is not one of the chain's segments
    }


def test_enterprise_shapes(firms, regions):
    pytest.importorskip("pyshacl")
    good = kg.validate_kg(kg.build_kg(None, enterprises=firms, regions=regions, zones=ZONES))
    assert good.conforms, good.violations
    bad = firms.copy()
    bad.loc[0, "uscc"] = "12345"
    bad.loc[1, "name"] = None
    bad.loc[2, "region_code"] = "999999"
    result = kg.validate_kg(kg.build_kg(None, enterprises=bad, regions=regions, zones=ZONES))
    found = {(v["focus"], v["path"]) for v in result.violations}
    assert found == {
        ("ent:91330723MA28D1234X", "dcterms:identifier"),
        ("ent:h-0a1b2c3d4e5f", "schema:name"),
        ("ent:91310115MA1K4ABCD2", "cm:region"),
    }


# ---------------------------------------------------------------------- CLI


def test_cli_validate_exit_codes(invoke, tmp_path):
    pytest.importorskip("pyshacl")
    ok = invoke("validate", Path(__file__).parents[1] / "graphs" / "fluorochem.ttl")
    assert ok.exit_code == 0
    path = tmp_path / "broken.ttl"
    path.write_text(kg._turtle_header() + BROKEN, encoding="utf-8")
    bad = invoke("validate", path, "--format", "json")
    assert bad.exit_code == 1
    assert "link:metal--ghost" in bad.stdout and "cm:downstream" in bad.stdout


def test_cli_export_nt_parses_with_expected_count(invoke, tmp_path, tiny_ttl):
    ox = pytest.importorskip("pyoxigraph")
    path = tmp_path / "tiny.ttl"
    path.write_text(tiny_ttl, encoding="utf-8")
    out = tmp_path / "kg.nt"
    result = invoke("export", path, "-o", out)
    assert result.exit_code == 0
    expected = kg.build_kg(parse_chain(tiny_ttl))
    assert len(list(ox.parse(out.read_bytes(), format=ox.RdfFormat.N_TRIPLES))) == len(expected)
    stdout = invoke("export", path, "--format", "ttl")
    assert isomorphic(_rdflib_parse(stdout.stdout_bytes, "ttl"), expected)


def test_cli_query_file_and_bind(invoke, tmp_path, fluorochem):
    query = tmp_path / "q.rq"
    query.write_text(
        "SELECT ?segment WHERE { ?segment cm:stage ?stage } ORDER BY ?segment", encoding="utf-8"
    )
    result = invoke(
        "query", "fluorochem", f"@{query}", "--bind", "stage=stage:resource", "--format", "csv"
    )
    lines = result.stdout.strip().splitlines()
    expected = sorted(f"seg:{s.id}" for s in fluorochem if s.stage == "resource")
    assert lines == ["segment", *expected]
    bad = invoke("query", "fluorochem", "no-such-query")
    assert bad.exit_code == 1 and "unknown bundled query" in bad.output


def test_cli_export_bundled_sample_enterprises(invoke, tmp_path, fluorochem):
    datasets = importlib.import_module("chainmap.datasets")
    ox = pytest.importorskip("pyoxigraph")
    out = tmp_path / "kg.nt"
    assert invoke("export", "fluorochem", "--enterprises", "sample", "-o", out).exit_code == 0
    expected = kg.build_kg(fluorochem, enterprises=datasets.enterprises("fluorochem"))
    assert len(set(ox.parse(out.read_bytes(), format=ox.RdfFormat.N_TRIPLES))) == len(expected)


def test_cli_query_bind_matches_pandas_on_a_csv(invoke, tmp_path, firms):
    enterprises = importlib.import_module("chainmap.model.enterprises")
    path = tmp_path / "firms.csv"
    table = firms.drop(columns=["flags"]).assign(segments=firms["segments"].map(";".join))
    table.to_csv(path, index=False)
    frame, _ = enterprises.read_enterprises(path)
    result = invoke(
        "query",
        "fluorochem",
        "enterprises-in-segment",
        "--enterprises",
        path,
        "--bind",
        "segment=seg:ahf",
        "--format",
        "csv",
    )
    got = list(csv.reader(io.StringIO(result.stdout)))[1:]  # names may hold newlines
    expected = frame[frame["segments"].map(lambda s: "ahf" in list(s))]
    assert sorted(r[0] for r in got) == sorted(
        "ent:" + e.replace(":", "-") for e in expected["enterprise_id"]
    )
    assert len(got) == len(expected)


def test_cli_validate_conforming_enterprise_table(invoke, tmp_path, firms):
    importlib.import_module("chainmap.model.enterprises")
    importlib.import_module("chainmap.model.regions")
    pytest.importorskip("pyshacl")
    path = tmp_path / "firms.csv"
    table = firms.drop(columns=["flags"]).assign(segments=firms["segments"].map(";".join))
    table.to_csv(path, index=False)
    result = invoke("validate", path, "--format", "csv")
    assert result.exit_code == 0, result.output  # violations: test_enterprise_shapes


def test_mapping_document_lists_every_column():
    text = (Path(__file__).parents[1] / "docs" / "kg.md").read_text(encoding="utf-8")
    for spec in (*kg._ENTERPRISE_FIELDS, *kg._REGION_FIELDS):
        if spec.column and spec.column != kg._ADDRESS:
            assert f"| `{spec.column}` | `{kg._curie(spec.predicate)}`" in text


@pytest.mark.parametrize("fmt", ["nt", "ttl"])
def test_arrow_fast_path_and_fallback_write_the_same_bytes(
    fluorochem, firms, regions, fmt, monkeypatch
):
    args = {"enterprises": firms, "regions": regions, "zones": ZONES, "format": fmt}
    fast = kg.serialize_kg(fluorochem, **args)
    monkeypatch.setattr(kg, "_table_rows", lambda *a: None)
    assert kg.serialize_kg(fluorochem, **args) == fast


@pytest.mark.parametrize("fmt", ["ttl", "nt"])
def test_export_without_pyarrow_gives_the_same_bytes(tmp_path, fmt):
    """The quick-start install has no pyarrow: the plain-pandas path must match the Arrow one."""
    import subprocess
    import sys

    blocked = "import sys; sys.modules['pyarrow'] = None\nfrom chainmap.cli import main\n"
    outputs = {}
    for name, prelude in (("plain", blocked), ("arrow", "from chainmap.cli import main\n")):
        out = tmp_path / f"{name}.{fmt}"
        args = ["export", "fluorochem", "--enterprises", "sample", "--regions", "-o", str(out)]
        done = subprocess.run(
            [sys.executable, "-c", prelude + "import sys; sys.exit(main(sys.argv[1:]))", *args],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        outputs[name] = out.read_bytes()
    assert outputs["plain"] == outputs["arrow"]


def test_export_and_query_place_an_imported_registry_by_its_scopes(invoke, tmp_path):
    """A registry export has scopes, not tags: export and query classify it as rank does
    (it exported and queried as holding nothing)."""
    bundled = pd.read_csv(Path(__file__).parents[1] / "graphs" / "companies_fluorochem.csv")
    raw = pd.DataFrame(
        {
            "企业名称": bundled["name_zh"],
            "所属省份": bundled["province"],
            "所属城市": bundled["city"],
            "所属区县": bundled["county"],
            "经营范围": bundled["products_zh"].fillna("") + "的生产、销售",
        }
    )
    raw.loc[0, "经营范围"] = "服装销售"  # nothing of the chain
    source = tmp_path / "registry.csv"
    raw.to_csv(source, index=False)
    imported = tmp_path / "firms.csv"
    assert invoke("import", source, "-o", imported).exit_code == 0
    query = invoke(
        "query", "fluorochem", "downstream-enterprises-in-zone", "--enterprises", imported,
        "--bind", "source=seg:fluorspar", "--bind", 'zone="长三角"@zh', "--format", "json",
    )  # fmt: skip
    assert query.exit_code == 0, query.output
    rows = __import__("json").loads(query.stdout)
    assert len(rows) > 10
    assert "placed in the chain from their business scope" in query.stderr
    ttl = invoke("export", "fluorochem", "--enterprises", imported, "--format", "ttl").stdout
    graph = Graph().parse(data=ttl, format="turtle")
    sources = {str(o) for o in graph.objects(None, URIRef(str(CM.segmentsSource)))}
    assert "classified" in sources


@pytest.mark.parametrize("engine", ENGINES)
def test_limit_keeps_the_first_rows_and_says_more_were_there(fluorochem, engine):
    query = "SELECT ?s ?label WHERE { ?s skos:prefLabel ?label } ORDER BY ?s ?label"
    every = kg.query_kg(fluorochem, query, engine=engine)
    assert len(every) > 10 and every.attrs["truncated"] is False
    first = kg.query_kg(fluorochem, query, engine=engine, limit=10)
    assert first.attrs == {"truncated": True, "limit": 10}
    pd.testing.assert_frame_equal(first, every.head(10))
    exact = kg.query_kg(fluorochem, query, engine=engine, limit=len(every))
    assert exact.attrs["truncated"] is False and len(exact) == len(every)
    assert kg.query_kg(fluorochem, query, engine=engine, limit=0).attrs["truncated"] is True


@pytest.mark.parametrize("engine", ENGINES)
def test_limit_stops_a_cross_product_early(fluorochem, engine):
    # Every triple with every triple: millions of solutions, never built.
    query = "SELECT ?a ?b WHERE { ?a ?p ?x . ?b ?q ?y }"
    rows = kg.query_kg(fluorochem, query, engine=engine, limit=5)
    assert len(rows) == 5 and rows.attrs["truncated"] is True


@pytest.mark.parametrize("bad", [-1, 1.5, True, "10"])
def test_limit_must_be_a_whole_number(fluorochem, bad):
    with pytest.raises(InputError, match="limit"):
        kg.query_kg(fluorochem, "SELECT ?s WHERE { ?s ?p ?o }", limit=bad)


def test_the_library_places_an_untagged_registry_as_the_cli_does(fluorochem):
    """build_kg and write_kg place rows without tags by their scope (the CLI did, the
    library did not: a notebook's KG of an imported registry held no segment)."""
    firms = pd.DataFrame(
        {
            "enterprise_id": ["e1", "e2", "e3"],
            "name": ["甲氟化工有限公司", "乙服装有限公司", "丙公司"],
            "scope": ["无水氟化氢的生产", "服装销售", None],
            "segments": [[], [], ["pvdf"]],
        }
    )
    once = kg.placed(fluorochem, firms)
    assert once["segments"].tolist() == [["ahf"], [], ["pvdf"]]
    assert once["segments_source"].tolist() == ["classified", "classified", "tagged"]
    assert kg.placed(fluorochem, once) is once  # classified rows are not classified again
    assert kg.placed(None, firms) is firms
    from chainmap.model.vocab import CM

    graph = kg.build_kg(fluorochem, enterprises=firms, regions=False)
    held = {
        (str(s).rsplit("/", 1)[-1], str(o).rsplit("/", 1)[-1])
        for s, _, o in graph.triples((None, CM.segment, None))
    }
    assert held == {("e1", "ahf"), ("e3", "pvdf")}
    nt = kg.serialize_kg(fluorochem, enterprises=firms, regions=False, format="nt")
    assert f"<{CM.segment}> <https://w3id.org/chainmap/segment/ahf>".encode() in nt
