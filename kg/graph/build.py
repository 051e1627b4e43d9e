"""The graph the reasoning code walks: its weights, its indexes and how to read a node.

The projection from RDF is :mod:`kg.graph.project` (it needs rdflib; this module does not, so
a graph loaded from the cache is read without it). Edges point the way the RDF triple points,
from subject to object; whether pain travels along an edge, and which way, is the edge's
``direction`` attribute, taken from the property's ``kg:painDirection``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from kg.graph.index import invalidate, memo

__all__ = [
    "ANIMAL_FACTOR",
    "CONTAINMENT_WEIGHT",
    "EXPERT_OPINION_FACTOR",
    "GRADE_WEIGHTS",
    "HYPOTHESIS_FACTOR",
    "PART_OF",
    "add_import_names",
    "discount",
    "evidence_weight",
    "iter_pain_edges",
    "node_ref",
    "nodes_of_type",
    "pain_index",
    "pooled_frequency",
    "prepare",
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
#: Evidence from animals weighs half what the same grade from people weighs: human data take
#: precedence in ranking (and the explanation says "in animals" where a step has no other).
ANIMAL_FACTOR = 0.5

#: A "lies in the region" (``kg:locatedIn``) step with no published figure weighs this much,
#: whatever its grade: lying in a region makes a structure a *place* pain can come from (the
#: teaching view), not a measured share of its pain felt there, so it stays below a measured
#: referral (the hip joint refers to the groin in 55% of 51, Lesher 2008; the femoral canal
#: merely lies there). The trace and the differential both use it.
CONTAINMENT_WEIGHT = 0.25
LOCATED_IN = "kg:locatedIn"

#: Edge key of the part-of relation (OBO BFO_0000050) in the projection.
PART_OF = "BFO:0000050"

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
    return round(weight * discount(item), 6)


def discount(item: dict[str, Any]) -> float:
    """How much less a piece of evidence weighs for what it is: an association-only hypothesis,
    expert opinion, a study in animals (the one place these factors are applied)."""
    f = 1.0
    if item.get("hypothesis"):
        f *= HYPOTHESIS_FACTOR
    if item.get("expert_opinion"):
        f *= EXPERT_OPINION_FACTOR
    if item.get("study_design") == "kg:animalStudy":
        f *= ANIMAL_FACTOR
    return f


def pooled_frequency(items: Iterable[dict[str, Any]]) -> tuple[float, int] | None:
    """A relation's figure and how many studies it pools, or None when none measured one.

    Where studies disagree, the documented rule is to pool them by cohort size, never to take
    the highest (SIJ to groin: 14% of 50, 44% of 50 and 46.5% of 127 pool to 39%); a single
    study's figure stands as published (the largest cohort's where some lack a size).

    >>> pooled_frequency([{"frequency": 0.14, "cohort": 50}, {"frequency": 0.465, "cohort": 127}])
    (0.373, 2)
    """
    with_freq = [i for i in items if i.get("frequency") is not None]
    if not with_freq:
        return None
    sized = [i for i in with_freq if i.get("cohort")]
    if len(sized) > 1:
        n = sum(float(i["cohort"]) for i in sized)
        return round(sum(float(i["frequency"]) * float(i["cohort"]) for i in sized) / n, 3), len(
            sized)
    best = max(with_freq, key=lambda i: (float(i.get("cohort") or 0), float(i["frequency"])))
    return float(best["frequency"]), 1


def relation_weight(items: list[dict[str, Any]], default_weight: float, predicate: str) -> float:
    """A relation's weight: its strongest piece of evidence, where the measured figures count
    once, pooled (:func:`pooled_frequency`), at the best grade among the studies that gave them."""
    figures = [i for i in items if i.get("frequency") is not None]
    weights = [evidence_weight(i, default_weight, predicate) for i in items
               if i.get("frequency") is None]
    pooled = pooled_frequency(figures)
    if pooled is not None:
        best = max(figures, key=lambda i: evidence_weight(i, default_weight, predicate))
        weights.append(evidence_weight({**best, "frequency": pooled[0]}, default_weight,
                                       predicate))
    return max(weights) if weights else 0.0


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
