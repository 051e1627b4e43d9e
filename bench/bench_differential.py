"""In-process speed of the differential: one presentation, and the whole evaluation set.

Run: ``python bench/bench_differential.py [--runs 30]``. The graph is loaded once (its load time
is reported separately); each timed call is a complete ``kg.differential`` (resolution, one
backward trace per region, findings, red flags, next tests) or a complete evaluation run. The
median of ``--runs`` repetitions is reported, with the first (cold-index) call shown apart.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REGIONS = ["groin", "lower back", "medial thigh"]
#: Four findings of a combined presentation; any the data lacks is replaced (and reported).
FINDINGS = ["positive femoral nerve stretch test", "positive sacroiliac provocation cluster",
            "pain-free hip rotation", "saddle numbness"]


def _findings(G, wanted: list[str]) -> list[str]:
    from kg.errors import UnknownTermError
    from kg.graph.resolve import resolve
    from kg.reason.differential import FINDING, _types

    allowed = sorted(n for n in G.nodes if FINDING in _types(G, n))
    chosen: list[str] = []
    for term in wanted:
        try:
            chosen.append(resolve(G, term, accept=allowed))
        except UnknownTermError:
            print(f"note: finding {term!r} is not in the data; using another", file=sys.stderr)
    for node in allowed:
        if len(chosen) >= len(wanted):
            break
        if node not in chosen:
            chosen.append(node)
    return chosen


def timed(fn, runs: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return first, statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--cases", default=None, help="cases file (default data/cases/cases.toml)")
    args = ap.parse_args()

    import kg
    from kg.reason.evaluate import evaluate, load_cases

    t0 = time.perf_counter()
    G = kg.load()
    load_s = time.perf_counter() - t0
    findings = _findings(G, FINDINGS)
    cases = load_cases(args.cases)

    first_d, med_d = timed(lambda: kg.differential(REGIONS, findings, graph=G), args.runs)
    first_e, med_e = timed(lambda: evaluate(G, cases), max(5, args.runs // 3))
    result = kg.differential(REGIONS, findings, graph=G)
    report = evaluate(G, cases)

    print(f"graph: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges; "
          f"kg.load() {1000 * load_s:.0f} ms")
    print(f"presentation: regions {REGIONS}; findings {[G.nodes[f]['label'] for f in findings]}")
    print(f"              {len(result.candidates)} candidates, {len(result.red_flags)} red flag(s)")
    print()
    print("| measure | first call ms | median ms |")
    print("|---|---:|---:|")
    print(f"| differential, 3 regions + 4 findings (median of {args.runs}) "
          f"| {1000 * first_d:.1f} | {1000 * med_d:.1f} |")
    print(f"| full evaluation set, {len(cases)} cases (median of {max(5, args.runs // 3)}) "
          f"| {1000 * first_e:.1f} | {1000 * med_e:.1f} |")
    print()
    print(f"evaluation: top-1 {report.top1:.0%}, top-3 {report.top3:.0%}, top-5 {report.top5:.0%}, "
          f"red-flag sensitivity {report.red_flag_sensitivity}, "
          f"false alarms {report.false_alarm_rate}")


if __name__ == "__main__":
    main()
