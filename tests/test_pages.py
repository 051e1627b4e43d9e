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

from kg.pages import safe_json, trace_page_data, trace_page_html, write_trace_page

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
