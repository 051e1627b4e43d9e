"""A cited Anki deck (``kg flashcards -o deck.apkg``) from the open-world quiz bank.

One note type per question kind; each note's guid comes from the question's stable key (the
fact it asks about), so importing a rebuilt deck updates the notes instead of duplicating
them. Every field is HTML with the graph's text escaped, so a label can never become markup.
The file is written to a temporary name in the same folder and moved into place, so a failed
build leaves nothing half-written.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from html import escape
from pathlib import Path

import networkx as nx

from kg.errors import KGError
from kg.reason.quiz import FORMATS, KINDS, Question, question_bank

__all__ = ["DeckReport", "build_deck", "deck_notes", "note_guid"]

DECK_NAME = "Lumbopelvic pain atlas"
_FIELDS = ["Prompt", "Options", "Answer", "Explanation", "WhyWrong", "Sources", "Key"]
_CSS = """.card { font-family: system-ui, sans-serif; font-size: 18px; color: #14213d;
  background: #fff; text-align: left; max-width: 760px; margin: 0 auto; }
.kind { font-size: 12px; letter-spacing: .08em; text-transform: uppercase; color: #3a5a8c; }
ol.options { padding-left: 1.4em; } ol.options li { margin: 4px 0; }
.answer { font-weight: 700; color: #0f7a4c; } .why li { margin: 4px 0; }
.sources { font-size: 14px; color: #4a5568; } .disclaimer { font-size: 12px; color: #718096; }
"""
_DISCLAIMER = ("A teaching aid, not a diagnosis: it shows routes the literature describes, "
               "not what is wrong with a particular person.")


def _stable_id(text: str) -> int:
    """An id in Anki's recommended range (2**30 .. 2**31), the same on every build."""
    return (1 << 30) + int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:12], 16) % (1 << 30)


def note_guid(question: Question) -> str:
    """The note's guid: from the question's stable key, so re-imports update the note."""
    import genanki

    return str(genanki.guid_for("lumbopelvic-kg", question.key or question.id))


def _model(kind: str):  # -> genanki.Model
    import genanki

    heading = KINDS.get(kind, kind)
    front = (f'<div class="kind">{escape(heading)}</div><p>{{{{Prompt}}}}</p>'
             '{{Options}}')
    back = ('{{FrontSide}}<hr id="answer"><p class="answer">{{Answer}}</p>'
            '<p>{{Explanation}}</p>{{WhyWrong}}<div class="sources">{{Sources}}</div>'
            f'<p class="disclaimer">{escape(_DISCLAIMER)}</p>')
    return genanki.Model(
        _stable_id(f"lumbopelvic-kg model {kind}"), f"Lumbopelvic quiz: {heading}",
        fields=[{"name": f} for f in _FIELDS],
        templates=[{"name": heading, "qfmt": front, "afmt": back}], css=_CSS)


def _fields(q: Question) -> list[str]:
    """The note's fields as HTML, every text from the graph escaped."""
    letters = "abcdefgh"
    if FORMATS.get(q.kind) == "true_false":
        options = ""
    else:
        options = '<ol class="options" type="a">' + "".join(
            f"<li>{escape(o.label)}</li>" for o in q.options) + "</ol>"
    right = next(o for o in q.options if o.id == q.answer)
    answer = f"{letters[[o.id for o in q.options].index(q.answer)]}) {escape(right.label)}"
    why = "".join(f"<li><b>{escape(o.label)}</b> is wrong: {escape(o.why_wrong)}</li>"
                  for o in q.options if o.id != q.answer and o.why_wrong)
    sources = "<br>".join(escape(s["citation"]) for s in q.sources)
    return [escape(q.prompt), options, answer, escape(q.explanation),
            f'<ul class="why">{why}</ul>' if why else "", sources, escape(q.key)]


def deck_notes(G: nx.MultiDiGraph, seed: int = 0) -> list[tuple[Question, list[str]]]:
    """Every question of the bank with its note fields, in a stable order (by key)."""
    bank = question_bank(G, seed)
    questions = sorted((q for qs in bank.values() for q in qs), key=lambda q: q.key)
    return [(q, _fields(q)) for q in questions]


@dataclass(frozen=True)
class DeckReport:
    """What ``build_deck`` wrote."""

    path: Path
    notes: int
    note_types: int

    def summary(self) -> str:
        return (f"wrote {self.notes} notes ({self.note_types} note types, one per question "
                f"kind) to {self.path}")


def _check_target(out: Path) -> None:
    if out.is_dir():
        raise KGError(f"{out} is a folder; give a file name for the deck, such as "
                      f"{out / 'deck.apkg'}")
    parent = out.parent
    if parent.exists() and not parent.is_dir():
        raise KGError(f"cannot write {out}: {parent} is a file, not a folder")
    if not parent.is_dir():
        raise KGError(f"cannot write {out}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise KGError(f"cannot write {out}: the folder {parent} is not writable")
    if out.exists() and not os.access(out, os.W_OK):
        raise KGError(f"cannot write {out}: the file is not writable")


def build_deck(G: nx.MultiDiGraph, out: str | Path, seed: int = 0) -> DeckReport:
    """Write the quiz bank of ``G`` as an Anki package at ``out``, atomically.

    Raises
    ------
    KGError
        If ``out`` is a folder or cannot be written, or the graph has no question to ask.
    """
    import genanki

    path = Path(out)
    _check_target(path)
    notes = deck_notes(G, seed)
    if not notes:
        raise KGError("the graph holds no facts a flashcard can be built from")
    deck = genanki.Deck(_stable_id(f"lumbopelvic-kg deck {DECK_NAME}"), DECK_NAME)
    models = {k: _model(k) for k in dict.fromkeys(q.kind for q, _ in notes)}
    for q, fields in notes:
        deck.add_note(genanki.Note(model=models[q.kind], fields=fields, guid=note_guid(q),
                                   tags=[f"kg::{q.kind}"]))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise KGError(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        genanki.Package(deck).write_to_file(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a deck is an ordinary file
        os.replace(tmp, path)
    except OSError as exc:
        raise KGError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return DeckReport(path, len(notes), len(models))
