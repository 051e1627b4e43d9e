"""Quiz questions generated from the graph, so the quiz grows with the data.

Every question is a fact the graph asserts with its citations: which root's dermatome covers a
region, a neurogenic source of a region's pain, where a structure refers pain, which test tells
two candidate sources apart, which red flag points to a serious condition. Nothing is written
by hand: when the data gains a test or a red flag, the quiz gains a question. Each question has
exactly one correct option; the distractors are entities the graph does *not* link that way.

Pure Python on the networkx projection; the site (``kg site``) and ``kg quiz`` both use it.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from kg.errors import KGError
from kg.explain.words import explain_route, source_refs
from kg.graph.resolve import normalise

__all__ = ["KINDS", "Option", "Question", "grade", "make_quiz", "question_bank", "quiz_to_text"]

#: Question kinds, in the order a quiz cycles through them, with a heading for each.
KINDS: dict[str, str] = {
    "dermatome": "Dermatomes",
    "neurogenic": "Neurogenic sources",
    "referral": "Referred pain",
    "test": "Telling sources apart",
    "red_flag": "Red flags",
}

_MAX_OPTIONS = 4


@dataclass(frozen=True)
class Option:
    """One answer a student can pick."""

    id: str
    label: str


@dataclass(frozen=True)
class Question:
    """A multiple-choice question with one correct option, its explanation and citations."""

    kind: str
    prompt: str
    options: tuple[Option, ...]
    answer: str  # id of the correct option
    explanation: str
    sources: tuple[dict[str, str], ...] = field(default=())
    topic: str = ""  # the entity the question is about (for links)
    contrast: tuple[str, ...] = ()  # for "which test tells A from B": (A, B)

    @property
    def id(self) -> str:
        raw = "|".join([self.kind, self.topic, self.answer, *sorted(o.id for o in self.options)])
        return "q" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:10]

    @property
    def answer_letter(self) -> str:
        return "abcdefgh"[[o.id for o in self.options].index(self.answer)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "topic": self.topic,
            "prompt": self.prompt,
            "options": [{"id": o.id, "label": o.label, "letter": "abcdefgh"[i]}
                        for i, o in enumerate(self.options)],
            "answer": self.answer,
            "answer_letter": self.answer_letter,
            "explanation": self.explanation,
            "sources": list(self.sources),
            "contrast": list(self.contrast),
        }


def grade(question: Question, response: str) -> bool | None:
    """True/False for an answer given as a letter, a number, an option id or its label;
    None when the response names no option (so the caller can ask again).

    >>> q = Question("red_flag", "?", (Option("lp:a", "saddle numbness"), Option("lp:b", "fever")),
    ...              "lp:a", "")
    >>> grade(q, "A"), grade(q, "2"), grade(q, "Saddle numbness"), grade(q, "banana")
    (True, False, True, None)
    """
    text = response.strip()
    if not text:
        return None
    ids = [o.id for o in question.options]
    chosen: str | None = None
    low = text.casefold().rstrip(").")
    if len(low) == 1 and low in "abcdefgh"[: len(ids)]:
        chosen = ids["abcdefgh".index(low)]
    elif low.isdigit() and 1 <= int(low) <= len(ids):
        chosen = ids[int(low) - 1]
    else:
        wanted = normalise(text)
        for o in question.options:
            if wanted in (normalise(o.label), normalise(o.id)):
                chosen = o.id
    if chosen is None:
        return None
    return chosen == question.answer


# --- helpers ---------------------------------------------------------------------------------


def _label(G: nx.MultiDiGraph, node: str) -> str:
    return str(G.nodes[node].get("label", node))


def _has_type(G: nx.MultiDiGraph, node: str, curie: str) -> bool:
    data = G.nodes[node]
    return curie in data.get("types", ()) or curie in data.get("all_types", ())


def _edges(G: nx.MultiDiGraph, key: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for u, v, k, d in G.edges(keys=True, data=True):
        if k == key:
            yield u, v, d


def _step(u: str, v: str, d: dict[str, Any]) -> dict[str, Any]:
    return dict(d, **{"from": u, "to": v})


def _refs(G: nx.MultiDiGraph, ids: Sequence[str]) -> tuple[dict[str, str], ...]:
    seen: list[str] = []
    for s in ids:
        if s not in seen:
            seen.append(s)
    return tuple(source_refs(G, seen))


def _options(rng: random.Random, correct: Option, pool: Sequence[Option]) -> tuple[Option, ...]:
    distractors = [o for o in pool if o.id != correct.id]
    picked = rng.sample(distractors, min(len(distractors), _MAX_OPTIONS - 1))
    options = [correct, *picked]
    rng.shuffle(options)
    return tuple(options)


def _opt(G: nx.MultiDiGraph, node: str) -> Option:
    return Option(node, _label(G, node))


def _the(G: nx.MultiDiGraph, node: str) -> str:
    clinical = ("kg:Condition", "kg:Finding", "kg:RedFlag", "kg:DiagnosticTest")
    label = _label(G, node)
    return label if any(_has_type(G, node, t) for t in clinical) else f"the {label}"


# --- question generators ------------------------------------------------------------------
# Each takes the graph and a random generator and yields questions; a generator that finds
# no fact of its kind, or no wrong answer to offer beside the right one, yields nothing.

Generator = Callable[[nx.MultiDiGraph, random.Random], Iterator[Question]]


def _dermatome_questions(G: nx.MultiDiGraph, rng: random.Random) -> Iterator[Question]:
    """Which root's dermatome covers region R? (root -suppliesDermatome-> D -covers-> R)"""
    supplies = list(_edges(G, "kg:suppliesDermatome"))
    roots = sorted({u for u, _, _ in supplies})
    by_region: dict[str, list[tuple[str, str, dict, dict]]] = {}
    for derm, region, cover in _edges(G, "kg:dermatomeCovers"):
        for root, d2, supply in supplies:
            if d2 == derm:
                by_region.setdefault(region, []).append((root, derm, supply, cover))
    for region in sorted(by_region):
        routes = by_region[region]
        right = sorted({r for r, *_ in routes})
        wrong = [_opt(G, r) for r in roots if r not in right]
        if not wrong:
            continue
        root = rng.choice(right)
        root, derm, supply, cover = next(x for x in routes if x[0] == root)
        edges = (_step(root, derm, supply), _step(derm, region, cover))
        explanation = explain_route(G, (root, derm, region), edges, region)
        others = [f"the {_label(G, r)}" for r in right if r != root]
        if others:
            names = (", ".join(others[:-1]) + " and " + others[-1]) if len(others) > 1 else (
                others[0])
            explanation += f" The graph also maps the dermatome of {names} onto it."
        yield Question(
            "dermatome", f"Which nerve root's dermatome covers the {_label(G, region)}?",
            _options(rng, _opt(G, root), wrong), root, explanation,
            _refs(G, [*supply["sources"], *cover["sources"]]), region)


def _traces(G: nx.MultiDiGraph) -> dict[str, Any]:
    """Backward trace of every region, computed once per graph."""
    from kg.graph.index import memo
    from kg.reason.trace import REGION, trace

    def build() -> dict[str, Any]:
        regions = sorted(n for n, d in G.nodes(data=True) if REGION in d.get("types", ()))
        return {r: trace(G, r) for r in regions}

    return memo(G, "quiz_traces", build)


def _neurogenic_questions(G: nx.MultiDiGraph, rng: random.Random) -> Iterator[Question]:
    """Name a neurogenic source of pain in R (a candidate with a nerve-territory route)."""
    for region, result in _traces(G).items():
        neuro = [c for c in result.candidates if "neurogenic" in c.mechanisms]
        other = [c for c in result.candidates if "neurogenic" not in c.mechanisms]
        if not neuro or not other:
            continue
        pick = rng.choice(neuro)
        route = next(r for r in pick.routes if r.mechanism == "neurogenic")
        cites = [s for e in route.edges for s in e["sources"]]
        mechs = sorted({m for c in other for m in c.mechanisms})
        yield Question(
            "neurogenic",
            f"Name a neurogenic source (a route along a nerve's territory) of pain in the "
            f"{_label(G, region)}.",
            _options(rng, _opt(G, pick.id), [_opt(G, c.id) for c in other]), pick.id,
            route.explanation + f" The other options reach the {_label(G, region)} only by "
            f"{' or '.join(mechs)} routes.", _refs(G, cites), region)


def _referral_questions(G: nx.MultiDiGraph, rng: random.Random) -> Iterator[Question]:
    """Where does structure S refer pain? (S -refersPainTo-> R, published referral maps)

    Wrong options are regions no route of any kind reaches from S, so a region the graph
    reaches some other way is never marked wrong.
    """
    from kg.reason.trace import REGION, trace

    regions = sorted(n for n, d in G.nodes(data=True) if REGION in d.get("types", ()))
    refers: dict[str, list[tuple[str, dict]]] = {}
    for s, r, d in _edges(G, "kg:refersPainTo"):
        refers.setdefault(s, []).append((r, d))
    denied = {(s, r): d for s, r, d in _edges(G, "kg:doesNotReferPainTo")}
    for structure in sorted(refers):
        right = {r for r, _ in refers[structure]}
        near = {c for r in right for c in _region_family(G, r)}
        near |= {c.id for c in trace(G, structure, forward=True).candidates}
        wrong = [r for r in regions if r not in near]
        # A region the literature says it does *not* refer to is the most instructive wrong answer.
        denied_here = [r for (s, r) in denied if s == structure and r not in right]
        if not wrong and not denied_here:
            continue
        region, edge = rng.choice(sorted(refers[structure], key=lambda x: x[0]))
        pool = [_opt(G, r) for r in wrong]
        options = list(_options(rng, _opt(G, region), pool))
        note = ""
        if denied_here and not any(o.id in denied_here for o in options):
            options[next(i for i, o in enumerate(options) if o.id != region)] = _opt(
                G, denied_here[0])
        for o in options:
            if o.id in denied_here:
                d = denied[(structure, o.id)]
                note = (f" By contrast, {_the(G, structure)} did not refer pain to the "
                        f"{o.label} in published block studies.")
                cites_neg = d["sources"]
                break
        else:
            cites_neg = []
        step = _step(structure, region, edge)
        explanation = explain_route(G, (structure, region), (step,), region) + note
        yield Question(
            "referral", f"Where can pain from {_the(G, structure)} be felt?",
            tuple(options), region, explanation,
            _refs(G, [*edge["sources"], *cites_neg]), structure)


def _region_family(G: nx.MultiDiGraph, region: str) -> set[str]:
    """The region, its parts and what it is part of (not fair as a wrong answer)."""
    family = {region}
    for _, parent, k in G.out_edges(region, keys=True):
        if k in ("BFO:0000050", "obo:BFO_0000050"):
            family.add(parent)
    for child, _, k in G.in_edges(region, keys=True):
        if k in ("BFO:0000050", "obo:BFO_0000050"):
            family.add(child)
    return family


def _test_questions(G: nx.MultiDiGraph, rng: random.Random) -> Iterator[Question]:
    """Which test tells candidate A from candidate B as the source of pain in R?

    A test "points to" a candidate when it is a test for a node on one of the candidate's
    routes (the structure, root or condition); it separates A from B when it points to one and
    not the other.
    """
    tests: dict[str, list[tuple[str, dict]]] = {}
    for t, target, d in _edges(G, "kg:testFor"):
        tests.setdefault(t, []).append((target, d))
    if len(tests) < 2:
        return
    used: set[str] = set()
    per_region: dict[str, int] = {}
    traces = _traces(G)
    regions = sorted(traces)
    rng.shuffle(regions)
    for t in sorted(tests):
        targets = {x for x, _ in tests[t]}
        for region in regions:
            if t in used or per_region.get(region, 0) >= 2:
                continue
            cands = traces[region].candidates
            route_nodes = {c.id: {n for r in c.routes for n in r.nodes[:-1]} for c in cands}
            hit = [c for c in cands if route_nodes[c.id] & targets]
            if not hit:
                continue
            a = hit[0]
            # The other source reaches the region by a different mechanism altogether, so the
            # test separates two kinds of route (a hip joint's referred pain from a root's).
            miss = [c for c in cands if not route_nodes[c.id] & targets
                    and not set(c.mechanisms) & set(a.mechanisms)]
            if not miss:
                continue
            b = miss[0]
            wrong = [o for o in sorted(tests) if o != t
                     and bool(route_nodes[a.id] & {x for x, _ in tests[o]})
                     == bool(route_nodes[b.id] & {x for x, _ in tests[o]})]
            if not wrong:
                continue
            used.add(t)
            per_region[region] = per_region.get(region, 0) + 1
            target, edge = next((x, d) for x, d in tests[t] if x in route_nodes[a.id])
            acc = _accuracy(edge)
            explanation = (
                f"{_label(G, t)} is a test for {_the(G, target)}{acc}, which lies on the route "
                f"from {_the(G, a.id)} to the {_label(G, region)}; nothing on the route from "
                f"{_the(G, b.id)} is what it tests. The other options test both sources or "
                f"neither.")
            pair = [a, b]
            rng.shuffle(pair)
            yield Question(
                "test",
                f"Pain in the {_label(G, region)} could come from {_the(G, pair[0].id)} or from "
                f"{_the(G, pair[1].id)}. Which test helps tell them apart?",
                _options(rng, _opt(G, t), [_opt(G, o) for o in wrong]), t,
                explanation[0].upper() + explanation[1:], _refs(G, edge["sources"]), region,
                (a.id, b.id))


def _accuracy(edge: dict[str, Any]) -> str:
    parts = []
    for item in edge.get("evidence", ()):
        for key, word in (("sensitivity", "sensitivity"), ("specificity", "specificity"),
                          ("lr_positive", "LR+"), ("lr_negative", "LR−")):
            if item.get(key) is not None:
                value = item[key]
                text = f"{100 * value:.0f}%" if key in ("sensitivity", "specificity") else (
                    f"{value:g}")
                parts.append(f"{word} {text}")
        if parts:
            break
    return f" ({', '.join(parts)})" if parts else ""


def _red_flag_questions(G: nx.MultiDiGraph, rng: random.Random) -> Iterator[Question]:
    """Which red flag points to serious condition C? (flag -redFlagFor-> C)"""
    flags: dict[str, list[tuple[str, dict]]] = {}
    all_flags: set[str] = set()
    for f, c, d in _edges(G, "kg:redFlagFor"):
        flags.setdefault(c, []).append((f, d))
        all_flags.add(f)
    for condition in sorted(flags):
        right = {f for f, _ in flags[condition]}
        wrong = [_opt(G, f) for f in sorted(all_flags - right)]
        if not wrong:
            continue
        flag, edge = rng.choice(sorted(flags[condition], key=lambda x: x[0]))
        data = G.nodes[condition]
        urgency = f" Urgency: {data['urgency']}." if data.get("urgency") else ""
        action = f" Action: {data['action']}." if data.get("action") else ""
        others = sorted(_label(G, f) for f in right if f != flag)
        also = f" Other red flags for it in the graph: {', '.join(others)}." if others else ""
        text = f"{_label(G, flag)} is a red flag for {_label(G, condition)}."
        yield Question(
            "red_flag", f"Which red flag points to {_label(G, condition)}?",
            _options(rng, _opt(G, flag), wrong), flag,
            text[0].upper() + text[1:] + urgency + action + also,
            _refs(G, edge["sources"]), condition)


_GENERATORS: dict[str, Generator] = {
    "dermatome": _dermatome_questions,
    "neurogenic": _neurogenic_questions,
    "referral": _referral_questions,
    "test": _test_questions,
    "red_flag": _red_flag_questions,
}


def question_bank(G: nx.MultiDiGraph, seed: int = 0) -> dict[str, list[Question]]:
    """Every question the graph supports, by kind (the same seed gives the same bank)."""
    bank: dict[str, list[Question]] = {}
    for kind, gen in _GENERATORS.items():
        rng = random.Random(f"{seed}:{kind}")
        questions = list(gen(G, rng))
        if questions:
            bank[kind] = questions
    return bank


def make_quiz(G: nx.MultiDiGraph, seed: int | None = None, count: int = 5) -> list[Question]:
    """``count`` questions drawn from the bank, cycling through the kinds so a short quiz
    touches each topic; the same seed gives the same quiz.

    Raises
    ------
    KGError
        If ``count`` is below 1 or the graph has no facts to ask about.
    """
    if count < 1:
        raise KGError(f"--count {count} is too small; ask for at least 1 question")
    seed = random.randrange(1 << 30) if seed is None else seed
    bank = question_bank(G, seed)
    if not bank:
        raise KGError("the graph holds no facts a quiz question can be built from "
                      "(dermatomes, referral routes, tests or red flags)")
    rng = random.Random(seed)
    queues = {k: rng.sample(v, len(v)) for k, v in bank.items()}
    kinds = list(queues)
    rng.shuffle(kinds)
    quiz: list[Question] = []
    while len(quiz) < count and any(queues.values()):
        for kind in kinds:
            if queues[kind] and len(quiz) < count:
                quiz.append(queues[kind].pop())
    return quiz


def quiz_to_text(question: Question, number: int, total: int) -> str:
    """One question as the terminal shows it."""
    lines = [f"Question {number} of {total} · {KINDS.get(question.kind, question.kind)}",
             question.prompt]
    for i, o in enumerate(question.options):
        lines.append(f"  {'abcdefgh'[i]}) {o.label}")
    return "\n".join(lines)

