"""One contract, every backend: the embedded store, `kg serve`, and a real Oxigraph server.

Each test runs once per backend. The reference answers come from the embedded Oxigraph store;
the facts asserted come from the shipped data and name the study they rest on. Comparisons
are on canonical rows (blank nodes and GROUP_CONCAT order do not count), never on row counts
typed into the test.
"""

from __future__ import annotations

import re

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.compare import isomorphic

from kg.backends import Backend, EmbeddedBackend, RemoteBackend, get_backend
from kg.errors import KGError, QueryError
from kg.queries import load_queries
from kg.sparql import run_query
from kg.vocab import KG, LP

BACKENDS = ["embedded", "embedded-rdflib", "kg-serve", "oxigraph-server"]
QUERIES = load_queries()


@pytest.fixture(scope="session")
def reference() -> EmbeddedBackend:
    """The embedded Oxigraph store over the shipped data: the answers every backend must give."""
    return EmbeddedBackend(engine="oxigraph")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "embedded":
        return get_backend()
    if request.param == "embedded-rdflib":
        return get_backend(engine="rdflib")
    if request.param == "kg-serve":
        return RemoteBackend(request.getfixturevalue("kg_endpoint"))
    return RemoteBackend(request.getfixturevalue("oxigraph_endpoint"))


def _concat_vars(text: str) -> set[str]:
    return set(re.findall(r"GROUP_CONCAT\(.*?\)\s+AS\s+\?(\w+)", text, re.S | re.I))


def canonical(result, concat: set[str] = frozenset()):
    """A comparable form of a result: blank node labels and concatenation order removed."""
    if result.form == "ASK":
        return result.boolean
    if result.graph is not None:
        return result.graph

    def cell(name, term):
        if isinstance(term, BNode):
            return "_:b"
        if name in concat:
            return tuple(sorted(re.split(r"[;,] ", str(term))))
        if isinstance(term, Literal) and term.datatype is not None:
            try:  # 1.0 and 1.00 are the same decimal
                return ("lit", str(term.datatype), str(term.toPython()))
            except Exception:
                pass
        return term.n3()

    return sorted(tuple(sorted((k, cell(k, v)) for k, v in row.items())) for row in result.rows)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_named_query_same_answer(backend: Backend, reference: EmbeddedBackend, name: str):
    nq = QUERIES[name]
    bindings = nq.bindings()
    got = run_query(backend, nq.text, bindings, check=False)
    want = run_query(reference, nq.text, bindings, check=False)
    assert got.form == want.form
    concat = _concat_vars(nq.text)
    if want.graph is not None:
        assert isomorphic(got.graph, want.graph)
    else:
        assert canonical(got, concat) == canonical(want, concat)


@pytest.mark.slow
def test_whole_graph_is_the_data(backend: Backend):
    """graph() pulls exactly the triples of the Turtle files (blank nodes up to renaming)."""
    from kg.store import load_rdf

    data = load_rdf()
    pulled = backend.graph()
    assert len(pulled) == len(data)
    assert isomorphic(pulled, data)


@pytest.mark.slow
def test_groin_candidates_include_sacroiliac_joint(backend: Backend):
    """Slipman 2000: 14% of patients with SIJ pain (block-confirmed) had groin pain."""
    nq = QUERIES["region-candidates"]
    rows = backend.select(nq.text, nq.bindings({"region": "lp:groin"}))
    somatic = {r["candidate"] for r in rows if r.get("mechanism") == KG.somatic}
    assert LP.sacroiliac_joint in somatic
    assert all(isinstance(r["candidate"], URIRef) for r in rows)


@pytest.mark.slow
def test_select_binds_terms_and_types_literals(backend: Backend):
    """Bindings travel as terms; numbers come back typed, strings plain, unbound left out."""
    rows = backend.select(
        QUERIES["referral-evidence"].text, {"structure": LP.sacroiliac_joint})
    groin = [r for r in rows if r["region"] == LP.groin and r.get("cohortSize") is not None]
    slipman = [r for r in groin if "slipman2000" in str(r["source"])]
    assert slipman, "Slipman 2000 SIJ → groin evidence missing"
    assert float(slipman[0]["frequency"].toPython()) == pytest.approx(0.14)
    assert int(slipman[0]["cohortSize"].toPython()) == 50
    assert slipman[0]["grade"] == Literal("A")
    # Schwarzer 1995 reports SIJ → groin without a frequency: the variable is left out,
    # never bound to None.
    assert all(v is not None for r in rows for v in r.values())
    assert any("frequency" not in r for r in rows)


@pytest.mark.slow
def test_ask_answers_both_ways(backend: Backend):
    """Lesher 2008: hip joint pain did not refer to the lower lumbar spine; it did to the groin."""
    q = QUERIES["refers-pain"].text
    assert backend.ask(q, {"structure": LP.hip_joint, "region": LP.groin}) is True
    assert backend.ask(q, {"structure": LP.hip_joint, "region": LP.lower_back}) is False


@pytest.mark.slow
def test_string_values_cannot_change_the_query(backend: Backend):
    """A hostile value is one literal, not query text."""
    hostile = Literal('groin" } UNION { ?s ?p ?o } #')
    rows = backend.select(
        "SELECT ?r WHERE { ?r <http://www.w3.org/2000/01/rdf-schema#label> ?label }",
        {"label": hostile})
    assert rows == []


@pytest.mark.slow
def test_malformed_query_is_a_query_error(backend: Backend):
    with pytest.raises(QueryError):
        backend.select("SELECT ?x WHERE { ?x ?y }")


@pytest.mark.slow
def test_construct_returns_a_graph(backend: Backend):
    g = backend.construct("CONSTRUCT { ?r a <urn:x:Region> } WHERE { ?r a "
                          "<https://w3id.org/lumbopelvic-kg/vocab#BodyRegion> }")
    assert (LP.groin, None, None) in g


@pytest.mark.slow
@pytest.mark.parametrize("endpoint_fixture", ["kg_endpoint", "oxigraph_endpoint"])
def test_trace_and_show_through_an_endpoint(request: pytest.FixtureRequest,
                                            endpoint_fixture: str):
    """`--endpoint` gives the same trace and the same entity card as the embedded store."""
    import kg
    from kg.show import show
    from kg.trace import trace

    url = request.getfixturevalue(endpoint_fixture)
    local, remote = kg.load(), kg.load(endpoint=url)
    assert trace(remote, "groin").to_dict() == trace(local, "groin").to_dict()
    assert (trace(remote, "sacroiliac joint", forward=True).to_dict()
            == trace(local, "sacroiliac joint", forward=True).to_dict())
    assert show(remote, "psoas major").to_dict() == show(local, "psoas major").to_dict()


def test_unreachable_endpoint_is_one_line():
    from tests.sparql_servers import free_port

    backend = RemoteBackend(f"http://127.0.0.1:{free_port()}/sparql", timeout=2)
    with pytest.raises(KGError) as info:
        backend.select("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    msg = str(info.value)
    assert "cannot reach endpoint" in msg and "is the server running?" in msg
    assert "\n" not in msg


def test_endpoint_must_be_http():
    with pytest.raises(KGError, match="not an http"):
        RemoteBackend("ftp://example.org/sparql")
