"""The CLI, in-process: trace, show, errors and exit codes."""

from __future__ import annotations

import json

import pytest

from kg.cli import build_parser, main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_trace_table(capsys, mini_dir):
    code, out, _err = run(capsys, "--data", str(mini_dir), "trace", "groin")
    assert code == 0
    assert "hip joint" in out and "Slipman et al. 2000" in out
    assert "not a diagnosis" in out


def test_trace_json(capsys, mini_dir):
    code, out, _ = run(capsys, "--data", str(mini_dir), "trace", "--json", "groin")
    data = json.loads(out)
    assert code == 0 and data["candidates"][0]["id"] == "lp:hip_joint"


def test_trace_forward(capsys, mini_dir):
    code, out, _ = run(capsys, "--data", str(mini_dir), "trace", "--forward", "SIJ")
    assert code == 0 and out.index("buttock") < out.index("groin")


def test_unknown_term_exits_2_with_suggestion(capsys, mini_dir):
    code, out, err = run(capsys, "--data", str(mini_dir), "trace", "grion")
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "did you mean 'groin'" in err
    assert "Traceback" not in err


def test_show(capsys, mini_dir):
    code, out, _ = run(capsys, "--data", str(mini_dir), "show", "--json", "hip joint")
    data = json.loads(out)
    assert code == 0 and data["id"] == "lp:hip_joint"
    preds = {r["predicate"] for r in data["outgoing"]}
    assert {"kg:refersPainTo", "kg:doesNotReferPainTo"} <= preds
    assert all(r["sources"] for r in data["outgoing"] + data["incoming"])


def test_missing_data_dir_is_one_line(capsys, tmp_path):
    code, _, err = run(capsys, "--data", str(tmp_path / "nope"), "trace", "groin")
    assert code == 2 and "data folder not found" in err and "Traceback" not in err


def test_broken_turtle_names_file_and_line(capsys, mini_dir, tmp_path):
    for f in mini_dir.glob("*.ttl"):
        (tmp_path / f.name).write_text(f.read_text())
    (tmp_path / "broken.ttl").write_text("@prefix lp: <x#> .\nlp:a lp:b lp:c\nlp:d .\n")
    code, _, err = run(capsys, "--data", str(tmp_path), "trace", "groin")
    assert code == 2 and "broken.ttl" in err and "Traceback" not in err
    assert err.strip().count("\n") == 0


def test_every_command_answers_help(capsys):
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name in commands:
        with pytest.raises(SystemExit) as info:
            main([name, "--help"])
        assert info.value.code == 0
        assert capsys.readouterr().out.startswith("usage: kg " + name)
