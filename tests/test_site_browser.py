"""The atlas in a real headless Chromium, offline: every page type renders quietly, the body
map, networks, explorer and quiz respond, hostile labels never run, and screenshots of the
index, a region page and the explorer land in ``test-artifacts/`` for a human to look at.

Every non-file request is aborted and recorded by ``tests/browser.py``.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest

from kg.cli import main
from tests.browser import open_page

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
GROIN = "lp:groin"
READY = "document.documentElement.getAttribute('data-network-ready') === 'true'"
HOSTILE = '</script><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


def _build(argv: list[str]) -> None:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(argv) == 0


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """`kg site OUT` on the shipped data, run in-process."""
    out = tmp_path_factory.mktemp("atlas")
    _build(["site", str(out)])
    return out


def _goto(watched, path: Path, network: bool = False) -> None:
    watched.page.goto(path.resolve().as_uri())
    if network:
        watched.page.wait_for_function(READY, timeout=15000)


def _quiet(watched) -> None:
    assert watched.console_errors == []
    assert watched.blocked == []


@pytest.mark.parametrize("rel,network", [
    ("index.html", False),
    ("regions/groin.html", True),
    ("entities/sacroiliac_joint.html", False),
    ("entities/cauda_equina_syndrome.html", False),
    ("explorer.html", True),
    ("quiz.html", False),
])
def test_page_types_load_quietly_and_offline(chromium_browser, site, rel, network):
    with open_page(chromium_browser) as watched:
        _goto(watched, site / rel, network)
        assert "not a diagnosis" in watched.page.inner_text("body")
        _quiet(watched)


def test_source_page_loads_quietly(chromium_browser, site):
    first = sorted((site / "sources").glob("*.html"))[0]
    with open_page(chromium_browser) as watched:
        _goto(watched, first)
        assert watched.page.locator("h1").inner_text().strip()
        _quiet(watched)


def test_body_map_hover_names_and_click_opens_the_groin(chromium_browser, site, shipped_graph):
    label = shipped_graph.nodes[GROIN]["label"]
    with open_page(chromium_browser) as watched:
        page = watched.page
        _goto(watched, site / "index.html")
        assert page.evaluate(f"document.getElementById('{GROIN}').getAttribute('data-region')"
                             ) == GROIN
        groin = page.locator(f"a.region[data-region='{GROIN}'] path").first
        groin.hover()
        caption = page.locator("#map-caption").inner_text()
        assert label.lower() in caption.lower()
        assert "candidate source" in caption
        watched.screenshot("site-index.png", full_page=False)
        watched.screenshot("site-index-full.png")
        groin.click()
        page.wait_for_url(re.compile(r".*/regions/groin\.html$"))
        assert page.locator("h1").inner_text().strip().lower() == label.lower()
        _quiet(watched)


def test_dermatome_overlay_colours_the_map(chromium_browser, site, shipped_graph):
    G = shipped_graph
    derms = sorted(G.nodes[u]["label"] for u, v, k in G.edges(keys=True)
                   if k == "kg:dermatomeCovers" and v == GROIN)
    assert derms
    with open_page(chromium_browser) as watched:
        page = watched.page
        _goto(watched, site / "index.html")
        path = page.locator(f"a.region[data-region='{GROIN}'] path").first
        before = path.evaluate("p => getComputedStyle(p).fill")
        page.click("#mode-derm")
        assert page.locator("#derm-legend").is_visible()
        after = path.evaluate("p => getComputedStyle(p).fill")
        assert before != after and after.startswith("url(")
        path.hover()
        caption = page.locator("#map-caption").inner_text()
        for d in derms:
            assert d in caption
        watched.screenshot("site-index-dermatomes.png", full_page=False)
        _quiet(watched)


def test_region_network_counts_highlights_and_filters(chromium_browser, site, shipped_graph):
    from kg.reason.trace import trace

    result = trace(shipped_graph, GROIN).to_dict()
    expected = {n["id"] for c in result["candidates"] for p in c["paths"] for n in p["nodes"]}
    with open_page(chromium_browser) as watched:
        page = watched.page
        _goto(watched, site / "regions/groin.html", network=True)
        ids = page.evaluate("kgSite.region.nodes.getIds()")
        assert set(ids) == expected and len(ids) == len(expected)
        assert set(page.evaluate("Object.keys(kgSite.region.network.getPositions())")) == expected
        assert page.locator("#cand-list .cand").count() == len(result["candidates"])
        watched.screenshot("site-region-groin.png", full_page=False)
        # Hovering the first candidate widens its own route edges only.
        page.hover("#cand-list .cand[data-index='0'] .rank")
        widths = page.evaluate("""() => {
            const out = {}; kgSite.region.edges.get().forEach(e => { out[e.id] = e.width; });
            return out; }""")
        first = page.evaluate("""() => { const s = new Set();
            kgSite.region.data.candidates[0].routes.forEach(r => r.edges.forEach(e => s.add(e)));
            return [...s]; }""")
        assert first and all(widths[e] == 5 for e in first)
        assert all(w == 1 for e, w in widths.items() if e not in first)
        page.mouse.move(5, 5)
        # Unticking a mechanism hides the routes that travel by it (a route's mechanism is how
        # pain travels along it), and the candidates left with no route.
        routes = page.evaluate("kgSite.region.data.candidates.map(c => c.routes)")
        mechs = {r["mechanism"] for rs in routes for r in rs}
        mech = "neurogenic" if "neurogenic" in mechs else sorted(mechs)[0]
        page.uncheck(f".mech-filter[value='{mech}']")
        keep = {e for rs in routes for r in rs if r["mechanism"] != mech for e in r["edges"]}
        state = page.evaluate("() => kgSite.region.edges.get().map(e => [e.id, !!e.hidden])")
        assert {e for e, hidden in state if not hidden} == keep
        assert any(hidden for _, hidden in state), "the filter hid nothing"
        for i, rs in enumerate(routes):
            filtered = "filtered" in page.locator(
                f"#cand-list .cand[data-index='{i}']").get_attribute("class")
            assert filtered == all(r["mechanism"] == mech for r in rs)
        _quiet(watched)


def test_explorer_shows_the_whole_graph_ready_and_searchable(chromium_browser, site,
                                                             shipped_graph):
    G = shipped_graph
    shown = {n for n, d in G.nodes(data=True) if "kg:ExternalClass" not in d.get("types", ())}
    with open_page(chromium_browser) as watched:
        page = watched.page
        _goto(watched, site / "explorer.html", network=True)
        assert set(page.evaluate("kgSite.explorer.nodes.getIds()")) == shown
        # The layout was computed in Python: vis drew every node where the page said.
        moved = page.evaluate("""() => {
            const pos = kgSite.explorer.network.getPositions();
            return kgSite.explorer.data.nodes.filter(n => Math.abs(pos[n.id].x - n.x) > 0.5
                || Math.abs(pos[n.id].y - n.y) > 0.5).length; }""")
        assert moved == 0
        assert page.evaluate("kgSite.explorer.network.physics.options.enabled") is False
        watched.screenshot("site-explorer.png", full_page=False)
        # Search by a synonym, pick the hit, and its neighbourhood lights up.
        page.fill("#search", "inner thigh")
        page.wait_for_selector("#search-results .result")
        assert page.evaluate("kgSite.explorer.lastResults")[0] == "lp:medial_thigh"
        page.click("#search-results .result >> nth=0")
        info = page.locator("#info").inner_text().lower()
        assert G.nodes["lp:medial_thigh"]["label"].lower() in info
        neighbours = set(G.predecessors("lp:medial_thigh")) | set(G.successors("lp:medial_thigh"))
        faded = page.evaluate("""() => kgSite.explorer.nodes.get()
            .filter(n => n.opacity < 1).map(n => n.id)""")
        assert not (set(faded) & (neighbours | {"lp:medial_thigh"}))
        assert len(faded) == len(shown) - len(neighbours | {"lp:medial_thigh"})
        # Filtering a type hides its nodes.
        page.click("#ex-clear")
        page.uncheck(".kind-filter[value='Dermatome']")
        hidden = page.evaluate("kgSite.explorer.nodes.get().filter(n => n.hidden).length")
        derms = sum(1 for n in shown if "kg:Dermatome" in G.nodes[n]["types"])
        assert derms and hidden == derms
        _quiet(watched)


def test_quiz_answers_are_graded_with_explanation(chromium_browser, site):
    with open_page(chromium_browser) as watched:
        page = watched.page
        _goto(watched, site / "quiz.html")
        questions = page.locator(".question:not([hidden])")
        assert questions.count() >= 3
        q1 = questions.nth(0)
        answer = q1.get_attribute("data-answer")
        q1.locator(f".option[data-option='{answer}']").click()
        assert "is-correct" in q1.get_attribute("class")
        assert q1.locator(".verdict").inner_text() == "Correct."
        assert q1.locator(".feedback").is_visible()
        assert q1.locator(".explanation").inner_text().strip()
        q2 = questions.nth(1)
        wrong = q2.locator(f".option:not([data-option='{q2.get_attribute('data-answer')}'])")
        wrong.first.click()
        assert "is-wrong" in q2.get_attribute("class")
        assert q2.locator(".verdict").inner_text().startswith("Not quite: the answer is")
        assert q2.locator(".option.correct").count() == 1
        chosen = q2.locator(".option.chosen").get_attribute("data-option")
        why = q2.locator(f".why-wrong li[data-option='{chosen}']")
        assert why.is_visible() and " is wrong: " in why.inner_text()
        assert why.locator(".cites").inner_text().strip(), "the reason carries its citation"
        assert page.locator("#score-right").inner_text() == "1"
        assert page.locator("#score-done").inner_text() == "2"
        q1.scroll_into_view_if_needed()
        watched.screenshot("site-quiz.png", full_page=False)
        _quiet(watched)


def test_quiz_draws_a_fresh_set_each_visit_and_more_shows_new_ones(chromium_browser, site,
                                                                   shipped_graph):
    from kg.reason.quiz import question_bank

    total = sum(len(v) for v in question_bank(shipped_graph).values())
    with open_page(chromium_browser) as watched:
        page = watched.page
        _goto(watched, site / "quiz.html")
        assert page.evaluate("kgSite.quiz.total") == total
        assert int(page.locator("#q-total").inner_text()) == total
        assert page.locator(".question").count() == total, "the page holds the whole bank"
        draw = int(page.locator("#quiz").get_attribute("data-draw"))
        first = page.evaluate("kgSite.quiz.shown()")
        assert len(first) == draw == page.locator(".question:not([hidden])").count()
        assert int(page.locator("#q-shown").inner_text()) == draw
        numbers = page.locator(".question:not([hidden]) .q-number").all_inner_texts()
        assert numbers == [str(i) for i in range(1, draw + 1)]
        _goto(watched, site / "quiz.html")
        second = page.evaluate("kgSite.quiz.shown()")
        assert len(second) == draw and set(second) != set(first), "two visits, the same set"
        page.click("#quiz-more")
        more = page.evaluate("kgSite.quiz.shown()")
        assert more[:draw] == second and len(more) == min(total, 2 * draw)
        assert not set(more[draw:]) & set(second), "'More questions' repeats a question"
        while not page.locator("#quiz-more").is_disabled():
            page.click("#quiz-more")
        shown = page.evaluate("kgSite.quiz.shown()")
        assert len(shown) == len(set(shown)) == total
        assert int(page.locator("#q-shown").inner_text()) == total
        assert f"All {total} questions" in page.locator("#more-note").inner_text()
        _quiet(watched)


def test_quiz_screenshots_at_desktop_and_phone_width(chromium_browser, site):
    """Answered wrong, at 1400x900 and 390x844: the reasons show and nothing overflows."""
    for width, height in ((1400, 900), (390, 844)):
        with open_page(chromium_browser) as watched:
            page = watched.page
            page.set_viewport_size({"width": width, "height": height})
            _goto(watched, site / "quiz.html")
            q = page.locator(".question:not([hidden])").nth(1)
            wrong = q.locator(f".option:not([data-option='{q.get_attribute('data-answer')}'])")
            wrong.first.click()
            assert q.locator(".why-wrong li").first.is_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            q.scroll_into_view_if_needed()
            watched.screenshot(f"site-quiz-{width}x{height}.png", full_page=False)
            _quiet(watched)


HOSTILE_TTL = """
@prefix kg:      <https://w3id.org/lumbopelvic-kg/vocab#> .
@prefix lp:      <https://w3id.org/lumbopelvic-kg/id/> .
@prefix src:     <https://w3id.org/lumbopelvic-kg/source/> .
@prefix owl:     <http://www.w3.org/2002/07/owl#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf:    <http://xmlns.com/foaf/0.1/> .

src:hostile a kg:Source ; dcterms:creator {h} ; dcterms:issued "2020" ; dcterms:title {h} ;
    dcterms:bibliographicCitation {h} ; dcterms:identifier {h} ;
    foaf:page "javascript:window.__pwned=3" .
lp:hostile_condition a kg:Condition ; rdfs:label {h} ; skos:definition {h} ;
    skos:altLabel {h}, "hostile test entity" ; dcterms:source src:hostile .
lp:hostile_condition kg:affects lp:sacroiliac_joint .
[] a owl:Axiom ; owl:annotatedSource lp:hostile_condition ; owl:annotatedProperty kg:affects ;
    owl:annotatedTarget lp:sacroiliac_joint ; dcterms:source src:hostile ; kg:evidenceGrade "C" .
lp:hostile_region a kg:BodyRegion ; rdfs:label {h} ; skos:definition {h} .
lp:sacroiliac_joint kg:refersPainTo lp:hostile_region .
[] a owl:Axiom ; owl:annotatedSource lp:sacroiliac_joint ; owl:annotatedProperty kg:refersPainTo ;
    owl:annotatedTarget lp:hostile_region ; dcterms:source src:hostile ; kg:evidenceGrade "C" .
"""


def test_hostile_labels_never_run(chromium_browser, tmp_path):
    """A copy of the data plus hostile labels, definitions, a citation and a javascript: page,
    built with `kg --data COPY site OUT`: every page shows them as text and nothing runs."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    literal = "'" + HOSTILE.replace("\\", "\\\\").replace("'", "\\'") + "'"
    (data / "zz-hostile.ttl").write_text(HOSTILE_TTL.replace("{h}", literal), encoding="utf-8")
    out = tmp_path / "site"
    _build(["--data", str(data), "site", str(out)])
    pages = [("index.html", False), ("regions/groin.html", True),
             ("regions/hostile_region.html", True), ("entities/hostile_condition.html", False),
             ("entities/sacroiliac_joint.html", False), ("sources/hostile.html", False),
             ("explorer.html", True), ("quiz.html", False)]
    with open_page(chromium_browser) as watched:
        page = watched.page
        for rel, net in pages:
            _goto(watched, out / rel, net)
            if rel == "explorer.html":
                page.fill("#search", "hostile test entity")
                page.click("#search-results .result >> nth=0")
                assert "onerror=" in page.locator("#info").inner_text()
            if rel == "quiz.html":  # the hostile question may not be in the first draw
                while not page.locator("#quiz-more").is_disabled():
                    page.click("#quiz-more")
                assert page.locator(".question[hidden]").count() == 0
            if rel == "regions/groin.html":
                hostile = page.locator("#cand-list .cand[data-id='lp:hostile_condition']")
                hostile.locator(".rank").hover()
            assert page.evaluate("window.__pwned") is None, rel
            assert page.locator("img[src='x']").count() == 0, rel
            assert page.locator("a[href^='javascript:']").count() == 0, rel
            assert "onerror=" in page.inner_text("body"), rel
        assert watched.blocked == []


def test_trace_repr_html_renders_inside_a_notebook_frame(chromium_browser, shipped_graph,
                                                         tmp_path):
    from kg.reason.trace import trace

    result = trace(shipped_graph, GROIN)
    expected = {n["id"] for c in result.to_dict()["candidates"] for p in c["paths"]
                for n in p["nodes"]}
    notebook = tmp_path / "notebook.html"
    notebook.write_text("<!DOCTYPE html><html><body><h1>cell output</h1>"
                        + result._repr_html_() + "</body></html>", encoding="utf-8")
    with open_page(chromium_browser) as watched:
        page = watched.page
        page.goto(notebook.resolve().as_uri())
        frame = page.frame_locator("iframe")
        frame.locator("#network canvas").wait_for(timeout=15000)
        inner = page.frames[1]
        inner.wait_for_function("window.kgTrace && window.kgTrace.network", timeout=15000)
        assert set(inner.evaluate("window.kgTrace.nodes.getIds()")) == expected
        _quiet(watched)


def test_small_graph_site_with_an_unreached_region(chromium_browser, mini_graph, tmp_path):
    """The toy slice plus a region no route reaches: every page still renders quietly."""
    from kg.render.site import build_site

    G = mini_graph.copy()
    G.graph = {k: v for k, v in mini_graph.graph.items() if not k.startswith("_")}
    G.add_node("lp:elbow", label="elbow", types=["kg:BodyRegion"], synonyms=[], xrefs={},
               definition="", sources=[])
    build_site(G, tmp_path)
    with open_page(chromium_browser) as watched:
        _goto(watched, tmp_path / "regions/elbow.html", network=True)
        assert "No cited route reaches this region" in watched.page.inner_text("body")
        assert watched.page.evaluate("kgSite.region.nodes.length") == 0
        _goto(watched, tmp_path / "index.html")
        assert "elbow" in watched.page.locator("#not-drawn").inner_text()
        _goto(watched, tmp_path / "quiz.html")
        _goto(watched, tmp_path / "explorer.html", network=True)
        assert watched.page.evaluate("kgSite.explorer.nodes.length") == G.number_of_nodes()
        _quiet(watched)
