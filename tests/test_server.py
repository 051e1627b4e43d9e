"""`kg serve`: the SPARQL 1.1 Protocol, read-only, negotiated, capped, and still up after a
runaway query. HTTP tests talk to a real `kg serve` subprocess on 127.0.0.1.
"""

from __future__ import annotations

import io
import json
import threading
import time
from html.parser import HTMLParser

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.query import Result

from kg.server.app import MEDIA_TYPES, negotiate, uses_service
from kg.sparql.named import load_queries

pytestmark = pytest.mark.slow

SD = "http://www.w3.org/ns/sparql-service-description#"
SELECT = "SELECT ?r WHERE { ?r a <https://w3id.org/lumbopelvic-kg/vocab#BodyRegion> }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


# --- pure parts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("accept", "kind", "expected"), [
    (None, "results", "application/sparql-results+json"),
    ("*/*", "graph", "text/turtle"),
    ("text/csv", "results", "text/csv"),
    ("application/json;q=0.5, application/sparql-results+xml", "results",
     "application/sparql-results+xml"),
    ("text/*", "results", "text/csv"),
    ("text/*;q=0.2, application/ld+json;q=0.9", "graph", "application/ld+json"),
    ("application/sparql-results+json;q=0, */*;q=0.1", "results",
     "application/sparql-results+xml"),
    ("text/html", "description", "text/html"),
])
def test_negotiate(accept, kind, expected):
    assert negotiate(accept, kind)[0] == expected


@pytest.mark.parametrize(("accept", "kind"), [
    ("image/png", "results"), ("text/csv", "graph"), ("application/sparql-results+json;q=0",
                                                      "results")])
def test_negotiate_nothing_acceptable(accept, kind):
    assert negotiate(accept, kind) is None


def test_every_media_type_has_a_writer():
    formats = {fmt for table in MEDIA_TYPES.values() for _, fmt in table}
    assert formats <= {"json", "xml", "csv", "tsv", "turtle", "nt", "jsonld", "rdfxml", "html"}


def test_service_detection_ignores_strings_and_iris():
    assert uses_service("SELECT * { service <http://x/> { ?s ?p ?o } }")
    assert not uses_service('SELECT * { ?s <http://x/SERVICE> "SERVICE" }')
    assert not uses_service("SELECT ?service { ?service ?p ?o }")


# --- the protocol, over HTTP ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(kg_endpoint):
    with httpx.Client(timeout=30) as c:
        yield c


def test_get_post_form_and_direct_post_agree(client, kg_endpoint):
    acc = {"Accept": "application/sparql-results+json"}
    a = client.get(kg_endpoint, params={"query": SELECT}, headers=acc)
    b = client.post(kg_endpoint, data={"query": SELECT}, headers=acc)
    c = client.post(kg_endpoint, content=SELECT.encode(),
                    headers={**acc, "Content-Type": "application/sparql-query"})
    for r in (a, b, c):
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/sparql-results+json")
    rows = [sorted(x["r"]["value"] for x in r.json()["results"]["bindings"]) for r in (a, b, c)]
    assert rows[0] == rows[1] == rows[2]
    assert "https://w3id.org/lumbopelvic-kg/id/groin" in rows[0]


@pytest.mark.parametrize(("accept", "fmt"), [
    ("application/sparql-results+xml", "xml"), ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"), ("application/sparql-results+json", "json")])
def test_results_formats_read_back(client, kg_endpoint, accept, fmt):
    r = client.get(kg_endpoint, params={"query": SELECT}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    back = Result.parse(io.BytesIO(r.content) if fmt == "xml" else io.StringIO(r.text),
                        format=fmt)
    assert URIRef("https://w3id.org/lumbopelvic-kg/id/groin") in {
        URIRef(str(row[0])) for row in back}


@pytest.mark.parametrize(("accept", "fmt"), [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")])
def test_graph_formats_read_back(client, kg_endpoint, accept, fmt):
    q = "DESCRIBE <https://w3id.org/lumbopelvic-kg/id/groin>"
    r = client.get(kg_endpoint, params={"query": q}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    g = Graph().parse(data=r.content, format=fmt)
    assert (URIRef("https://w3id.org/lumbopelvic-kg/id/groin"), None, None) in g


def test_ask(client, kg_endpoint):
    r = client.post(kg_endpoint, data={"query": "ASK { ?s ?p ?o }"})
    assert r.json() == {"head": {}, "boolean": True}


def test_not_acceptable_is_406(client, kg_endpoint):
    r = client.get(kg_endpoint, params={"query": SELECT}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "application/sparql-results+json" in r.json()["message"]


@pytest.mark.parametrize("how", ["form", "direct", "get"])
def test_updates_are_forbidden(client, kg_endpoint, how):
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    if how == "form":
        r = client.post(kg_endpoint, data={"update": update})
    elif how == "direct":
        r = client.post(kg_endpoint, content=update,
                        headers={"Content-Type": "application/sparql-update"})
    else:
        r = client.get(kg_endpoint, params={"query": update})
    assert r.status_code == 403
    assert "read-only" in r.json()["message"]
    after = client.post(kg_endpoint, data={"query": "ASK { <urn:a> <urn:b> <urn:c> }"})
    assert after.json()["boolean"] is False


def test_malformed_query_is_400_with_position(client, kg_endpoint):
    r = client.get(kg_endpoint, params={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/json")
    assert "1:" in r.json()["message"]


@pytest.mark.parametrize(("kwargs", "status"), [
    ({"data": {"query": ""}}, 400),
    ({"content": b"query=x", "headers": {"Content-Type": "text/plain"}}, 415),
    ({"data": {"query": "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}}, 403),
    ({"data": {"query": "x" * (70 * 1024)}}, 413),
])
def test_bad_requests(client, kg_endpoint, kwargs, status):
    r = client.post(kg_endpoint, **kwargs)
    assert r.status_code == status
    assert r.json()["message"]


def test_cors(client, kg_endpoint):
    r = client.get(kg_endpoint, params={"query": "ASK {}"},
                   headers={"Origin": "http://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    pre = client.options(kg_endpoint, headers={
        "Origin": "http://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code in (200, 204)
    assert "POST" in pre.headers["access-control-allow-methods"]


def test_service_description(client, kg_endpoint):
    r = client.get(kg_endpoint, headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = Graph().parse(data=r.text, format="turtle", publicID=kg_endpoint)
    services = list(g.subjects(URIRef(SD + "endpoint"), URIRef(kg_endpoint)))
    assert len(services) == 1
    assert (services[0], URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Query")) in g


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.examples: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and "data-query" in a:
            self.examples.append(a["data-query"])
        for key in ("src", "href"):
            if a.get(key, "").startswith(("http:", "https:", "//")):
                self.external.append(a[key])


def test_query_page_lists_named_queries_and_loads_nothing(client, kg_endpoint):
    r = client.get(kg_endpoint.rsplit("/", 1)[0] + "/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = _Links()
    page.feed(r.text)
    named = [q for q in load_queries().values() if not q.is_violation_check]
    assert len(page.examples) == len(named)
    assert page.external == []


@pytest.mark.browser
def test_query_page_runs_a_named_query_in_chromium(chromium_browser, kg_endpoint):
    """Click the first named query, run it, and see rows; no request leaves the server."""
    origin = kg_endpoint.rsplit("/", 1)[0]
    context = chromium_browser.new_context()
    blocked, errors = [], []

    def route(r):
        if r.request.url.startswith(origin):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(origin + "/")
        page.locator("#examples a").first.click()
        page.locator("button[type=submit]").click()
        page.wait_for_selector("#result table tr:nth-child(2)", timeout=15000)
        assert page.locator("#result table tr").count() > 1
    finally:
        context.close()
    assert blocked == [] and errors == []


# --- limits: timeout, row cap --------------------------------------------------------------------


@pytest.fixture(scope="module")
def strict_endpoint():
    """A `kg serve` with a 1 s timeout, a 20-row cap and two workers."""
    from tests.sparql_servers import kg_serve

    with kg_serve(None, "--timeout", "1", "--max-rows", "20", "--workers", "2") as url:
        yield url


def test_runaway_query_is_cancelled_while_others_are_answered(strict_endpoint):
    results: dict[str, httpx.Response] = {}

    def runaway():
        with httpx.Client(timeout=30) as c:
            results["runaway"] = c.post(strict_endpoint, data={"query": RUNAWAY})

    t = threading.Thread(target=runaway)
    start = time.monotonic()
    t.start()
    time.sleep(0.2)
    with httpx.Client(timeout=30) as c:
        quick = [c.post(strict_endpoint, data={"query": "ASK { ?s ?p ?o }"}) for _ in range(5)]
        assert all(r.status_code == 200 for r in quick)
        assert time.monotonic() - start < 1.0, "quick queries waited for the runaway one"
        t.join(timeout=20)
        assert results["runaway"].status_code == 503
        assert "cancelled" in results["runaway"].json()["message"]
        # the killed worker is replaced: both workers answer again, repeatedly
        again = [c.post(strict_endpoint, data={"query": "ASK { ?s ?p ?o }"}) for _ in range(6)]
        assert all(r.status_code == 200 for r in again)
        second = c.post(strict_endpoint, data={"query": RUNAWAY})
        assert second.status_code == 503


def test_row_cap(strict_endpoint):
    with httpx.Client(timeout=30) as c:
        big = c.get(strict_endpoint, params={"query": "SELECT * { ?s ?p ?o }"})
        assert big.status_code == 400 and "20 rows" in big.json()["message"]
        ok = c.get(strict_endpoint, params={"query": "SELECT * { ?s ?p ?o } LIMIT 20"})
        assert ok.status_code == 200 and len(ok.json()["results"]["bindings"]) == 20


def test_json_errors_are_json(strict_endpoint):
    with httpx.Client(timeout=30) as c:
        r = c.get(strict_endpoint, params={"query": "SELEC"})
        assert json.loads(r.text)["error"] == "bad request"


# --- the CLI against the endpoint ---------------------------------------------------------------


def test_cli_query_and_export_through_endpoint(kg_endpoint, data_snapshot, capsys, tmp_path):
    """`kg --endpoint URL query …` and `export` answer as the embedded store does."""
    from kg.cli import main

    def run(*argv: str) -> str:
        assert main(list(argv)) == 0
        return capsys.readouterr().out

    for name in ("referral-evidence", "region-candidates", "red-flags"):
        remote = json.loads(run("--endpoint", kg_endpoint, "query", name, "--format", "json"))
        local = json.loads(run("--data", str(data_snapshot), "query", name, "--format", "json"))
        assert remote["head"] == local["head"]
        key = lambda b: json.dumps(b, sort_keys=True)  # noqa: E731
        assert sorted(remote["results"]["bindings"], key=key) == sorted(
            local["results"]["bindings"], key=key)
    out = tmp_path / "edges.csv"
    assert main(["--endpoint", kg_endpoint, "export", "--format", "csv", "-o", str(out)]) == 0
    local_out = tmp_path / "local.csv"
    assert main(["--data", str(data_snapshot), "export", "--format", "csv",
                 "-o", str(local_out)]) == 0
    assert out.read_text() == local_out.read_text()


def test_serve_refuses_endpoint_option(capsys):
    from kg.cli import main

    assert main(["--endpoint", "http://127.0.0.1:1/sparql", "serve"]) == 2
    assert "drop --endpoint" in capsys.readouterr().err


def test_busy_port_is_one_line(kg_endpoint, capsys):
    from urllib.parse import urlparse

    from kg.cli import main

    port = urlparse(kg_endpoint).port
    assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert "cannot listen" in err and err.count("\n") == 1


def test_service_description_as_ntriples(client, kg_endpoint):
    r = client.get(kg_endpoint, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/n-triples")
    g = Graph().parse(data=r.text, format="nt")
    assert (None, URIRef(SD + "endpoint"), URIRef(kg_endpoint)) in g


def test_browser_gets_the_page_at_the_endpoint(client, kg_endpoint):
    r = client.get(kg_endpoint, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(("params", "status"), [
    ({"query": "ASK {}", "default-graph-uri": "urn:g"}, 400),
    ({"query": ["ASK {}", "ASK {}"]}, 400),
])
def test_bad_get_requests(client, kg_endpoint, params, status):
    r = client.get(kg_endpoint, params=params)
    assert r.status_code == status
    assert r.json()["message"]


def test_long_get_is_414(kg_endpoint):
    import http.client
    from urllib.parse import quote, urlparse

    u = urlparse(kg_endpoint)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.request("GET", u.path + "?query=" + quote("ASK {} #" + "a" * 70_000))
    r = conn.getresponse()
    assert r.status == 414
    assert "use POST" in json.loads(r.read())["message"]


def test_missing_server_extra_is_one_line(monkeypatch, capsys):
    """Without the server extra, `kg serve` says what to install instead of a traceback."""
    import sys

    from kg.cli import main

    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn now raises ImportError
    assert main(["serve", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'lumbopelvic-kg[server]'" in err and err.count("\n") == 1
