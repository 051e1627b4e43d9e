"""Read the Turtle data folder into one RDF graph, with clear errors for broken files."""

from __future__ import annotations

import re
from pathlib import Path

from kg.errors import DataError
from kg.store.resources import resource_dir

__all__ = [
    "data_files",
    "default_data_dir",
    "fingerprint",
    "import_files",
    "load_imports",
    "load_rdf",
    "parse_file",
]


def default_data_dir() -> Path:
    """The data folder that ships with the package."""
    return resource_dir("data")


def data_files(data_dir: str | Path | None = None) -> list[Path]:
    """The Turtle files that make up the graph: every top-level ``*.ttl`` in ``data_dir``.

    Sub-folders (``shapes/``, ``imports/``) are not part of the graph.
    """
    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    if not folder.is_dir():
        raise DataError("data folder not found; pass --data DIR with a folder of .ttl files",
                        path=str(folder))
    files = sorted(folder.glob("*.ttl"))
    if not files:
        raise DataError("no .ttl files in the data folder; pass --data DIR with Turtle files",
                        path=str(folder))
    return files


def fingerprint(data_dir: str | Path | None = None) -> tuple[tuple[str, int, int], ...]:
    """Name, size and modification time of every file the graph is read from: a cheap test
    (no reading) of whether a graph held in memory still matches the files on disk."""
    out = []
    for path in [*data_files(data_dir), *import_files(data_dir)]:
        st = path.stat()
        out.append((str(path), st.st_size, st.st_mtime_ns))
    return tuple(out)


def import_files(data_dir: str | Path | None = None) -> list[Path]:
    """The import modules (``imports/*.ttl``): labels, synonyms and ancestors of the external
    classes the data maps to, kept apart from the graph as OBO projects keep ``imports/``."""
    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    return sorted((folder / "imports").glob("*.ttl"))


def load_imports(data_dir: str | Path | None = None):
    """The import modules in one rdflib Graph (empty when there are none)."""
    from rdflib import Graph

    g = Graph()
    for path in import_files(data_dir):
        parse_file(path, g)
    return g


def parse_file(path: str | Path, graph=None):
    """Parse one Turtle file into ``graph`` (a new rdflib Graph if None) and return it.

    A syntax error becomes a :class:`DataError` naming the file and line.
    """
    from rdflib import Graph

    g = graph if graph is not None else Graph()
    path = Path(path)
    try:
        g.parse(path, format="turtle")
    except Exception as exc:  # rdflib raises several unrelated types for bad syntax
        text = " ".join(str(exc).split())
        m = re.search(r"line (\d+)", text)
        line = int(m.group(1)) if m else None
        reason = re.sub(r"^.*?:\s*", "", text.split(" at ^ in:")[0])[:160] or type(exc).__name__
        raise DataError(f"not valid Turtle ({reason}); fix the file and run `kg validate`",
                        path=str(path), line=line) from None
    return g


def load_rdf(data_dir: str | Path | None = None):
    """Load every data file into one rdflib Graph, with the project's prefixes bound."""
    from rdflib import Graph

    from kg.ids.vocab import PREFIXES

    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    for path in data_files(data_dir):
        parse_file(path, g)
    return g
