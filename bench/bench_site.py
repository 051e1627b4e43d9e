"""How fast the atlas builds and opens: ``kg site`` build time, page weight, and the time from
navigation to an interactive network in headless Chromium (explorer and largest region page).

Run: ``python bench/bench_site.py [--runs 5] [--out DIR]``. Builds are timed in-process on an
already loaded graph (median of ``--runs``), plus one cold ``kg site`` process. In the browser,
"interactive" is the first ``afterDrawing`` of the vis network (the page sets
``data-network-ready``; ``kgSite.*.readyAt`` is ``performance.now()`` at that moment, i.e. ms since
navigation started). Every non-file request is aborted, as in the tests. Goal: under 1 s for
the full graph.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

READY = "document.documentElement.getAttribute('data-network-ready') === 'true'"


def _size(path: Path) -> int:
    return path.stat().st_size


def _largest_region(site: Path) -> tuple[Path, int]:
    best, count = None, -1
    for page in (site / "regions").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        payload = json.loads(text.split('id="kg-network">', 1)[1].split("</script>", 1)[0])
        if len(payload["nodes"]) > count:
            best, count = page, len(payload["nodes"])
    assert best is not None
    return best, count


def _open_times(page_path: Path, api: str, runs: int) -> dict[str, float]:
    from tests.browser import launch_chromium, open_page

    ready, dcl, load = [], [], []
    with launch_chromium() as browser:
        for _ in range(runs + 1):  # first run warms the browser's disk cache; dropped
            with open_page(browser) as watched:
                watched.page.goto(page_path.resolve().as_uri())
                watched.page.wait_for_function(READY, timeout=30000)
                t = watched.page.evaluate(f"""() => {{
                    const nav = performance.getEntriesByType('navigation')[0];
                    return [kgSite.{api}.readyAt, nav.domContentLoadedEventEnd, nav.loadEventEnd];
                }}""")
                assert not watched.blocked and not watched.console_errors
                ready.append(t[0])
                dcl.append(t[1])
                load.append(t[2])
    return {"ready": statistics.median(ready[1:]), "dcl": statistics.median(dcl[1:]),
            "load": statistics.median(load[1:])}


def _replicated(G, copies: int):
    """``copies`` disjoint copies of the graph (ids suffixed), for a scaling measurement only."""
    import networkx as nx

    big = nx.MultiDiGraph()
    big.graph.update({k: v for k, v in G.graph.items() if not k.startswith("_")})
    for i in range(copies):
        def rename(n: str, i: int = i) -> str:
            return n if i == 0 else f"{n}_{i}"
        for n, d in G.nodes(data=True):
            big.add_node(rename(n), **dict(d, label=d.get("label", n) + ("" if i == 0 else
                                                                          f" ({i + 1})")))
        for u, v, k, d in G.edges(keys=True, data=True):
            big.add_edge(rename(u), rename(v), key=k, **d)
    return big


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", default=None, help="keep the built site here")
    ap.add_argument("--scale", type=int, default=4,
                    help="also time an explorer for this many copies of the graph side by side "
                    "(headroom as the data grows; 0 to skip)")
    args = ap.parse_args()

    import kg
    from kg.render.site import build_site

    G = kg.load()
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="kg-site-bench-"))
    try:
        builds = []
        for _ in range(args.runs):
            G.graph.pop("_quiz_traces", None)
            t0 = time.perf_counter()
            report = build_site(G, out)
            builds.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kg.cli", "site", str(out)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        cold = time.perf_counter() - t0

        assets = out / "assets"
        shared = sum(_size(f) for f in assets.iterdir())
        explorer = out / "explorer.html"
        region, region_nodes = _largest_region(out)
        total = sum(_size(f) for f in out.rglob("*") if f.is_file())
        ex_nodes = G.number_of_nodes()

        ex = _open_times(explorer, "explorer", args.runs)
        rg = _open_times(region, "region", args.runs)

        pages = sum(report.pages.values())
        print(f"Graph: {ex_nodes} nodes, {G.number_of_edges()} edges; site: {pages} pages, "
              f"{total / 1e6:.2f} MB in all.\n")
        print("| measure | value |")
        print("|---|---:|")
        print(f"| build whole site, in-process (median of {args.runs}) | "
              f"{1000 * statistics.median(builds):.0f} ms |")
        print(f"| `kg site OUT`, cold process (load + build) | {1000 * cold:.0f} ms |")
        print(f"| shared assets (vis-network, site.js, site.css; cached once) | "
              f"{shared / 1024:.0f} KiB |")
        print(f"| explorer.html ({ex_nodes} nodes) | {_size(explorer) / 1024:.0f} KiB "
              f"(+ assets) |")
        print(f"| largest region page ({region.name}, {region_nodes} nodes) | "
              f"{_size(region) / 1024:.0f} KiB (+ assets) |")
        print(f"| explorer: navigation → interactive network (median of {args.runs}) | "
              f"{ex['ready']:.0f} ms (DOMContentLoaded {ex['dcl']:.0f} ms) |")
        print(f"| {region.name}: navigation → interactive network | {rg['ready']:.0f} ms "
              f"(DOMContentLoaded {rg['dcl']:.0f} ms) |")
        if args.scale > 1:
            big = _replicated(G, args.scale)
            big_out = out / "_scaled"
            t0 = time.perf_counter()
            build_site(big, big_out)
            big_build = time.perf_counter() - t0
            sx = _open_times(big_out / "explorer.html", "explorer", args.runs)
            print(f"| {args.scale}x graph ({big.number_of_nodes()} nodes, "
                  f"{big.number_of_edges()} edges): build | {1000 * big_build:.0f} ms |")
            print(f"| {args.scale}x graph: explorer.html weight | "
                  f"{_size(big_out / 'explorer.html') / 1024:.0f} KiB |")
            print(f"| {args.scale}x graph: explorer navigation → interactive network | "
                  f"{sx['ready']:.0f} ms |")
    finally:
        if not args.out:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
