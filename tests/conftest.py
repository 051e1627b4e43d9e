"""Shared fixtures.

How tests are written here:
- Unit tests use the toy slice ``tests/data/mini.ttl`` (seven entities, real citations) through
  ``mini_dir`` / ``mini_graph``; named term constants live in the test modules.
- Clinical behaviour is tested on the shipped data (``shipped_graph``) against cited cases:
  each expectation names the study it comes from.
- CLI tests run in-process: ``kg.cli.main([...])`` with ``capsys``; never a subprocess unless
  the test is about installation or servers.
- Browser tests (``@pytest.mark.browser``) use ``tests/browser.py``; they skip without a
  browser, except under ``CI=true`` where they must run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def mini_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding the vocabulary and the toy slice."""
    folder = tmp_path_factory.mktemp("mini")
    shutil.copy(ROOT / "data" / "vocab.ttl", folder / "vocab.ttl")
    shutil.copy(TEST_DATA / "mini.ttl", folder / "mini.ttl")
    return folder


@pytest.fixture(scope="session")
def mini_graph(mini_dir: Path):
    import kg

    return kg.load(mini_dir)


@pytest.fixture(scope="session")
def shipped_graph():
    import kg

    return kg.load()


# --- Playwright (browser tests) -------------------------------------------------------------
# Owned by the front-end: one headless Debian Chromium per session, shared by browser tests.


def _no_browser(reason: str) -> None:
    """Skip with the reason, or fail under CI=true where browser tests must run."""
    from tests.browser import in_ci

    if in_ci():
        pytest.fail(f"CI=true but browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_browser():
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    from tests.browser import chromium_path, launch_chromium

    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _no_browser("playwright is not installed (pip install '.[test]')")
    if chromium_path() is None:
        _no_browser("no chromium on PATH (apt-get install -y chromium)")
    with launch_chromium() as browser:
        yield browser


# --- SPARQL servers (contract and server tests) ---------------------------------------------
# Owned by the SPARQL engineer: one `kg serve` and one `oxigraph serve-read-only` per session,
# both real processes on 127.0.0.1 with a free port (helpers in tests/sparql_servers.py).


@pytest.fixture(scope="session")
def data_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped data taken once per session, so every backend in the contract
    suite serves the same triples even while someone edits data/."""
    from kg.store.files import data_files, default_data_dir

    folder = tmp_path_factory.mktemp("data-snapshot")
    for f in data_files():
        shutil.copy(f, folder / f.name)
    sssom = default_data_dir() / "mappings.sssom.tsv"
    if sssom.is_file():
        shutil.copy(sssom, folder / sssom.name)
    return folder


@pytest.fixture(scope="session")
def kg_endpoint(data_snapshot: Path):
    """URL of a `kg serve` subprocess over the data snapshot."""
    from tests.sparql_servers import kg_serve

    with kg_serve(data_snapshot) as url:
        yield url


@pytest.fixture(scope="session")
def oxigraph_endpoint(tmp_path_factory: pytest.TempPathFactory, data_snapshot: Path):
    """URL of a real Oxigraph server holding `kg export --format nt` of the data snapshot.

    Skips when the `oxigraph` binary is missing, except under CI=true where it must run.
    """
    from kg.cli import main
    from tests.sparql_servers import in_ci, oxigraph_serve

    work = tmp_path_factory.mktemp("oxigraph")
    nt = work / "graph.nt"
    assert main(["--data", str(data_snapshot), "export", "--format", "nt", "-o", str(nt)]) == 0
    try:
        with oxigraph_serve(nt, work) as url:
            yield url
    except FileNotFoundError as exc:
        if in_ci():
            pytest.fail(f"CI=true but the Oxigraph server cannot run: {exc}", pytrace=False)
        pytest.skip(str(exc))
