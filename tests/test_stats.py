"""``kg stats`` and ``kg list``: exact counts on a slice built for it, and cross-checks on the
shipped data against counts taken triple by triple (no SPARQL), so the two can disagree."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kg.cli import main
from kg.errors import KGError
from kg.graph.stats import LIST_TYPES, compute_stats, list_entities

ROOT = Path(__file__).resolve().parent.parent
VOCAB = ROOT / "data" / "vocab.ttl"
STATS_SLICE = Path(__file__).resolve().parent / "data" / "stats.ttl"
KG_NS = "https://w3id.org/lumbopelvic-kg/vocab#"


@pytest.fixture(scope="module")
def slice_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stats")
    shutil.copy(VOCAB, folder / "vocab.ttl")
    shutil.copy(STATS_SLICE, folder / "stats.ttl")
    return folder


@pytest.fixture(scope="module")
def slice_graph(slice_dir: Path):
    from kg.store.files import load_rdf

    return load_rdf(slice_dir)


@pytest.fixture(scope="module")
def shipped_rdf():
    from kg.store.files import load_rdf

    return load_rdf()


# --- exact counts on the slice (see the header of tests/data/stats.ttl) -----------------------


def test_counts_on_slice(slice_graph) -> None:
    s = compute_stats(slice_graph)
    assert s["entities"] == 10
    assert s["by_type"] == {
        "kg:BodyRegion": 2, "kg:Condition": 1, "kg:Dermatome": 1, "kg:DiagnosticTest": 1,
        "kg:Finding": 1, "kg:Joint": 1, "kg:RedFlag": 1, "kg:SpinalNerveRoot": 1,
        "kg:Vertebra": 1,
    }
    assert s["assertions"] == 7
    assert s["by_predicate"] == {
        "kg:refersPainTo": 2, "kg:dermatomeCovers": 1, "kg:exitsAt": 1, "kg:redFlagFor": 1,
        "kg:suppliesDermatome": 1, "kg:testFor": 1,
    }
    assert s["by_mechanism"] == {"none": 3, "kg:neurogenic": 2, "kg:somatic": 2}
    assert s["cited_assertions"] == 5
    assert s["assertions_with_frequency"] == 2
    assert s["axioms"] == 7
    assert s["evidence_grades"] == {"A": 3, "B": 3, "C": 1}
    assert (s["hypotheses"], s["expert_opinions"]) == (1, 1)
    assert (s["sources"], s["cited_sources"]) == (3, 2)
    assert (s["entities_with_uberon"], s["entities_with_fma"]) == (2, 1)


def test_vocabulary_alone_has_nothing_to_count() -> None:
    from rdflib import Graph

    s = compute_stats(Graph().parse(VOCAB))
    assert s["entities"] == s["assertions"] == s["sources"] == s["axioms"] == 0
    assert s["by_type"] == {} and s["evidence_grades"] == {}


def test_list_on_slice(slice_graph) -> None:
    regions = list_entities(slice_graph, "regions")
    assert [(r["id"], r["label"]) for r in regions] == [("lp:buttock", "buttock"),
                                                        ("lp:groin", "groin")]
    # findings include red flags (a subclass); red-flags lists only those
    assert {f["id"] for f in list_entities(slice_graph, "findings")} == {"lp:finding", "lp:rf"}
    assert [f["id"] for f in list_entities(slice_graph, "red-flags")] == ["lp:rf"]
    # structures follow rdfs:subClassOf: a vertebra is a bone is a structure
    assert {s["id"] for s in list_entities(slice_graph, "structures")} == {
        "lp:sij", "lp:l1_root", "lp:vert"}
    sources = list_entities(slice_graph, "sources")
    assert [s["id"] for s in sources] == ["src:a", "src:b", "src:unused"]
    assert sources[0]["citation"] == "Test A. Source A. 2000."
    assert len(list_entities(slice_graph)) == 10


@pytest.mark.parametrize("bad", ["regoins", "muscles", ""])
def test_unknown_list_type(slice_graph, bad: str) -> None:
    with pytest.raises(KGError) as info:
        list_entities(slice_graph, bad)
    assert info.value.exit_code == 2
    assert all(t in str(info.value) for t in LIST_TYPES)


# --- cross-checks on the shipped data --------------------------------------------------------


def test_stats_agree_with_triple_counts(shipped_rdf) -> None:
    from rdflib import OWL, RDF, URIRef
    from rdflib.namespace import DCTERMS

    g = shipped_rdf
    kg = lambda name: URIRef(KG_NS + name)  # noqa: E731
    relations = set(g.subjects(RDF.type, kg("RelationProperty")))
    assertions = [(s, p, o) for s, p, o in g if p in relations]
    cited = set()
    for ax in g.subjects(RDF.type, OWL.Axiom):
        if g.value(ax, DCTERMS.source) is not None:
            cited.add((g.value(ax, OWL.annotatedSource), g.value(ax, OWL.annotatedProperty),
                       g.value(ax, OWL.annotatedTarget)))
    bookkeeping = {kg("Source"), kg("Mechanism"), kg("PainDirection"), kg("RelationProperty")}
    entities = {s for s, t in g.subject_objects(RDF.type)
                if str(t).startswith(KG_NS) and t not in bookkeeping
                and not str(s).startswith(KG_NS.rstrip("#"))}

    s = compute_stats(g)
    assert s["assertions"] == len(assertions) == sum(s["by_predicate"].values())
    assert sum(s["by_mechanism"].values()) == s["assertions"]
    assert s["cited_assertions"] == sum(1 for a in assertions if a in cited)
    assert s["axioms"] == len(set(g.subjects(RDF.type, OWL.Axiom)))
    assert s["sources"] == len(set(g.subjects(RDF.type, kg("Source"))))
    assert s["entities"] == len(entities)
    assert sum(s["evidence_grades"].values()) <= s["axioms"]


def test_list_regions_matches_graph(shipped_rdf) -> None:
    from rdflib import RDF, URIRef

    from kg.ids.curie import curie as _curie

    expected = {_curie(s) for s in shipped_rdf.subjects(RDF.type, URIRef(KG_NS + "BodyRegion"))}
    assert expected, "the shipped data has no body regions"
    assert {r["id"] for r in list_entities(shipped_rdf, "regions")} == expected


def test_stats_same_on_sparql_backend(shipped_rdf) -> None:
    """Written against SPARQL only: the embedded store backend gives the same numbers."""
    from kg.store.backends import get_backend

    backend = get_backend()
    assert compute_stats(backend) == compute_stats(shipped_rdf)
    assert list_entities(backend, "conditions") == list_entities(shipped_rdf, "conditions")


# --- the commands ----------------------------------------------------------------------------


def test_cli_stats_json(slice_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data", str(slice_dir), "stats", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"entities", "assertions", "cited_assertions", "sources", "by_type"} <= data.keys()
    assert (data["entities"], data["assertions"], data["cited_assertions"]) == (10, 7, 5)


def test_cli_stats_text(slice_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data", str(slice_dir), "stats"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["entities", "10"]
    assert ["cited", "assertions", "5", "(71%)"] in [line.split() for line in lines]


def test_cli_stats_shipped(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["entities"] > 0 and data["sources"] > 0


def test_cli_list(slice_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data", str(slice_dir), "list", "regions"]) == 0
    assert capsys.readouterr().out.splitlines() == ["lp:buttock  buttock", "lp:groin    groin"]
    assert main(["--data", str(slice_dir), "list", "tests", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"id": "lp:test", "label": "test manoeuvre", "types": ["kg:DiagnosticTest"]}]


def test_cli_list_unknown_type_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "regoins"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "did you mean 'regions'" in captured.err
    assert "regions, findings, red-flags, conditions, structures" in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("type_name", [None, *LIST_TYPES])
def test_list_from_the_projection_matches_sparql(shipped_rdf, shipped_graph, type_name):
    """``kg list`` answers from the cached projection; it must agree with the SPARQL listing."""
    from kg.graph.stats import list_nodes

    assert list_nodes(shipped_graph, type_name) == list_entities(shipped_rdf, type_name)


def test_list_does_not_parse_turtle_or_import_rdflib(tmp_path):
    import subprocess
    import sys

    env = {"KG_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-m", "kg.cli", "list", "regions"], cwd=root, env=env,
                   check=True, capture_output=True)  # builds the cache
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "kg.cli", "list", "regions"],
                         cwd=root, env=env, check=True, capture_output=True, text=True)
    assert "groin" in out.stdout
    imported = {line.split("|")[-1].strip() for line in out.stderr.splitlines()}
    assert "rdflib" not in imported and "pyshacl" not in imported


def test_condition_coverage_agrees_with_the_projection(shipped_rdf, shipped_graph) -> None:
    """The share of conditions with a prior, a published LR and a referral frequency (issue
    16), counted by SPARQL, agrees with the same count made on the networkx projection."""
    G = shipped_graph
    stats = compute_stats(shipped_rdf)
    conditions = [n for n, d in G.nodes(data=True) if "kg:Condition" in d.get("all_types", ())]
    assert stats["conditions"] == len(conditions)

    def items(u, keys):
        return [i for _, _, k, e in G.out_edges(u, keys=True, data=True) if k in keys
                for i in e.get("evidence", ())]

    prior = [c for c in conditions if any(
        i.get("frequency") is not None or i.get("prevalence_category")
        for i in items(c, {"kg:causeOfPainIn"}))]
    lr = [c for c in conditions if any(
        i.get("lr_positive") or i.get("lr_negative") or (
            i.get("sensitivity") is not None and i.get("specificity") is not None)
        for _, _, e in G.in_edges(c, data=True) for i in e.get("evidence", ()))]
    structures = {c: {c} | {v for _, v, k in G.out_edges(c, keys=True)
                            if k in ("kg:affects", "kg:compresses", "kg:entraps")}
                  for c in conditions}
    referral = [c for c in conditions if any(
        e.get("direction") and i.get("frequency") is not None
        for x in structures[c] for _, _, e in G.out_edges(x, data=True)
        for i in e.get("evidence", ()))]
    assert stats["conditions_with_prior"] == len(prior) > 0
    assert stats["conditions_with_lr"] == len(lr) > 0
    assert stats["conditions_with_referral_frequency"] == len(referral) > 0
