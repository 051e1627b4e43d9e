"""How cost grows with the graph: curated alone, with UBERON merged, then x10 and x100.

Run: ``python bench/bench_scale.py [--sizes 1,10,100] [--runs 7]`` (needs the ``uberon``
extra). Each size runs in its own process so peak memory is that size's alone. Growth beyond
UBERON is synthetic: copies of the merged graph (renamed nodes and labels, same attributes and
edge density, pain relations included) added beside the real one, so a trace must find the
groin's routes among many more nodes and pain edges than it walks.

Columns: cache build (project + merge + index + pickle), load (unpickle, what a CLI run pays),
trace and differential latency in-process (median of ``--runs``), peak RSS of the process.
Ratios are against the curated graph measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FINDINGS = ("saddle numbness",)


def _grow(G, copies: int):
    """Add ``copies`` renamed copies of every node and edge of ``G`` (in place)."""
    nodes = list(G.nodes(data=True))
    edges = list(G.edges(keys=True, data=True))
    for i in range(1, copies):
        suffix = f"#syn{i}"
        for n, d in nodes:
            attrs = {k: (list(v) if isinstance(v, list) else v) for k, v in d.items()}
            attrs["label"] = f"{d.get('label', n)} (copy {i})"
            attrs["synonyms"] = [f"{s} (copy {i})" for s in d.get("synonyms", ())]
            G.add_node(n + suffix, **attrs)
        for u, v, k, d in edges:
            G.add_edge(u + suffix, v + suffix, key=k, **dict(d, evidence=list(d["evidence"])))
    return G


def _median_ms(fn, runs: int) -> float:
    fn()  # warm
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def child(kind: str, factor: int, runs: int) -> dict:
    import kg
    from kg.graph.build import prepare
    from kg.graph.project import to_networkx
    from kg.reason.trace import trace
    from kg.store.files import load_rdf

    t0 = time.perf_counter()
    G = to_networkx(load_rdf())
    if kind != "curated":
        from kg.graph.uberon import merge_uberon, read_release

        merge_uberon(G, read_release())
    if factor > 1:
        _grow(G, factor)
    prepare(G)
    with tempfile.NamedTemporaryFile(suffix=".pickle", delete=False) as fh:
        pickle.dump(G, fh, protocol=pickle.HIGHEST_PROTOCOL)
        path = fh.name
    build = time.perf_counter() - t0
    del G
    t0 = time.perf_counter()
    with open(path, "rb") as fh:
        G = pickle.load(fh)
    load = time.perf_counter() - t0
    os.unlink(path)
    out = {
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "build_s": build,
        "load_s": load,
        "trace_ms": _median_ms(lambda: trace(G, "groin"), runs),
        "trace_forward_ms": _median_ms(lambda: trace(G, "sacroiliac joint", forward=True),
                                       runs),
    }
    differential = getattr(kg.api, "differential", None)
    if callable(differential):
        out["differential_ms"] = _median_ms(
            lambda: differential(["groin", "lower back", "buttock"], FINDINGS, graph=G), runs)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1,10,100", help="growth factors over curated+UBERON")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--child", nargs=2, metavar=("KIND", "FACTOR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]), args.runs)))
        return
    plan = [("curated", 1)] + [("uberon", int(f)) for f in args.sizes.split(",")]
    rows = []
    for kind, factor in plan:
        proc = subprocess.run([sys.executable, __file__, "--runs", str(args.runs),
                               "--child", kind, str(factor)],
                              capture_output=True, text=True, check=True, cwd=ROOT)
        rows.append((kind, factor, json.loads(proc.stdout.strip().splitlines()[-1])))
    base = rows[0][2]
    print("| graph | nodes | edges | cache build s | load s | trace ms (x curated) | "
          "forward trace ms | differential ms | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind, factor, r in rows:
        name = "curated" if kind == "curated" else (
            "curated + UBERON" if factor == 1 else f"curated + UBERON, x{factor} synthetic")
        diff = f"{r['differential_ms']:.2f}" if "differential_ms" in r else "n/a"
        print(f"| {name} | {r['nodes']:,} | {r['edges']:,} | {r['build_s']:.2f} | "
              f"{r['load_s']:.2f} | {r['trace_ms']:.2f} ({r['trace_ms'] / base['trace_ms']:.2f}x) "
              f"| {r['trace_forward_ms']:.2f} | {diff} | {r['peak_rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
