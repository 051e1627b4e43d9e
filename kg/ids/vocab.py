"""Namespaces of the graph, and the vocabulary as a closed Python namespace."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from kg.ids.prefixes import PREFIXES

__all__ = ["KG", "LP", "OBO", "PREFIXES", "SRC"]

LP = Namespace(PREFIXES["lp"])
SRC = Namespace(PREFIXES["src"])
OBO = Namespace(PREFIXES["obo"])


class KG(DefinedNamespace):
    """Terms of ``data/vocab.ttl``; a test keeps the two in step."""

    _fail = True
    _NS = Namespace(PREFIXES["kg"])

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
    Setting: URIRef
    StudyDesign: URIRef
    # individuals
    neurogenic: URIRef
    somatic: URIRef
    visceral: URIRef
    biomechanical: URIRef
    local: URIRef
    subjectToObject: URIRef
    objectToSubject: URIRef
    blocks: URIRef
    primaryCare: URIRef
    sportsMedicine: URIRef
    emergencyCare: URIRef
    specialistCare: URIRef
    blockConfirmed: URIRef
    injectionSeries: URIRef
    diagnosticAccuracyStudy: URIRef
    cohortStudy: URIRef
    crossSectionalStudy: URIRef
    pooledReview: URIRef
    cadaverStudy: URIRef
    animalStudy: URIRef
    volunteerStudy: URIRef
    caseReport: URIRef
    guidelineOrTextbook: URIRef
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
    frequencyAmongRegionPain: URIRef
    dermatomeMap: URIRef
    sensitivity: URIRef
    specificity: URIRef
    positiveLikelihoodRatio: URIRef
    negativeLikelihoodRatio: URIRef
    population: URIRef
    studyDesign: URIRef
    cohortKind: URIRef
    pooledStudies: URIRef
    measuredIn: URIRef
    validatedFor: URIRef
    setting: URIRef
    prevalenceCategory: URIRef
    editor: URIRef
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
    painFeltIn: URIRef
    causeOfPainIn: URIRef
