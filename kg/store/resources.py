"""Find the shipped data, queries and page templates, installed or in a source checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["resource_dir"]

_CHECKOUT = Path(__file__).resolve().parents[2]


def resource_dir(name: str) -> Path:
    """Return the folder ``data``, ``queries`` or ``viz`` that ships with the package.

    A wheel carries them inside ``kg/_share/``; a source checkout has them at the top level.
    """
    shipped = Path(str(resources.files("kg"))) / "_share" / name
    if shipped.is_dir():
        return shipped
    return _CHECKOUT / name
