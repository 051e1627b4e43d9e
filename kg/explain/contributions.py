"""Words for what moved a differential candidate: its prior, each region, each finding.

Works on the ``"contributions"`` JSON of one candidate (see :mod:`kg.reason.differential`),
so the text report, the page and any reader of the JSON say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["PROBABILITY_NOTE", "contribution_lines", "percent"]

#: What the score is, as the JSON and the text say it.
SCORE_NOTE = ("score = log10(prior x P(each painful region | candidate) x LR of each finding); "
              "see kg.reason.bayes")

#: The label every shown probability carries.
PROBABILITY_NOTE = ("the model's probability over the conditions in the graph, not the "
                    "patient's")


def percent(p: float) -> str:
    """A probability as a short percentage.

    >>> percent(0.55), percent(0.01), percent(0.001), percent(0.00004)
    ('55%', '1%', '0.1%', '0.004%')
    """
    if p >= 0.1:
        return f"{100 * p:.0f}%"
    if p >= 0.01:
        return f"{100 * p:.1f}%".replace(".0%", "%")
    return f"{100 * p:.2g}%"


def _cite(sources: Any) -> str:
    shorts = [s.get("short") or s.get("id", "") for s in sources or []]
    return f" [{'; '.join(sorted(set(shorts)))}]" if shorts else ""


def _label(ref: Mapping[str, Any] | None) -> str:
    return str((ref or {}).get("label") or (ref or {}).get("id", ""))


def prior_line(pr: Mapping[str, Any]) -> str:
    text = f"prior {percent(float(pr['value']))}: {pr['basis']}"
    bits = []
    if pr.get("via_condition"):
        bits.append(f"as {_label(pr['via_condition'])}")
    if pr.get("region"):
        bits.append(f"among people with {_label(pr['region'])} pain")
    if pr.get("setting"):
        bits.append(f"setting {str(pr['setting']).split(':')[-1]}")
    if pr.get("cohort"):
        bits.append(f"n = {pr['cohort']} {pr.get('cohort_kind') or ''}".strip())
    if bits:
        text += " (" + ", ".join(bits) + ")"
    return text + _cite(pr.get("sources"))


def region_line(r: Mapping[str, Any]) -> str:
    head = f"{_label(r.get('region'))}: P {percent(float(r['likelihood']))}"
    if not r.get("steps"):
        return f"{head} ({r['basis']})"
    parts = []
    for s in r["steps"]:
        fig = s.get("frequency_text") if s["basis"] == "published frequency" else None
        what = f"{_label(s['from'])} {s['label']} {_label(s['to'])}"
        detail = fig or s["basis"]
        parts.append(f"{what} {percent(float(s['probability']))} ({detail}){_cite(s['sources'])}")
    return f"{head} via " + "; ".join(parts)


def finding_line(f: Mapping[str, Any]) -> str:
    state = "present" if f.get("present", True) else "absent"
    lr = f.get("likelihood_ratio")
    if lr is None:
        return f"{_label(f)} ({state}): no usable LR, {f.get('lr_basis')}{_cite(f.get('sources'))}"
    share = float(f.get("share") or 1.0)
    part = "" if share >= 0.999 else f", on {100 * share:.0f}% of its evidence"
    return (f"{_label(f)} ({state}) {f.get('direction')}: LR {float(lr):.2g} "
            f"({f.get('lr_basis')}{part}){_cite(f.get('sources'))}")


def contribution_lines(c: Mapping[str, Any]) -> list[str]:
    """One line per factor: prior, each painful region, each finding; then the total."""
    lines = [prior_line(c["prior"])]
    lines += [region_line(r) for r in c.get("regions") or []]
    lines += [finding_line(f) for f in c.get("findings") or []]
    total = f"score {float(c['score']):.2f} (log10 of the product)"
    if c.get("probability") is not None:
        total += f"; {percent(float(c['probability']))}, {c.get('probability_note')}"
    lines.append(total)
    return lines
