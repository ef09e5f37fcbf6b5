"""The HTML report: one self-contained page (inline CSS and SVG, no script, no network).

:func:`render` turns a :class:`analyzer.reportdata.Report` into HTML. The page is built for a
screen reader and for print: one ``<h1>``, an ``<h2>`` per process (and for the league table,
the concepts and the scenario), ``<h3>`` per part; every chart is an SVG with ``<title>`` and
``<desc>`` followed by a data table with the same figures; colours are dark enough for 4.5:1
contrast; ``@media print`` drops the screen layout. English labels, the Danish texts of the
questions as written (``lang="da"`` on them).

Every figure from the analysis is written as text with its kind (``~`` estimate, ``≥`` bound)
and carries ``data-figure="MODE.BLOCK.KEY"`` and ``data-value`` (the unrounded value), so the
tests compare the page with :func:`analyzer.metrics.analyze` exactly. Same data -> same bytes.
"""

from __future__ import annotations

from html import escape

from . import __version__, charts, graphsvg
from .diff import Decisions
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

CSS = """
:root { color: #111827; background: #ffffff; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 1100px;
       margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; } h2 { font-size: 1.35rem; border-bottom: 2px solid #1d4ed8;
     margin-top: 2.5rem; } h3 { font-size: 1.08rem; margin-top: 1.6rem; }
.headline { font-size: 1.1rem; background: #eff6ff; border-left: 4px solid #1d4ed8; padding: .5rem .8rem; }
.note, caption, .meta { color: #374151; font-size: .88rem; } caption { text-align: left; padding: .2rem 0; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid #d1d5db; padding: .25rem .5rem; text-align: left; vertical-align: top; }
td { overflow-wrap: break-word; } td code { overflow-wrap: anywhere; }
thead th { background: #f3f4f6; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
svg text { font: 12px system-ui, sans-serif; fill: #111827; } svg .value { font-weight: 600; }
svg .edge { fill: none; stroke: #6b7280; stroke-width: 1; } svg .node { font-size: 11px; }
.scroll { overflow-x: auto; border: 1px solid #e5e7eb; } nav ul { columns: 2; }
a { color: #1d4ed8; } details { margin: .4rem 0 1rem; } summary { cursor: pointer; }
.kind { font-size: .8rem; color: #374151; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; } nav { display: none; }
  section.process, section.scenario { break-before: page; } h3, table, svg { break-inside: avoid; }
  .scroll { overflow: visible; border: none; } .scroll svg { max-width: 100%; height: auto; }
  details { display: block; } details > summary { display: none; } a { color: inherit; }
}
"""


def _attr(fig: dict | None, path: str) -> str:
    if not fig or fig.get("value") is None:
        return f'data-figure="{path}"'
    return f'data-figure="{path}" data-value="{fig["value"]!r}" data-kind="{fig.get("kind", "")}"'


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name)


def _counts(r: ProcessReport, slug: str) -> str:
    """The chart of question counts, both modes, and its data table."""
    categories = [label for label, _, _ in COUNTS] + ["lower bound"]
    series, attrs = [], []
    for mode, name in MODE_LABELS.items():
        block = r.analysis["modes"][mode]
        figs = [count_figure(block, b, k) for _, b, k in COUNTS] + [lower_bound(block)]
        series.append(charts.Series(name, tuple(f["value"] if f else None for f in figs),
                                    tuple(fig_text(f) for f in figs)))
        attrs.append([_attr(f, f"{mode}.{b}.{k}") for f, (_, b, k) in zip(figs, COUNTS + (("", "bound", "max"),))])
    cell_attrs = [[attrs[m][c] for m in range(len(series))] for c in range(len(categories))]
    desc = "Expected questions per application. " + "; ".join(
        f"{s.name}: " + ", ".join(f"{c} {label}" for c, label in zip(categories, s.labels)) for s in series) + "."
    chart = charts.bar_chart(f"counts-{slug}", f"Questions asked in {r.process.name}, both modes", desc,
                             categories, series, "questions")
    table = charts.data_table("Expected questions per application (~ estimate, ≥ lower bound)", categories, series,
                              cell_attrs, head="flow")
    return chart + "\n" + table


def _method_notes(analysis: dict) -> str:
    items = []
    for mode, name in MODE_LABELS.items():
        block = analysis["modes"][mode]
        for label, b, k in COUNTS:
            fig = count_figure(block, b, k)
            if fig:
                items.append(f"<li>{escape(name)}, {escape(label)}: {escape(fig['kind'])}; {escape(fig['method'])}</li>")
        bound = lower_bound(block)
        if bound:
            items.append(f"<li>{escape(name)}, lower bound: {escape(bound['kind'])}; {escape(bound['method'])}</li>")
    model = analysis["model"]
    lead = ("Exact on the finite model." if model.get("exact") else
            "Some figures are estimates: " + escape(model.get("estimated") or "the finite model has atoms") + ".")
    return (f'<details><summary>How each figure was computed</summary><p class="note">{lead}</p>'
            f'<ul class="note">{"".join(items)}</ul></details>')


def _burden(r: ProcessReport) -> str:
    a = r.analysis["assumptions"]
    volume = r.process.volume
    rows = []
    for mode, name in MODE_LABELS.items():
        b = r.analysis["modes"][mode]["burden"]
        for which, label in (("static", "static form"), ("flow", "minimal flow")):
            fig = b[which]
            hours, dkk = fig["hours_per_year"], fig["dkk_per_year"]
            rows.append(f'<tr><th scope="row">{name}, {label}</th>'
                        f'<td class="num">{fig["seconds_per_application"]:,.0f}</td>'
                        f'<td class="num" data-figure="{mode}.burden.{which}.hours_per_year" '
                        f'data-value="{hours!r}">{"–" if hours is None else f"~{hours:,.0f}"}</td>'
                        f'<td class="num">{"–" if dkk is None else f"~{dkk:,.0f}"}</td></tr>')
    seconds = ", ".join(f"{t} {s:g} s" for t, s in a["seconds"].items())
    if volume:
        vol = f"{volume.applications_per_year:,.0f} applications a year ({escape(volume.source or volume.assumption or 'no source given')})"
    else:
        vol = "no volume declared in the rule file, so no yearly figures"
    return ("<table><caption>Citizen burden a year (Standard Cost Model; all estimates)</caption><thead><tr>"
            '<th scope="col">mode, flow</th><th scope="col" class="num">seconds per application</th>'
            '<th scope="col" class="num">hours a year</th><th scope="col" class="num">DKK a year</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
            '<p class="note">Assumptions: seconds per question by type: ' + escape(seconds) + " ("
            + escape(a["seconds_source"]) + "); tariff DKK " + f"{a['tariff_dkk_per_hour']:,.0f}" + " an hour ("
            + escape(a["tariff_source"]) + "); volume: " + vol + ". Hours = seconds per application × applications "
            "a year ÷ 3,600; DKK = hours × tariff.</p>")


def _prefill(r: ProcessReport) -> str:
    if not r.prefill:
        return '<p>No register fact: every question is asked in both modes.</p>'
    rows = "".join(
        f'<tr><td>{escape(p.register)}{" – " + escape(p.register_title) if p.register_title else ""}</td>'
        f'<td><code>{escape(p.fact)}</code></td><td>{escape(p.field) or "–"}</td>'
        f'<td lang="da">{escape(p.ask)}</td></tr>' for p in r.prefill)
    return ("<table><caption>Register facts: prefilled when the citizen is logged in (MitID), asked otherwise"
            '</caption><thead><tr><th scope="col">register</th><th scope="col">fact</th><th scope="col">field</th>'
            f'<th scope="col">question asked when anonymous</th></tr></thead><tbody>{rows}</tbody></table>')


def _saved(s) -> str:
    e = s.effect
    if e is None:
        return "not measured"
    parts = []
    for mode, name in MODE_LABELS.items():
        h = e.hours.get(mode)
        parts.append(f"{name}: {'–' if h is None else f'~{h:,.1f} h'}")
    return "; ".join(parts) + f" a year (hours: estimate; question counts: {e.kind})"


def _decisions_text(k: Decisions, decided: int, share: str) -> str:
    if k.population:
        return (f"Exact for this population: {k.changed} of {decided} cases ({share}) of {escape(k.population)} "
                "are decided differently after the scenario.")
    return (f"An estimate: {k.changed} of {decided} cases ({share}) drawn from the answer priors (seed {k.seed}) "
            "are decided differently after the scenario.")


def _suggestions(r: ProcessReport) -> str:
    if not r.suggestions:
        return f'<p class="note">Suggestions: {escape(r.suggestions_note)}.</p>'
    rows = []
    for s in r.suggestions:
        method = s.effect.method if s.effect is not None else ""
        rows.append(f'<tr><td>{escape(s.title)}</td><td><code>{escape(s.subject)}</code></td>'
                    f'<td>{escape(s.kind)}</td><td>{escape(_saved(s))}'
                    f'{"<br><span class=kind>" + escape(method) + "</span>" if method else ""}</td>'
                    f'<td><code>{escape(s.location())}</code></td></tr>')
    return ("<table><caption>Top suggestions, by citizen hours saved a year (askless suggest shows the evidence)"
            '</caption><thead><tr><th scope="col">suggestion</th><th scope="col">subject</th><th scope="col">kind</th>'
            f'<th scope="col">effect: hours saved</th><th scope="col">where</th></tr></thead><tbody>{"".join(rows)}'
            "</tbody></table>")


def _graph(r: ProcessReport, slug: str) -> str:
    svg = graphsvg.to_svg(r.graph, f"graph-{slug}", f"Dependency graph of {r.process.name}: law, outcome, "
                                                       "derived fact, question or register fact, register")
    rows = "".join(f"<tr><td>{escape(kind)}</td><td><code>{escape(name)}</code></td>"
                   f"<td>{escape(', '.join(reads)) or '–'}</td></tr>"
                   for kind, name, reads in graphsvg.dependency_text(r.graph))
    return (f'<div class="scroll">{svg}</div><details><summary>The dependencies as a table</summary><table>'
            '<caption>Each node and what it decides, reads or is held by</caption><thead><tr><th scope="col">kind</th>'
            f'<th scope="col">name</th><th scope="col">reads</th></tr></thead><tbody>{rows}</tbody></table></details>')


def _readability(r: ProcessReport) -> str:
    texts = {(f.key, "ask"): f.ask.da for f in r.process.all_facts() if f.ask}
    texts |= {(f.key, "help"): f.help.da for f in r.process.all_facts() if f.help}
    if not r.analysis["readability"]:
        return "<p>No question or help text.</p>"
    rows = "".join(
        f'<tr><td><code>{escape(t["fact"])}</code> ({escape(t["text"])})</td>'
        f'<td lang="da">{escape(texts.get((t["fact"], t["text"]), ""))}</td>'
        f'<td class="num" data-figure="readability.{escape(t["fact"])}.{t["text"]}" data-value="{t["lix"]!r}">'
        f'{t["lix"]:.0f}</td><td>{escape(t["band"])}</td><td lang="da">{escape(", ".join(t["long_words"]))}</td></tr>'
        for t in r.analysis["readability"])
    return ("<table><caption>LIX of each question and help text (exact: words per sentence + 100 × long words ÷ "
            "words; Danish bands: ≤24 very easy, 25–34 easy, 35–44 medium, 45–54 hard, ≥55 very hard)</caption>"
            '<thead><tr><th scope="col">fact</th><th scope="col">text</th><th scope="col" class="num">LIX</th>'
            '<th scope="col">band</th><th scope="col">long words</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def _dead(r: ProcessReport) -> str:
    items = []
    for mode, name in MODE_LABELS.items():
        for d in r.analysis["modes"][mode]["dead_questions"]:
            items.append(f"<li>{escape(name)}: <code>{escape(d['question'])}</code>: {escape(d['reason'])} "
                         f"({escape(d['kind'])})</li>")
    return f"<ul>{''.join(items)}</ul>" if items else "<p>None: every question can change an outcome.</p>"


def _process(r: ProcessReport) -> str:
    p = r.process
    slug = _slug(p.name)
    title = p.title.en or p.title.da
    law = ""
    if p.law:
        law_text = escape(p.law.id + (f": {p.law.title}" if p.law.title else ""))
        # only web links: a javascript: or data: URL in a rule file must not become a link
        web = p.law.url and p.law.url.lower().startswith(("https://", "http://"))
        law = f'<a href="{escape(p.law.url)}">{law_text}</a>' if web else law_text
    meta = " · ".join(x for x in (f"rule file <code>{escape(p.path)}</code>", escape(p.authority or ""), law) if x)
    return "\n".join([
        f'<section class="process" id="p-{slug}" aria-labelledby="h-{slug}">',
        f'<h2 id="h-{slug}">{escape(title)} <span lang="da">({escape(p.title.da)})</span></h2>'
        if p.title.en and p.title.en != p.title.da else f'<h2 id="h-{slug}">{escape(title)}</h2>',
        f'<p class="meta">{meta}</p>',
        f'<p class="headline" data-headline="{escape(p.name)}">{escape(headline(r.analysis))}</p>',
        "<h3>Questions asked</h3>", _counts(r, slug), _method_notes(r.analysis),
        "<h3>Burden</h3>", _burden(r),
        "<h3>Prefill: which register answers what</h3>", _prefill(r),
        "<h3>Top suggestions</h3>", _suggestions(r),
        "<h3>Dependency graph</h3>", _graph(r, slug),
        "<h3>Dead questions</h3>", _dead(r),
        "<h3>Readability of each question</h3>", _readability(r),
        "</section>"])


def _league(report: Report) -> str:
    rows = []
    for r in league(report):
        a = r.analysis
        cells = []
        for mode in MODE_LABELS:
            flow = a["modes"][mode]["flow"]
            fig = flow["expected"] if flow else None
            cells.append(f'<td class="num" {_attr(fig, f"{mode}.flow.expected")}>{escape(fig_text(fig))}</td>')
        hours = a["modes"]["anonymous"]["burden"]["flow"]["hours_per_year"]
        share = prefill_share(a)
        rows.append(f'<tr><th scope="row"><a href="#p-{_slug(r.process.name)}">{escape(r.process.name)}</a></th>'
                    f'<td class="num">{a["modes"]["anonymous"]["static"]["worst"]["value"]}</td>{"".join(cells)}'
                    f'<td class="num">{"–" if hours is None else f"~{hours:,.0f}"}</td>'
                    f'<td class="num">{"–" if share is None else f"{100 * share:.0f} %"}</td></tr>')
    return ('<section id="league" aria-labelledby="h-league"><h2 id="h-league">League table</h2>'
            "<table><caption>Processes by expected questions with the minimal flow (anonymous), most first. "
            "Prefill share: the share of the static form's questions a logged-in citizen does not answer (exact); "
            "hours: citizen hours a year, anonymous, minimal flow (an estimate).</caption><thead><tr>"
            '<th scope="col">process</th><th scope="col" class="num">questions on the form</th>'
            '<th scope="col" class="num">expected, anonymous</th><th scope="col" class="num">expected, logged in</th>'
            '<th scope="col" class="num">hours a year</th><th scope="col" class="num">prefill share</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></section>")


def _concepts(report: Report) -> str:
    if not report.concepts:
        body = "<p>No fact name is defined differently in two processes.</p>"
    else:
        rows = "".join(f"<tr><td><code>{escape(c.name)}</code></td><td><ul>"
                       + "".join(f"<li>{escape(p)}: {escape(d)}</li>" for p, d in c.definitions) + "</ul></td></tr>"
                       for c in report.concepts)
        body = ("<table><caption>The same name, different definitions (digital-ready legislation, principle 4: "
                'common concepts)</caption><thead><tr><th scope="col">concept</th><th scope="col">definitions</th>'
                f"</tr></thead><tbody>{rows}</tbody></table>")
    return ('<section id="concepts" aria-labelledby="h-concepts"><h2 id="h-concepts">Concepts defined differently '
            f"across processes</h2>{body}</section>")


def _scenario(s: ScenarioReport) -> str:
    from .diff import _delta

    categories = [f"{MODE_LABELS[r.mode]}: {r.figure}" for r in s.diff.metrics if "questions" in r.figure]
    rows = [r for r in s.diff.metrics if "questions" in r.figure]
    series = [charts.Series(name, tuple(getattr(r, key)["value"] if getattr(r, key) else None for r in rows),
                            tuple(fig_text(getattr(r, key)) for r in rows)) for name, key in
              (("before", "old"), ("after", "new"))]
    chart = charts.bar_chart("scenario", f"Scenario {s.name}: questions before and after",
                             "Expected questions per application before and after the scenario, per mode and flow.",
                             categories, series, "questions")
    table_rows = "".join(
        f"<tr><th scope=\"row\">{escape(MODE_LABELS[r.mode])}: {escape(r.figure)}</th>"
        f'<td class="num">{escape(fig_text(r.old))}</td><td class="num">{escape(fig_text(r.new))}</td>'
        f'<td class="num">{escape(_delta(r.old, r.new))}</td></tr>' for r in s.diff.metrics)
    changes = "".join(f"<li>{escape(c)}</li>" for c in s.changes)
    defs = "".join(f"<li><code>{escape(c.render().strip())}</code></li>" for c in s.diff.changes)
    k = s.diff.decisions
    decided = k.samples - k.errors
    share = f"{100 * k.changed / decided:.1f} %" if decided else "–"
    outcomes = "".join(f"<li><code>{escape(name)}</code>: {n} of {decided} cases</li>" for name, n in k.by_outcome.items())
    return "\n".join([
        '<section class="scenario" id="scenario" aria-labelledby="h-scenario">',
        f'<h2 id="h-scenario">Scenario: {escape(s.title)}</h2>',
        f'<p class="meta">scenario file <code>{escape(s.file)}</code> · process <code>{escape(s.diff.process)}</code></p>',
        f"<p>{escape(s.rationale)}</p>" if s.rationale else "",
        f"<h3>Changes</h3><ol>{changes}</ol>",
        "<h3>Questions before and after</h3>", chart,
        '<table><caption>Figures before and after (~ estimate, ≥ lower bound)</caption><thead><tr>'
        '<th scope="col">figure</th><th scope="col" class="num">before</th><th scope="col" class="num">after</th>'
        f'<th scope="col" class="num">change</th></tr></thead><tbody>{table_rows}</tbody></table>',
        f"<h3>Rules that change</h3><ul>{defs or '<li>none</li>'}</ul>",
        "<h3>Decisions that change</h3>",
        f'<p data-figure="scenario.decisions.changed" data-value="{k.changed}">{_decisions_text(k, decided, share)}'
        "</p>", f"<ul>{outcomes}</ul>" if outcomes else "",
        "</section>"])


def render(report: Report) -> str:
    """The whole page."""
    names = [r.process.name for r in report.processes]
    title = f"askless report: {', '.join(names)}" if len(names) <= 3 else f"askless report: {len(names)} processes"
    nav = "".join(f'<li><a href="#p-{_slug(n)}">{escape(n)}</a></li>' for n in names)
    extra = []
    if report.scenario is not None:
        extra.append('<li><a href="#scenario">Scenario</a></li>')
    if len(names) > 1:
        extra += ['<li><a href="#league">League table</a></li>', '<li><a href="#concepts">Concepts</a></li>']
    intro = ("How many questions each process asks a citizen, in both modes: <strong>anonymous</strong> (register "
             "facts are asked) and <strong>logged in</strong> with MitID (register facts are prefilled). "
             "~ marks an estimate, ≥ a lower bound that no form can beat; other figures are exact.")
    if report.population:
        intro += f" Expected values are averages over the population file {escape(report.population)}."
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             # self-contained: no script runs and nothing is fetched, whatever a rule file holds
             '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; '
             'img-src data:">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{escape(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
             '<header><h1>' + escape(title) + "</h1>", f'<p class="meta">askless {escape(__version__)}</p>',
             f"<p>{intro}</p></header>",
             f'<nav aria-label="Contents"><ul>{"".join(extra)}{nav}</ul></nav>', "<main>"]
    if report.scenario is not None:
        parts.append(_scenario(report.scenario))
    if len(names) > 1:
        parts += [_league(report), _concepts(report)]
    parts += [_process(r) for r in report.processes]
    parts += ["</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"
