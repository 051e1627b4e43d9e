"""In-process speed of the differential: one presentation, and the whole evaluation set.

Run: ``python bench/bench_differential.py [--runs 30]``. The graph is loaded once (its load time
is reported separately); each timed call is a complete ``kg.differential`` (resolution, one
backward trace per region, priors, region likelihoods, findings present and absent, red flags,
next tests) or a complete evaluation run. The median of ``--runs`` repetitions is reported, with
the first (cold-index) call shown apart.

Baseline, measured in the same run: the backward traces alone (one ``kg.trace`` per painful
region, the work any ranking of these routes must do), so the cost of the ranking itself is the
difference. Targets (issue 11): differential < 50 ms median, evaluation of >= 110 cases < 2 s.

The evaluation set is every case file in data/cases/ *except the frozen split* (it is never run
while tuning; ``--all-splits`` includes it, for the lead), cycled to at least ``--min-cases``
cases when fewer exist, so the timing is of >= 110 case runs.
"""

from __future__ import annotations

import argparse
import contextlib
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
    from kg.graph.build import types_of
    from kg.graph.resolve import resolve
    from kg.reason.differential import FINDING

    allowed = sorted(n for n in G.nodes if FINDING in types_of(G, n))
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
    ap.add_argument("--cases", action="append", default=None,
                    help="cases file; repeatable (default: every file in data/cases/)")
    ap.add_argument("--all-splits", action="store_true",
                    help="include the frozen split (the lead's measurement only)")
    ap.add_argument("--min-cases", type=int, default=110)
    args = ap.parse_args()

    import kg
    from kg.reason.evaluate import case_files, evaluate, load_cases

    t0 = time.perf_counter()
    G = kg.load()
    load_s = time.perf_counter() - t0
    findings = _findings(G, FINDINGS)
    files = args.cases or [str(f) for f in case_files()]
    cases = [c for f in files for c in load_cases(f) if args.all_splits or c.split != "frozen"]
    distinct = len(cases)
    runs_of = cases
    while len(runs_of) < args.min_cases:
        runs_of = runs_of + cases[:args.min_cases - len(runs_of)]
    absent = findings[:1]
    present = findings[1:]

    def traces_only() -> None:
        for r in REGIONS:
            kg.trace(r, graph=G)

    def traces_of_cases() -> None:
        for c in runs_of:
            for r in c.regions:
                with contextlib.suppress(kg.KGError):
                    kg.trace(r, graph=G)

    first_b, med_b = timed(traces_only, args.runs)
    first_d, med_d = timed(lambda: kg.differential(REGIONS, findings, graph=G), args.runs)
    first_a, med_a = timed(lambda: kg.differential(REGIONS, present, graph=G, absent=absent),
                           args.runs)
    eval_runs = max(5, args.runs // 3)
    first_be, med_be = timed(traces_of_cases, eval_runs)
    first_e, med_e = timed(lambda: evaluate(G, runs_of), eval_runs)
    result = kg.differential(REGIONS, findings, graph=G)
    report = evaluate(G, cases)

    print(f"graph: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges; "
          f"kg.load() {1000 * load_s:.0f} ms")
    print(f"presentation: regions {REGIONS}; findings {[G.nodes[f]['label'] for f in findings]}")
    print(f"              {len(result.candidates)} candidates, {len(result.red_flags)} red flag(s)")
    print()
    print("| measure | first call ms | median ms |")
    print("|---|---:|---:|")
    print(f"| baseline: 3 backward traces only (median of {args.runs}) "
          f"| {1000 * first_b:.1f} | {1000 * med_b:.1f} |")
    print(f"| differential, 3 regions + 4 findings (median of {args.runs}) "
          f"| {1000 * first_d:.1f} | {1000 * med_d:.1f} |")
    print(f"| differential, 3 regions + 3 present + 1 absent (median of {args.runs}) "
          f"| {1000 * first_a:.1f} | {1000 * med_a:.1f} |")
    print(f"| baseline: the traces of {len(runs_of)} case runs only (median of {eval_runs}) "
          f"| {1000 * first_be:.1f} | {1000 * med_be:.1f} |")
    print(f"| evaluation, {len(runs_of)} case runs of {distinct} distinct cases "
          f"(median of {eval_runs}) | {1000 * first_e:.1f} | {1000 * med_e:.1f} |")
    print()
    print(f"evaluation ({distinct} cases, frozen split "
          f"{'included' if args.all_splits else 'left out'}): top-1 {report.top1:.0%}, "
          f"top-3 {report.top3:.0%}, top-5 {report.top5:.0%}, MRR {report.mrr:.3f}, "
          f"red-flag sensitivity {report.red_flag_sensitivity}, "
          f"false alarms {report.false_alarm_rate}")


if __name__ == "__main__":
    main()
