"""The small public API: load the graph once, lazily, and answer from it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

if TYPE_CHECKING:
    from collections.abc import Sequence

    from kg.reason.differential import DifferentialResult
    from kg.reason.show import EntityInfo
    from kg.reason.trace import TraceResult

__all__ = ["differential", "get_graph", "load", "show", "trace"]

#: Graphs loaded in this process, by request, each with the fingerprint of the files it was
#: read from; a changed file means a reload, so a long-running process never answers from
#: data that has changed on disk.
_DEFAULT: dict[tuple[str | None, str | None, bool], tuple[object, nx.MultiDiGraph]] = {}


def load(data_dir: str | Path | None = None, endpoint: str | None = None,
         with_uberon: bool = False) -> nx.MultiDiGraph:
    """Load the graph (the shipped data by default) and project it for tracing.

    ``data_dir`` reads another folder of Turtle files; ``endpoint`` reads the same data from a
    SPARQL 1.1 endpoint that holds it (loaded from ``kg export``); ``with_uberon`` merges the
    whole UBERON release (the ``uberon`` extra), linked through the mappings.
    """
    from kg.store.files import data_files, import_files, load_rdf

    if endpoint:
        from kg.store.backends import get_backend

        return _assemble(get_backend(endpoint=endpoint).graph(), data_dir, with_uberon)
    from kg.store.cache import cached_graph

    files = data_files(data_dir) + import_files(data_dir)
    extra = ""
    if with_uberon:
        from kg.graph.uberon import RELEASE, release_path

        files = [*files, release_path()]
        extra = f"uberon-{RELEASE}"
    return cached_graph(files, lambda: _assemble(load_rdf(data_dir), data_dir, with_uberon), extra)


def _assemble(rdf: Any, data_dir: str | Path | None, with_uberon: bool) -> nx.MultiDiGraph:
    """The one way a graph is made, from local files and from an endpoint alike: project the
    RDF, add the UBERON import's names, merge the whole release if asked, then index it."""
    from kg.graph.build import add_import_names, prepare
    from kg.graph.project import to_networkx
    from kg.store.files import load_imports

    G = add_import_names(to_networkx(rdf), load_imports(data_dir))
    if with_uberon:
        from kg.graph.uberon import merge_uberon, read_release

        merge_uberon(G, read_release())
    return prepare(G)


def _default(data_dir: str | Path | None = None, endpoint: str | None = None,
             with_uberon: bool = False) -> nx.MultiDiGraph:
    from kg.store.files import fingerprint

    key = (str(data_dir) if data_dir else None, endpoint, with_uberon)
    stamp: object = endpoint or fingerprint(data_dir)
    held = _DEFAULT.get(key)
    if held is None or held[0] != stamp:
        held = (stamp, load(data_dir, endpoint, with_uberon))
        _DEFAULT[key] = held
    return held[1]


def get_graph(args: argparse.Namespace | None = None) -> nx.MultiDiGraph:
    """The graph a CLI invocation asks for (``--data``, ``--endpoint``, ``--with-uberon``)."""
    return _default(getattr(args, "data", None), getattr(args, "endpoint", None),
                    bool(getattr(args, "with_uberon", False)))


def trace(term: str, forward: bool = False, max_depth: int = 4,
          graph: nx.MultiDiGraph | None = None, within: str | None = None) -> TraceResult:
    """Candidate sources of pain in a region (or, ``forward=True``, where a source hurts).

    >>> import kg
    >>> result = kg.trace("groin")  # doctest: +SKIP
    """
    from kg.reason.trace import trace as _trace

    return _trace(graph if graph is not None else _default(), term, forward=forward,
                  max_depth=max_depth, within=within)


def show(term: str, graph: nx.MultiDiGraph | None = None) -> EntityInfo:
    """Everything the graph says about one entity."""
    from kg.reason.show import show as _show

    return _show(graph if graph is not None else _default(), term)


def differential(regions: Sequence[str] | str, findings: Sequence[str] | str = (),
                 graph: nx.MultiDiGraph | None = None, max_depth: int = 4,
                 leaders: int = 5, conditions_only: bool = False,
                 absent: Sequence[str] | str = (), setting: str | None = None
                 ) -> DifferentialResult:
    """Ranked, explained candidate sources of pain felt in ``regions``, weighed by
    ``findings`` present and ``absent``, with priors of the ``setting`` ("primary-care",
    "sports", "emergency", "specialist"), red flags first (see :mod:`kg.reason.differential`).

    >>> import kg
    >>> result = kg.differential(["groin", "lower back"], setting="sports")  # doctest: +SKIP
    """
    from kg.reason.differential import differential as _differential

    return _differential(graph if graph is not None else _default(), regions, findings,
                         max_depth=max_depth, leaders=leaders,
                         conditions_only=conditions_only,
                         absent=[absent] if isinstance(absent, str) else absent,
                         setting=setting)


def _trace_view(result: dict[str, Any]) -> str:
    from kg.render.pages import trace_page_html

    return trace_page_html(result, embed=True)


def _differential_view(result: dict[str, Any]) -> str:
    from kg.render.pages import differential_page_html

    return differential_page_html(result, embed=True)


def _register_views() -> None:
    """Results draw themselves in Jupyter through the pages of kg.render (the API owns both
    layers; reasoning only holds the slot)."""
    from kg.reason.trace import HTML_VIEWS

    HTML_VIEWS.setdefault("trace", _trace_view)
    HTML_VIEWS.setdefault("differential", _differential_view)


_register_views()
