"""The differential in words: the text report, each finding's sentence, and why a red flag
stands where it does. Made from the result's data; the reasoning layer writes no prose."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import networkx as nx

from kg.explain.contributions import PROBABILITY_NOTE, SCORE_NOTE, contribution_lines, percent
from kg.explain.words import DISCLAIMER, accuracy_figures, cite, short_type, the
from kg.graph.build import region_targets

if TYPE_CHECKING:
    from kg.reason.differential import (
        DifferentialCandidate,
        DifferentialResult,
        FindingLink,
        NextTest,
        RedFlag,
    )
    from kg.reason.trace import Route

__all__ = ["differential_text", "finding_sentence", "red_flag_why"]


def finding_sentence(G: nx.MultiDiGraph, link: FindingLink, candidate: str) -> str:
    """How one finding weighs on a candidate, as one cited sentence."""
    f = G.nodes[link.finding]["label"]
    t = the(G, link.target)
    if link.relation == "presents with":
        pct = f" in {100 * link.frequency:.0f}%" if link.frequency is not None else ""
        text = f"{t} presents with {f}{pct}"
    else:
        text = f"{f} {link.relation} {t}"
    if not link.present:
        text = f"{f} is absent; {text}"
    if link.target != candidate:
        c = the(G, candidate)
        if link.share >= 0.999:
            text += f", and so {c}"
        else:
            text += f", which carries {100 * link.share:.0f}% of the evidence for {c}"
    if link.lr is None:
        text += f" (no usable LR: {link.basis})"
    else:
        text += f" ({'LR-' if not link.present else 'LR'} {link.lr:.2g}, {link.basis})"
    text += cite(G, sorted(set(link.sources)))
    return text[0].upper() + text[1:] + "."


def red_flag_why(G: nx.MultiDiGraph, rf: RedFlag, cand: DifferentialCandidate | None,
                  n: int) -> str:
    """Where a red-flag condition stands in the ranking, and why, in one sentence."""
    label = G.nodes[rf.condition]["label"]
    if cand is None:
        return (f"{label} has no route in the graph to these painful regions, so it is not "
                "ranked; assess it on the red flag alone")
    pr = cand.prior
    lrs = [f"{G.nodes[x.finding]['label']} LR {x.lr:.2g}" for x in cand.supporting
           if x.lr is not None]
    text = (f"listed first as a red flag; by score alone it ranks #{_rank_text(rf.score_rank)}"
            f" of {n}: prior {percent(pr['value'])} ({pr['basis']})")
    if lrs:
        text += ", " + ", ".join(lrs)
    return text


def _rank_text(rank: int | None) -> str:
    return "-" if rank is None else str(rank)


# --- text ----------------------------------------------------------------------------------


def _wrap(text: str, indent: str = "    ", first: str | None = None, width: int = 100) -> str:
    return textwrap.fill(text, width=width, initial_indent=first if first is not None else indent,
                         subsequent_indent=indent)


def _test_line(G: nx.MultiDiGraph, t: NextTest) -> str:
    label = G.nodes[t.id]["label"]
    targets = ", ".join(G.nodes[x]["label"] for x in t.targets)
    figures = "; ".join(", ".join(accuracy_figures(a)) + cite(G, sorted(set(a["sources"])))
                        for a in t.accuracy)
    text = f"{label} (for {targets})"
    if figures:
        text += f": {figures}"
    else:
        text += f": no published accuracy in the graph{cite(G, sorted(set(t.sources)))}"
    if t.discriminating:
        others = ", ".join(G.nodes[c]["label"] for c in t.separates)
        text += f" — separates: bears on {others} only"
    return text


def differential_text(result: DifferentialResult, limit: int, detail: int) -> str:
    """The terminal report: red flags first, the ranked table, then what moved each leader."""
    G = result.graph
    lines: list[str] = []
    if result.red_flags:
        bar = "!" * 78
        lines += [bar, "!! RED FLAGS: assess these first, whatever the ranking below says", bar]
        for rf in result.red_flags:
            data = G.nodes[rf.condition]
            trig = ", ".join(G.nodes[f]["label"] for f in rf.triggered_by)
            urgency = data.get("urgency") or "urgency not stated"
            lines.append(f"!! {data['label'].upper()}: {urgency}")
            if data.get("action"):
                lines.append(_wrap(f"action: {data['action']}", "!!    ", "!!    "))
            lines.append(_wrap(f"triggered by: {trig}{cite(G, sorted(set(rf.sources)))}",
                               "!!    ", "!!    "))
            where = f"ranked #{rf.rank}: {rf.why}" if rf.rank else rf.why
            lines.append(_wrap(where, "!!    ", "!!    "))
        lines += [bar, ""]
    regions = " + ".join(G.nodes[r]["label"] for r in result.regions)
    lines.append(f"Differential for pain in: {regions}")
    if result.findings:
        lines.append("Findings: " + "; ".join(G.nodes[f]["label"] for f in result.findings))
    if result.absent:
        lines.append("Absent: " + "; ".join(G.nodes[f]["label"] for f in result.absent))
    if result.setting:
        lines.append(f"Setting: {result.setting.split(':')[-1]} (priors measured there first)")
    kind = "candidate conditions" if result.conditions_only else "candidate sources"
    lines.append(f"{len(result.candidates)} {kind} (routes of up to "
                 f"{result.max_depth} relations)")
    lines.append(_wrap(SCORE_NOTE + f"; p = {PROBABILITY_NOTE}", "", ""))
    lines.append("")
    shown = result.candidates[:limit]
    if not shown:
        lines.append("No route in the graph reaches these regions.")
    else:
        n = len(result.regions)
        header = (f"{'#':>2}  {'candidate':<34} {'type':<10} {'explains':>8} {'prior':>6} "
                  f"{'findings':>8} {'score':>6} {'p':>6}")
        lines += [header, "-" * len(header)]
        for i, c in enumerate(shown, 1):
            flag = " (!)" if c.red_flag else ""
            p = "" if c.probability is None else percent(c.probability)
            lines.append(f"{i:>2}  {(c.label + flag)[:34]:<34} {short_type(G, c.id)[:10]:<10} "
                         f"{f'{c.coverage}/{n}':>8} {percent(c.prior['value']):>6} "
                         f"{c.finding_shift:>+8.2f} {c.score:>6.2f} {p:>6}")
        if len(result.candidates) > limit:
            lines.append(f"… and {len(result.candidates) - limit} more (use --limit or --json)")
        for i, c in enumerate(result.candidates[:detail], 1):
            lines += ["", f"{i}. {c.label} ({short_type(G, c.id)})"]
            missing = [G.nodes[r]["label"] for r, s in c.region_scores.items() if s <= 0]
            if missing:
                lines.append(_wrap("does not explain: " + ", ".join(missing)))
            lines.append("  what moved it:")
            lines += [_wrap(x, "      ", "    * ") for x in contribution_lines(
                c.contributions(G))]
            lines.append("  why:")
            for region in result.regions:
                route = next((r for r in c.candidate.routes if _ends_in(G, r, region)), None)
                if route is not None:
                    lines.append(_wrap(route.explanation, "      ", "    - "))
            if c.supporting:
                lines.append("  for:")
                lines += [_wrap(x.explain(G, c.id), "      ", "    + ") for x in c.supporting]
            if c.against:
                lines.append("  against:")
                lines += [_wrap(x.explain(G, c.id), "      ", "    - ") for x in c.against]
            if c.next_tests:
                lines.append("  check next:")
                lines += [_wrap(_test_line(G, t), "      ", "    > ") for t in c.next_tests[:4]]
    if result.unlinked_findings:
        lines += ["", _wrap("No link in the graph from these findings to any candidate: "
                            + "; ".join(G.nodes[f]["label"] for f in result.unlinked_findings),
                            "", "")]
    if result.unusable_findings:
        lines += ["", _wrap("No usable likelihood ratio (not counted): " + "; ".join(
            f"{G.nodes[f]['label']} ({'present' if present else 'absent'}: {why})"
            for f, present, why in result.unusable_findings), "", "")]
    lines += ["", textwrap.fill(DISCLAIMER, width=100), ""]
    return "\n".join(lines)


def _ends_in(G: nx.MultiDiGraph, route: Route, region: str) -> bool:
    cache = G.graph.setdefault("_region_targets", {})
    if region not in cache:
        cache[region] = region_targets(G, region)
    return route.nodes[-1] in cache[region]
