"""UBERON merged into the graph: climbing its hierarchy, and its synonyms in name resolution."""

from __future__ import annotations

import copy
import os

import pytest

from kg.errors import KGError
from kg.graph.resolve import resolve
from kg.reason.trace import trace

if os.environ.get("CI") != "true":  # under CI the [uberon] extra must be there
    pytest.importorskip("cellxgene_ontology_guide", reason="the [uberon] extra is not installed")

from kg.graph.uberon import merge_uberon, read_release, uberon_ancestors

GROIN_CLASS = "UBERON:0008337"  # inguinal part of abdomen (anatomy-xrefs.tsv)
HIP_MUSCLE = "UBERON:0003658"


@pytest.fixture(scope="session")
def release():
    return read_release()


@pytest.fixture(scope="session")
def merged(shipped_graph, release):
    return merge_uberon(copy.deepcopy(shipped_graph), release)


def test_release_is_the_pinned_one(release):
    assert release[GROIN_CLASS]["label"] == "inguinal part of abdomen"
    assert len(release) > 15000


def test_merge_adds_classes_and_links_mappings(merged, release):
    current = sum(1 for k, v in release.items() if k.startswith("UBERON:") and not v["deprecated"])
    externals = [n for n, d in merged.nodes(data=True) if "kg:ExternalClass" in d["types"]]
    assert len(externals) == current
    assert merged.has_edge("lp:groin", GROIN_CLASS, key="skos:exactMatch")
    assert GROIN_CLASS in uberon_ancestors(merged, "lp:groin")


def test_uberon_synonyms_resolve_to_the_project_entity(merged):
    # "groin area" and "inguen" are UBERON synonyms of inguinal part of abdomen, not ours
    assert resolve(merged, "groin area") == "lp:groin"
    assert resolve(merged, "inguen") == "lp:groin"
    assert resolve(merged, "hip muscle") == HIP_MUSCLE


def test_within_climbs_the_hierarchy(merged, shipped_graph):
    plain = trace(shipped_graph, "groin")
    scoped = trace(merged, "groin", within="hip muscle")
    assert scoped.candidates, "no hip muscle refers pain to the groin"
    for cand in scoped.candidates:
        assert HIP_MUSCLE in uberon_ancestors(merged, cand.id), cand.id
    assert {c.id for c in scoped.candidates} < {c.id for c in plain.candidates}
    assert "lp:sacroiliac_joint" not in {c.id for c in scoped.candidates}


def test_merge_does_not_change_traces(merged, shipped_graph):
    a = trace(shipped_graph, "groin")
    b = trace(merged, "groin")
    assert [(c.id, c.score) for c in a.candidates] == [(c.id, c.score) for c in b.candidates]


def test_within_without_uberon_says_how(shipped_graph):
    with pytest.raises(KGError, match="--with-uberon"):
        trace(shipped_graph, "groin", within="hip muscle")


def test_every_uberon_id_in_the_data_exists_under_its_stated_label(shipped_graph, release):
    """Every UBERON id the data maps to is a current class of the pinned release, and the import
    module states it under the release's own label."""
    from rdflib import RDFS, URIRef

    from kg.store.files import load_imports

    imports = load_imports()
    ids = {x for _, d in shipped_graph.nodes(data=True)
           for kind in d.get("xrefs", {}).values() for x in kind if x.startswith("UBERON:")}
    assert len(ids) >= 40
    for uid in sorted(ids):
        assert uid in release and not release[uid]["deprecated"], uid
        iri = URIRef("http://purl.obolibrary.org/obo/" + uid.replace(":", "_"))
        assert str(imports.value(iri, RDFS.label)) == release[uid]["label"], uid
