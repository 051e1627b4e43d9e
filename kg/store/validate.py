"""Check the data against the SHACL shapes and say, file by file, what is wrong.

The shapes live in ``data/shapes/shapes.ttl``. Files are parsed one at a time so each problem
can be traced back to the file that holds it; the vocabulary (``vocab.ttl``) is part of the
data graph, so SPARQL constraints can see which properties are relation properties.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import DataError, DataValidationError
from kg.ids.curie import curie

if TYPE_CHECKING:
    from rdflib import Graph

__all__ = ["ValidationReport", "Violation", "default_shapes_file", "validate", "validate_files"]


@dataclass(frozen=True, order=True)
class Violation:
    """One SHACL result as a reader sees it: where, what, and why."""

    file: str
    entity: str
    property: str
    message: str
    severity: str = "Violation"
    value: str | None = None

    def to_text(self) -> str:
        """``file: entity property: message`` — one line."""
        prop = f" {self.property}" if self.property else ""
        shown = f" (value: {self.value})" if self.value else ""
        level = "" if self.severity == "Violation" else f"[{self.severity.lower()}] "
        return f"{self.file}: {level}{self.entity}{prop}: {self.message}{shown}"

    def to_dict(self) -> dict[str, str | None]:
        return {
            "file": self.file,
            "entity": self.entity,
            "property": self.property,
            "message": self.message,
            "severity": self.severity,
            "value": self.value,
        }


@dataclass
class ValidationReport:
    """The outcome of :func:`validate`: ``conforms`` and the violations, sorted by file."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        """Every violation on its own line, then a one-line summary."""
        lines = [v.to_text() for v in self.violations]
        if self.conforms:
            lines.append(f"ok: {len(self.files)} files conform to the shapes")
        else:
            lines.append(f"{len(self.violations)} violation(s) in {len(self.files)} files")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, object]:
        return {
            "conforms": self.conforms,
            "files": self.files,
            "violations": [v.to_dict() for v in self.violations],
        }

    def raise_for_violations(self) -> None:
        """Raise :class:`DataValidationError` when the data does not conform."""
        if not self.conforms:
            raise DataValidationError(self.violations)


def default_shapes_file(data_dir: str | Path | None = None) -> Path:
    """``shapes/shapes.ttl`` of ``data_dir`` if it has one, else the shipped shapes."""
    from kg.store.files import default_data_dir

    if data_dir is not None:
        own = Path(data_dir) / "shapes" / "shapes.ttl"
        if own.is_file():
            return own
    return default_data_dir() / "shapes" / "shapes.ttl"


def validate(data_dir: str | Path | None = None, shapes: str | Path | None = None
             ) -> ValidationReport:
    """Validate every top-level ``*.ttl`` of ``data_dir`` (default: the shipped data).

    Raises :class:`~kg.errors.DataError` when a data or shapes file is not valid Turtle.
    """
    from kg.store.files import data_files

    files = data_files(data_dir)
    return validate_files(files, shapes if shapes is not None else default_shapes_file(data_dir))


def validate_files(files: Sequence[str | Path], shapes: str | Path | None = None
                   ) -> ValidationReport:
    """Validate the union of ``files`` (which must include ``vocab.ttl``) against ``shapes``."""
    from pyshacl import validate as shacl_validate

    from kg.ids.vocab import PREFIXES
    from kg.store.files import parse_file

    paths = [Path(f) for f in files]
    per_file: list[tuple[str, Graph]] = [(p.name, parse_file(p)) for p in paths]
    data = _graph_that_prepares_queries()
    for prefix, ns in PREFIXES.items():
        data.bind(prefix, ns, override=True)
    for _name, g in per_file:
        for triple in g:
            data.add(triple)

    shapes_path = Path(shapes) if shapes is not None else default_shapes_file()
    if not shapes_path.is_file():
        raise DataError("shapes file not found; restore data/shapes/shapes.ttl",
                        path=str(shapes_path))
    shapes_graph = parse_file(shapes_path)

    conforms, results, _text = shacl_validate(
        data, shacl_graph=shapes_graph, inference="none", advanced=True, inplace=True,
        allow_warnings=True,
    )
    locate = _Locator(per_file)
    violations = sorted(set(_violations(results, data, locate)))
    return ValidationReport(conforms=bool(conforms), violations=violations,
                            files=[p.name for p in paths])


_PREPARED: dict[tuple, object] = {}  # (SPARQL text, prefixes) -> prepared query, per process


def _normalised(query: str) -> str:
    """The query with its PREFIX lines sorted (pySHACL writes them in set order)."""
    lines = query.splitlines()
    head = sorted(line for line in lines if line.startswith("PREFIX "))
    return "\n".join(head + [line for line in lines if not line.startswith("PREFIX ")])


def _graph_that_prepares_queries():
    """An rdflib Graph that parses each SPARQL text once.

    pySHACL runs a SPARQL constraint once per focus node with the same text; rdflib would parse
    it every time (about 30 ms each), which made validation grow by seconds per hundred axioms.
    Prepared queries do not depend on the data, so they are kept for the whole process.
    """
    from rdflib import Graph
    from rdflib.plugins.sparql import prepareQuery

    class PreparingGraph(Graph):
        _prepared = _PREPARED

        def query(self, query_object, processor="sparql", result="sparql", initNs=None,
                  initBindings=None, use_store_provided=True, **kwargs):
            if isinstance(query_object, str):
                ns = dict(initNs) if initNs is not None else dict(self.namespaces())
                key = (_normalised(query_object),
                       tuple(sorted((k, str(v)) for k, v in ns.items())))
                if key not in self._prepared:
                    self._prepared[key] = prepareQuery(query_object, initNs=ns)
                query_object = self._prepared[key]
            return super().query(query_object, processor, result, initNs, initBindings,
                                 use_store_provided, **kwargs)

    return PreparingGraph()


# --- reading the SHACL results graph ---------------------------------------------------------


class _Locator:
    """Find the data file a focus node (or the offending triple) comes from."""

    def __init__(self, per_file: list[tuple[str, Graph]]) -> None:
        self.per_file = per_file

    def file_of(self, focus, path=None, value=None) -> str:
        from rdflib import RDF

        if path is not None and value is not None:
            for name, g in self.per_file:
                if (focus, path, value) in g:
                    return name
        for pattern in ((focus, RDF.type, None), (focus, None, None), (None, None, focus)):
            for name, g in self.per_file:
                if next(iter(g.triples(pattern)), None) is not None:
                    return name
        return "?"


def _violations(results, data, locate: _Locator) -> Iterable[Violation]:
    from rdflib import RDF, BNode, Namespace, URIRef

    sh = Namespace("http://www.w3.org/ns/shacl#")
    for result in results.subjects(RDF.type, sh.ValidationResult):
        focus = results.value(result, sh.focusNode)
        path = results.value(result, sh.resultPath)
        value = results.value(result, sh.value)
        severity = results.value(result, sh.resultSeverity)
        message = results.value(result, sh.resultMessage)
        text = _curies_in(str(message)) if message is not None else "does not conform"
        prop = path if isinstance(path, URIRef) else None
        yield Violation(
            file=locate.file_of(focus, prop, value),
            entity=_describe(focus, data) if isinstance(focus, BNode) else curie(focus),
            property=curie(path) if path is not None else "",
            message=text,
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            value=(_shown(value) if value is not None and value != focus
                   and not isinstance(value, BNode) else None),
        )


def _describe(node, data) -> str:
    """A blank node reads as the triple its axiom annotates: ``[lp:a kg:p lp:b]``."""
    from rdflib import OWL

    parts = [data.value(node, p) for p in (OWL.annotatedSource, OWL.annotatedProperty,
                                           OWL.annotatedTarget)]
    if all(p is not None for p in parts):
        return "[" + " ".join(_shown(p) for p in parts) + "]"
    return "[axiom]" if any(p is not None for p in parts) else "[blank node]"


def _shown(term, width: int = 40) -> str:
    """A term as a reader wants it in one line: CURIE, number, or short quoted text."""
    from rdflib import XSD, Literal

    if not isinstance(term, Literal):
        return curie(term)
    if term.datatype in (XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.boolean,
                         XSD.positiveInteger, XSD.nonNegativeInteger):
        return str(term)
    text = " ".join(str(term).split())
    return '"' + (text if len(text) <= width else text[: width - 1] + "…") + '"'


_IRI = re.compile(r"(?:https?|urn):[^\s,;)\]\"']+")


def _curies_in(message: str) -> str:
    """Shorten IRIs that pySHACL substituted into a message."""
    return _IRI.sub(lambda m: curie(m.group(0)), message)
