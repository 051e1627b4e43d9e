"""The documentation keeps up with the code: every command and named query is documented."""

from __future__ import annotations

import re
from pathlib import Path

from kg.cli import build_parser
from kg.sparql.named import load_queries

ROOT = Path(__file__).resolve().parent.parent


def commands() -> list[str]:
    parser = build_parser()
    return list(parser._subparsers._group_actions[0].choices)


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [c for c in commands() if not re.search(rf"\bkg (--\S+ (\S+ )?)*{c}\b", readme)]
    assert not missing, f"commands not shown in README.md: {missing}"


def test_every_named_query_is_documented():
    listing = (ROOT / "queries" / "README.md").read_text()
    missing = [name for name in load_queries() if name not in listing]
    assert not missing, f"queries not described in queries/README.md: {missing}"
    for nq in load_queries().values():
        assert nq.title and nq.description, nq.name


def test_readme_opens_with_two_commands():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    assert blocks[0].strip() == "pip install . && kg trace groin"
    assert blocks[1].strip() == "pip install '.[test]' && pytest"
    assert text.index(blocks[1]) < text.index("## ")
