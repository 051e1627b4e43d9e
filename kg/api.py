"""The small public API: load the graph once, lazily, and answer from it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    from .show import EntityInfo
    from .trace import TraceResult

__all__ = ["get_graph", "load", "show", "trace"]

_DEFAULT: dict[tuple[str | None, str | None], nx.MultiDiGraph] = {}


def load(data_dir: str | Path | None = None, endpoint: str | None = None) -> nx.MultiDiGraph:
    """Load the graph (the shipped data by default) and project it for tracing.

    ``data_dir`` reads another folder of Turtle files; ``endpoint`` reads the same data from a
    SPARQL 1.1 endpoint that holds it (loaded from ``kg export``).
    """
    if endpoint:
        from .backends import get_backend
        from .graph import to_networkx

        return to_networkx(get_backend(endpoint=endpoint).graph())
    from .cache import cached_graph
    from .store import data_files

    def build() -> nx.MultiDiGraph:
        from .graph import to_networkx
        from .store import load_rdf

        return to_networkx(load_rdf(data_dir))

    return cached_graph(data_files(data_dir), build)


def _default(data_dir: str | Path | None = None, endpoint: str | None = None) -> nx.MultiDiGraph:
    key = (str(data_dir) if data_dir else None, endpoint)
    if key not in _DEFAULT:
        _DEFAULT[key] = load(data_dir, endpoint)
    return _DEFAULT[key]


def get_graph(args: argparse.Namespace | None = None) -> nx.MultiDiGraph:
    """The graph a CLI invocation asks for (``--data``, ``--endpoint``), loaded once."""
    return _default(getattr(args, "data", None), getattr(args, "endpoint", None))


def trace(term: str, forward: bool = False, max_depth: int = 4,
          graph: nx.MultiDiGraph | None = None) -> TraceResult:
    """Candidate sources of pain in a region (or, ``forward=True``, where a source hurts).

    >>> import kg
    >>> result = kg.trace("groin")  # doctest: +SKIP
    """
    from .trace import trace as _trace

    return _trace(graph if graph is not None else _default(), term, forward=forward,
                  max_depth=max_depth)


def show(term: str, graph: nx.MultiDiGraph | None = None) -> EntityInfo:
    """Everything the graph says about one entity."""
    from .show import show as _show

    return _show(graph if graph is not None else _default(), term)
