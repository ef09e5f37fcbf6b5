"""The flow as one self-contained HTML page: ``askless flow PATH --format html``.

:func:`render` returns the text of one HTML file that runs the flow of a process in the browser,
with no network access (inline CSS and JavaScript, a Content-Security-Policy that forbids every
fetch). The page embeds the process as JSON (:func:`payload`: facts, constants, groups and
outcomes, every expression as an AST in the array form of :func:`ast`) and a small interpreter of
it, ``flow.js``, which chooses the questions in one of two ways:

- **exact**, when the finite model of the process can be enumerated: the page also embeds the
  greedy decision graphs of ``askless flow --format json`` (:func:`_dag`) and walks them by the
  answers' classes, so it asks exactly what :class:`analyzer.flow.Flow` asks (the *minimal
  flow* of ``askless analyze``);
- **three-valued** otherwise (boligstoette, byggetilladelse), or when an answer falls outside the
  classes the priors allow: a port of :mod:`analyzer.kleene` and of the greedy policy of
  :func:`analyzer.montecarlo.simulate` (the question the most undecided outcomes still read, ties
  in rule-file order). Sound (the decision shown is the rules' decision for the answers given),
  but it may ask a question the exact flow would skip. The page's footer says which.

The decision is computed from the answers by the same three-valued interpreter (decided values
are exact). The Python code is the oracle of both (tests/test_export_html.py runs them on the same
cases). ``page.js`` draws one question at a time, with back, a "Hvorfor spørger vi? / Why do we
ask?" disclosure (the outcomes the answer can still change and the law behind them), input
validation as :meth:`analyzer.flow.Flow.check`, and at the end the decision with every outcome
and the number of questions asked against the static form.

In ``logged_in`` mode register facts are prefilled: the page shows each one the flow needs as a
"Fra registrene" step that is not counted as a question (a real service fills it in from the
register after MitID log-in; the page lets you type it to try the flow).

>>> from analyzer.expr import parse
>>> ast(parse("alder >= 67 and not lejer"))
['and', ['>=', ['name', 'alder'], ['lit', 67]], ['unary', 'not', ['name', 'lejer']]]

The output is deterministic: the same process and mode give byte-identical text (keys sorted, no
time stamp, the rule file named without its folder).
"""

from __future__ import annotations

import datetime as dt
import html
import json
from importlib import resources
from pathlib import Path
from typing import Any

from .. import burden, finite, flowexport, policies
from ..expr import Binary, Call, Expr, IfElse, ListOf, Literal, Name, Unary
from ..model import Fact, Formula, LawRef, Process, Text

MODES = ("anonymous", "logged_in")
#: the footer's note when the flow minimises the answering time (--objective time)
FOOTER_TIME = ("Forløbet vægter svartiden, ikke kun antallet af spørgsmål: et spørgsmål, der er hurtigt at "
               "svare på, kan komme før et, der afklarer mere. ")
#: how the page chooses its questions, by whether it embeds the exact decision graphs
FOOTER = {
    True: "Spørgsmålene følger det minimale forløb, som askless har beregnet eksakt ud fra reglerne: "
          "hvert spørgsmål er det, der bedst afklarer de afgørelser, der endnu ikke er truffet, og der "
          "spørges kun, mens svaret kan ændre en af dem.",
    False: "Spørgsmålene vælges ved tre-værdi-evaluering af reglerne: et spørgsmål stilles kun, mens svaret "
           "kan ændre en afgørelse, der endnu ikke er truffet. Det er sikkert (afgørelsen er reglernes), men "
           "kan stille et spørgsmål mere end det eksakte minimale forløb.",
}
#: the page forbids every request: a self-contained page needs none
CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
       "base-uri 'none'; form-action 'none'")


def ast(node: Expr) -> list:
    """An expression as nested JSON arrays, the form flow.js interprets (see its header)."""
    if isinstance(node, Literal):
        return ["lit", node.value]
    if isinstance(node, Name):
        return ["name", node.name]
    if isinstance(node, Unary):
        return ["unary", node.op, ast(node.operand)]
    if isinstance(node, Binary):
        return [node.op, ast(node.left), ast(node.right)]
    if isinstance(node, ListOf):
        return ["list", *(ast(i) for i in node.items)]
    if isinstance(node, Call):
        return ["call", node.func, *(ast(a) for a in node.args)]
    if isinstance(node, IfElse):
        return ["if", ast(node.cond), ast(node.then), ast(node.other)]
    raise TypeError(f"not an expression node: {type(node).__name__}")


def _tree(formula: Formula | None) -> list | None:
    if formula is None:
        return None
    if formula.tree is None:
        raise ValueError(f"the expression '{formula.text}' does not parse: check the rule file first")
    return ast(formula.tree)


def _text(t: Text | None) -> dict | None:
    return None if t is None else {"da": t.da, "en": t.en}


def _law(ref: LawRef | None) -> str | None:
    return ref.label() if isinstance(ref, LawRef) else None


def _fact(fact: Fact) -> dict:
    return {
        "name": fact.name, "group": fact.group, "kind": fact.kind, "type": fact.type,
        "ask": _text(fact.ask), "help": _text(fact.help), "law": _law(fact.law),
        "register": fact.register, "unit": fact.unit, "min": fact.min, "max": fact.max,
        "choices": [[c.value, _text(c.label)] for c in fact.choices],
        "applies_if": _tree(fact.applies_if), "derive": _tree(fact.derive), "default": fact.default,
    }


def _outcome(process: Process, name: str) -> dict:
    o = process.outcomes[name]
    return {
        "name": o.name, "kind": o.kind, "title": _text(o.title), "law": _law(o.law), "unit": o.unit,
        "applies_if": _tree(o.applies_if), "when": _tree(o.when), "value": _tree(o.value),
        "cases": [{"when": _tree(c.when), "then": c.then, "value": _tree(c.value), "law": _law(c.law)}
                  for c in o.cases],
        "items": [{"name": i.name, "when": _tree(i.when), "title": _text(i.title), "law": _law(i.law)}
                  for i in o.items],
    }


def _dag(process: Process, mode: str, objective: str = "questions") -> dict | None:
    """The exact greedy decision graphs of :func:`analyzer.flowexport.export` (for ``objective``),
    reduced to what the page walks (per node: the variable asked, ``why``, edges by answer-class
    label and atoms, the decision), with each variable's answer classes and each atom's
    expression; None when the finite model is too large, or (logged in) when a register fact
    applies only under a question's answer (the page then uses three-valued evaluation alone)."""
    try:
        exported = flowexport.export(process, mode, objective)
        model = finite.build(process)
    except (flowexport.TooLarge, finite.TooLarge):
        return None
    if mode == "logged_in":
        for var in model.variables:
            if var.fact.kind == "register" and any(model.variables[i].fact.kind == "question" for i in var.applies_inputs):
                # the graph splits on whether this register fact applies, which the registers alone
                # cannot tell before the citizen answers: the page could not walk it
                return None
    atoms: dict[str, dict] = {}
    for atom in model.atoms:
        if atom.text in atoms:  # two copies of one comparison: the page could not tell them apart
            return None
        atoms[atom.text] = {"tree": ast(atom.node), "group": atom.group, "copy": atom.copy}
    classes = {}
    for var in model.variables:
        classes[var.id] = [{"label": c.label, "point": c.point, "rep": _plain(c.rep), "lo": _plain(c.lo),
                            "hi": _plain(c.hi)} for c in var.classes if c.p > 0]
    keep = ("kind", "variable", "why", "law", "facts", "decided", "outcomes")
    components = []
    for component in exported["components"]:
        nodes = []
        for node in component["nodes"]:
            small = {k: node[k] for k in keep if k in node}
            small["edges"] = [{"label": e.get("label"), "given": e.get("given"), "atoms": e.get("atoms"), "to": e["to"]}
                              for e in node.get("edges", [])]
            nodes.append(small)
        components.append({"nodes": nodes})
    return {"components": components, "classes": classes, "atoms": atoms, "expected": exported["expected"],
            "exact": exported["exact"]}


def _plain(v: Any) -> Any:
    return v.isoformat() if isinstance(v, (dt.date,)) else v


def payload(process: Process, mode: str = "anonymous", objective: str = "questions") -> dict:
    """What the page embeds: the process as plain data, for flow.js and page.js.

    ``order`` ranks every input (member facts once per possible member, ``voksne[2].indkomst``)
    in the order of :func:`analyzer.finite.variables`, which the greedy policy uses to break
    ties; ``dag`` holds the exact decision graphs (:func:`_dag`) or None; ``static`` is what the
    static form asks in ``mode`` (top-level questions, and member questions once per member).
    With the ``time`` objective (analyzer.policies.OBJECTIVES) the graphs minimise the expected
    answering time, and ``objective`` and ``seconds`` (per fact, the Standard Cost Model's
    seconds for its type, analyzer.burden) tell the three-valued flow to weigh each candidate
    per second, as :func:`analyzer.montecarlo.simulate` does."""
    if mode not in MODES:
        raise ValueError(f"mode must be anonymous or logged_in, not {mode!r}")
    if objective not in policies.OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(policies.OBJECTIVES)}, not {objective!r}")
    inputs = [v for v in finite.variables(process) if v.fact.is_input]
    law = process.law
    timed: dict[str, Any] = {}
    if objective == "time":
        a = burden.Assumptions()
        timed = {"objective": objective, "seconds": {f.key: a.seconds_for(f.type) for f in process.all_facts()}}
    return {**timed,
        "format": "askless-html-flow", "version": 1,
        "process": process.name, "file": Path(process.path).name, "mode": mode,
        "title": _text(process.title), "authority": process.authority,
        "law": None if law is None else {"id": law.id, "title": law.title, "url": law.url},
        "constants": {name: c.value for name, c in process.constants.items()},
        "facts": {name: _fact(f) for name, f in process.facts.items()},
        "groups": {name: {"count": g.count, "title": _text(g.title), "facts": {n: _fact(f) for n, f in g.facts.items()}}
                   for name, g in process.groups.items()},
        "outcomes": [_outcome(process, name) for name in process.outcomes],
        "outcomeIndex": {name: i for i, name in enumerate(process.outcomes)},
        "order": {v.id: i for i, v in enumerate(inputs)},
        "dag": _dag(process, mode, objective),
        "static": {"top": sum(1 for f in process.facts.values() if f.asked(mode)),
                   "groups": {name: sum(1 for f in g.facts.values() if f.asked(mode))
                              for name, g in process.groups.items()}},
    }


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _script_json(data: Any) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' can end it or open a comment."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(process: Process, mode: str = "anonymous", objective: str = "questions") -> str:
    """The HTML page of ``process`` in ``mode`` (see the module docstring); with the ``time``
    objective its flow minimises the expected answering time (see :func:`payload`)."""
    data = payload(process, mode, objective)
    title = html.escape(process.title.da)
    mode_text = "logget ind med MitID" if mode == "logged_in" else "uden log-in"
    return f"""<!doctype html>
<html lang="da">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="generator" content="askless flow --format html">
<title>{title}: spørgsmål og afgørelse</title>
<style>
{_asset("page.css")}</style>
</head>
<body>
<a class="skip" href="#main">Gå til spørgsmålet</a>
<header>
<h1>{title}</h1>
<p class="meta">{html.escape(process.authority or "")}{" · " if process.authority else ""}{mode_text}</p>
</header>
<main id="main" tabindex="-1">
<noscript><p>Siden kræver JavaScript for at stille spørgsmålene. This page needs JavaScript.</p></noscript>
<div id="app" aria-live="polite"></div>
</main>
<footer>
<p>Lavet med askless ud fra regelfilen <code>{html.escape(data["file"])}</code>. {FOOTER[data["dag"] is not None]}
{FOOTER_TIME if objective == "time" else ""}Siden henter intet fra nettet.</p>
</footer>
<script type="application/json" id="askless-data">{_script_json(data)}</script>
<script>
{_asset("flow.js")}</script>
<script>
{_asset("page.js")}</script>
</body>
</html>
"""
