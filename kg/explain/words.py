"""Say routes in words, with their citations, and lay results out as text tables."""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import networkx as nx

from kg.graph.build import types_of

if TYPE_CHECKING:
    from kg.reason.trace import TraceResult

__all__ = [
    "DISCLAIMER",
    "accuracy_figures",
    "cite",
    "evidence_flags",
    "explain_negative",
    "explain_route",
    "figure_text",
    "frequency_text",
    "short_type",
    "source_refs",
    "spinal_order",
    "the",
    "trace_table",
]

DISCLAIMER = (
    "A teaching and reasoning aid, not a diagnosis: it shows routes the literature describes, "
    "not what is wrong with a particular person. Anyone with pain, and above all with a red "
    "flag, should be assessed by a clinician."
)

_TYPE_WORDS = {
    "kg:BodyRegion": "body region",
    "kg:Dermatome": "dermatome",
    "kg:SpinalNerveRoot": "nerve root",
    "kg:PeripheralNerve": "peripheral nerve",
    "kg:NervePlexus": "nerve plexus",
    "kg:Nerve": "nerve",
    "kg:IntervertebralDisc": "disc",
    "kg:Vertebra": "vertebra",
    "kg:Joint": "joint",
    "kg:Muscle": "muscle",
    "kg:Ligament": "ligament",
    "kg:Bone": "bone",
    "kg:Organ": "organ",
    "kg:Vessel": "vessel",
    "kg:RedFlag": "red flag",
    "kg:Finding": "finding",
    "kg:Condition": "condition",
    "kg:DiagnosticTest": "test",
    "kg:ExternalClass": "UBERON class",
    "kg:AnatomicalStructure": "structure",
    "kg:AnatomicalEntity": "anatomy",
}


def short_type(G: nx.MultiDiGraph, node: str) -> str:
    """A one-word kind for a node ('joint', 'nerve root', 'condition')."""
    types = G.nodes[node].get("types", ())
    for curie, word in _TYPE_WORDS.items():
        if curie in types:
            return word
    return "entity" if not types else types[0].split(":", 1)[-1]


def source_refs(G: nx.MultiDiGraph, ids: Sequence[str]) -> list[dict[str, str]]:
    """``[{"id", "citation", "short"}]`` for source CURIEs, in the order given."""
    catalogue = G.graph.get("sources", {})
    out = []
    for sid in ids:
        rec = catalogue.get(sid, {})
        out.append({"id": sid, "citation": rec.get("citation", sid),
                    "short": rec.get("short", sid)})
    return out


def cite(G: nx.MultiDiGraph, ids: Iterable[str]) -> str:
    """' [Slipman 2000; Lesher 2008]' for source CURIEs, each once, in the order given."""
    shorts = [r["short"] for r in source_refs(G, list(dict.fromkeys(ids)))]
    return f" [{'; '.join(shorts)}]" if shorts else ""


#: How each accuracy figure is named and shown, in the order a clinician reads them.
_ACCURACY = (("sensitivity", "sensitivity", "pct"), ("specificity", "specificity", "pct"),
             ("lr_positive", "LR+", "num"), ("lr_negative", "LR\u2212", "num"))


def accuracy_figures(*items: Mapping[str, Any]) -> list[str]:
    """Published accuracy as short figures, each once: 'sensitivity 94%', 'LR+ 4.29'.

    >>> accuracy_figures({"sensitivity": 0.94, "lr_positive": 4.29, "lr_negative": 0.08})
    ['sensitivity 94%', 'LR+ 4.29', 'LR− 0.08']
    """
    out: list[str] = []
    for item in items:
        for key, name, kind in _ACCURACY:
            value = item.get(key)
            if value is None:
                continue
            text = (f"{name} {100 * float(value):.0f}%" if kind == "pct"
                    else f"{name} {float(value):.3g}")
            if text not in out:
                out.append(text)
    return out


_SEGMENT = re.compile(r"\b([CTLS])(\d+)\b")


def spinal_order(label: str) -> tuple[int, int, str]:
    """Sort key that puts spinal levels head to tail ('T12 …' before 'L1 …' before 'S1 …'),
    and other labels after them, alphabetically.

    >>> sorted(["L1 nerve root", "groin", "T12 nerve root"], key=spinal_order)
    ['T12 nerve root', 'L1 nerve root', 'groin']
    """
    m = _SEGMENT.search(label or "")
    if m:
        return ("CTLS".index(m.group(1)), int(m.group(2)), label)
    return (9, 0, label or "")


#: How a study design is said after its figure ("" where the cohort's noun says it).
_DESIGN_WORDS = {"kg:blockConfirmed": "block-confirmed", "kg:injectionSeries": "injection series",
                 "kg:animalStudy": "in animals", "kg:caseReport": "a case report",
                 "kg:volunteerStudy": "in volunteers"}
#: Cohorts counted as things examined, not people: "in 37 dissections", not "of 37".
_ANIMALS = frozenset({"animals", "rats", "mice", "rabbits"})
_EXAMINED = frozenset({"dissections", "specimens", "joints", "blocks"}) | _ANIMALS


def percent_text(share: float) -> str:
    """A share as a percentage a reader can trust: '14%', but '0.7%' (8 of 1,172), not '1%'.

    >>> percent_text(0.14), percent_text(0.0068), percent_text(0.0)
    ('14%', '0.7%', '0%')
    """
    pct = 100 * share
    if 0 < pct < 9.5 and round(pct) != round(pct, 1):
        return f"{pct:.1f}%"
    return f"{pct:.0f}%"


def figure_text(item: Mapping[str, Any], study: str = "") -> str:
    """One study's figure with whom it was measured on: '14% of 50 patients, block-confirmed',
    '100% in 37 dissections', '55% of 2224 patients, pooled from 40 studies'.

    >>> figure_text({"frequency": 0.14, "cohort": 50, "cohort_kind": "patients",
    ...              "study_design": "kg:blockConfirmed"}, "Slipman et al. 2000")
    '14% of 50 patients, block-confirmed, Slipman et al. 2000'
    >>> figure_text({"frequency": 1.0, "cohort": 37, "cohort_kind": "dissections"})
    '100% in 37 dissections'
    """
    text = percent_text(float(item["frequency"]))
    kind = str(item.get("cohort_kind") or "")
    if item.get("cohort"):
        text += f" {'in' if kind in _EXAMINED else 'of'} {item['cohort']}"
        text += f" {kind}" if kind else ""
    design = item.get("study_design")
    if design == "kg:pooledReview":
        n = item.get("pooled_studies")
        text += f", pooled from {n} studies" if n else ", pooled from several studies"
    elif _DESIGN_WORDS.get(str(design)) and not (design == "kg:animalStudy" and kind in _ANIMALS):
        text += f", {_DESIGN_WORDS[str(design)]}"
    if item.get("among_region_pain"):  # P(source | region), not P(region | source)
        text = f"the source in {text} with pain there"
    return f"{text}, {study}" if study else text


def frequency_text(edge: Mapping[str, Any], G: nx.MultiDiGraph | None = None) -> str:
    """Every published figure of a relation, each with whom it was measured on ('' if none).

    Where several studies measured it, the range and each study by name ('14–47% in 3
    studies: ...'); with ``G``, a figure on a relation that cites more than one source names
    its own study, so no figure reads as the finding of a list of citations.
    """
    figures = sorted((i for i in edge.get("evidence", ()) if i.get("frequency") is not None),
                     key=lambda i: float(i["frequency"]))
    if not figures:
        return ""
    name = G is not None and len(edge.get("sources", ())) > 1

    def study(item: Mapping[str, Any]) -> str:
        if not name or G is None:
            return ""
        return "; ".join(r["short"] for r in source_refs(G, list(item.get("sources", ()))))

    if len(figures) == 1:
        return figure_text(figures[0], study(figures[0]))
    lo, hi = (percent_text(float(figures[i]["frequency"]))[:-1] for i in (0, -1))
    return (f"{lo}–{hi}% in {len(figures)} studies: "
            + "; ".join(figure_text(i, study(i)) for i in figures))


def _frequency_note(edge: Mapping[str, Any], G: nx.MultiDiGraph | None = None) -> str:
    text = frequency_text(edge, G)
    return f" ({text})" if text else ""


def evidence_flags(edge: Mapping[str, Any]) -> list[str]:
    """What every piece of a relation's evidence is, when all agree: 'hypothesis', 'expert
    opinion', 'in animals' (a relation with one study of people among them has no flag)."""
    items = edge.get("evidence", ())
    if not items:
        return []
    out = []
    if all(i.get("hypothesis") for i in items):
        out.append("hypothesis")
    if all(i.get("expert_opinion") for i in items):
        out.append("expert opinion")
    if all(i.get("study_design") == "kg:animalStudy" for i in items):
        out.append("in animals")
    return out


#: How each flag reads after a step of a route sentence.
_FLAG_WORDS = {"hypothesis": "a hypothesis: association only"}


def _flags(edge: Mapping[str, Any]) -> str:
    flags = evidence_flags(edge)
    return f" ({_FLAG_WORDS.get(flags[0], flags[0])})" if flags else ""


def _step(G: nx.MultiDiGraph, edge: dict[str, Any]) -> str:
    u, v = edge["from"], edge["to"]
    if edge.get("direction") == "backward":  # the triple points against the pain
        u, v = v, u
    template = G.graph.get("properties", {}).get(edge["predicate"], {}).get(
        "template", "{s} " + edge.get("label", edge["predicate"]) + " {o}")
    subject = G.nodes[u]["label"]
    if _plural(subject):
        template = _plural_verb(template)
    text = template.format(s=subject, o=G.nodes[v]["label"])
    named = ({s for i in edge.get("evidence", ()) if i.get("frequency") is not None
              for s in i.get("sources", ())} if len(edge.get("sources", ())) > 1 else set())
    rest = [s for s in edge.get("sources", ()) if s not in named]  # not already named
    return text + _frequency_note(edge, G) + _flags(edge) + cite(G, rest)


def _plural(label: str) -> bool:
    """'lumbar facet joints' is plural; 'psoas major', 'pubis', 'gluteus medius' are not.

    >>> [_plural(x) for x in ("lumbar facet joints", "pubis", "gluteus medius", "sacrum")]
    [True, False, False, False]
    """
    last = label.split()[-1] if label.split() else ""
    return last.endswith("s") and not last.endswith(("ss", "us", "is", "as", "ys"))


def _plural_verb(template: str) -> str:
    """Make the verb after the subject agree with a plural subject.

    >>> [_plural_verb(t) for t in ("the {s} lies in the {o}", "the {s} supplies the {o}")]
    ['the {s} lie in the {o}', 'the {s} supply the {o}']
    """
    head, sep, rest = template.partition("{s} ")
    if not sep or not rest:
        return template
    verb, _, tail = rest.partition(" ")
    if verb.endswith("ies") and len(verb) > 4:  # supplies → supply, but lies → lie
        verb = verb[:-3] + "y"
    elif verb.endswith(("sses", "shes", "ches", "xes")):
        verb = verb[:-2]
    elif verb.endswith("s"):
        verb = verb[:-1]
    return f"{head}{sep}{verb} {tail}".rstrip()


_NO_ARTICLE = frozenset({"kg:Condition", "kg:Finding", "kg:RedFlag", "kg:DiagnosticTest"})


def the(G: nx.MultiDiGraph, node: str) -> str:
    """A node's label as it stands in a sentence: 'the sacroiliac joint', but 'hip
    osteoarthritis' (conditions, findings and tests take no article)."""
    label = str(G.nodes[node].get("label", node))
    return label if types_of(G, node) & _NO_ARTICLE else f"the {label}"


def explain_route(G: nx.MultiDiGraph, nodes: Sequence[str], edges: Sequence[dict[str, Any]],
                  region: str, forward: bool = False) -> str:
    """One plain sentence for a route, each step cited.

    Backward: "Pain in the groin can come from the sacroiliac joint: the sacroiliac joint
    refers pain to the groin (14% of 50) [Slipman et al. 2000]."
    """
    steps = "; ".join(_step(G, e) for e in edges)
    end = nodes[-1]
    if forward:
        head = f"{the(G, nodes[0])} can cause pain in {the(G, end)}"
    else:
        head = f"pain in {the(G, region)} can come from {the(G, nodes[0])}"
    tail = ""
    if not forward and end != region:
        tail = f" ({the(G, end)} is part of {the(G, region)})"
    sentence = f"{head}: {steps}{tail}."
    return sentence[0].upper() + sentence[1:]


def explain_negative(G: nx.MultiDiGraph, structure: str, region: str,
                     edge: dict[str, Any]) -> str:
    """Why a route is ruled out: the published negative finding, cited."""
    comment = next((i["comment"] for i in edge.get("evidence", ()) if i.get("comment")), "")
    note = f" {comment.rstrip('.')}." if comment else ""
    text = (f"{the(G, structure)} is not a source of pain in {the(G, region)}: it did not "
            f"refer pain there in published block studies.{note}"
            f"{cite(G, edge.get('sources', ()))}")
    return text[0].upper() + text[1:]


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def trace_table(result: TraceResult, limit: int = 15) -> str:
    """The ranked table printed by ``kg trace``, then the best route of each in words."""
    G = result.graph
    width = max(80, min(shutil.get_terminal_size((120, 24)).columns, 160))
    label = G.nodes[result.query]["label"]
    shown = result.candidates[:limit]
    if result.direction == "backward":
        title = f"Candidate sources of pain in the {label}"
    else:
        title = f"Where pain from the {label} can be felt"
    lines = [f"{title} ({len(result.candidates)} found, routes of up to "
             f"{result.max_depth} relations)", ""]
    if not shown:
        lines.append("No route in the graph reaches this term.")
    else:
        route_w = max(24, width - 76)
        header = (f"{'#':>2}  {'candidate':<32} {'type':<12} {'mechanism':<13} {'score':>5}  "
                  f"{'route':<{route_w}}  evidence")
        lines += [header, "-" * min(width, len(header) + 20)]
        for i, cand in enumerate(shown, 1):
            best = cand.routes[0]
            route = " → ".join(G.nodes[n]["label"] for n in best.nodes)
            cites = sorted({s for e in best.edges for s in e["sources"]})
            evidence = "; ".join(r["short"] for r in source_refs(G, cites))
            lines.append(
                f"{i:>2}  {_clip(cand.label, 32):<32} {_clip(short_type(G, cand.id), 12):<12} "
                f"{_clip('/'.join(cand.mechanisms), 13):<13} {cand.score:>5.2f}  "
                f"{_clip(route, route_w):<{route_w}}  {_clip(evidence, 40)}")
        if len(result.candidates) > limit:
            lines.append(f"… and {len(result.candidates) - limit} more (use --limit or --json)")
        lines += ["", "Why:"]
        for i, cand in enumerate(shown, 1):
            wrapped = textwrap.fill(cand.routes[0].explanation, width=min(width, 110),
                                    initial_indent=f"{i:>2}. ", subsequent_indent="    ")
            more = len(cand.routes) - 1
            lines.append(wrapped + (f"\n    (+{more} more route{'s' * (more > 1)})"
                                    if more else ""))
    if result.negative:
        lines += ["", "Ruled out by published negative evidence:"]
        for neg in result.negative:
            lines.append(textwrap.fill(neg["explanation"], width=min(width, 110),
                                       initial_indent="  - ", subsequent_indent="    "))
    lines += ["", textwrap.fill(DISCLAIMER, width=min(width, 110)), ""]
    return "\n".join(lines)
