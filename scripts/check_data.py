"""Curator's consistency check of data/*.ttl (stricter than the SHACL shapes, run before commit).

Checks that every relation assertion has a cited, graded owl:Axiom and vice versa, that every
entity is typed, labelled, defined and sourced, that every source is complete and cited, that
UBERON/FMA ids appear in the verified cross-reference table, and that frequencies are sane.
Usage: python scripts/check_data.py [DATA_DIR] [XREF_TSV]; exit 1 when a problem is found.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
XREFS = Path("/work/shared/reference/anatomy-xrefs.tsv")
# Labels are lower case except for eponyms and abbreviations; flag a capitalised common word.
COMMON_WORDS = {"the", "a", "pain", "left", "right", "lower", "upper", "sudden", "new",
                "significant", "reduced", "normal", "positive", "hip", "groin", "lumbar",
                "sacroiliac", "spinal"}


def main(argv: list[str] | None = None) -> int:
    """Run every check and print one line per problem."""
    from rdflib import RDF, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS, OWL, RDFS, SKOS

    sys.path.insert(0, str(ROOT))
    from kg.store.files import load_rdf

    args = sys.argv[1:] if argv is None else argv
    data_dir = Path(args[0]) if args else ROOT / "data"
    xref_path = Path(args[1]) if len(args) > 1 else XREFS
    g = load_rdf(data_dir)
    KG = Namespace("https://w3id.org/lumbopelvic-kg/vocab#")
    LP = "https://w3id.org/lumbopelvic-kg/id/"
    SRC = "https://w3id.org/lumbopelvic-kg/source/"
    problems: list[str] = []

    rel_props = set(g.subjects(RDF.type, KG.RelationProperty))
    literal_props = {KG.urgency, KG.action}
    axioms = {}
    for ax in g.subjects(RDF.type, OWL.Axiom):
        key = (g.value(ax, OWL.annotatedSource), g.value(ax, OWL.annotatedProperty),
               g.value(ax, OWL.annotatedTarget))
        axioms.setdefault(key, []).append(ax)
        if None in key:
            problems.append(f"axiom {ax} lacks source/property/target")
            continue
        if (key[0], key[1], key[2]) not in g:
            problems.append(f"axiom without asserted triple: {key}")
        if not list(g.objects(ax, DCTERMS.source)):
            problems.append(f"axiom without dcterms:source: {key}")
        grade = g.value(ax, KG.evidenceGrade)
        if grade is None or str(grade) not in {"A", "B", "C"}:
            problems.append(f"axiom without evidence grade A/B/C: {key}")
        freq = g.value(ax, KG.frequency)
        if freq is not None:
            if not 0 <= float(freq) <= 1:
                problems.append(f"frequency out of [0,1]: {key}")
            if g.value(ax, KG.cohortSize) is None:
                problems.append(f"frequency without cohort size: {key}")
        if key[1] == KG.dermatomeCovers and g.value(ax, KG.dermatomeMap) is None:
            problems.append(f"dermatome coverage without kg:dermatomeMap: {key}")
        for s in g.objects(ax, DCTERMS.source):
            if (s, RDF.type, KG.Source) not in g:
                problems.append(f"axiom cites unknown source {s}: {key}")

    for p in rel_props | literal_props:
        for s, o in g.subject_objects(p):
            if str(s).startswith(str(KG)):
                continue
            if (s, p, o) not in axioms:
                problems.append(f"assertion without axiom: {s} {p} {o}")

    entities = {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(LP)}
    entities |= {o for o in g.objects() if isinstance(o, URIRef) and str(o).startswith(LP)}
    for e in sorted(entities):
        if g.value(e, RDF.type) is None:
            problems.append(f"entity without rdf:type (dangling?): {e}")
        for prop, name in ((RDFS.label, "rdfs:label"), (SKOS.definition, "skos:definition"),
                           (DCTERMS.source, "dcterms:source")):
            if g.value(e, prop) is None:
                problems.append(f"entity without {name}: {e}")
        label = g.value(e, RDFS.label)
        first = str(label).split(" ")[0] if label is not None else ""
        if first[:1].isupper() and first.lower() in COMMON_WORDS:
            problems.append(f"label not lower case: {e} {label!r}")

    cited = set(g.objects(None, DCTERMS.source))
    for s in g.subjects(RDF.type, KG.Source):
        for prop in (DCTERMS.creator, DCTERMS.issued, DCTERMS.title, DCTERMS.isPartOf,
                     DCTERMS.bibliographicCitation):
            if g.value(s, prop) is None:
                problems.append(f"source {s} lacks {prop}")
        if s not in cited:
            problems.append(f"source cited by nothing: {s}")
    for s in cited:
        if str(s).startswith(SRC) and (s, RDF.type, KG.Source) not in g:
            problems.append(f"cited source not defined: {s}")

    known: set[str] = set()
    with xref_path.open() as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            for col in ("uberon_id", "fma_id"):
                for cur in (row.get(col) or "").split(";"):
                    if cur.strip():
                        known.add(cur.strip().replace(":", "_"))
    obo = "http://purl.obolibrary.org/obo/"
    for prop in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch):
        for s, o in g.subject_objects(prop):
            if not str(s).startswith(LP):
                continue
            local = str(o).removeprefix(obo)
            if local.split("_")[0] in {"UBERON", "FMA"} and local not in known:
                problems.append(f"mapping not in anatomy-xrefs.tsv: {s} -> {o}")
            if local == "UBERON_0004016":
                problems.append(f"embryonic dermatome used: {s}")
    del Literal
    for line in problems:
        print(line)
    print(f"{len(problems)} problem(s); {len(g)} triples", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
