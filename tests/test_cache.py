"""The compiled graph cache: reused, rebuilt on change, recovered when corrupt, race-safe."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import kg
from kg.store.cache import cache_key


@pytest.fixture
def data_copy(mini_dir, tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(mini_dir, folder)
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("KG_NO_CACHE", raising=False)
    return folder


def cache_files(folder: Path) -> list[Path]:
    return sorted((folder.parent / "cache").glob("graph-*.pickle"))


def test_second_load_comes_from_the_cache(data_copy, monkeypatch):
    first = kg.load(data_copy)
    assert len(cache_files(data_copy)) == 1
    from kg.store import files as store

    def boom(*a, **k):
        raise AssertionError("Turtle was parsed although a cache exists")

    monkeypatch.setattr(store, "load_rdf", boom)
    second = kg.load(data_copy)
    assert sorted(second.nodes) == sorted(first.nodes)


def test_changed_data_builds_a_new_cache(data_copy):
    kg.load(data_copy)
    key1 = cache_key(sorted(data_copy.glob("*.ttl")))
    extra = data_copy / "mini.ttl"
    text = extra.read_text().replace('rdfs:label "buttock"', 'rdfs:label "gluteal region"')
    extra.write_text(text)
    G = kg.load(data_copy)
    assert cache_key(sorted(data_copy.glob("*.ttl"))) != key1
    assert G.nodes["lp:buttock"]["label"] == "gluteal region"


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_corrupt_cache_is_rebuilt(data_copy, damage):
    kg.load(data_copy)
    (path,) = cache_files(data_copy)
    raw = path.read_bytes()
    path.write_bytes({"truncate": raw[: len(raw) // 2], "garbage": b"\x80\x04junk" * 50,
                      "empty": b""}[damage])
    G = kg.load(data_copy)
    assert G.nodes["lp:groin"]["label"] == "groin"
    assert cache_files(data_copy)[0].read_bytes() == raw


def test_two_processes_building_at_once(data_copy, tmp_path):
    code = f"import kg; G = kg.load({str(data_copy)!r}); print(G.number_of_nodes())"
    env = {"KG_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    root = Path(__file__).resolve().parent.parent
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=root, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert {o.strip() for o, _ in outs} == {"7"}
    assert len(cache_files(data_copy)) == 1
    assert not list((tmp_path / "cache").glob(".tmp-*"))
