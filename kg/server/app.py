"""``kg serve``: a read-only SPARQL 1.1 Protocol endpoint over the graph.

Design, and why:

- The HTTP side is a small Starlette app (:func:`create_app`) served by uvicorn. It reads the
  query (GET ``?query=``, POST form, POST ``application/sparql-query``), enforces the request
  size cap, refuses updates with 403, answers CORS preflights, and hands the query to a pool.
- Queries run in **worker processes**, each holding the data in an in-memory Oxigraph store
  (Oxigraph answers 10-100x faster than rdflib here). A process, unlike a thread, can be
  stopped: a query that runs past the timeout is cancelled by killing its worker, which is
  replaced at once while the other workers keep answering.
- The response format comes from one table (:data:`MEDIA_TYPES`) and one pure function
  (:func:`negotiate`); 406 when the client accepts nothing the table can produce.
- Results larger than ``max_rows`` rows (or triples) are refused with 400 rather than cut
  short silently; federated ``SERVICE`` calls are refused so the endpoint never makes
  requests on a client's behalf.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "MEDIA_TYPES",
    "QueryPool",
    "create_app",
    "negotiate",
    "serve",
]

#: What the endpoint can produce, per result kind, in order of preference. The first entry is
#: the default for ``Accept: */*``.
MEDIA_TYPES: dict[str, tuple[tuple[str, str], ...]] = {
    "results": (
        ("application/sparql-results+json", "json"),
        ("application/sparql-results+xml", "xml"),
        ("text/csv", "csv"),
        ("text/tab-separated-values", "tsv"),
        ("application/json", "json"),
        ("application/xml", "xml"),
        ("text/xml", "xml"),
    ),
    "graph": (
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "jsonld"),
        ("application/rdf+xml", "rdfxml"),
        ("application/x-turtle", "turtle"),
        ("text/plain", "nt"),
    ),
    "description": (
        ("text/turtle", "turtle"),
        ("text/html", "html"),
        ("application/n-triples", "nt"),
        ("text/plain", "nt"),
    ),
}


def negotiate(accept: str | None, kind: str) -> tuple[str, str] | None:
    """Pick ``(media type, format)`` for a result of ``kind`` from an ``Accept`` header.

    Follows RFC 9110: the highest q-value wins, a more specific range beats a wildcard, and
    ties go to the table's order. Returns None when nothing acceptable can be produced (406).

    >>> negotiate("application/sparql-results+xml, */*;q=0.1", "results")
    ('application/sparql-results+xml', 'xml')
    >>> negotiate(None, "graph")
    ('text/turtle', 'turtle')
    >>> negotiate("text/*;q=0.5, application/n-triples", "graph")
    ('application/n-triples', 'nt')
    >>> negotiate("image/png", "results") is None
    True
    """
    table = MEDIA_TYPES[kind]
    ranges: list[tuple[str, float]] = []
    for part in (accept or "*/*").split(","):
        fields = [f.strip() for f in part.split(";")]
        mtype = fields[0].lower()
        if not mtype:
            continue
        q = 1.0
        for f in fields[1:]:
            name, _, value = f.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((mtype, q))

    def quality(mtype: str) -> float:
        best_spec, best_q = -1, 0.0
        major = mtype.split("/")[0]
        for rng, q in ranges:
            if rng == mtype:
                spec = 2
            elif rng == f"{major}/*":
                spec = 1
            elif rng == "*/*":
                spec = 0
            else:
                continue
            if spec > best_spec:
                best_spec, best_q = spec, q
        return best_q

    best: tuple[str, str] | None = None
    best_q = 0.0
    for mtype, fmt in table:
        q = quality(mtype)
        if q > best_q:
            best, best_q = (mtype, fmt), q
    return best


# --- executing one query (inside a worker process) ----------------------------------------------

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LEXEMES = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*',
)
_SERVICE = re.compile(r"(?<![\w:?$])SERVICE(?![\w:-])", re.IGNORECASE)


def uses_service(query: str) -> bool:
    """True when the query has a ``SERVICE`` clause (outside strings, IRIs and comments).

    >>> uses_service("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }")
    True
    >>> uses_service('SELECT * { ?s ?p "SERVICE" } # SERVICE')
    False
    """
    return bool(_SERVICE.search(_LEXEMES.sub(" ", query)))


def _error(status: int, message: str) -> tuple[int, str, bytes]:
    body = json.dumps({"error": _REASONS.get(status, "error"), "message": message})
    return status, "application/json", body.encode()


_REASONS = {400: "bad request", 403: "forbidden", 404: "not found", 406: "not acceptable",
            413: "request too large", 414: "URI too long", 415: "unsupported media type",
            500: "internal error", 503: "query cancelled"}


def _is_update(query: str) -> bool:
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        return bool(parseUpdate(query).get("request"))
    except ParseException:
        return False
    except Exception:  # rdflib's parser can fail in other ways on garbage; not an update
        return False


def _cell_json(t: Any) -> dict[str, str]:
    import pyoxigraph as ox

    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    cell = {"type": "literal", "value": t.value}
    if t.language:
        cell["xml:lang"] = t.language
    elif t.datatype.value != _XSD_STRING:
        cell["datatype"] = t.datatype.value
    return cell


def _cell_xml(t: Any) -> str:
    from xml.sax.saxutils import escape, quoteattr

    import pyoxigraph as ox

    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    attr = ""
    if t.language:
        attr = f" xml:lang={quoteattr(t.language)}"
    elif t.datatype.value != _XSD_STRING:
        attr = f" datatype={quoteattr(t.datatype.value)}"
    return f"<literal{attr}>{escape(t.value)}</literal>"


def _cell_csv(t: Any) -> str:
    import pyoxigraph as ox

    if t is None:
        return ""
    s = f"_:{t.value}" if isinstance(t, ox.BlankNode) else t.value
    if any(c in s for c in ',"\r\n'):
        s = '"' + s.replace('"', '""') + '"'
    return s


def _cell_tsv(t: Any) -> str:
    if t is None:
        return ""
    return str(t).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _write_results(names: list[str], rows: list[list[Any]], fmt: str) -> bytes:
    if fmt == "json":
        bindings = [{n: _cell_json(t) for n, t in zip(names, row, strict=True) if t is not None}
                    for row in rows]
        return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}},
                          ensure_ascii=False, separators=(",", ":")).encode()
    if fmt == "csv":
        lines = [",".join(names)] + [",".join(_cell_csv(t) for t in row) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode()
    if fmt == "tsv":
        lines = ["\t".join("?" + n for n in names)]
        lines += ["\t".join(_cell_tsv(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode()
    from xml.sax.saxutils import quoteattr

    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
           "<head>"]
    out += [f"<variable name={quoteattr(n)}/>" for n in names]
    out.append("</head><results>")
    for row in rows:
        out.append("<result>")
        out += [f"<binding name={quoteattr(n)}>{_cell_xml(t)}</binding>"
                for n, t in zip(names, row, strict=True) if t is not None]
        out.append("</result>")
    out.append("</results></sparql>\n")
    return "".join(out).encode()


def _write_boolean(value: bool, fmt: str) -> bytes:
    word = "true" if value else "false"
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "csv":
        return f"_askResult\r\n{word}\r\n".encode()
    if fmt == "tsv":
        return f"?_askResult\n{word}\n".encode()
    return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{word}</boolean></sparql>\n").encode()


def _rdf_format(fmt: str) -> Any:
    import pyoxigraph as ox

    return {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
            "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}[fmt]


def execute(store: Any, query: str, accept: str | None, max_rows: int) -> tuple[int, str, bytes]:
    """Run one query on an Oxigraph store; return ``(status, media type, body)``.

    Pure with respect to HTTP: the worker processes and the tests call it directly.
    """
    import pyoxigraph as ox

    from kg.ids.vocab import PREFIXES

    if uses_service(query):
        return _error(403, "federated SERVICE queries are refused by this endpoint")
    try:
        res = store.query(query)
    except SyntaxError as exc:
        if _is_update(query):
            return _error(403, "SPARQL updates are refused: this endpoint is read-only")
        return _error(400, "malformed SPARQL: " + " ".join(str(exc).split()))
    kind = ("boolean" if isinstance(res, ox.QueryBoolean)
            else "results" if isinstance(res, ox.QuerySolutions) else "graph")
    choice = negotiate(accept, "graph" if kind == "graph" else "results")
    if choice is None:
        offered = ", ".join(m for m, _ in MEDIA_TYPES["graph" if kind == "graph" else "results"])
        return _error(406, f"cannot produce any type in Accept: {accept!r} for this "
                           f"{'graph' if kind == 'graph' else 'result'}; available: {offered}")
    mtype, fmt = choice
    too_many = f"the result has more than {max_rows} {{}}; add a LIMIT or narrow the query"
    try:
        if kind == "boolean":
            body = _write_boolean(bool(res), fmt)
        elif kind == "results":
            names = [v.value for v in res.variables]
            rows: list[list[Any]] = []
            for sol in res:
                if len(rows) >= max_rows:
                    return _error(400, too_many.format("rows"))
                rows.append([sol[n] for n in names])
            body = _write_results(names, rows, fmt)
        else:
            triples: list[Any] = []
            for t in res:
                if len(triples) >= max_rows:
                    return _error(400, too_many.format("triples"))
                triples.append(t)
            prefixes = PREFIXES if fmt == "turtle" else None
            body = ox.serialize(triples, format=_rdf_format(fmt), prefixes=prefixes) or b""
    except OSError as exc:  # evaluation errors surface while iterating
        return _error(400, f"query failed: {' '.join(str(exc).split())}")
    if mtype.startswith("text/") or mtype.endswith("json"):
        mtype += "; charset=utf-8"
    return 200, mtype, body


def _limit_memory(limit_mb: int | None) -> None:
    """Cap what queries may allocate: the address space the loaded data already holds, plus
    ``limit_mb``. Applied after loading, so the cap scales with the data instead of refusing
    a large graph outright."""
    if not limit_mb:
        return
    try:
        import resource

        used = 0
        try:
            with open("/proc/self/status") as fh:
                for line in fh:
                    if line.startswith("VmSize:"):
                        used = int(line.split()[1]) * 1024
        except OSError:
            pass
        cap = used + limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, ValueError, OSError):  # not on this platform
        pass


def _worker_main(conn: Any, path: str, max_rows: int, memory_mb: int | None) -> None:
    """Body of one query worker process: load the data, then answer queries until EOF."""
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=path, format=ox.RdfFormat.N_QUADS)
    _limit_memory(memory_mb)
    conn.send("ready")
    while True:
        try:
            query, accept = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            reply = execute(store, query, accept, max_rows)
        except MemoryError:
            reply = _error(503, "query cancelled: it needed more memory than a query may use")
        conn.send(reply)


# --- the pool of worker processes ---------------------------------------------------------------


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Any


class QueryPool:
    """Worker processes that run queries with a timeout; a timed-out worker is killed and
    replaced, so a runaway query never blocks the others for longer than ``timeout``.
    """

    def __init__(self, nquads_path: str, workers: int = 2, timeout: float = 10.0,
                 max_rows: int = 100_000, memory_mb: int | None = 2048) -> None:
        import multiprocessing as mp

        self.path = nquads_path
        self.size = max(1, workers)
        self.timeout = timeout
        self.max_rows = max_rows
        self.memory_mb = memory_mb
        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        self._ctx: Any = mp.get_context(method)
        if method == "forkserver":
            self._ctx.set_forkserver_preload(["kg.server", "pyoxigraph"])
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self._tasks: set[asyncio.Future] = set()
        self.cancelled = 0
        self.replaced = 0

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker_main, daemon=True,
                                 args=(child, self.path, self.max_rows, self.memory_mb))
        proc.start()
        child.close()
        if not parent.poll(600) or parent.recv() != "ready":  # large data loads for a while
            proc.kill()
            raise RuntimeError("a query worker failed to start")
        w = _Worker(proc, parent)
        self._all.add(w)
        return w

    async def start(self) -> None:
        """Start the workers (in parallel threads: each loads the data)."""
        loop = asyncio.get_running_loop()
        self._idle = asyncio.Queue()
        workers = await asyncio.gather(*[loop.run_in_executor(None, self._spawn)
                                         for _ in range(self.size)])
        for w in workers:
            self._idle.put_nowait(w)

    def _discard(self, w: _Worker) -> None:
        self._all.discard(w)
        with contextlib.suppress(OSError, ValueError):
            w.process.kill()
        with contextlib.suppress(OSError):
            w.conn.close()
        w.process.join(timeout=1)

    async def _replace(self, w: _Worker) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._discard, w)
        fresh = await loop.run_in_executor(None, self._spawn)
        self.replaced += 1
        assert self._idle is not None
        self._idle.put_nowait(fresh)

    def _spawn_replacement(self, w: _Worker) -> None:
        task = asyncio.ensure_future(self._replace(w))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self, query: str, accept: str | None) -> tuple[int, str, bytes]:
        """Run ``query`` in an idle worker; cancel it after ``timeout`` seconds."""
        assert self._idle is not None, "call start() first"
        loop = asyncio.get_running_loop()
        w = await self._idle.get()
        fut: asyncio.Future = loop.create_future()
        fd = w.conn.fileno()

        def readable() -> None:
            loop.remove_reader(fd)
            if fut.done():
                return
            try:
                fut.set_result(w.conn.recv())
            except (EOFError, OSError) as exc:
                fut.set_exception(exc)

        try:
            w.conn.send((query, accept))
            loop.add_reader(fd, readable)
            reply = await asyncio.wait_for(fut, self.timeout)
        except TimeoutError:
            loop.remove_reader(fd)
            self.cancelled += 1
            self._spawn_replacement(w)
            return _error(503, f"query cancelled after {self.timeout:g} s; add a LIMIT or "
                               "simplify it")
        except (EOFError, OSError, asyncio.CancelledError) as exc:
            loop.remove_reader(fd)
            self._spawn_replacement(w)
            if isinstance(exc, asyncio.CancelledError):
                raise
            return _error(503, "the query worker stopped (it may have run out of memory); "
                               "try a smaller query")
        self._idle.put_nowait(w)
        return reply

    def close(self) -> None:
        for w in list(self._all):
            self._discard(w)


# --- HTTP ----------------------------------------------------------------------------------------

_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept",
    "Access-Control-Max-Age": "86400",
}

_SERVICE_DESCRIPTION = """\
@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix formats: <http://www.w3.org/ns/formats/> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

[] a sd:Service ;
    sd:endpoint <> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat formats:SPARQL_Results_JSON, formats:SPARQL_Results_XML,
        formats:SPARQL_Results_CSV, formats:SPARQL_Results_TSV, formats:Turtle,
        formats:N-Triples, formats:JSON-LD, formats:RDF_XML ;
    sd:feature sd:EmptyGraphs ;
    dcterms:description "Read-only SPARQL endpoint of the lumbopelvic pain knowledge graph: \
updates are refused (403), queries are cancelled after {timeout:g} s, results are capped at \
{max_rows} rows." ;
    sd:defaultDataset [
        a sd:Dataset ;
        sd:defaultGraph [ a sd:Graph ; void:triples {triples} ]
    ] .
"""

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Lumbopelvic KG — SPARQL</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:70rem;color:#222}
textarea{width:100%;height:16rem;font-family:monospace;font-size:.9rem}
table{border-collapse:collapse;margin-top:1rem;font-size:.85rem}
td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:left;vertical-align:top}
th{background:#f3f3f3} #status{margin-left:1rem;color:#555} .err{color:#a00}
li{margin:.2rem 0} button{font-size:1rem}
</style></head><body>
<h1>Lumbopelvic pain knowledge graph — SPARQL endpoint</h1>
<p>Read-only SPARQL 1.1 endpoint at <code>{{ endpoint }}</code> ({{ triples }} triples).
A teaching and reasoning aid, not a diagnostic device.</p>
<form id="form" method="post" action="{{ endpoint }}">
<textarea id="query" name="query" spellcheck="false">{{ default_query }}</textarea><br>
<button type="submit">Run</button><span id="status"></span>
</form>
<div id="result"></div>
<h2>Named queries</h2>
<p>Click one to load it with its default parameters, then run it.</p>
<ul id="examples">
{% for q in queries %}<li><a href="#" data-query="{{ q.text }}">{{ q.name }}</a> — {{ q.title }}
{% if q.description %}<br><small>{{ q.description }}</small>{% endif %}</li>
{% endfor %}</ul>
<script>
(function () {
  var form = document.getElementById("form"), box = document.getElementById("query");
  var out = document.getElementById("result"), status = document.getElementById("status");
  function text(t) { return document.createTextNode(t); }
  function cell(b) {
    if (!b) return "";
    if (b.type === "uri") return b.value;
    if (b.type === "bnode") return "_:" + b.value;
    return b.value + (b["xml:lang"] ? "@" + b["xml:lang"] : "");
  }
  document.querySelectorAll("#examples a").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault(); box.value = a.getAttribute("data-query");
    });
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    out.textContent = ""; status.textContent = "running…";
    var t0 = performance.now();
    fetch(form.getAttribute("action"), {
      method: "POST",
      headers: {"Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json, text/turtle;q=0.9"},
      body: new URLSearchParams({query: box.value})
    }).then(function (r) {
      var type = r.headers.get("Content-Type") || "";
      return (type.indexOf("json") >= 0 ? r.json() : r.text()).then(function (body) {
        return {ok: r.ok, body: body};
      });
    }).then(function (res) {
      var ms = Math.round(performance.now() - t0);
      if (!res.ok) {
        status.textContent = ""; var p = document.createElement("p");
        p.className = "err"; p.appendChild(text(res.body.message || String(res.body)));
        out.appendChild(p); return;
      }
      var body = res.body;
      if (typeof body === "string") {
        var pre = document.createElement("pre"); pre.appendChild(text(body));
        out.appendChild(pre); status.textContent = ms + " ms"; return;
      }
      if ("boolean" in body) {
        out.appendChild(text(body.boolean ? "yes" : "no")); status.textContent = ms + " ms";
        return;
      }
      var vars = body.head.vars, rows = body.results.bindings;
      var table = document.createElement("table"), tr = document.createElement("tr");
      vars.forEach(function (v) { var th = document.createElement("th");
        th.appendChild(text(v)); tr.appendChild(th); });
      table.appendChild(tr);
      rows.forEach(function (row) {
        var tr = document.createElement("tr");
        vars.forEach(function (v) { var td = document.createElement("td");
          td.appendChild(text(cell(row[v]))); tr.appendChild(td); });
        table.appendChild(tr);
      });
      out.appendChild(table);
      status.textContent = rows.length + " rows, " + ms + " ms";
    }).catch(function (e) { status.textContent = ""; out.appendChild(text(String(e))); });
  });
})();
</script>
</body></html>
"""


def _example_text(nq: Any) -> str:
    from kg.store.backends import with_values

    bindings = nq.bindings()
    return with_values(nq.text, bindings) if bindings else nq.text


def render_page(endpoint: str, triples: int, queries: Iterable[Any]) -> str:
    """The HTML query page (Jinja2, autoescaped; scripts inline, nothing fetched elsewhere)."""
    from jinja2 import Environment

    env = Environment(autoescape=True)
    items = [{"name": q.name, "title": q.title, "description": q.description,
              "text": _example_text(q)} for q in queries if not q.is_violation_check]
    default = items[0]["text"] if items else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
    return env.from_string(_PAGE).render(endpoint=endpoint, triples=triples, queries=items,
                                         default_query=default)


def create_app(data_dir: str | Path | None = None, timeout: float = 10.0,
               max_rows: int = 100_000, workers: int | None = None,
               max_request_bytes: int = 64 * 1024, memory_mb: int | None = 2048):
    """The Starlette application: ``/sparql`` (the protocol endpoint) and ``/`` (query page).

    The data is read once at start-up (with the same error messages as every other command),
    written as N-Quads to a temporary file, and loaded by each worker process.
    """
    from contextlib import asynccontextmanager

    import pyoxigraph as ox
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, Response
    from starlette.routing import Route

    from kg.sparql.named import load_queries
    from kg.store.backends import load_oxigraph

    store = load_oxigraph(data_dir)
    triples = len(store)
    fd, path = tempfile.mkstemp(prefix="kg-serve-", suffix=".nq")
    os.close(fd)
    store.dump(path, format=ox.RdfFormat.N_QUADS)
    del store
    nworkers = workers or max(2, os.cpu_count() or 2)
    pool = QueryPool(path, workers=nworkers, timeout=timeout, max_rows=max_rows,
                     memory_mb=memory_mb)
    queries = list(load_queries().values())
    description = _SERVICE_DESCRIPTION.replace("{timeout:g}", f"{timeout:g}").replace(
        "{max_rows}", str(max_rows)).replace("{triples}", str(triples))

    def fail(status: int, message: str) -> Response:
        s, mtype, body = _error(status, message)
        return Response(body, s, media_type=mtype, headers=_CORS)

    def describe(request: Request) -> Response:
        choice = negotiate(request.headers.get("accept"), "description")
        if choice is None:
            return fail(406, "the service description is available as text/turtle or "
                             "text/html")
        if choice[1] == "html":
            return HTMLResponse(render_page(str(request.url.path), triples, queries),
                                headers=_CORS)
        if choice[1] == "nt":
            g = ox.parse(description.encode(), format=ox.RdfFormat.TURTLE,
                         base_iri=str(request.url.replace(query="")))
            body = ox.serialize(list(g), format=ox.RdfFormat.N_TRIPLES)
            return Response(body, 200, media_type=choice[0], headers=_CORS)
        return Response(description, 200, media_type="text/turtle; charset=utf-8",
                        headers=_CORS)

    async def read_body(request: Request) -> bytes | Response:
        length = request.headers.get("content-length")
        if length is not None:
            try:
                if int(length) > max_request_bytes:
                    return fail(413, f"request body over {max_request_bytes} bytes")
            except ValueError:
                return fail(400, "bad Content-Length header")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_request_bytes:
                return fail(413, f"request body over {max_request_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    async def sparql(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=_CORS)
        params = request.query_params
        if "update" in params:
            return fail(403, "SPARQL updates are refused: this endpoint is read-only")
        if request.method == "GET":
            if len(request.url.query) > max_request_bytes:
                return fail(414, f"query string over {max_request_bytes} bytes; use POST")
            queries_given = params.getlist("query")
            if not queries_given:
                return describe(request)
        else:
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype == "application/sparql-update":
                return fail(403, "SPARQL updates are refused: this endpoint is read-only")
            body = await read_body(request)
            if isinstance(body, Response):
                return body
            if ctype == "application/x-www-form-urlencoded":
                from urllib.parse import parse_qs

                try:
                    form = parse_qs(body.decode("utf-8"), keep_blank_values=True,
                                    strict_parsing=False)
                except UnicodeDecodeError:
                    return fail(400, "the form is not UTF-8")
                if "update" in form:
                    return fail(403, "SPARQL updates are refused: this endpoint is read-only")
                queries_given = form.get("query", []) + params.getlist("query")
            elif ctype == "application/sparql-query":
                try:
                    queries_given = [body.decode("utf-8")]
                except UnicodeDecodeError:
                    return fail(400, "the query is not UTF-8")
            else:
                return fail(415, "POST a query as application/sparql-query or as the "
                                 "'query' field of application/x-www-form-urlencoded")
        if len(queries_given) != 1:
            return fail(400, "give exactly one 'query' parameter")
        if params.getlist("default-graph-uri") or params.getlist("named-graph-uri"):
            return fail(400, "default-graph-uri and named-graph-uri are not supported; "
                             "the dataset is the default graph")
        query = queries_given[0]
        if not query.strip():
            return fail(400, "empty query")
        status, mtype, payload = await pool.run(query, request.headers.get("accept"))
        return Response(payload, status, headers={**_CORS, "Content-Type": mtype})

    async def home(request: Request) -> Response:
        return HTMLResponse(render_page("/sparql", triples, queries))

    @asynccontextmanager
    async def lifespan(app):
        await pool.start()
        try:
            yield
        finally:
            pool.close()
            with contextlib.suppress(OSError):
                os.unlink(path)

    app = Starlette(routes=[
        Route("/", home, methods=["GET"]),
        Route("/sparql", sparql, methods=["GET", "POST", "OPTIONS"]),
    ], lifespan=lifespan)
    app.state.pool = pool
    app.state.triples = triples
    return app


def serve(host: str = "127.0.0.1", port: int = 7878, data_dir: str | Path | None = None,
          timeout: float = 10.0, max_rows: int = 100_000, workers: int | None = None) -> None:
    """Run the endpoint until interrupted (``kg serve``)."""
    import socket
    import sys

    from kg.errors import KGError

    try:
        import pyoxigraph  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn
    except ImportError as exc:
        raise KGError(f"kg serve needs {exc.name}; install the server extra: "
                      "pip install 'lumbopelvic-kg[server]'") from None

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise KGError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
                      "pass another --port or stop the program using it") from None
    app = create_app(data_dir, timeout=timeout, max_rows=max_rows, workers=workers)
    sys.stderr.write(f"kg: serving {app.state.triples} triples at http://{host}:{port}/sparql "
                     f"(query page at http://{host}:{port}/); Ctrl-C stops\n")
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            lifespan="on")
    uvicorn.Server(config).run()
