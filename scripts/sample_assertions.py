"""Draw N random quantified assertions, with their source fields, for a person to check.

A reviewer's spot-check made a habit (issue 18): each drawn assertion is printed with the
figure as the graph states it, the population, design and comment on its axiom, and the full
citation and links of its source, so a person can open the source and write a verdict.

    python3 scripts/sample_assertions.py [-n 30] [--seed 2026] [--json]

The same seed draws the same assertions from the same data, so a recorded review can be
re-run and compared.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # sample this checkout's data, not an installed copy

from kg.api import load  # noqa: E402
from kg.explain.words import figure_text  # noqa: E402

FIGURES = ("frequency", "sensitivity", "specificity", "lr_positive", "lr_negative")


def quantified(G) -> list[dict]:
    """Every axiom that carries a figure, as one row per axiom, in a stable order."""
    rows = []
    for u, v, key, e in sorted(G.edges(keys=True, data=True), key=lambda t: t[:3]):
        for item in e.get("evidence", ()):
            if not any(item.get(f) is not None for f in FIGURES):
                continue
            sources = G.graph.get("sources", {})
            rows.append({
                "subject": G.nodes[u].get("label", u), "relation": e.get("label", key),
                "object": G.nodes[v].get("label", v),
                "figure": figure_text(item) if item.get("frequency") is not None else "",
                "accuracy": {f: item[f] for f in FIGURES[1:] if item.get(f) is not None},
                "population": item.get("population"), "design": item.get("study_design"),
                "comment": item.get("comment"),
                "sources": [{"id": s, "citation": sources.get(s, {}).get("citation", s),
                             "urls": sources.get(s, {}).get("urls", [])}
                            for s in item.get("sources", ())],
            })
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=30, help="how many assertions (default 30)")
    ap.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    ap.add_argument("--json", action="store_true", help="print JSON")
    args = ap.parse_args(argv)
    if args.n < 1:
        print("error: -n must be at least 1", file=sys.stderr)
        return 2
    rows = quantified(load())
    drawn = random.Random(args.seed).sample(rows, min(args.n, len(rows)))
    if args.json:
        print(json.dumps(drawn, indent=2, ensure_ascii=False))
        return 0
    print(f"{len(drawn)} of {len(rows)} quantified assertions (seed {args.seed})\n")
    for i, r in enumerate(drawn, 1):
        print(f"{i:>2}. {r['subject']} {r['relation']} {r['object']}")
        if r["figure"]:
            print(f"    figure: {r['figure']}")
        if r["accuracy"]:
            print(f"    accuracy: {r['accuracy']}")
        for key in ("population", "design", "comment"):
            if r[key]:
                print(f"    {key}: {r[key]}")
        for s in r["sources"]:
            print(f"    source: {s['citation']}")
            for url in s["urls"]:
                print(f"            {url}")
        print("    verdict: ____")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
