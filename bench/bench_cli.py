"""Cold-process latency of answering commands, as a ratio to ``python -c "import networkx"``.

Run: ``python bench/bench_cli.py [--runs 15]``. Each run starts a fresh interpreter; the
baseline and the commands are interleaved so machine noise hits them alike. The graph cache is
warmed first (the first run after a data change builds it; that cost is reported separately).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = {
    "baseline: python -c 'import networkx'": [sys.executable, "-c", "import networkx"],
    "kg trace groin": [sys.executable, "-m", "kg.cli", "trace", "groin"],
    "kg trace groin --json": [sys.executable, "-m", "kg.cli", "trace", "groin", "--json"],
    "kg show 'psoas major'": [sys.executable, "-m", "kg.cli", "show", "psoas major"],
}


def wall(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    cache = tempfile.mkdtemp(prefix="kg-bench-cache-")
    env = dict(os.environ, KG_CACHE_DIR=cache)
    try:
        build = wall(COMMANDS["kg trace groin"], env)  # builds the cache
        times: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for _ in range(args.runs):
            for name, cmd in COMMANDS.items():
                times[name].append(wall(cmd, env))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    base = statistics.median(times[next(iter(COMMANDS))])
    print(f"| command (median of {args.runs} cold processes) | wall ms | ratio to baseline |")
    print("|---|---:|---:|")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"| {name} | {1000 * med:.0f} | {med / base:.2f} |")
    print(f"| first `kg trace groin` (builds the cache) | {1000 * build:.0f} "
          f"| {build / base:.2f} |")


if __name__ == "__main__":
    main()
