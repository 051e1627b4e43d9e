"""Name resolution: ids, CURIEs, labels, synonyms, mapped ids; helpful errors."""

from __future__ import annotations

import pytest

from kg.errors import UnknownTermError
from kg.graph.resolve import resolve


@pytest.mark.parametrize(
    "name",
    ["lp:groin", "groin", "GROIN", "  Groin ", "inguinal region", "Inguinal-Region",
     "https://w3id.org/lumbopelvic-kg/id/groin", "UBERON:0008337"],
)
def test_resolves_groin(mini_graph, name):
    assert resolve(mini_graph, name) == "lp:groin"


def test_synonym_of_joint(mini_graph):
    assert resolve(mini_graph, "si joint") == "lp:sacroiliac_joint"


def test_unknown_lists_nearest_names(mini_graph):
    with pytest.raises(UnknownTermError) as info:
        resolve(mini_graph, "grion")
    assert info.value.suggestions[0] == "groin"
    assert "did you mean 'groin'" in str(info.value)


def test_empty_and_hostile_input(mini_graph):
    with pytest.raises(UnknownTermError):
        resolve(mini_graph, "   ")
    with pytest.raises(UnknownTermError) as info:
        resolve(mini_graph, "<script>alert(1)</script>" * 20)
    assert "\n" not in str(info.value)
    assert len(str(info.value)) < 300


def test_accept_restricts_the_kind(mini_graph):
    with pytest.raises(UnknownTermError):
        resolve(mini_graph, "hip joint", accept=["lp:groin"])


@pytest.mark.parametrize("name", ["inguen", "groin area", "inguinal part of abdomen"])
def test_uberon_synonyms_from_the_import_module(shipped_graph, name):
    # UBERON 2026-04-01, UBERON:0008337 "inguinal part of abdomen": synonyms groin area, inguen
    assert resolve(shipped_graph, name) == "lp:groin"


def test_own_synonyms_beat_uberon_synonyms(shipped_graph):
    for node, data in shipped_graph.nodes(data=True):
        for name in data.get("synonyms", ()):
            assert resolve(shipped_graph, name) == node or name in {
                s for n, d in shipped_graph.nodes(data=True) if n != node
                for s in [d.get("label"), *d.get("synonyms", ())]}
