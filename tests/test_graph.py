"""The projection from RDF to networkx."""

from __future__ import annotations

import pytest
from rdflib import Graph

from kg.graph.build import evidence_weight
from kg.graph.project import to_networkx

SIJ, GROIN, HIP, HIP_OA = "lp:sacroiliac_joint", "lp:groin", "lp:hip_joint", "lp:hip_osteoarthritis"


def test_nodes_carry_label_types_synonyms_and_xrefs(mini_graph):
    groin = mini_graph.nodes[GROIN]
    assert groin["label"] == "groin"
    assert groin["types"] == ["kg:BodyRegion"]
    assert "kg:AnatomicalEntity" in groin["all_types"]  # inherited through rdfs:subClassOf
    assert groin["synonyms"] == ["inguinal region"]
    assert groin["xrefs"]["exact"] == ["UBERON:0008337"]
    assert groin["sources"] == ["src:slipman2000"]


def test_edges_keyed_by_predicate_with_mechanism_direction_and_evidence(mini_graph):
    data = mini_graph.get_edge_data(SIJ, GROIN, key="kg:refersPainTo")
    assert data["mechanism"] == "somatic"
    assert data["direction"] == "forward"
    assert data["frequency"] == pytest.approx(0.14)
    assert data["sources"] == ["src:slipman2000"]
    assert data["evidence"][0]["cohort"] == 50
    assert data["weight"] == pytest.approx(0.14)  # grade A x frequency


def test_two_relations_between_one_pair_stay_apart(mini_graph):
    keys = set(mini_graph.get_edge_data(HIP, "lp:lower_back"))
    assert keys == {"kg:doesNotReferPainTo"}
    assert mini_graph.get_edge_data(HIP, "lp:lower_back", key="kg:doesNotReferPainTo")[
        "direction"] == "blocks"


def test_sources_catalogue(mini_graph):
    rec = mini_graph.graph["sources"]["src:lesher2008"]
    assert rec["short"] == "Lesher et al. 2008"
    assert "pmid:18254763" in rec["identifiers"]


def test_relation_without_evidence_has_zero_weight(mini_dir):
    g = Graph()
    for f in sorted(mini_dir.glob("*.ttl")):
        g.parse(f)
    g.parse(data="""@prefix kg: <https://w3id.org/lumbopelvic-kg/vocab#> .
    @prefix lp: <https://w3id.org/lumbopelvic-kg/id/> .
    lp:hip_joint kg:refersPainTo lp:lower_back_typo , lp:sacroiliac_joint .""", format="turtle")
    G = to_networkx(g)
    assert not G.has_node("lp:lower_back_typo")  # dangling: left to `kg validate`
    assert G.get_edge_data(HIP, SIJ, key="kg:refersPainTo")["weight"] == 0.0


@pytest.mark.parametrize(
    ("item", "default", "expected"),
    [
        ({"grade": "A", "frequency": 0.94}, 0.5, 0.94),
        ({"grade": "B"}, 1.0, 0.8),
        ({"grade": "C", "hypothesis": True}, 0.5, 0.125),
        ({"grade": "C", "expert_opinion": True}, 1.0, 0.35),
    ],
)
def test_evidence_weight(item, default, expected):
    assert evidence_weight(item, default) == pytest.approx(expected)


def test_evidence_from_animals_weighs_less_and_is_said_so():
    """Human data take precedence (issue 18): an animal study weighs half the same grade from
    people, and a step resting on animals alone is worded "in animals"."""
    from kg.explain.words import evidence_flags, frequency_text

    human = {"grade": "B", "sources": ["src:a"]}
    rat = {"grade": "B", "sources": ["src:b"], "study_design": "kg:animalStudy"}
    assert evidence_weight(rat, 0.8) == pytest.approx(evidence_weight(human, 0.8) / 2)
    assert evidence_flags({"evidence": [rat]}) == ["in animals"]
    assert evidence_flags({"evidence": [rat, human]}) == []
    assert frequency_text({"evidence": [{**rat, "frequency": 0.5, "cohort": 12,
                                         "cohort_kind": "rats"}]}) == "50% in 12 rats"
