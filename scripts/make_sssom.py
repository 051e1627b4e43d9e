"""Generate data/mappings.sssom.tsv: every skos mapping of a project entity, as SSSOM TSV.

The file starts with the SSSOM YAML metadata block (lines prefixed with '#': curie_map,
mapping_set_id, license, ...) followed by one row per mapping. UBERON object labels come from
the pinned UBERON release (cellxgene-ontology-guide) when it is installed, FMA ids are labelled
from anatomy-xrefs.tsv. Usage: python scripts/make_sssom.py [--data DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path

__all__ = ["main", "rows"]

ROOT = Path(__file__).resolve().parent.parent
XREFS = Path("/work/shared/reference/anatomy-xrefs.tsv")
LP = "https://w3id.org/lumbopelvic-kg/id/"
KGV = "https://w3id.org/lumbopelvic-kg/vocab#"
OBO = "http://purl.obolibrary.org/obo/"
COLUMNS = ["subject_id", "subject_label", "predicate_id", "object_id", "object_label",
           "mapping_justification", "author_label", "comment"]


def _curie(iri: str) -> str:
    for base, prefix in ((LP, "lp:"), (KGV, "kg:")):
        if iri.startswith(base):
            return prefix + iri[len(base):]
    if iri.startswith(OBO):
        local = iri[len(OBO):]
        ns, _, num = local.partition("_")
        return f"{ns}:{num}"
    return iri


def _xref_labels(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    uberon, fma = {}, {}
    if path.is_file():
        with path.open() as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                if row.get("uberon_id"):
                    uberon[row["uberon_id"].strip()] = row["uberon_label"].strip()
                for f in (row.get("fma_id") or "").split(";"):
                    if f.strip():
                        fma.setdefault(f.strip(), row["structure"].strip())
    return uberon, fma


def rows(data_dir: Path, xrefs: Path) -> list[dict[str, str]]:
    """One row per (entity, skos match, UBERON/FMA class) in the data."""
    from rdflib import Graph
    from rdflib.namespace import RDFS, SKOS

    g = Graph()
    for ttl in sorted(data_dir.glob("*.ttl")):
        g.parse(ttl, format="turtle")
    uberon_labels, fma_labels = _xref_labels(xrefs)
    try:
        sys.path.insert(0, str(ROOT / "scripts"))
        from make_uberon_import import read_release, release_file

        release = read_release(release_file())
        uberon_labels.update({k: v["label"] for k, v in release.items() if v.get("label")})
    except Exception:  # the release is optional: the xref table still gives labels
        pass
    out = []
    for name in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch"):
        for s, o in g.subject_objects(SKOS[name]):
            obj = _curie(str(o))
            if not (obj.startswith("UBERON:") or obj.startswith("FMA:")):
                continue
            subj = _curie(str(s))
            label = g.value(s, RDFS.label)
            out.append({
                "subject_id": subj,
                "subject_label": str(label) if label is not None else "",
                "predicate_id": f"skos:{name}",
                "object_id": obj,
                "object_label": uberon_labels.get(obj, "") if obj.startswith("UBERON:")
                else fma_labels.get(obj, ""),
                "mapping_justification": "semapv:ManualMappingCuration",
                "author_label": "lumbopelvic-kg curators",
                "comment": "identifier from shared/reference/anatomy-xrefs.tsv (UBERON bridges)",
            })
    return sorted(out, key=lambda r: (r["subject_id"], r["predicate_id"], r["object_id"]))


def main(argv: list[str] | None = None) -> int:
    """Write the SSSOM TSV."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "mappings.sssom.tsv")
    ap.add_argument("--xrefs", type=Path, default=XREFS)
    args = ap.parse_args(argv)
    table = rows(args.data, args.xrefs)
    header = [
        "# curie_map:",
        "#   lp: https://w3id.org/lumbopelvic-kg/id/",
        "#   kg: https://w3id.org/lumbopelvic-kg/vocab#",
        "#   UBERON: http://purl.obolibrary.org/obo/UBERON_",
        "#   FMA: http://purl.obolibrary.org/obo/FMA_",
        "#   skos: http://www.w3.org/2004/02/skos/core#",
        "#   semapv: https://w3id.org/semapv/vocab/",
        "# mapping_set_id: https://w3id.org/lumbopelvic-kg/mappings.sssom.tsv",
        "# mapping_set_description: Mappings of lumbopelvic-kg entities to UBERON and FMA",
        "# license: https://creativecommons.org/licenses/by/4.0/",
        "# subject_source: https://w3id.org/lumbopelvic-kg/id/",
        "# object_source_version: UBERON 2026-04-01; FMA ids from the UBERON FMA bridge"
        " (2023-09-05)",
        f"# mapping_date: {dt.date.today().isoformat()}",
    ]
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        fh.write("\n".join(header) + "\n")
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
    print(f"wrote {args.out} ({len(table)} mappings)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
