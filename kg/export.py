"""``kg export``: the graph for other tools.

- ``ttl``, ``nt``, ``jsonld``: the RDF itself, for loading into a triple store
  (``oxigraph load --file graph.nt``), axioms and sources included;
- ``graphml``: the networkx projection (:func:`kg.graph.project.to_networkx`) for Gephi or
  Cytoscape, list and dict attributes flattened to text because GraphML holds only scalars;
- ``csv``: the same projection as an edge list (and a ``-nodes.csv`` companion with ``-o``).

With ``-o FILE``, the SSSOM mappings (``data/mappings.sssom.tsv``) are copied next to FILE
when the data folder has them.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from kg.errors import KGError

__all__ = ["EDGE_COLUMNS", "FORMATS", "NODE_COLUMNS", "export", "to_csv", "to_graphml"]

FORMATS = ("ttl", "nt", "jsonld", "graphml", "csv")
EDGE_COLUMNS = ("source", "source_label", "predicate", "predicate_label", "target",
                "target_label", "mechanism", "direction", "frequency", "weight", "sources")
NODE_COLUMNS = ("id", "label", "types", "synonyms", "exact_matches", "iri")
SSSOM_NAME = "mappings.sssom.tsv"


def _flat(value: Any) -> Any:
    """GraphML holds strings and numbers only: lists become '; '-joined text, dicts JSON."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set):
        if all(isinstance(v, str | int | float) for v in value):
            return "; ".join(str(v) for v in value)
        return json.dumps(list(value), ensure_ascii=False, default=str)
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def to_graphml(G: Any) -> str:
    """The projection as GraphML text (edge ``key`` = predicate CURIE)."""
    import networkx as nx

    H: nx.MultiDiGraph = nx.MultiDiGraph()
    for node, data in G.nodes(data=True):
        H.add_node(node, **{k: _flat(v) for k, v in data.items() if not k.startswith("_")})
    for u, v, key, data in G.edges(keys=True, data=True):
        H.add_edge(u, v, key=key, **{k: _flat(val) for k, val in data.items()})
    buf = io.BytesIO()
    nx.write_graphml(H, buf, encoding="utf-8")
    return buf.getvalue().decode("utf-8")


def to_csv(G: Any) -> tuple[str, str]:
    """``(edges, nodes)`` CSV texts, one row per relation and per entity, sorted."""
    edges = io.StringIO()
    w = csv.writer(edges, lineterminator="\n")
    w.writerow(EDGE_COLUMNS)
    rows: list[tuple[Any, ...]] = []
    for u, v, key, d in G.edges(keys=True, data=True):
        rows.append((u, G.nodes[u].get("label", ""), key, d.get("label", ""), v,
                     G.nodes[v].get("label", ""), d.get("mechanism") or "",
                     d.get("direction") or "",
                     "" if d.get("frequency") is None else d.get("frequency"),
                     d.get("weight", ""), "; ".join(d.get("sources", []))))
    rows.sort(key=lambda r: (r[0], r[2], r[4]))
    w.writerows(rows)
    nodes = io.StringIO()
    w = csv.writer(nodes, lineterminator="\n")
    w.writerow(NODE_COLUMNS)
    for node, d in sorted(G.nodes(data=True)):
        w.writerow((node, d.get("label", ""), "; ".join(d.get("types", [])),
                    "; ".join(d.get("synonyms", [])),
                    "; ".join((d.get("xrefs") or {}).get("exact", [])), d.get("iri", "")))
    return edges.getvalue(), nodes.getvalue()


def _rdf_text(fmt: str, data_dir: str | Path | None, endpoint: str | None) -> str:
    from kg.store.backends import get_backend

    g = get_backend(endpoint=endpoint, data_dir=data_dir).graph()
    if fmt == "nt":
        lines = sorted(set(g.serialize(format="nt").splitlines()) - {""})
        return "\n".join(lines) + "\n"
    return g.serialize(format={"ttl": "turtle", "jsonld": "json-ld"}[fmt])


def _projection(data_dir: str | Path | None, endpoint: str | None) -> Any:
    from kg.api import load

    return load(data_dir, endpoint)


def export(fmt: str, output: str | Path | None = None, data_dir: str | Path | None = None,
           endpoint: str | None = None) -> list[Path]:
    """Write the graph in ``fmt`` to ``output`` (standard output when None).

    Returns the files written (none when writing to standard output).
    """
    if fmt not in FORMATS:
        raise KGError(f"unknown export format {fmt!r}; use one of " + ", ".join(FORMATS))
    companion: tuple[Path, str] | None = None
    if fmt in ("ttl", "nt", "jsonld"):
        text = _rdf_text(fmt, data_dir, endpoint)
    elif fmt == "graphml":
        text = to_graphml(_projection(data_dir, endpoint))
    else:
        text, nodes = to_csv(_projection(data_dir, endpoint))
        if output is not None:
            out = Path(output)
            companion = (out.with_name(out.stem + "-nodes.csv"), nodes)
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return []
    out = Path(output)
    if out.parent and not out.parent.is_dir():
        raise KGError(f"cannot write {out}: folder {out.parent} does not exist")
    written = []
    out.write_text(text, encoding="utf-8")
    written.append(out)
    if companion is not None:
        companion[0].write_text(companion[1], encoding="utf-8")
        written.append(companion[0])
    if endpoint is None:
        from kg.store.files import default_data_dir

        sssom = Path(data_dir if data_dir is not None else default_data_dir()) / SSSOM_NAME
        target = out.with_name(SSSOM_NAME)
        if sssom.is_file() and sssom.resolve() != target.resolve():
            shutil.copyfile(sssom, target)
            written.append(target)
    return written
