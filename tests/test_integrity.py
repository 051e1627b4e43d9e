"""Integrity queries: every ``queries/*-violation.rq`` returns no rows on the shipped data.

So that each query can fail, ``tests/data/integrity/<query>.ttl`` holds a small bad slice for it
whose header names the term the query must report (``# expect-term: lp:...``). A new violation
query without such a file fails ``test_every_violation_query_has_a_bad_fixture``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QUERIES = sorted((ROOT / "queries").glob("*-violation.rq"))
FIXTURES = Path(__file__).resolve().parent / "data" / "integrity"
VOCAB = ROOT / "data" / "vocab.ttl"
REQUIRED = {
    "dangling-reference-violation",
    "root-without-dermatome-violation",
    "muscle-without-innervation-violation",
    "condition-without-urgency-violation",
    "assertion-without-source-violation",
    "uncited-source-violation",
}


@pytest.fixture(scope="module")
def shipped_rdf():
    from kg.store.files import load_rdf

    return load_rdf()


def _curie(term) -> str:
    from kg.ids.curie import curie

    return curie(term)


def test_required_queries_exist() -> None:
    assert {q.stem for q in QUERIES} >= REQUIRED


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_query_is_documented(query: Path) -> None:
    text = query.read_text(encoding="utf-8")
    assert re.search(r"^# title: \S", text, re.M), f"{query.name} has no '# title:'"
    assert re.search(r"^# description: \S", text, re.M), f"{query.name} has no '# description:'"
    assert re.search(r"^\s*SELECT\b", text, re.M | re.I), f"{query.name} is not a SELECT"


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_no_violations_in_shipped_data(query: Path, shipped_rdf) -> None:
    rows = list(shipped_rdf.query(query.read_text(encoding="utf-8")))
    shown = [" ".join(_curie(t) for t in row if t is not None) for row in rows[:20]]
    assert rows == [], f"{query.name}: {len(rows)} row(s), first ones:\n" + "\n".join(shown)


def test_every_violation_query_has_a_bad_fixture() -> None:
    missing = [q.name for q in QUERIES if not (FIXTURES / f"{q.stem}.ttl").is_file()]
    assert missing == []


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_query_reports_its_bad_fixture(query: Path) -> None:
    from rdflib import Graph

    fixture = FIXTURES / f"{query.stem}.ttl"
    expected = re.findall(r"^# expect-term: (\S+)$", fixture.read_text(encoding="utf-8"), re.M)
    assert expected, f"{fixture.name} names no '# expect-term:'"
    g = Graph()
    g.parse(VOCAB)
    g.parse(fixture)
    rows = list(g.query(query.read_text(encoding="utf-8")))
    reported = {_curie(t) for row in rows for t in row if t is not None}
    assert rows, f"{query.name} found nothing in {fixture.name}"
    assert set(expected) <= reported
    # the sound part of the fixture is not reported
    first = {_curie(row[0]) for row in rows}
    assert first == set(expected), f"{query.name} also reported {sorted(first - set(expected))}"


def test_violation_queries_agree_on_the_sparql_backend(shipped_rdf) -> None:
    """The same files give the same rows through the embedded store (Oxigraph when installed)."""
    from kg.store.backends import get_backend

    backend = get_backend()
    for query in QUERIES:
        text = query.read_text(encoding="utf-8")
        ours = {tuple(sorted((k, str(v)) for k, v in row.items())) for row in backend.select(text)}
        rdflib_rows = {tuple(sorted((str(k), str(v)) for k, v in row.asdict().items()))
                       for row in shipped_rdf.query(text)}
        assert ours == rdflib_rows, query.name
