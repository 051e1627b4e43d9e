"""Turn trace and differential results into finished, offline HTML pages.

This module only sees the stable JSON schemas of ``kg trace --json`` and ``kg differential
--json`` (a dict, or any object with ``to_dict()``); it knows nothing of how a result was
computed. Both pages share one template (the differential page extends the trace page), one
script and one style sheet, so they look and behave as one product. The network is assembled with
pyvis and rendered through our own Jinja template (``viz/templates``, autoescaped), with the
vis-network script inlined from pyvis's package files, so a page makes no network request and
writes nothing but itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kg.explain.contributions import PROBABILITY_NOTE, contribution_lines, percent
from kg.explain.words import accuracy_figures
from kg.render.templates import environment, static_text

__all__ = [
    "KIND_BY_KEY",
    "MECHANISMS",
    "NODE_KINDS",
    "differential_page_data",
    "differential_page_html",
    "kind_of",
    "mechanism_key",
    "safe_json",
    "trace_page_data",
    "trace_page_html",
    "vis_script",
    "write_differential_page",
    "write_trace_page",
]


@dataclass(frozen=True)
class NodeKind:
    """How one kind of node is drawn and named in the legend."""

    key: str
    label: str
    fill: str
    border: str
    shape: str = "dot"


# Most specific first: a node typed both Vertebra and Bone is drawn as a vertebra.
NODE_KINDS: tuple[NodeKind, ...] = (
    NodeKind("RedFlag", "red flag", "#fde2e2", "#c81e1e", "triangle"),
    NodeKind("Condition", "condition", "#fff1c2", "#a16207", "diamond"),
    NodeKind("Finding", "finding", "#d8f5e6", "#0f7a4c", "triangle"),
    NodeKind("DiagnosticTest", "diagnostic test", "#e0e7ff", "#4338ca", "square"),
    NodeKind("BodyRegion", "body region", "#22365c", "#22365c", "box"),
    NodeKind("Dermatome", "dermatome", "#efe3ff", "#7c4dbd"),
    NodeKind("SpinalNerveRoot", "spinal nerve root", "#fde9a8", "#a5730d"),
    NodeKind("PeripheralNerve", "peripheral nerve", "#fbd9bd", "#b45a1c"),
    NodeKind("NervePlexus", "nerve plexus", "#f9d0c4", "#a8431f"),
    NodeKind("Nerve", "nerve", "#fbe3c8", "#a8641f"),
    NodeKind("IntervertebralDisc", "intervertebral disc", "#cdf0ea", "#21776f"),
    NodeKind("Vertebra", "vertebra", "#e6e8ec", "#5b6472"),
    NodeKind("Joint", "joint", "#cfe2fb", "#2160a8"),
    NodeKind("Ligament", "ligament", "#dbeafe", "#3f5f8f"),
    NodeKind("Muscle", "muscle", "#fbd3d3", "#b3313a"),
    NodeKind("Bone", "bone", "#ecebe6", "#6f6a5d"),
    NodeKind("Organ", "organ", "#f9d6ec", "#a4306f"),
    NodeKind("Vessel", "vessel", "#f5d0d5", "#8e2536"),
    NodeKind("other", "other", "#eef1f5", "#66758a"),
)
KIND_BY_KEY = {k.key: k for k in NODE_KINDS}

#: mechanism key -> (legend label, colour). Okabe–Ito hues, distinguishable in colour-blindness.
MECHANISMS: dict[str, tuple[str, str]] = {
    "neurogenic": ("neurogenic (nerve territory)", "#0072b2"),
    "somatic": ("somatic referred (joint, disc, muscle)", "#d55e00"),
    "visceral": ("visceral referred", "#b4579a"),
    "biomechanical": ("biomechanical (load, compensation)", "#c48a00"),
    "local": ("local", "#009e73"),
    "other": ("other", "#66758a"),
}
_MECHANISM_SHORT = {"neurogenic": "neurogenic", "somatic": "somatic referred",
                     "visceral": "visceral", "biomechanical": "biomechanical", "local": "local",
                     "other": "other"}
_MECHANISM_ALIASES = {"somaticreferred": "somatic", "visceralreferred": "visceral"}


def _local_name(curie: str) -> str:
    """``kg:SpinalNerveRoot`` or a full IRI -> ``SpinalNerveRoot``."""
    return curie.rsplit("#", 1)[-1].rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def mechanism_key(value: object) -> str:
    name = _local_name(str(value or "")).lower().replace(" ", "").replace("_", "")
    name = _MECHANISM_ALIASES.get(name, name)
    return name if name in MECHANISMS else "other"


def kind_of(types: list[str]) -> NodeKind:
    names = {_local_name(t) for t in types}
    for kind in NODE_KINDS:
        if kind.key in names:
            return kind
    return KIND_BY_KEY["other"]


def safe_json(obj: object) -> str:
    """JSON that can sit inside a ``<script>`` element: ``<``, ``>`` and ``&`` are escaped.

    A label such as ``</script><img onerror=...>`` then stays data; the browser never sees a
    closing tag. U+2028/2029 are escaped too, for old JavaScript parsers.
    """
    text = json.dumps(obj, ensure_ascii=False, sort_keys=False)
    for raw, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                     ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, esc)
    return text


def _as_dict(result: Any) -> dict[str, Any]:
    if isinstance(result, Mapping):
        return dict(result)
    to_dict = getattr(result, "to_dict", None)
    if callable(to_dict):
        return dict(to_dict())
    raise TypeError(
        f"expected a trace result dict or an object with to_dict(), got {type(result)!r}")


def _levels(node_ids: list[str], edges: list[dict[str, Any]]) -> dict[str, int]:
    """Columns for a left-to-right layout: longest distance from a route start.

    Routes flow from source to region, so every edge points one column to the right or more;
    if the union of routes has a cycle the remaining nodes keep their first position.
    """
    preds: dict[str, set[str]] = {n: set() for n in node_ids}
    succs: dict[str, set[str]] = {n: set() for n in node_ids}
    for e in edges:
        if e["from"] != e["to"]:
            preds[e["to"]].add(e["from"])
            succs[e["from"]].add(e["to"])
    level = dict.fromkeys(node_ids, 0)
    indeg = {n: len(p) for n, p in preds.items()}
    queue = [n for n in node_ids if indeg[n] == 0]
    done = 0
    while queue:
        n = queue.pop(0)
        done += 1
        for m in sorted(succs[n], key=node_ids.index):
            level[m] = max(level[m], level[n] + 1)
            indeg[m] -= 1
            if indeg[m] == 0:
                queue.append(m)
    return level


def trace_page_data(result: Any) -> dict[str, Any]:
    """Everything the trace page shows, as plain data (nodes, edges, ranked candidates).

    Nodes and edges are only those on the candidates' routes; an edge is one
    (from, to, predicate) step, shared by every route that takes it.
    """
    data = _as_dict(result)
    query = data.get("query") or {}
    region = query.get("region") or {}
    direction = query.get("direction", "backward")
    candidates = list(data.get("candidates") or [])

    types_by_id: dict[str, list[str]] = {}
    for cand in candidates:
        if cand.get("types"):
            types_by_id[cand["id"]] = list(cand["types"])
        for path in cand.get("paths") or []:
            for n in path.get("nodes") or []:
                if n.get("types"):
                    types_by_id.setdefault(n["id"], list(n["types"]))

    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    cand_rows: list[dict[str, Any]] = []
    cand_rank = {c["id"]: i + 1 for i, c in enumerate(candidates)}
    top_score = max((float(c.get("score") or 0.0) for c in candidates), default=0.0) or 1.0

    for idx, cand in enumerate(candidates):
        edge_ids: list[str] = []
        node_ids: list[str] = []
        routes: list[dict[str, Any]] = []
        for path in cand.get("paths") or []:
            pnodes = path.get("nodes") or []
            pedges = path.get("edges") or []
            for n in pnodes:
                if n["id"] not in nodes:
                    kind = kind_of(types_by_id.get(n["id"], []))
                    nodes[n["id"]] = {"id": n["id"], "label": n.get("label") or n["id"],
                                      "kind": kind.key, "kind_label": kind.label,
                                      "rank": cand_rank.get(n["id"])}
                if n["id"] not in node_ids:
                    node_ids.append(n["id"])
            route_sources: dict[str, str] = {}
            for i, e in enumerate(pedges):
                if i + 1 >= len(pnodes):
                    break
                a = e.get("from") or pnodes[i]["id"]
                b = e.get("to") or pnodes[i + 1]["id"]
                key = (a, b, str(e.get("predicate", "")))
                row = edges.get(key)
                if row is None:
                    row = edges[key] = {
                        "id": f"e{len(edges)}", "from": a, "to": b,
                        "predicate": e.get("predicate", ""),
                        "label": e.get("label") or _local_name(str(e.get("predicate", ""))),
                        "mechanism": mechanism_key(e.get("mechanism")),
                        "frequency": e.get("frequency"),
                        "frequency_text": e.get("frequency_text"),
                        "populations": list(e.get("populations") or []),
                        "grades": [], "sources": [], "routes": [], "candidates": []}
                for g in e.get("evidence_grades") or []:
                    if g not in row["grades"]:
                        row["grades"].append(g)
                for s in e.get("sources") or []:
                    if all(s.get("id") != t["id"] for t in row["sources"]):
                        row["sources"].append({"id": s.get("id", ""),
                                               "citation": s.get("citation", "")})
                    route_sources.setdefault(s.get("id", ""), s.get("citation", ""))
                if e.get("frequency") is not None and row["frequency"] is None:
                    row["frequency"] = e["frequency"]
                    row["frequency_text"] = e.get("frequency_text")
                expl = path.get("explanation", "")
                if expl and expl not in row["routes"]:
                    row["routes"].append(expl)
                if idx not in row["candidates"]:
                    row["candidates"].append(idx)
                if row["id"] not in edge_ids:
                    edge_ids.append(row["id"])
            routes.append({
                "explanation": path.get("explanation", ""),
                "mechanism": mechanism_key(path.get("mechanism")) if path.get("mechanism")
                else None,
                "strength": path.get("strength"),
                "steps": [n.get("label") or n["id"] for n in pnodes],
                "sources": [{"id": k, "citation": v} for k, v in route_sources.items()],
            })
        kind = kind_of(cand.get("types") or types_by_id.get(cand["id"], []))
        score = float(cand.get("score") or 0.0)
        cand_rows.append({
            "index": idx, "rank": idx + 1, "id": cand["id"],
            "label": cand.get("label") or cand["id"], "kind": kind.key, "kind_label": kind.label,
            "fill": kind.fill, "border": kind.border, "shape": kind.shape,
            "score": score, "score_pct": round(100 * score / top_score),
            "mechanisms": [mechanism_key(m) for m in cand.get("mechanisms") or []],
            "routes": routes, "edge_ids": edge_ids, "node_ids": node_ids,
        })

    node_list = list(nodes.values())
    edge_list = list(edges.values())
    levels = _levels([n["id"] for n in node_list], edge_list)
    for n in node_list:
        n["level"] = levels[n["id"]]
    region_label = region.get("label") or region.get("id", "")
    region_kind = kind_of(region.get("types") or types_by_id.get(region.get("id", ""), []))
    present_kinds = {n["kind"] for n in node_list}
    present_mechs = {e["mechanism"] for e in edge_list}
    return {
        "region": {"id": region.get("id", ""), "label": region_label,
                   "subject": region_label if region_kind.key in _NO_ARTICLE
                   else f"the {region_label}"},
        "direction": direction,
        "nodes": node_list,
        "edges": edge_list,
        "candidates": cand_rows,
        "kinds": [k for k in NODE_KINDS if k.key in present_kinds],
        "mechanisms": [(k, lab, col) for k, (lab, col) in MECHANISMS.items() if k in present_mechs],
        "negative": [_negative_row(n) for n in data.get("negative_evidence") or []],
        "disclaimer": data.get("disclaimer", ""),
    }


def _negative_row(item: Mapping[str, Any]) -> dict[str, Any]:
    """Published negative evidence ("does not refer pain to"), shown beside the candidates."""
    structure = item.get("structure") or {}
    region = item.get("region") or {}
    return {
        "structure": structure.get("label") or structure.get("id", ""),
        "region": region.get("label") or region.get("id", ""),
        "explanation": item.get("explanation", ""),
        "sources": [s.get("citation") or s.get("id", "") for s in item.get("sources") or []],
    }


#: What the page's tooltip shows for an edge.
_EDGE_INFO_KEYS = ("from", "to", "label", "mechanism", "frequency", "frequency_text", "grades",
                   "populations", "sources", "routes")


def _pyvis_network(page: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Build the vis-network nodes and edges with pyvis (imported here: it pulls IPython).

    The query's region (or, on a differential page, every painful region in ``targets``) is
    drawn a little larger; a candidate flagged ``red_flag`` gets the red-flag border.
    """
    from pyvis.network import Network

    net = Network(directed=True, cdn_resources="remote")
    targets = set(page.get("targets") or [page["region"]["id"]])
    flagged = {c["id"] for c in page["candidates"] if c.get("red_flag")}
    alarm = KIND_BY_KEY["RedFlag"].border
    for n in page["nodes"]:
        kind = KIND_BY_KEY[n["kind"]]
        is_box = kind.shape == "box"  # label drawn inside, on the dark fill
        border = alarm if n["id"] in flagged else kind.border
        net.add_node(
            n["id"], label=n["label"], shape=kind.shape, level=n["level"],
            color={"background": kind.fill, "border": border,
                   "highlight": {"background": kind.fill, "border": "#111827"},
                   "hover": {"background": kind.fill, "border": "#111827"}},
            borderWidth=3 if n["id"] in targets or n["id"] in flagged else 2,
            size=22 if n["id"] in targets else (20 if n["rank"] else 15),
            font={"color": "#ffffff", "size": 17} if is_box
            else {"color": "#1f2937", "size": 15},
            kind=kind.key,
        )
    seen: dict[tuple[str, str], int] = {}
    for e in page["edges"]:
        colour = MECHANISMS[e["mechanism"]][1]
        # a second relation between the same two nodes bends away, so both can be seen and hovered
        k = seen[(e["from"], e["to"])] = seen.get((e["from"], e["to"]), -1) + 1
        bend = {"smooth": {"enabled": True, "type": "curvedCW", "roundness": 0.2 * k}} if k else {}
        net.add_edge(
            e["from"], e["to"], id=e["id"], label=e["label"], mechanism=e["mechanism"],
            color={"color": colour, "highlight": colour, "hover": colour, "opacity": 1.0},
            width=3, arrows={"to": {"enabled": True, "scaleFactor": 0.7}}, **bend,
        )
    return net.nodes, net.edges


@cache
def vis_script() -> str:
    """The vis-network build that ships inside pyvis (no CDN)."""
    import pyvis

    path = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2" / "vis-network.min.js"
    text = path.read_text(encoding="utf-8")
    return text.replace("</script", "<\\/script")


def _embed(html: str, title: str) -> str:
    """Wrap a whole page in a sandboxed ``<iframe srcdoc>`` (escaped as an attribute)."""
    from markupsafe import Markup, escape

    return str(Markup(
        '<iframe srcdoc="{}" sandbox="allow-scripts" title="{}" '
        'style="width:100%;height:760px;border:1px solid #e3e7ee;border-radius:8px">'
        "</iframe>").format(escape(html), title))


def _render(template_name: str, page: dict[str, Any], title: str) -> str:
    """Fill a page template: the network payload as safe JSON, scripts and styles inline."""
    from markupsafe import Markup

    vis_nodes, vis_edges = _pyvis_network(page)
    targets = set(page.get("targets") or [page["region"]["id"]])
    payload = {
        "region": page["region"], "direction": page["direction"],
        "nodes": vis_nodes, "edges": vis_edges,
        "edgeInfo": {e["id"]: {k: e.get(k) for k in _EDGE_INFO_KEYS} for e in page["edges"]},
        "nodeInfo": {n["id"]: {"label": n["label"], "kind": n["kind_label"], "rank": n["rank"],
                               "target": n["id"] in targets}
                     for n in page["nodes"]},
        "candidates": [{"id": c["id"], "label": c["label"], "edges": c["edge_ids"],
                        "nodes": c["node_ids"], "score": c["score"]}
                       for c in page["candidates"]],
        "mechanisms": {k: {"label": lab, "colour": col} for k, (lab, col) in MECHANISMS.items()},
    }
    template = environment().get_template(template_name)
    return template.render(
        page=page,
        title=title,
        mechanisms_short=_MECHANISM_SHORT,
        data_json=Markup(safe_json(payload)),
        vis_js=Markup(vis_script()),
        page_css=Markup(static_text("page.css").replace("</style", "<\\/style")),
        page_js=Markup((static_text("legible.js") + static_text("trace.js")).replace(
            "</script", "<\\/script")),
    )


def trace_page_html(result: Any, *, embed: bool = False) -> str:
    """Render a trace result (schema dict or object with ``to_dict()``) as one offline page.

    With ``embed=True`` the page comes wrapped in a sandboxed ``<iframe srcdoc>``, so it can sit
    inside a Jupyter output cell without its styles or scripts touching the notebook.
    """
    if embed:
        return _embed(trace_page_html(result), "kg trace")
    page = trace_page_data(result)
    return _render("trace.html.j2", page, _title(page))


_NO_ARTICLE = {"Condition", "Finding", "RedFlag", "DiagnosticTest", "other"}


def _title(page: dict[str, Any]) -> str:
    label = page["region"]["label"]
    if page["direction"] == "forward":
        return f"Where pain from {page['region']['subject']} can be felt"
    return f"Where {label} pain can come from"


def write_trace_page(result: Any, path: str | Path) -> Path:
    """Write :func:`trace_page_html` to ``path`` (UTF-8) and return the path."""
    out = Path(path)
    out.write_text(trace_page_html(result), encoding="utf-8")
    return out


# --- differential ----------------------------------------------------------------------------


def _citations(sources: Any) -> list[str]:
    return [s.get("citation") or s.get("id", "") for s in sources or []]


def _label(ref: Mapping[str, Any] | None) -> str:
    ref = ref or {}
    return str(ref.get("label") or ref.get("id", ""))


def _test_row(test: Mapping[str, Any]) -> dict[str, Any]:
    """One examination or test to do next, with each published accuracy and its sources."""
    names = {t.get("id"): _label(t) for t in test.get("test_for") or []}
    return {
        "id": test.get("id", ""),
        "label": _label(test),
        "test_for": [_label(t) for t in test.get("test_for") or []],
        "bears_on": [_label(t) for t in test.get("bears_on") or []],
        "discriminating": bool(test.get("discriminating")),
        "accuracy": [{"for": names.get(a.get("for"), str(a.get("for") or "")),
                      "figures": accuracy_figures(a),
                      "comment": a.get("comment") or "",
                      "sources": _citations(a.get("sources"))}
                     for a in test.get("accuracy") or []],
        "sources": _citations(test.get("sources")),
    }


def _finding_row(link: Mapping[str, Any]) -> dict[str, Any]:
    lr = link.get("likelihood_ratio")
    return {
        "label": _label(link),
        "lr": f"{float(lr):.2g}" if lr is not None else "",
        "explanation": link.get("explanation", ""),
        "sources": _citations(link.get("sources")),
    }


def differential_page_data(result: Any) -> dict[str, Any]:
    """Everything the differential page shows, as plain data.

    The candidates' routes are drawn by the trace page's machinery (:func:`trace_page_data`)
    as one network; every painful region is a target node, in the rightmost column. Each
    candidate row gains what the differential adds: the regions it explains, findings for and
    against, and the tests to do next. Red flags come first and are never dropped.
    """
    data = _as_dict(result)
    query = data.get("query") or {}
    regions = [r for r in query.get("regions") or [] if r.get("id")]
    candidates = list(data.get("candidates") or [])
    page = trace_page_data({
        "query": {"region": regions[0] if regions else {}, "direction": "backward"},
        "candidates": candidates, "disclaimer": data.get("disclaimer", ""),
    })

    # Every painful region is a target, even one no route reaches; targets share the last column.
    known = {n["id"] for n in page["nodes"]}
    region_kind = KIND_BY_KEY["BodyRegion"]
    for r in regions:
        if r["id"] not in known:
            page["nodes"].append({"id": r["id"], "label": _label(r), "kind": region_kind.key,
                                  "kind_label": region_kind.label, "rank": None, "level": 0})
    # Columns end at the painful regions: a node sits one column left of its furthest
    # successor, so a one-step route (joint -> region) draws beside the regions, and the many
    # sources of a differential spread over several columns instead of one tall one.
    targets = [r["id"] for r in regions]
    ids = [n["id"] for n in page["nodes"]]
    to_end = _levels(ids, [{"from": e["to"], "to": e["from"]} for e in page["edges"]])
    last = max(to_end.values(), default=0)
    for n in page["nodes"]:
        n["level"] = last if n["id"] in targets else last - to_end[n["id"]]
    if regions and region_kind not in page["kinds"]:
        page["kinds"] = [k for k in NODE_KINDS
                         if k in page["kinds"] or k is region_kind]

    n_regions = len(regions)
    top = max((float(c.get("score") or 0.0) for c in candidates), default=0.0)
    for row, cand in zip(page["candidates"], candidates, strict=True):
        explained = {r.get("id") for r in cand.get("explains") or []}
        contrib = cand.get("contributions")
        row.update({
            # the score is a log10 odds: the bar shows the odds relative to the leader
            "score_pct": max(0, min(100, round(100 * 10 ** (row["score"] - top)))),
            "probability": (percent(float(cand["probability"]))
                            if cand.get("probability") is not None else ""),
            "contributions": contribution_lines(contrib) if contrib else [],
            "red_flag": bool(cand.get("red_flag")),
            "regions": [{"label": _label(r), "explained": r["id"] in explained}
                        for r in regions],
            "coverage": len(explained & set(targets)),
            "n_regions": n_regions,
            "supporting": [_finding_row(x) for x in cand.get("supporting_findings") or []],
            "against": [_finding_row(x) for x in cand.get("against_findings") or []],
            "tests": [_test_row(t) for t in cand.get("next_tests") or []],
        })

    rank = {c.get("id"): i + 1 for i, c in enumerate(candidates)}
    red_flags = [{
        "condition": _label(rf.get("condition")),
        "id": (rf.get("condition") or {}).get("id", ""),
        "rank": rank.get((rf.get("condition") or {}).get("id")),
        "urgency": rf.get("urgency") or "urgency not stated in the graph",
        "action": rf.get("action") or "",
        "triggered_by": [_label(f) for f in rf.get("triggered_by") or []],
        "sources": _citations(rf.get("sources")),
        "why": rf.get("why") or "",
    } for rf in data.get("red_flags") or []]

    region_labels = [_label(r) for r in regions]
    page.update({
        "targets": targets,
        "regions": region_labels,
        "findings": [_label(f) for f in query.get("findings") or []],
        "unlinked": [_label(f) for f in data.get("unlinked_findings") or []],
        "red_flags": red_flags,
        "score_note": data.get("score_note") or "",
        "probability_note": PROBABILITY_NOTE,
        "next_tests": [_test_row(t) for t in data.get("next_tests") or []],
        "region_phrase": _and(region_labels) or "these regions",
    })
    return page


def _and(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def differential_page_html(result: Any, *, embed: bool = False) -> str:
    """Render a differential (schema dict or object with ``to_dict()``) as one offline page.

    Same template family, script and style as the trace page, plus the red-flag banner, the
    query's findings, per-candidate findings and tests, and every painful region as a target.
    ``embed=True`` wraps it in a sandboxed ``<iframe srcdoc>`` for Jupyter.
    """
    if embed:
        return _embed(differential_page_html(result), "kg differential")
    page = differential_page_data(result)
    return _render("differential.html.j2", page,
                   f"Where {page['region_phrase']} pain can come from")


def write_differential_page(result: Any, path: str | Path) -> Path:
    """Write :func:`differential_page_html` to ``path`` (UTF-8) and return the path."""
    out = Path(path)
    out.write_text(differential_page_html(result), encoding="utf-8")
    return out
