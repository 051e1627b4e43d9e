"""`kg export`: RDF that reads back as the same graph, GraphML and CSV that match the networkx
projection, and the SSSOM mappings alongside."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import networkx as nx
import pytest
from rdflib import BNode, Graph

from kg.cli import main
from kg.export import EDGE_COLUMNS, NODE_COLUMNS


def _ground(g: Graph) -> set:
    return {t for t in g if not any(isinstance(x, BNode) for x in t)}


@pytest.mark.parametrize(("fmt", "rdflib_fmt"), [("nt", "nt"), ("ttl", "turtle"),
                                                 ("jsonld", "json-ld")])
def test_rdf_reads_back_as_the_data(mini_dir: Path, tmp_path: Path, fmt: str, rdflib_fmt: str):
    from kg.store.files import load_rdf

    out = tmp_path / f"graph.{fmt}"
    assert main(["--data", str(mini_dir), "export", "--format", fmt, "-o", str(out)]) == 0
    back = Graph().parse(out, format=rdflib_fmt)
    data = load_rdf(mini_dir)
    assert len(back) == len(data)
    assert _ground(back) == _ground(data)


def test_nt_to_stdout_is_sorted_lines(mini_dir: Path, capsys):
    assert main(["--data", str(mini_dir), "export", "--format", "nt"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == sorted(lines) and all(line.endswith(" .") for line in lines)


def test_graphml_matches_the_projection(mini_dir: Path, mini_graph, tmp_path: Path):
    out = tmp_path / "graph.graphml"
    assert main(["--data", str(mini_dir), "export", "--format", "graphml", "-o", str(out)]) == 0
    G = nx.read_graphml(out, force_multigraph=True)
    assert set(G.nodes) == set(mini_graph.nodes)
    assert G.number_of_edges() == mini_graph.number_of_edges()
    assert {k for _, _, k in G.edges(keys=True)} == {k for _, _, k in mini_graph.edges(keys=True)}
    assert G.nodes["lp:groin"]["label"] == "groin"
    edge = G.get_edge_data("lp:sacroiliac_joint", "lp:groin")["kg:refersPainTo"]
    assert edge["mechanism"] == "somatic" and "src:slipman2000" in edge["sources"]


def test_csv_edge_list_and_nodes(mini_dir: Path, mini_graph, tmp_path: Path):
    out = tmp_path / "edges.csv"
    assert main(["--data", str(mini_dir), "export", "--format", "csv", "-o", str(out)]) == 0
    edges = list(csv.DictReader(out.open()))
    assert tuple(edges[0]) == EDGE_COLUMNS
    assert len(edges) == mini_graph.number_of_edges()
    row = next(e for e in edges if e["source"] == "lp:sacroiliac_joint"
               and e["target"] == "lp:groin" and e["predicate"] == "kg:refersPainTo")
    assert float(row["frequency"]) == pytest.approx(0.14)
    nodes = list(csv.DictReader((tmp_path / "edges-nodes.csv").open()))
    assert tuple(nodes[0]) == NODE_COLUMNS
    assert {n["id"] for n in nodes} == set(mini_graph.nodes)


def test_sssom_mappings_travel_with_the_export(mini_dir: Path, tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(mini_dir, data)
    (data / "mappings.sssom.tsv").write_text("# curie_map: {}\nsubject_id\tpredicate_id\t"
                                             "object_id\tmapping_justification\n")
    out = tmp_path / "out" / "graph.ttl"
    out.parent.mkdir()
    assert main(["--data", str(data), "export", "--format", "ttl", "-o", str(out)]) == 0
    copied = out.parent / "mappings.sssom.tsv"
    assert copied.read_text() == (data / "mappings.sssom.tsv").read_text()


def test_missing_output_folder_is_one_line(mini_dir: Path, tmp_path: Path, capsys):
    out = tmp_path / "nowhere" / "graph.ttl"
    assert main(["--data", str(mini_dir), "export", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and err.count("\n") == 1
