"""Start and stop real SPARQL servers for the tests: ``kg serve`` and ``oxigraph serve-read-only``.

Both run as separate processes on 127.0.0.1 with a free port, exactly as a user would start
them; the fixtures in ``conftest.py`` call these helpers once per session.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["free_port", "in_ci", "kg_serve", "oxigraph_serve", "wait_until_up"]

ROOT = Path(__file__).resolve().parent.parent


def in_ci() -> bool:
    """True under CI=true, where every server test must run rather than skip."""
    return os.environ.get("CI", "").lower() == "true"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    """Poll ``url`` until it answers; fail with the server's output if it dies first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise RuntimeError(f"server exited with {proc.returncode}: {out[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not come up within {timeout} s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def kg_serve(data_dir: Path | None = None, *extra: str) -> Iterator[str]:
    """Run ``kg serve`` in a subprocess; yield its endpoint URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "kg.cli"]
    if data_dir is not None:
        cmd += ["--data", str(data_dir)]
    cmd += ["serve", "--host", "127.0.0.1", "--port", str(port), *extra]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        wait_until_up(url, proc)
        yield url
    finally:
        _stop(proc)


@contextmanager
def oxigraph_serve(nt_file: Path, workdir: Path) -> Iterator[str]:
    """Load ``nt_file`` with ``oxigraph load`` and serve it read-only; yield the endpoint URL.

    Raises FileNotFoundError when the ``oxigraph`` binary (PyPI package ``oxigraph``) is missing.
    """
    binary = shutil.which("oxigraph")
    if binary is None:
        raise FileNotFoundError("the oxigraph binary is not on PATH (pip install oxigraph)")
    location = workdir / "oxigraph-db"
    subprocess.run([binary, "load", "--location", str(location), "--file", str(nt_file)],
                   check=True, capture_output=True, timeout=120)
    port = free_port()
    proc = subprocess.Popen([binary, "serve-read-only", "--location", str(location),
                             "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/query"
    try:
        wait_until_up(url, proc)
        yield url
    finally:
        _stop(proc)
