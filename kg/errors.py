"""The error tree. Library code raises these; the CLI and the endpoint translate them.

Every message is one line that says what was wrong and what to do.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "DataError",
    "DataValidationError",
    "KGError",
    "QueryError",
    "UnknownTermError",
]


class KGError(Exception):
    """Root of every error this package raises on purpose."""

    #: Process exit code the CLI uses for this kind of error.
    exit_code = 2

    def __str__(self) -> str:  # one line, always
        return " ".join(super().__str__().split())


class UnknownTermError(KGError, LookupError):
    """A name given by the user matches no entity; carries the nearest known names."""

    def __init__(self, term: str, suggestions: list[str], what: str = "term") -> None:
        self.term = term
        self.suggestions = suggestions
        self.what = what
        hint = (
            "did you mean " + ", ".join(repr(s) for s in suggestions) + "?"
            if suggestions
            else "try `kg list` to see known names."
        )
        super().__init__(f"{what} {term!r} is not in the graph; {hint}")


class DataError(KGError):
    """A data file cannot be read or parsed (carries the file and, where known, the line)."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        super().__init__(f"{where}{message}")


class DataValidationError(KGError):
    """The data does not conform to the SHACL shapes; carries the violations."""

    exit_code = 1

    def __init__(self, violations: Sequence[object]) -> None:
        self.violations = list(violations)
        super().__init__(f"{len(violations)} SHACL violation(s); run `kg validate` to list them.")


class QueryError(KGError):
    """A SPARQL query is malformed, refused (an update) or names an unknown parameter."""
