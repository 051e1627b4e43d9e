"""One CURIE converter for the whole package, built on the ``curies`` library.

Every place that shortens an IRI (tables, SPARQL results, validation messages, stats) or
expands a CURIE goes through here, so they agree on the longest-prefix rule.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import curies

from kg.ids.prefixes import PREFIXES

__all__ = ["converter", "curie", "expand"]


@cache
def converter() -> curies.Converter:
    """The project's prefix map as a ``curies.Converter`` (longest namespace wins)."""
    return curies.Converter.from_prefix_map(PREFIXES)


def curie(iri: Any) -> str:
    """Shorten an IRI with the longest fitting project prefix (``lp:groin``,
    ``UBERON:0008337``); an IRI no prefix fits, or a literal, is returned as written.

    >>> curie("http://purl.obolibrary.org/obo/UBERON_0008337")
    'UBERON:0008337'
    >>> curie("https://example.org/x")
    'https://example.org/x'
    """
    text = str(iri)
    return converter().compress(text, passthrough=True)


def expand(text: str) -> str | None:
    """Expand a project CURIE to its IRI, or ``None`` when no prefix fits.

    >>> expand("lp:groin")
    'https://w3id.org/lumbopelvic-kg/id/groin'
    """
    return converter().expand(text)
