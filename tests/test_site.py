"""The atlas (``kg site``) and the quiz (``kg quiz``), checked by parsing what they write.

Pages are parsed with ``html.parser`` and checked for structure and counts against the graph,
never for bytes. The browser behaviour is in ``test_site_browser.py``.
"""

from __future__ import annotations

import contextlib
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kg.cli import main
from kg.explain.words import DISCLAIMER
from kg.reason.quiz import Option, Question, grade, make_quiz, question_bank
from kg.render.site import body_map, build_site, explorer_layout

REGION = "kg:BodyRegion"
GROIN = "lp:groin"


class Page(HTMLParser):
    """Tags with their attributes, and the visible text, of one page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._skip = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags
                if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


def _run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        sys.stdin = old
    return code, out.getvalue(), err.getvalue()


def _regions(G) -> list[str]:
    return sorted(n for n, d in G.nodes(data=True) if REGION in d.get("types", ()))


@pytest.fixture(scope="module")
def site(tmp_path_factory, shipped_graph) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_site(shipped_graph, out)
    return out


def _page(site: Path, rel: str) -> Page:
    return Page((site / rel).read_text(encoding="utf-8"))


# --- the whole site -------------------------------------------------------------------------


def test_every_entity_region_and_source_has_a_page(site, shipped_graph):
    G = shipped_graph
    regions = _regions(G)
    assert len(list((site / "regions").glob("*.html"))) == len(regions)
    others = [n for n, d in G.nodes(data=True)
              if REGION not in d.get("types", ()) and "kg:ExternalClass" not in d.get("types", ())]
    assert len(list((site / "entities").glob("*.html"))) == len(others)
    assert len(list((site / "sources").glob("*.html"))) == len(G.graph["sources"])
    for name in ("index.html", "explorer.html", "quiz.html", "assets/site.css",
                 "assets/site.js", "assets/vis-network.min.js"):
        assert (site / name).is_file(), name


def test_every_page_carries_the_disclaimer_and_loads_nothing_from_outside(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        page = Page(path.read_text(encoding="utf-8"))
        assert page.plain.count(DISCLAIMER) >= 1, path
        for tag, attr in (("script", "src"), ("link", "href"), ("img", "src"),
                          ("iframe", "src")):
            for a in page.find(tag):
                url = a.get(attr)
                if url:
                    assert "://" not in url and not url.startswith("//"), (path, url)
                    assert (path.parent / url).resolve().is_file(), (path, url)


def test_internal_links_all_resolve(site):
    for path in sorted(site.rglob("*.html")):
        for a in Page(path.read_text(encoding="utf-8")).find("a"):
            href = a.get("href") or ""
            if href.startswith(("http://", "https://")):
                continue
            assert not href.startswith(("javascript:", "data:")), (path, href)
            target = (path.parent / href.split("#", 1)[0]).resolve()
            assert target.is_file(), (path, href)


def test_region_page_lists_every_candidate_of_the_trace(site, shipped_graph):
    from kg.reason.trace import trace

    result = trace(shipped_graph, GROIN).to_dict()
    page = _page(site, "regions/groin.html")
    items = [a for t, a in page.tags if t == "li" and "cand" in (a.get("class") or "").split()]
    assert [a["data-id"] for a in items] == [c["id"] for c in result["candidates"]]
    payload = json.loads(
        (site / "regions/groin.html").read_text("utf-8").split('id="kg-network">', 1)[1]
        .split("</script>", 1)[0])
    expected = {n["id"] for c in result["candidates"] for p in c["paths"] for n in p["nodes"]}
    assert {n["id"] for n in payload["nodes"]} == expected
    # Region nodes end the picture: the groin sits in the last column.
    levels = {n["id"]: n["level"] for n in payload["nodes"]}
    assert levels[GROIN] == max(levels.values())


def test_entity_page_shows_ids_relations_and_forward_trace(site, shipped_graph):
    from kg.reason.show import show
    from kg.reason.trace import trace

    G = shipped_graph
    node = "lp:sacroiliac_joint"
    info = show(G, node).to_dict()
    page = _page(site, "entities/sacroiliac_joint.html")
    for x in info["uberon"] + info["fma"]:
        assert x in page.plain
    forward = trace(G, node, forward=True)
    assert forward.candidates, "the sacroiliac joint refers pain somewhere in the shipped data"
    for cand in forward.candidates:
        assert page.find("a", href=f"../regions/{cand.id.split(':', 1)[1]}.html")
    # every relation partner is linked
    for rel in info["outgoing"] + info["incoming"]:
        other = rel["other"]["id"]
        folder = "regions" if REGION in G.nodes[other]["types"] else "entities"
        assert page.find("a", href=f"../{folder}/{other.split(':', 1)[1]}.html"), other


def test_published_test_accuracy_is_shown(site, shipped_graph):
    G = shipped_graph
    with_lr = [(u, v, i["lr_positive"]) for u, v, k, d in G.edges(keys=True, data=True)
               if k == "kg:testFor" for i in d["evidence"] if i.get("lr_positive") is not None]
    assert with_lr, "the shipped data publishes likelihood ratios on tests"
    for test, _, lr in with_lr:
        page = _page(site, f"entities/{test.split(':', 1)[1]}.html")
        assert f"LR+ {float(lr):g}" in page.plain


def test_site_refuses_a_file_as_outdir(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    code, _, err = _run(["site", str(target)])
    assert code == 2
    assert err.startswith("kg: error:") and "not a folder" in err
    assert len(err.strip().splitlines()) == 1


def test_cli_site_builds(tmp_path):
    code, _, err = _run(["site", str(tmp_path / "out")])
    assert code == 0
    assert "index.html" in err
    assert (tmp_path / "out" / "index.html").is_file()


def test_hostile_labels_stay_text_in_the_html(tmp_path, shipped_graph):
    G = shipped_graph.copy()
    G.graph = dict(shipped_graph.graph)
    G.graph.pop("_name_index", None)
    G.graph.pop("_pain_index", None)
    G.graph.pop("_quiz_traces", None)
    hostile = '</script><img src=x onerror="alert(1)"><script>alert(2)</script>'
    G.nodes[GROIN]["label"] = hostile
    G.nodes[GROIN]["synonyms"] = [hostile]
    build_site(G, tmp_path)
    for path in tmp_path.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "<script>alert(2)" not in text, path
        assert "<img src=x" not in text, path
    assert hostile in _page(tmp_path, "regions/groin.html").plain


# --- body map -------------------------------------------------------------------------------


def test_body_map_draws_only_graph_regions_and_lists_the_rest(site, shipped_graph):
    G = shipped_graph
    bm = body_map(G)
    regions = set(_regions(G))
    assert GROIN in bm["drawn"]
    assert set(bm["drawn"]) <= regions
    assert set(bm["drawn"]) | set(bm["not_drawn"]) == regions
    index = _page(site, "index.html")
    on_map = {a["data-region"] for a in index.find("a") if "region" in (a.get("class") or "")}
    assert on_map == set(bm["drawn"])
    listed = {a["data-region"] for a in index.find("li") if a.get("data-region")}
    assert set(bm["not_drawn"]) <= listed
    for a in index.find("a"):
        if "region" in (a.get("class") or "").split():
            assert a["href"] == f"regions/{a['data-region'].split(':', 1)[1]}.html"
    # each drawn region's first shape has the region's CURIE as its element id
    ids = [a["id"] for a in index.find("a") if "region" in (a.get("class") or "").split()
           and a.get("id")]
    assert sorted(ids) == sorted(bm["drawn"])


def test_body_map_follows_the_data(shipped_graph):
    G = shipped_graph.copy()
    G.graph = {k: v for k, v in shipped_graph.graph.items() if not k.startswith("_")}
    G.remove_node(GROIN)
    G.add_node("lp:elbow", label="elbow", types=[REGION], synonyms=[])
    bm = body_map(G)
    assert GROIN not in bm["drawn"] and all(s["region"] != GROIN for s in bm["shapes"])
    assert "lp:elbow" in bm["not_drawn"]


def test_dermatome_overlay_comes_from_dermatome_covers_edges(shipped_graph):
    G = shipped_graph
    bm = body_map(G)
    covering = {}
    for u, v, k in G.edges(keys=True):
        if k == "kg:dermatomeCovers":
            covering.setdefault(v, set()).add(u)
    for shape in bm["shapes"]:
        assert set(shape["dermatomes"]) == covering.get(shape["region"], set())
    assert covering.get(GROIN), "the shipped data maps dermatomes onto the groin"
    colours = {d["id"]: d["colour"] for d in bm["dermatomes"]}
    groin = next(s for s in bm["shapes"] if s["region"] == GROIN)
    pattern = next(p for p in bm["patterns"] if f"url(#{p['id']})" == groin["fill"])
    assert pattern["colours"] == [colours[d] for d in groin["dermatomes"]]


def test_explorer_layout_is_precomputed_complete_and_deterministic(shipped_graph):
    G = shipped_graph
    a = explorer_layout(G)
    b = explorer_layout(G)
    assert a == b
    assert set(a) == set(G.nodes)
    assert len(set(a.values())) == len(a), "two nodes share a position"


# --- quiz -----------------------------------------------------------------------------------


def test_quiz_bank_covers_the_asked_kinds(shipped_graph):
    bank = question_bank(shipped_graph)
    for kind in ("key_point", "dermatome", "neurogenic", "referral", "test", "red_flag"):
        assert bank.get(kind), kind
    for questions in bank.values():
        for q in questions:
            ids = [o.id for o in q.options]
            assert len(ids) == len(set(ids)) >= 2
            assert ids.count(q.answer) == 1
            assert q.explanation


# What each question kind asserts is checked, against the graph and its routes, in
# tests/test_quiz.py (the open-world rules).


def test_quiz_page_holds_the_whole_bank_it_promises(shipped_graph, tmp_path):
    build_site(shipped_graph, tmp_path)
    bank = question_bank(shipped_graph)
    total = sum(len(v) for v in bank.values())
    quiz = Page((tmp_path / "quiz.html").read_text(encoding="utf-8"))
    sections = [a for t, a in quiz.tags if t == "section" and "question" in (a.get("class") or "")]
    assert len(sections) == total
    assert len({a["id"] for a in sections}) == total
    main_attrs = quiz.find("main", id="quiz")[0]
    assert int(main_attrs["data-total"]) == total
    assert 1 <= int(main_attrs["data-draw"]) <= total
    index = Page((tmp_path / "index.html").read_text(encoding="utf-8"))
    assert f"{total} questions generated from the graph" in index.plain
    assert "is wrong:" in quiz.plain, "each wrong option says why, after answering"


def test_quiz_is_repeatable_by_seed():
    import kg

    G = kg.load()
    one = [q.to_dict() for q in make_quiz(G, seed=7, count=6)]
    two = [q.to_dict() for q in make_quiz(G, seed=7, count=6)]
    assert one == two
    assert len(one) == 6
    assert len({q["kind"] for q in one}) >= 3, "a short quiz cycles through the kinds"


def test_grade_accepts_letters_numbers_and_names():
    q = Question("x", "?", (Option("lp:a", "Saddle numbness"), Option("lp:b", "fever")), "lp:b",
                 "because")
    assert grade(q, "b") is True and grade(q, "B)") is True and grade(q, "2") is True
    assert grade(q, "fever") is True and grade(q, "saddle  numbness") is False
    assert grade(q, "a") is False
    assert grade(q, "c") is None and grade(q, "") is None and grade(q, "zebra") is None


def test_cli_quiz_json_then_answers_from_stdin():
    code, out, _ = _run(["quiz", "--seed", "3", "--count", "4", "--json"])
    assert code == 0
    quiz = json.loads(out)
    assert len(quiz) == 4
    answers = "".join(q["answer_letter"] + "\n" for q in quiz)
    code, out, _ = _run(["quiz", "--seed", "3", "--count", "4"], stdin=answers)
    assert code == 0
    assert out.count("Correct.") == 4
    assert "Score: 4 of 4" in out
    assert DISCLAIMER in out
    wrong = "".join(next(o["letter"] for o in q["options"] if o["id"] != q["answer"]) + "\n"
                    for q in quiz)
    code, out, _ = _run(["quiz", "--seed", "3", "--count", "4"], stdin=wrong)
    assert "Score: 0 of 4" in out
    assert out.count("Not quite: the answer is") == 4


def test_cli_quiz_asks_again_and_stops_at_end_of_input():
    code, out, _ = _run(["quiz", "--seed", "3", "--count", "3", "--json"])
    first = json.loads(out)[0]
    code, out, _ = _run(["quiz", "--seed", "3", "--count", "3"],
                        stdin="zebra\n" + first["answer_letter"] + "\n")
    assert code == 0
    assert "'zebra' is not one of the options" in out
    assert "Score: 1 of 1 answered correctly (3 asked)" in out


def test_cli_quiz_bad_count_is_one_line():
    code, _, err = _run(["quiz", "--count", "0"])
    assert code == 2
    assert err.startswith("kg: error:") and "--count" in err
    assert len(err.strip().splitlines()) == 1


def test_trace_result_renders_for_jupyter(shipped_graph):
    from kg.reason.trace import trace

    html = trace(shipped_graph, GROIN)._repr_html_()
    page = Page(html)
    frames = page.find("iframe")
    assert len(frames) == 1
    assert "allow-scripts" in (frames[0].get("sandbox") or "")
    inner = Page(frames[0]["srcdoc"] or "")
    assert inner.find("div", id="network")
    assert not [a for a in inner.find("script") if a.get("src")], "scripts must be inline"


def test_explorer_layout_does_not_depend_on_the_hash_seed(tmp_path):
    """The same data gives the same atlas byte for byte, whatever PYTHONHASHSEED is."""
    import os
    import subprocess
    import sys

    code = ("import json, sys, kg; from kg.render.site import explorer_layout; "
            "json.dump(explorer_layout(kg.load()), sys.stdout, sort_keys=True)")
    outs = set()
    for seed in ("1", "6", "7"):  # 6 and 7 reordered columns before sums were made stable
        env = {**os.environ, "PYTHONHASHSEED": seed, "KG_CACHE_DIR": str(tmp_path / seed)}
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=env, check=True)
        outs.add(run.stdout)
    assert len(outs) == 1
