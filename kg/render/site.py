"""Build the atlas: a static, offline teaching site generated from the graph (``kg site``).

Every page is rendered from the networkx projection through Jinja templates in ``viz/site``
(autoescaped); data for scripts travels as escaped JSON (:func:`kg.pages.safe_json`) and is only
ever inserted into the page as text. Scripts and styles live in ``OUTDIR/assets`` (vis-network
is copied from pyvis's package files), so the site makes no network request and works from
``file://`` as well as from any static host.

Layout of OUTDIR::

    index.html            body map (front and back), dermatome overlay, directory
    explorer.html         the whole graph, precomputed layout, search and filters
    quiz.html             questions generated from the graph (kg.quiz)
    regions/<id>.html     ranked candidate sources, routes and the traced network
    entities/<id>.html    structures, conditions, findings, tests, dermatomes, roots …
    sources/<id>.html     one per bibliographic source, with everything it supports
    assets/               site.css, legible.js, site.js, vis-network.min.js
"""

from __future__ import annotations

import json
import math
import re
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import networkx as nx

from kg.errors import KGError
from kg.explain.words import accuracy_figures, evidence_flags, frequency_text, spinal_order
from kg.render.templates import environment, static_path, static_text

__all__ = ["SiteReport", "body_map", "build_site", "explorer_layout"]

REGION = "kg:BodyRegion"
_SKIP = "kg:ExternalClass"  # imported reference classes (UBERON) get no page of their own
_PART_OF = ("BFO:0000050", "obo:BFO_0000050")

#: Explorer columns, left to right in the direction pain is reasoned about: clinical evidence,
#: conditions, structures, nerves, skin, and the regions where pain is felt.
_LAYERS: dict[str, int] = {
    "RedFlag": 0, "Finding": 0, "DiagnosticTest": 0,
    "Condition": 1,
    "SpinalNerveRoot": 3, "PeripheralNerve": 3, "NervePlexus": 3, "Nerve": 3,
    "Dermatome": 4,
    "BodyRegion": 5,
}
_LAYER_TITLES = ["Findings, red flags and tests", "Conditions", "Structures", "Nerves",
                 "Dermatomes", "Body regions"]

#: Dermatome overlay colours, assigned in spinal order (colour-blind-aware, light enough to
#: read region names over them).
_DERM_COLOURS = ["#56b4e9", "#e69f00", "#009e73", "#f0e442", "#cc79a7", "#0072b2", "#d55e00",
                 "#999933", "#88ccee", "#44aa99", "#aa4499", "#ddcc77", "#117733", "#882255"]


@dataclass
class SiteReport:
    """What ``build_site`` wrote."""

    outdir: Path
    pages: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    bytes: int = 0

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in self.pages.items())
        return (f"wrote {sum(self.pages.values())} pages ({kinds}) to {self.outdir} in "
                f"{self.seconds:.2f} s, {self.bytes / 1e6:.1f} MB; open "
                f"{self.outdir / 'index.html'}")


# --- names and links ---------------------------------------------------------------------


def _slug(curie: str) -> str:
    local = curie.split(":", 1)[-1] if ":" in curie else curie
    text = re.sub(r"[^A-Za-z0-9_.-]+", "-", local).strip("-.") or "entity"
    return text[:80]


class _Links:
    """Relative page paths for every entity and source (unique, filesystem-safe)."""

    def __init__(self, G: nx.MultiDiGraph) -> None:
        self.paths: dict[str, str] = {}
        used: set[str] = set()

        def claim(node: str, folder: str) -> None:
            base = f"{folder}/{_slug(node)}"
            path, i = f"{base}.html", 2
            while path.lower() in used:
                path, i = f"{base}-{i}.html", i + 1
            used.add(path.lower())
            self.paths[node] = path

        for node, data in sorted(G.nodes(data=True)):
            if _SKIP in data.get("types", ()):
                continue
            claim(node, "regions" if REGION in data.get("types", ()) else "entities")
        for sid in sorted(G.graph.get("sources", {})):
            claim(sid, "sources")

    def get(self, node: str, root: str) -> str | None:
        path = self.paths.get(node)
        return root + path if path else None


# --- shared page data ----------------------------------------------------------------------


def _node_kind(G: nx.MultiDiGraph, node: str) -> Any:
    from kg.render.pages import kind_of

    return kind_of(list(G.nodes[node].get("types", [])))


def _xrefs(data: dict[str, Any]) -> list[dict[str, str]]:
    """UBERON / FMA / other mappings with their match kind and an OBO PURL where there is one."""
    out = []
    for kind, ids in (data.get("xrefs") or {}).items():
        for x in ids:
            prefix, _, local = x.partition(":")
            url = (f"http://purl.obolibrary.org/obo/{prefix}_{local}"
                   if prefix in ("UBERON", "FMA") and local.isdigit() else None)
            out.append({"id": x, "match": kind, "url": url})
    return sorted(out, key=lambda r: (not r["id"].startswith("UBERON"), r["id"]))


def _safe_url(url: str) -> str | None:
    """Only plain web links from the data become hrefs (never ``javascript:``)."""
    return url if re.match(r"^https?://[^\s<>\"']+$", url or "") else None


def _identifier_url(identifier: str) -> str | None:
    """A resolver link for a DOI or PMID (``doi:10.…``, ``pmid:123``), else None."""
    prefix, _, local = identifier.partition(":")
    local = local.strip()
    if prefix.lower() == "doi" and local.startswith("10."):
        from urllib.parse import quote

        return _safe_url("https://doi.org/" + quote(local, safe="/:;()._-"))
    if prefix.lower() == "pmid" and local.isdigit():
        return f"https://pubmed.ncbi.nlm.nih.gov/{local}/"
    return None


def _cites(G: nx.MultiDiGraph, ids: Iterable[str], links: _Links, root: str
           ) -> list[dict[str, Any]]:
    catalogue = G.graph.get("sources", {})
    out = []
    for sid in ids:
        rec = catalogue.get(sid, {})
        out.append({"id": sid, "short": rec.get("short") or sid,
                    "citation": rec.get("citation") or sid, "href": links.get(sid, root)})
    return out


def _ref(G: nx.MultiDiGraph, node: str, links: _Links, root: str) -> dict[str, Any]:
    kind = _node_kind(G, node)
    return {"id": node, "label": G.nodes[node].get("label", node), "href": links.get(node, root),
            "kind": kind.key, "kind_label": kind.label, "fill": kind.fill, "border": kind.border,
            "shape": kind.shape}


def _grades(evidence: list[dict[str, Any]]) -> list[str]:
    return sorted({str(i["grade"]) for i in evidence if i.get("grade")})


def _relations(G: nx.MultiDiGraph, node: str, links: _Links, root: str
               ) -> list[dict[str, Any]]:
    """Relations in and out of ``node``, grouped by predicate and direction, each cited."""
    groups: dict[tuple[int, str], dict[str, Any]] = {}
    props = G.graph.get("properties", {})

    def add(direction: str, key: str, other: str, edge: dict[str, Any]) -> None:
        label = props.get(key, {}).get("label") or edge.get("label") or key
        title = label if direction == "out" else f"{label} (from)"
        group = groups.setdefault((0 if direction == "out" else 1, title), {
            "title": label, "incoming": direction == "in", "predicate": key,
            "mechanism": edge.get("mechanism"), "items": []})
        group["items"].append({
            "other": _ref(G, other, links, root),
            "sources": _cites(G, edge.get("sources", []), links, root),
            "frequency": frequency_text(edge, G), "grades": _grades(edge.get("evidence", [])),
            "flags": evidence_flags(edge), "accuracy": accuracy_figures(*edge.get("evidence", [])),
            "comments": sorted({str(i["comment"]) for i in edge.get("evidence", [])
                                if i.get("comment")}),
            "populations": sorted({str(i["population"]) for i in edge.get("evidence", [])
                                   if i.get("population")}),
        })

    for _, v, k, e in G.out_edges(node, keys=True, data=True):
        if _SKIP not in G.nodes[v].get("types", ()):
            add("out", k, v, e)
    for u, _, k, e in G.in_edges(node, keys=True, data=True):
        if _SKIP not in G.nodes[u].get("types", ()):
            add("in", k, u, e)
    out = []
    for key in sorted(groups):
        g = groups[key]
        g["items"].sort(key=lambda r: r["other"]["label"].casefold())
        out.append(g)
    return out


def _entity_head(G: nx.MultiDiGraph, node: str, links: _Links, root: str) -> dict[str, Any]:
    data = G.nodes[node]
    kind = _node_kind(G, node)
    classes = G.graph.get("classes", {})
    types = [classes.get(t, {}).get("label", t.split(":", 1)[-1]) for t in data.get("types", [])]
    return {
        "id": node, "iri": data.get("iri", ""), "label": data.get("label", node),
        "kind": kind.key, "kind_label": kind.label, "fill": kind.fill, "border": kind.border,
        "shape": kind.shape, "types": types,
        "definition": data.get("definition", ""), "synonyms": data.get("synonyms", []),
        "xrefs": _xrefs(data), "level": data.get("level"),
        "urgency": data.get("urgency"), "action": data.get("action"),
        "sources": _cites(G, data.get("sources", []), links, root),
    }


# --- the body map -------------------------------------------------------------------------


def _smooth(points: list[list[float]], closed: bool = True) -> str:
    """A closed Catmull-Rom spline through ``points`` as an SVG path (rounded outlines)."""
    n = len(points)
    if n < 3:
        return ""
    pts = [(float(x), float(y)) for x, y in points]
    out = [f"M{pts[0][0]:.1f},{pts[0][1]:.1f}"]
    count = n if closed else n - 1
    for i in range(count):
        p0 = pts[(i - 1) % n] if closed or i > 0 else pts[i]
        p1, p2 = pts[i], pts[(i + 1) % n]
        p3 = pts[(i + 2) % n] if closed or i + 2 < n else p2
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        out.append(f"C{c1[0]:.1f},{c1[1]:.1f} {c2[0]:.1f},{c2[1]:.1f} {p2[0]:.1f},{p2[1]:.1f}")
    return " ".join(out) + (" Z" if closed else "")


def _mirror(points: list[list[float]]) -> list[list[float]]:
    return [[200 - x, y] for x, y in points]


def _polygon(points: list[list[float]]) -> str:
    return "M" + " L".join(f"{x:g},{y:g}" for x, y in points) + " Z"


@cache
def _atlas() -> dict[str, Any]:
    return json.loads(static_text("bodymap.json"))


def _dermatome_order(G: nx.MultiDiGraph, derm: str) -> tuple[int, int, str]:
    """Spinal order from the dermatome's level (T12 < L1 < … < S5), else its label."""
    return spinal_order(str(G.nodes[derm].get("level") or G.nodes[derm].get("label", derm)))


def body_map(G: nx.MultiDiGraph) -> dict[str, Any]:
    """The body map as drawing data: the outline, the shapes of the graph's regions, the
    dermatomes covering each, and the regions that have no shape.

    A shape from ``viz/site/bodymap.json`` is drawn when a body region of the graph matches it
    by id, label or synonym; everything else about a region comes from the graph.
    """
    from kg.graph.resolve import normalise

    regions = sorted(n for n, d in G.nodes(data=True) if REGION in d.get("types", ()))
    by_name: dict[str, str] = {}
    for r in regions:
        d = G.nodes[r]
        for name in (r, d.get("label", ""), *d.get("synonyms", [])):
            by_name.setdefault(normalise(name), r)

    atlas = _atlas()
    outline = atlas["outline"]
    half = outline["body_half"]
    body = _smooth(half + _mirror(half)[::-1])
    arm = outline["arm_half"]
    arms = [_smooth(arm), _smooth(_mirror(arm)[::-1])]
    head = outline["head"]

    # dermatomes covering each region, in spinal order, with a colour each
    covers: dict[str, list[str]] = {}
    for u, v, k in G.edges(keys=True):
        if k == "kg:dermatomeCovers":
            covers.setdefault(v, []).append(u)
    dermatomes = sorted({d for ds in covers.values() for d in ds},
                        key=lambda d: _dermatome_order(G, d))
    colour = {d: _DERM_COLOURS[i % len(_DERM_COLOURS)] for i, d in enumerate(dermatomes)}

    shapes: list[dict[str, Any]] = []
    drawn: set[str] = set()
    for shape in atlas["shapes"]:
        region = None
        for name in shape["match"]:
            key = name if name in G else normalise(name)
            if name in regions:
                region = name
                break
            if key in by_name:
                region = by_name[key]
                break
        if region is None:
            continue
        drawn.add(region)
        pts = shape["points"]
        paths = [_polygon(pts)] if shape.get("centre") else [_polygon(pts), _polygon(_mirror(pts))]
        derms = sorted(set(covers.get(region, [])), key=lambda d: _dermatome_order(G, d))
        # The first shape of a region carries the region's CURIE as its element id.
        dom_id = region if all(s["region"] != region for s in shapes) else None
        shapes.append({"key": shape["key"], "view": shape["view"], "region": region,
                       "paths": paths, "dermatomes": derms, "dom_id": dom_id})
    patterns: dict[tuple[str, ...], dict[str, Any]] = {}
    for s in shapes:
        combo = tuple(s["dermatomes"])
        if combo not in patterns:
            patterns[combo] = {"id": f"derm-{len(patterns)}",
                               "colours": [colour[d] for d in combo]}
        s["fill"] = f"url(#{patterns[combo]['id']})"
    return {
        "body": body, "arms": arms, "head": head,
        "shapes": shapes,
        "patterns": list(patterns.values()),
        "dermatomes": [{"id": d, "label": G.nodes[d].get("label", d), "colour": colour[d]}
                       for d in dermatomes],
        "covers": {r: sorted(ds, key=lambda d: _dermatome_order(G, d)) for r, ds in covers.items()},
        "regions": regions,
        "drawn": sorted(drawn),
        "not_drawn": [r for r in regions if r not in drawn],
    }


# --- explorer layout ----------------------------------------------------------------------


def explorer_layout(G: nx.MultiDiGraph, nodes: list[str] | None = None,
                    aspect: float = 1.6) -> dict[str, tuple[float, float]]:
    """Positions for the whole-graph explorer, computed once here so the page opens ready.

    A layered layout, left to right: findings and tests, conditions, structures, nerves,
    dermatomes, regions. The order inside a layer comes from a few barycentre sweeps, so linked
    nodes sit level and edges cross less; a crowded layer is dealt into side-by-side
    sub-columns (keeping that order top to bottom) so the picture keeps a screen's proportions
    (``aspect`` = width / height). Deterministic: the same graph gives the same picture.
    """

    nodes = sorted(nodes if nodes is not None else G.nodes)
    layer = {n: _LAYERS.get(_node_kind(G, n).key, 2) for n in nodes}
    columns: dict[int, list[str]] = {}
    for n in sorted(nodes, key=lambda n: (_node_kind(G, n).key,
                                          str(G.nodes[n].get("label", n)).casefold())):
        columns.setdefault(layer[n], []).append(n)
    if not columns:
        return {}
    keep = set(nodes)
    neighbours: dict[str, set[str]] = {n: set() for n in nodes}
    for u, v in G.edges():
        if u in keep and v in keep and u != v:
            neighbours[u].add(v)
            neighbours[v].add(u)
    row_gap, sub_gap, layer_gap = 44.0, 200.0, 260.0

    def shape(rows: int) -> tuple[float, float]:
        width = sum((math.ceil(len(c) / rows) - 1) * sub_gap for c in columns.values())
        width += (len(columns) - 1) * layer_gap
        return width, max(rows - 1, 1) * row_gap

    tallest = max(len(c) for c in columns.values())
    rows = min(range(max(1, min(12, tallest)), tallest + 1),
               key=lambda r: abs(shape(r)[0] / shape(r)[1] - aspect))
    height = shape(rows)[1]

    def place() -> dict[str, float]:
        ys = {}
        for col in columns.values():
            step = height / (len(col) - 1) if len(col) > 1 else 0.0
            for i, n in enumerate(col):
                ys[n] = i * step if len(col) > 1 else height / 2
        return ys

    ys = _barycentre_sweeps(columns, neighbours, layer, place, sweeps=6)
    order = sorted(columns)
    out: dict[str, tuple[float, float]] = {}
    x = 0.0
    for c in order:
        col = columns[c]
        k = math.ceil(len(col) / rows)
        for i, n in enumerate(col):
            out[n] = (x + (i % k) * sub_gap, ys[n] - height / 2)
        x += (k - 1) * sub_gap + layer_gap
    return out


# --- pages --------------------------------------------------------------------------------


def _json(obj: Any) -> Any:
    from markupsafe import Markup

    from kg.render.pages import safe_json

    return Markup(safe_json(obj))


#: How many leading candidates' routes a region page draws before "Show all routes".
LEADING = 8


def _region_network(page: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """The traced subgraph for the region page's script: nodes, edges, routes by candidate."""
    from kg.render.pages import KIND_BY_KEY, MECHANISMS, mechanism_key

    edge_id = {(e["from"], e["to"], e["predicate"]): e["id"] for e in page["edges"]}
    levels = _levels_to_end([n["id"] for n in page["nodes"]], page["edges"])
    pos = _route_layout([n["id"] for n in page["nodes"]], page["edges"], levels)
    # the page opens on the leading candidates' routes: laid out on their own, so they are
    # not spread over the rows of everything else
    lead = {n for c in page["candidates"][:LEADING] for n in c["node_ids"]}
    lead_edges = [e for e in page["edges"] if e["from"] in lead and e["to"] in lead]
    lead_ids = [n["id"] for n in page["nodes"] if n["id"] in lead]
    lead_pos = _route_layout(lead_ids, lead_edges, _levels_to_end(lead_ids, lead_edges),
                             row_gap=84.0)
    cands = []
    for cand in result["candidates"]:
        routes = []
        for path in cand["paths"]:
            ids = [edge_id.get((e.get("from"), e.get("to"), e.get("predicate")))
                   for e in path["edges"]]
            routes.append({"mechanism": mechanism_key(path.get("mechanism")),
                           "edges": [i for i in ids if i],
                           "nodes": [n["id"] for n in path["nodes"]]})
        cands.append({"id": cand["id"], "routes": routes})
    return {
        "region": page["region"]["id"],
        "nodes": [{"id": n["id"], "label": n["label"], "kind": n["kind"],
                   "kind_label": n["kind_label"], "level": levels[n["id"]], "rank": n["rank"],
                   "x": pos[n["id"]][0], "y": pos[n["id"]][1],
                   **({"lead_x": lead_pos[n["id"]][0], "lead_y": lead_pos[n["id"]][1]}
                      if n["id"] in lead_pos else {})}
                  for n in page["nodes"]],
        "leading": LEADING,
        "edges": [{k: e[k] for k in ("id", "from", "to", "label", "mechanism", "frequency",
                                     "grades", "sources")} for e in page["edges"]],
        "candidates": cands,
        "kinds": {k.key: {"fill": k.fill, "border": k.border, "shape": k.shape, "label": k.label}
                  for k in KIND_BY_KEY.values()},
        "mechanisms": {k: {"label": lab, "colour": col} for k, (lab, col) in MECHANISMS.items()},
    }


def _levels_to_end(nodes: list[str], edges: list[dict[str, Any]]) -> dict[str, int]:
    """Columns that end at the painful region: a node sits one column left of its furthest
    successor, so a one-step route (nerve → region) draws next to the region, not across it."""
    succ: dict[str, set[str]] = {n: set() for n in nodes}
    for e in edges:
        if e["from"] != e["to"]:
            succ[e["from"]].add(e["to"])
    depth: dict[str, int] = {}

    def walk(n: str, seen: frozenset[str]) -> int:
        if n in depth:
            return depth[n]
        d = max((1 + walk(m, seen | {n}) for m in succ[n] if m not in seen), default=0)
        depth[n] = d
        return d

    for n in nodes:
        walk(n, frozenset())
    top = max(depth.values(), default=0)
    return {n: top - depth[n] for n in nodes}


def _barycentre_sweeps(columns: dict[int, list[str]], neighbours: dict[str, set[str]],
                       layer: dict[str, int], place: Callable[[], dict[str, float]],
                       sweeps: int, right_first: bool = False) -> dict[str, float]:
    """Reorder each column (in place) by the mean height of its neighbours in other columns,
    sweeping left and right in turn, so edges cross less; returns the final heights."""
    ys = place()
    order = sorted(columns)
    for sweep in range(sweeps):
        for c in (order[::-1] if (sweep % 2 == 0) == right_first else order):
            col = columns[c]
            bary = {}
            for i, n in enumerate(col):
                others = [ys[m] for m in sorted(neighbours[n]) if layer[m] != c]  # stable sum
                bary[n] = sum(others) / len(others) if others else ys[n] + 1e-6 * i
            col.sort(key=lambda n: bary[n])
            ys = place()
    return ys


def _route_layout(nodes: list[str], edges: list[dict[str, Any]], levels: dict[str, int],
                  column_gap: float = 250.0, row_gap: float = 58.0
                  ) -> dict[str, tuple[float, float]]:
    """Positions for a region's route network: one column per level, the region alone on the
    right, each column centred and ordered by barycentre sweeps so routes run level."""
    columns: dict[int, list[str]] = {}
    for n in nodes:
        columns.setdefault(levels[n], []).append(n)
    neighbours: dict[str, set[str]] = {n: set() for n in nodes}
    for e in edges:
        if e["from"] != e["to"]:
            neighbours[e["from"]].add(e["to"])
            neighbours[e["to"]].add(e["from"])

    def place() -> dict[str, float]:
        return {n: (i - (len(col) - 1) / 2) * row_gap
                for col in columns.values() for i, n in enumerate(col)}

    ys = _barycentre_sweeps(columns, neighbours, levels, place, sweeps=8, right_first=True)
    return {n: (round(levels[n] * column_gap), round(ys[n])) for n in nodes}


def _candidate_rows(G: nx.MultiDiGraph, result: dict[str, Any], links: _Links, root: str
                    ) -> list[dict[str, Any]]:
    from kg.render.pages import mechanism_key

    top = max((c["score"] for c in result["candidates"]), default=0) or 1.0
    rows = []
    for i, cand in enumerate(result["candidates"]):
        routes = []
        for path in cand["paths"]:
            src_ids: list[str] = []
            for e in path["edges"]:
                for s in e.get("sources", []):
                    if s["id"] not in src_ids:
                        src_ids.append(s["id"])
            routes.append({
                "mechanism": mechanism_key(path.get("mechanism")),
                "strength": path.get("strength"),
                "steps": [_ref(G, n["id"], links, root) for n in path["nodes"]],
                "explanation": path.get("explanation", ""),
                "sources": _cites(G, src_ids, links, root),
            })
        rows.append({"index": i, "rank": i + 1, "ref": _ref(G, cand["id"], links, root),
                     "score": cand["score"], "score_pct": round(100 * cand["score"] / top),
                     "mechanisms": [mechanism_key(m) for m in cand["mechanisms"]],
                     "routes": routes})
    return rows


def _forward_rows(G: nx.MultiDiGraph, node: str, links: _Links, root: str
                  ) -> list[dict[str, Any]]:
    """Where pain from ``node`` can be felt (forward trace), best route first."""
    from kg.reason.trace import trace

    try:
        result = trace(G, node, forward=True).to_dict()
    except KGError:
        return []
    return _candidate_rows(G, result, links, root)


def _write(path: Path, text: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    path.write_bytes(data)
    return len(data)


#: The static files the atlas pages load from ``assets/``.
_ATLAS_ASSETS = ("site.css", "legible.js", "site.js")


def _copy_assets(outdir: Path) -> int:
    from kg.render.pages import vis_script

    assets = outdir / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    total = _write(assets / "vis-network.min.js", vis_script())
    for name in _ATLAS_ASSETS:
        f = static_path(name)
        shutil.copyfile(f, assets / f.name)
        total += f.stat().st_size
    return total


def build_site(G: nx.MultiDiGraph, outdir: str | Path, *, quiz_seed: int = 0,
               quiz_size: int = 24) -> SiteReport:
    """Write the whole atlas for graph ``G`` into ``outdir`` (created if needed).

    Existing files of the same names are overwritten; nothing else in ``outdir`` is touched.

    Raises
    ------
    KGError
        If ``outdir`` exists and is not a folder, or the graph has no body region.
    """
    from kg.explain.words import DISCLAIMER
    from kg.reason.trace import trace

    start = time.perf_counter()
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise KGError(f"{out} exists and is not a folder; give a folder to write the site into")
    regions = sorted(n for n, d in G.nodes(data=True) if REGION in d.get("types", ()))
    if not regions:
        raise KGError("the graph has no body region (kg:BodyRegion), so there is no map to draw; "
                      "check --data")
    out.mkdir(parents=True, exist_ok=True)
    env = environment()
    links = _Links(G)
    report = SiteReport(out)
    report.bytes += _copy_assets(out)
    from kg._version import __version__

    counts = {
        "entities": sum(1 for _, d in G.nodes(data=True) if _SKIP not in d.get("types", ())),
        "relations": G.number_of_edges(),
        "sources": len(G.graph.get("sources", {})),
    }
    common = {"disclaimer": DISCLAIMER, "version": __version__, "counts": counts}

    def render(template: str, rel: str, **ctx: Any) -> None:
        root = "../" * rel.count("/")
        html = env.get_template(template).render(root=root, page_path=rel, **common, **ctx)
        report.bytes += _write(out / rel, html)
        kind = rel.split("/", 1)[0] if "/" in rel else rel.rsplit(".", 1)[0]
        report.pages[kind] = report.pages.get(kind, 0) + 1

    # regions --------------------------------------------------------------------------------
    from kg.render.pages import KIND_BY_KEY, MECHANISMS, trace_page_data

    bm = body_map(G)
    region_summary: dict[str, dict[str, Any]] = {}
    for r in regions:
        rel = links.paths[r]
        root = "../"
        result = trace(G, r).to_dict()
        page = trace_page_data(result)
        rows = _candidate_rows(G, result, links, root)
        region_summary[r] = {"count": len(rows),
                             "top": [row["ref"]["label"] for row in rows[:3]]}
        derms = [_ref(G, d, links, root) for d in bm["covers"].get(r, [])]
        render("site/region.html.j2", rel,
               head=_entity_head(G, r, links, root),
               candidates=rows, page=page,
               negative=result.get("negative_evidence", []),
               dermatomes=derms,
               relations=_relations(G, r, links, root),
               mechanisms=MECHANISMS,
               network=_json(_region_network(page, result)),
               title=f"{G.nodes[r].get('label', r)}: where the pain can come from")

    # entities -------------------------------------------------------------------------------
    for node, data in sorted(G.nodes(data=True)):
        types = data.get("types", ())
        if REGION in types or _SKIP in types:
            continue
        root = "../"
        render("site/entity.html.j2", links.paths[node],
               head=_entity_head(G, node, links, root),
               relations=_relations(G, node, links, root),
               forward=_forward_rows(G, node, links, root),
               mechanisms=MECHANISMS,
               title=str(data.get("label", node)))

    # sources --------------------------------------------------------------------------------
    cited: dict[str, list[dict[str, Any]]] = {}
    defined: dict[str, list[str]] = {}
    for u, v, k, e in G.edges(keys=True, data=True):
        for sid in e.get("sources", []):
            cited.setdefault(sid, []).append({
                "subject": _ref(G, u, links, "../"), "object": _ref(G, v, links, "../"),
                "label": e.get("label", k), "frequency": frequency_text(e, G),
                "mechanism": e.get("mechanism")})
    for node, data in G.nodes(data=True):
        for sid in data.get("sources", []):
            defined.setdefault(sid, []).append(node)
    for sid, rec in sorted(G.graph.get("sources", {}).items()):
        render("site/source.html.j2", links.paths[sid],
               source={**rec, "urls": [u for u in (_safe_url(x) for x in rec.get("urls", []))
                                       if u],
                       "identifiers": [{"id": i, "url": _identifier_url(i)}
                                       for i in rec.get("identifiers", [])]},
               assertions=sorted(cited.get(sid, []), key=lambda a: (
                   a["subject"]["label"].casefold(), a["label"], a["object"]["label"].casefold())),
               defines=[_ref(G, n, links, "../") for n in sorted(
                   defined.get(sid, []), key=lambda n: str(G.nodes[n].get("label")).casefold())],
               title=rec.get("short") or sid)

    # explorer -------------------------------------------------------------------------------
    shown = [n for n, d in G.nodes(data=True) if _SKIP not in d.get("types", ())]
    pos = explorer_layout(G, shown)
    ex_nodes = []
    kinds_present: dict[str, Any] = {}
    for n in sorted(shown):
        d = G.nodes[n]
        kind = _node_kind(G, n)
        kinds_present[kind.key] = kind
        x, y = pos[n]
        ex_nodes.append({"id": n, "label": d.get("label", n), "kind": kind.key,
                         "kind_label": kind.label, "x": round(x), "y": round(y),
                         "href": links.paths.get(n), "synonyms": d.get("synonyms", []),
                         "definition": d.get("definition", "")})
    keep = set(shown)
    ex_edges = []
    mech_present: set[str] = set()
    for i, (u, v, k, e) in enumerate(sorted(G.edges(keys=True, data=True),
                                            key=lambda t: (t[0], t[1], t[2]))):
        if u not in keep or v not in keep:
            continue
        mech = e.get("mechanism") if e.get("direction") in ("forward", "backward") else None
        mech = mech if mech in MECHANISMS else "relation"
        mech_present.add(mech)
        ex_edges.append({"id": f"x{i}", "from": u, "to": v, "label": e.get("label", k),
                         "mechanism": mech, "negative": e.get("direction") == "blocks"})
    mech_rows = [(k, lab, col) for k, (lab, col) in MECHANISMS.items() if k in mech_present]
    if "relation" in mech_present:
        mech_rows.append(("relation", "other relations (anatomy, clinical links)", "#aab3c2"))
    kinds = [k for k in KIND_BY_KEY.values() if k.key in kinds_present]
    by_layer: dict[int, list[tuple[float, float]]] = {}
    for n in shown:
        by_layer.setdefault(_LAYERS.get(_node_kind(G, n).key, 2), []).append(pos[n])
    top = min((y for _, y in pos.values()), default=0.0)
    headings = [{"title": _LAYER_TITLES[c],
                 "x": (min(x for x, _ in pts) + max(x for x, _ in pts)) / 2, "y": top - 60}
                for c, pts in sorted(by_layer.items())]
    render("site/explorer.html.j2", "explorer.html",
           kinds=kinds, mechanisms=mech_rows,
           data=_json({"nodes": ex_nodes, "edges": ex_edges, "headings": headings,
                       "kinds": {k.key: {"fill": k.fill, "border": k.border, "shape": k.shape,
                                         "label": k.label} for k in kinds},
                       "mechanisms": {k: {"label": lab, "colour": col}
                                      for k, lab, col in mech_rows}}),
           title="Explorer")

    # quiz -----------------------------------------------------------------------------------
    from kg.reason.quiz import KINDS, question_bank

    bank = question_bank(G, quiz_seed)
    # The page holds the whole bank; its script draws a fresh set of ``quiz_size`` each visit
    # and "More questions" shows unseen ones, so the count the index promises is on the page.
    questions = [q for k in KINDS for q in bank.get(k, [])]
    qrows = []
    for q in questions:
        d = q.to_dict()
        d["heading"] = KINDS.get(q.kind, q.kind)
        d["sources"] = _cites(G, [s["id"] for s in q.sources], links, "")
        d["topic_ref"] = _ref(G, q.topic, links, "") if q.topic in G else None
        for o in d["options"]:
            if "why_wrong" in o:
                o["why_wrong_sources"] = _cites(G, [s["id"] for s in o["why_wrong_sources"]],
                                                links, "")
        qrows.append(d)
    render("site/quiz.html.j2", "quiz.html", questions=qrows, kinds=KINDS, title="Quiz",
           draw=min(quiz_size, len(qrows)))

    # index ----------------------------------------------------------------------------------
    directory: dict[str, list[dict[str, Any]]] = {}
    for n in shown:
        ref = _ref(G, n, links, "")
        directory.setdefault(ref["kind_label"], []).append(ref)
    order = [k.label for k in KIND_BY_KEY.values()]
    directory_rows = [(k, sorted(directory[k], key=lambda r: r["label"].casefold()))
                      for k in sorted(directory, key=lambda k: order.index(k)
                                      if k in order else 99)]
    region_rows = []
    for r in regions:
        ref = _ref(G, r, links, "")
        region_rows.append({**ref, **region_summary[r], "drawn": r in bm["drawn"],
                            "dermatomes": [G.nodes[d].get("label", d)
                                           for d in bm["covers"].get(r, [])]})
    map_regions = {r["id"]: {"label": r["label"], "count": r["count"],
                             "dermatomes": r["dermatomes"]} for r in region_rows}
    for d in bm["dermatomes"]:
        d["href"] = links.paths.get(d["id"])
    render("site/index.html.j2", "index.html", bodymap=bm, regions=region_rows,
           map_labels={r["id"]: r["label"] for r in region_rows},
           region_hrefs={r: links.paths[r] for r in regions},
           map_data=_json(map_regions), directory=directory_rows,
           source_count=counts["sources"], question_count=sum(len(v) for v in bank.values()),
           title="Lumbopelvic pain atlas")

    report.seconds = time.perf_counter() - start
    return report
