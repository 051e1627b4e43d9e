"""Named-query latency as the RDF grows: embedded store and ``kg serve``, same data, same run.

Run: ``python bench/bench_scale_sparql.py [--sizes 1,10] [--runs 7]`` (needs the ``uberon`` and
``server`` extras). Sizes: the curated data alone; with the UBERON release as RDF (label,
synonyms and direct is_a/part_of parents of every class, about 16,000 classes); then synthetic
copies of both (renamed IRIs, same shape) up to ``--sizes`` times that. Each size is written to
a temporary data folder; the embedded backend loads it in-process and ``kg --data DIR serve``
serves it on 127.0.0.1.

Reported per size: triples, embedded load time, and the median over the named queries (default
parameters, bound by a VALUES block as ``kg query`` does) of each query's median latency,
embedded and through the endpoint; ratios are against the curated data in the same run.
"""

from __future__ import annotations

import argparse
import gc
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_server import free_port, workload  # noqa: E402  (the same workload, one definition)

OBO = "http://purl.obolibrary.org/obo/"
LP = "https://w3id.org/lumbopelvic-kg/id/"
SRC = "https://w3id.org/lumbopelvic-kg/source/"


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def uberon_ntriples() -> str:
    from kg.graph.uberon import read_release

    lines = []
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    alt = "<http://www.w3.org/2004/02/skos/core#altLabel>"
    broader = "<http://www.w3.org/2004/02/skos/core#broader>"
    cls = "<http://www.w3.org/2002/07/owl#Class>"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    for cid, rec in read_release().items():
        if rec.get("deprecated") or not cid.startswith("UBERON:"):
            continue
        s = f"<{OBO}{cid.replace(':', '_')}>"
        lines.append(f"{s} {rdf_type} {cls} .")
        lines.append(f"{s} {label} {_lit(rec.get('label') or cid)} .")
        lines += [f"{s} {alt} {_lit(x)} ." for x in rec.get("synonyms", ())]
        lines += [f"{s} {broader} <{OBO}{p.replace(':', '_')}> ."
                  for p, d in rec.get("ancestors", {}).items() if d == 1]
    return "\n".join(lines) + "\n"


def build_dir(folder: Path, with_uberon: bool, copies: int) -> int:
    """Write the data (and UBERON, and synthetic copies) as Turtle files; return triple count."""
    from kg.store.files import load_rdf

    curated = load_rdf().serialize(format="nt")
    base = curated + (uberon_ntriples() if with_uberon else "")
    (folder / "data.ttl").write_text(base)
    n = base.count("\n")
    for i in range(1, copies):
        copy = (base.replace(LP, f"{LP}syn{i}/").replace(SRC, f"{SRC}syn{i}/")
                .replace(f"<{OBO}UBERON_", f"<{OBO}SYN{i}_UBERON_"))
        (folder / f"copy{i}.ttl").write_text(copy)
        n += copy.count("\n")
    return n


def _median_ms(fn, runs: int) -> float:
    fn()
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return 1000 * statistics.median(ts)


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the server and its query workers)."""
    out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(pid), "-p", str(pid)],
                         capture_output=True, text=True).stdout
    return sum(int(x) for x in out.split()) / 1024


def measure(folder: Path, runs: int) -> dict:
    from kg.store.backends import EmbeddedBackend, RemoteBackend

    t0 = time.perf_counter()
    embedded = EmbeddedBackend(folder)
    load = time.perf_counter() - t0
    queries = workload()
    emb = [_median_ms(partial(embedded.query, q), runs) for _, q in queries]
    embedded_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    del embedded  # free the in-process store before the server loads its own copies
    gc.collect()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "kg.cli", "--data", str(folder), "serve",
                               "--port", str(port), "--workers", "2"],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/sparql"
    rem: list[float] = []
    server_rss = float("nan")
    try:
        deadline = time.time() + 600
        while True:
            try:
                urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    tail = server.stderr.read().decode().strip().splitlines()[-3:]
                    print(f"kg serve did not start on {folder}: {' | '.join(tail)}",
                          file=sys.stderr)
                    break
                time.sleep(0.5)
        if server.poll() is None:
            remote = RemoteBackend(url)
            rem = [_median_ms(lambda q=q: remote.query(q), runs) for _, q in queries]
            server_rss = _tree_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"load_s": load, "embedded_ms": statistics.median(emb),
            "endpoint_ms": statistics.median(rem) if rem else float("nan"),
            "queries": len(queries),
            "embedded_rss_mb": embedded_rss,
            "server_rss_mb": server_rss}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1,10", help="growth factors over curated+UBERON")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    plan = [("curated", False, 1)] + [("uberon", True, int(f)) for f in args.sizes.split(",")]
    rows = []
    for kind, with_uberon, factor in plan:
        folder = Path(tempfile.mkdtemp(prefix="kg-scale-"))
        try:
            triples = build_dir(folder, with_uberon, factor)
            rows.append((kind, factor, triples, measure(folder, args.runs)))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    base = rows[0][3]
    print(f"| data | triples | embedded load s | named query ms, embedded (x curated) | "
          f"named query ms, endpoint (x curated) | embedded peak RSS MB | server RSS MB |  "
          f"({base['queries']} named queries, median of per-query medians over {args.runs} runs)")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind, factor, triples, r in rows:
        name = "curated" if kind == "curated" else (
            "curated + UBERON" if factor == 1 else f"curated + UBERON, x{factor} synthetic")
        print(f"| {name} | {triples:,} | {r['load_s']:.2f} | {r['embedded_ms']:.2f} "
              f"({r['embedded_ms'] / base['embedded_ms']:.2f}x) | {r['endpoint_ms']:.2f} "
              f"({r['endpoint_ms'] / base['endpoint_ms']:.2f}x) | {r['embedded_rss_mb']:.0f} | "
              f"{r['server_rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
