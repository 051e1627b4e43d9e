"""Pages in a real headless Chromium: they render, stay quiet and make no outside request.

Every non-file request is aborted and recorded by ``tests/browser.py``; screenshots go to
``test-artifacts/`` for a human to look at.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from kg.cli import main
from kg.render.pages import write_differential_page, write_trace_page
from tests.browser import open_page

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).parent / "data" / "trace_groin.json"
HOSTILE = '</script><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


_EDGE_MIDPOINT = """(id) => {
    const n = window.kgTrace.network, e = n.body.edges[id];
    const p = e.edgeType.getPoint(0.5);
    const d = n.canvasToDOM(p), r = document.getElementById("network").getBoundingClientRect();
    return [d.x + r.left, d.y + r.top];
}"""


def _distinct_path_nodes(result: dict[str, Any]) -> set[str]:
    return {n["id"] for c in result["candidates"] for p in c["paths"] for n in p["nodes"]}


def _open(watched, path: Path) -> None:
    watched.page.goto(path.resolve().as_uri())
    watched.page.wait_for_function("window.kgTrace && window.kgTrace.network", timeout=15000)
    # One animation frame so vis has drawn the canvas.
    watched.page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(null)))")


@pytest.fixture(scope="module")
def groin_trace(tmp_path_factory) -> tuple[dict[str, Any], Path]:
    """`kg trace groin --json` and `--html FILE`, both run in-process through kg.cli.main."""
    import contextlib
    import io

    out = tmp_path_factory.mktemp("pages") / "groin.html"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        assert main(["trace", "groin", "--json"]) == 0
    result = json.loads(buf.getvalue())
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["trace", "groin", "--html", str(out)]) == 0
    return result, out


def test_groin_page_renders_the_traced_network(chromium_browser, groin_trace):
    result, html = groin_trace
    expected = _distinct_path_nodes(result)
    assert expected, "the groin trace found no routes to draw"
    with open_page(chromium_browser) as watched:
        _open(watched, html)
        page = watched.page
        ids = page.evaluate("window.kgTrace.nodes.getIds()")
        assert len(ids) == len(expected)
        assert set(ids) == expected
        # vis placed the leading candidates' nodes on the canvas (the network really
        # rendered), and every node once all routes are shown.
        lead = set(page.evaluate(
            "[].concat(...window.kgTrace.data.candidates.slice(0, 8).map(c => c.nodes))"))
        assert set(page.evaluate("window.kgTrace.network.getPositions()")) == lead
        page.click("#reset")
        assert set(page.evaluate("window.kgTrace.network.getPositions()")) == expected
        page.click("#reset")
        assert page.locator("canvas").count() >= 1
        assert page.locator("#cand-list .cand").count() == len(result["candidates"])
        watched.screenshot("trace-groin.png", full_page=False)
        watched.screenshot("trace-groin-full.png")
        # Hovering the top candidate keeps its own route edges bold and fades the rest.
        page.hover("#cand-list .cand[data-index='0']")
        widths = page.evaluate(
            "window.kgTrace.edges.get().map(e => [e.id, e.width])")
        own = set(result_edges := page.evaluate("window.kgTrace.data.candidates[0].edges"))
        assert result_edges
        assert {i for i, w in widths if w == 5} == own
        watched.screenshot("trace-groin-hover.png", full_page=False)
        assert watched.console_errors == []
        assert watched.blocked == []


def test_trace_page_is_responsive(chromium_browser, groin_trace):
    _, html = groin_trace
    with open_page(chromium_browser, width=390, height=844) as watched:
        _open(watched, html)
        overflow = watched.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"page scrolls sideways by {overflow}px on a phone"
        watched.screenshot("trace-groin-phone.png")
        assert watched.console_errors == []
        assert watched.blocked == []


def test_hostile_labels_do_not_run(chromium_browser, tmp_path):
    evil = json.loads(FIXTURE.read_text(encoding="utf-8"))
    evil = copy.deepcopy(evil)
    evil["query"]["region"]["label"] = HOSTILE
    first = evil["candidates"][0]
    first["label"] = HOSTILE
    first["paths"][0]["nodes"][1]["label"] = HOSTILE
    first["paths"][0]["explanation"] = HOSTILE
    first["paths"][0]["edges"][0]["label"] = HOSTILE
    first["paths"][0]["edges"][0]["sources"][0]["citation"] = HOSTILE
    html = write_trace_page(evil, tmp_path / "evil.html")
    with open_page(chromium_browser) as watched:
        _open(watched, html)
        page = watched.page
        # Hover the hostile first step so its tooltip (built from DOM text nodes) shows.
        first_edge = page.evaluate("window.kgTrace.data.candidates[0].edges[0]")
        x, y = page.evaluate(_EDGE_MIDPOINT, first_edge)
        page.mouse.move(x, y)
        tip = page.locator("div.vis-tooltip")
        tip.wait_for(state="visible", timeout=5000)
        assert HOSTILE in tip.inner_text()
        assert page.evaluate("window.__pwned") is None
        assert page.locator("img").count() == 0
        assert page.get_by_text(HOSTILE, exact=False).count() >= 1
        labels = page.evaluate("window.kgTrace.nodes.get().map(n => n.label)")
        assert HOSTILE in labels
        assert watched.console_errors == []
        assert watched.blocked == []


def test_network_blocker_catches_outside_requests(chromium_browser, tmp_path):
    """The harness itself can fail: a page that fetches from the web is caught."""
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<!DOCTYPE html><img src="https://example.org/x.png">', encoding="utf-8")
    with open_page(chromium_browser) as watched:
        watched.page.goto(leaky.as_uri())
        watched.page.wait_for_load_state("load")
        assert watched.blocked == ["https://example.org/x.png"]


def test_forward_trace_page_renders(chromium_browser, tmp_path):
    """`kg trace --forward` pages draw the source's routes out to the regions."""
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        assert main(["trace", "--forward", "sacroiliac joint", "--json"]) == 0
    result = json.loads(buf.getvalue())
    html = tmp_path / "sij.html"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["trace", "--forward", "sacroiliac joint", "--html", str(html)]) == 0
    with open_page(chromium_browser) as watched:
        _open(watched, html)
        ids = watched.page.evaluate("window.kgTrace.nodes.getIds()")
        assert set(ids) == _distinct_path_nodes(result)
        watched.screenshot("trace-forward-sacroiliac-joint.png", full_page=False)
        assert watched.console_errors == []
        assert watched.blocked == []


def test_embedded_page_renders_inside_a_host_page(chromium_browser, tmp_path):
    """The Jupyter form (an iframe with srcdoc) draws the same network, offline."""
    from kg.render.pages import trace_page_html

    result = json.loads(FIXTURE.read_text(encoding="utf-8"))
    host = tmp_path / "notebook.html"
    host.write_text("<!DOCTYPE html><html><body><h1>Notebook</h1>"
                    + trace_page_html(result, embed=True) + "</body></html>", encoding="utf-8")
    with open_page(chromium_browser) as watched:
        watched.page.goto(host.as_uri())
        frame = watched.page.frames[1]
        frame.wait_for_function("window.kgTrace && window.kgTrace.network", timeout=15000)
        assert frame.evaluate("window.kgTrace.nodes.length") == len(_distinct_path_nodes(result))
        assert watched.console_errors == []
        assert watched.blocked == []


# --- the differential page -------------------------------------------------------------------

_DIFF_ARGS = ["differential", "-r", "groin", "-r", "lower back", "-f", "saddle numbness"]


def _run_cli(args: list[str]) -> str:
    """Run ``kg`` in-process and return its stdout."""
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        assert main(args) == 0
    return buf.getvalue()


@pytest.fixture(scope="module")
def red_flag_differential(tmp_path_factory) -> tuple[dict[str, Any], Path]:
    """`kg differential -r groin -r "lower back" -f "saddle numbness"` as --json and --html."""
    out = tmp_path_factory.mktemp("pages") / "differential.html"
    result = json.loads(_run_cli([*_DIFF_ARGS, "--json"]))
    _run_cli([*_DIFF_ARGS, "--html", str(out)])
    return result, out


def test_differential_page_shows_the_red_flag_and_one_network(chromium_browser,
                                                               red_flag_differential):
    result, html = red_flag_differential
    assert result["red_flags"], "saddle numbness must raise a red flag"
    expected = _distinct_path_nodes(result)
    regions = {r["id"] for r in result["query"]["regions"]}
    assert regions <= expected
    with open_page(chromium_browser) as watched:
        _open(watched, html)
        page = watched.page
        # The banner is visible without scrolling, above the candidates, naming the condition.
        banner = page.locator("#red-flags")
        assert banner.is_visible()
        box = banner.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 900
        assert box["y"] < page.locator("#cand-list").bounding_box()["y"]
        text = banner.inner_text()
        for rf in result["red_flags"]:
            assert rf["condition"]["label"].lower() in text.lower()
            assert rf["urgency"].lower() in text.lower()
        # One network of every candidate's routes; every painful region is a node.
        ids = page.evaluate("window.kgTrace.nodes.getIds()")
        assert len(ids) == len(expected) and set(ids) == expected
        assert set(page.evaluate("window.kgTrace.network.getPositions()")) == set(page.evaluate(
            "[].concat(...window.kgTrace.data.candidates.slice(0, 8).map(c => c.nodes))"))
        assert page.locator("#cand-list .cand").count() == len(result["candidates"])
        watched.screenshot("differential-red-flag.png", full_page=False)
        watched.screenshot("differential-red-flag-full.png")
        # Hovering a candidate keeps its own route steps bold and fades the rest; clicking
        # selects it, and the selection survives the mouse leaving.
        for index in (0, 1):
            page.hover(f"#cand-list .cand[data-index='{index}']")
            widths = page.evaluate("window.kgTrace.edges.get().map(e => [e.id, e.width])")
            own = set(page.evaluate(f"window.kgTrace.data.candidates[{index}].edges"))
            assert own and {i for i, w in widths if w == 5} == own
        watched.screenshot("differential-red-flag-hover.png", full_page=False)
        page.click("#cand-list .cand[data-index='0'] .cand-top")
        page.mouse.move(5, 5)
        assert page.locator("#cand-list .cand.active").count() == 1
        widths = page.evaluate("window.kgTrace.edges.get().map(e => [e.id, e.width])")
        own = set(page.evaluate("window.kgTrace.data.candidates[0].edges"))
        assert {i for i, w in widths if w == 5} == own
        # The banner's link to the flagged condition selects it and shows its routes.
        flagged = result["red_flags"][0]["condition"]["id"]
        index = [c["id"] for c in result["candidates"]].index(flagged)
        page.click(f"#red-flags [data-select-candidate='{index}']")
        assert page.locator(f"#cand-list .cand[data-index='{index}']").get_attribute(
            "class").split() == ["cand", "active"]
        widths = page.evaluate("window.kgTrace.edges.get().map(e => [e.id, e.width])")
        own = set(page.evaluate(f"window.kgTrace.data.candidates[{index}].edges"))
        assert own and {i for i, w in widths if w == 5} == own
        watched.screenshot("differential-red-flag-selected.png", full_page=False)
        assert watched.console_errors == []
        assert watched.blocked == []


def test_differential_page_without_red_flags_has_no_banner(chromium_browser, tmp_path):
    html = tmp_path / "plain.html"
    result = json.loads(_run_cli(["differential", "-r", "groin", "-r", "lower back", "--json"]))
    _run_cli(["differential", "-r", "groin", "-r", "lower back", "--html", str(html)])
    assert result["red_flags"] == []
    with open_page(chromium_browser) as watched:
        _open(watched, html)
        assert watched.page.locator("#red-flags").count() == 0
        assert watched.page.evaluate("window.kgTrace.nodes.length") == len(
            _distinct_path_nodes(result))
        assert watched.console_errors == []
        assert watched.blocked == []


def test_differential_page_on_a_phone(chromium_browser, red_flag_differential):
    _, html = red_flag_differential
    with open_page(chromium_browser, width=390, height=844) as watched:
        _open(watched, html)
        page = watched.page
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"page scrolls sideways by {overflow}px on a phone"
        assert page.locator("#red-flags").bounding_box()["y"] < 844
        watched.screenshot("differential-red-flag-phone.png", full_page=False)
        assert watched.console_errors == []
        assert watched.blocked == []


def test_differential_hostile_labels_do_not_run(chromium_browser, red_flag_differential,
                                                tmp_path):

    evil = copy.deepcopy(red_flag_differential[0])
    evil["red_flags"][0]["condition"]["label"] = HOSTILE
    evil["query"]["regions"][0]["label"] = HOSTILE
    evil["candidates"][0]["label"] = HOSTILE
    evil["candidates"][0]["paths"][0]["nodes"][0]["label"] = HOSTILE
    html = write_differential_page(evil, tmp_path / "evil.html")
    with open_page(chromium_browser) as watched:
        _open(watched, html)
        page = watched.page
        assert page.evaluate("window.__pwned") is None
        assert page.locator("img").count() == 0
        assert HOSTILE in page.locator("#red-flags").inner_text()
        assert HOSTILE in page.evaluate("window.kgTrace.nodes.get().map(n => n.label)")
        assert watched.console_errors == []
        assert watched.blocked == []


def test_edge_tooltip_words_a_share_of_region_pain(chromium_browser, shipped_graph, tmp_path):
    """Hölmich 2007's 58% is the share of groin pain that was adductor-related; the tip says so."""
    from kg.reason.trace import trace

    data = trace(shipped_graph, "groin").to_dict()
    rank = [c["id"] for c in data["candidates"]].index("lp:adductor_longus")
    html = write_trace_page(data, tmp_path / "groin.html")
    with open_page(chromium_browser) as watched:
        _open(watched, html)
        page = watched.page
        # the adductor longus -> groin "located in" edge carries Hölmich's share
        tips = page.evaluate("""(i) => window.kgTrace.data.candidates[i].edges
            .map(id => [window.kgTrace.data.edgeInfo[id], window.kgTrace.edges.get(id).title])
            .filter(([info, tip]) => info.to === 'lp:groin' && info.label === 'located in')
            .map(([info, tip]) => tip.textContent)""", rank)
        assert len(tips) == 1, tips
        assert "Frequency: the source in 58% of 207 athletes with pain there" in tips[0]
        assert watched.console_errors == []


_GEOMETRY = """() => {
    const k = window.kgTrace, net = k.network;
    const box = document.getElementById('network').getBoundingClientRect();
    const shown = k.nodes.get({filter: n => !n.hidden});
    const pos = net.getPositions(shown.map(n => n.id));
    const scale = net.getScale();
    return {
        box: {w: box.width, h: box.height},
        nodes: shown.map(n => ({id: n.id, px: (n.font && n.font.size || 14) * scale,
                                at: net.canvasToDOM(pos[n.id])})),
        hidden: k.nodes.get({filter: n => n.hidden}).length,
    };
}"""


@pytest.mark.parametrize("kind", ["trace", "differential"])
def test_route_diagram_opens_legible_and_inside_its_frame(chromium_browser, shipped_graph,
                                                          tmp_path, kind):
    """Issue 14: the diagram opens on the leading candidates' routes, every label at least
    12 px on screen and every node inside the frame; "Show all routes" draws the rest."""
    from kg.reason.differential import differential
    from kg.reason.trace import trace

    if kind == "trace":
        html = write_trace_page(trace(shipped_graph, "groin").to_dict(), tmp_path / "t.html")
    else:
        result = differential(shipped_graph, ["groin", "lower back"]).to_dict()
        html = write_differential_page(result, tmp_path / "d.html")
    with open_page(chromium_browser) as watched:
        _open(watched, html)
        watched.page.wait_for_timeout(300)
        geo = watched.page.evaluate(_GEOMETRY)
        assert geo["hidden"] > 0, "a long list opens on its leading routes, not on everything"
        assert geo["nodes"], geo
        for n in geo["nodes"]:
            assert n["px"] >= 12, n
            assert 0 <= n["at"]["x"] <= geo["box"]["w"] and 0 <= n["at"]["y"] <= geo["box"]["h"], n
        watched.page.click("#reset")
        watched.page.wait_for_timeout(200)
        assert watched.page.evaluate(_GEOMETRY)["hidden"] == 0
        assert watched.console_errors == []
