"""Run the differential over cited clinical cases and measure it.

A case is a presentation written from a published case, study or guideline (its ``source``):
painful ``regions``, ``findings``, the ``expected`` source (any of several ids, labels or
synonyms: the condition and the structure it affects are the same answer at two levels),
sources that must not rank first (``must_not_rank_first``) and the red-flag conditions that must
be raised (``red_flags``). The expectations come from the literature, never from the tool's
output; an expectation the graph cannot name is reported (``unknown_terms``), not dropped.

Measures
--------
- top-1 / top-3 / top-5 accuracy: an expected id among the first 1, 3, 5 candidates;
- red-flag sensitivity: expected red-flag conditions raised / expected red-flag conditions;
- false-alarm rate: cases that expect no red flag but raised one / cases that expect none;
- must-not-rank-first violations: cases whose first candidate is one they name.
A case whose terms are missing from the graph counts as a miss (and is reported as such).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from kg.errors import DataError, KGError

__all__ = ["Case", "CaseResult", "EvaluationReport", "case_files", "check_cases",
           "default_cases_path", "evaluate", "load_cases"]

_REQUIRED = ("id", "source", "regions", "expected")


@dataclass(frozen=True)
class Case:
    """One cited clinical presentation and what the literature says it should yield."""

    id: str
    title: str
    source: str
    regions: tuple[str, ...]
    findings: tuple[str, ...] = ()
    expected: tuple[str, ...] = ()
    must_not_rank_first: tuple[str, ...] = ()
    red_flags: tuple[str, ...] = ()
    category: str = ""
    absent: tuple[str, ...] = ()  # findings the presentation states are absent
    split: str = "dev"  # "dev" (may be looked at while tuning) or "frozen" (never)
    setting: str = ""  # clinical setting the presentation comes from, where the source says
    #: ids the case file declares ahead of the data (``ahead_of_data``): not yet in the graph,
    #: so they count as misses (``unknown_terms``) instead of failing the run as a typo would
    ahead: tuple[str, ...] = ()


@dataclass
class CaseResult:
    """How the differential did on one case."""

    case: Case
    rank: int | None = None  # best rank of an expected id (1-based)
    first: str | None = None
    top: list[str] = field(default_factory=list)
    raised: list[str] = field(default_factory=list)
    error: str | None = None
    unknown: list[str] = field(default_factory=list)  # expectation terms the graph lacks
    expected_ids: list[str] = field(default_factory=list)
    must_not_ids: list[str] = field(default_factory=list)
    red_flag_ids: list[str] = field(default_factory=list)

    @property
    def missed_red_flags(self) -> list[str]:
        return [c for c in self.red_flag_ids if c not in self.raised]

    @property
    def unexpected_red_flags(self) -> list[str]:
        return [c for c in self.raised if c not in self.red_flag_ids]

    @property
    def violation(self) -> bool:
        return self.first is not None and self.first in self.must_not_ids

    def hit(self, k: int) -> bool:
        return self.rank is not None and self.rank <= k

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.case.id,
            "title": self.case.title,
            "category": self.case.category,
            "source": self.case.source,
            "expected": list(self.case.expected),
            "rank": self.rank,
            "first": self.first,
            "top5": self.top,
            "must_not_rank_first_violated": self.violation,
            "red_flags_expected": list(self.case.red_flags),
            "red_flags_raised": self.raised,
            "red_flags_missed": self.missed_red_flags,
            "error": self.error,
            "unknown_terms": self.unknown,
        }


@dataclass
class EvaluationReport:
    """Per-case results and the summary measures."""

    results: list[CaseResult]

    def _rate(self, k: int) -> float:
        return sum(r.hit(k) for r in self.results) / len(self.results) if self.results else 0.0

    @property
    def top1(self) -> float:
        return self._rate(1)

    @property
    def top3(self) -> float:
        return self._rate(3)

    @property
    def top5(self) -> float:
        return self._rate(5)

    @property
    def mrr(self) -> float:
        """Mean reciprocal rank of the best expected id (a miss counts 0)."""
        if not self.results:
            return 0.0
        return sum(1 / r.rank for r in self.results if r.rank) / len(self.results)

    @property
    def red_flag_sensitivity(self) -> float | None:
        expected = sum(len(r.case.red_flags) for r in self.results)
        if not expected:
            return None
        found = sum(len(r.case.red_flags) - len(r.missed_red_flags) for r in self.results)
        return found / expected

    @property
    def false_alarm_rate(self) -> float | None:
        quiet = [r for r in self.results if not r.case.red_flags]
        if not quiet:
            return None
        return sum(bool(r.raised) for r in quiet) / len(quiet)

    @property
    def violations(self) -> list[CaseResult]:
        return [r for r in self.results if r.violation]

    def to_dict(self) -> dict[str, Any]:
        return {
            "cases": len(self.results),
            "top1": round(self.top1, 4),
            "top3": round(self.top3, 4),
            "top5": round(self.top5, 4),
            "mrr": round(self.mrr, 4),
            "red_flag_sensitivity": _round(self.red_flag_sensitivity),
            "false_alarm_rate": _round(self.false_alarm_rate),
            "must_not_rank_first_violations": [r.case.id for r in self.violations],
            "errors": [r.case.id for r in self.results if r.error],
            "results": [r.to_dict() for r in self.results],
        }

    def to_text(self, verbose: bool = False) -> str:
        n = len(self.results)
        lines = [f"Evaluation over {n} cited clinical cases"]
        if verbose:
            lines.append("")
            for r in self.results:
                mark = "ok " if r.hit(3) else "MISS"
                rank = "-" if r.rank is None else str(r.rank)
                extra = []
                if r.violation:
                    extra.append(f"must-not-rank-first {r.first}")
                if r.missed_red_flags:
                    extra.append("missed red flag " + ", ".join(r.missed_red_flags))
                if r.unexpected_red_flags:
                    extra.append("also raised " + ", ".join(r.unexpected_red_flags))
                if r.error:
                    extra.append(f"error: {r.error}")
                if r.unknown:
                    extra.append("not in the graph: " + ", ".join(r.unknown))
                first = r.first or "-"
                lines.append(f"  {mark} rank {rank:>3}  {r.case.id:<42} first {first}"
                             + (f"  [{'; '.join(extra)}]" if extra else ""))
        sens = self.red_flag_sensitivity
        fa = self.false_alarm_rate
        lines += [
            "",
            *(f"top-{k} accuracy           {self._rate(k):6.1%}  "
              f"({sum(r.hit(k) for r in self.results)}/{n})" for k in (1, 3, 5)),
            f"mean reciprocal rank     {self.mrr:6.3f}",
            "red-flag sensitivity     " + ("   n/a" if sens is None else f"{sens:6.1%}"),
            "false-alarm rate         " + ("   n/a" if fa is None else f"{fa:6.1%}")
            + "  (cases expecting no red flag that raised one)",
            f"must-not-rank-first      {len(self.violations)} violation(s)",
        ]
        categories = sorted({r.case.category for r in self.results if r.case.category})
        if categories:
            lines.append("top-3 by category        " + "; ".join(
                f"{cat} {sum(r.hit(3) for r in group)}/{len(group)}"
                for cat in categories
                for group in [[r for r in self.results if r.case.category == cat]]))
        errors = [r for r in self.results if r.error]
        if errors:
            lines.append(f"cases that could not run {len(errors)}: "
                         + ", ".join(r.case.id for r in errors))
        return "\n".join(lines) + "\n"


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def default_cases_path() -> Path:
    """The cited evaluation cases that ship with the data: ``data/cases/cases.toml``."""
    from kg.store.resources import resource_dir

    return resource_dir("data") / "cases" / "cases.toml"


def case_files(folder: str | Path | None = None) -> list[Path]:
    """Every cases file (``*.toml``, ``*.json``) in ``data/cases/``, by name."""
    from kg.store.resources import resource_dir

    where = Path(folder) if folder else resource_dir("data") / "cases"
    return sorted(p for p in where.iterdir() if p.suffix in (".toml", ".json") and p.is_file())


#: Case fields that name graph terms, checked before a run.
_TERM_FIELDS = ("regions", "findings", "absent", "expected", "must_not_rank_first", "red_flags")


def check_cases(G: nx.MultiDiGraph, cases: Iterable[Case], file: str | Path | None = None
                ) -> None:
    """Fail on the first case that names an id (a CURIE such as ``lp:x``) the graph lacks, or
    gives one finding both present and absent: one line naming the case and the field.

    A label or synonym the graph cannot name is not fatal: it is reported per case
    (``unknown_terms``), so a case written ahead of the data still counts as a miss.
    """
    for case in cases:
        for key in _TERM_FIELDS:
            for term in getattr(case, key):
                if _looks_like_id(term) and term not in G and term not in case.ahead:
                    raise DataError(f"case {case.id}: {key!r} names unknown id {term!r}",
                                    str(file) if file else None)
        both = set(case.findings) & set(case.absent)
        if both:
            raise DataError(f"case {case.id}: 'absent' repeats a present finding "
                            f"{sorted(both)[0]!r}", str(file) if file else None)


def _looks_like_id(term: str) -> bool:
    prefix, sep, local = term.partition(":")
    return bool(sep) and " " not in term and prefix.isidentifier() and bool(local)


def _tuple(value: Any, key: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DataError(f"case {where}: {key!r} must be a list of strings")
    return tuple(value)


def load_cases(path: str | Path | None = None) -> list[Case]:
    """Read cases from a TOML (``[[case]]`` tables) or JSON (``{"case": [...]}``) file."""
    file = Path(path) if path else default_cases_path()
    if not file.is_file():
        raise KGError(f"no cases file at {file}; give one with --cases FILE")
    try:
        if file.suffix == ".json":
            raw = json.loads(file.read_text(encoding="utf-8"))
        else:
            import tomllib

            raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise DataError(f"cannot read cases: {exc}", str(file)) from None
    items = raw.get("case") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        raise DataError("no [[case]] entries", str(file))
    ahead = _tuple(raw.get("ahead_of_data"), "ahead_of_data", str(file))
    cases: list[Case] = []
    seen: set[str] = set()
    for i, item in enumerate(items, 1):
        where = str(item.get("id") or f"#{i}")
        missing = [k for k in _REQUIRED if not item.get(k)]
        if missing:
            raise DataError(f"case {where} lacks {', '.join(missing)}", str(file))
        if where in seen:
            raise DataError(f"case id {where} appears twice", str(file))
        seen.add(where)
        cases.append(Case(
            id=where,
            title=str(item.get("title", "")),
            source=str(item["source"]),
            regions=_tuple(item["regions"], "regions", where),
            findings=_tuple(item.get("findings"), "findings", where),
            expected=_tuple(item["expected"], "expected", where),
            must_not_rank_first=_tuple(item.get("must_not_rank_first"), "must_not_rank_first",
                                       where),
            red_flags=_tuple(item.get("red_flags"), "red_flags", where),
            category=str(item.get("category", "")),
            absent=_tuple(item.get("absent"), "absent", where),
            split=_split(item.get("split", "dev"), where, file),
            setting=str(item.get("setting", "")),
            ahead=ahead,
        ))
    return cases


def _split(value: Any, where: str, file: Path) -> str:
    if value not in ("dev", "frozen"):
        raise DataError(f"case {where}: 'split' must be \"dev\" or \"frozen\", not {value!r}",
                        str(file))
    return str(value)


def run_case(G: nx.MultiDiGraph, case: Case, max_depth: int = 4) -> CaseResult:
    """Run one case; a term the graph does not know is recorded as the case's error."""
    from kg.reason.differential import differential, resolve_setting

    out = CaseResult(case)
    expected = _ids(G, case.expected, out.unknown)
    must_not = _ids(G, case.must_not_rank_first, out.unknown)
    flags = _ids(G, case.red_flags, out.unknown)
    out.expected_ids, out.must_not_ids, out.red_flag_ids = expected, must_not, flags
    try:
        setting = resolve_setting(case.setting or None)
    except KGError:  # a setting the priors do not distinguish: any setting, and say so
        out.unknown.append(f"setting {case.setting!r}")
        setting = None
    try:
        result = differential(G, case.regions, case.findings, max_depth=max_depth,
                              absent=case.absent, setting=setting)
    except KGError as exc:
        out.error = str(exc)
        return out
    ranks = [r for r in (result.rank_of(x) for x in expected) if r is not None]
    out.rank = min(ranks) if ranks else None
    out.first = result.candidates[0].id if result.candidates else None
    out.top = [c.id for c in result.candidates[:5]]
    out.raised = [rf.condition for rf in result.red_flags]
    return out


def _ids(G: nx.MultiDiGraph, terms: Iterable[str], unknown: list[str]) -> list[str]:
    """Resolve expectation terms (ids, labels or synonyms); unknown ones are noted, kept as-is."""
    from kg.graph.resolve import names, normalise

    index = names(G)
    out = []
    for term in terms:
        hits = index.get(normalise(term))
        if hits:
            out.append(min(hits)[1])
        else:
            unknown.append(term)
            out.append(term)
    return out


def evaluate(G: nx.MultiDiGraph, cases: Iterable[Case], max_depth: int = 4
             ) -> EvaluationReport:
    """Run every case and summarise."""
    return EvaluationReport([run_case(G, c, max_depth) for c in cases])
