"""Merge the whole UBERON release into the projected graph, linked through the mappings.

With UBERON merged, a query can climb the anatomy hierarchy ("which muscles of the hip refer
pain to the groin?": ``kg --with-uberon trace groin --within "hip muscle"``) and names resolve
through UBERON's labels and synonyms. The release is the one the import module was generated
from (UBERON 2026-04-01 as shipped by the PyPI package ``cellxgene-ontology-guide``, installed
with the ``uberon`` extra); it is read, never fetched.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from kg.errors import KGError
from kg.graph.index import invalidate

__all__ = [
    "PARENT",
    "RELEASE",
    "merge_uberon",
    "read_release",
    "release_path",
    "uberon_ancestors",
]

#: The release the import module (data/imports/) was generated from.
RELEASE = "2026-04-01"
#: Edge key of a direct is_a/part_of link between two UBERON classes (the release gives the
#: closure over both relations together, not which one holds).
PARENT = "kg:uberonParent"
_MAPPINGS = {"exact": "skos:exactMatch", "close": "skos:closeMatch",
             "broad": "skos:broadMatch", "narrow": "skos:narrowMatch"}


def release_path() -> Path:
    """Where the installed ``cellxgene-ontology-guide`` keeps the pinned UBERON release."""
    try:
        base = resources.files("cellxgene_ontology_guide") / "data"
    except ModuleNotFoundError:
        raise KGError("the UBERON release is not installed; run "
                      "`pip install 'lumbopelvic-kg[uberon]'` and try again") from None
    path = Path(str(base)) / f"UBERON-ontology-v{RELEASE}.json.zst"
    if not path.is_file():
        raise KGError(f"UBERON release {RELEASE} not found in cellxgene-ontology-guide; "
                      "install a version that ships it (>=1.11)")
    return path


def read_release(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """The release as ``{UBERON id: {label, description, synonyms, ancestors, deprecated}}``."""
    import zstandard

    path = path or release_path()
    with open(path, "rb") as fh:
        raw = zstandard.ZstdDecompressor().stream_reader(fh).read()
    return json.loads(raw)


def merge_uberon(G: nx.MultiDiGraph, release: dict[str, dict[str, Any]]) -> nx.MultiDiGraph:
    """Add every current UBERON class to ``G`` (in place) and link the mapped entities.

    Each class becomes a node ``UBERON:nnnnnnn`` of type ``kg:ExternalClass`` with its label,
    synonyms, definition and ``ancestors`` (the is_a/part_of closure); direct parents become
    ``kg:uberonParent`` edges; each project entity gets an edge to the classes it is mapped to
    (``skos:exactMatch`` …) and a ``uberon_ancestors`` attribute. None of these edges carries
    pain, so traces are unchanged; they only feed ``--within`` and name resolution.
    """
    source = f"src:uberon-{RELEASE}"
    for cls, rec in release.items():
        if rec.get("deprecated") or not cls.startswith("UBERON:"):
            continue
        if cls in G and "kg:ExternalClass" not in G.nodes[cls].get("types", ()):
            continue
        G.add_node(cls, label=rec.get("label") or cls, types=["kg:ExternalClass"],
                   all_types=["kg:ExternalClass"], synonyms=sorted(set(rec.get("synonyms", ()))),
                   definition=rec.get("description") or "", xrefs={}, sources=[source],
                   ancestors=sorted(a for a in rec.get("ancestors", {}) if a in release),
                   iri="http://purl.obolibrary.org/obo/" + cls.replace(":", "_"))
    source = f"src:uberon-{RELEASE}"
    G.graph.setdefault("sources", {})[source] = {
        "id": source, "short": f"UBERON {RELEASE}",
        "title": "Uberon multi-species anatomy ontology",
        "citation": f"Uberon anatomy ontology, release {RELEASE} (obophenotype/uberon; CC BY 3.0), "
                    "as packaged by cellxgene-ontology-guide.",
        "year": RELEASE[:4], "identifiers": [], "urls": []}
    meta = {"predicate": PARENT, "label": "is a or part of (UBERON)", "mechanism": None,
            "direction": None, "evidence": [{"sources": [source]}], "sources": [source],
            "frequency": None, "weight": 0.0}
    for cls, rec in release.items():
        if cls not in G or rec.get("deprecated"):
            continue
        for parent, distance in rec.get("ancestors", {}).items():
            if distance == 1 and parent in G:
                G.add_edge(cls, parent, key=PARENT, **meta)
    for node, data in list(G.nodes(data=True)):
        if "kg:ExternalClass" in data.get("types", ()):
            continue
        found: set[str] = set()
        for kind, targets in (data.get("xrefs") or {}).items():
            for target in targets:
                if target.startswith("UBERON:") and target in G:
                    G.add_edge(node, target, key=_MAPPINGS[kind],
                               **dict(meta, predicate=_MAPPINGS[kind], label=_MAPPINGS[kind]))
                    if kind in ("exact", "close", "narrow"):
                        found.add(target)
                        found.update(G.nodes[target].get("ancestors", ()))
        if found:
            data["uberon_ancestors"] = sorted(found)
    G.graph["uberon_release"] = RELEASE
    return invalidate(G)


def uberon_ancestors(G: nx.MultiDiGraph, node: str) -> set[str]:
    """The UBERON classes a node is, or is a part/kind of (empty without UBERON merged)."""
    data = G.nodes[node]
    if "kg:ExternalClass" in data.get("types", ()):
        return {node, *data.get("ancestors", ())}
    return set(data.get("uberon_ancestors", ()))
