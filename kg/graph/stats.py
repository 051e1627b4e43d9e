"""What the graph holds, counted and listed: the logic behind ``kg stats`` and ``kg list``.

Every function takes the graph to ask: an rdflib ``Graph`` (for example
``kg.store.load_rdf(data_dir)``) or any backend with a ``select(query)`` method returning rows
as dicts of rdflib terms (``kg.backends.Backend``). Everything is computed with SPARQL, so the
same counts come from the embedded store and from a remote endpoint.
"""

from __future__ import annotations

import difflib
from collections import Counter
from typing import Any

from kg.errors import KGError
from kg.ids.curie import curie

__all__ = [
    "LIST_TYPES",
    "check_list_type",
    "compute_stats",
    "list_entities",
    "list_nodes",
    "stats_to_text",
]

_KG = "https://w3id.org/lumbopelvic-kg/vocab#"

#: ``kg list`` TYPE -> the class whose instances (subclasses included) are listed.
LIST_TYPES: dict[str, str] = {
    "regions": _KG + "BodyRegion",
    "findings": _KG + "Finding",
    "red-flags": _KG + "RedFlag",
    "conditions": _KG + "Condition",
    "structures": _KG + "AnatomicalStructure",
    "dermatomes": _KG + "Dermatome",
    "tests": _KG + "DiagnosticTest",
    "sources": _KG + "Source",
}

_PROLOGUE = """
PREFIX kg:      <https://w3id.org/lumbopelvic-kg/vocab#>
PREFIX owl:     <http://www.w3.org/2002/07/owl#>
PREFIX rdf:     <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs:    <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos:    <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""

# An entity: typed with a kg class other than the bookkeeping classes, and not itself a
# vocabulary term (the same definition the SHACL EntityShape uses).
_ENTITY = """
    ?e a ?type .
    FILTER (isIRI(?e))
    FILTER (STRSTARTS(STR(?type), "https://w3id.org/lumbopelvic-kg/vocab#"))
    FILTER (?type NOT IN (kg:Source, kg:Mechanism, kg:PainDirection, kg:RelationProperty))
    FILTER (!STRSTARTS(STR(?e), "https://w3id.org/lumbopelvic-kg/vocab"))
"""

_Q_BY_TYPE = _PROLOGUE + """
SELECT ?type (COUNT(DISTINCT ?e) AS ?n) WHERE {""" + _ENTITY + """} GROUP BY ?type"""

_Q_ENTITIES = _PROLOGUE + """
SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {""" + _ENTITY + """}"""

_Q_XREFS = _PROLOGUE + """
SELECT (COUNT(DISTINCT ?u) AS ?uberon) (COUNT(DISTINCT ?f) AS ?fma) WHERE {""" + _ENTITY + """
    OPTIONAL { ?e skos:exactMatch ?x .
               FILTER (STRSTARTS(STR(?x), "http://purl.obolibrary.org/obo/UBERON_"))
               BIND (?e AS ?u) }
    OPTIONAL { ?e skos:exactMatch ?y .
               FILTER (STRSTARTS(STR(?y), "http://purl.obolibrary.org/obo/FMA_"))
               BIND (?e AS ?f) }
}"""

_Q_BY_PREDICATE = _PROLOGUE + """
SELECT ?p ?mechanism (COUNT(*) AS ?n) WHERE {
    ?p a kg:RelationProperty .
    ?s ?p ?o .
    OPTIONAL { ?p kg:mechanism ?mechanism }
} GROUP BY ?p ?mechanism"""

_Q_PROVENANCE = _PROLOGUE + """
SELECT (SUM(?c) AS ?cited) (SUM(?f) AS ?with_frequency) WHERE {
    ?p a kg:RelationProperty .
    ?s ?p ?o .
    BIND (IF(EXISTS { ?ax owl:annotatedSource ?s ; owl:annotatedProperty ?p ;
                          owl:annotatedTarget ?o ; dcterms:source ?src . }, 1, 0) AS ?c)
    BIND (IF(EXISTS { ?ax2 owl:annotatedSource ?s ; owl:annotatedProperty ?p ;
                           owl:annotatedTarget ?o ; kg:frequency ?freq . }, 1, 0) AS ?f)
}"""

_Q_AXIOMS = _PROLOGUE + """
SELECT (COUNT(DISTINCT ?ax) AS ?axioms) (COUNT(DISTINCT ?h) AS ?hypotheses)
       (COUNT(DISTINCT ?x) AS ?expert) WHERE {
    ?ax a owl:Axiom .
    OPTIONAL { ?ax kg:hypothesis true . BIND(?ax AS ?h) }
    OPTIONAL { ?ax kg:expertOpinion true . BIND(?ax AS ?x) }
}"""

_Q_GRADES = _PROLOGUE + """
SELECT ?grade (COUNT(DISTINCT ?ax) AS ?n) WHERE {
    ?ax a owl:Axiom ; kg:evidenceGrade ?grade .
} GROUP BY ?grade"""

_Q_SOURCES = _PROLOGUE + """
SELECT (COUNT(DISTINCT ?src) AS ?sources) (COUNT(DISTINCT ?cited) AS ?cited_sources) WHERE {
    ?src a kg:Source .
    OPTIONAL { ?any dcterms:source ?src . BIND(?src AS ?cited) }
}"""

# How well the conditions are measured: a prior (kg:causeOfPainIn with a share or a prevalence
# word), a published likelihood ratio (or sensitivity and specificity) on a link naming the
# condition, and a published frequency on a pain-carrying relation from it or its structure.
_Q_CONDITIONS = _PROLOGUE + """
SELECT (COUNT(DISTINCT ?c) AS ?conditions) (COUNT(DISTINCT ?p) AS ?with_prior)
       (COUNT(DISTINCT ?l) AS ?with_lr) (COUNT(DISTINCT ?f) AS ?with_referral) WHERE {
    ?c a ?ct . ?ct rdfs:subClassOf* kg:Condition .
    OPTIONAL {
        ?ax owl:annotatedSource ?c ; owl:annotatedProperty kg:causeOfPainIn .
        FILTER (EXISTS { ?ax kg:frequency ?share } || EXISTS { ?ax kg:prevalenceCategory ?w })
        BIND (?c AS ?p)
    }
    OPTIONAL {
        ?ax2 owl:annotatedTarget ?c .
        FILTER (EXISTS { ?ax2 kg:positiveLikelihoodRatio ?lrp }
                || EXISTS { ?ax2 kg:negativeLikelihoodRatio ?lrn }
                || EXISTS { ?ax2 kg:sensitivity ?sn . ?ax2 kg:specificity ?sp })
        BIND (?c AS ?l)
    }
    OPTIONAL {
        ?c (kg:affects|kg:compresses|kg:entraps)? ?x .
        ?prop kg:painDirection ?dir .
        ?ax3 owl:annotatedSource ?x ; owl:annotatedProperty ?prop ; kg:frequency ?freq .
        BIND (?c AS ?f)
    }
}"""

_Q_LIST = _PROLOGUE + """
SELECT ?e ?type ?label ?citation WHERE {
    ?e a ?type .
    ?type rdfs:subClassOf* ?class .
    OPTIONAL { ?e rdfs:label ?name }
    OPTIONAL { ?e dcterms:title ?title }
    OPTIONAL { ?e dcterms:bibliographicCitation ?citation }
    BIND (COALESCE(?name, ?title) AS ?label)
}"""

_Q_LIST_ALL = _PROLOGUE + """
SELECT ?e ?type ?label WHERE {""" + _ENTITY + """
    OPTIONAL { ?e rdfs:label ?label }
}"""


def _select(graph: Any, query: str, bindings: dict[str, Any] | None = None
            ) -> list[dict[str, Any]]:
    """Rows as dicts of rdflib terms, from a backend (``select``) or an rdflib Graph."""
    if hasattr(graph, "select"):
        return graph.select(query, bindings)
    result = graph.query(query, initBindings=bindings or {})
    names = [str(v) for v in result.vars]
    return [{n: row[i] for i, n in enumerate(names) if row[i] is not None} for row in result]


def _int(term: Any) -> int:
    return int(term.toPython()) if term is not None else 0


def _ordered(counter: Counter[str]) -> dict[str, int]:
    """Largest count first, then by name, so the output is stable."""
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def compute_stats(graph: Any) -> dict[str, Any]:
    """Counts of entities, relation assertions, their provenance and the sources.

    Keys: ``entities``, ``by_type`` (asserted type CURIE -> entities), ``assertions`` (triples
    whose predicate is a ``kg:RelationProperty``), ``by_predicate``, ``by_mechanism`` (the
    mechanism the relation carries, ``"none"`` for anatomy and clinical relations),
    ``cited_assertions`` (with at least one axiom that has a ``dcterms:source``),
    ``assertions_with_frequency``, ``axioms``, ``evidence_grades`` (axioms per grade),
    ``hypotheses``, ``expert_opinions``, ``sources``, ``cited_sources``,
    ``entities_with_uberon``, ``entities_with_fma``, ``conditions`` and how many of them have
    a prior (``conditions_with_prior``), a published likelihood ratio (``conditions_with_lr``)
    and a published referral frequency (``conditions_with_referral_frequency``).
    """
    by_type = Counter({curie(r["type"]): _int(r["n"]) for r in _select(graph, _Q_BY_TYPE)})
    entities = _int(_select(graph, _Q_ENTITIES)[0].get("n"))
    xrefs = _select(graph, _Q_XREFS)[0]

    by_predicate: Counter[str] = Counter()
    by_mechanism: Counter[str] = Counter()
    for row in _select(graph, _Q_BY_PREDICATE):
        n = _int(row["n"])
        by_predicate[curie(row["p"])] += n
        by_mechanism[curie(row["mechanism"]) if "mechanism" in row else "none"] += n

    prov = _select(graph, _Q_PROVENANCE)[0]
    axioms = _select(graph, _Q_AXIOMS)[0]
    grades = Counter({str(r["grade"]): _int(r["n"]) for r in _select(graph, _Q_GRADES)})
    sources = _select(graph, _Q_SOURCES)[0]
    cond = _select(graph, _Q_CONDITIONS)[0]
    return {
        "entities": entities,
        "by_type": _ordered(by_type),
        "assertions": sum(by_predicate.values()),
        "by_predicate": _ordered(by_predicate),
        "by_mechanism": _ordered(by_mechanism),
        "cited_assertions": _int(prov.get("cited")),
        "assertions_with_frequency": _int(prov.get("with_frequency")),
        "axioms": _int(axioms.get("axioms")),
        "evidence_grades": dict(sorted(grades.items())),
        "hypotheses": _int(axioms.get("hypotheses")),
        "expert_opinions": _int(axioms.get("expert")),
        "sources": _int(sources.get("sources")),
        "cited_sources": _int(sources.get("cited_sources")),
        "entities_with_uberon": _int(xrefs.get("uberon")),
        "entities_with_fma": _int(xrefs.get("fma")),
        "conditions": _int(cond.get("conditions")),
        "conditions_with_prior": _int(cond.get("with_prior")),
        "conditions_with_lr": _int(cond.get("with_lr")),
        "conditions_with_referral_frequency": _int(cond.get("with_referral")),
    }


def stats_to_text(stats: dict[str, Any]) -> str:
    """The counts as an aligned, readable report."""
    lines: list[str] = []

    def row(name: str, value: object, indent: int = 0) -> None:
        lines.append(f"{' ' * indent}{name:<{34 - indent}} {value:>6}")

    def share(n: int) -> str:
        total = stats["assertions"]
        return f"{n} ({100 * n / total:.0f}%)" if total else str(n)

    row("entities", stats["entities"])
    for name, n in stats["by_type"].items():
        row(name, n, 2)
    row("with a UBERON id", stats["entities_with_uberon"], 2)
    row("with an FMA id", stats["entities_with_fma"], 2)
    row("relation assertions", stats["assertions"])
    lines.append("  by predicate")
    for name, n in stats["by_predicate"].items():
        row(name, n, 4)
    lines.append("  by mechanism")
    for name, n in stats["by_mechanism"].items():
        row(name, n, 4)
    row("cited assertions", share(stats["cited_assertions"]))
    row("assertions with a frequency", share(stats["assertions_with_frequency"]))
    row("axioms (pieces of evidence)", stats["axioms"])
    for grade, n in stats["evidence_grades"].items():
        row(f"grade {grade}", n, 2)
    row("hypotheses", stats["hypotheses"], 2)
    row("expert opinion", stats["expert_opinions"], 2)
    row("sources", stats["sources"])
    row("cited by something", stats["cited_sources"], 2)
    n = stats.get("conditions", 0)

    def of(k: str) -> str:
        return f"{stats[k]} ({100 * stats[k] / n:.0f}%)" if n else str(stats[k])

    row("conditions", n)
    row("with a prior", of("conditions_with_prior"), 2)
    row("with a published LR", of("conditions_with_lr"), 2)
    row("with a referral frequency", of("conditions_with_referral_frequency"), 2)
    return "\n".join(lines) + "\n"


def check_list_type(type_name: str) -> str:
    """The :data:`LIST_TYPES` key for ``type_name``; a one-line error naming the choices if none."""
    key = type_name.strip().lower()
    if key not in LIST_TYPES:
        close = difflib.get_close_matches(key, LIST_TYPES, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise KGError(f"unknown TYPE {type_name!r}; {hint}choose one of: " + ", ".join(LIST_TYPES))
    return key


def list_entities(graph: Any, type_name: str | None = None) -> list[dict[str, Any]]:
    """Entities of one ``kg list`` TYPE (see :data:`LIST_TYPES`), or every entity when None.

    Each item has ``id`` (CURIE), ``label`` and ``types`` (asserted type CURIEs); sources also
    carry their ``citation``. Sorted by label, then id.

    Raises :class:`~kg.errors.KGError` (exit 2) naming the valid choices for an unknown TYPE.
    """
    from rdflib import URIRef

    if type_name is None:
        rows = _select(graph, _Q_LIST_ALL)
    else:
        rows = _select(graph, _Q_LIST, {"class": URIRef(LIST_TYPES[check_list_type(type_name)])})

    items: dict[str, dict[str, Any]] = {}
    for r in rows:
        ident = curie(r["e"])
        item = items.setdefault(ident, {"id": ident, "label": None, "types": []})
        if item["label"] is None and "label" in r:
            item["label"] = str(r["label"])
        t = curie(r["type"])
        if t not in item["types"]:
            item["types"].append(t)
        if "citation" in r:
            item["citation"] = str(r["citation"])
    for item in items.values():
        item["types"].sort()
    return sorted(items.values(), key=lambda i: ((i["label"] or "").lower(), i["id"]))


def list_nodes(G: Any, type_name: str | None = None) -> list[dict[str, Any]]:
    """:func:`list_entities` answered from the projected graph (``kg.load()``), so ``kg list``
    runs from the compiled cache without parsing Turtle; same items, same order."""

    wanted = None if type_name is None else curie(LIST_TYPES[check_list_type(type_name)])
    items: list[dict[str, Any]] = []
    if wanted == "kg:Source":
        for sid, rec in G.graph.get("sources", {}).items():
            if sid.startswith("src:"):
                items.append({"id": sid, "label": rec.get("title") or None,
                              "types": ["kg:Source"], "citation": rec.get("citation")})
    if wanted != "kg:Source":
        for node, data in G.nodes(data=True):
            if "kg:ExternalClass" in data.get("types", ()):
                continue
            if wanted is None or wanted in (data.get("all_types") or data.get("types", ())):
                items.append({"id": node, "label": data.get("label"),
                              "types": sorted(data.get("types", []))})
    return sorted(items, key=lambda i: ((i["label"] or "").lower(), i["id"]))
