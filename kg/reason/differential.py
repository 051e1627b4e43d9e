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
Candidates (every structure or condition some route reaches a painful region from) are ranked
by a naive-Bayes / noisy-OR score, as QMR-DT and DXplain rank a differential:

    score(c) = log10( prior(c) x Π_regions P(pain in r | c) x Π_findings LR(f, c)^share )

- **prior**: how common c is among people presenting with pain in these regions, from the
  ``kg:causeOfPainIn`` figures of the chosen ``setting``; a documented default per prevalence
  category, or a global default where nothing is published (:mod:`kg.reason.bayes`).
- **regions**: P(pain in r | c) from c's routes, noisy-OR with a small leak for a region no
  route reaches and less for one c is published not to reach; "lies in the region" counts as
  a place, below a measured referral (:func:`kg.reason.bayes.region_likelihood`). Explaining
  every painful region beats explaining some because the leak is small, not by a count.
- **findings**: ``finding kg:supports X`` / ``kg:arguesAgainst X`` / ``kg:redFlagFor X`` and
  ``X kg:presentsWith finding`` links, and the ``kg:testFor X`` accuracy of the test a finding
  is the positive result of (by name: "positive straight leg raise" is the positive "straight
  leg raise test"), present (LR+) or stated absent (LR-): a published LR,
  else one computed from a sensitivity and a specificity of the same source, else (present,
  and only for a link that claims the finding discriminates) the grade default ``1 + 4w``
  (grade A: LR 3). A bare frequency or a ``presents with`` link is a sensitivity and gives
  *no usable LR*; such findings are listed (``findings_without_usable_lr``). A finding about a
  structure weighs on a candidate in proportion (``share``) to the route strength that runs
  through it (up to a load step: a structure the candidate only loads hurts in its own
  right): pain-free hip rotation against the hip joint weighs fully against hip
  osteoarthritis, and a reduced patellar reflex for the L3 root supports an upper lumbar disc
  herniation only in the part of its evidence that runs through the L3 root. A structure the
  condition directly affects but that carries none of its routes here gets ``1 / number of
  such structures``. A finding in favour of a condition also supports the structures it
  affects; a finding against a condition does not count against the structure. Each finding
  counts once per candidate: its strongest link in favour and its strongest against.

``probability`` is ``10**score`` normalised over the candidate *conditions*: the model's
probability over the conditions in the graph, not the patient's (the graph does not hold every
cause of pain, and the factors are treated as independent). Structures get a score, no
probability. ``contributions`` lists every factor with its figure and study.

Red flags first: a red-flag condition that a present finding triggers and that has a route to a
painful region is listed at the head of the ranking (red flags among themselves by score),
whatever its score, with its rank by score alone (``score_rank``); the banner says where it
stands and why. The banner itself stays in urgency order.

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
from collections.abc import Sequence
from typing import Any

import networkx as nx

from kg.errors import KGError, UnknownTermError
from kg.explain.contributions import PROBABILITY_NOTE, SCORE_NOTE
from kg.explain.report import differential_text, finding_sentence, red_flag_why
from kg.explain.words import DISCLAIMER, frequency_text, short_type, source_refs
from kg.graph.build import (
    PART_OF,
    node_ref,
    nodes_of_type,
    pain_index,
    region_targets,
    types_of,
)
from kg.graph.resolve import names, normalise, resolve
from kg.reason.bayes import (
    DEFAULT_LR_SCALE,
    DEFAULT_PRIOR,
    MAX_LR,
    SETTINGS,
    STRUCTURAL_LINKS,
    finding_lr,
    prior,
    region_likelihood,
    step_probability,
)
from kg.reason.trace import HTML_VIEWS, Candidate, Route, trace

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
    "resolve_setting",
]

FINDING = "kg:Finding"
REGION = "kg:BodyRegion"
#: Kept for callers of the old scale: the grade-default LR scale now lives in kg.reason.bayes.
FREQUENCY_CAP = 0.5
#: A condition is tied to the structure that becomes the pain generator by these relations.
LINK_PREDICATES = STRUCTURAL_LINKS
_URGENCY_ORDER = ("emergency", "immediate", "same-day", "same day", "urgent", "soon")


# --- data ----------------------------------------------------------------------------------


class FindingLink:
    """How one given finding (present or absent) weighs on one candidate, through one link.

    (Plain classes here, not dataclasses: this module is imported by ``import kg``, and class
    generation by ``@dataclass`` costs milliseconds each on every cold start.)
    """

    __slots__ = ("basis", "finding", "frequency", "lr", "present", "relation", "share",
                 "sources", "target")

    def __init__(self, finding: str, relation: str, target: str, lr: float | None, basis: str,
                 share: float, sources: tuple[str, ...], frequency: float | None = None,
                 present: bool = True) -> None:
        self.finding = finding
        self.relation = relation  # supports | argues against | presents with | is a red flag for
        self.target = target  # the node the link names (the candidate, or what it runs through)
        self.lr = lr  # None: the link has no usable likelihood ratio
        self.basis = basis  # where the LR comes from (or why there is none)
        self.share = share  # fraction of the candidate's evidence the link bears on
        self.sources = sources
        self.frequency = frequency
        self.present = present

    def __repr__(self) -> str:
        lr = "None" if self.lr is None else f"{self.lr:.3g}"
        return (f"FindingLink({self.finding!r}, {self.relation!r}, {self.target!r}, "
                f"lr={lr}, share={self.share:.3g}, present={self.present})")

    @property
    def effect(self) -> float:
        """Contribution to the score: ``share x log10(LR)`` (0 without a usable LR)."""
        return 0.0 if self.lr is None else self.share * math.log10(self.lr)

    def to_dict(self, G: nx.MultiDiGraph, candidate: str) -> dict[str, Any]:
        out = {
            **node_ref(G, self.finding),
            "relation": self.relation,
            "present": self.present,
            "likelihood_ratio": None if self.lr is None else round(self.lr, 3),
            "lr_basis": self.basis,
            "share": round(self.share, 3),
            "effect": round(self.effect, 4),
            "frequency": self.frequency,
            "sources": source_refs(G, list(self.sources)),
            "explanation": self.explain(G, candidate),
        }
        if self.target != candidate:
            out["via"] = node_ref(G, self.target)
        return out

    def explain(self, G: nx.MultiDiGraph, candidate: str) -> str:
        """The link as one cited sentence (words are the explain layer's)."""
        return finding_sentence(G, self, candidate)


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
            **node_ref(G, self.id),
            "test_for": [node_ref(G, t) for t in self.targets],
            "accuracy": [
                {**a, "sources": source_refs(G, a["sources"])} for a in self.accuracy
            ],
            "sources": source_refs(G, list(self.sources)),
            "bears_on": [node_ref(G, c) for c in self.separates],
            "discriminating": self.discriminating,
            "informativeness": round(self.informativeness, 3),
        }


class RedFlag:
    """A serious condition some given finding points to, reported before any ranking."""

    __slots__ = ("condition", "rank", "score_rank", "sources", "triggered_by", "why")

    def __init__(self, condition: str, triggered_by: list[str] | None = None,
                 sources: list[str] | None = None) -> None:
        self.condition = condition
        self.triggered_by = triggered_by if triggered_by is not None else []
        self.sources = sources if sources is not None else []
        self.rank: int | None = None  # its place in the ranked list (None: no route here)
        self.score_rank: int | None = None  # its place by score alone
        self.why = ""

    def __repr__(self) -> str:
        return f"RedFlag({self.condition!r}, triggered_by={self.triggered_by!r})"

    def to_dict(self, G: nx.MultiDiGraph) -> dict[str, Any]:
        data = G.nodes[self.condition]
        return {
            "condition": {"id": self.condition, "label": data.get("label", self.condition)},
            "urgency": data.get("urgency"),
            "action": data.get("action"),
            "triggered_by": [node_ref(G, f) for f in self.triggered_by],
            "sources": source_refs(G, sorted(set(self.sources))),
            "rank": self.rank,
            "score_rank": self.score_rank,
            "why": self.why,
        }


class RegionFactor:
    """P(pain in one painful region | candidate), with the route and steps it comes from."""

    __slots__ = ("basis", "likelihood", "region", "route")

    def __init__(self, region: str, likelihood: float, route: Route | None, basis: str) -> None:
        self.region = region
        self.likelihood = likelihood
        self.route = route
        self.basis = basis

    def to_dict(self, G: nx.MultiDiGraph) -> dict[str, Any]:
        steps = []
        if self.route is not None:
            props = G.graph.get("properties", {})
            for i, e in enumerate(self.route.edges):
                p, why = step_probability(
                    e, props.get(e["predicate"], {}).get("default_weight", 0.5), first=i == 0)
                steps.append({
                    "from": node_ref(G, e["from"]), "to": node_ref(G, e["to"]),
                    "predicate": e["predicate"], "label": e["label"],
                    "probability": round(p, 4), "basis": why,
                    "frequency": e["frequency"], "frequency_text": frequency_text(e, G) or None,
                    "sources": source_refs(G, e["sources"]),
                })
        return {
            "region": node_ref(G, self.region),
            "likelihood": round(self.likelihood, 4),
            "log10": round(math.log10(self.likelihood), 4),
            "basis": self.basis,
            "mechanism": self.route.mechanism if self.route is not None else None,
            "steps": steps,
            "explanation": self.route.explanation if self.route is not None else "",
        }


class DifferentialCandidate:
    """One candidate source with its routes to every painful region and its findings."""

    __slots__ = ("against", "candidate", "factors", "next_tests", "prior", "probability",
                 "red_flag", "region_scores", "supporting", "unusable")

    def __init__(self, candidate: Candidate, region_scores: dict[str, float]) -> None:
        self.candidate = candidate
        self.region_scores = region_scores  # painful region -> trace score (0: not explained)
        self.supporting: list[FindingLink] = []
        self.against: list[FindingLink] = []
        self.unusable: list[FindingLink] = []  # links of given findings with no usable LR
        self.next_tests: list[NextTest] = []
        self.red_flag = False
        self.prior: dict[str, Any] = {"value": DEFAULT_PRIOR, "basis": "global default",
                                      "sources": []}
        self.factors: list[RegionFactor] = []
        self.probability: float | None = None  # over the candidate conditions (model's)

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
        """Σ share x log10(LR) over the findings (present and absent)."""
        return sum(link.effect for link in (*self.supporting, *self.against))

    @property
    def region_log(self) -> float:
        """Σ log10 P(pain in r | c) over the painful regions."""
        return sum(math.log10(f.likelihood) for f in self.factors)

    @property
    def log_score(self) -> float:
        """log10(prior x Π P(region | c) x Π LR^share), unrounded."""
        return math.log10(self.prior["value"]) + self.region_log + self.finding_shift

    @property
    def score(self) -> float:
        return round(self.log_score, 4)

    def contributions(self, G: nx.MultiDiGraph) -> dict[str, Any]:
        """Every factor of the score, with its figure and study (see the module docstring)."""
        pr = self.prior
        findings = [{**x.to_dict(G, self.id), "direction": "for" if x.effect > 0 else "against"}
                    for x in (*self.supporting, *self.against)]
        findings += [{**x.to_dict(G, self.id), "direction": "none"} for x in self.unusable]
        return {
            "score": self.score,
            "probability": None if self.probability is None else round(self.probability, 4),
            "probability_note": PROBABILITY_NOTE,
            "prior": {
                "value": pr["value"], "log10": round(math.log10(pr["value"]), 4),
                "basis": pr["basis"],
                "region": node_ref(G, pr["region"]) if pr.get("region") else None,
                "setting": pr.get("setting"),
                "cohort": pr.get("cohort"), "cohort_kind": pr.get("cohort_kind"),
                "population": pr.get("population"),
                "via_condition": (node_ref(G, pr["condition"])
                                  if pr.get("condition") and pr["condition"] != self.id
                                  else None),
                "sources": source_refs(G, list(pr.get("sources", ()))),
            },
            "regions": [f.to_dict(G) for f in self.factors],
            "findings": findings,
        }

    def to_dict(self, G: nx.MultiDiGraph, with_contributions: bool = True) -> dict[str, Any]:
        base = self.candidate.to_dict(G)
        base.update({
            "score": self.score,
            "probability": None if self.probability is None else round(self.probability, 4),
            "prior": self.prior["value"],
            "prior_basis": self.prior["basis"],
            "region_likelihoods": {f.region: round(f.likelihood, 4) for f in self.factors},
            "trace_score": self.candidate.score,
            "region_scores": {r: round(s, 4) for r, s in self.region_scores.items()},
            "coverage": self.coverage,
            "evidence": round(self.evidence, 4),
            "finding_shift": round(self.finding_shift, 4),
            "explains": [node_ref(G, r) for r, s in self.region_scores.items() if s > 0],
            "does_not_explain": [node_ref(G, r) for r, s in self.region_scores.items() if s <= 0],
            "supporting_findings": [x.to_dict(G, self.id) for x in self.supporting],
            "against_findings": [x.to_dict(G, self.id) for x in self.against],
            "findings_without_usable_lr": [x.to_dict(G, self.id) for x in self.unusable],
            "next_tests": [t.to_dict(G) for t in self.next_tests],
            "red_flag": self.red_flag,
            # the condition/structure pairing, so a page or a reader can group the two levels
            "affects": [node_ref(G, v) for _, v, key in G.out_edges(self.id, keys=True)
                        if key in LINK_PREDICATES],
            "affected_by": [node_ref(G, u) for u in sorted(_caused_by(G, self.id))],
            "contributions": self.contributions(G) if with_contributions else None,
        })
        return base


class DifferentialResult:
    """Red flags, then ranked candidates, for one presentation (regions and findings)."""

    def __init__(self, graph: nx.MultiDiGraph, regions: list[str], findings: list[str],
                 candidates: list[DifferentialCandidate], red_flags: list[RedFlag],
                 next_tests: list[NextTest], unlinked_findings: list[str], max_depth: int = 4,
                 leaders: int = 5, conditions_only: bool = False,
                 absent: list[str] | None = None, setting: str | None = None,
                 unusable_findings: list[tuple[str, bool, str]] | None = None) -> None:
        self.graph = graph
        self.regions = regions
        self.findings = findings
        self.absent = absent if absent is not None else []
        self.setting = setting
        self.candidates = candidates
        self.red_flags = red_flags  # never suppressed, reported before the ranking
        self.next_tests = next_tests
        self.unlinked_findings = unlinked_findings
        #: (finding, present?, why) for given findings whose links carry no usable LR
        self.unusable_findings = unusable_findings if unusable_findings is not None else []
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
                "regions": [node_ref(G, r) for r in self.regions],
                "findings": [node_ref(G, f) for f in self.findings],
                "absent": [node_ref(G, f) for f in self.absent],
                "setting": self.setting,
                "max_depth": self.max_depth,
                "conditions_only": self.conditions_only,
            },
            "score_note": SCORE_NOTE,
            "probability_note": PROBABILITY_NOTE,
            "red_flags": [rf.to_dict(G) for rf in self.red_flags],
            "candidates": [c.to_dict(G, with_contributions=i < self.leaders)
                           for i, c in enumerate(self.candidates)],
            "next_tests": [t.to_dict(G) for t in self.next_tests],
            "unlinked_findings": [node_ref(G, f) for f in self.unlinked_findings],
            "findings_without_usable_lr": [
                {**node_ref(G, f), "present": present, "reason": why}
                for f, present, why in self.unusable_findings],
            "disclaimer": DISCLAIMER,
        }

    def rank_of(self, node: str) -> int | None:
        """1-based rank of a candidate, or None when it is not among them."""
        for i, c in enumerate(self.candidates, 1):
            if c.id == node:
                return i
        return None

    def to_text(self, limit: int = 10, detail: int = 5) -> str:
        return differential_text(self, limit=limit, detail=detail)

    def _repr_html_(self) -> str | None:  # Jupyter
        view = HTML_VIEWS.get("differential")
        return None if view is None else view(self.to_dict())


# --- helpers -------------------------------------------------------------------------------


def likelihood_ratio(edge: dict[str, Any], positive: bool) -> tuple[float, str]:
    """The likelihood ratio a *present* finding's link carries, and where it comes from.

    ``positive``: the link is in favour (supports, red flag for); else it is against. A link
    with no usable LR (a frequency alone is a sensitivity) counts as LR 1. See
    :func:`kg.reason.bayes.finding_lr` for absent findings and ``presents with`` links.

    >>> likelihood_ratio({"evidence": [{"lr_positive": 4.29}], "weight": 0.5}, True)
    (4.29, 'published LR+')
    >>> likelihood_ratio({"evidence": [{"grade": "A"}], "weight": 0.5}, True)
    (3.0, 'evidence grade')
    >>> likelihood_ratio({"evidence": [{"grade": "B", "frequency": 0.47}], "frequency": 0.47},
    ...                  True)
    (1.0, 'a frequency (sensitivity) only, no specificity')
    """
    lr, basis = finding_lr(edge, positive, True, "supports" if positive else "argues against")
    return (1.0 if lr is None else lr), basis


def resolve_setting(setting: str | None) -> str | None:
    """The vocabulary term of a ``--setting`` name ("sports", "primary care", kg:sportsMedicine).

    >>> resolve_setting("primary-care"), resolve_setting(None)
    ('kg:primaryCare', None)
    """
    if setting is None or not str(setting).strip():
        return None
    key = str(setting).strip()
    if key in SETTINGS.values():
        return key
    word = key.casefold().replace("_", "-").replace(" ", "-")
    aliases = {**SETTINGS, "sports-medicine": "kg:sportsMedicine", "emergency-care":
               "kg:emergencyCare", "specialist-care": "kg:specialistCare",
               "specialist-clinic": "kg:specialistCare"}
    if word in aliases:
        return aliases[word]
    raise KGError(f"unknown setting {setting!r}; use one of {', '.join(SETTINGS)}")


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
        if node is not None and FINDING in types_of(G, node) and REGION not in types_of(G, node):
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
    """Fraction of a candidate's route strength that runs through ``node`` as part of its own
    pain pathway. A structure the candidate only *loads* (hip-spine syndrome loads the lumbar
    spine) hurts in its own right: a finding that points to it as the generator is not
    evidence for what loads it, so a route counts only up to its biomechanical step."""
    total = sum(r.strength for r in routes)
    if total <= 0:
        return 0.0
    through = 0.0
    for r in routes:
        if node not in r.nodes[1:]:
            continue
        i = r.nodes.index(node)
        if all(e["mechanism"] != "biomechanical" for e in r.edges[:i]):
            through += r.strength
    return through / total


def _finding_edges(G: nx.MultiDiGraph, f: str, present: bool = True
                   ) -> list[tuple[str, str, bool, dict, float | None, str]]:
    """(target, relation, in favour?, edge, LR or None, basis) for every clinical link of f."""
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
    for test in _tests_of_finding(G, f):
        for _, target, key, data in G.out_edges(test, keys=True, data=True):
            if key == "kg:testFor":
                out.append((target, "is a positive test for", True, data))
    return [(t, rel, pos, data, *finding_lr(data, pos, present, rel))
            for t, rel, pos, data in out]


def _tests_of_finding(G: nx.MultiDiGraph, f: str) -> list[str]:
    """The diagnostic tests a finding is the positive result of, by name: "positive straight leg
    raise" is the positive "straight leg raise (test)", so that test's published accuracy on
    its kg:testFor axioms gives the finding's LR+ (present) and LR- (absent)."""
    by_name = G.graph.get("_tests_by_name")
    if by_name is None:
        by_name = {}
        for t in nodes_of_type(G, "kg:DiagnosticTest"):
            data = G.nodes[t]
            for n in (data.get("label", ""), *data.get("synonyms", ())):
                key = normalise(n)
                by_name.setdefault(key, set()).add(t)
                if key.endswith(" test"):
                    by_name.setdefault(key[:-5], set()).add(t)
        G.graph["_tests_by_name"] = by_name
    data = G.nodes[f]
    out: set[str] = set()
    for n in (data.get("label", ""), *data.get("synonyms", ())):
        key = normalise(n)
        if key.startswith("positive "):
            out |= by_name.get(key[len("positive "):], set())
    return sorted(out)


def _caused_by(G: nx.MultiDiGraph, structure: str) -> set[str]:
    """Conditions that directly affect, compress or entrap a structure."""
    return {u for u, _, key in G.in_edges(structure, keys=True) if key in LINK_PREDICATES}


def _finding_links(G: nx.MultiDiGraph, cand: DifferentialCandidate,
                   links: dict[tuple[str, bool], list[tuple[str, str, bool, dict,
                                                            float | None, str]]]
                   ) -> tuple[list[FindingLink], list[FindingLink], list[FindingLink]]:
    """The findings for, against, and without a usable LR, of one candidate."""
    supporting: list[FindingLink] = []
    against: list[FindingLink] = []
    unusable: list[FindingLink] = []
    if not any(links.values()):
        return supporting, against, unusable
    routes = cand.candidate.routes
    upstream = _caused_by(G, cand.id)
    direct = {v for _, v, key in G.out_edges(cand.id, keys=True) if key in LINK_PREDICATES}
    for (f, present), edges in links.items():
        best_for: FindingLink | None = None
        best_against: FindingLink | None = None
        no_lr: FindingLink | None = None
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
                               tuple(data.get("sources", ())), data.get("frequency"), present)
            if lr is None:
                if no_lr is None or link.share > no_lr.share:
                    no_lr = link
                continue
            if link.effect > 0 and (best_for is None or link.effect > best_for.effect):
                best_for = link
            if link.effect < 0 and (best_against is None or link.effect < best_against.effect):
                best_against = link
        if best_for is not None:
            supporting.append(best_for)
        if best_against is not None:
            against.append(best_against)
        if best_for is None and best_against is None and no_lr is not None:
            unusable.append(no_lr)
    supporting.sort(key=lambda x: -x.effect)
    against.sort(key=lambda x: x.effect)
    return supporting, against, unusable


def _related(G: nx.MultiDiGraph, node: str) -> set[str]:
    """The candidate, the structures it affects (or conditions affecting it), and wholes."""
    near = {node}
    near |= {v for _, v, key in G.out_edges(node, keys=True) if key in LINK_PREDICATES}
    near |= _caused_by(G, node)
    wholes = {v for n in near for _, v, key in G.out_edges(n, keys=True) if key == PART_OF}
    return near | wholes


def _tests_for(G: nx.MultiDiGraph, nodes: set[str], candidate: str
               ) -> dict[str, list[tuple[str, dict]]]:
    """The tests of these nodes that apply to the candidate: a test validated only on some
    levels or conditions (``kg:validatedFor``: Suri 2011's femoral stretch test, L2-L4) is
    offered only where the candidate is, or affects, one of them (not for the L1 root)."""
    levels = {candidate} | {v for _, v, key in G.out_edges(candidate, keys=True)
                            if key in STRUCTURAL_LINKS}
    tests: dict[str, list[tuple[str, dict]]] = {}
    for n in nodes:
        for t, _, key, data in G.in_edges(n, keys=True, data=True):
            if key != "kg:testFor":
                continue
            valid = {v for i in data.get("evidence", ()) for v in i.get("validated_for", ())}
            if valid and not valid & levels:
                continue
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
    per_leader = {c.id: _tests_for(G, _related(G, c.id), c.id) for c in lead}
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


def _blocked_regions(G: nx.MultiDiGraph, node: str, regions: list[str],
                     blocked: set[tuple[str, str]]) -> set[str]:
    """Painful regions that the candidate, or a structure it affects, is published not to
    refer pain to (``kg:doesNotReferPainTo``)."""
    near = {node} | {v for _, v, key in G.out_edges(node, keys=True) if key in LINK_PREDICATES}
    out: set[str] = set()
    for x, r in blocked:
        if x in near:
            out.update(t for t in regions if t in region_targets(G, r))
    return out


def differential(G: nx.MultiDiGraph, regions: Sequence[str], findings: Sequence[str] = (),
                 max_depth: int = 4, leaders: int = 5, conditions_only: bool = False,
                 absent: Sequence[str] = (), setting: str | None = None
                 ) -> DifferentialResult:
    """Rank the candidate sources of pain felt in ``regions``, weighed by ``findings``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph from :func:`kg.graph.project.to_networkx` (or :func:`kg.load`).
    regions : the painful body regions (ids, labels or synonyms).
    findings : symptoms and signs present (ids, labels or synonyms); red flags among them are
        reported first.
    max_depth : longest route, in relations (as in :func:`kg.trace.trace`).
    leaders : how many leading candidates get "what to check next" and contributions in JSON.
    conditions_only : rank clinical conditions only (a clinician's view); structures then
        appear only inside the conditions' routes. Scores are unchanged.
    absent : findings stated absent (weighed by their LR-, where one is published).
    setting : where the patient is seen ("primary-care", "sports", "emergency",
        "specialist"), choosing the priors measured there; None: any setting.

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
        If a term names the wrong kind of thing, no region is given, the setting is unknown,
        or one finding is given both present and absent.
    """
    setting_term = resolve_setting(setting)
    traced = _resolve_regions(G, regions, max_depth)
    region_ids = [r for r, _ in traced]
    finding_ids = _resolve_findings(G, findings)
    absent_ids = _resolve_findings(G, absent)
    both = [f for f in finding_ids if f in absent_ids]
    if both:
        raise KGError(f"{G.nodes[both[0]]['label']!r} is given both present and absent; "
                      "give each finding once")
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

    by_region = {region: result for region, result in traced}
    _, _, blocked = pain_index(G)
    links = {(f, True): _finding_edges(G, f, True) for f in finding_ids}
    links.update({(f, False): _finding_edges(G, f, False) for f in absent_ids})
    linked: set[str] = set()
    no_lr: dict[tuple[str, bool], str] = {}
    prior_cache: dict[str, dict[str, Any]] = {}
    conditions = set(nodes_of_type(G, "kg:Condition"))  # asserted or inherited type
    for dc in merged.values():
        dc.candidate.routes.sort(key=lambda r: (-r.strength, len(r.nodes)))
        dc.prior = prior(G, dc.id, region_ids, setting_term, prior_cache)
        off = _blocked_regions(G, dc.id, region_ids, blocked) if blocked else set()
        for region in region_ids:
            here = by_region[region].candidates
            routes: list[Route] = next((c.routes for c in here if c.id == dc.id), [])
            p, lead, basis = region_likelihood(G, routes, region in off)
            dc.factors.append(RegionFactor(region, p, lead, basis))
        dc.supporting, dc.against, dc.unusable = _finding_links(G, dc, links)
        linked.update(x.finding for x in (*dc.supporting, *dc.against))
        for x in dc.unusable:
            no_lr.setdefault((x.finding, x.present), x.basis)
        dc.red_flag = dc.id in red_ids

    by_score = sorted(merged.values(),
                      key=lambda c: (-c.log_score, -c.coverage, -c.evidence, c.label))
    total = sum(10 ** c.log_score for c in by_score if c.id in conditions)
    for c in by_score:
        if c.id in conditions and total > 0:
            c.probability = 10 ** c.log_score / total
    if conditions_only:
        by_score = [c for c in by_score if c.id in conditions]
    ranked = ([c for c in by_score if c.id in red_ids]  # red flags first, by score
              + [c for c in by_score if c.id not in red_ids])
    score_rank = {c.id: i for i, c in enumerate(by_score, 1)}
    for rf in red:
        rf.rank = next((i for i, c in enumerate(ranked, 1) if c.id == rf.condition), None)
        rf.score_rank = score_rank.get(rf.condition)
        rf.why = red_flag_why(G, rf, merged.get(rf.condition), len(by_score))
    tests = _next_tests(G, ranked, leaders)
    red_triggers = {f for rf in red for f in rf.triggered_by}
    unlinked = [f for f in finding_ids if f not in linked and f not in red_triggers]
    unusable = [(f, present, why) for (f, present), why in no_lr.items() if f not in linked]
    return DifferentialResult(G, region_ids, finding_ids, ranked, red, tests, unlinked,
                              max_depth, leaders, conditions_only, absent_ids, setting_term,
                              unusable)
