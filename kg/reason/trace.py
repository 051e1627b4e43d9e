"""Trace referral routes: from a painful region back to candidate sources, or forward.

Only relations that carry pain are followed (their property has a ``kg:painDirection``), in the
direction pain travels. Routes are short (``max_depth`` relations, 4 by default), simple (no
node twice) and pass through at most one biomechanical (load and compensation) relation, after
which the loaded structure must hurt directly (one local or somatic step), so anatomy never
becomes a chain of noise. Published negative evidence (``kg:doesNotReferPainTo``)
removes every referral route from that structure to that region; a biomechanical route, in
which another structure is loaded and hurts in its own right, is not removed.

Scoring
-------
A route's strength is the product of its edge weights; an edge's weight is its strongest piece
of evidence: grade weight (A 1.0, B 0.8, C 0.5) x published frequency (or the relation's default
weight when none is published), halved for association-only hypotheses and x0.7 for expert
opinion (see :func:`kg.graph.build.evidence_weight`). Containment is not referral: a "lies in
the region" step with no published figure weighs :data:`kg.graph.build.CONTAINMENT_WEIGHT`
(0.25) whatever its grade, so a structure that merely lies in the region ranks as a place, below
a measured referral. Routes of one mechanism share a pathway (the
five segments that carry a kidney's afferents are one observation, not five), so a candidate
keeps the strongest route per mechanism; those combine by noisy-OR, ``1 - prod(1 - strength)``:
independent mechanisms make a source more likely, and no weak route outweighs a strong one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from kg.errors import KGError, UnknownTermError
from kg.explain.words import DISCLAIMER, explain_route, frequency_text, short_type, source_refs
from kg.graph.build import (
    node_ref,
    nodes_of_type,
    pain_index,
    pooled_frequency,
    region_targets,
    relation_weight,
    types_of,
)
from kg.graph.resolve import resolve

__all__ = ["HTML_VIEWS", "Candidate", "Route", "TraceResult", "region_targets", "trace"]

#: How a result draws itself in Jupyter, by kind ("trace", "differential"): filled in by the
#: layer that owns pages (``kg.api`` registers kg.render's), so reasoning never imports
#: rendering. With none registered, Jupyter shows the text.
HTML_VIEWS: dict[str, Callable[[dict[str, Any]], str]] = {}

REGION = "kg:BodyRegion"
#: Types that are where pain is felt, or only a conduit, never a candidate source.
NOT_A_SOURCE = {REGION, "kg:Dermatome"}


@dataclass(frozen=True)
class Route:
    """One explained path along which pain travels, from its first to its last node."""

    nodes: tuple[str, ...]
    edges: tuple[dict[str, Any], ...]  # edge attribute dicts, in pain order
    strength: float
    mechanism: str
    explanation: str

    def to_dict(self, G: nx.MultiDiGraph) -> dict[str, Any]:
        return {
            "nodes": [node_ref(G, n) for n in self.nodes],
            "edges": [
                {
                    "predicate": e["predicate"],
                    "label": e["label"],
                    "mechanism": e["mechanism"],
                    "from": e["from"],
                    "to": e["to"],
                    "sources": source_refs(G, e["sources"]),
                    "frequency": e["frequency"],
                    "frequency_text": frequency_text(e, G) or None,
                    "weight": e["weight"],
                    "evidence_grades": sorted({i.get("grade") for i in e["evidence"]
                                               if i.get("grade")}),
                    "populations": sorted({str(i["population"]) for i in e["evidence"]
                                           if i.get("population")}),
                }
                for e in self.edges
            ],
            "mechanism": self.mechanism,
            "strength": round(self.strength, 4),
            "explanation": self.explanation,
        }


@dataclass
class Candidate:
    """A possible source (backward trace) or a region that can hurt (forward trace)."""

    id: str
    label: str
    types: list[str]
    routes: list[Route] = field(default_factory=list)

    @property
    def score(self) -> float:
        best: dict[str, float] = {}
        for r in self.routes:  # routes of one mechanism share their pathway: keep the strongest
            best[r.mechanism] = max(best.get(r.mechanism, 0.0), r.strength)
        miss = 1.0
        for strength in best.values():
            miss *= 1.0 - strength
        return round(1.0 - miss, 4)

    @property
    def mechanisms(self) -> list[str]:
        """Mechanisms in the order of the routes (strongest first), so the first one is the lead."""
        return list(dict.fromkeys(r.mechanism for r in self.routes))

    def to_dict(self, G: nx.MultiDiGraph) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "types": self.types,
            "score": self.score,
            "mechanisms": self.mechanisms,
            "paths": [r.to_dict(G) for r in self.routes],
        }


@dataclass
class TraceResult:
    """Ranked candidates of one trace, with everything needed to explain and render them."""

    graph: nx.MultiDiGraph = field(repr=False)
    query: str
    direction: str  # "backward" | "forward"
    candidates: list[Candidate]
    negative: list[dict[str, Any]] = field(default_factory=list)
    max_depth: int = 4

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON schema of ``kg trace --json``."""
        G = self.graph
        return {
            "query": {
                "region": node_ref(G, self.query),
                "direction": self.direction,
                "max_depth": self.max_depth,
            },
            "candidates": [c.to_dict(G) for c in self.candidates],
            "negative_evidence": self.negative,
            "disclaimer": DISCLAIMER,
        }

    def to_text(self, limit: int = 15) -> str:
        from kg.explain.words import trace_table

        return trace_table(self, limit=limit)

    def _repr_html_(self) -> str | None:  # Jupyter
        view = HTML_VIEWS.get("trace")
        return None if view is None else view(self.to_dict())


def _is_blocked(nodes: tuple[str, ...], edges: tuple[dict, ...], blocked: set) -> bool:
    """A referral route from x to region R is void when x is published not to refer to R."""
    end = nodes[-1]
    for i, node in enumerate(nodes[:-1]):
        if (node, end) in blocked and all(e["mechanism"] != "biomechanical" for e in edges[i:]):
            return True
    return False


def _route_mechanism(edges: Iterable[dict]) -> str:
    for e in edges:
        if e["mechanism"] and e["mechanism"] != "local":
            return e["mechanism"]
    return "local"


#: What may follow a biomechanical (load) step: the loaded structure hurts where it lies or
#: refers pain, in one step (referral model: condition → joint → loaded structure → region).
_AFTER_LOAD = {"local", "somatic"}


def _admissible(edges: tuple[dict, ...]) -> bool:
    """Route shape rules on a (partial) route in pain order: at most one load step, and after
    it at most one local or somatic step."""
    loads = [i for i, e in enumerate(edges) if e["mechanism"] == "biomechanical"]
    if not loads:
        return True
    if len(loads) > 1:
        return False
    after = edges[loads[0] + 1:]
    return len(after) <= 1 and all(e["mechanism"] in _AFTER_LOAD for e in after)


def _walk(index: dict, start: str, max_depth: int, backward: bool
          ) -> Iterator[tuple[tuple, tuple]]:
    """Yield (nodes, edges) of every admissible route from ``start`` (forward) or ending at it
    (backward), always in pain order; ``index`` is the pain index for that direction."""
    stack: list[tuple[tuple[str, ...], tuple[dict, ...]]] = [((start,), ())]
    while stack:
        nodes, edges = stack.pop()
        if edges:
            yield nodes, edges
        if len(edges) >= max_depth:
            continue
        for e in index.get(nodes[0] if backward else nodes[-1], ()):
            step = e["from"] if backward else e["to"]
            longer = (e, *edges) if backward else (*edges, e)
            if step in nodes or not _admissible(longer):
                continue
            stack.append(((step, *nodes) if backward else (*nodes, step), longer))


def _strength(edges: Iterable[dict]) -> float:
    s = 1.0
    for e in edges:
        s *= e["weight"]
    return s


def trace(G: nx.MultiDiGraph, term: str, forward: bool = False, max_depth: int = 4,
          within: str | None = None) -> TraceResult:
    """Trace pain from a region back to its candidate sources, or from a source forward.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph from :func:`kg.graph.project.to_networkx` (or :func:`kg.load`).
    term : str
        Backward: a body region. Forward: a structure or condition. Any id, label or synonym.
    forward : bool
        Trace from a source to the regions where it can be felt.
    max_depth : int
        Longest route, in relations (1-6).
    within : str, optional
        Keep only candidates that are, or are part or a kind of, this UBERON class (for
        example "hip muscle"); needs UBERON merged (``kg.load(with_uberon=True)``).

    Returns
    -------
    TraceResult
        Candidates ranked by score (highest first), each with every admissible route.

    Raises
    ------
    UnknownTermError
        If ``term`` names nothing (with the nearest names), or the wrong kind of thing.

    Examples
    --------
    >>> from kg.graph.project import to_networkx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("lp:groin", label="groin", types=["kg:BodyRegion"])
    >>> G.add_node("lp:hip_joint", label="hip joint", types=["kg:Joint"])
    >>> G.add_edge("lp:hip_joint", "lp:groin", key="kg:refersPainTo", predicate="kg:refersPainTo",
    ...            label="refers pain to", mechanism="somatic", direction="forward", evidence=[],
    ...            sources=[], frequency=0.55, weight=0.55)
    'kg:refersPainTo'
    >>> G.graph["properties"] = {"kg:refersPainTo": {"template": "the {s} refers pain to the {o}"}}
    >>> [(c.label, c.score) for c in trace(G, "groin").candidates]
    [('hip joint', 0.55)]
    """
    if not 1 <= max_depth <= 6:
        raise KGError(f"depth {max_depth} is out of range; use a depth from 1 to 6")
    regions = nodes_of_type(G, REGION)
    into, out_of, blocked = pain_index(G)
    by_id: dict[str, Candidate] = {}

    def candidate(node: str) -> Candidate:
        if node not in by_id:
            data = G.nodes[node]
            by_id[node] = Candidate(node, data.get("label", node), list(data.get("types", [])))
        return by_id[node]

    negative: list[dict[str, Any]] = []
    if not forward:
        region = _resolve_kind(G, term, regions, want="region")
        targets = region_targets(G, region)
        for target in sorted(targets):
            for nodes, edges in _walk(into, target, max_depth, backward=True):
                start = nodes[0]
                if NOT_A_SOURCE & set(G.nodes[start].get("types", ())):
                    continue
                if _is_blocked(nodes, edges, blocked):
                    continue
                candidate(start).routes.append(_route(G, nodes, edges, region, forward=False))
        for x, r in sorted(blocked):
            if r in targets:
                negative.append(_negative(G, x, r))
    else:
        region_set = set(regions)
        region = _resolve_kind(G, term, lambda n: n not in region_set, want="source")
        for nodes, edges in _walk(out_of, region, max_depth, backward=False):
            end = nodes[-1]
            if REGION not in G.nodes[end].get("types", ()):
                continue
            if _is_blocked(nodes, edges, blocked):
                continue
            candidate(end).routes.append(_route(G, nodes, edges, end, forward=True))
        for x, r in sorted(blocked):
            if x == region:
                negative.append(_negative(G, x, r))

    kept = list(by_id.values())
    if within:
        from kg.graph.uberon import uberon_ancestors

        scope = _resolve_scope(G, within)
        kept = [c for c in kept if scope in uberon_ancestors(G, c.id)]
    ranked = sorted(kept, key=lambda c: (-c.score, c.label, c.id))
    for c in ranked:  # a total order, so every backend lists the same routes the same way
        c.routes.sort(key=lambda r: (-r.strength, len(r.nodes), r.nodes,
                                     tuple(e["predicate"] for e in r.edges)))
    return TraceResult(G, region, "forward" if forward else "backward", ranked, negative,
                       max_depth)


def _resolve_kind(G: nx.MultiDiGraph, term: str, allowed, want: str) -> str:
    """Resolve ``term`` among ``allowed``; say plainly when it names the wrong kind of thing."""
    try:
        return resolve(G, term, accept=allowed, what=want)
    except UnknownTermError as exc:
        try:
            other = resolve(G, term)
        except UnknownTermError:
            raise exc from None
    label = G.nodes[other]["label"]
    if want == "region":
        raise KGError(
            f"{label!r} is a {short_type(G, other)}, not a body region; trace from it with "
            f"`kg trace --forward {term!r}`, or give a region such as 'groin'")
    raise KGError(f"{label!r} is a body region, not a source; trace back to its sources with "
                  f"`kg trace {term!r}`")


def _resolve_scope(G: nx.MultiDiGraph, within: str) -> str:
    """The UBERON class named by ``within`` (a project entity stands for its mapped class)."""
    externals = nodes_of_type(G, "kg:ExternalClass")
    if not externals:
        raise KGError("--within needs UBERON merged; run with --with-uberon "
                      "(pip install 'lumbopelvic-kg[uberon]')")
    node = resolve(G, within, what="UBERON class")
    if node in set(externals):
        return node
    exact = [x for x in G.nodes[node].get("xrefs", {}).get("exact", ()) if x in G]
    if not exact:
        raise KGError(f"{G.nodes[node]['label']!r} has no UBERON class to search within; "
                      "name a UBERON class such as 'hip muscle'")
    return exact[0]


#: An axiom's figures, which stay with the condition they were measured in (kg:measuredIn).
_FIGURES = ("frequency", "cohort", "cohort_kind", "among_region_pain", "sensitivity",
            "specificity", "lr_positive", "lr_negative", "population", "study_design",
            "pooled_studies")


def own_figures(G: nx.MultiDiGraph, nodes: tuple, edges: tuple) -> tuple:
    """The route's steps with every figure measured in another condition taken off.

    A figure measured in one condition (``kg:measuredIn``: Parvizi 2010's 66% is of end-stage
    hip osteoarthritis) never passes to another through ``affects`` and route composition:
    on a route from femoroacetabular impingement the hip-loads-spine step keeps its evidence
    and grade but not the number. Routes from the structure itself, or from the condition
    measured, keep it.
    """
    source = nodes[0]
    if "kg:Condition" not in types_of(G, source):
        return edges
    out = []
    for e in edges:
        items = e.get("evidence", ())
        if not any(i.get("measured_in") not in (None, source) for i in items):
            out.append(e)
            continue
        kept = [i if i.get("measured_in") in (None, source)
                else {k: v for k, v in i.items() if k not in _FIGURES} for i in items]
        default = G.graph.get("properties", {}).get(e["predicate"], {}).get(
            "default_weight", 0.5)
        pooled = pooled_frequency(kept)
        out.append({**e, "evidence": kept, "frequency": pooled[0] if pooled else None,
                    "weight": relation_weight(kept, default, e["predicate"])})
    return tuple(out)


def _route(G: nx.MultiDiGraph, nodes: tuple, edges: tuple, region: str, forward: bool) -> Route:
    edges = own_figures(G, nodes, edges)
    return Route(
        nodes=nodes,
        edges=edges,
        strength=_strength(edges),
        mechanism=_route_mechanism(edges),
        explanation=explain_route(G, nodes, edges, region, forward=forward),
    )


def _negative(G: nx.MultiDiGraph, structure: str, region: str) -> dict[str, Any]:
    from kg.explain.words import explain_negative

    data = G.get_edge_data(structure, region, key="kg:doesNotReferPainTo") or {}
    return {
        "structure": node_ref(G, structure),
        "region": node_ref(G, region),
        "sources": source_refs(G, data.get("sources", [])),
        "explanation": explain_negative(G, structure, region, data),
    }
