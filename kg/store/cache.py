"""A compiled cache of the projected graph, so answering commands skip Turtle and rdflib.

The cache is a pickle of the ``networkx.MultiDiGraph``, keyed by a hash of the data files'
names and bytes and the package version: any change to either builds a new one. It is written
to a temporary file and renamed into place, so two processes building it at once both succeed
and a reader never sees half a file; a corrupt or truncated cache is deleted and rebuilt.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import networkx as nx

__all__ = ["cache_dir", "cache_key", "cached_graph"]

_MAGIC = b"lumbopelvic-kg graph cache v1\n"


def cache_dir() -> Path:
    """``$KG_CACHE_DIR``, else ``$XDG_CACHE_HOME/lumbopelvic-kg``, else ``~/.cache/…``."""
    if os.environ.get("KG_CACHE_DIR"):
        return Path(os.environ["KG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lumbopelvic-kg"


#: Layers whose code shapes the cached graph (every module in them, found on disk, not listed by
#: hand): a change to any invalidates the cache even when the version has not moved.
_BUILDER_LAYERS = ("ids", "store", "graph")


@functools.cache
def _code_digest() -> bytes:
    """Hash of the graph-building code, read once per process.

    Read once so that a long-running process that loaded the old code cannot file its graph
    under the key of code edited on disk since.
    """
    h = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for layer in _BUILDER_LAYERS:
        for path in sorted((package / layer).rglob("*.py")):
            h.update(str(path.relative_to(package)).encode() + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.digest()


def cache_key(files: Iterable[Path], extra: str = "") -> str:
    """Hash of the package version, the graph-building code, the file names and their bytes."""
    from kg._version import __version__

    h = hashlib.sha256(f"{__version__}\0{extra}\0".encode())
    h.update(_code_digest())
    for path in sorted(files, key=lambda p: p.name):
        h.update(path.name.encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:32]


def _read(path: Path, key: str) -> nx.MultiDiGraph | None:
    try:
        with open(path, "rb") as fh:
            if fh.read(len(_MAGIC)) != _MAGIC or fh.read(32).decode("ascii", "replace") != key:
                raise ValueError("foreign or truncated cache")
            graph = pickle.load(fh)
        if not isinstance(graph, nx.MultiDiGraph):
            raise ValueError("not a graph")
        return graph
    except FileNotFoundError:
        return None
    except Exception:  # corrupt, truncated, from another version: rebuild
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def _write(path: Path, key: str, graph: nx.MultiDiGraph) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(_MAGIC + key.encode("ascii"))
                pickle.dump(graph, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        pass  # a read-only home is no reason to fail; the graph was built anyway


def cached_graph(files: list[Path], build: Callable[[], nx.MultiDiGraph],
                 extra: str = "") -> nx.MultiDiGraph:
    """Return the graph for ``files`` from the cache, building and storing it on a miss."""
    if os.environ.get("KG_NO_CACHE"):
        return build()
    key = cache_key(files, extra)
    path = cache_dir() / f"graph-{key}.pickle"
    graph = _read(path, key)
    if graph is None:
        graph = build()
        _write(path, key, graph)
    return graph
