"""The project's CURIE prefixes as plain strings (importable without rdflib)."""

from __future__ import annotations

__all__ = ["PREFIXES"]

PREFIXES: dict[str, str] = {
    "kg": "https://w3id.org/lumbopelvic-kg/vocab#",
    "lp": "https://w3id.org/lumbopelvic-kg/id/",
    "src": "https://w3id.org/lumbopelvic-kg/source/",
    "obo": "http://purl.obolibrary.org/obo/",
    "UBERON": "http://purl.obolibrary.org/obo/UBERON_",
    "FMA": "http://purl.obolibrary.org/obo/FMA_",
    "RO": "http://purl.obolibrary.org/obo/RO_",
    "BFO": "http://purl.obolibrary.org/obo/BFO_",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
}
