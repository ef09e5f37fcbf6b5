"""The Markdown report: the HTML report's content as tables, sized for a pull-request comment.

No pictures beyond a Mermaid dependency graph (GitHub and GitLab draw it), folded in a
``<details>`` block so the comment stays short. Figures carry their kind as in the table output
of ``askless analyze``: ``~`` an estimate, ``≥`` a lower bound, plain text exact.
"""

from __future__ import annotations

import html
import re

from .diff import _delta
from .graph import to_mermaid
from .reportdata import (
    COUNTS,
    MODE_LABELS,
    ProcessReport,
    Report,
    ScenarioReport,
    count_figure,
    fig_text,
    headline,
    league,
    lower_bound,
    prefill_share,
)


def _cell(text: str) -> str:
    """Rule text as a table cell: HTML-escaped (a pull-request comment renders HTML), pipes and
    line breaks neutralised."""
    return html.escape(str(text), quote=False).replace("|", "\\|").replace("\n", " ")


def _table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> list[str]:
    out = ["| " + " | ".join(headers) + " |",
           "|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out + [""]


def _process(r: ProcessReport) -> list[str]:
    p, a = r.process, r.analysis
    out = [f"## {html.escape(p.title.en or p.title.da, quote=False)} (`{p.name}`)", "", f"**{headline(a)}**", ""]
    rows = []
    for mode, name in MODE_LABELS.items():
        block = a["modes"][mode]
        rows.append([name] + [fig_text(count_figure(block, b, k)) for _, b, k in COUNTS]
                    + [fig_text(lower_bound(block))])
    out += _table(["mode"] + [label for label, _, _ in COUNTS] + ["lower bound"], rows, set(range(1, 6)))
    model = a["model"]
    out += ["Expected questions per application; " + ("exact on the finite model." if model.get("exact") else
            "~ marks estimates (" + (model.get("estimated") or "comparisons over amounts taken as yes/no atoms")
            + ")."), ""]
    burden = []
    for mode, name in MODE_LABELS.items():
        b = a["modes"][mode]["burden"]["flow"]
        burden.append([name, f"{b['seconds_per_application']:,.0f}",
                       "–" if b["hours_per_year"] is None else f"~{b['hours_per_year']:,.0f}",
                       "–" if b["dkk_per_year"] is None else f"~{b['dkk_per_year']:,.0f}"])
    out += ["### Burden (minimal flow, Standard Cost Model, estimates)", ""]
    out += _table(["mode", "seconds per application", "hours a year", "DKK a year"], burden, {1, 2, 3})
    assumptions = a["assumptions"]
    out += [f"Tariff DKK {assumptions['tariff_dkk_per_hour']:,.0f} an hour ({assumptions['tariff_source']}); "
            f"seconds per question by type ({assumptions['seconds_source']}).", ""]
    if r.prefill:
        out += ["### Prefill", ""]
        out += _table(["register", "fact", "question asked when anonymous"],
                      [[x.register, f"`{x.fact}`", x.ask] for x in r.prefill])
    out += ["### Top suggestions", ""]
    if r.suggestions:
        rows = []
        for s in r.suggestions:
            e = s.effect
            hours = "not measured" if e is None else "; ".join(
                f"{name} {'–' if e.hours.get(mode) is None else f'~{e.hours[mode]:,.1f} h'}"
                for mode, name in MODE_LABELS.items()) + f" (hours: estimate; question counts: {e.kind})"
            rows.append([s.title, f"`{s.subject}`", s.kind, hours])
        out += _table(["suggestion", "subject", "kind", "hours saved a year"], rows)
    else:
        out += [f"Suggestions: {r.suggestions_note}.", ""]
    hard = [t for t in a["readability"] if t["lix"] >= 45]
    out += ["### Readability", "",
            f"{len(a['readability'])} texts; {len(hard)} at LIX 45 or above (hard or very hard):", ""]
    if hard:
        out += _table(["fact", "text", "LIX", "band"],
                      [[f"`{t['fact']}`", t["text"], f"{t['lix']:.0f}", t["band"]] for t in hard], {2})
    mermaid = to_mermaid(r.graph).rstrip("\n")
    # a fence longer than any run of backticks in the rule text, so that text cannot close it
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", mermaid)), default=0))
    out += ["<details><summary>Dependency graph (Mermaid)</summary>", "", fence + "mermaid",
            mermaid, fence, "", "</details>", ""]
    return out


def _scenario(s: ScenarioReport) -> list[str]:
    out = [f"## Scenario: {s.title}", "", f"Scenario file `{s.file}`, process `{s.diff.process}`.", ""]
    if s.rationale:
        out += [s.rationale, ""]
    out += [f"{i}. {c}" for i, c in enumerate(s.changes, 1)] + [""]
    if s.diff.changes:
        out += ["Rules that change:", ""] + [f"- `{c.render().strip()}`" for c in s.diff.changes] + [""]
    out += _table(["mode", "figure", "before", "after", "change"],
                  [[MODE_LABELS[r.mode], r.figure, fig_text(r.old), fig_text(r.new), _delta(r.old, r.new)]
                   for r in s.diff.metrics], {2, 3, 4})
    k = s.diff.decisions
    decided = k.samples - k.errors
    share = f" ({100 * k.changed / decided:.1f} %)" if decided else ""
    if k.population:
        out += [f"Decisions (exact for this population): {k.changed} of {decided} cases{share} of "
                f"{_cell(k.population)} are decided differently.", ""]
    else:
        out += [f"Decisions (an estimate): {k.changed} of {decided} cases{share} drawn from the answer priors "
                f"(seed {k.seed}) are decided differently.", ""]
    return out


def render(report: Report) -> str:
    names = [r.process.name for r in report.processes]
    out = [f"# askless report: {', '.join(names) if len(names) <= 3 else f'{len(names)} processes'}", "",
           "Questions a citizen answers, anonymous and logged in (MitID prefills register facts). "
           "~ estimate, ≥ lower bound, otherwise exact.", ""]
    if report.population:
        out += [f"Expected values are averages over the population file {report.population}.", ""]
    if report.scenario is not None:
        out += _scenario(report.scenario)
    if len(names) > 1:
        out += ["## League table", ""]
        rows = []
        for r in league(report):
            a = r.analysis
            flows = [a["modes"][m]["flow"] for m in MODE_LABELS]
            hours = a["modes"]["anonymous"]["burden"]["flow"]["hours_per_year"]
            share = prefill_share(a)
            rows.append([r.process.name, str(a["modes"]["anonymous"]["static"]["worst"]["value"])]
                        + [fig_text(f["expected"] if f else None) for f in flows]
                        + ["–" if hours is None else f"~{hours:,.0f}", "–" if share is None else f"{100 * share:.0f} %"])
        out += _table(["process", "questions on the form", "expected, anonymous", "expected, logged in",
                       "hours a year", "prefill share"], rows, {1, 2, 3, 4, 5})
        out += ["## Concepts defined differently", ""]
        if report.concepts:
            out += _table(["concept", "definitions"],
                          [[f"`{c.name}`", "; ".join(f"{p}: {d}" for p, d in c.definitions)] for c in report.concepts])
        else:
            out += ["No fact name is defined differently in two processes.", ""]
    for r in report.processes:
        out += _process(r)
    return "\n".join(out).rstrip("\n") + "\n"
