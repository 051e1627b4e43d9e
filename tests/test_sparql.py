"""`kg sparql` and kg.sparql: forms by parsing, read-only, errors with positions, W3C formats.

Output formats are checked by reading them back with rdflib's own parsers for the W3C
formats, so a format that drifts from the standard fails here.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.compare import isomorphic
from rdflib.query import Result

from kg.cli import main
from kg.errors import QueryError
from kg.ids.vocab import LP
from kg.sparql.run import format_result, parse_form, run_query, with_prefixes
from kg.store.backends import get_backend

SELECT = """SELECT ?structure ?region ?f WHERE {
  ?structure kg:refersPainTo ?region .
  OPTIONAL { ?ax owl:annotatedSource ?structure ; owl:annotatedTarget ?region ;
                 kg:frequency ?f }
} ORDER BY ?structure ?region ?f"""


@pytest.fixture(scope="module")
def select_result():
    return run_query(get_backend(), SELECT)


@pytest.mark.parametrize(("text", "form"), [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
    ("ask { ?s ?p ?o }", "ASK"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("DESCRIBE <urn:x>", "DESCRIBE"),
    ("# SELECT in a comment first\nPREFIX a: <urn:a#>\nASK { a:x ?p ?o }", "ASK"),
    ('SELECT ("CONSTRUCT" AS ?x) {}', "SELECT"),
])
def test_form_comes_from_parsing(text: str, form: str):
    assert parse_form(text) == form


@pytest.mark.parametrize("update", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "CLEAR ALL",
    "LOAD <http://example.org/data.ttl>",
])
def test_updates_are_refused(update: str):
    with pytest.raises(QueryError, match="read-only"):
        run_query(get_backend(), update)


def test_malformed_query_names_line_and_column():
    with pytest.raises(QueryError) as info:
        parse_form("SELECT ?x\nWHERE { ?x ?y }")
    msg = str(info.value)
    assert "line 2, column" in msg
    assert "\n" not in msg


def test_project_prefixes_are_declared_when_missing():
    text = with_prefixes("PREFIX kg: <urn:mine#> SELECT * WHERE { ?s kg:x lp:groin }")
    assert "PREFIX kg: <urn:mine#>" in text  # the user's own declaration is kept
    assert text.count("PREFIX kg:") == 1
    assert "PREFIX lp: <https://w3id.org/lumbopelvic-kg/id/>" in text


def test_describe_is_a_graph():
    res = run_query(get_backend(), "DESCRIBE lp:groin")
    assert res.form == "DESCRIBE"
    assert (LP.groin, None, None) in res.graph


def _read_back(text: str, fmt: str) -> Result:
    return Result.parse(io.StringIO(text) if fmt != "xml" else io.BytesIO(text.encode()),
                        format=fmt)


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_select_formats_are_w3c(select_result, fmt: str):
    back = _read_back(format_result(select_result, fmt), fmt)
    assert [str(v) for v in back.vars] == select_result.variables
    got = [{str(k): v for k, v in row.asdict().items()} for row in back]
    want = select_result.rows
    assert len(got) == len(want)
    if fmt == "csv":  # CSV loses term types by design: compare the text
        got = [{k: str(v) for k, v in r.items()} for r in got]
        want = [{k: str(v) for k, v in r.items()} for r in want]
    assert got == want


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_ask_formats_are_w3c(fmt: str):
    res = run_query(get_backend(), "ASK { lp:sacroiliac_joint kg:refersPainTo lp:groin }")
    assert _read_back(format_result(res, fmt), fmt).askAnswer is True


def test_table_is_readable(select_result):
    text = format_result(select_result, "table")
    assert text.splitlines()[0].split() == select_result.variables
    assert "lp:sacroiliac_joint" in text
    assert text.rstrip().endswith(f"({len(select_result.rows)} rows)")


def test_xml_escapes_markup():
    res = run_query(get_backend(), 'SELECT ?x WHERE { BIND("<b>&\\"" AS ?x) }')
    root = ET.fromstring(format_result(res, "xml"))
    ns = "{http://www.w3.org/2005/sparql-results#}"
    assert root.find(f".//{ns}literal").text == '<b>&"'


@pytest.mark.parametrize(("fmt", "rdflib_fmt"), [("turtle", "turtle"), ("nt", "nt"),
                                                 ("jsonld", "json-ld")])
def test_graph_formats_read_back(fmt: str, rdflib_fmt: str):
    res = run_query(get_backend(), "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o . "
                                   "?s a kg:BodyRegion }")
    back = Graph().parse(data=format_result(res, fmt), format=rdflib_fmt)
    assert isomorphic(back, res.graph)


def test_graph_result_refuses_table_formats():
    res = run_query(get_backend(), "DESCRIBE lp:groin")
    with pytest.raises(QueryError, match="turtle, nt or jsonld"):
        format_result(res, "csv")


def test_cli_sparql_text_file_and_stdin(tmp_path: Path, capsys, monkeypatch):
    assert main(["sparql", "SELECT ?l WHERE { lp:groin rdfs:label ?l }", "--format",
                 "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["results"]["bindings"][0]["l"]["value"] == "groin"
    f = tmp_path / "q.rq"
    f.write_text("ASK { lp:groin a kg:BodyRegion }")
    assert main(["sparql", str(f)]) == 0
    assert capsys.readouterr().out.strip() == "yes"
    monkeypatch.setattr("sys.stdin", io.StringIO("DESCRIBE lp:groin"))
    assert main(["sparql", "-", "--format", "nt"]) == 0
    assert "<https://w3id.org/lumbopelvic-kg/id/groin>" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "needle"), [
    (["sparql", "SELECT ?x WHERE { ?x ?y }"], "line 1, column"),
    (["sparql", "DELETE WHERE { ?s ?p ?o }"], "read-only"),
    (["sparql", "missing.rq"], "no query file"),
    (["sparql", "DESCRIBE lp:groin", "--format", "csv"], "turtle, nt or jsonld"),
])
def test_cli_sparql_errors(argv: list[str], needle: str, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_literals_keep_language_and_datatype():
    res = run_query(get_backend(),
                    'SELECT ?a ?b ?c WHERE { BIND("x"@en AS ?a) BIND(0.5 AS ?b) BIND("s" AS ?c) }')
    row = res.rows[0]
    assert row["a"] == Literal("x", lang="en")
    assert row["b"].toPython() == pytest.approx(0.5)
    assert row["c"] == Literal("s")
