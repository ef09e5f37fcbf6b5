"""Rendering ranked suggestions: table (tabulate), JSON, Markdown; and the scenario of one.

Pure: each function returns text or data; cli.py prints and writes. Hours are estimates (they
rest on the seconds-per-question and tariff assumptions, printed below every list); the
``counts`` column says whether the question counts behind them are exact or estimated; ``n/a``
marks a suggestion that changes no rule (its ``no_scenario`` says why) and ``–`` a figure that
cannot be computed (its note says why).
"""

from __future__ import annotations

import json
from dataclasses import asdict

from tabulate import tabulate

from .. import scenario
from ..burden import Assumptions
from ..model import Text
from .base import PRINCIPLES, Context, Suggestion
from .effect import changes_of


def _hours(s: Suggestion) -> str:
    e = s.effect
    if e is None:
        return "n/a"
    if e.note and not e.hours:
        return "–"
    return " / ".join("–" if e.hours.get(m) is None else f"{e.hours[m]:g}" for m in ("anonymous", "logged_in"))


def _counts(s: Suggestion) -> str:
    """The kind of the question counts behind the hours: exact or estimate."""
    e = s.effect
    return "n/a" if e is None else ("–" if not e.questions else e.kind)


def _decisions(s: Suggestion) -> str:
    d = s.effect.decisions if s.effect is not None else None
    if not d:
        return "n/a" if not s.changes else "–"
    unknown = f" +{d['unknown']} unknown" if d.get("unknown") else ""
    return f"{d['changed']}/{d['cases']} ({d['share']:.1%}){unknown}"


def to_data(found: list[Suggestion], ctx: Context) -> dict:
    """Everything, in a fixed order, for ``--format json``."""
    items = []
    for rank, s in enumerate(found, 1):
        data = asdict(s)
        data = {"rank": rank, **{k: data[k] for k in ("kind", "process", "subject", "title", "file", "line", "col")},
                "principles": [{"number": n, "principle": PRINCIPLES[n]} for n in s.principles],
                "evidence": list(s.evidence), "law": list(s.law), "witnesses": list(s.witnesses),
                "scenario": list(s.changes), "no_scenario": s.no_scenario or None,
                "effect": data["effect"]}
        items.append(data)
    return {"suggestions": items, "notes": list(ctx.notes),
            "population": dict(sorted(ctx.population.items())), "assumptions": ctx.assumptions.to_dict(),
            "ranking": "citizen hours a year saved, the larger of the two modes; ties by kind, process, subject"}


def to_json(found: list[Suggestion], ctx: Context) -> str:
    # witnesses may hold dates (answer classes of date facts): written as ISO text
    return json.dumps(to_data(found, ctx), ensure_ascii=False, indent=2, default=str) + "\n"


def to_table(found: list[Suggestion], ctx: Context, fmt: str = "table") -> str:
    """A table (one row a suggestion), then what each suggests and where (``table``) or every
    suggestion's evidence and effect (``markdown``); then notes and assumptions."""
    rows = [[rank, s.kind, s.process, s.subject, _hours(s), _counts(s), _decisions(s),
             ",".join(map(str, s.principles))] for rank, s in enumerate(found, 1)]
    headers = ["#", "kind", "process", "about", "hours/yr saved (anon / logged in)", "counts", "decisions changed",
               "principles"]
    out = [tabulate(rows, headers, tablefmt="github" if fmt == "markdown" else "simple", disable_numparse=True), ""]
    for rank, s in enumerate(found, 1):
        if fmt == "markdown":
            out += _details(rank, s)
        else:
            out.append(f"{rank:>3}. {s.title}  ({s.location()})")
    if fmt != "markdown":
        out.append("")
    out += _footer(ctx)
    return "\n".join(out) + "\n"


def _details(rank: int, s: Suggestion) -> list[str]:
    lines = [f"### {rank}. {s.title}", "", f"`{s.location()}` ({s.kind}; principles "
             + ", ".join(f"{n} {PRINCIPLES[n]}" for n in s.principles) + ")", ""]
    lines += [f"- {e}" for e in s.evidence]
    if s.law:
        lines.append("- law: " + "; ".join(s.law))
    for w in s.witnesses:
        lines.append("- witness: " + ", ".join(f"{k} = {'(does not apply)' if v is None else v}"
                                               for k, v in w.items()))
    if s.effect is not None:
        e = s.effect
        for mode, figures in e.questions.items():
            shown = [f"{k} {f['before']} → {f['after']}" if f.get("before") is not None
                     else f"{k} {-f['saved'] if f['saved'] else 0:g}" for k, f in figures.items()]
            if shown:
                lines.append(f"- questions, {mode} ({e.kind}): " + "; ".join(shown))
        if e.hours:
            lines.append(f"- hours a year saved: {_hours(s)} (anonymous / logged in; {e.method})")
        if e.decisions:
            d = e.decisions
            lines.append(f"- decisions changed: {d['changed']} of {d['cases']} ({d['share']:.1%}; {d['population']})"
                         + (f"; {d['unknown']} more cases need an answer the population does not hold ("
                            + ", ".join(f"{k} {v}" for k, v in d["missing_after"].items()) + ")"
                            if d.get("unknown") else ""))
            for name, o in d["outcomes"].items():
                moves = ", ".join(f"{k} {v}" for k, v in o["directions"].items())
                amount = f"; mean change {o['mean_change']:g}" if o.get("mean_change") is not None else ""
                lines.append(f"  - {name}: {o['changed']} ({moves}{amount})")
            for h in d["households"]:
                lines.append(f"  - households with {h['fact']} = {h['value']}: {h['share_changed']:.0%} of the changed cases, "
                             f"{h['share_all']:.0%} of all")
        if e.note:
            lines.append(f"- note: {e.note}")
    if s.changes:
        lines.append("- scenario: " + "; ".join(json.dumps(c, ensure_ascii=False) for c in s.changes))
    elif s.no_scenario:
        lines.append(f"- no scenario: {s.no_scenario}")
    return lines + [""]


def _footer(ctx: Context) -> list[str]:
    a: Assumptions = ctx.assumptions
    lines = ["Ranked by citizen hours a year saved by the minimal flow (the larger of the two modes). Hours are "
             "estimates resting on the assumptions below; 'counts' says whether the question counts behind them "
             "are exact or estimates (simulation); 'n/a': the suggestion changes no rule; '–': cannot be computed; "
             "'+N unknown': cases the changed rules cannot decide without an answer the population does not hold.",
             f"Assumptions: seconds per question by type {json.dumps(a.seconds, sort_keys=True)}; tariff "
             f"{a.tariff_dkk_per_hour:g} DKK per hour ({a.tariff_source})."]
    for name, label in sorted(ctx.population.items()):
        lines.append(f"Decisions of {name}: {label}.")
    lines += [f"Note: {n}" for n in ctx.notes]
    return lines


def scenario_text(s: Suggestion, rank: int) -> str:
    """The scenario file of suggestion number ``rank`` (analyzer.scenario.dump)."""
    name = f"suggestion-{rank}-{s.kind}-{s.subject}".replace(".", "-").replace("_", "-").lower()
    rationale = f"askless suggest #{rank} ({s.kind}): {s.title}. Evidence: " + " | ".join(s.evidence)
    return scenario.dump(scenario.Scenario(name, Text(s.title), s.process, changes_of(s.changes), rationale))


def kinds_markdown() -> str:
    """Every kind's module docstring as a Markdown section (for ``--list-kinds`` and the docs)."""
    import inspect

    from . import KINDS

    out = []
    for kind, module in KINDS.items():
        doc = inspect.cleandoc(module.__doc__ or "")
        title, _, rest = doc.partition("\n")
        out += [f"### `{kind}`", "", title.split(": ", 1)[-1], "", rest.strip("\n"), ""]
    return "\n".join(out)
