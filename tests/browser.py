"""Shared Playwright helper: Debian's headless Chromium, offline, watched.

Every request that is not ``file://`` (or ``data:``/``about:``) is aborted and recorded, and
console errors and page errors are collected, so a test can assert a page is self-contained
and quiet. The browser is never downloaded: we drive the ``chromium`` found on PATH.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "ARTIFACTS",
    "CHROMIUM_ARGS",
    "BrowserPage",
    "chromium_path",
    "in_ci",
    "launch_chromium",
    "open_page",
]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]

#: Screenshots land here (gitignored).
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

_LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")


def in_ci() -> bool:
    """True when the CI says so: browser tests must then run, not skip."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def chromium_path() -> str | None:
    """The system Chromium (``chromium`` on PATH, else Debian's ``/usr/bin/chromium``)."""
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


@dataclass
class BrowserPage:
    """A Playwright page plus what it tried to do behind our back."""

    page: Any
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        """Save a PNG under test-artifacts/ and return its path."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        out = ARTIFACTS / name
        self.page.screenshot(path=str(out), full_page=full_page)
        return out


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """Start headless Debian Chromium through Playwright; yields the browser."""
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        raise RuntimeError("no chromium on PATH (apt-get install -y chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_page(browser: Any, *, width: int = 1440, height: int = 900) -> Iterator[BrowserPage]:
    """A fresh context and page that aborts and records every non-local request."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    watched = BrowserPage(page)

    def _route(route: Any) -> None:
        url = route.request.url
        if url.startswith(_LOCAL_SCHEMES):
            route.continue_()
        else:
            watched.blocked.append(url)
            route.abort()

    def _console(msg: Any) -> None:
        if msg.type == "error":
            watched.console_errors.append(msg.text)

    context.route("**/*", _route)
    page.on("console", _console)
    page.on("pageerror", lambda exc: watched.console_errors.append(f"pageerror: {exc}"))
    try:
        yield watched
    finally:
        context.close()
