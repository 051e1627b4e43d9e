"""``kg flashcards -o deck.apkg``: a valid Anki package (zip + sqlite) holding every question
of the open-world bank, one note type per kind, guids stable across builds, graph text escaped,
and a bad output path refused in one line with nothing written."""

from __future__ import annotations

import contextlib
import io
import shutil
import sqlite3
import zipfile
from html import escape
from pathlib import Path

import genanki

from kg.cli import main
from kg.reason.quiz import question_bank

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = '</script><img src=x onerror="window.__pwned=1"><b>bold</b>'


def _cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _notes(deck: Path, tmp: Path) -> tuple[list[tuple[str, str, int]], int]:
    """(guid, fields, model id) of each note, and the number of note types."""
    assert zipfile.is_zipfile(deck)
    with zipfile.ZipFile(deck) as z:
        assert z.testzip() is None
        z.extract("collection.anki2", tmp)
    con = sqlite3.connect(tmp / "collection.anki2")
    try:
        rows = con.execute("SELECT guid, flds, mid FROM notes").fetchall()
        import json

        models = json.loads(con.execute("SELECT models FROM col").fetchone()[0])
    finally:
        con.close()
    return rows, len(models)


def test_deck_holds_the_bank_with_stable_guids(shipped_graph, tmp_path):
    bank = question_bank(shipped_graph)
    questions = [q for qs in bank.values() for q in qs]
    one, two = tmp_path / "one.apkg", tmp_path / "two.apkg"
    for out in (one, two):
        code, _, err = _cli(["flashcards", "-o", str(out)])
        assert code == 0 and f"wrote {len(questions)} notes" in err
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    rows1, types1 = _notes(one, tmp_path / "a")
    rows2, types2 = _notes(two, tmp_path / "b")
    assert len(rows1) == len(questions)
    assert types1 == types2 == len(bank), "one note type per question kind"
    assert len({mid for _, _, mid in rows1}) == len(bank)
    guids = {g for g, _, _ in rows1}
    assert guids == {g for g, _, _ in rows2}, "guids change between builds"
    assert guids == {genanki.guid_for("lumbopelvic-kg", q.key) for q in questions}
    # Each note carries its prompt, its reasons and the full citations.
    by_key = {f.split("\x1f")[-1]: f.split("\x1f") for _, f, _ in rows1}
    for q in questions:
        fields = by_key[q.key]
        assert fields[5], "a note without its sources"
        assert all(escape(s["citation"]) in fields[5] for s in q.sources)
        if len(q.options) > 1:
            assert "is wrong:" in fields[4]
    assert [t for t in tmp_path.iterdir() if t.name.endswith(".tmp")] == []


def test_hostile_label_is_stored_escaped(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    lit = "'" + HOSTILE.replace("\\", "\\\\").replace("'", "\\'") + "'"
    (data / "zz-hostile.ttl").write_text(f"""
@prefix kg: <https://w3id.org/lumbopelvic-kg/vocab#> .
@prefix lp: <https://w3id.org/lumbopelvic-kg/id/> .
@prefix src: <https://w3id.org/lumbopelvic-kg/source/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
src:hostile a kg:Source ; dcterms:creator {lit} ; dcterms:issued "2020" ; dcterms:title {lit} ;
    dcterms:bibliographicCitation {lit} .
lp:hostile_region a kg:BodyRegion ; rdfs:label {lit} ; skos:definition {lit} .
lp:sacroiliac_joint kg:refersPainTo lp:hostile_region .
[] a owl:Axiom ; owl:annotatedSource lp:sacroiliac_joint ; owl:annotatedProperty kg:refersPainTo ;
    owl:annotatedTarget lp:hostile_region ; dcterms:source src:hostile ; kg:evidenceGrade "C" .
""", encoding="utf-8")
    deck = tmp_path / "deck.apkg"
    code, _, err = _cli(["--data", str(data), "flashcards", "-o", str(deck)])
    assert code == 0, err
    rows, _ = _notes(deck, tmp_path)
    hostile = [f for _, f, _ in rows if "onerror" in f]
    assert hostile, "the hostile region's referral is in the deck"
    for f in hostile:
        assert "<img" not in f and "</script>" not in f and "<b>bold" not in f
        assert "&lt;img src=x onerror=" in f


def test_folder_or_unwritable_output_is_one_line_and_writes_nothing(tmp_path):
    afile = tmp_path / "plain.txt"
    afile.write_text("x", encoding="utf-8")
    for target in (tmp_path, afile / "deck.apkg", tmp_path / "missing" / "deck.apkg"):
        before = sorted(p.name for p in tmp_path.rglob("*"))
        code, out, err = _cli(["flashcards", "-o", str(target)])
        assert code != 0
        assert err.startswith("kg: error:") and len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err and out == ""
        assert sorted(p.name for p in tmp_path.rglob("*")) == before, "something was written"


def test_failed_write_leaves_the_old_deck_whole(tmp_path, monkeypatch):
    deck = tmp_path / "deck.apkg"
    deck.write_bytes(b"old deck")

    def boom(self, file, timestamp=None):
        Path(file).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(genanki.Package, "write_to_file", boom)
    code, _, err = _cli(["flashcards", "-o", str(deck)])
    assert code != 0 and "No space left on device" in err
    assert len(err.strip().splitlines()) == 1
    assert deck.read_bytes() == b"old deck"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.apkg"]
