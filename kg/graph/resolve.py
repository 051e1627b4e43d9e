"""Find an entity by id, CURIE, IRI, label, synonym or mapped UBERON/FMA id."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable

import networkx as nx

from kg.errors import UnknownTermError
from kg.graph.index import memo

__all__ = ["names", "normalise", "resolve", "suggest"]


def normalise(text: str) -> str:
    """Fold case, punctuation and spacing so 'Sacro-iliac  Joint' matches 'sacroiliac joint'.

    >>> normalise("  Sacro-Iliac_Joint ")
    'sacro iliac joint'
    """
    return " ".join(re.sub(r"[\s_\-–—/,()]+", " ", text.casefold()).split())


def _keys(node: str, data: dict) -> Iterable[tuple[str, int]]:
    """Names an entity answers to, each with a priority (lower wins a tie).

    The project's own entities win over merged UBERON classes of the same name, so "groin
    area" (a UBERON synonym) finds the project's groin, not the UBERON class it maps to.
    """
    offset = 5 if "kg:ExternalClass" in data.get("types", ()) else 0
    yield node, offset
    if ":" in node and not offset:
        yield node.split(":", 1)[1], 1
    if data.get("iri"):
        yield data["iri"], offset
    yield data.get("label", ""), offset
    for syn in data.get("synonyms", ()):
        yield syn, 2 + offset
    for xref in (data.get("xrefs") or {}).get("exact", ()):
        yield xref, 3
    for syn in data.get("uberon_synonyms", ()):
        yield syn, 4


def names(G: nx.MultiDiGraph) -> dict[str, list[tuple[int, str]]]:
    """Index of normalised name → [(priority, node)], cached on the graph."""
    def build() -> dict[str, list[tuple[int, str]]]:
        index: dict[str, list[tuple[int, str]]] = {}
        for node, data in G.nodes(data=True):
            for key, prio in _keys(node, data):
                if key:
                    index.setdefault(normalise(key), []).append((prio, node))
        return index

    return memo(G, "name_index", build)


Accept = Callable[[str], bool] | Iterable[str] | None


def _predicate(accept: Accept) -> Callable[[str], bool]:
    if accept is None:
        return lambda node: True
    if callable(accept):
        return accept
    allowed = set(accept)
    return allowed.__contains__


def suggest(G: nx.MultiDiGraph, term: str, n: int = 3, accept: Accept = None) -> list[str]:
    """The nearest known labels to ``term``, best first."""
    ok = _predicate(accept)
    labels: dict[str, str] = {}
    for key, hits in names(G).items():
        for _, node in hits:
            if ok(node):
                labels.setdefault(key, G.nodes[node]["label"])
    wanted = normalise(term)
    close = difflib.get_close_matches(wanted, list(labels), n=n * 3, cutoff=0.6)
    close += sorted(k for k in labels if wanted and wanted in k and k not in close)
    out: list[str] = []
    for key in close:
        label = labels[key]
        if label not in out:
            out.append(label)
    return out[:n]


def resolve(G: nx.MultiDiGraph, term: str, accept: Accept = None, what: str = "term") -> str:
    """Return the node for ``term``.

    Parameters
    ----------
    G : the projected graph.
    term : an id (``groin``), CURIE (``lp:groin``), IRI, label or synonym, any case; or a
        mapped UBERON/FMA CURIE.
    accept : if given, only these nodes count (a collection, or a test on the node).
    what : the word used in the error message ("region", "source", "finding").

    Raises
    ------
    UnknownTermError
        listing the nearest known names when nothing matches.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("lp:groin", label="groin", synonyms=["inguinal region"])
    >>> resolve(G, "Inguinal Region")
    'lp:groin'
    >>> resolve(G, "grion")
    Traceback (most recent call last):
    ...
    kg.errors.UnknownTermError: term 'grion' is not in the graph; did you mean 'groin'?
    """
    if not isinstance(term, str) or not term.strip():
        raise UnknownTermError(str(term), [], what)
    ok = _predicate(accept)
    hits = [(p, n) for p, n in names(G).get(normalise(term), []) if ok(n)]
    if not hits:
        raise UnknownTermError(term.strip()[:80], suggest(G, term, accept=ok), what)
    return min(hits)[1]
