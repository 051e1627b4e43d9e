"""Everything the graph says about one entity: identity, mappings and cited relations."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

import networkx as nx

from kg.explain.words import DISCLAIMER, short_type, source_refs, spinal_order
from kg.graph.resolve import resolve

__all__ = ["EntityInfo", "show"]


@dataclass
class EntityInfo:
    """One entity with its relations in and out, each with citations."""

    graph: nx.MultiDiGraph
    id: str

    def to_dict(self) -> dict[str, Any]:
        G, node = self.graph, self.id
        data = G.nodes[node]

        def rel(u: str, v: str, key: str, e: dict[str, Any], other: str) -> dict[str, Any]:
            return {
                "predicate": key,
                "label": e["label"],
                "mechanism": e["mechanism"],
                "pain_direction": e["direction"],
                "subject": {"id": u, "label": G.nodes[u]["label"]},
                "object": {"id": v, "label": G.nodes[v]["label"]},
                "other": {"id": other, "label": G.nodes[other]["label"],
                          "types": G.nodes[other].get("types", [])},
                "sources": source_refs(G, e["sources"]),
                "evidence": e["evidence"],
                "frequency": e["frequency"],
            }

        outgoing = [rel(node, v, k, e, v) for _, v, k, e in G.out_edges(node, keys=True, data=True)]
        incoming = [rel(u, node, k, e, u) for u, _, k, e in G.in_edges(node, keys=True, data=True)]
        key = lambda r: (r["label"], spinal_order(r["other"]["label"]),  # noqa: E731
                         r["other"]["id"], r["predicate"])
        xrefs = data.get("xrefs", {})
        return {
            "id": node,
            "iri": data.get("iri"),
            "label": data.get("label"),
            "types": data.get("types", []),
            "definition": data.get("definition", ""),
            "synonyms": data.get("synonyms", []),
            "uberon": [x for v in xrefs.values() for x in v if x.startswith("UBERON:")],
            "fma": [x for v in xrefs.values() for x in v if x.startswith("FMA:")],
            "xrefs": xrefs,
            **{k: data[k] for k in ("urgency", "action", "level") if k in data},
            "sources": source_refs(G, data.get("sources", [])),
            "outgoing": sorted(outgoing, key=key),
            "incoming": sorted(incoming, key=key),
            "disclaimer": DISCLAIMER,
        }

    def to_text(self) -> str:
        d = self.to_dict()
        G = self.graph
        lines = [f"{d['label']}  ({d['id']}, {short_type(G, self.id)})"]
        if d["definition"]:
            lines.append(textwrap.fill(d["definition"], 100, initial_indent="  ",
                                       subsequent_indent="  "))
        if d["synonyms"]:
            lines.append("  also called: " + ", ".join(d["synonyms"]))
        for kind, ids in d["xrefs"].items():
            if ids:
                lines.append(f"  {kind} match: " + ", ".join(ids))
        for k in ("urgency", "action", "level"):
            if k in d:
                lines.append(f"  {k}: {d[k]}")
        if d["sources"]:
            lines.append("  defined from: " + "; ".join(s["short"] for s in d["sources"]))

        def block(title: str, rels: list[dict[str, Any]], outgoing: bool) -> None:
            if not rels:
                return
            lines.append("")
            lines.append(title)
            for r in rels:
                other = r["other"]["label"]
                cites = "; ".join(s["short"] for s in r["sources"]) or "uncited"
                freq = f" ({100 * r['frequency']:.0f}%)" if r["frequency"] is not None else ""
                phrase = (f"{r['label']} {other}" if outgoing else f"{other} {r['label']} this")
                lines.append(f"  - {phrase}{freq}  [{cites}]")

        block("Relations:", d["outgoing"], True)
        block("Referenced by:", d["incoming"], False)
        lines += ["", textwrap.fill(DISCLAIMER, 100), ""]
        return "\n".join(lines)


def show(G: nx.MultiDiGraph, term: str) -> EntityInfo:
    """Look up one entity by id, CURIE, label or synonym (see :func:`kg.resolve.resolve`)."""
    return EntityInfo(G, resolve(G, term))
