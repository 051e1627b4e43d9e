"""One place for the lookup indexes memoised on a graph, and one way to drop them.

Indexes (names, pain edges, nodes by type, a quiz's traces ...) are derived from the graph and
kept in ``G.graph`` under keys that start with ``_``. Anything that changes the graph calls
:func:`invalidate`, which drops every one of them, so none can outlive the graph it was built
from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import networkx as nx

__all__ = ["invalidate", "memo"]

T = TypeVar("T")


def memo(G: nx.MultiDiGraph, name: str, build: Callable[[], T]) -> T:
    """The index ``name`` of ``G``, built by ``build()`` the first time it is asked for."""
    key = "_" + name
    value: Any = G.graph.get(key)
    if value is None:
        value = build()
        G.graph[key] = value
    return value


def invalidate(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Drop every memoised index of ``G`` (call after changing its nodes or edges)."""
    for key in [k for k in G.graph if isinstance(k, str) and k.startswith("_")]:
        del G.graph[key]
    return G
