"""Run one SPARQL query on a backend and write its result in a standard format.

The query form is found by parsing the query (rdflib's SPARQL grammar), never by looking at
its first word. Updates are refused: this tool is read-only. A malformed query raises
:class:`~kg.errors.QueryError` naming the line and column of the error.

SELECT and ASK results are written in the W3C formats (SPARQL 1.1 Query Results JSON, CSV,
TSV and XML) or as a plain text table; CONSTRUCT and DESCRIBE results as Turtle, N-Triples
or JSON-LD.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from kg.errors import QueryError
from kg.store.backends import Backend, QueryResult

if TYPE_CHECKING:  # pragma: no cover
    from rdflib.term import Node

__all__ = [
    "GRAPH_FORMATS",
    "RESULT_FORMATS",
    "format_result",
    "parse_form",
    "run_query",
    "with_prefixes",
]

#: Formats for SELECT and ASK results.
RESULT_FORMATS = ("table", "json", "csv", "tsv", "xml")
#: Formats for CONSTRUCT and DESCRIBE results, with the rdflib serializer for each.
GRAPH_FORMATS = {"turtle": "turtle", "ttl": "turtle", "nt": "nt", "ntriples": "nt",
                 "jsonld": "json-ld", "json-ld": "json-ld", "json": "json-ld"}

_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT",
          "DescribeQuery": "DESCRIBE"}


def _parse(text: str):
    """Parse ``text`` as a query; updates and syntax errors become a :class:`QueryError`."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    if not text.strip():
        raise QueryError("empty query; give a SPARQL query or a .rq file")
    try:
        return parseQuery(text)
    except ParseException as exc:
        try:
            update = parseUpdate(text)
        except ParseException:
            update = None
        if update is not None and update.get("request"):
            raise QueryError("SPARQL updates are refused: this tool and its endpoint are "
                             "read-only; edit the Turtle files in data/ instead") from None
        near = exc.line.strip()
        near = f" near {near[:60]!r}" if near else ""
        raise QueryError(f"malformed SPARQL at line {exc.lineno}, column {exc.col}: "
                         f"{exc.msg}{near}") from None


def parse_form(text: str) -> str:
    """The form of a query: ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``.

    >>> parse_form("ASK { ?s ?p ?o }")
    'ASK'
    >>> parse_form("PREFIX : <http://x/>  # a comment\\nDESCRIBE :a")
    'DESCRIBE'
    """
    return _FORMS[_parse(text)[1].name]


def with_prefixes(text: str) -> str:
    """``text`` with ``PREFIX`` lines added for the project prefixes it uses but does not
    declare, so that ``kg sparql "SELECT ?r WHERE { ?r a kg:BodyRegion }"`` works as typed.
    """
    from kg.ids.vocab import PREFIXES

    parsed = _parse(text)
    declared = {str(d.get("prefix") or "") for d in parsed[0] if d.name == "PrefixDecl"}
    missing = [p for p in PREFIXES if p not in declared]
    if not missing:
        return text
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in missing) + text


def run_query(backend: Backend, text: str, bindings: Mapping[str, Node] | None = None,
              check: bool = True) -> QueryResult:
    """Run a query on ``backend``. With ``check`` (the default) the query is parsed first:
    an update is refused, a syntax error reported with its position, and the project's
    prefixes are declared when the query uses them without declaring them.
    """
    form = None
    if check:
        form = parse_form(text)
        text = with_prefixes(text)
    result = backend.query(text, bindings)
    if form == "DESCRIBE":
        result.form = "DESCRIBE"
    return result


# --- writing results ------------------------------------------------------------------------


def _curie(term: Node) -> str:
    from rdflib import BNode, URIRef

    from kg.ids.curie import curie

    if isinstance(term, URIRef):
        return curie(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _json_cell(term: Node) -> dict[str, str]:
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    cell = {"type": "literal", "value": str(term)}
    if term.language:
        cell["xml:lang"] = term.language
    elif term.datatype is not None:
        cell["datatype"] = str(term.datatype)
    return cell


def _csv_cell(term: Node | None) -> str:
    from rdflib import BNode

    if term is None:
        return ""
    s = f"_:{term}" if isinstance(term, BNode) else str(term)
    if any(c in s for c in ',"\r\n'):
        s = '"' + s.replace('"', '""') + '"'
    return s


def _tsv_cell(term: Node | None) -> str:
    if term is None:
        return ""
    return term.n3().replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _xml_cell(term: Node) -> str:
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    assert isinstance(term, Literal)
    attr = ""
    if term.language:
        attr = f" xml:lang={quoteattr(term.language)}"
    elif term.datatype is not None:
        attr = f" datatype={quoteattr(str(term.datatype))}"
    return f"<literal{attr}>{escape(str(term))}</literal>"


def _table(result: QueryResult, width: int = 60) -> str:
    if result.form == "ASK":
        return ("yes" if result.boolean else "no") + "\n"
    cols = result.variables
    cells = [[_curie(r[c]) if c in r else "" for c in cols] for r in result.rows]
    cells = [[" ".join(v.split()) for v in row] for row in cells]
    cells = [[v if len(v) <= width else v[: width - 1] + "…" for v in row] for row in cells]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
              for row in cells]
    n = len(result.rows)
    lines.append(f"({n} row{'s' if n != 1 else ''})")
    return "\n".join(lines) + "\n"


def format_result(result: QueryResult, fmt: str | None = None) -> str:
    """Write ``result`` as text in ``fmt``.

    SELECT/ASK: ``table`` (default), ``json``, ``csv``, ``tsv``, ``xml``.
    CONSTRUCT/DESCRIBE: ``turtle`` (default), ``nt``, ``jsonld``.
    """
    if result.graph is not None:
        fmt = fmt or "turtle"
        if fmt == "table":
            fmt = "turtle"
        if fmt not in GRAPH_FORMATS:
            raise QueryError(f"a {result.form} result cannot be written as {fmt!r}; "
                             "use turtle, nt or jsonld")
        out = result.graph.serialize(format=GRAPH_FORMATS[fmt])
        return out if out.endswith("\n") else out + "\n"
    fmt = fmt or "table"
    if fmt not in RESULT_FORMATS:
        raise QueryError(f"a {result.form} result cannot be written as {fmt!r}; use one of "
                         + ", ".join(RESULT_FORMATS))
    if fmt == "table":
        return _table(result)
    ask = result.form == "ASK"
    if fmt == "json":
        if ask:
            doc: dict = {"head": {}, "boolean": bool(result.boolean)}
        else:
            doc = {"head": {"vars": result.variables},
                   "results": {"bindings": [{k: _json_cell(v) for k, v in r.items()}
                                            for r in result.rows]}}
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        if ask:
            return "_askResult\r\n" + ("true" if result.boolean else "false") + "\r\n"
        lines = [",".join(result.variables)]
        lines += [",".join(_csv_cell(r.get(v)) for v in result.variables) for r in result.rows]
        return "\r\n".join(lines) + "\r\n"
    if fmt == "tsv":
        if ask:
            return "?_askResult\n" + ("true" if result.boolean else "false") + "\n"
        lines = ["\t".join("?" + v for v in result.variables)]
        lines += ["\t".join(_tsv_cell(r.get(v)) for v in result.variables) for r in result.rows]
        return "\n".join(lines) + "\n"
    # xml
    head = '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
    if ask:
        return head + ("  <head/>\n  <boolean>"
                       + ("true" if result.boolean else "false") + "</boolean>\n</sparql>\n")
    parts = [head, "  <head>\n"]
    parts += [f"    <variable name={quoteattr(v)}/>\n" for v in result.variables]
    parts.append("  </head>\n  <results>\n")
    for r in result.rows:
        parts.append("    <result>\n")
        for v in result.variables:
            if v in r:
                parts.append(f"      <binding name={quoteattr(v)}>{_xml_cell(r[v])}</binding>\n")
        parts.append("    </result>\n")
    parts.append("  </results>\n</sparql>\n")
    return "".join(parts)
