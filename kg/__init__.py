"""Lumbopelvic pain knowledge graph: trace, explain and render cited referral routes.

A teaching and reasoning aid, not a diagnostic device.

    >>> import kg
    >>> result = kg.trace("groin")                          # doctest: +SKIP
    >>> result = kg.trace("sacroiliac joint", forward=True)  # doctest: +SKIP
    >>> info = kg.show("psoas major")                       # doctest: +SKIP
"""

from __future__ import annotations

# Load the submodules that share a name with an API function first: importing a submodule
# binds it as an attribute of the package, which would otherwise replace ``kg.trace`` (the
# function) by ``kg.trace`` (the module) the first time the function ran.
from . import differential as _differential_module  # noqa: F401
from . import show as _show_module  # noqa: F401
from . import trace as _trace_module  # noqa: F401
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
