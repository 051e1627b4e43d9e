"""Measure the current name resolver against tests/data/vocabulary.toml (issue 12).

Recall: share of [[phrase]] texts that resolve to their expected id. Precision: right / all
texts that resolved to anything, where a [[nomatch]] text that resolves counts as wrong.
Sentences need `kg ask`, which does not exist yet, so they are only counted.

    python3 scripts/measure_vocabulary.py [--file PATH] [--misses N]
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # measure this checkout's kg/, not an installed copy

from kg.api import load  # noqa: E402
from kg.errors import KGError  # noqa: E402
from kg.graph.resolve import resolve  # noqa: E402
from kg.graph.stats import list_nodes  # noqa: E402

DEFAULT = ROOT / "tests" / "data" / "vocabulary.toml"


def _answer(G: Any, text: str, accept: set[str] | None) -> str | None:
    """The id the resolver gives, or None when it finds nothing."""
    try:
        return resolve(G, text, accept=accept)
    except KGError:
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=DEFAULT)
    ap.add_argument("--misses", type=int, default=0, help="print up to N misses per kind")
    args = ap.parse_args(argv)
    try:
        data = tomllib.loads(args.file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        print(f"error: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    G = load()
    kinds_of: dict[str, set[str]] = {}
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # total, right, mapped
    misses: dict[str, list[str]] = defaultdict(list)
    for p in data.get("phrase", []):
        among = p.get("among")
        if among and among not in kinds_of:
            kinds_of[among] = {i["id"] for i in list_nodes(G, among)}
        got = _answer(G, p["text"], kinds_of.get(among) if among else None)
        row = rows[p["kind"]]
        row[0] += 1
        row[1] += got == p["id"]
        row[2] += got is not None
        if got != p["id"]:
            misses[p["kind"]].append(f"{p['text']!r} -> {got} (want {p['id']})")
    nomatch = data.get("nomatch", [])
    false_hits = [(n["text"], got) for n in nomatch if (got := _answer(G, n["text"], None))]
    print(f"{'kind':<16}{'n':>6}{'right':>7}{'mapped':>8}{'recall':>8}{'precision':>11}")
    total = [0, 0, 0]
    for kind in sorted(rows):
        n, right, mapped = rows[kind]
        total = [a + b for a, b in zip(total, rows[kind], strict=True)]
        prec = f"{right / mapped:.2f}" if mapped else "-"
        print(f"{kind:<16}{n:>6}{right:>7}{mapped:>8}{right / n:>8.2f}{prec:>11}")
    n, right, mapped = total
    mapped_all = mapped + len(false_hits)
    print(f"{'ALL phrases':<16}{n:>6}{right:>7}{mapped:>8}{right / max(n, 1):>8.2f}"
          f"{(right / mapped_all if mapped_all else 0):>11.2f}")
    print(f"nomatch: {len(nomatch)} entries, {len(false_hits)} wrongly mapped"
          + "".join(f"\n  {t!r} -> {g}" for t, g in false_hits))
    print(f"sentences: {len(data.get('sentence', []))} (not measured: no `kg ask` yet)")
    for kind in sorted(misses):
        for line in misses[kind][: args.misses]:
            print(f"miss [{kind}] {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
