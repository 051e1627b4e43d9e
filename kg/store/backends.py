"""Where SPARQL is answered: the embedded store or a remote endpoint, behind one interface.

Every backend answers the same four calls and returns the same row type (a dict from variable
name to an rdflib term, unbound variables left out), so the rest of the code never asks which
one it has::

    backend = get_backend()                      # embedded, shipped data
    backend = get_backend(endpoint="http://127.0.0.1:7878/sparql")
    rows = backend.select("SELECT ?s WHERE { ?s a kg:BodyRegion }")
    g = backend.graph()                          # the whole graph, as an rdflib Graph

Literals typed ``xsd:string`` come back as plain literals from every backend, because engines
differ on whether they write the datatype.
"""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import DataError, KGError, QueryError

if TYPE_CHECKING:  # pragma: no cover
    from rdflib import Graph
    from rdflib.term import Node

__all__ = [
    "Backend",
    "EmbeddedBackend",
    "QueryResult",
    "RemoteBackend",
    "get_backend",
    "load_oxigraph",
    "sparql_prologue",
    "values_block",
    "with_values",
]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: Pulls the whole default graph. Deliberately the simplest query there is, so that any
#: SPARQL 1.1 store answers it the same way.
GRAPH_QUERY = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
#: Used only when the default graph is empty: the data was loaded into named graphs (Oxigraph's
#: default graph is not the union of its named graphs).
NAMED_GRAPHS_QUERY = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def sparql_prologue() -> str:
    """``PREFIX`` lines for the project's prefixes, for queries typed by hand."""
    from kg.ids.vocab import PREFIXES

    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


@dataclass
class QueryResult:
    """The answer to one query, whatever its form.

    ``form`` is ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE`` (engines do not tell the
    last two apart, so graph results report ``CONSTRUCT``).
    """

    form: str
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Node]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None


class Backend:
    """The narrow interface every store answers. Subclasses implement :meth:`query`."""

    #: Short name shown in messages and tests.
    name = "backend"

    def query(self, query: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        raise NotImplementedError

    def select(self, query: str, bindings: Mapping[str, Node] | None = None
               ) -> list[dict[str, Node]]:
        """Rows of a SELECT query; ``bindings`` pre-bind variables to rdflib terms."""
        result = self.query(query, bindings)
        if result.form != "SELECT":
            raise QueryError(f"expected a SELECT query, got {result.form}")
        return result.rows

    def ask(self, query: str, bindings: Mapping[str, Node] | None = None) -> bool:
        """The answer of an ASK query."""
        result = self.query(query, bindings)
        if result.boolean is None:
            raise QueryError(f"expected an ASK query, got {result.form}")
        return result.boolean

    def construct(self, query: str, bindings: Mapping[str, Node] | None = None) -> Graph:
        """The graph a CONSTRUCT or DESCRIBE query builds."""
        result = self.query(query, bindings)
        if result.graph is None:
            raise QueryError(f"expected a CONSTRUCT or DESCRIBE query, got {result.form}")
        return result.graph

    def graph(self) -> Graph:
        """The whole graph, pulled with the simplest CONSTRUCT (no paths, no joins)."""
        g = self.construct(GRAPH_QUERY)
        if len(g) == 0:
            g = self.construct(NAMED_GRAPHS_QUERY)
        _bind_prefixes(g)
        return g

    def close(self) -> None:
        """Release resources (nothing to do for most backends)."""


def _bind_prefixes(g: Graph) -> None:
    from kg.ids.vocab import PREFIXES

    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)


# --- embedded ---------------------------------------------------------------------------------


def _ox_to_rdflib(term: Any) -> Node:
    """Convert a pyoxigraph term to the equal rdflib term."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(dt))
    raise QueryError(f"unsupported RDF term in a result: {term!r}")


def _syntax_message(exc: BaseException) -> str:
    return "malformed SPARQL: " + " ".join(str(exc).split())


class EmbeddedBackend(Backend):
    """The shipped (or ``--data``) Turtle files in an in-process store.

    ``engine="oxigraph"`` (the default when pyoxigraph is installed) parses the files with
    Oxigraph and answers queries 10-30x faster than rdflib; ``engine="rdflib"`` uses
    :func:`kg.store.load_rdf` and rdflib's SPARQL engine, which needs no extra package.
    """

    name = "embedded"

    def __init__(self, data_dir: str | Path | None = None, engine: str = "auto") -> None:
        if engine not in ("auto", "oxigraph", "rdflib"):
            raise KGError(f"unknown engine {engine!r}; use 'oxigraph' or 'rdflib'")
        if engine == "auto":
            try:
                import pyoxigraph  # noqa: F401
            except ImportError:
                engine = "rdflib"
            else:
                engine = "oxigraph"
        self.engine = engine
        self.data_dir = data_dir
        self._store: Any = None
        self._graph: Graph | None = None
        if engine == "oxigraph":
            self._store = load_oxigraph(data_dir)
        else:
            from kg.store.files import load_rdf

            self._graph = load_rdf(data_dir)

    @property
    def store(self) -> Any:
        """The pyoxigraph Store (``engine="oxigraph"`` only)."""
        return self._store

    def query(self, query: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        if bindings:
            query = with_values(query, bindings)
        if self._store is not None:
            return self._query_oxigraph(query)
        return self._query_rdflib(query)

    def _query_oxigraph(self, query: str) -> QueryResult:
        import pyoxigraph as ox

        try:
            res = self._store.query(query)
        except SyntaxError as exc:
            raise QueryError(_syntax_message(exc)) from None
        except OSError as exc:
            raise QueryError(f"query failed: {exc}") from None
        if isinstance(res, ox.QueryBoolean):
            return QueryResult("ASK", boolean=bool(res))
        if isinstance(res, ox.QuerySolutions):
            names = [v.value for v in res.variables]
            rows = []
            for sol in res:
                row = {}
                for n in names:
                    t = sol[n]
                    if t is not None:
                        row[n] = _ox_to_rdflib(t)
                rows.append(row)
            return QueryResult("SELECT", variables=names, rows=rows)
        from rdflib import Graph

        g = Graph()
        for t in res:
            g.add((_ox_to_rdflib(t.subject), _ox_to_rdflib(t.predicate), _ox_to_rdflib(t.object)))
        _bind_prefixes(g)
        return QueryResult("CONSTRUCT", graph=g)

    def _query_rdflib(self, query: str) -> QueryResult:
        from pyparsing import ParseException
        from rdflib import Graph, Literal, Variable
        from rdflib.namespace import XSD

        assert self._graph is not None
        try:
            res = self._graph.query(query)
        except ParseException as exc:
            raise QueryError(
                f"malformed SPARQL at line {exc.lineno}, column {exc.col}: {exc.msg}") from None
        except Exception as exc:  # rdflib raises assorted types for unsupported queries
            raise QueryError(f"query failed: {type(exc).__name__}: {exc}") from None
        if res.type == "ASK":
            return QueryResult("ASK", boolean=bool(res.askAnswer))
        if res.type == "SELECT":
            names = [str(v) for v in (res.vars or [])]
            rows = []
            for r in res:
                row = {}
                solution: Any = r
                for n in names:
                    t = solution[Variable(n)]
                    if t is None:
                        continue
                    if isinstance(t, Literal) and t.datatype == XSD.string:
                        t = Literal(str(t))
                    row[n] = t
                rows.append(row)
            return QueryResult("SELECT", variables=names, rows=rows)
        g = Graph()
        for t in res:
            triple: Any = t
            g.add(triple)
        _bind_prefixes(g)
        return QueryResult("CONSTRUCT", graph=g)

    def graph(self) -> Graph:
        if self._graph is not None:
            return self._graph
        return super().graph()


def load_oxigraph(data_dir: str | Path | None) -> Any:
    """Parse every data file into an in-memory Oxigraph store (default graph).

    A file Oxigraph cannot parse is re-read with rdflib so the error names file and line the
    same way everywhere else does.
    """
    import pyoxigraph as ox

    from kg.store.files import data_files, parse_file

    store = ox.Store()
    for path in data_files(data_dir):
        try:
            store.load(path=str(path), format=ox.RdfFormat.TURTLE)
        except SyntaxError as exc:
            parse_file(path)  # raises a DataError with file and line
            raise DataError(f"not valid Turtle ({exc})", path=str(path)) from None
    return store


# --- remote -----------------------------------------------------------------------------------


def with_values(query: str, bindings: Mapping[str, Node]) -> str:
    """``query`` followed by a ``VALUES`` block binding each variable to one term.

    Every backend binds parameters this way, so a named query means the same on all of them.
    The trailing block is joined after grouping (SPARQL 1.1, section 18.2.4.3), so a query
    that aggregates must list its parameters in ``GROUP BY`` and in the ``SELECT`` clause
    (rdflib ignores the block otherwise); and parameters are used in triple patterns, never
    only inside a ``FILTER``.
    """
    return query.rstrip() + "\n" + values_block(bindings) + "\n"


def values_block(bindings: Mapping[str, Node]) -> str:
    """A SPARQL ``VALUES`` clause that binds each variable to one rdflib term.

    Terms are written with their own N-Triples serialisation (``term.n3()``), which escapes
    quotes and newlines, so a value can never change the shape of the query.

    >>> from rdflib import Literal, URIRef
    >>> values_block({"region": URIRef("https://w3id.org/lumbopelvic-kg/id/groin")})
    'VALUES (?region) { (<https://w3id.org/lumbopelvic-kg/id/groin>) }'
    >>> values_block({"q": Literal('say "hi"')})
    'VALUES (?q) { ("say \\\\"hi\\\\"") }'
    """
    from rdflib import BNode, Literal, URIRef

    names = list(bindings)
    cells = []
    for n in names:
        term = bindings[n]
        if not isinstance(term, URIRef | Literal) or isinstance(term, BNode):
            raise QueryError(f"cannot bind ?{n} to {term!r} on a remote endpoint; "
                             "only IRIs and literals travel in a VALUES block")
        cells.append(term.n3())
    return "VALUES (" + " ".join("?" + n for n in names) + ") { (" + " ".join(cells) + ") }"


class RemoteBackend(Backend):
    """Any SPARQL 1.1 Protocol endpoint, over HTTP (standard library only)."""

    name = "remote"

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise KGError(f"endpoint {url!r} is not an http(s) URL; "
                          "give e.g. --endpoint http://127.0.0.1:7878/sparql")
        self.url = url
        self.timeout = timeout

    def _post(self, query: str, accept: str) -> tuple[str, bytes]:
        data = urllib.parse.urlencode({"query": query}).encode()
        req = urllib.request.Request(self.url, data=data, method="POST", headers={
            "Accept": accept,
            "Content-Type": "application/x-www-form-urlencoded",
        })
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.headers.get("Content-Type", ""), resp.read()
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", "replace")
            msg = body
            with contextlib.suppress(ValueError, AttributeError):
                msg = json.loads(body).get("message", body)
            msg = " ".join(str(msg).split())[:300]
            raise QueryError(f"endpoint {self.url} answered {exc.code}: {msg}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise KGError(f"cannot reach endpoint {self.url}: {reason}; "
                          "is the server running?") from None

    def query(self, query: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        if bindings:
            query = with_values(query, bindings)
        ctype, body = self._post(
            query,
            "application/sparql-results+json, application/n-triples;q=0.9, "
            "text/turtle;q=0.8",
        )
        ctype = ctype.split(";")[0].strip().lower()
        if ctype in ("application/sparql-results+json", "application/json"):
            return _parse_results_json(body)
        from rdflib import Graph

        fmt = {"application/n-triples": "nt", "text/plain": "nt", "text/turtle": "turtle",
               "application/ld+json": "json-ld",
               "application/rdf+xml": "xml"}.get(ctype)
        if fmt is None:
            raise QueryError(f"endpoint {self.url} answered with unsupported type {ctype!r}")
        g = Graph()
        g.parse(data=body, format=fmt)
        _bind_prefixes(g)
        return QueryResult("CONSTRUCT", graph=g)


def _json_term(cell: dict[str, str]) -> Node:
    from rdflib import BNode, Literal, URIRef

    kind = cell.get("type")
    value = cell.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in cell:
            return Literal(value, lang=cell["xml:lang"])
        dt = cell.get("datatype")
        if dt and dt not in (_XSD_STRING, _RDF_LANG_STRING):
            return Literal(value, datatype=URIRef(dt))
        return Literal(value)
    raise QueryError(f"unsupported term type {kind!r} in SPARQL JSON results")


def _parse_results_json(body: bytes) -> QueryResult:
    try:
        doc = json.loads(body)
    except ValueError:
        raise QueryError("endpoint answered with malformed SPARQL JSON results") from None
    if "boolean" in doc:
        return QueryResult("ASK", boolean=bool(doc["boolean"]))
    names = list(doc.get("head", {}).get("vars", []))
    rows = [{k: _json_term(v) for k, v in b.items()}
            for b in doc.get("results", {}).get("bindings", [])]
    return QueryResult("SELECT", variables=names, rows=rows)


# --- selection --------------------------------------------------------------------------------

#: Embedded stores by (data folder, engine), each with the fingerprint of its files: a file
#: changed on disk means a fresh store, never the old answers.
_EMBEDDED_CACHE: dict[tuple[str, str], tuple[object, EmbeddedBackend]] = {}


def get_backend(endpoint: str | None = None, data_dir: str | Path | None = None,
                engine: str = "auto") -> Backend:
    """The backend the user asked for: a remote endpoint when ``endpoint`` is given, else the
    embedded store over ``data_dir`` (the shipped data when None). Embedded stores are cached
    per data folder, so repeated calls in one process load the data once.
    """
    if endpoint:
        return RemoteBackend(endpoint)
    from kg.store.files import fingerprint

    key = (str(Path(data_dir).resolve()) if data_dir is not None else "", engine)
    stamp = fingerprint(data_dir)
    held = _EMBEDDED_CACHE.get(key)
    if held is None or held[0] != stamp:
        held = (stamp, EmbeddedBackend(data_dir, engine=engine))
        _EMBEDDED_CACHE[key] = held
    return held[1]
