"""SHACL validation: the shipped data conforms, and every constraint catches its own defect.

Each bad-data file in ``tests/data/shacl/`` is a copy of ``conforming.ttl`` with one defect; its
header names the violation it must produce (``# expect-entity/property/message:``). Validated
together with ``data/vocab.ttl`` it must give exactly that one violation, attributed to itself.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg.cli import main
from kg.errors import DataError, DataValidationError
from kg.store.validate import Violation, default_shapes_file, validate, validate_files

ROOT = Path(__file__).resolve().parent.parent
VOCAB = ROOT / "data" / "vocab.ttl"
SHAPES = ROOT / "data" / "shapes" / "shapes.ttl"
SHACL_DIR = Path(__file__).resolve().parent / "data" / "shacl"
CONFORMING = SHACL_DIR / "conforming.ttl"
BAD_FILES = sorted(p for p in SHACL_DIR.glob("*.ttl") if p != CONFORMING)


def expectations(path: Path) -> dict[str, str]:
    """The ``# expect-KEY: value`` lines of a fixture's header."""
    return dict(re.findall(r"^# expect-(\w+): (.*)$", path.read_text(encoding="utf-8"), re.M))


def data_dir_with(tmp_path: Path, *files: Path) -> Path:
    """A data folder holding the shipped vocabulary and the given files."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(VOCAB, folder / "vocab.ttl")
    for f in files:
        shutil.copy(f, folder / f.name)
    return folder


# --- the shipped data --------------------------------------------------------------------------


def test_shipped_data_conforms() -> None:
    report = validate()
    assert report.conforms, "shipped data has violations:\n" + report.to_text()
    assert report.violations == []
    assert "vocab.ttl" in report.files


def test_cli_validate_shipped_data_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith("ok:")


# --- each constraint, one bad file -------------------------------------------------------------


def test_conforming_fixture_conforms() -> None:
    report = validate_files([VOCAB, CONFORMING])
    assert report.conforms, report.to_text()
    assert report.violations == []


def test_there_is_a_bad_file_per_constraint() -> None:
    """Every sh:message in the shapes is expected by at least one bad-data file."""
    from rdflib import Graph, Namespace

    sh = Namespace("http://www.w3.org/ns/shacl#")
    shapes = Graph().parse(SHAPES)
    messages = {str(m) for m in shapes.objects(None, sh.message)}
    covered = {expectations(p)["message"] for p in BAD_FILES}
    assert len(messages) >= 25
    # messages with {?var} are filled in by pySHACL; compare their fixed parts
    missing = {
        m for m in messages
        if not any(re.fullmatch(re.sub(r"\\\{\\\?\w+\\\}", ".+", re.escape(m)), c)
                   for c in covered)
    }
    assert not missing, f"constraints without a bad-data file: {sorted(missing)}"


def test_every_constraint_has_a_message() -> None:
    """Property shapes and SPARQL constraints each carry their own sh:message."""
    from rdflib import Graph, Namespace

    sh = Namespace("http://www.w3.org/ns/shacl#")
    shapes = Graph().parse(SHAPES)
    constraints = list(shapes.objects(None, sh.property)) + list(shapes.objects(None, sh.sparql))
    assert len(constraints) >= 25
    without = [c for c in constraints if shapes.value(c, sh.message) is None]
    assert without == []


@pytest.mark.parametrize("bad", BAD_FILES, ids=[p.stem for p in BAD_FILES])
def test_bad_file_gives_exactly_its_violation(bad: Path) -> None:
    expected = expectations(bad)
    assert {"entity", "property", "message"} <= expected.keys(), f"{bad.name} header incomplete"
    report = validate_files([VOCAB, bad], SHAPES)
    assert not report.conforms
    got = [(v.file, v.entity, v.property, v.message) for v in report.violations]
    assert got == [(bad.name, expected["entity"], expected["property"], expected["message"])]


def test_violation_reads_as_one_line() -> None:
    bad = SHACL_DIR / "entity-label-missing.ttl"
    [violation] = validate_files([VOCAB, bad]).violations
    assert violation.to_text() == (
        "entity-label-missing.ttl: lp:test_joint rdfs:label: must have exactly one label")


def test_violation_shows_offending_value() -> None:
    [violation] = validate_files([VOCAB, SHACL_DIR / "frequency-out-of-range.ttl"]).violations
    assert violation.value == "1.4"
    assert violation.to_text().endswith("(value: 1.4)")


def test_raise_for_violations() -> None:
    report = validate_files([VOCAB, SHACL_DIR / "entity-definition-missing.ttl"])
    with pytest.raises(DataValidationError) as info:
        report.raise_for_violations()
    assert info.value.exit_code == 1
    assert info.value.violations == report.violations
    assert all(isinstance(v, Violation) for v in info.value.violations)
    validate_files([VOCAB, CONFORMING]).raise_for_violations()  # conforming: no error


def test_violations_without_vocab_are_not_silent() -> None:
    """Without vocab.ttl nothing is a known class: every entity's type is reported."""
    report = validate_files([CONFORMING])
    assert not report.conforms
    assert {v.message for v in report.violations} == {
        "type is not a class of the kg vocabulary (vocab.ttl)"}


# --- the command -------------------------------------------------------------------------------


def test_cli_conforming_folder_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = data_dir_with(tmp_path, CONFORMING)
    assert main(["--data", str(folder), "validate"]) == 0
    assert capsys.readouterr().out == "ok: 2 files conform to the shapes\n"


def test_cli_bad_folder_exits_1_and_names_file(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    # both files hold the same conforming slice (merged), each with its own defect
    folder = data_dir_with(tmp_path, SHACL_DIR / "entity-type-missing.ttl",
                           SHACL_DIR / "axiom-grade-invalid.ttl")
    assert main(["--data", str(folder), "validate"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        'axiom-grade-invalid.ttl: [lp:test_joint kg:refersPainTo lp:test_region] '
        'kg:evidenceGrade: axiom must have exactly one evidence grade: "A", "B" or "C" '
        '(value: "D")',
        "entity-type-missing.ttl: lp:test_extra rdf:type: "
        "must have an rdf:type from the kg vocabulary",
        "2 violation(s) in 3 files",
    ]


def test_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = data_dir_with(tmp_path, SHACL_DIR / "cohort-not-positive.ttl")
    assert main(["--data", str(folder), "validate", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["conforms"] is False
    [v] = report["violations"]
    assert v["property"] == "kg:cohortSize"
    assert v["message"] == "cohort size must be one positive whole number"
    assert v["severity"] == "Violation"


def test_cli_broken_turtle_exits_2_with_one_line(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    folder = data_dir_with(tmp_path, CONFORMING)
    (folder / "broken.ttl").write_text(
        "@prefix lp: <https://w3id.org/lumbopelvic-kg/id/> .\n"
        "lp:a lp:b lp:c .\n"
        "lp:d lp:e \n", encoding="utf-8")
    assert main(["--data", str(folder), "validate"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    assert re.match(r"kg: error: \S*broken\.ttl:\d+: not valid Turtle", err), err


def test_cli_broken_shapes_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = data_dir_with(tmp_path, CONFORMING)
    (folder / "shapes").mkdir()
    (folder / "shapes" / "shapes.ttl").write_text("this is not turtle", encoding="utf-8")
    assert default_shapes_file(folder) == folder / "shapes" / "shapes.ttl"
    assert main(["--data", str(folder), "validate"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "shapes.ttl" in err


def test_missing_data_folder_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError):
        validate(tmp_path / "nowhere")


def test_pyshacl_is_imported_only_when_validating() -> None:
    code = "import sys, kg.cli, kg.store.validate; print('pyshacl' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "False"


def test_cli_validate_refuses_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--endpoint", "http://127.0.0.1:9/sparql", "validate"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "drop --endpoint" in err
