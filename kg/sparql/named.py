"""Named queries: one ``.rq`` file each in ``queries/``, with a header that documents it.

A header is a run of ``#`` comment lines at the top of the file::

    # title: Candidate sources of a region
    # description: Everything that can cause pain felt in a region, by mechanism.
    # param: region iri lp:groin  The region where pain is felt.
    # example: kg query region-candidates --param region=lp:groin

``param`` lines give a name, a type (``iri``, ``string``, ``integer``, ``decimal``,
``boolean``), a default (``-`` for none: the variable is then left unbound) and an optional
description. Values are bound as RDF terms by the backend (pre-binding or a ``VALUES`` block),
never pasted into the query text. Files named ``*-violation.rq`` are integrity checks that must
return no rows; they are listed too.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import QueryError

if TYPE_CHECKING:  # pragma: no cover
    from rdflib.term import Node

__all__ = [
    "PARAM_TYPES",
    "NamedQuery",
    "Param",
    "get_query",
    "load_queries",
    "parse_query_file",
    "resolve_bindings",
    "to_term",
]

PARAM_TYPES = ("iri", "string", "integer", "decimal", "boolean")

_HEADER = re.compile(r"^#\s*(title|description|param|example)\s*:\s*(.*?)\s*$")


@dataclass(frozen=True)
class Param:
    """One parameter of a named query: the SPARQL variable it binds, its type and default."""

    name: str
    type: str
    default: str | None
    description: str = ""


@dataclass(frozen=True)
class NamedQuery:
    """A SPARQL query shipped as data, with the header that documents it."""

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    examples: tuple[str, ...]
    text: str
    path: Path

    @property
    def is_violation_check(self) -> bool:
        """True for integrity checks (``*-violation.rq``) that must return no rows."""
        return self.name.endswith("-violation")

    def param(self, name: str) -> Param:
        """The parameter called ``name``; an unknown name raises with suggestions."""
        for p in self.params:
            if p.name == name:
                return p
        known = [p.name for p in self.params]
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        if close:
            hint = "did you mean " + ", ".join(repr(c) for c in close) + "?"
        elif known:
            hint = "its parameters are " + ", ".join(known) + "."
        else:
            hint = "it takes no parameters."
        raise QueryError(f"query {self.name!r} has no parameter {name!r}; {hint}")

    def bindings(self, values: Mapping[str, str] | None = None) -> dict[str, Node]:
        """RDF terms for each parameter: the given value or the default, typed as declared.

        Parameters whose default is ``-`` and that are not given stay unbound.
        """
        values = dict(values or {})
        for name in values:
            self.param(name)  # raises on an unknown name
        out: dict[str, Node] = {}
        for p in self.params:
            raw = values.get(p.name, p.default)
            if raw is None:
                continue
            out[p.name] = to_term(raw, p.type, what=f"parameter {p.name!r}")
        return out


def to_term(value: str, type_: str, what: str = "value") -> Node:
    """Turn one command-line value into the RDF term a parameter of ``type_`` binds.

    IRIs may be written as a CURIE with a known prefix (``lp:groin``), a full IRI (with or
    without angle brackets) or a bare local name, which means the entity namespace ``lp:``.

    >>> to_term("lp:groin", "iri")
    rdflib.term.URIRef('https://w3id.org/lumbopelvic-kg/id/groin')
    >>> to_term("groin", "iri") == to_term("lp:groin", "iri")
    True
    >>> to_term("0.5", "decimal")
    rdflib.term.Literal('0.5', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#decimal'))
    """
    from decimal import Decimal, InvalidOperation

    from rdflib import Literal, URIRef
    from rdflib.namespace import XSD

    from kg.ids.vocab import LP, PREFIXES

    value = value.strip()
    if type_ == "iri":
        if value.startswith("<") and value.endswith(">"):
            value = value[1:-1]
        if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.I) or value.startswith("urn:"):
            iri = value
        elif ":" in value:
            prefix, local = value.split(":", 1)
            if prefix not in PREFIXES:
                raise QueryError(f"{what}: unknown prefix {prefix!r} in {value!r}; known "
                                 "prefixes are " + ", ".join(sorted(PREFIXES)))
            iri = PREFIXES[prefix] + local
        else:
            iri = str(LP) + value.replace(" ", "_")
        if re.search(r"[\s<>\"{}|^`\\]", iri):
            raise QueryError(f"{what}: {value!r} is not a valid IRI")
        return URIRef(iri)
    if type_ == "string":
        return Literal(value)
    if type_ == "integer":
        try:
            return Literal(int(value), datatype=XSD.integer)
        except ValueError:
            raise QueryError(f"{what}: {value!r} is not an integer") from None
    if type_ == "decimal":
        try:
            Decimal(value)
        except InvalidOperation:
            raise QueryError(f"{what}: {value!r} is not a decimal number") from None
        return Literal(value, datatype=XSD.decimal)
    if type_ == "boolean":
        low = value.lower()
        if low not in ("true", "false", "1", "0", "yes", "no"):
            raise QueryError(f"{what}: {value!r} is not true or false")
        return Literal(low in ("true", "1", "yes"), datatype=XSD.boolean)
    raise QueryError(f"{what}: unknown parameter type {type_!r}; use one of "
                     + ", ".join(PARAM_TYPES))


def parse_query_file(path: str | Path) -> NamedQuery:
    """Read one ``.rq`` file and its header into a :class:`NamedQuery`."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    params: list[Param] = []
    examples: list[str] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            break
        m = _HEADER.match(line)
        if not m:
            continue
        key, value = m.groups()
        if key == "param":
            parts = value.split(None, 3)
            if len(parts) < 3 or parts[1] not in PARAM_TYPES:
                raise QueryError(f"{path}:{lineno}: a param line needs 'name type default' "
                                 "with type one of " + ", ".join(PARAM_TYPES))
            default = None if parts[2] == "-" else parts[2]
            params.append(Param(parts[0], parts[1], default, parts[3] if len(parts) > 3 else ""))
        elif key == "example":
            examples.append(value)
        elif key == "description" and key in fields:
            fields[key] += " " + value
        else:
            fields[key] = value
    name = path.stem
    if "title" not in fields:
        raise QueryError(f"{path}: the header has no '# title:' line")
    return NamedQuery(
        name=name,
        title=fields["title"],
        description=fields.get("description", ""),
        params=tuple(params),
        examples=tuple(examples),
        text=text,
        path=path,
    )


def load_queries(folder: str | Path | None = None) -> dict[str, NamedQuery]:
    """Every named query in ``folder`` (the shipped ``queries/`` when None), by name."""
    from kg.store.resources import resource_dir

    folder = Path(folder) if folder is not None else resource_dir("queries")
    return {p.stem: parse_query_file(p) for p in sorted(folder.glob("*.rq"))}


def get_query(name: str, folder: str | Path | None = None) -> NamedQuery:
    """The named query ``name``; an unknown name raises with the nearest known names."""
    queries = load_queries(folder)
    if name.endswith(".rq"):
        name = name[:-3]
    if name in queries:
        return queries[name]
    close = difflib.get_close_matches(name, list(queries), n=3, cutoff=0.4)
    hint = ("did you mean " + ", ".join(repr(c) for c in close) + "?") if close else ""
    raise QueryError(f"no named query {name!r}; " + (hint + " " if hint else "")
                     + "run `kg query --list` to see them all")


def resolve_bindings(nq: NamedQuery, values: Mapping[str, str] | None, backend) -> dict[str, Node]:
    """:meth:`NamedQuery.bindings`, checked against the data on ``backend``.

    An IRI value the graph does not mention is looked up as a label or synonym
    (``--param region="inner thigh"``); a name that matches nothing raises
    :class:`~kg.errors.UnknownTermError` with the nearest labels.
    """
    from kg.errors import UnknownTermError

    values = dict(values or {})
    out = nq.bindings(values)
    for name, raw in values.items():
        p = nq.param(name)
        if p.type != "iri":
            continue
        if backend.ask(_MENTIONED, {"t": out[name]}):
            continue
        rows = backend.select(_NAMES)
        wanted = _fold(raw.split(":", 1)[-1])
        hits = {r["s"] for r in rows if _fold(str(r["name"])) == wanted}
        if len(hits) == 1:
            out[name] = hits.pop()
            continue
        labels = sorted({str(r["name"]) for r in rows})
        close = difflib.get_close_matches(raw.split(":", 1)[-1].replace("_", " "), labels,
                                          n=3, cutoff=0.6)
        raise UnknownTermError(raw, close, what=name)
    return out


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[\s_\-]+", " ", text.casefold()).split())


_MENTIONED = "ASK { { ?t ?p ?o } UNION { ?s ?p ?t } }"
_NAMES = """SELECT ?s ?name WHERE {
  { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?name }
  UNION { ?s <http://www.w3.org/2004/02/skos/core#altLabel> ?name }
  FILTER(isIRI(?s))
}"""
