"""The Python vocabulary and data/vocab.ttl agree; every relation property is documented."""

from __future__ import annotations

from rdflib import OWL, RDF, RDFS, Graph
from rdflib.namespace import SKOS

from kg.ids.vocab import KG
from kg.store.resources import resource_dir


def vocab() -> Graph:
    g = Graph()
    g.parse(resource_dir("data") / "vocab.ttl")
    return g


def test_python_terms_match_turtle():
    g = vocab()
    ns = str(KG._NS)
    in_turtle = {str(s)[len(ns):] for s in g.subjects() if str(s).startswith(ns)}
    in_python = set(KG.__annotations__)
    assert in_python == in_turtle


def test_relation_properties_are_documented():
    g = vocab()
    props = list(g.subjects(RDF.type, KG.RelationProperty))
    assert len(props) >= 20
    for p in props:
        assert g.value(p, RDFS.label), p
        assert g.value(p, SKOS.definition), p
        assert (p, RDF.type, OWL.ObjectProperty) in g
        if g.value(p, KG.painDirection) is not None:
            assert g.value(p, KG.mechanism) is not None, p
            assert g.value(p, RDFS.domain) is not None and g.value(p, RDFS.range) is not None, p
