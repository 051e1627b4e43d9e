"""Quiz questions generated from the graph, under an open world.

The graph is open-world: a relation it does not state is *unknown*, not false. So a wrong
option is offered only when something in the graph says it is wrong, and each one carries
``why_wrong``, a sentence with its citation. Three things count, and only these:

* **negative evidence** -- a ``kg:doesNotReferPainTo`` axiom (a block study in which the
  structure did not refer pain there) makes "in block studies, S referred pain to R" false;
* **a documented rule** -- the ISNCSCI sensory examination (Kirshblum 2011; Chin 2018) tests
  each root at one key sensory point, and each point belongs to one level (S4-S5 are tested
  as one). So "which root is tested at the medial malleolus?" has one answer, and a root whose
  own key point the data records elsewhere is wrong *for that question*;
* nothing else. In particular, "the graph records this root's dermatome elsewhere" is **not**
  a disjointness: dermatomes overlap and vary (Lee 2008), and the recorded extents are partial
  (the data maps the genital region to L1 only, though S2-S3 supply it too). A root is
  therefore never offered as wrong for a *region*, only for a key point.

On top of that, no wrong option may be one that any route in the graph makes true: a root
whose forward trace reaches the question's region (or a region part of it or that it is part
of), from the root itself or from anything it is part of or that is part of it, is left out.

Where a fact has no justified wrong option, it is asked as **true or false** with its cited
reason (a fact the graph asserts is true; a negative-evidence claim is false), never padded with
unknowns. Each question has one prompt and one answer key, and a stable ``key`` (kind and the
fact it asks about), so a flashcard deck built from it updates on re-import.

Pure Python on the networkx projection; ``kg quiz``, the site and ``kg flashcards`` use it.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from kg.errors import KGError
from kg.explain.words import accuracy_figures, cite, explain_route, source_refs, the
from kg.graph.build import PART_OF
from kg.graph.resolve import normalise

__all__ = ["FORMATS", "KINDS", "Option", "Question", "grade", "make_quiz", "question_bank",
           "quiz_to_text", "reachable_regions"]

#: Question kinds, in the order a quiz cycles through them, with a heading for each.
KINDS: dict[str, str] = {
    "key_point": "Key sensory points",
    "dermatome": "Dermatomes",
    "neurogenic": "Neurogenic sources",
    "referral": "Referred pain",
    "test": "Tests",
    "red_flag": "Red flags",
}

#: How each kind is asked: one correct option among justified wrong ones, or true/false.
FORMATS: dict[str, str] = {
    "key_point": "choice",
    "dermatome": "true_false",
    "neurogenic": "true_false",
    "referral": "true_false",
    "test": "true_false",
    "red_flag": "true_false",
}

_MAX_OPTIONS = 4
_ISNCSCI = "ISNCSCI key sensory points"
_REGION = "kg:BodyRegion"


@dataclass(frozen=True)
class Option:
    """One answer a student can pick; a wrong one says why, with its citation.

    ``claim`` is what picking the option would assert, as (subject, region, mechanisms):
    the test checks that no route of those mechanisms (all, when empty) makes it true.
    """

    id: str
    label: str
    why_wrong: str = ""
    sources: tuple[dict[str, str], ...] = ()
    claim: tuple[str, str, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class Question:
    """A question with one correct option, its explanation and citations."""

    kind: str
    prompt: str
    options: tuple[Option, ...]
    answer: str  # id of the correct option
    explanation: str
    sources: tuple[dict[str, str], ...] = field(default=())
    topic: str = ""  # the entity the question is about (for links)
    contrast: tuple[str, ...] = ()
    key: str = ""  # the fact asked about, stable across builds and seeds

    @property
    def format(self) -> str:
        return FORMATS.get(self.kind, "choice")

    @property
    def id(self) -> str:
        raw = self.key or "|".join([self.kind, self.topic, self.answer,
                                    *sorted(o.id for o in self.options)])
        return "q" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:10]

    @property
    def answer_letter(self) -> str:
        return "abcdefgh"[[o.id for o in self.options].index(self.answer)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "kind": self.kind,
            "format": self.format,
            "topic": self.topic,
            "prompt": self.prompt,
            "options": [{"id": o.id, "label": o.label, "letter": "abcdefgh"[i],
                         **({} if o.id == self.answer else
                            {"why_wrong": o.why_wrong, "why_wrong_sources": list(o.sources)})}
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


def _edges(G: nx.MultiDiGraph, key: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for u, v, k, d in G.edges(keys=True, data=True):
        if k == key:
            yield u, v, d


def _step(u: str, v: str, d: dict[str, Any]) -> dict[str, Any]:
    return dict(d, **{"from": u, "to": v})


def _refs(G: nx.MultiDiGraph, ids: Iterable[str]) -> tuple[dict[str, str], ...]:
    return tuple(source_refs(G, list(dict.fromkeys(ids))))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _part_family(G: nx.MultiDiGraph, node: str) -> set[str]:
    """``node``, everything it is part of and everything part of it (transitively)."""
    family = {node}
    for nxt in (lambda n: (v for _, v, k in G.out_edges(n, keys=True) if k == PART_OF),
                lambda n: (u for u, _, k in G.in_edges(n, keys=True) if k == PART_OF)):
        frontier = [node]
        while frontier:
            for m in nxt(frontier.pop()):
                if m not in family:
                    family.add(m)
                    frontier.append(m)
    return family


def reachable_regions(G: nx.MultiDiGraph, source: str,
                      mechanisms: Sequence[str] = ()) -> set[str]:
    """Every region any route reaches from ``source`` or its part-of family (routes of the
    given mechanisms only, when given), closed under part-of: what a wrong option may not
    claim. A question on the L4-L5 facet joint inherits what the lumbar facet joints refer to.
    """
    from kg.graph.index import memo
    from kg.reason.trace import trace

    def build() -> dict[str, dict[str, set[str]]]:
        return {}

    cache: dict[str, dict[str, set[str]]] = memo(G, "quiz_reach", build)
    if source not in cache:
        per_mech: dict[str, set[str]] = {}
        for node in _part_family(G, source):
            if node not in G or _REGION in G.nodes[node].get("types", ()):
                continue
            for c in trace(G, node, forward=True, max_depth=6).candidates:
                for r in c.routes:
                    per_mech.setdefault(r.mechanism, set()).add(c.id)
        cache[source] = per_mech
    hit = {r for m, rs in cache[source].items() if not mechanisms or m in mechanisms
           for r in rs}
    return {f for r in hit for f in _part_family(G, r)}


def _true_false(G: nx.MultiDiGraph, kind: str, key: str, statement: str, truth: bool,
                explanation: str, sources: Sequence[str], topic: str,
                why_wrong: str = "", claim: tuple[str, str, tuple[str, ...]] | None = None
                ) -> Question:
    """A true/false question; ``why_wrong`` (with its citation) says why "true" is wrong for a
    false statement; for a true one the reason is written here from its sources."""
    refs = _refs(G, sources)
    if truth:  # the explanation above gives the route; the reason only needs to say so, cited
        why_wrong = f"It is true: the graph records it{cite(G, sources)}, as the explanation says."
    yes = Option("true", "True", "" if truth else why_wrong, () if truth else refs, claim)
    no = Option("false", "False", why_wrong if truth else "", refs if truth else ())
    return Question(kind, f"True or false: {statement}", (yes, no), "true" if truth else "false",
                    explanation, refs, topic, key=key)


# --- question generators ------------------------------------------------------------------
# Each takes the graph and a random generator and yields questions.

Generator = Callable[[nx.MultiDiGraph, random.Random], Iterator[Question]]

_LEVEL_ORDER = {"C": 0, "T": 1, "L": 2, "S": 3, "Co": 4}


def _level_key(G: nx.MultiDiGraph, root: str) -> tuple[int, int, str]:
    level = str(G.nodes[root].get("level", ""))
    m = re.match(r"([A-Za-z]+)(\d+)", level)
    if not m:
        return (9, 0, root)
    return (_LEVEL_ORDER.get(m.group(1), 9), int(m.group(2)), root)


def _point_text(comment: str) -> str:
    """'L4 key sensory point: the medial malleolus.' -> 'the medial malleolus'."""
    text = comment.rsplit(": ", 1)[-1].strip().rstrip(".")
    text = re.sub(r" \((?:T|L|S)\d+\)", "", text)  # "(T10)" would give the answer away
    text = text.split(", ", 1)[0]
    text = text[3:] if text.startswith("at ") else text
    if text.startswith(("midway", "halfway")):
        return "the point " + text
    return text if not text or text.startswith("the ") else "the " + text


def _key_points(G: nx.MultiDiGraph) -> dict[str, list[tuple[str, str, list[str]]]]:
    """root -> [(point, region, sources)] from the axioms citing the ISNCSCI key points."""
    derm_root = {d: r for r, d, _ in _edges(G, "kg:suppliesDermatome")}
    out: dict[str, list[tuple[str, str, list[str]]]] = {}
    for derm, region, d in _edges(G, "kg:dermatomeCovers"):
        root = derm_root.get(derm)
        if root is None:
            continue
        for item in d.get("evidence", ()):
            if item.get("map") == _ISNCSCI and "key sensory point" in item.get("comment", ""):
                point = _point_text(item["comment"])
                if point:
                    out.setdefault(root, []).append((point, region, list(item["sources"])))
    return out


def _key_point_questions(G: nx.MultiDiGraph, rng: random.Random) -> Iterator[Question]:
    """Which root does the ISNCSCI examination test at key point P? (one level per point)"""
    points = _key_points(G)
    by_point: dict[str, list[tuple[str, str, list[str]]]] = {}
    for root, items in points.items():
        for point, region, sources in items:
            by_point.setdefault(point, []).append((root, region, sources))
    for point in sorted(by_point):
        rows = by_point[point]
        right = sorted({r for r, _, _ in rows}, key=lambda r: _level_key(G, r))
        regions = sorted({g for _, g, _ in rows})
        answer = right[0]
        near = {f for g in regions for f in _part_family(G, g)}
        wrong: list[Option] = []
        for root in sorted(points, key=lambda r: _level_key(G, r)):
            if root in right:
                continue
            own = [(p, s) for p, _, s in points[root] if p != point]
            if not own or any(p == point for p, _, _ in points[root]):
                continue
            if reachable_regions(G, root) & near:
                continue  # a route makes it true for this region: not a fair wrong answer
            p, srcs = own[0]
            wrong.append(Option(
                root, _label(G, root),
                f"The ISNCSCI examination tests {the(G, root)} at its own key sensory point, "
                f"{p}, not at {point}{cite(G, srcs)}.",
                _refs(G, srcs), (root, regions[0], ())))
        if not wrong:
            continue
        picked = rng.sample(wrong, min(len(wrong), _MAX_OPTIONS - 1))
        options = [Option(answer, _label(G, answer)), *picked]
        rng.shuffle(options)
        srcs = [s for r, _, ss in rows if r == answer for s in ss]
        region_words = " and ".join(f"the {_label(G, g)}" for g in regions)
        shared = [f"the {_label(G, r)}" for r in right if r != answer]
        also = (f" {_cap(' and '.join(shared))} is tested at the same point (one level)."
                if shared else "")
        explanation = (f"The ISNCSCI sensory examination tests {the(G, answer)} at {point}, in "
                       f"{region_words}{cite(G, srcs)}.{also}")
        yield Question(
            "key_point",
            f"The ISNCSCI sensory examination tests each nerve root at one key sensory point. "
            f"Which root is tested at {point} ({region_words})?",
            tuple(options), answer, explanation, _refs(G, srcs), answer,
            key=f"key_point|{point}")


def _dermatome_questions(G: nx.MultiDiGraph, rng: random.Random) -> Iterator[Question]:
    """True or false: root X's dermatome covers region R (always true when asked: the data
    records coverage, never its absence)."""
    supplies = {d: (r, sd) for r, d, sd in _edges(G, "kg:suppliesDermatome")}
    seen: set[tuple[str, str]] = set()
    for derm, region, cover in sorted(_edges(G, "kg:dermatomeCovers"), key=lambda x: x[:2]):
        if derm not in supplies:
            continue
        root, supply = supplies[derm]
        if (root, region) in seen:
            continue
        seen.add((root, region))
        edges = (_step(root, derm, supply), _step(derm, region, cover))
        explanation = explain_route(G, (root, derm, region), edges, region)
        yield _true_false(
            G, "dermatome", f"dermatome|{root}|{region}",
            f"the dermatome of {the(G, root)} covers the {_label(G, region)}.", True,
            explanation, [*supply["sources"], *cover["sources"]], region)


def _traces(G: nx.MultiDiGraph) -> dict[str, Any]:
    """Backward trace of every region, computed once per graph."""
    from kg.graph.index import memo
    from kg.reason.trace import REGION, trace

    def build() -> dict[str, Any]:
        regions = sorted(n for n, d in G.nodes(data=True) if REGION in d.get("types", ()))
        return {r: trace(G, r) for r in regions}

    return memo(G, "quiz_traces", build)


def _neurogenic_questions(G: nx.MultiDiGraph, rng: random.Random) -> Iterator[Question]:
    """True or false: C can cause pain in R along a nerve's territory (a neurogenic route)."""
    for region, result in _traces(G).items():
        for c in result.candidates:
            # the route must end in the region itself (a sub-region is asked on its own)
            route = next((r for r in c.routes if r.mechanism == "neurogenic"
                          and r.nodes[-1] == region), None)
            if route is None:
                continue
            cites = [s for e in route.edges for s in e["sources"]]
            yield _true_false(
                G, "neurogenic", f"neurogenic|{c.id}|{region}",
                f"{the(G, c.id)} can cause pain in the {_label(G, region)} along a nerve's "
                f"territory (a neurogenic route).", True, route.explanation, cites, region)


def _referral_questions(G: nx.MultiDiGraph, rng: random.Random) -> Iterator[Question]:
    """True or false: pain from S can be felt in R (published referral maps), and the negative
    evidence: in block studies S referred pain to R (false, when no referral route says so)."""
    for s, r, d in sorted(_edges(G, "kg:refersPainTo"), key=lambda x: x[:2]):
        step = _step(s, r, d)
        explanation = explain_route(G, (s, r), (step,), r)
        yield _true_false(
            G, "referral", f"referral|{s}|{r}",
            f"pain from {the(G, s)} can be felt in the {_label(G, r)}.", True, explanation,
            d["sources"], s)
    for s, r, d in sorted(_edges(G, "kg:doesNotReferPainTo"), key=lambda x: x[:2]):
        if r in reachable_regions(G, s, ("somatic",)):
            continue  # some referral route says otherwise: not asked
        comment = next((i["comment"] for i in d.get("evidence", ()) if i.get("comment")), "")
        note = f" {comment.rstrip('.')}." if comment else ""
        text = (f"In published anaesthetic block studies {the(G, s)} did not refer pain to the "
                f"{_label(G, r)}{cite(G, d['sources'])}.{note}")
        yield _true_false(
            G, "referral", f"no_referral|{s}|{r}",
            f"in anaesthetic block studies, pain from {the(G, s)} was referred to the "
            f"{_label(G, r)}.", False, text, d["sources"], s,
            f"It is false: in published anaesthetic block studies {the(G, s)} did not refer "
            f"pain to the {_label(G, r)}{cite(G, d['sources'])}.", (s, r, ("somatic",)))


def _accuracy(edge: dict[str, Any]) -> str:
    figures = accuracy_figures(*edge.get("evidence", ()))
    return f" ({', '.join(figures)})" if figures else ""


def _test_questions(G: nx.MultiDiGraph, rng: random.Random) -> Iterator[Question]:
    """True or false: test T is a test for X (with its published accuracy)."""
    for t, target, d in sorted(_edges(G, "kg:testFor"), key=lambda x: x[:2]):
        fact = f"{_label(G, t)} is a test for {the(G, target)}{_accuracy(d)}"
        yield _true_false(
            G, "test", f"test|{t}|{target}", f"{_label(G, t)} is a test for {the(G, target)}.",
            True, _cap(fact) + cite(G, d["sources"]) + ".", d["sources"], target)


def _red_flag_questions(G: nx.MultiDiGraph, rng: random.Random) -> Iterator[Question]:
    """True or false: flag F is a red flag for serious condition C."""
    for flag, condition, d in sorted(_edges(G, "kg:redFlagFor"), key=lambda x: x[:2]):
        data = G.nodes[condition]
        urgency = f" Urgency: {data['urgency']}." if data.get("urgency") else ""
        action = f" Action: {data['action']}." if data.get("action") else ""
        fact = f"{_label(G, flag)} is a red flag for {_label(G, condition)}"
        yield _true_false(
            G, "red_flag", f"red_flag|{flag}|{condition}", fact + ".", True,
            _cap(fact) + cite(G, d["sources"]) + "." + urgency + action, d["sources"],
            condition)


_GENERATORS: dict[str, Generator] = {
    "key_point": _key_point_questions,
    "dermatome": _dermatome_questions,
    "neurogenic": _neurogenic_questions,
    "referral": _referral_questions,
    "test": _test_questions,
    "red_flag": _red_flag_questions,
}


def question_bank(G: nx.MultiDiGraph, seed: int = 0) -> dict[str, list[Question]]:
    """Every question the graph supports, by kind (the same seed gives the same bank; the
    seed only picks which justified wrong options a choice question shows)."""
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
