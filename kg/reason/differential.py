"""A ranked, explained differential for pain felt in one or more regions, with red flags first.

The question this answers is the one patients bring: "my groin and my lower back both hurt,
where is this coming from?". It reuses the backward trace (:func:`kg.trace.trace`) for every
painful region, so routes, their strengths and their cited explanations are exactly those of
``kg trace``; this module only combines them and weighs the findings.

Red flags
---------
Every given finding with a ``kg:redFlagFor`` link puts the serious condition it points to into
``red_flags``, with the condition's ``kg:urgency`` and ``kg:action`` and the cited link, before
any ranking and whatever the scores say. Red flags are never suppressed or ranked away. The
condition is also ranked among the candidates when it has a route to a painful region.

Ranking
-------
For each candidate source ``c`` (a structure or condition that some route reaches a painful
region from) and the ``n`` painful regions of the query:

1. **Region evidence** ``s_r``: the candidate's score in the backward trace of region ``r``
   (noisy-OR over mechanisms of the strongest route of each; a route's strength is the
   product of its edge weights, from evidence grade and published frequency; see
   :mod:`kg.trace`). 0 when no route reaches ``r``.
2. **Coverage** ``k``: the number of painful regions the candidate explains (``s_r > 0``).
3. **Findings** ``F``: the sum, over the given findings, of ``share x log10(LR)``:

   - ``finding kg:supports X`` raises, ``finding kg:arguesAgainst X`` lowers, and
     ``condition kg:presentsWith finding`` raises that condition. A red flag also counts in
     favour of the condition it points to (``kg:redFlagFor``), with no more weight than its
     evidence gives it: most single red flags change the probability of disease little
     (Downie 2013); the red-flag banner, not the score, is what makes sure it is seen.
   - ``LR`` is the published likelihood ratio on the link's evidence (``kg:positiveLikelihoodRatio``
     for a supporting link, ``kg:negativeLikelihoodRatio`` for a link against), else it is
     computed from published sensitivity and specificity, else it comes from the link's weight
     ``w`` (evidence grade x frequency, see :func:`kg.graph.evidence_weight`) as ``1 + 4w`` for
     a link in favour and ``1 / (1 + 4w)`` against: with no published frequency a grade A link
     counts as LR 3 (or 1/3), grade B as 2.6, grade C as 2. A published frequency alone is a
     sensitivity and says nothing of specificity (low back pain in 96% of cauda equina
     syndrome does not make back pain a sign of it), so it can lower the weight of a link below
     that default (a finding seen in 10% of cases) but never raise it above. LRs are clamped
     to [1/20, 20].
   - A finding about a structure weighs on every candidate whose routes run through that
     structure, in proportion (``share``) to the route strength that does: pain-free hip rotation
     against the hip joint weighs fully against hip osteoarthritis (all of its routes run through
     the hip joint), and a reduced patellar reflex for the L3 root supports an upper lumbar disc
     herniation only in the part of its evidence that runs through the L3 root.
     A structure the condition directly affects, compresses or entraps but that carries none of
     its routes here gets an equal part (``1 / number of such structures``).
   - A finding in favour of a condition also supports the structures that condition directly
     affects, compresses or entraps (if the condition is the cause, its structure is the pain
     generator); a finding against a condition does not count against the structure, which can
     hurt for other reasons.
   - Each finding counts once per candidate: its strongest link in favour and its strongest
     link against.

The differential score is ``k + mean_r(s_r) + F``. Coverage comes first: with no findings, a
candidate that explains every painful region always ranks above one that explains only some
(the seed's central point: one source behind both the groin and the back pain). Findings are
measured in the same unit as a region: a finding with LR 10 moves a candidate as far as
explaining one more painful region, so strong findings can overturn coverage (a positive
straight-leg raise and an absent ankle jerk beat a hip that merely reaches every painful region).

What to check next
------------------
For the leading candidates (``leaders``, 5 by default), the tests linked by ``kg:testFor`` to the
candidate, to the structure a condition affects, compresses or entraps, or to a condition
affecting a candidate structure (and to what that structure is part of), with the accuracy
figures and sources on each link. Tests that apply to some leaders but not to others separate
them and are listed first; then the most informative (highest LR+ or 1/LR-).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx

from kg.errors import KGError, UnknownTermError
from kg.explain.words import DISCLAIMER, short_type, source_refs
from kg.graph.build import GRADE_WEIGHTS, PART_OF, nodes_of_type
from kg.graph.resolve import names, normalise, resolve
from kg.reason.trace import Candidate, Route, trace

__all__ = [
    "DEFAULT_LR_SCALE",
    "FREQUENCY_CAP",
    "LINK_PREDICATES",
    "MAX_LR",
    "DifferentialCandidate",
    "DifferentialResult",
    "FindingLink",
    "NextTest",
    "RedFlag",
    "differential",
    "likelihood_ratio",
]

FINDING = "kg:Finding"
REGION = "kg:BodyRegion"
#: A link's weight w (grade x frequency) becomes LR 1 + DEFAULT_LR_SCALE * w when nothing is
#: published: grade A with no frequency (w = 0.5) counts as LR 3.
DEFAULT_LR_SCALE = 4.0
#: Without published accuracy, a frequency counts up to this proportion (see likelihood_ratio).
FREQUENCY_CAP = 0.5
#: Likelihood ratios are clamped to [1/MAX_LR, MAX_LR] (published "infinite" LRs included).
MAX_LR = 20.0
#: A condition is tied to the structure that becomes the pain generator by these relations.
LINK_PREDICATES = ("kg:affects", "kg:compresses", "kg:entraps")
_URGENCY_ORDER = ("emergency", "immediate", "same-day", "same day", "urgent", "soon")


# --- data ----------------------------------------------------------------------------------


class FindingLink:
    """How one given finding weighs on one candidate, through one cited link.

    (Plain classes here, not dataclasses: this module is imported by ``import kg``, and class
    generation by ``@dataclass`` costs milliseconds each on every cold start.)
    """

    __slots__ = ("basis", "finding", "frequency", "lr", "relation", "share", "sources",
                 "target")

    def __init__(self, finding: str, relation: str, target: str, lr: float, basis: str,
                 share: float, sources: tuple[str, ...], frequency: float | None = None
                 ) -> None:
        self.finding = finding
        self.relation = relation  # supports | argues against | presents with | is a red flag for
        self.target = target  # the node the link names (the candidate, or what it runs through)
        self.lr = lr
        self.basis = basis  # where the LR comes from
        self.share = share  # fraction of the candidate's evidence the link bears on
        self.sources = sources
        self.frequency = frequency

    def __repr__(self) -> str:
        return (f"FindingLink({self.finding!r}, {self.relation!r}, {self.target!r}, "
                f"lr={self.lr:.3g}, share={self.share:.3g})")

    @property
    def effect(self) -> float:
        """Contribution to the score, in regions: ``share x log10(LR)``."""
        return self.share * math.log10(self.lr)

    def to_dict(self, G: nx.MultiDiGraph, candidate: str) -> dict[str, Any]:
        out = {
            **_ref(G, self.finding),
            "relation": self.relation,
            "likelihood_ratio": round(self.lr, 3),
            "lr_basis": self.basis,
            "share": round(self.share, 3),
            "effect": round(self.effect, 4),
            "frequency": self.frequency,
            "sources": source_refs(G, list(self.sources)),
            "explanation": self.explain(G, candidate),
        }
        if self.target != candidate:
            out["via"] = _ref(G, self.target)
        return out

    def explain(self, G: nx.MultiDiGraph, candidate: str) -> str:
        f = G.nodes[self.finding]["label"]
        t = _the(G, self.target)
        if self.relation == "presents with":
            pct = f" in {100 * self.frequency:.0f}%" if self.frequency is not None else ""
            text = f"{t} presents with {f}{pct}"
        else:
            text = f"{f} {self.relation} {t}"
        if self.target != candidate:
            c = _the(G, candidate)
            if self.share >= 0.999:
                text += f", and so {c}"
            else:
                text += f", which carries {100 * self.share:.0f}% of the evidence for {c}"
        text += f" (LR {self.lr:.2g}, {self.basis})"
        text += _cite(G, self.sources)
        return text[0].upper() + text[1:] + "."


class NextTest:
    """An examination or test that bears on a leading candidate, with published accuracy."""

    __slots__ = ("accuracy", "discriminating", "id", "informativeness", "separates", "sources",
                 "targets")

    def __init__(self, id: str, targets: tuple[str, ...], accuracy: tuple[dict[str, Any], ...],
                 sources: tuple[str, ...], separates: tuple[str, ...], discriminating: bool,
                 informativeness: float) -> None:
        self.id = id
        self.targets = targets  # the nodes its kg:testFor links name
        self.accuracy = accuracy
        self.sources = sources
        self.separates = separates  # the leading candidates it bears on
        self.discriminating = discriminating
        self.informativeness = informativeness

    def __repr__(self) -> str:
        return f"NextTest({self.id!r}, discriminating={self.discriminating})"

    def to_dict(self, G: nx.MultiDiGraph) -> dict[str, Any]:
        return {
            **_ref(G, self.id),
            "test_for": [_ref(G, t) for t in self.targets],
            "accuracy": [
                {**a, "sources": source_refs(G, a["sources"])} for a in self.accuracy
            ],
            "sources": source_refs(G, list(self.sources)),
            "bears_on": [_ref(G, c) for c in self.separates],
            "discriminating": self.discriminating,
            "informativeness": round(self.informativeness, 3),
        }


class RedFlag:
    """A serious condition some given finding points to, reported before any ranking."""

    __slots__ = ("condition", "sources", "triggered_by")

    def __init__(self, condition: str, triggered_by: list[str] | None = None,
                 sources: list[str] | None = None) -> None:
        self.condition = condition
        self.triggered_by = triggered_by if triggered_by is not None else []
        self.sources = sources if sources is not None else []

    def __repr__(self) -> str:
        return f"RedFlag({self.condition!r}, triggered_by={self.triggered_by!r})"

    def to_dict(self, G: nx.MultiDiGraph) -> dict[str, Any]:
        data = G.nodes[self.condition]
        return {
            "condition": {"id": self.condition, "label": data.get("label", self.condition)},
            "urgency": data.get("urgency"),
            "action": data.get("action"),
            "triggered_by": [_ref(G, f) for f in self.triggered_by],
            "sources": source_refs(G, sorted(set(self.sources))),
        }


class DifferentialCandidate:
    """One candidate source with its routes to every painful region and its findings."""

    __slots__ = ("against", "candidate", "next_tests", "red_flag", "region_scores", "supporting")

    def __init__(self, candidate: Candidate, region_scores: dict[str, float]) -> None:
        self.candidate = candidate
        self.region_scores = region_scores  # painful region -> trace score (0: not explained)
        self.supporting: list[FindingLink] = []
        self.against: list[FindingLink] = []
        self.next_tests: list[NextTest] = []
        self.red_flag = False

    def __repr__(self) -> str:
        return f"DifferentialCandidate({self.id!r}, score={self.score})"

    @property
    def id(self) -> str:
        return self.candidate.id

    @property
    def label(self) -> str:
        return self.candidate.label

    @property
    def coverage(self) -> int:
        """How many painful regions the candidate explains."""
        return sum(1 for s in self.region_scores.values() if s > 0)

    @property
    def evidence(self) -> float:
        """Mean route evidence over all painful regions (0 for a region it cannot explain)."""
        if not self.region_scores:
            return 0.0
        return sum(self.region_scores.values()) / len(self.region_scores)

    @property
    def finding_shift(self) -> float:
        return sum(link.effect for link in (*self.supporting, *self.against))

    @property
    def score(self) -> float:
        return round(self.coverage + self.evidence + self.finding_shift, 4)

    def to_dict(self, G: nx.MultiDiGraph) -> dict[str, Any]:
        base = self.candidate.to_dict(G)
        base.update({
            "score": self.score,
            "trace_score": self.candidate.score,
            "region_scores": {r: round(s, 4) for r, s in self.region_scores.items()},
            "coverage": self.coverage,
            "evidence": round(self.evidence, 4),
            "finding_shift": round(self.finding_shift, 4),
            "explains": [_ref(G, r) for r, s in self.region_scores.items() if s > 0],
            "does_not_explain": [_ref(G, r) for r, s in self.region_scores.items() if s <= 0],
            "supporting_findings": [x.to_dict(G, self.id) for x in self.supporting],
            "against_findings": [x.to_dict(G, self.id) for x in self.against],
            "next_tests": [t.to_dict(G) for t in self.next_tests],
            "red_flag": self.red_flag,
            # the condition/structure pairing, so a page or a reader can group the two levels
            "affects": [_ref(G, v) for _, v, key in G.out_edges(self.id, keys=True)
                        if key in LINK_PREDICATES],
            "affected_by": [_ref(G, u) for u in sorted(_caused_by(G, self.id))],
        })
        return base


class DifferentialResult:
    """Red flags, then ranked candidates, for one presentation (regions and findings)."""

    def __init__(self, graph: nx.MultiDiGraph, regions: list[str], findings: list[str],
                 candidates: list[DifferentialCandidate], red_flags: list[RedFlag],
                 next_tests: list[NextTest], unlinked_findings: list[str], max_depth: int = 4,
                 leaders: int = 5, conditions_only: bool = False) -> None:
        self.graph = graph
        self.regions = regions
        self.findings = findings
        self.candidates = candidates
        self.red_flags = red_flags  # never suppressed, reported before the ranking
        self.next_tests = next_tests
        self.unlinked_findings = unlinked_findings
        self.max_depth = max_depth
        self.leaders = leaders
        self.conditions_only = conditions_only

    def __repr__(self) -> str:
        return (f"DifferentialResult(regions={self.regions!r}, findings={self.findings!r}, "
                f"{len(self.candidates)} candidates, {len(self.red_flags)} red flags)")

    def to_dict(self) -> dict[str, Any]:
        """JSON: the candidate objects of ``kg trace --json`` plus the differential's fields."""
        G = self.graph
        return {
            "query": {
                "regions": [_ref(G, r) for r in self.regions],
                "findings": [_ref(G, f) for f in self.findings],
                "max_depth": self.max_depth,
                "conditions_only": self.conditions_only,
            },
            "red_flags": [rf.to_dict(G) for rf in self.red_flags],
            "candidates": [c.to_dict(G) for c in self.candidates],
            "next_tests": [t.to_dict(G) for t in self.next_tests],
            "unlinked_findings": [_ref(G, f) for f in self.unlinked_findings],
            "disclaimer": DISCLAIMER,
        }

    def rank_of(self, node: str) -> int | None:
        """1-based rank of a candidate, or None when it is not among them."""
        for i, c in enumerate(self.candidates, 1):
            if c.id == node:
                return i
        return None

    def to_text(self, limit: int = 10, detail: int = 5) -> str:
        return _text_report(self, limit=limit, detail=detail)

    def _repr_html_(self) -> str:  # Jupyter
        from kg.render import pages

        return pages.differential_page_html(self.to_dict(), embed=True)


# --- helpers -------------------------------------------------------------------------------


def _ref(G: nx.MultiDiGraph, node: str) -> dict[str, Any]:
    data = G.nodes[node]
    return {"id": node, "label": data.get("label", node), "types": data.get("types", [])}


def _the(G: nx.MultiDiGraph, node: str) -> str:
    label = G.nodes[node].get("label", node)
    types = set(G.nodes[node].get("all_types", G.nodes[node].get("types", ())))
    if types & {"kg:Condition", "kg:Finding", "kg:RedFlag", "kg:DiagnosticTest"}:
        return label
    return f"the {label}"


def _cite(G: nx.MultiDiGraph, ids: Iterable[str]) -> str:
    shorts = [r["short"] for r in source_refs(G, sorted(set(ids)))]
    return f" [{'; '.join(shorts)}]" if shorts else ""


def _types(G: nx.MultiDiGraph, node: str) -> set[str]:
    data = G.nodes[node]
    return set(data.get("all_types") or data.get("types") or ())


def _clamp(lr: float) -> float:
    return min(MAX_LR, max(1.0 / MAX_LR, lr))


def likelihood_ratio(edge: dict[str, Any], positive: bool) -> tuple[float, str]:
    """The likelihood ratio a finding link carries, and where it comes from.

    ``positive``: the link is in favour (supports, presents with); else it is against.

    >>> likelihood_ratio({"evidence": [{"lr_positive": 4.29}], "weight": 0.5}, True)
    (4.29, 'published LR+')
    >>> likelihood_ratio({"evidence": [{"sensitivity": 0.9, "specificity": 0.8}],
    ...                   "weight": 0.5}, False)
    (0.125, 'from sensitivity and specificity')
    >>> likelihood_ratio({"evidence": [{"grade": "A"}], "weight": 0.5}, True)
    (3.0, 'evidence grade')
    """
    items = edge.get("evidence") or ()
    for item in items:
        if positive and item.get("lr_positive"):
            return _clamp(float(item["lr_positive"])), "published LR+"
        if not positive and item.get("lr_negative") is not None:
            return _clamp(float(item["lr_negative"])), "published LR-"
        if not positive and item.get("lr_positive") is not None and item["lr_positive"] < 1:
            return _clamp(float(item["lr_positive"])), "published LR"
    for item in items:
        sn, sp = item.get("sensitivity"), item.get("specificity")
        if sn is None or sp is None:
            continue
        sn, sp = float(sn), float(sp)
        if positive:
            lr = sn / (1.0 - sp) if sp < 1 else MAX_LR
        else:
            lr = (1.0 - sn) / sp if sp > 0 else 1.0
        return _clamp(round(lr, 6)), "from sensitivity and specificity"
    w = float(edge.get("weight") or 0.0)
    basis = "evidence grade"
    if edge.get("frequency") is not None:
        # A frequency is a sensitivity: without specificity a common finding tells no more than
        # any link of its grade, so the weight is capped at the grade's no-frequency default.
        basis = "frequency and evidence grade"
        grade = max((GRADE_WEIGHTS.get(i.get("grade") or "", GRADE_WEIGHTS["C"]) for i in items),
                    default=GRADE_WEIGHTS["C"])
        w = min(w, FREQUENCY_CAP * grade)
    lr = 1.0 + DEFAULT_LR_SCALE * w
    return _clamp(round(lr if positive else 1.0 / lr, 6)), basis


def _resolve_regions(G: nx.MultiDiGraph, regions: Sequence[str], max_depth: int
                     ) -> list[tuple[str, Any]]:
    if isinstance(regions, str):
        regions = [regions]
    if not regions:
        raise KGError("give at least one painful region, for example --region groin")
    out: list[tuple[str, Any]] = []
    seen: set[str] = set()
    for term in regions:
        hits = names(G).get(normalise(term)) if isinstance(term, str) else None
        node = min(hits)[1] if hits else None
        if node is not None and FINDING in _types(G, node) and REGION not in _types(G, node):
            raise KGError(f"{G.nodes[node]['label']!r} is a finding, not a body region; give it "
                          "with --finding (or findings=[...]) and a painful region with --region")
        result = trace(G, term, max_depth=max_depth)  # resolves, with the trace's messages
        if result.query not in seen:
            seen.add(result.query)
            out.append((result.query, result))
    return out


def _resolve_findings(G: nx.MultiDiGraph, findings: Sequence[str]) -> list[str]:
    if isinstance(findings, str):
        findings = [findings]
    allowed = set(nodes_of_type(G, FINDING))  # indexed: no scan of the whole graph
    out: list[str] = []
    for term in findings:
        try:
            node = resolve(G, term, accept=allowed, what="finding")
        except UnknownTermError as exc:
            hits = names(G).get(normalise(term)) if isinstance(term, str) else None
            if not hits:
                raise exc from None
            other = min(hits)[1]
            label = G.nodes[other]["label"]
            raise KGError(
                f"{label!r} is a {short_type(G, other)}, not a finding; give a symptom or sign "
                f"(`kg list findings` shows them)") from None
        if node not in out:
            out.append(node)
    return out


def _red_flags(G: nx.MultiDiGraph, findings: list[str]) -> list[RedFlag]:
    flags: dict[str, RedFlag] = {}
    for f in findings:
        for _, cond, key, data in G.out_edges(f, keys=True, data=True):
            if key != "kg:redFlagFor":
                continue
            rf = flags.setdefault(cond, RedFlag(cond))
            if f not in rf.triggered_by:
                rf.triggered_by.append(f)
            rf.sources.extend(data.get("sources", ()))

    def urgency_rank(rf: RedFlag) -> tuple[int, str]:
        text = (G.nodes[rf.condition].get("urgency") or "").casefold()
        for i, word in enumerate(_URGENCY_ORDER):
            if word in text:
                return i, G.nodes[rf.condition]["label"]
        return len(_URGENCY_ORDER), G.nodes[rf.condition]["label"]

    return sorted(flags.values(), key=urgency_rank)


def _route_share(routes: Sequence[Route], node: str) -> float:
    """Fraction of a candidate's route strength that runs through ``node``."""
    total = sum(r.strength for r in routes)
    if total <= 0:
        return 0.0
    through = sum(r.strength for r in routes if node in r.nodes[1:])
    return through / total


def _finding_edges(G: nx.MultiDiGraph, f: str) -> list[tuple[str, str, bool, dict, float, str]]:
    """(target, relation, in favour?, edge, LR, LR basis) for every clinical link of a finding."""
    out = []
    for _, target, key, data in G.out_edges(f, keys=True, data=True):
        if key == "kg:supports":
            out.append((target, "supports", True, data))
        elif key == "kg:arguesAgainst":
            out.append((target, "argues against", False, data))
        elif key == "kg:redFlagFor":
            out.append((target, "is a red flag for", True, data))
    for cond, _, key, data in G.in_edges(f, keys=True, data=True):
        if key == "kg:presentsWith":
            out.append((cond, "presents with", True, data))
    return [(t, rel, pos, data, *likelihood_ratio(data, pos)) for t, rel, pos, data in out]


def _caused_by(G: nx.MultiDiGraph, structure: str) -> set[str]:
    """Conditions that directly affect, compress or entrap a structure."""
    return {u for u, _, key in G.in_edges(structure, keys=True) if key in LINK_PREDICATES}


def _finding_links(G: nx.MultiDiGraph, cand: DifferentialCandidate,
                   links: dict[str, list[tuple[str, str, bool, dict, float, str]]]
                   ) -> tuple[list[FindingLink], list[FindingLink]]:
    supporting: list[FindingLink] = []
    against: list[FindingLink] = []
    if not any(links.values()):
        return supporting, against
    routes = cand.candidate.routes
    upstream = _caused_by(G, cand.id)
    direct = {v for _, v, key in G.out_edges(cand.id, keys=True) if key in LINK_PREDICATES}
    for f, edges in links.items():
        best_for: FindingLink | None = None
        best_against: FindingLink | None = None
        for target, relation, positive, data, lr, basis in edges:
            if target == cand.id:
                share = 1.0
            elif positive and target in upstream:
                share = 1.0  # the condition's structure is the pain generator
            else:
                share = _route_share(routes, target)
                if share <= 0 and target in direct:
                    share = 1.0 / len(direct)  # a structure it affects that has no route here
            if share <= 0:
                continue
            link = FindingLink(f, relation, target, lr, basis, share,
                               tuple(data.get("sources", ())), data.get("frequency"))
            if positive and (best_for is None or link.effect > best_for.effect):
                best_for = link
            if not positive and (best_against is None or link.effect < best_against.effect):
                best_against = link
        if best_for is not None and best_for.effect > 0:
            supporting.append(best_for)
        if best_against is not None and best_against.effect < 0:
            against.append(best_against)
    supporting.sort(key=lambda x: -x.effect)
    against.sort(key=lambda x: x.effect)
    return supporting, against


def _related(G: nx.MultiDiGraph, node: str) -> set[str]:
    """The candidate, the structures it affects (or conditions affecting it), and wholes."""
    near = {node}
    near |= {v for _, v, key in G.out_edges(node, keys=True) if key in LINK_PREDICATES}
    near |= _caused_by(G, node)
    wholes = {v for n in near for _, v, key in G.out_edges(n, keys=True) if key == PART_OF}
    return near | wholes


def _tests_for(G: nx.MultiDiGraph, nodes: set[str]) -> dict[str, list[tuple[str, dict]]]:
    tests: dict[str, list[tuple[str, dict]]] = {}
    for n in nodes:
        for t, _, key, data in G.in_edges(n, keys=True, data=True):
            if key == "kg:testFor":
                tests.setdefault(t, []).append((n, data))
    return tests


def _accuracy(links: list[tuple[str, dict]]) -> tuple[list[dict[str, Any]], float]:
    """Accuracy figures on the kg:testFor links, and the best of max(LR+, 1/LR-)."""
    acc: list[dict[str, Any]] = []
    best = 1.0
    for target, data in links:
        for item in data.get("evidence", ()):
            figures = {k: item[k] for k in ("sensitivity", "specificity", "lr_positive",
                                            "lr_negative") if item.get(k) is not None}
            if not figures:
                continue
            sn, sp = figures.get("sensitivity"), figures.get("specificity")
            lrp = figures.get("lr_positive")
            lrn = figures.get("lr_negative")
            if lrp is None and sn is not None and sp is not None:
                lrp = sn / (1 - sp) if sp < 1 else MAX_LR
            if lrn is None and sn is not None and sp is not None and sp > 0:
                lrn = (1 - sn) / sp
            for value in (lrp, 1 / lrn if lrn else None):
                if value:
                    best = max(best, min(MAX_LR, float(value)))
            entry: dict[str, Any] = {"for": target, **figures, "sources": item.get("sources", [])}
            if item.get("comment"):
                entry["comment"] = item["comment"]
            acc.append(entry)
    return acc, best


def _next_tests(G: nx.MultiDiGraph, ranked: list[DifferentialCandidate], leaders: int
                ) -> list[NextTest]:
    lead = ranked[:leaders]
    per_leader = {c.id: _tests_for(G, _related(G, c.id)) for c in lead}
    all_tests: dict[str, list[tuple[str, dict]]] = {}
    for tests in per_leader.values():
        for t, links in tests.items():
            bucket = all_tests.setdefault(t, [])
            for link in links:
                if all(link[0] != b[0] for b in bucket):
                    bucket.append(link)
    out: dict[str, NextTest] = {}
    for t, links in all_tests.items():
        bears = tuple(c.id for c in lead if t in per_leader[c.id])
        acc, info = _accuracy(links)
        out[t] = NextTest(
            id=t,
            targets=tuple(sorted({n for n, _ in links})),
            accuracy=tuple(acc),
            sources=tuple(sorted({s for _, d in links for s in d.get("sources", ())})),
            separates=bears,
            discriminating=0 < len(bears) < len(lead),
            informativeness=info,
        )
    for c in lead:
        c.next_tests = sorted((out[t] for t in per_leader[c.id]),
                              key=lambda x: (not x.discriminating, -x.informativeness,
                                             G.nodes[x.id]["label"]))
    return sorted(out.values(), key=lambda x: (not x.discriminating, -x.informativeness,
                                              -len(x.separates), G.nodes[x.id]["label"]))


# --- the differential ----------------------------------------------------------------------


def differential(G: nx.MultiDiGraph, regions: Sequence[str], findings: Sequence[str] = (),
                 max_depth: int = 4, leaders: int = 5,
                 conditions_only: bool = False) -> DifferentialResult:
    """Rank the candidate sources of pain felt in ``regions``, weighed by ``findings``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph from :func:`kg.graph.to_networkx` (or :func:`kg.load`).
    regions : the painful body regions (ids, labels or synonyms).
    findings : symptoms and signs (ids, labels or synonyms); red flags among them are
        reported first.
    max_depth : longest route, in relations (as in :func:`kg.trace.trace`).
    leaders : how many leading candidates get "what to check next".
    conditions_only : rank clinical conditions only (a clinician's view); structures then
        appear only inside the conditions' routes. Scores are unchanged.

    Returns
    -------
    DifferentialResult
        ``red_flags`` (never suppressed), candidates ranked by score (see the module
        docstring), next tests for the leaders.

    Raises
    ------
    UnknownTermError
        If a region or finding names nothing (with the nearest names).
    KGError
        If a term names the wrong kind of thing, or no region is given.
    """
    traced = _resolve_regions(G, regions, max_depth)
    region_ids = [r for r, _ in traced]
    finding_ids = _resolve_findings(G, findings)
    red = _red_flags(G, finding_ids)
    red_ids = {rf.condition for rf in red}

    merged: dict[str, DifferentialCandidate] = {}
    for region, result in traced:
        for cand in result.candidates:
            dc = merged.get(cand.id)
            if dc is None:
                dc = merged[cand.id] = DifferentialCandidate(
                    Candidate(cand.id, cand.label, list(cand.types)),
                    {r: 0.0 for r in region_ids})
            dc.region_scores[region] = cand.score
            dc.candidate.routes.extend(cand.routes)

    links = {f: _finding_edges(G, f) for f in finding_ids}
    linked: set[str] = set()
    for dc in merged.values():
        dc.candidate.routes.sort(key=lambda r: (-r.strength, len(r.nodes)))
        dc.supporting, dc.against = _finding_links(G, dc, links)
        linked.update(x.finding for x in (*dc.supporting, *dc.against))
        dc.red_flag = dc.id in red_ids

    ranked = sorted(merged.values(),
                    key=lambda c: (-c.score, -c.coverage, -c.evidence, c.label))
    if conditions_only:
        conditions = set(nodes_of_type(G, "kg:Condition"))  # asserted or inherited type
        ranked = [c for c in ranked if c.id in conditions]
    tests = _next_tests(G, ranked, leaders)
    red_triggers = {f for rf in red for f in rf.triggered_by}
    unlinked = [f for f in finding_ids if f not in linked and f not in red_triggers]
    return DifferentialResult(G, region_ids, finding_ids, ranked, red, tests, unlinked,
                              max_depth, leaders, conditions_only)


# --- text ----------------------------------------------------------------------------------


def _wrap(text: str, indent: str = "    ", first: str | None = None, width: int = 100) -> str:
    return textwrap.fill(text, width=width, initial_indent=first if first is not None else indent,
                         subsequent_indent=indent)


def _accuracy_text(acc: dict[str, Any]) -> str:
    parts = []
    for key, name in (("sensitivity", "Sn"), ("specificity", "Sp")):
        if acc.get(key) is not None:
            parts.append(f"{name} {100 * float(acc[key]):.0f}%")
    for key, name in (("lr_positive", "LR+"), ("lr_negative", "LR-")):
        if acc.get(key) is not None:
            parts.append(f"{name} {float(acc[key]):.3g}")
    return ", ".join(parts)


def _test_line(G: nx.MultiDiGraph, t: NextTest) -> str:
    label = G.nodes[t.id]["label"]
    targets = ", ".join(G.nodes[x]["label"] for x in t.targets)
    figures = "; ".join(f"{_accuracy_text(a)}{_cite(G, a['sources'])}" for a in t.accuracy)
    text = f"{label} (for {targets})"
    if figures:
        text += f": {figures}"
    else:
        text += f": no published accuracy in the graph{_cite(G, t.sources)}"
    if t.discriminating:
        others = ", ".join(G.nodes[c]["label"] for c in t.separates)
        text += f" — separates: bears on {others} only"
    return text


def _text_report(result: DifferentialResult, limit: int, detail: int) -> str:
    G = result.graph
    lines: list[str] = []
    if result.red_flags:
        bar = "!" * 78
        lines += [bar, "!! RED FLAGS: assess these first, whatever the ranking below says", bar]
        for rf in result.red_flags:
            data = G.nodes[rf.condition]
            trig = ", ".join(G.nodes[f]["label"] for f in rf.triggered_by)
            urgency = data.get("urgency") or "urgency not stated"
            lines.append(f"!! {data['label'].upper()}: {urgency}")
            if data.get("action"):
                lines.append(_wrap(f"action: {data['action']}", "!!    ", "!!    "))
            lines.append(_wrap(f"triggered by: {trig}{_cite(G, rf.sources)}", "!!    ", "!!    "))
        lines += [bar, ""]
    regions = " + ".join(G.nodes[r]["label"] for r in result.regions)
    lines.append(f"Differential for pain in: {regions}")
    if result.findings:
        lines.append("Findings: " + "; ".join(G.nodes[f]["label"] for f in result.findings))
    kind = "candidate conditions" if result.conditions_only else "candidate sources"
    lines.append(f"{len(result.candidates)} {kind} (routes of up to "
                 f"{result.max_depth} relations)")
    lines.append("score = painful regions explained + mean route evidence + findings "
                 "(sum of log10 LR)")
    lines.append("")
    shown = result.candidates[:limit]
    if not shown:
        lines.append("No route in the graph reaches these regions.")
    else:
        n = len(result.regions)
        header = (f"{'#':>2}  {'candidate':<36} {'type':<12} {'explains':>8} {'findings':>8} "
                  f"{'score':>6}")
        lines += [header, "-" * len(header)]
        for i, c in enumerate(shown, 1):
            flag = " (!)" if c.red_flag else ""
            lines.append(f"{i:>2}  {(c.label + flag)[:36]:<36} {short_type(G, c.id)[:12]:<12} "
                         f"{f'{c.coverage}/{n}':>8} {c.finding_shift:>+8.2f} {c.score:>6.2f}")
        if len(result.candidates) > limit:
            lines.append(f"… and {len(result.candidates) - limit} more (use --limit or --json)")
        for i, c in enumerate(result.candidates[:detail], 1):
            lines += ["", f"{i}. {c.label} ({short_type(G, c.id)})"]
            missing = [G.nodes[r]["label"] for r, s in c.region_scores.items() if s <= 0]
            if missing:
                lines.append(_wrap("does not explain: " + ", ".join(missing)))
            lines.append("  why:")
            for region in result.regions:
                route = next((r for r in c.candidate.routes if _ends_in(G, r, region)), None)
                if route is not None:
                    lines.append(_wrap(route.explanation, "      ", "    - "))
            if c.supporting:
                lines.append("  for:")
                lines += [_wrap(x.explain(G, c.id), "      ", "    + ") for x in c.supporting]
            if c.against:
                lines.append("  against:")
                lines += [_wrap(x.explain(G, c.id), "      ", "    - ") for x in c.against]
            if c.next_tests:
                lines.append("  check next:")
                lines += [_wrap(_test_line(G, t), "      ", "    > ") for t in c.next_tests[:4]]
    if result.unlinked_findings:
        lines += ["", _wrap("No link in the graph from these findings to any candidate: "
                            + "; ".join(G.nodes[f]["label"] for f in result.unlinked_findings),
                            "", "")]
    lines += ["", textwrap.fill(DISCLAIMER, width=100), ""]
    return "\n".join(lines)


def _ends_in(G: nx.MultiDiGraph, route: Route, region: str) -> bool:
    from kg.reason.trace import region_targets

    cache = G.graph.setdefault("_region_targets", {})
    if region not in cache:
        cache[region] = region_targets(G, region)
    return route.nodes[-1] in cache[region]
