"""The numbers behind the differential's ranking: priors, region likelihoods, finding LRs.

The differential ranks candidate sources ``c`` of pain felt in regions ``R`` with findings
``F+`` present and ``F-`` absent by a naive-Bayes / noisy-OR score (as QMR-DT and DXplain do):

    posterior(c)  ∝  prior(c) x Π_r P(pain in r | c) x Π_f∈F+ LR+(f, c) x Π_f∈F- LR-(f, c)

This module holds the parts and their documented defaults; :mod:`kg.reason.differential`
multiplies them in and explains each factor.

Priors
------
``lp:COND kg:causeOfPainIn lp:REGION`` with ``kg:frequency`` on its axiom is the share of people
presenting with pain in REGION whose pain is COND, measured in a ``kg:setting``. A condition's
prior is its largest such share over the painful regions (and the regions they are part of),
from axioms of the chosen setting (:data:`DEFAULT_SETTING`, primary care, where most people
with back or groin pain first present, when none is chosen) or of no stated setting. A share
measured in one setting is never carried to another (Hölmich 2007's 58% adductor-related groin
pain is of athletes in a sports clinic, and applies with ``--setting sports`` only); where
several studies measured one region, the largest cohort's; else
``kg:prevalenceCategory`` turns into :data:`CATEGORY_PRIORS` (common 10%, uncommon 1%, rare
0.1%: the order of magnitude the word conventionally means, not a measured figure); else
:data:`DEFAULT_PRIOR` (1%, the same as "uncommon": nothing known either way). A structure's
prior is the largest prior of the conditions that affect, compress or entrap it (it is the pain
generator when one of them is the cause), else the default. The prior double-counts a region
the share was measured in (it is P(c | pain in r), then P(r | c) is multiplied in): an accepted
approximation that keeps the shares as published.

Region likelihoods
------------------
P(pain in r | c) is a noisy-OR with a leak over c's routes to r, one per mechanism (the
strongest; routes of one mechanism share a pathway, see :mod:`kg.reason.trace`):

    P(r | c) = 1 - (1 - LEAK) x Π_mechanism (1 - p(route))

A route's probability is the product of its steps' probabilities ``p(step)``:

- a step with a published frequency (a referral study: Slipman 2000, Lesher 2008, Kurosawa
  2017, ...) counts at that frequency, pooled by cohort size where several studies measured it
  (SIJ to groin: 14% of 50, Slipman 2000, and 46.5% of 127, Kurosawa 2017: 37%); the grade
  default is used only where no study gives a figure. A share of *region* pain
  (``kg:frequencyAmongRegionPain``, Hölmich 2007) is P(c | r), a prior, not P(r | c), so it
  is not used here;
- the condition's own link to its structure (affects, compresses, entraps) counts 1: if the
  condition is the cause, that structure's pain is its pain;
- **containment is not referral**: a ``kg:locatedIn`` step with no published frequency counts
  :data:`CONTAINMENT_LIKELIHOOD` (0.25), whatever its grade. Lying in a region makes a
  structure a *place* pain can come from (the teaching view), not a measured share of its pain
  felt there, so it stays below a measured referral (the hip joint refers to the groin in 55%,
  Lesher 2008; the femoral canal merely lies there);
- any other step counts at its grade default, the relation's default weight x grade weight
  (see :func:`kg.graph.build.evidence_weight`);
- association-only (hypothesis) and expert-opinion steps are discounted as in the trace.

A region no route of c reaches counts :data:`LEAK` (2%: pain can be felt where no route says),
so a candidate that explains every painful region beats one that explains some *because* the
leak is small, not by a separate count. A region c (or a structure c affects) is published *not*
to refer to (``kg:doesNotReferPainTo``), with no other route, counts :data:`NOT_REACHED` (0.2%):
negative evidence counts against.

Findings
--------
See :func:`finding_lr`: published LR+ or LR- first, then LRs computed from a sensitivity *and*
a specificity of the same source, then (present findings only) the grade default ``1 + 4w``
of a link that carries no figure at all (grade A: LR 3, B 2.6, C 2; a source naming the
finding as pointing to, against, or characteristic of the target, as before). A link whose
only figure is a frequency is a measured *sensitivity*: it says nothing of how often the
finding occurs without the condition (pain below the knee in 47% of hip osteoarthritis, Khan
2004, is as common in sciatica), so it is *no usable LR* (LR 1) and is reported as such; so is
an absent finding without a published or computable LR-.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from kg.graph.build import (
    CONTAINMENT_WEIGHT,
    GRADE_WEIGHTS,
    LOCATED_IN,
    PART_OF,
    discount,
    pooled_frequency,
)

__all__ = [
    "CATEGORY_PRIORS",
    "CONTAINMENT_LIKELIHOOD",
    "DEFAULT_LR_SCALE",
    "DEFAULT_PRIOR",
    "DEFAULT_SETTING",
    "LEAK",
    "MAX_LR",
    "NOT_REACHED",
    "SETTINGS",
    "STRUCTURAL_LINKS",
    "finding_lr",
    "prior",
    "region_likelihood",
    "route_probability",
]

#: The documented default prior of each prevalence word (an order of magnitude, not a figure).
CATEGORY_PRIORS: dict[str, float] = {"common": 0.10, "uncommon": 0.01, "rare": 0.001}
#: A condition with no published prior at all: the same as "uncommon".
DEFAULT_PRIOR = 0.01
#: P(pain in a region | c) when no route of c reaches it.
LEAK = 0.02
#: P(pain in a region | c) when c's structure is published not to refer pain there.
NOT_REACHED = 0.002
#: p of a kg:locatedIn step without a published frequency ("lies in the region"): the graph's
#: one containment weight.
CONTAINMENT_LIKELIHOOD = CONTAINMENT_WEIGHT
#: A link's weight w (grade x default) becomes LR 1 + DEFAULT_LR_SCALE * w when nothing is
#: published: grade A with no figure (w = 0.5) counts as LR 3.
DEFAULT_LR_SCALE = 4.0
#: Likelihood ratios are clamped to [1/MAX_LR, MAX_LR] (published "infinite" LRs included).
MAX_LR = 20.0
#: A condition's link to the structure that becomes the pain generator.
STRUCTURAL_LINKS = ("kg:affects", "kg:compresses", "kg:entraps")
#: ``--setting`` names and the vocabulary terms they stand for.
SETTINGS: dict[str, str] = {
    "primary-care": "kg:primaryCare",
    "sports": "kg:sportsMedicine",
    "emergency": "kg:emergencyCare",
    "specialist": "kg:specialistCare",
}
#: The setting whose priors count when none is chosen.
DEFAULT_SETTING = "kg:primaryCare"
CONDITION = "kg:Condition"
REGION = "kg:BodyRegion"


# --- priors --------------------------------------------------------------------------------


def _regions_up(G: nx.MultiDiGraph, regions: Iterable[str]) -> set[str]:
    """The painful regions and every region they are part of (groin pain is pelvic pain)."""
    out = set(regions)
    frontier = list(out)
    while frontier:
        node = frontier.pop()
        for _, whole, key in G.out_edges(node, keys=True):
            if key == PART_OF and whole not in out and REGION in G.nodes[whole].get("types", ()):
                out.add(whole)
                frontier.append(whole)
    return out


def _prior_items(G: nx.MultiDiGraph, condition: str, regions: set[str]
                 ) -> list[tuple[str, dict[str, Any]]]:
    return [(v, item) for _, v, key, data in G.out_edges(condition, keys=True, data=True)
            if key == "kg:causeOfPainIn" and v in regions for item in data.get("evidence", ())]


def _condition_prior(G: nx.MultiDiGraph, condition: str, regions: set[str],
                     setting: str | None) -> dict[str, Any]:
    items = _prior_items(G, condition, regions)
    setting = setting or DEFAULT_SETTING
    # a share measured in one setting is not carried to another (58% of athletes' groin pain
    # is adductor-related in a sports clinic, Hölmich 2007; not in a 70-year-old in primary
    # care): a figure counts only in its own setting, or everywhere when none is stated
    chosen = [(r, i) for r, i in items if i.get("frequency") is not None
              and i.get("setting") in (None, setting)]
    basis = "published share"
    if chosen:
        # per region the best-measured figure (largest cohort), then the largest over regions
        per_region: dict[str, dict[str, Any]] = {}
        for r, i in sorted(chosen, key=lambda x: (float(x[1].get("cohort") or 0),
                                                  float(x[1]["frequency"]))):
            per_region[r] = i
        region, item = max(per_region.items(), key=lambda x: (float(x[1]["frequency"]), x[0]))
        return {"value": float(item["frequency"]), "basis": basis, "region": region,
                "setting": item.get("setting"), "cohort": item.get("cohort"),
                "cohort_kind": item.get("cohort_kind"), "population": item.get("population"),
                "sources": list(item.get("sources", ())), "condition": condition}
    cats = [(r, i) for r, i in items if str(i.get("prevalence_category") or "") in CATEGORY_PRIORS
            and i.get("setting") in (None, setting)]
    if cats:
        region, item = max(cats, key=lambda x: (CATEGORY_PRIORS[str(x[1]["prevalence_category"])],
                                                x[0]))
        word = str(item["prevalence_category"])
        return {"value": CATEGORY_PRIORS[word], "basis": f"category default ({word})",
                "region": region, "setting": item.get("setting"), "category": word,
                "sources": list(item.get("sources", ())), "condition": condition}
    return {"value": DEFAULT_PRIOR, "basis": "global default (nothing published)",
            "region": None, "setting": None, "sources": [], "condition": condition}


def prior(G: nx.MultiDiGraph, node: str, regions: Iterable[str], setting: str | None = None,
          cache: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The prior of a candidate among people with pain in ``regions``, and where it comes from.

    ``setting`` is a vocabulary term (``kg:sportsMedicine``) or None (any setting).
    """
    cache = {} if cache is None else cache
    up = _regions_up(G, regions)

    def of(condition: str) -> dict[str, Any]:
        if condition not in cache:
            cache[condition] = _condition_prior(G, condition, up, setting)
        return cache[condition]

    types = set(G.nodes[node].get("all_types") or G.nodes[node].get("types") or ())
    if CONDITION in types:
        return of(node)
    causes = [u for u, _, key in G.in_edges(node, keys=True) if key in STRUCTURAL_LINKS
              and CONDITION in set(G.nodes[u].get("all_types") or G.nodes[u].get("types") or ())]
    if causes:
        best = max((of(c) for c in sorted(causes)), key=lambda p: p["value"])
        if best["basis"].startswith("global"):
            return {**best, "condition": None}
        return {**best, "basis": f"{best['basis']}, of the condition that affects it"}
    return {"value": DEFAULT_PRIOR, "basis": "global default (nothing published)",
            "region": None, "setting": None, "sources": [], "condition": None}


# --- region likelihoods --------------------------------------------------------------------


def _measured(items: list[dict[str, Any]]) -> tuple[float, str, float] | None:
    """The published frequency of a step (pooled over studies by cohort), its basis and the
    discount factor, or None when no study measured one."""
    with_freq = [i for i in items if i.get("frequency") is not None
                 and not i.get("among_region_pain")]
    pooled = pooled_frequency(with_freq)
    if pooled is None:
        return None
    p, studies = pooled
    sized = [i for i in with_freq if i.get("cohort")]
    if studies > 1:
        n = sum(float(i["cohort"]) for i in sized)
        return p, f"pooled frequency ({studies} studies, n = {n:.0f})", max(
            discount(i) for i in sized)
    best = max(with_freq, key=lambda i: (float(i.get("cohort") or 0), float(i["frequency"])))
    return p, "published frequency", discount(best)


def step_probability(edge: dict[str, Any], default_weight: float, first: bool
                     ) -> tuple[float, str]:
    """p(step) of one route step and its basis (see the module docstring)."""
    items = edge.get("evidence") or [{}]
    if first and edge["predicate"] in STRUCTURAL_LINKS:
        return min(1.0, max(discount(i) for i in items)), "the condition's structure"
    measured = _measured(items)
    if measured is not None:  # the grade default only where no study gives a figure
        p, why, factor = measured
        return min(1.0, p * factor), why
    if edge["predicate"] == LOCATED_IN:
        return CONTAINMENT_LIKELIHOOD * max(discount(i) for i in items), (
            "lies in the region (containment)")
    best = 0.0
    for item in items:
        grade = GRADE_WEIGHTS.get(item.get("grade") or "", GRADE_WEIGHTS["C"])
        best = max(best, grade * default_weight * discount(item))
    return min(1.0, best), "grade default"


def route_probability(G: nx.MultiDiGraph, edges: Iterable[dict[str, Any]]) -> float:
    """p(route): the product of its steps' probabilities."""
    props = G.graph.get("properties", {})
    p = 1.0
    for i, e in enumerate(edges):
        default = props.get(e["predicate"], {}).get("default_weight", 0.5)
        p *= step_probability(e, default, first=i == 0)[0]
    return p


def region_likelihood(G: nx.MultiDiGraph, routes: Iterable[Any], blocked: bool
                      ) -> tuple[float, Any, str]:
    """P(pain in the region | c) from c's routes there: (value, lead route or None, basis)."""
    best: dict[str, tuple[float, Any]] = {}
    for r in routes:
        p = route_probability(G, r.edges)
        if r.mechanism not in best or p > best[r.mechanism][0]:
            best[r.mechanism] = (p, r)
    if not best:
        return (NOT_REACHED, None, "published not to refer pain here") if blocked else (
            LEAK, None, "no route (leak)")
    miss = 1.0 - LEAK
    for p, _ in best.values():
        miss *= 1.0 - p
    lead = max(best.values(), key=lambda x: x[0])[1]
    return 1.0 - miss, lead, "routes (noisy-OR with leak)"


# --- findings ------------------------------------------------------------------------------


def _clamp(lr: float) -> float:
    return min(MAX_LR, max(1.0 / MAX_LR, lr))


def finding_lr(edge: dict[str, Any], in_favour: bool, present: bool, relation: str
               ) -> tuple[float | None, str]:
    """The LR one finding link carries, and its basis; None when no usable LR exists.

    ``in_favour``: the link says the finding points to its target (supports, presents with,
    red flag for); else it argues against it. ``present``: the finding is present (LR+) or
    stated absent (LR-).

    >>> finding_lr({"evidence": [{"lr_positive": 4.29}], "weight": 0.5}, True, True, "supports")
    (4.29, 'published LR+')
    >>> finding_lr({"evidence": [{"sensitivity": 0.9, "specificity": 0.8}]}, True, False,
    ...            "supports")
    (0.125, 'LR- from sensitivity and specificity')
    >>> finding_lr({"evidence": [{"grade": "A"}], "weight": 0.5}, True, True, "supports")
    (3.0, 'evidence grade')
    >>> finding_lr({"evidence": [{"frequency": 0.47}], "frequency": 0.47}, True, True,
    ...            "presents with")
    (None, 'a frequency (sensitivity) only, no specificity')
    """
    items = edge.get("evidence") or ()
    for item in items:
        lrp, lrn = item.get("lr_positive"), item.get("lr_negative")
        if present and in_favour and lrp:
            return _clamp(float(lrp)), "published LR+"
        if present and not in_favour and lrp is not None and float(lrp) < 1:
            return _clamp(float(lrp)), "published LR"
        if present and not in_favour and lrn is not None:
            return _clamp(float(lrn)), "published LR-"
        if not present and in_favour and lrn is not None:
            return _clamp(float(lrn)), "published LR-"
    for item in items:
        sn, sp = item.get("sensitivity"), item.get("specificity")
        if sn is None or sp is None or not in_favour:
            continue
        sn, sp = float(sn), float(sp)
        if present:
            return _clamp(round(sn / (1.0 - sp) if sp < 1 else MAX_LR, 6)), (
                "LR+ from sensitivity and specificity")
        return _clamp(round((1.0 - sn) / sp if sp > 0 else 1.0, 6)), (
            "LR- from sensitivity and specificity")
    if not present:
        return None, "no published LR- (absence not usable)"
    if any(i.get("frequency") is not None or i.get("sensitivity") is not None for i in items):
        return None, "a frequency (sensitivity) only, no specificity"
    if relation == "is a positive test for":
        return None, "the test's link carries no accuracy figures"
    w = float(edge.get("weight") or 0.0)
    lr = 1.0 + DEFAULT_LR_SCALE * w
    return _clamp(round(lr if in_favour else 1.0 / lr, 6)), "evidence grade"
