"""Lumbopelvic pain knowledge graph: trace, explain and render cited referral routes.

A teaching and reasoning aid, not a diagnostic device.

>>> import kg
>>> kg.trace("groin").candidates[0].label  # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"
