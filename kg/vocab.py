"""Namespaces of the graph, and the vocabulary as a closed Python namespace."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

__all__ = ["KG", "LP", "OBO", "PREFIXES", "SRC"]

LP = Namespace("https://w3id.org/lumbopelvic-kg/id/")
SRC = Namespace("https://w3id.org/lumbopelvic-kg/source/")
OBO = Namespace("http://purl.obolibrary.org/obo/")


class KG(DefinedNamespace):
    """Terms of ``data/vocab.ttl``; a test keeps the two in step."""

    _fail = True
    _NS = Namespace("https://w3id.org/lumbopelvic-kg/vocab#")

    # classes
    AnatomicalEntity: URIRef
    AnatomicalStructure: URIRef
    Bone: URIRef
    Vertebra: URIRef
    IntervertebralDisc: URIRef
    Joint: URIRef
    Ligament: URIRef
    Muscle: URIRef
    Nerve: URIRef
    SpinalNerveRoot: URIRef
    PeripheralNerve: URIRef
    NervePlexus: URIRef
    Dermatome: URIRef
    BodyRegion: URIRef
    Organ: URIRef
    Vessel: URIRef
    ClinicalEntity: URIRef
    Condition: URIRef
    Finding: URIRef
    RedFlag: URIRef
    DiagnosticTest: URIRef
    Source: URIRef
    ExternalClass: URIRef
    Mechanism: URIRef
    PainDirection: URIRef
    RelationProperty: URIRef
    # individuals
    neurogenic: URIRef
    somatic: URIRef
    visceral: URIRef
    biomechanical: URIRef
    local: URIRef
    subjectToObject: URIRef
    objectToSubject: URIRef
    blocks: URIRef
    # meta and annotation properties
    mechanism: URIRef
    painDirection: URIRef
    defaultWeight: URIRef
    explanationTemplate: URIRef
    frequency: URIRef
    cohortSize: URIRef
    evidenceGrade: URIRef
    hypothesis: URIRef
    expertOpinion: URIRef
    dermatomeMap: URIRef
    sensitivity: URIRef
    specificity: URIRef
    positiveLikelihoodRatio: URIRef
    negativeLikelihoodRatio: URIRef
    urgency: URIRef
    action: URIRef
    level: URIRef
    # relation properties
    compresses: URIRef
    entraps: URIRef
    suppliesDermatome: URIRef
    dermatomeCovers: URIRef
    cutaneousTerritory: URIRef
    affects: URIRef
    refersPainTo: URIRef
    doesNotReferPainTo: URIRef
    locatedIn: URIRef
    referredVia: URIRef
    visceralAfferentsVia: URIRef
    loads: URIRef
    presentsWith: URIRef
    redFlagFor: URIRef
    arguesAgainst: URIRef
    supports: URIRef
    testFor: URIRef
    formedFrom: URIRef
    attachesTo: URIRef
    originatesFrom: URIRef
    insertsOn: URIRef
    exitsAt: URIRef
    visceralReferralTo: URIRef


PREFIXES: dict[str, str] = {
    "kg": str(KG._NS),
    "lp": str(LP),
    "src": str(SRC),
    "obo": str(OBO),
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
}
