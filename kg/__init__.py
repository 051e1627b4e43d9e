"""Lumbopelvic pain knowledge graph: trace, explain and render cited referral routes.

A teaching and reasoning aid, not a diagnostic device.

    >>> import kg
    >>> result = kg.trace("groin")                          # doctest: +SKIP
    >>> result = kg.trace("sacroiliac joint", forward=True)  # doctest: +SKIP
    >>> info = kg.show("psoas major")                       # doctest: +SKIP
"""

from __future__ import annotations

from .api import differential, load, show, trace
from .errors import DataError, DataValidationError, KGError, QueryError, UnknownTermError

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "DataValidationError",
    "KGError",
    "QueryError",
    "UnknownTermError",
    "__version__",
    "differential",
    "load",
    "show",
    "trace",
]
