"""Named queries: the catalogue, parameter binding, and what each query finds in the data.

Clinical expectations name the study the shipped data cites for them.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shlex
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from kg.cli import main
from kg.errors import QueryError, UnknownTermError
from kg.ids.vocab import KG, LP, SRC
from kg.sparql.named import NamedQuery, get_query, load_queries, parse_query_file, to_term
from kg.sparql.run import run_query
from kg.store.backends import get_backend

ROOT = Path(__file__).resolve().parent.parent
QUERIES = load_queries()
NAMED = {n: q for n, q in QUERIES.items() if not q.is_violation_check}


def rows(name: str, **params: str) -> list[dict]:
    nq = QUERIES[name]
    return get_backend().select(nq.text, nq.bindings(params))


# --- the catalogue ------------------------------------------------------------------------------


def test_at_least_twelve_named_queries():
    assert len(NAMED) >= 12


@pytest.mark.parametrize("name", sorted(NAMED))
def test_header_is_complete(name: str):
    nq = NAMED[name]
    assert isinstance(nq, NamedQuery)
    assert nq.title and nq.description, "every query has a title and a description"
    assert nq.examples, "every query shows an example"
    for example in nq.examples:
        argv = shlex.split(example)
        assert argv[:3] == ["kg", "query", name]
    for p in nq.params:
        assert f"?{p.name}" in nq.text, f"parameter {p.name} is not a variable of the query"


@pytest.mark.parametrize("name", sorted(NAMED))
def test_examples_run(name: str, capsys: pytest.CaptureFixture[str]):
    """Each documented example is a working command."""
    for example in NAMED[name].examples:
        assert main(shlex.split(example)[1:]) == 0
        assert capsys.readouterr().out.strip()


def test_header_parsing(tmp_path: Path):
    f = tmp_path / "demo.rq"
    f.write_text("# title: Demo\n# description: first line\n# description: second line\n"
                 "# param: region iri lp:groin The region.\n# param: n integer -\n"
                 "# example: kg query demo\nSELECT * WHERE { ?region ?p ?n }\n")
    nq = parse_query_file(f)
    assert nq.name == "demo" and nq.title == "Demo"
    assert nq.description == "first line second line"
    assert [(p.name, p.type, p.default) for p in nq.params] == [
        ("region", "iri", "lp:groin"), ("n", "integer", None)]
    assert nq.params[0].description == "The region."
    assert nq.bindings() == {"region": LP.groin}
    with pytest.raises(dataclasses.FrozenInstanceError):
        nq.title = "x"  # type: ignore[misc]


def test_bad_param_line_is_reported(tmp_path: Path):
    f = tmp_path / "bad.rq"
    f.write_text("# title: Bad\n# param: region place lp:groin\nSELECT * {}\n")
    with pytest.raises(QueryError, match=r"bad\.rq:2"):
        parse_query_file(f)


# --- binding values as terms --------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("lp:groin", LP.groin),
    ("groin", LP.groin),
    ("<https://w3id.org/lumbopelvic-kg/id/groin>", LP.groin),
    ("https://w3id.org/lumbopelvic-kg/id/groin", LP.groin),
    ("src:slipman2000", SRC.slipman2000),
    ("UBERON:0001464", URIRef("http://purl.obolibrary.org/obo/UBERON_0001464")),
])
def test_iri_values(value: str, expected: URIRef):
    assert to_term(value, "iri") == expected


def test_typed_values():
    assert to_term("3", "integer") == Literal(3, datatype=XSD.integer)
    assert to_term("true", "boolean") == Literal(True)
    assert to_term('a "quoted" value', "string") == Literal('a "quoted" value')
    assert to_term("0.14", "decimal").datatype == XSD.decimal


@pytest.mark.parametrize(("value", "type_"), [
    ("nope:groin", "iri"), ("lp:has space>", "iri"), ("three", "integer"),
    ("maybe", "boolean"), ("1,5", "decimal")])
def test_bad_values_are_query_errors(value: str, type_: str):
    with pytest.raises(QueryError):
        to_term(value, type_)


def test_unknown_parameter_suggests():
    with pytest.raises(QueryError, match="did you mean 'region'"):
        QUERIES["region-candidates"].bindings({"regoin": "groin"})


def test_unknown_query_suggests():
    with pytest.raises(QueryError, match="did you mean 'region-candidates'"):
        get_query("region-candidate")


def test_hostile_value_stays_a_literal():
    """A value is never pasted into the query: a string that looks like SPARQL finds nothing."""
    from kg.store.backends import with_values

    hostile = Literal('x" } ?s ?p ?o . FILTER(true) } #')
    q = with_values("SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }",
                    {"l": hostile})
    assert get_backend().select(q) == []


def test_labels_resolve_and_unknown_names_suggest():
    from kg.sparql.named import resolve_bindings

    nq = QUERIES["referral-evidence"]
    assert resolve_bindings(nq, {"structure": "Sacroiliac Joint"}, get_backend()) == {
        "structure": LP.sacroiliac_joint}
    with pytest.raises(UnknownTermError, match="sacroiliac joint"):
        resolve_bindings(nq, {"structure": "sacroilac joint"}, get_backend())


# --- what the queries find in the shipped data --------------------------------------------------


def test_groin_candidates():
    """Slipman 2000 (SIJ → groin), Lesher 2008 (hip → groin); upper lumbar disc herniation
    compressing the L1/L2 roots reaches the groin through their dermatomes."""
    found = {(r["candidate"], r["mechanism"]) for r in rows("region-candidates", region="groin")}
    assert (LP.sacroiliac_joint, KG.somatic) in found
    assert (LP.hip_joint, KG.somatic) in found
    assert (LP.upper_lumbar_disc_herniation, KG.neurogenic) in found


def test_every_step_of_a_candidate_route_is_asserted():
    """The intermediate ?via is linked to its candidate by an asserted relation (a route is
    never padded with unrelated entities)."""
    from kg.store.files import load_rdf

    g = load_rdf()
    found = rows("region-candidates", region="groin")
    assert found
    for r in found:
        if "via" in r:
            linked = (r["candidate"], None, r["via"]) in g or r["via"] in set(
                g.transitive_objects(r["candidate"], KG.loads))
            assert linked, (r["candidate"], r["via"])
            assert "viaLabel" in r
        else:
            assert "viaLabel" not in r


def test_muscles_of_a_root_are_innervated_by_it():
    """Each muscle is innervated by the root itself or by a nerve formed from it."""
    from rdflib import URIRef

    from kg.store.files import load_rdf

    innervated_by = URIRef("http://purl.obolibrary.org/obo/RO_0002005")
    g = load_rdf()
    for root in ("L2_root", "L3_root", "L4_root"):
        for r in rows("root-muscles", root=root):
            if "through" in r:
                assert (r["muscle"], innervated_by, r["through"]) in g
                assert (r["through"], KG.formedFrom, LP[root]) in g
            else:
                assert (r["muscle"], innervated_by, LP[root]) in g
                assert "throughLabel" not in r


def test_root_examination_rows_hold_in_the_graph():
    """Every myotome, reflex, test and dermatome row for a root is a cited triple of the data."""
    from rdflib import URIRef

    from kg.store.files import load_rdf

    g = load_rdf()
    for root in ("L2_root", "L3_root", "S1_root"):
        result = rows("root-examination", root=root)
        relations = {r["relation"] for r in result}
        assert {KG.supports, KG.testFor, KG.dermatomeCovers} <= relations, (root, relations)
        for r in result:
            assert "source" in r, r
            if r["relation"] == KG.dermatomeCovers:
                assert any((d, KG.dermatomeCovers, r["item"]) in g
                           for d in g.objects(LP[root], KG.suppliesDermatome))
            else:
                assert (r["item"], URIRef(r["relation"]), LP[root]) in g


def test_negative_evidence_blocks_a_candidate():
    """Lesher 2008: the hip joint did not refer pain to the lower back."""
    direct = {r["candidate"] for r in rows("region-candidates", region="lower_back")
              if r["mechanism"] == KG.somatic}
    assert LP.sacroiliac_joint in direct
    assert LP.hip_joint not in direct


def test_compression_routes_follow_root_dermatome_region():
    from kg.store.files import load_rdf

    routes = rows("compression-routes", region="groin")
    assert routes
    g = load_rdf()
    for r in routes:  # each step of every route is an asserted triple
        assert (r["condition"], KG.compresses, r["root"]) in g
        assert (r["root"], KG.suppliesDermatome, r["dermatome"]) in g
        assert (r["dermatome"], KG.dermatomeCovers, r["covered"]) in g
    pairs = {(r["condition"], r["root"]) for r in routes}
    assert (LP.upper_lumbar_disc_herniation, LP.L1_root) in pairs
    all_routes = rows("compression-routes")
    assert len(all_routes) >= len(routes)


def test_referral_evidence_carries_frequency_and_citation():
    """Slipman 2000: SIJ → buttock 94 %, lower back 72 %, groin 14 % (n = 50)."""
    ev = {(r["region"], str(r["source"])): r for r in rows("referral-evidence")}
    groin = ev[(LP.groin, str(SRC.slipman2000))]
    assert float(groin["frequency"]) == pytest.approx(0.14)
    assert int(groin["cohortSize"]) == 50
    assert "Slipman" in str(groin["citation"])
    buttock = ev[(LP.buttock, str(SRC.slipman2000))]
    assert float(buttock["frequency"]) == pytest.approx(0.94)


def test_red_flags_have_urgency():
    """Cauda equina syndrome is reported with its emergency urgency."""
    flags = rows("red-flags")
    ces = [r for r in flags if r["condition"] == LP.cauda_equina_syndrome]
    assert ces, "cauda equina syndrome has red flags"
    assert all("urgency" in r and str(r["urgency"]).strip() for r in ces)
    assert {r["flag"] for r in ces} >= {LP.saddle_numbness}
    only = rows("red-flags", condition="cauda_equina_syndrome")
    assert {r["condition"] for r in only} == {LP.cauda_equina_syndrome}


def test_mappings_come_from_the_verified_table():
    """Every UBERON/FMA id the data maps to is in the shared cross-reference table."""
    table = (ROOT.parent / "shared" / "reference" / "anatomy-xrefs.tsv")
    if not table.is_file():
        pytest.skip("the shared cross-reference table is not in this checkout")
    text = table.read_text(encoding="utf-8")
    found = rows("ontology-mappings")
    assert found
    for r in found:
        local = str(r["target"]).rsplit("/", 1)[-1].replace("_", ":")
        if r["match"] == URIRef("http://www.w3.org/2004/02/skos/core#exactMatch"):
            assert local in text, f"{local} ({r['entity']}) is not in anatomy-xrefs.tsv"


def test_citation_coverage_matches_a_direct_count():
    """The aggregate agrees with counting axioms in Python over the rdflib graph."""
    from rdflib import OWL, RDF
    from rdflib.namespace import DCTERMS

    from kg.store.files import load_rdf

    g = load_rdf()
    cited = {(g.value(ax, OWL.annotatedSource), g.value(ax, OWL.annotatedProperty),
              g.value(ax, OWL.annotatedTarget))
             for ax in g.subjects(RDF.type, OWL.Axiom) if g.value(ax, DCTERMS.source)}
    for r in rows("citation-coverage"):
        prop = r["relation"]
        triples = set(g.triples((None, prop, None)))
        assert int(r["assertions"]) == len(triples)
        assert int(r["cited"]) == len(triples & cited)


def test_ask_query():
    backend = get_backend()
    nq = QUERIES["refers-pain"]
    assert run_query(backend, nq.text, nq.bindings(), check=False).boolean is True
    res = run_query(backend, nq.text, nq.bindings({"structure": "hip_joint",
                                                   "region": "lower_back"}), check=False)
    assert res.boolean is False


def test_construct_query_is_a_graph():
    res = run_query(get_backend(), QUERIES["region-subgraph"].text,
                    QUERIES["region-subgraph"].bindings(), check=False)
    assert res.graph is not None
    assert (LP.sacroiliac_joint, KG.refersPainTo, LP.groin) in res.graph


# --- the command ---------------------------------------------------------------------------------


def test_cli_list(capsys: pytest.CaptureFixture[str]):
    assert main(["query", "--list"]) == 0
    out = capsys.readouterr().out
    for name in NAMED:
        assert name in out


def test_cli_formats(capsys: pytest.CaptureFixture[str]):
    assert main(["query", "referral-evidence", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert "frequency" in doc["head"]["vars"]
    assert doc["results"]["bindings"]
    assert main(["query", "regions", "--format", "csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert any(r["region"] == str(LP.groin) for r in table)
    assert main(["query", "referral-evidence", "--param", "structure=sacroiliac joint"]) == 0
    assert "slipman" in capsys.readouterr().out.lower()


@pytest.mark.parametrize(("argv", "needle"), [
    (["query", "regoins"], "did you mean 'regions'"),
    (["query", "region-candidates", "--param", "regoin=groin"], "did you mean 'region'"),
    (["query", "region-candidates", "--param", "region=grion"], "did you mean 'groin'"),
    (["query", "region-candidates", "--param", "region"], "NAME=VALUE"),
])
def test_cli_bad_input_exits_2(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("name", sorted(n for n, q in NAMED.items() if q.params))
def test_parameters_survive_grouping(name: str):
    """Parameters are bound by a trailing VALUES block, joined after GROUP BY: an aggregating
    query must group by and project each parameter, or some engines (rdflib) drop the binding.
    """
    import re

    nq = NAMED[name]
    body = "\n".join(line for line in nq.text.splitlines() if not line.lstrip().startswith("#"))
    group = re.search(r"GROUP BY([^\n{}]*)\n", body)
    if group is None:
        return
    head = body[body.index("SELECT"):body.index("WHERE")]
    for p in nq.params:
        assert f"?{p.name}" in group.group(1) and f"?{p.name}" in head, p.name


def test_every_named_query_is_documented():
    readme = (ROOT / "queries" / "README.md").read_text(encoding="utf-8")
    for name in NAMED:
        assert f"`{name}`" in readme, f"queries/README.md does not mention {name}"
