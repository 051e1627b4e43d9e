"""Project the RDF graph of the data onto the ``networkx.MultiDiGraph`` the reasoning walks.

One function per kind of thing the data holds (classes, relation properties, sources, entities,
evidence axioms, relation edges), each reading the RDF once. Only a cache miss comes here, so
rdflib is imported at the top: the cached path never loads this module.
"""

from __future__ import annotations

import re
from typing import Any

import networkx as nx
from rdflib import OWL, RDF, RDFS, BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, SKOS

from kg.graph.build import pooled_frequency, relation_weight
from kg.ids.curie import curie as c
from kg.ids.vocab import KG

__all__ = ["to_networkx"]

_DIRECTIONS = {"subjectToObject": "forward", "objectToSubject": "backward", "blocks": "blocks"}
#: Types that are the vocabulary's own machinery, not entities of the data.
_SKIP_TYPES = {KG.Source, OWL.Axiom, OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
               OWL.AnnotationProperty, OWL.Ontology, KG.RelationProperty, KG.Mechanism,
               KG.PainDirection}
#: Axiom annotations kept as Python literals, then as vocabulary CURIEs, then as strings.
_AXIOM_LITERALS = (("frequency", KG.frequency), ("cohort", KG.cohortSize),
                   ("grade", KG.evidenceGrade), ("hypothesis", KG.hypothesis),
                   ("expert_opinion", KG.expertOpinion), ("map", KG.dermatomeMap),
                   ("among_region_pain", KG.frequencyAmongRegionPain),
                   ("comment", RDFS.comment), ("sensitivity", KG.sensitivity),
                   ("specificity", KG.specificity),
                   ("lr_positive", KG.positiveLikelihoodRatio),
                   ("lr_negative", KG.negativeLikelihoodRatio),
                   ("pooled_studies", KG.pooledStudies))
_AXIOM_TERMS = (("setting", KG.setting), ("study_design", KG.studyDesign),
                ("measured_in", KG.measuredIn))
_AXIOM_STRINGS = (("prevalence_category", KG.prevalenceCategory),
                  ("population", KG.population), ("cohort_kind", KG.cohortKind))
_XREFS = (("exact", SKOS.exactMatch), ("close", SKOS.closeMatch), ("broad", SKOS.broadMatch),
          ("narrow", SKOS.narrowMatch))


def to_networkx(rdf: Any) -> nx.MultiDiGraph:
    """Project an rdflib graph of the lumbopelvic data onto a ``networkx.MultiDiGraph``.

    Parameters
    ----------
    rdf : rdflib.Graph
        The data, including ``vocab.ttl`` (its relation properties say which edges carry pain).

    Returns
    -------
    networkx.MultiDiGraph
        One node per entity, keyed by CURIE (``lp:groin``), with attributes ``label``,
        ``types`` (CURIEs, asserted), ``all_types`` (asserted and inherited), ``synonyms``,
        ``definition``, ``xrefs`` (``{"exact": [...], "close": [...], "broad": [...],
        "narrow": [...]}``), ``sources``, and ``urgency``/``action``/``level`` where given.
        One edge per asserted relation, from subject to object, keyed by the predicate CURIE,
        with ``predicate``, ``label``, ``mechanism`` (``neurogenic``, ``somatic``,
        ``visceral``, ``biomechanical``, ``local`` or None), ``direction`` (``forward``,
        ``backward``, ``blocks`` or None for relations that carry no pain), ``evidence``
        (one dict per owl:Axiom: source, grade, frequency, cohort, flags, accuracy figures),
        ``sources`` (source CURIEs), ``frequency`` (highest published, or None) and
        ``weight`` (the strongest piece of evidence, see
        :func:`kg.graph.build.evidence_weight`). ``G.graph`` holds ``sources`` (CURIE →
        bibliographic record), ``properties`` (CURIE → label, definition, mechanism,
        direction, template) and ``classes`` (CURIE → label, superclasses).
    """
    G: nx.MultiDiGraph = nx.MultiDiGraph()
    G.graph["classes"] = classes = _classes(rdf)
    G.graph["properties"] = properties = _properties(rdf)
    G.graph["sources"] = _sources(rdf)
    for node, attrs in _entities(rdf, classes):
        G.add_node(node, **attrs)
    evidence = _evidence(rdf)
    G.graph["literal_evidence"] = {
        f"{s} {p}": items for (s, p, o), items in evidence.items()
        if p in ("kg:urgency", "kg:action")
    }
    for pred, meta in properties.items():
        for s, o in rdf.subject_objects(URIRef(meta["iri"])):
            u, v = c(s), c(o)
            if u not in G or v not in G:
                continue  # dangling references are reported by `kg validate`
            G.add_edge(u, v, key=pred, **_edge_attrs(pred, meta, evidence.get((u, pred, v), [])))
    return G


def _classes(rdf: Any) -> dict[str, dict[str, Any]]:
    """Every named class with its label and all its ancestors."""
    classes: dict[str, dict[str, Any]] = {}
    for cls in set(rdf.subjects(RDF.type, OWL.Class)):
        if isinstance(cls, BNode):
            continue
        ancestors = {c(a) for a in rdf.transitive_objects(cls, RDFS.subClassOf)}
        classes[c(cls)] = {
            "label": str(rdf.value(cls, RDFS.label) or c(cls)),
            "superclasses": sorted(ancestors - {c(cls)}),
        }
    return classes


def _properties(rdf: Any) -> dict[str, dict[str, Any]]:
    """Each relation property with the mechanism, pain direction and weight it carries."""
    properties: dict[str, dict[str, Any]] = {}
    for prop in rdf.subjects(RDF.type, KG.RelationProperty):
        direction = rdf.value(prop, KG.painDirection)
        mechanism = rdf.value(prop, KG.mechanism)
        default = rdf.value(prop, KG.defaultWeight)
        label = str(rdf.value(prop, RDFS.label) or c(prop))
        properties[c(prop)] = {
            "iri": str(prop),
            "label": label,
            "definition": str(rdf.value(prop, SKOS.definition) or ""),
            "mechanism": c(mechanism).split(":", 1)[1] if mechanism is not None else None,
            "direction": _DIRECTIONS.get(c(direction).split(":", 1)[1]) if direction else None,
            "default_weight": float(default) if default is not None else 0.5,
            "template": str(rdf.value(prop, KG.explanationTemplate) or "{s} " + label + " {o}"),
        }
    return properties


def _sources(rdf: Any) -> dict[str, dict[str, Any]]:
    """The bibliographic record of every source, with its short citation."""
    sources: dict[str, dict[str, Any]] = {}
    for src in rdf.subjects(RDF.type, KG.Source):
        creator = rdf.value(src, DCTERMS.creator)
        editor = rdf.value(src, KG.editor)
        year = rdf.value(src, DCTERMS.issued)
        sources[c(src)] = {
            "id": c(src),
            "citation": str(rdf.value(src, DCTERMS.bibliographicCitation) or rdf.value(
                src, DCTERMS.title) or c(src)),
            "short": short_citation(str(creator) if creator else None,
                                    str(year) if year is not None else None,
                                    str(editor) if editor else None),
            "editors": sorted(str(e) for e in rdf.objects(src, KG.editor)),
            "title": str(rdf.value(src, DCTERMS.title) or ""),
            "year": str(year) if year is not None else None,
            "identifiers": sorted(str(i) for i in rdf.objects(src, DCTERMS.identifier)),
            "urls": sorted(str(u) for u in rdf.objects(src, FOAF.page)),
        }
    return sources


def _entities(rdf: Any, classes: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Every typed entity of the data (not the vocabulary's own terms) with its attributes."""
    kg_ns = str(KG._NS)
    vocab_terms = {s for s in rdf.subjects() if str(s).startswith(kg_ns)}
    out: dict[str, dict[str, Any]] = {}
    for subject, _, rdf_type in rdf.triples((None, RDF.type, None)):
        if (isinstance(subject, BNode) or subject in vocab_terms or rdf_type in _SKIP_TYPES
                or not str(rdf_type).startswith(kg_ns)):
            continue
        node = c(subject)
        if node in out:
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
            "xrefs": {kind: sorted(c(x) for x in rdf.objects(subject, prop))
                      for kind, prop in _XREFS},
            "sources": sorted(c(s) for s in rdf.objects(subject, DCTERMS.source)),
        }
        for key, prop in (("urgency", KG.urgency), ("action", KG.action), ("level", KG.level)):
            value = rdf.value(subject, prop)
            if value is not None:
                attrs[key] = str(value)
        out[node] = attrs
    return list(out.items())


def _evidence(rdf: Any) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    """The owl:Axiom annotations, by the (subject, predicate, object) they annotate."""
    evidence: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for ax in rdf.subjects(RDF.type, OWL.Axiom):
        s = rdf.value(ax, OWL.annotatedSource)
        p = rdf.value(ax, OWL.annotatedProperty)
        o = rdf.value(ax, OWL.annotatedTarget)
        if s is None or p is None or o is None:
            continue
        item: dict[str, Any] = {"sources": sorted(c(x) for x in rdf.objects(ax, DCTERMS.source))}
        for key, prop in _AXIOM_LITERALS:
            value = rdf.value(ax, prop)
            if value is not None:
                item[key] = _literal(value)
        for key, prop in _AXIOM_TERMS:
            value = rdf.value(ax, prop)
            if value is not None:  # a vocabulary term: kept as its CURIE
                item[key] = c(value) if isinstance(value, URIRef) else str(value)
        for key, prop in _AXIOM_STRINGS:
            value = rdf.value(ax, prop)
            if value is not None:
                item[key] = str(value)
        levels = sorted(c(x) for x in rdf.objects(ax, KG.validatedFor))
        if levels:  # the levels or conditions a test was validated on
            item["validated_for"] = levels
        target = str(o) if isinstance(o, Literal) else c(o)
        evidence.setdefault((c(s), c(p), target), []).append(item)
    return evidence


def _edge_attrs(pred: str, meta: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    pooled = pooled_frequency(items)
    return {
        "predicate": pred,
        "label": meta["label"],
        "mechanism": meta["mechanism"],
        "direction": meta["direction"],
        "evidence": items,
        "sources": sorted({s for i in items for s in i["sources"]}),
        "frequency": pooled[0] if pooled else None,  # pooled by cohort where studies disagree
        "weight": relation_weight(items, meta["default_weight"], pred),
    }




def _literal(value: Any) -> Any:
    py = value.toPython() if hasattr(value, "toPython") else value
    if hasattr(py, "is_finite"):  # Decimal
        return float(py)
    return py


def short_citation(creator: str | None, year: Any, editor: str | None = None) -> str:
    """'Slipman et al. 2000', 'Chin 2018', 'NICE 2022' from the creator string and year.

    >>> short_citation("Slipman CW, Jackson HB, Lipetz JS", "2000")
    'Slipman et al. 2000'
    >>> short_citation("National Institute for Health and Care Excellence (NICE)", "2022")
    'NICE 2022'
    >>> short_citation("Wheeless CR III", "2011")
    'Wheeless 2011'
    >>> short_citation("Travell JG, Simons DG", "1992")
    'Travell & Simons 1992'
    >>> short_citation(None, "2024", editor="Shanina E")
    'Shanina (ed.) 2024'
    """
    if not creator and editor:  # an edited work whose authors are not named: never as authors
        return f"{_surname(editor.split(',')[0].strip())} (ed.) {year or ''}".strip()
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


