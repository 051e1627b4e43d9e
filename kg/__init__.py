"""Lumbopelvic pain knowledge graph: trace, explain and render cited referral routes.

A teaching and reasoning aid, not a diagnostic device.

    >>> import kg
    >>> result = kg.trace("groin")                          # doctest: +SKIP
    >>> result = kg.trace("sacroiliac joint", forward=True)  # doctest: +SKIP
    >>> info = kg.show("psoas major")                       # doctest: +SKIP
"""

from __future__ import annotations

from kg._version import __version__
from kg.api import differential, load, show, trace
from kg.errors import DataError, DataValidationError, KGError, QueryError, UnknownTermError

# Load the submodules that share a name with an API function first: importing a submodule
# binds it as an attribute of the package, which would otherwise replace ``kg.trace`` (the
# function) by ``kg.trace`` (the module) the first time the function ran.
from kg.reason import differential as _differential_module  # noqa: F401
from kg.reason import show as _show_module  # noqa: F401
from kg.reason import trace as _trace_module  # noqa: F401

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
