"""The trace page builder: structure, offline-ness and escaping, checked on parsed HTML.

These tests read the page the way a browser would (tags, attributes, the embedded JSON), never
by comparing bytes. The real rendering is checked in test_browser.py.
"""

from __future__ import annotations

import copy
import json
import os
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from kg.render.pages import (
    differential_page_data,
    differential_page_html,
    safe_json,
    trace_page_data,
    trace_page_html,
    write_differential_page,
    write_trace_page,
)

FIXTURE = Path(__file__).parent / "data" / "trace_groin.json"
HOSTILE = '</script><img src=x onerror="window.__pwned=1">'


@pytest.fixture(scope="module")
def trace_result() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


class _Tags(HTMLParser):
    """Collect every start tag with its attributes, and the text of each <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def _parse(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    p.close()
    return p


def _embedded(parsed: _Tags) -> dict[str, Any]:
    """The JSON payload the page script reads (the application/json script)."""
    for (tag, attrs), body in zip(
        [t for t in parsed.tags if t[0] == "script"], parsed.scripts, strict=True
    ):
        assert tag == "script"
        if attrs.get("type") == "application/json" and attrs.get("id") == "kg-data":
            return json.loads(body)
    raise AssertionError("no #kg-data script in the page")


def _path_nodes(result: dict[str, Any]) -> set[str]:
    return {n["id"] for c in result["candidates"] for p in c["paths"] for n in p["nodes"]}


def _path_steps(result: dict[str, Any]) -> set[tuple[str, str, str]]:
    steps = set()
    for c in result["candidates"]:
        for p in c["paths"]:
            for i, e in enumerate(p["edges"]):
                steps.add((p["nodes"][i]["id"], p["nodes"][i + 1]["id"], e["predicate"]))
    return steps


def test_network_holds_exactly_the_route_nodes_and_steps(trace_result):
    payload = _embedded(_parse(trace_page_html(trace_result)))
    assert {n["id"] for n in payload["nodes"]} == _path_nodes(trace_result)
    assert len(payload["nodes"]) == len(_path_nodes(trace_result))
    got = {(e["from"], e["to"], payload["edgeInfo"][e["id"]]["label"]) for e in payload["edges"]}
    assert len(got) == len(payload["edges"]) == len(_path_steps(trace_result))


def test_edges_carry_mechanism_explanation_and_citations(trace_result):
    payload = _embedded(_parse(trace_page_html(trace_result)))
    cited = {s["citation"] for c in trace_result["candidates"] for p in c["paths"]
             for e in p["edges"] for s in e["sources"]}
    shown = {s["citation"] for info in payload["edgeInfo"].values() for s in info["sources"]}
    assert shown == cited
    explanations = {p["explanation"] for c in trace_result["candidates"] for p in c["paths"]}
    assert {r for info in payload["edgeInfo"].values() for r in info["routes"]} == explanations
    for e in payload["edges"]:
        assert e["mechanism"] in payload["mechanisms"]
        assert e["color"]["color"] == payload["mechanisms"][e["mechanism"]]["colour"]


def test_page_is_finished_and_offline(trace_result):
    html = trace_page_html(trace_result)
    parsed = _parse(html)
    for tag, attrs in parsed.tags:
        for name in ("src", "href"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//")), (tag, attrs)
        assert tag != "link", "stylesheets must be inline"
        if tag == "script":
            assert "src" not in attrs, "scripts must be inline"
    text = " ".join(parsed.text)
    assert "Where groin pain can come from" in text
    assert trace_result["disclaimer"] in text
    items = [a for t, a in parsed.tags if t == "li" and "cand" in (a.get("class") or "").split()]
    assert len(items) == len(trace_result["candidates"])
    # The legend names each node type and mechanism that occurs on the page.
    assert "spinal nerve root" in text and "dermatome" in text and "condition" in text
    assert "neurogenic (nerve territory)" in text and "somatic referred" in text
    assert any("vis.Network" in s for s in parsed.scripts), "vis-network must be inlined"


def test_candidate_list_is_ranked_with_routes(trace_result):
    page = trace_page_data(trace_result)
    labels = [c["label"] for c in trace_result["candidates"]]
    assert [c["label"] for c in page["candidates"]] == labels
    first = page["candidates"][0]
    assert first["score_pct"] == 100
    assert len(first["routes"]) == len(trace_result["candidates"][0]["paths"])
    ids = {e["id"] for e in page["edges"]}
    assert set(first["edge_ids"]) <= ids and first["edge_ids"]


def test_hostile_labels_stay_text(trace_result):
    evil = copy.deepcopy(trace_result)
    evil["query"]["region"]["label"] = HOSTILE
    evil["candidates"][0]["label"] = HOSTILE
    evil["candidates"][0]["paths"][0]["nodes"][0]["label"] = HOSTILE
    evil["candidates"][0]["paths"][0]["explanation"] = HOSTILE
    evil["candidates"][0]["paths"][0]["edges"][0]["sources"][0]["citation"] = HOSTILE
    html = trace_page_html(evil)
    parsed = _parse(html)
    assert not [t for t, _ in parsed.tags if t == "img"], "a label became an <img> tag"
    assert sum(1 for t, _ in parsed.tags if t == "script") == 3
    assert not any("onerror" in a for _, attrs in parsed.tags for a in attrs)
    payload = _embedded(parsed)
    assert payload["region"]["label"] == HOSTILE  # still the same text, just escaped
    assert HOSTILE in " ".join(parsed.text)  # shown as text in the list


def test_safe_json_escapes_markup_characters():
    text = safe_json({"a": "</script><b>&"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><b>&"}


def test_accepts_result_objects_and_writes_only_the_page(trace_result, tmp_path, monkeypatch):
    class Result:
        def to_dict(self) -> dict[str, Any]:
            return trace_result

    monkeypatch.chdir(tmp_path)
    out = write_trace_page(Result(), tmp_path / "page.html")
    assert sorted(os.listdir(tmp_path)) == ["page.html"]
    assert _embedded(_parse(out.read_text(encoding="utf-8")))["region"]["id"] == "lp:groin"


def test_rejects_what_is_not_a_trace_result():
    with pytest.raises(TypeError):
        trace_page_html(42)


def test_embed_wraps_the_page_in_a_sandboxed_iframe(trace_result):
    """For Jupyter (_repr_html_): the whole page travels in srcdoc, escaped as an attribute."""
    parsed = _parse(trace_page_html(trace_result, embed=True))
    assert [t for t, _ in parsed.tags] == ["iframe"]
    attrs = parsed.tags[0][1]
    assert attrs["sandbox"] == "allow-scripts"
    inner = _parse(attrs["srcdoc"] or "")
    assert {n["id"] for n in _embedded(inner)["nodes"]} == _path_nodes(trace_result)


def test_a_trace_without_routes_still_makes_a_page(trace_result):
    empty = {**trace_result, "candidates": []}
    parsed = _parse(trace_page_html(empty))
    payload = _embedded(parsed)
    assert payload["nodes"] == [] and payload["edges"] == []
    assert "No cited route reaches this region" in " ".join(parsed.text)


# --- the differential page -------------------------------------------------------------------
# Built from real differentials on the shipped data: groin and lower back pain, with and
# without saddle numbness (a red flag for cauda equina syndrome, Finucane 2020).

BOTH = ["groin", "lower back"]


@pytest.fixture(scope="module")
def diff_red(shipped_graph) -> dict[str, Any]:
    from kg.reason.differential import differential

    return differential(shipped_graph, BOTH, ["saddle numbness"]).to_dict()


@pytest.fixture(scope="module")
def diff_plain(shipped_graph) -> dict[str, Any]:
    from kg.reason.differential import differential

    return differential(shipped_graph, BOTH).to_dict()


def _by_id(parsed: _Tags, ident: str) -> list[dict[str, str | None]]:
    return [a for _, a in parsed.tags if a.get("id") == ident]


def _classed(parsed: _Tags, tag: str, cls: str) -> list[dict[str, str | None]]:
    return [a for t, a in parsed.tags if t == tag and cls in (a.get("class") or "").split()]


def _text_of(html: str) -> str:
    return " ".join(" ".join(_parse(html).text).split())


def test_differential_network_is_the_union_of_every_candidates_routes(diff_red):
    payload = _embedded(_parse(differential_page_html(diff_red)))
    route_nodes = _path_nodes(diff_red)
    regions = {r["id"] for r in diff_red["query"]["regions"]}
    assert regions <= route_nodes, "a painful region no route reaches"
    ids = [n["id"] for n in payload["nodes"]]
    assert len(ids) == len(set(ids)) == len(route_nodes)
    assert set(ids) == route_nodes
    assert len(payload["edges"]) == len(_path_steps(diff_red))
    # Every painful region is a target node, drawn in the last column.
    assert {i for i, info in payload["nodeInfo"].items() if info["target"]} == regions
    last = max(n["level"] for n in payload["nodes"])
    assert {n["id"] for n in payload["nodes"] if n["level"] == last} >= regions
    # One highlightable entry per candidate, with exactly its own route steps.
    assert [c["id"] for c in payload["candidates"]] == [c["id"] for c in diff_red["candidates"]]
    for cand, row in zip(diff_red["candidates"], payload["candidates"], strict=True):
        own = {(n["id"]) for p in cand["paths"] for n in p["nodes"]}
        assert set(row["nodes"]) == own
        assert len(row["edges"]) == len({(p["nodes"][i]["id"], p["nodes"][i + 1]["id"],
                                           e["predicate"]) for p in cand["paths"]
                                          for i, e in enumerate(p["edges"])})


def test_red_flag_banner_iff_red_flags(diff_red, diff_plain):
    assert diff_red["red_flags"] and not diff_plain["red_flags"]
    html = differential_page_html(diff_red)
    parsed = _parse(html)
    assert len(_by_id(parsed, "red-flags")) == 1
    assert _by_id(parsed, "red-flags")[0].get("role") == "alert"
    text = _text_of(html)
    for rf in diff_red["red_flags"]:
        assert rf["condition"]["label"] in text
        assert rf["urgency"] in text and rf["action"] in text
        for f in rf["triggered_by"]:
            assert f["label"] in text
        for src in rf["sources"]:
            assert src["citation"] in text
    # The banner comes before the ranked list (red flags first, whatever the scores say).
    assert html.index('id="red-flags"') < html.index('id="cand-list"')
    assert len(_classed(parsed, "li", "redflag")) == len(diff_red["red_flags"])

    plain = _parse(differential_page_html(diff_plain))
    assert _by_id(plain, "red-flags") == []
    assert _classed(plain, "li", "redflag") == []


def test_differential_page_shows_query_candidates_findings_and_tests(diff_red, shipped_graph):
    from kg.reason.differential import differential

    html = differential_page_html(diff_red)
    parsed = _parse(html)
    text = _text_of(html)
    assert "Where groin and lower back pain can come from" in text
    for term in (*diff_red["query"]["regions"], *diff_red["query"]["findings"]):
        assert term["label"] in text
    assert diff_red["disclaimer"] in text
    assert len(_classed(parsed, "li", "cand")) == len(diff_red["candidates"])
    # Coverage per candidate: "Explains k of n", from the JSON's "explains".
    n = len(diff_red["query"]["regions"])
    page = differential_page_data(diff_red)
    for cand, row in zip(diff_red["candidates"], page["candidates"], strict=True):
        assert row["coverage"] == len(cand["explains"])
        assert [r["explained"] for r in row["regions"]] == [
            r["id"] in {x["id"] for x in cand["explains"]} for r in diff_red["query"]["regions"]]
    assert f"Explains 2 of {n}" in text
    # Tests to do next carry their published accuracy and sources (ten leaders, so one of them
    # has a test with a published sensitivity whatever the order of the first five).
    wide = differential(shipped_graph, BOTH, ["saddle numbness"], leaders=10).to_dict()
    text = _text_of(differential_page_html(wide))
    acc = next(a for c in wide["candidates"] for t in c["next_tests"]
               for a in t["accuracy"] if a.get("sensitivity") is not None)
    assert f"sensitivity {100 * acc['sensitivity']:.0f}%" in text
    assert all(s["citation"] in text for s in acc["sources"])
    assert len(_classed(parsed, "section", "next-tests")) == 1
    # Findings in favour and against, with their explanations.
    weighed = differential(shipped_graph, BOTH,
                           ["pain-free hip flexion, adduction and internal rotation",
                            "painful restricted hip internal rotation"])
    data = weighed.to_dict()
    text = _text_of(differential_page_html(data))
    links = [(x, "for") for c in data["candidates"] for x in c["supporting_findings"]] + \
            [(x, "against") for c in data["candidates"] for x in c["against_findings"]]
    assert {kind for _, kind in links} == {"for", "against"}
    for link, _ in links:
        assert link["explanation"] in text


def test_differential_hostile_labels_stay_text(diff_red):
    evil = copy.deepcopy(diff_red)
    evil["query"]["regions"][0]["label"] = HOSTILE
    evil["query"]["findings"][0]["label"] = HOSTILE
    evil["red_flags"][0]["condition"]["label"] = HOSTILE
    evil["red_flags"][0]["action"] = HOSTILE
    evil["red_flags"][0]["triggered_by"][0]["label"] = HOSTILE
    # the first candidate whose next test carries published accuracy (which one depends on data)
    first = next(c for c in evil["candidates"]
                 if c["next_tests"] and c["next_tests"][0]["accuracy"])
    other = next(c for c in evil["candidates"] if c is not first)
    first["label"] = HOSTILE
    first["paths"][0]["nodes"][0]["label"] = HOSTILE
    first["next_tests"][0]["label"] = HOSTILE
    first["next_tests"][0]["accuracy"][0]["comment"] = HOSTILE
    other["supporting_findings"] = [{
        "id": "lp:x", "label": HOSTILE, "likelihood_ratio": 2, "explanation": HOSTILE,
        "sources": [{"id": "src:x", "citation": HOSTILE}]}]
    parsed = _parse(differential_page_html(evil))
    assert not [t for t, _ in parsed.tags if t == "img"], "a label became an <img> tag"
    assert sum(1 for t, _ in parsed.tags if t == "script") == 3
    assert not any("onerror" in a for _, attrs in parsed.tags for a in attrs)
    assert HOSTILE in _embedded(parsed)["nodeInfo"][first["id"]]["label"]
    text = " ".join(parsed.text)
    assert text.count(HOSTILE) >= 8  # every hostile field shown, as text


def test_differential_page_for_a_region_no_route_reaches(diff_red):
    """The painful regions are target nodes even with no candidate at all."""
    empty = {**diff_red, "candidates": [], "red_flags": [], "next_tests": []}
    parsed = _parse(differential_page_html(empty))
    payload = _embedded(parsed)
    assert {n["id"] for n in payload["nodes"]} == {r["id"] for r in diff_red["query"]["regions"]}
    assert payload["edges"] == []
    assert "No cited route reaches these regions" in " ".join(parsed.text)


def test_differential_embeds_for_jupyter_and_writes_only_the_page(shipped_graph, diff_red,
                                                                  tmp_path, monkeypatch):
    from kg.reason.differential import differential

    result = differential(shipped_graph, BOTH, ["saddle numbness"])
    parsed = _parse(result._repr_html_())
    assert [t for t, _ in parsed.tags] == ["iframe"]
    assert parsed.tags[0][1]["sandbox"] == "allow-scripts"
    inner = _parse(parsed.tags[0][1]["srcdoc"] or "")
    assert {n["id"] for n in _embedded(inner)["nodes"]} == _path_nodes(diff_red)
    assert len(_by_id(inner, "red-flags")) == 1

    monkeypatch.chdir(tmp_path)
    out = write_differential_page(result, tmp_path / "diff.html")
    assert sorted(os.listdir(tmp_path)) == ["diff.html"]
    assert len(_embedded(_parse(out.read_text(encoding="utf-8")))["nodes"]) == len(
        _path_nodes(diff_red))


def test_trace_and_differential_pages_share_style_and_script(trace_result, diff_red):
    """One product: the differential page carries the trace page's style and script verbatim."""
    import re

    trace_html, diff_html = trace_page_html(trace_result), differential_page_html(diff_red)
    trace, diff = _parse(trace_html), _parse(diff_html)
    assert trace.scripts[1:] == diff.scripts[1:]  # vis-network and the page script
    styles = [re.findall(r"<style>(.*?)</style>", h, re.S) for h in (trace_html, diff_html)]
    assert len(styles[0]) == 1 and styles[0] == styles[1]


def test_two_relations_between_the_same_nodes_are_drawn_apart(shipped_graph):
    """Adductor longus -> groin is both 'located in' and 'refers pain to': both must be seen."""
    from kg.reason.trace import trace

    payload = _embedded(_parse(trace_page_html(trace(shipped_graph, "groin").to_dict())))
    pairs: dict[tuple[str, str], list[Any]] = {}
    for e in payload["edges"]:
        pairs.setdefault((e["from"], e["to"]), []).append(json.dumps(e.get("smooth")))
    doubled = pairs[("lp:adductor_longus", "lp:groin")]
    assert len(doubled) == 2
    for bends in pairs.values():
        assert len(set(bends)) == len(bends), bends
