"""Project the RDF graph onto a ``networkx.MultiDiGraph`` that the reasoning code walks.

Edges point the way the RDF triple points, from subject to object (``lp:L1_root`` →
``lp:L1_dermatome`` for ``kg:suppliesDermatome``); whether pain travels along an edge, and which
way, is the edge's ``direction`` attribute, taken from the property's ``kg:painDirection``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import networkx as nx

from kg.graph.index import invalidate, memo
from kg.ids.curie import curie

__all__ = [
    "CONTAINMENT_WEIGHT",
    "EXPERT_OPINION_FACTOR",
    "GRADE_WEIGHTS",
    "HYPOTHESIS_FACTOR",
    "PART_OF",
    "add_import_names",
    "evidence_weight",
    "iter_pain_edges",
    "node_ref",
    "nodes_of_type",
    "pain_index",
    "prepare",
    "to_networkx",
    "types_of",
]

#: Weight of one piece of evidence by its grade (A: guideline, systematic review, block or
#: consensus study; B: cohort, case series, standard anatomy text; C: case reports, expert
#: opinion, biomechanical hypothesis).
GRADE_WEIGHTS: dict[str, float] = {"A": 1.0, "B": 0.8, "C": 0.5}
#: Association-only assertions (direction or mechanism not established) weigh less.
HYPOTHESIS_FACTOR = 0.5
#: Expert-described referral maps (for example myofascial trigger-point zones) weigh less.
EXPERT_OPINION_FACTOR = 0.7

#: A "lies in the region" (``kg:locatedIn``) step with no published figure weighs this much,
#: whatever its grade: lying in a region makes a structure a *place* pain can come from (the
#: teaching view), not a measured share of its pain felt there, so it stays below a measured
#: referral (the hip joint refers to the groin in 55% of 51, Lesher 2008; the femoral canal
#: merely lies there). The trace and the differential both use it.
CONTAINMENT_WEIGHT = 0.25
LOCATED_IN = "kg:locatedIn"

#: Edge key of the part-of relation (OBO BFO_0000050) in the projection.
PART_OF = "BFO:0000050"

_DIRECTIONS = {"subjectToObject": "forward", "objectToSubject": "backward", "blocks": "blocks"}


def evidence_weight(item: dict[str, Any], default_weight: float, predicate: str = "") -> float:
    """Strength of one piece of evidence: grade weight x (frequency, or the property default);
    :data:`CONTAINMENT_WEIGHT` for a containment with no figure.

    >>> evidence_weight({"grade": "A", "frequency": 0.5}, 0.9)
    0.5
    >>> evidence_weight({"grade": "C", "hypothesis": True}, 0.5)
    0.125
    """
    weight = GRADE_WEIGHTS.get(item.get("grade") or "", GRADE_WEIGHTS["C"])
    freq = item.get("frequency")
    if predicate == LOCATED_IN and freq is None:
        weight = CONTAINMENT_WEIGHT
    else:
        weight *= freq if freq is not None else default_weight
    if item.get("hypothesis"):
        weight *= HYPOTHESIS_FACTOR
    if item.get("expert_opinion"):
        weight *= EXPERT_OPINION_FACTOR
    return round(weight, 6)


def _literal(value: Any) -> Any:
    py = value.toPython() if hasattr(value, "toPython") else value
    if hasattr(py, "is_finite"):  # Decimal
        return float(py)
    return py


def _short_citation(creator: str | None, year: Any) -> str:
    """'Slipman et al. 2000', 'Chin 2018', 'NICE 2022' from the creator string and year.

    >>> _short_citation("Slipman CW, Jackson HB, Lipetz JS", "2000")
    'Slipman et al. 2000'
    >>> _short_citation("National Institute for Health and Care Excellence (NICE)", "2022")
    'NICE 2022'
    >>> _short_citation("Shanina E (editor)", "2024")
    'Shanina 2024'
    >>> _short_citation("Wheeless CR III", "2011")
    'Wheeless 2011'
    >>> _short_citation("Travell JG, Simons DG", "1992")
    'Travell & Simons 1992'
    """
    if not creator:
        return str(year or "")
    acronym = re.search(r"\(([A-Z][A-Za-z]{1,9})\)", creator)
    if acronym:
        return f"{acronym.group(1)} {year}".strip()
    names = [n.strip() for n in re.sub(r"\([^)]*\)", "", creator).replace(";", ",").split(",")]
    names = [_surname(n) for n in names if n]
    if len(names) == 2 and names[1] != "et al.":
        return f"{names[0]} & {names[1]} {year}".strip()
    more = " et al." if len(names) > 1 else ""
    return f"{names[0]}{more} {year}".strip()


def _surname(name: str) -> str:
    """'Simons DG' -> 'Simons'; names without initials are kept whole."""
    words = name.split()
    while len(words) > 1 and words[-1].isupper() and len(words[-1]) <= 3:
        words = words[:-1]  # drop the initials (and a suffix such as 'III')
    return " ".join(words)


def to_networkx(rdf) -> nx.MultiDiGraph:
    """Project an rdflib graph of the lumbopelvic data onto a ``networkx.MultiDiGraph``.

    Parameters
    ----------
    rdf : rdflib.Graph
        The data, including ``vocab.ttl`` (its relation properties say which edges carry pain).

    Returns
    -------
    networkx.MultiDiGraph
        One node per entity, keyed by CURIE (``lp:groin``), with attributes ``label``,
        ``types`` (CURIEs, asserted and inherited), ``synonyms``, ``definition``, ``xrefs``
        (``{"exact": [...], "close": [...], "broad": [...], "narrow": [...]}``), ``sources``,
        and ``urgency``/``action``/``level`` where given.
        One edge per asserted relation, from subject to object, keyed by the predicate CURIE,
        with ``predicate``, ``label``, ``mechanism`` (``neurogenic``, ``somatic``,
        ``visceral``, ``biomechanical``, ``local`` or None), ``direction`` (``forward``,
        ``backward``, ``blocks`` or None for relations that carry no pain), ``evidence``
        (one dict per owl:Axiom: source, grade, frequency, cohort, flags, accuracy figures),
        ``sources`` (source CURIEs), ``frequency`` (highest published, or None) and
        ``weight`` (the strongest piece of evidence, see :func:`evidence_weight`).
        ``G.graph`` holds ``sources`` (CURIE → bibliographic record), ``properties``
        (CURIE → label, definition, mechanism, direction, template) and ``classes``
        (CURIE → label, superclasses).
    """
    from rdflib import OWL, RDF, RDFS, BNode, Literal, URIRef
    from rdflib.namespace import DCTERMS, FOAF, SKOS

    from kg.ids.vocab import KG

    def c(x: Any) -> str:
        return curie(x)

    G: nx.MultiDiGraph = nx.MultiDiGraph()

    # -- classes and their ancestors --------------------------------------------------------
    classes: dict[str, dict[str, Any]] = {}
    class_iris = set(rdf.subjects(RDF.type, OWL.Class))
    for cls in class_iris:
        if isinstance(cls, BNode):
            continue
        ancestors = {c(a) for a in rdf.transitive_objects(cls, RDFS.subClassOf)}
        classes[c(cls)] = {
            "label": str(rdf.value(cls, RDFS.label) or c(cls)),
            "superclasses": sorted(ancestors - {c(cls)}),
        }
    G.graph["classes"] = classes

    # -- relation properties ---------------------------------------------------------------
    properties: dict[str, dict[str, Any]] = {}
    for prop in rdf.subjects(RDF.type, KG.RelationProperty):
        direction = rdf.value(prop, KG.painDirection)
        mechanism = rdf.value(prop, KG.mechanism)
        default = rdf.value(prop, KG.defaultWeight)
        properties[c(prop)] = {
            "iri": str(prop),
            "label": str(rdf.value(prop, RDFS.label) or c(prop)),
            "definition": str(rdf.value(prop, SKOS.definition) or ""),
            "mechanism": c(mechanism).split(":", 1)[1] if mechanism is not None else None,
            "direction": _DIRECTIONS.get(c(direction).split(":", 1)[1]) if direction else None,
            "default_weight": float(default) if default is not None else 0.5,
            "template": str(rdf.value(prop, KG.explanationTemplate) or "{s} " + str(
                rdf.value(prop, RDFS.label) or c(prop)) + " {o}"),
        }
    G.graph["properties"] = properties

    # -- sources ------------------------------------------------------------------------------
    sources: dict[str, dict[str, Any]] = {}
    for src in rdf.subjects(RDF.type, KG.Source):
        creator = rdf.value(src, DCTERMS.creator)
        year = rdf.value(src, DCTERMS.issued)
        record = {
            "id": c(src),
            "citation": str(rdf.value(src, DCTERMS.bibliographicCitation) or rdf.value(
                src, DCTERMS.title) or c(src)),
            "short": _short_citation(str(creator) if creator else None,
                                     str(year) if year is not None else None),
            "title": str(rdf.value(src, DCTERMS.title) or ""),
            "year": str(year) if year is not None else None,
            "identifiers": sorted(str(i) for i in rdf.objects(src, DCTERMS.identifier)),
            "urls": sorted(str(u) for u in rdf.objects(src, FOAF.page)),
        }
        sources[c(src)] = record
    G.graph["sources"] = sources

    # -- entities -----------------------------------------------------------------------------
    kg_ns = str(KG._NS)
    vocab_terms = {s for s in rdf.subjects() if str(s).startswith(kg_ns)}
    skip_types = {KG.Source, OWL.Axiom, OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
                  OWL.AnnotationProperty, OWL.Ontology, KG.RelationProperty, KG.Mechanism,
                  KG.PainDirection}
    for subject, _, rdf_type in rdf.triples((None, RDF.type, None)):
        if isinstance(subject, BNode) or subject in vocab_terms or rdf_type in skip_types:
            continue
        if not str(rdf_type).startswith(kg_ns):
            continue
        node = c(subject)
        if node in G:
            continue
        asserted = sorted({c(t) for t in rdf.objects(subject, RDF.type)
                           if str(t).startswith(kg_ns)})
        inherited = set(asserted)
        for t in asserted:
            inherited.update(classes.get(t, {}).get("superclasses", []))
        attrs: dict[str, Any] = {
            "iri": str(subject),
            "label": str(rdf.value(subject, RDFS.label) or node),
            "types": asserted,
            "all_types": sorted(inherited),
            "synonyms": sorted({str(s) for p in (SKOS.altLabel, SKOS.hiddenLabel)
                                for s in rdf.objects(subject, p)}),
            "definition": str(rdf.value(subject, SKOS.definition) or ""),
            "xrefs": {
                kind: sorted(c(x) for x in rdf.objects(subject, prop))
                for kind, prop in (("exact", SKOS.exactMatch), ("close", SKOS.closeMatch),
                                   ("broad", SKOS.broadMatch), ("narrow", SKOS.narrowMatch))
            },
            "sources": sorted(c(s) for s in rdf.objects(subject, DCTERMS.source)),
        }
        for key, prop in (("urgency", KG.urgency), ("action", KG.action), ("level", KG.level)):
            value = rdf.value(subject, prop)
            if value is not None:
                attrs[key] = str(value)
        G.add_node(node, **attrs)

    # -- evidence (owl:Axiom annotations) -------------------------------------------------------
    evidence: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for ax in rdf.subjects(RDF.type, OWL.Axiom):
        s = rdf.value(ax, OWL.annotatedSource)
        p = rdf.value(ax, OWL.annotatedProperty)
        o = rdf.value(ax, OWL.annotatedTarget)
        if s is None or p is None or o is None:
            continue
        item: dict[str, Any] = {"sources": sorted(c(x) for x in rdf.objects(ax, DCTERMS.source))}
        for key, prop in (("frequency", KG.frequency), ("cohort", KG.cohortSize),
                          ("grade", KG.evidenceGrade), ("hypothesis", KG.hypothesis),
                          ("expert_opinion", KG.expertOpinion), ("map", KG.dermatomeMap),
                          ("among_region_pain", KG.frequencyAmongRegionPain),
                          ("comment", RDFS.comment), ("sensitivity", KG.sensitivity),
                          ("specificity", KG.specificity),
                          ("lr_positive", KG.positiveLikelihoodRatio),
                          ("lr_negative", KG.negativeLikelihoodRatio)):
            value = rdf.value(ax, prop)
            if value is not None:
                item[key] = _literal(value)
        for key, prop in (("setting", KG.setting), ("study_design", KG.studyDesign)):
            value = rdf.value(ax, prop)
            if value is not None:  # a vocabulary term: kept as its CURIE
                item[key] = c(value) if isinstance(value, URIRef) else str(value)
        for key, prop in (("prevalence_category", KG.prevalenceCategory),
                          ("population", KG.population), ("cohort_kind", KG.cohortKind)):
            value = rdf.value(ax, prop)
            if value is not None:
                item[key] = str(value)
        target = str(o) if isinstance(o, Literal) else c(o)
        evidence.setdefault((c(s), c(p), target), []).append(item)
    G.graph["literal_evidence"] = {
        f"{s} {p}": items for (s, p, o), items in evidence.items() if p in ("kg:urgency",
                                                                          "kg:action")
    }

    # -- relation edges ------------------------------------------------------------------------
    for pred, meta in properties.items():
        prop_iri = URIRef(meta["iri"])
        for s, o in rdf.subject_objects(prop_iri):
            u, v = c(s), c(o)
            if u not in G or v not in G:
                continue  # dangling references are reported by `kg validate`
            items = evidence.get((u, pred, v), [])
            G.add_edge(u, v, key=pred, **_edge_attrs(pred, meta, items))
    return G


def _edge_attrs(pred: str, meta: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    freqs = [i["frequency"] for i in items if i.get("frequency") is not None]
    weights = [evidence_weight(i, meta["default_weight"], pred) for i in items]
    return {
        "predicate": pred,
        "label": meta["label"],
        "mechanism": meta["mechanism"],
        "direction": meta["direction"],
        "evidence": items,
        "sources": sorted({s for i in items for s in i["sources"]}),
        "frequency": max(freqs) if freqs else None,
        "weight": max(weights) if weights else 0.0,
    }


def iter_pain_edges(G: nx.MultiDiGraph) -> Iterable[tuple[str, str, str, dict[str, Any]]]:
    """Every edge that carries pain, oriented the way pain travels: (from, to, key, data)."""
    for u, v, key, data in G.edges(keys=True, data=True):
        if data["direction"] == "forward":
            yield u, v, key, data
        elif data["direction"] == "backward":
            yield v, u, key, data


def pain_index(G: nx.MultiDiGraph) -> tuple[dict[str, list], dict[str, list], set]:
    """Pain-carrying edges by the node pain arrives at (``into``) and leaves (``out_of``), and
    the set of blocked (structure, region) pairs; cached on the graph.

    A trace reads only the neighbourhood it walks through these dicts, so its cost grows with
    the routes it finds, not with the size of the graph.
    """
    return memo(G, "pain_index", lambda: _pain_index(G))


def _pain_index(G: nx.MultiDiGraph) -> tuple[dict[str, list], dict[str, list], set]:
    into: dict[str, list] = {}
    out_of: dict[str, list] = {}
    for u, v, key, data in iter_pain_edges(G):
        edge = dict(data, **{"from": u, "to": v, "key": key})
        into.setdefault(v, []).append(edge)
        out_of.setdefault(u, []).append(edge)
    blocked = {
        (u, v) for u, v, data in G.edges(data=True) if data.get("direction") == "blocks"
    }
    return into, out_of, blocked


def types_of(G: nx.MultiDiGraph, node: str) -> frozenset[str]:
    """Every type of a node, asserted or inherited: the one way the code asks what a node is."""
    data = G.nodes[node]
    return frozenset(data.get("all_types") or data.get("types") or ())


def region_targets(G: nx.MultiDiGraph, region: str) -> set[str]:
    """The region and every region that is part of it (pain in the inner thigh is thigh pain)."""
    targets = {region}
    frontier = [region]
    while frontier:
        node = frontier.pop()
        for child, _, key in G.in_edges(node, keys=True):
            if key == PART_OF and child not in targets and "kg:BodyRegion" in G.nodes[child].get(
                    "types", ()):
                targets.add(child)
                frontier.append(child)
    return targets


def node_ref(G: nx.MultiDiGraph, node: str) -> dict[str, Any]:
    """A node as results carry it: id, label and asserted types (the stable JSON shape)."""
    data = G.nodes[node]
    return {"id": node, "label": data.get("label", node), "types": data.get("types", [])}


def nodes_of_type(G: nx.MultiDiGraph, type_curie: str) -> list[str]:
    """Nodes with this type, asserted or inherited (``kg:Joint`` is a ``kg:AnatomicalStructure``);
    cached on the graph."""
    def build() -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for node, data in G.nodes(data=True):
            for t in data.get("all_types") or data.get("types", ()):
                index.setdefault(t, []).append(node)
        return index

    return memo(G, "by_type", build).get(type_curie, [])


def prepare(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Build the lookup indexes once, so a cached graph answers without rebuilding them."""
    from kg.graph.resolve import names

    invalidate(G)
    pain_index(G)
    nodes_of_type(G, "kg:BodyRegion")
    names(G)
    return G


def add_import_names(G: nx.MultiDiGraph, imports) -> nx.MultiDiGraph:
    """Give each entity the label and synonyms of the UBERON class it is mapped to exactly,
    read from the import module, so "groin area" or "inguen" find the groin.

    They are kept apart from the entity's own synonyms (``uberon_synonyms``) and lose any tie.
    """
    from rdflib import RDFS, URIRef
    from rdflib.namespace import SKOS

    for _, data in G.nodes(data=True):
        names: set[str] = set()
        for xref in (data.get("xrefs") or {}).get("exact", ()):
            if not xref.startswith("UBERON:"):
                continue
            cls = URIRef("http://purl.obolibrary.org/obo/" + xref.replace(":", "_"))
            for prop in (RDFS.label, SKOS.altLabel):
                names.update(str(x) for x in imports.objects(cls, prop))
        if names:
            data["uberon_synonyms"] = sorted(names)
    return G
