"""Throughput and latency of ``kg serve`` against rdflib-endpoint, on the same data, same run.

Run: ``python bench/bench_server.py [--clients 16] [--rounds 3] [--soak 60]``

Both servers run as subprocesses on 127.0.0.1 and load the shipped data (kg serve: Oxigraph
worker processes; rdflib-endpoint: the rdflib graph from ``kg.store.load_rdf``). The workload is
every named query in ``queries/`` (not the ``*-violation`` checks) with its default parameters,
bound by a VALUES block exactly as ``kg query`` does. Before timing, the script checks that
both servers return the same number of rows for every query.

Load: ``--clients`` concurrent keep-alive HTTP clients (threads spread over two client
processes so the client's own GIL does not cap the server), each running a bounded loop of
``--rounds`` passes over the workload, starting at a different query. Reported per server:
requests, wall time, throughput, p50 and p99 latency; then the throughput ratio.

``--soak N``: then ``2 × clients`` clients for N seconds against kg serve (timeout 2 s),
mixing the named queries with malformed, update and runaway queries; reports failed
well-formed requests (must be 0), how the others were answered, the server's memory over
time (the main process alone, and the whole tree with its workers, which moves as cancelled
workers are replaced), and whether it still answers at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"
MALFORMED = "SELECT ?x WHERE { ?x ?y }"
UPDATE = "DELETE WHERE { ?s ?p ?o }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"

RDFLIB_ENDPOINT = """
import sys, uvicorn
from rdflib_endpoint import SparqlEndpoint
from kg.store.files import load_rdf
app = SparqlEndpoint(graph=load_rdf(), cors_enabled=True)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def workload() -> list[tuple[str, str]]:
    from kg.sparql.named import load_queries
    from kg.store.backends import with_values

    out = []
    for nq in load_queries().values():
        if nq.is_violation_check:
            continue
        b = nq.bindings()
        out.append((nq.name, with_values(nq.text, b) if b else nq.text))
    return out


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd: list[str], url: str) -> subprocess.Popen:
    import urllib.error
    import urllib.request

    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{cmd[:4]} exited: {proc.stderr.read().decode()[-1500:]}")
        try:
            urllib.request.urlopen(url + "?query=" + urllib.parse.quote("ASK {}"), timeout=2)
            return proc
        except urllib.error.HTTPError:
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{url} did not come up")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


class Client:
    """One keep-alive HTTP/1.1 connection posting form-encoded queries."""

    def __init__(self, url: str, timeout: float = 120) -> None:
        u = urllib.parse.urlparse(url)
        self.host, self.port, self.path = u.hostname, u.port, u.path or "/"
        self.timeout = timeout
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def post(self, query: str) -> tuple[int, bytes]:
        body = urllib.parse.urlencode({"query": query})
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT}
        for attempt in (0, 1):
            try:
                self.conn.request("POST", self.path, body, headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port,
                                                       timeout=self.timeout)
                if attempt:
                    raise
        raise AssertionError("unreachable")


def rows_in(status: int, body: bytes) -> int:
    if status != 200:
        return -status
    try:
        doc = json.loads(body)
    except ValueError:  # a graph (Turtle): count its triples
        from rdflib import Graph

        return len(Graph().parse(data=body, format="turtle"))
    if "boolean" in doc:
        return int(doc["boolean"])
    return len(doc["results"]["bindings"])


def _client_process(url: str, queries: list[str], threads: int, first: int, rounds: int
                    ) -> tuple[float, float, list[float], int]:
    """Run ``threads`` clients in this process; return (start, end, latencies, errors)."""
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def run(k: int) -> None:
        c = Client(url)
        mine, bad = [], 0
        order = queries[k % len(queries):] + queries[: k % len(queries)]
        barrier.wait()
        for _ in range(rounds):
            for q in order:
                t0 = time.perf_counter()
                status, _ = c.post(q)
                mine.append(time.perf_counter() - t0)
                bad += status != 200
        with lock:
            lat.extend(mine)
            errors[0] += bad

    ts = [threading.Thread(target=run, args=(first + i,)) for i in range(threads)]
    t_start = time.time()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return t_start, time.time(), lat, errors[0]


def load(url: str, queries: list[str], clients: int, rounds: int) -> dict:
    procs = 2 if clients >= 2 else 1
    per = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
    with ProcessPoolExecutor(procs) as ex:
        futs = [ex.submit(_client_process, url, queries, n, sum(per[:i]), rounds)
                for i, n in enumerate(per)]
        parts = [f.result() for f in futs]
    start = min(p[0] for p in parts)
    end = max(p[1] for p in parts)
    lat = sorted(x for p in parts for x in p[2])
    return {
        "requests": len(lat),
        "errors": sum(p[3] for p in parts),
        "wall_s": end - start,
        "throughput_rps": len(lat) / (end - start),
        "p50_ms": 1000 * statistics.median(lat),
        "p99_ms": 1000 * lat[min(len(lat) - 1, int(0.99 * len(lat)))],
    }


def per_query_latency(url: str, work: list[tuple[str, str]], reps: int) -> dict[str, float]:
    c = Client(url)
    out = {}
    for name, q in work:
        c.post(q)
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            c.post(q)
            times.append(time.perf_counter() - t0)
        out[name] = 1000 * statistics.median(times)
    return out


def rss_mb(pid: int) -> float:
    """Resident memory of one process, in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def rss_tree_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (Linux /proc), in MB.

    Shared pages count once per process, so this overstates the total; it is meant to show
    whether memory stays flat over a run.
    """
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            parent[int(d.name)] = int(fields[1])
            for line in (d / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss[int(d.name)] = int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {pid}, [pid]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parent.items() if pp == p and c not in tree]
        tree.update(kids)
        frontier.extend(kids)
    return sum(rss.get(p, 0) for p in tree) / 1024


def soak(url: str, pid: int, queries: list[str], clients: int, seconds: float) -> dict:
    stats = {"well_formed": 0, "well_formed_failed": 0, "malformed_400": 0, "update_403": 0,
             "runaway_503": 0, "other_unexpected": 0}
    lock = threading.Lock()
    memory: list[tuple[float, float]] = []
    stop_at = time.monotonic() + seconds
    t0 = time.monotonic()

    def run(k: int) -> None:
        c = Client(url, timeout=300)
        i = k
        local = dict.fromkeys(stats, 0)
        while time.monotonic() < stop_at:
            i += 1
            if i % 50 == 0:
                status, _ = c.post(RUNAWAY)
                local["runaway_503" if status == 503 else "other_unexpected"] += 1
            elif i % 10 == 3:
                status, _ = c.post(MALFORMED)
                local["malformed_400" if status == 400 else "other_unexpected"] += 1
            elif i % 10 == 7:
                status, _ = c.post(UPDATE)
                local["update_403" if status == 403 else "other_unexpected"] += 1
            else:
                status, _ = c.post(queries[i % len(queries)])
                local["well_formed"] += 1
                local["well_formed_failed"] += status != 200
        with lock:
            for key, v in local.items():
                stats[key] += v

    main_rss: list[float] = []

    def sample() -> None:
        while time.monotonic() < stop_at:
            memory.append((time.monotonic() - t0, rss_tree_mb(pid)))
            main_rss.append(rss_mb(pid))
            time.sleep(2)

    threads = [threading.Thread(target=run, args=(k * 7,)) for k in range(clients)]
    sampler = threading.Thread(target=sample)
    sampler.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sampler.join()
    status, _ = Client(url).post("ASK { ?s ?p ?o }")
    stats["still_up"] = status == 200
    stats["rss_mb_first"] = memory[0][1] if memory else None
    stats["rss_mb_max"] = max(m for _, m in memory) if memory else None
    stats["rss_mb_last"] = memory[-1][1] if memory else None
    stats["rss_samples"] = [(round(t, 1), round(m, 1)) for t, m in memory]
    stats["main_rss_mb_first"] = main_rss[0] if main_rss else None
    stats["main_rss_mb_last"] = main_rss[-1] if main_rss else None
    stats["rss_mb_min"] = min(m for _, m in memory) if memory else None
    return stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3,
                    help="passes over the workload per client, per server (default 3)")
    ap.add_argument("--reps", type=int, default=5, help="repetitions for per-query medians")
    ap.add_argument("--workers", type=int, default=None, help="kg serve --workers")
    ap.add_argument("--soak", type=float, default=0, help="seconds of soak run (0: skip)")
    ap.add_argument("--soak-only", action="store_true", help="skip the comparison")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args()

    work = workload()
    queries = [q for _, q in work]
    report: dict = {"cpus": os.cpu_count(), "clients": args.clients, "queries": len(work)}
    if not args.soak_only:
        compare(args, work, queries, report)
    if args.soak:
        run_soak(args, queries, report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


def compare(args: argparse.Namespace, work: list[tuple[str, str]], queries: list[str],
            report: dict) -> None:
    """kg serve against rdflib-endpoint: same data, same queries, same clients."""
    kg_port, rl_port = free_port(), free_port()
    kg_url = f"http://127.0.0.1:{kg_port}/sparql"
    rl_url = f"http://127.0.0.1:{rl_port}/"
    kg_cmd = [sys.executable, "-m", "kg.cli", "serve", "--port", str(kg_port)]
    if args.workers:
        kg_cmd += ["--workers", str(args.workers)]
    kg_proc = start(kg_cmd, kg_url)
    rl_proc = start([sys.executable, "-c", RDFLIB_ENDPOINT, str(rl_port)], rl_url)
    try:
        # same data, same answers (row counts) before anything is timed
        a, b = Client(kg_url), Client(rl_url)
        mismatch = []
        for name, q in work:
            ra, rb = rows_in(*a.post(q)), rows_in(*b.post(q))
            if ra != rb or ra < 0:
                mismatch.append((name, ra, rb))
        report["row_count_mismatches"] = mismatch
        print(f"{len(work)} named queries; row counts differ for: {mismatch or 'none'}")

        lat_kg = per_query_latency(kg_url, work, args.reps)
        lat_rl = per_query_latency(rl_url, work, args.reps)
        report["per_query_median_ms"] = {n: {"kg_serve": lat_kg[n], "rdflib_endpoint": lat_rl[n]}
                                         for n, _ in work}
        print(f"\nsingle client, median of {args.reps} (ms)")
        print(f"{'query':24s} {'kg serve':>9s} {'rdflib-ep':>10s} {'ratio':>7s}")
        for n, _ in work:
            print(f"{n:24s} {lat_kg[n]:9.2f} {lat_rl[n]:10.2f} {lat_rl[n] / lat_kg[n]:7.1f}")

        res = {}
        for label, url in (("rdflib-endpoint", rl_url), ("kg serve", kg_url)):
            res[label] = load(url, queries, args.clients, args.rounds)
        report["load"] = res
        ratio = res["kg serve"]["throughput_rps"] / res["rdflib-endpoint"]["throughput_rps"]
        report["throughput_ratio"] = ratio
        print(f"\n{args.clients} concurrent clients, {args.rounds} passes each over "
              f"{len(work)} named queries")
        print(f"{'server':16s} {'requests':>8s} {'errors':>6s} {'wall s':>7s} {'req/s':>8s} "
              f"{'p50 ms':>8s} {'p99 ms':>8s}")
        for label, r in res.items():
            print(f"{label:16s} {r['requests']:8d} {r['errors']:6d} {r['wall_s']:7.2f} "
                  f"{r['throughput_rps']:8.1f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f}")
        print(f"throughput ratio kg serve / rdflib-endpoint: {ratio:.1f}x (goal >= 5x)")
    finally:
        stop(rl_proc)
        stop(kg_proc)


def run_soak(args: argparse.Namespace, queries: list[str], report: dict) -> None:
    """Many clients mixing good, malformed, update and runaway queries against kg serve."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/sparql"
    cmd = [sys.executable, "-m", "kg.cli", "serve", "--port", str(port), "--timeout", "2"]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    proc = start(cmd, url)
    try:
        s = soak(url, proc.pid, queries, 2 * args.clients, args.soak)
    finally:
        alive = proc.poll() is None
        stop(proc)
    s["process_alive_at_end"] = alive
    report["soak"] = s
    print(f"\nsoak: {2 * args.clients} clients for {args.soak:g} s against kg serve "
          "(timeout 2 s)")
    for k in ("well_formed", "well_formed_failed", "malformed_400", "update_403",
              "runaway_503", "other_unexpected", "still_up", "process_alive_at_end",
              "main_rss_mb_first", "main_rss_mb_last", "rss_mb_first", "rss_mb_min",
              "rss_mb_max", "rss_mb_last"):
        print(f"  {k:22s} {s[k]}")


if __name__ == "__main__":
    main()
