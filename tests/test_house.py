"""The house rules that code review alone would miss: one graph assembly for files and
endpoints, and no graph or store that outlives the data it was read from."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest

from kg.api import get_graph
from kg.errors import UnknownTermError
from kg.graph.resolve import resolve
from kg.store.backends import get_backend

LP = "https://w3id.org/lumbopelvic-kg/id/"


def _args(data: Path) -> argparse.Namespace:
    return argparse.Namespace(data=str(data), endpoint=None, with_uberon=False)


@pytest.fixture
def editable_data(data_snapshot: Path, tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(data_snapshot, folder)
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    return folder


def test_edited_data_is_seen_by_the_same_process(editable_data: Path):
    """A process that edits the data and asks again gets the new answer, not the old graph."""
    G = get_graph(_args(editable_data))
    with pytest.raises(UnknownTermError):
        resolve(G, "zzgroinsynonym")
    regions = editable_data / "regions.ttl"
    regions.write_text(regions.read_text(encoding="utf-8")
                       + f'\n<{LP}groin> <http://www.w3.org/2004/02/skos/core#altLabel> '
                         '"zzgroinsynonym" .\n', encoding="utf-8")
    G2 = get_graph(_args(editable_data))
    assert resolve(G2, "zzgroinsynonym") == "lp:groin"


def test_edited_data_is_seen_by_the_embedded_store(editable_data: Path):
    query = ('SELECT ?l WHERE { <https://w3id.org/lumbopelvic-kg/id/groin> '
             '<http://www.w3.org/2004/02/skos/core#altLabel> ?l }')

    def labels() -> set[str]:
        result = get_backend(data_dir=editable_data).query(query)
        return {str(row["l"]) for row in result.rows}

    assert "zzgroinsynonym" not in labels()
    regions = editable_data / "regions.ttl"
    regions.write_text(regions.read_text(encoding="utf-8")
                       + f'\n<{LP}groin> <http://www.w3.org/2004/02/skos/core#altLabel> '
                         '"zzgroinsynonym" .\n', encoding="utf-8")
    assert "zzgroinsynonym" in labels()


def test_an_uberon_name_resolves_from_files_and_from_an_endpoint(kg_endpoint: str):
    """The UBERON import's names are added by the one assembly function, whichever the source:
    the bug this house was rebuilt over (53 synonyms resolved locally, failed remotely)."""
    import kg

    local = kg.load()  # the shipped data, imports included; the endpoint serves a copy
    remote = kg.load(endpoint=kg_endpoint)
    name = "lumbar vertebrae series"
    assert resolve(local, name) == resolve(remote, name) == "lp:lumbar_spine"
