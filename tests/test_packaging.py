"""The wheel carries its data, queries and page templates, and an installed ``kg`` works.

Builds the wheel from this checkout, reads it as a zip, then installs it into a fresh virtual
environment (system site-packages for the dependencies, so nothing is downloaded) and runs
``kg`` from a directory far from the checkout, so only the wheel can answer.
"""

from __future__ import annotations

import importlib.util
import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel into a temporary folder (offline when hatchling is installed)."""
    out = tmp_path_factory.mktemp("dist")
    cmd = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out)]
    if importlib.util.find_spec("hatchling") is not None:
        cmd.append("--no-isolation")
    proc = subprocess.run([*cmd, str(ROOT)], capture_output=True, text=True, env=_clean_env(),
                          cwd=out, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


@pytest.mark.parametrize(("folder", "pattern"), [
    ("data", "*.ttl"),
    ("data", "shapes/*.ttl"),
    ("queries", "*.rq"),
    ("viz", "templates/*"),
    ("viz", "static/*"),
])
def test_wheel_ships_every_resource_file(wheel, folder, pattern):
    expected = {f"kg/_share/{folder}/{p.relative_to(ROOT / folder).as_posix()}"
                for p in (ROOT / folder).glob(pattern) if p.is_file()}
    assert expected, f"the checkout has no {folder}/{pattern}"
    missing = expected - _names(wheel)
    assert not missing, f"missing from the wheel: {sorted(missing)}"


def test_wheel_declares_the_kg_console_script(wheel):
    with zipfile.ZipFile(wheel) as zf:
        [ep] = [n for n in zf.namelist() if n.endswith(".dist-info/entry_points.txt")]
        text = zf.read(ep).decode()
    lines = [line.replace(" ", "") for line in text.splitlines()]
    assert "[console_scripts]" in lines
    assert "kg=kg.cli:main" in lines


def test_wheel_holds_no_checkout_clutter(wheel):
    bad = [n for n in _names(wheel) if "__pycache__" in n or n.endswith(".pyc")
           or n.startswith(("tests/", "bench/"))]
    assert bad == []


def test_installed_wheel_runs_kg_trace(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, timeout=300)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    py = bindir / "python"
    if sys.prefix != sys.base_prefix:
        # We run inside a venv: --system-site-packages would see the base Python only, so
        # hand the new venv our dependencies through a .pth file (after its own site-packages).
        purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_path("
                                  "'purelib'))"], capture_output=True, text=True, check=True)
        ours = [p for p in site.getsitepackages() if Path(p).is_dir()]
        (Path(purelib.stdout.strip()) / "_outer_env.pth").write_text("\n".join(ours) + "\n")
    proc = subprocess.run(
        [str(py), "-m", "pip", "install", "--no-deps", "--no-index", "--force-reinstall",
         "--quiet", str(wheel)],
        capture_output=True, text=True, env=_clean_env(), timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [str(py), "-c", "import kg, kg.store.resources as r; print(kg.__file__); "
         "print(r.resource_dir('data')); print(r.resource_dir('viz'))"],
        capture_output=True, text=True, cwd=elsewhere, env=_clean_env(), timeout=120)
    assert where.returncode == 0, where.stderr
    module, data, viz = (Path(line) for line in where.stdout.split())
    assert venv in module.parents, f"kg imported from {module}, not from the wheel"
    assert venv in data.parents and data.parts[-2:] == ("_share", "data")
    assert (viz / "templates" / "trace.html.j2").is_file()

    run = subprocess.run([str(bindir / "kg"), "trace", "groin"], capture_output=True,
                         text=True, cwd=elsewhere, env=_clean_env(), timeout=300)
    assert run.returncode == 0, run.stderr
    assert "groin" in run.stdout.lower()

    page = elsewhere / "groin.html"
    run = subprocess.run([str(bindir / "kg"), "trace", "groin", "--html", str(page)],
                         capture_output=True, text=True, cwd=elsewhere, env=_clean_env(),
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in elsewhere.iterdir()) == ["groin.html"]
