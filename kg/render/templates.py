"""The one Jinja environment and the one static folder behind every page.

Templates live in ``viz/templates/`` (the atlas's under ``site/``), scripts, styles and the
body-map drawing in ``viz/static/``. Autoescaping is on for every template and string, and an
undefined name is an error, so a page never renders half-filled.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from kg.store.resources import resource_dir

__all__ = ["environment", "static_path", "static_text"]


@cache
def environment() -> Any:
    """The shared ``jinja2.Environment`` (imported on first use: the CLI starts faster)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(resource_dir("viz") / "templates")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["pct"] = lambda x: f"{100 * float(x):.0f}%"
    return env


def static_path(name: str) -> Path:
    """A file of ``viz/static/``."""
    return resource_dir("viz") / "static" / name


def static_text(name: str) -> str:
    """The text of a file of ``viz/static/``."""
    return static_path(name).read_text(encoding="utf-8")
