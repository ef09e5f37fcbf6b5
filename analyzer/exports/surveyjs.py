"""Render a visibility program as a SurveyJS form (JSON for ``new Survey.Model(json)``).

- every definition of the program is a ``calculatedValues`` entry (SurveyJS recomputes them when
  an answer changes, in dependency order, whatever their order in the list);
- every question is an element of one page, in form order, with ``visibleIf`` the program's
  visibility; a repeated group is a ``paneldynamic`` whose ``panelCountExpression`` is its count
  question, and whose template's ``visibleIf`` picks the member's visibility by ``{panelIndex}``;
- ``logged_in``: register facts are hidden (``visible: false``) and the host page sets them
  (``survey.mergeData({...})``) before showing the form; ``clearInvisibleValues`` is ``none`` so
  SurveyJS keeps them (and the values of questions that no longer matter, which the program
  ignores on its own when their ``applies_if`` fails);
- a last panel ``decision``, visible once every outcome is decided, shows each outcome as an
  ``expression`` question named after it (its value is in ``survey.data`` too; ``""`` when the
  outcome does not apply).

Texts are localizable: Danish is the default, English under ``en`` (``survey.locale = "en"``).

>>> render_expr(flowcompile.Op("and", (flowcompile.Answered("lejer"), flowcompile.Ref("x_k"))))
'(({lejer} notempty) and {x_k})'
"""

from __future__ import annotations

from typing import Any

from .. import flowcompile
from ..flowcompile import Answer, Answered, Lit, Op, Program, Ref, Unsupported
from . import literal, text_of

_INFIX = {"and": "and", "or": "or", "==": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
          "+": "+", "-": "-", "*": "*", "/": "/", "concat": "+", "contains": "contains"}


def _literal(value: Any) -> str:
    return literal(value, "true", "false", "SurveyJS expressions")


def _var(fact: str, member: int | None) -> str:
    group, _, name = fact.rpartition(".")
    return f"{{{group}[{member - 1}].{name}}}" if member is not None else f"{{{name}}}"


def render_expr(node, inline: dict | None = None) -> str:
    """An IR expression as a SurveyJS expression; a Ref to a definition in ``inline`` is written
    out in place (its rendered text)."""
    if isinstance(node, Lit):
        return _literal(node.value)
    if isinstance(node, Ref):
        if inline and node.name in inline:
            return inline[node.name]
        return f"{{{node.name}}}"
    if isinstance(node, Answer):
        return _var(node.fact, node.member)
    if isinstance(node, Answered):
        return f"({_var(node.fact, node.member)} notempty)"
    assert isinstance(node, Op)
    args = [render_expr(a, inline) for a in node.args]
    op = node.op
    if op == "concat":
        # '' first: two empty calculated values would otherwise add up to the number 0
        return "(" + " + ".join(["''"] + args) + ")"
    if op in _INFIX:
        return "(" + f" {_INFIX[op]} ".join(args) + ")"
    if op == "not":
        return f"!{args[0]}"
    if op == "if":
        return f"iif({args[0]}, {args[1]}, {args[2]})"
    if op == "neg":
        return f"(0 - {args[0]})"
    if op in ("min", "max", "round"):
        return f"{op}({', '.join(args)})"
    x = args[0]
    if op == "abs":
        return f"iif({x} < 0, 0 - {x}, {x})"
    if op == "floor":  # no floor() in SurveyJS; % keeps the sign of x, as in JavaScript
        return f"iif({x} % 1 < 0, {x} - {x} % 1 - 1, {x} - {x} % 1)"
    if op == "ceil":
        return f"iif({x} % 1 > 0, {x} - {x} % 1 + 1, {x} - {x} % 1)"
    raise AssertionError(op)  # pragma: no cover


def _loc(da: str, en: str | None) -> Any:
    return {"default": da, "en": en} if en else da


#: a definition used once is written out where it is used, up to this many characters: SurveyJS
#: looks each variable up by scanning all of them, so fewer calculated values run faster
INLINE_CHARS = 3000


def _uses(node, found: dict, weight: int = 1) -> None:
    if isinstance(node, Ref):
        found[node.name] = found.get(node.name, 0) + weight
    elif isinstance(node, Op):
        # abs, floor and ceil write their argument three times
        inner = weight * (3 if node.op in ("abs", "floor", "ceil") else 1)
        for a in node.args:
            _uses(a, found, inner)


def _plan(program: Program) -> tuple[dict, list]:
    """(the rendered text of each definition written out in place, the calculated values)."""
    uses: dict = {}
    for d in program.defs:
        _uses(d.expr, uses)
    for q in program.questions:
        for v in q.visible:
            _uses(v, uses, 2 if q.group else 1)
    for o in program.outcomes:
        for part in (o.known, o.null, o.value):
            _uses(part, uses, 2)  # the decision element and outcome_expressions() both read it
    _uses(program.decided, uses, 2)
    inline: dict = {}
    calculated = []
    for d in program.defs:
        text = render_expr(d.expr, inline)
        if uses.get(d.name, 0) == 1 and len(text) <= INLINE_CHARS:
            inline[d.name] = text
        else:
            calculated.append({"name": d.name, "expression": text})
    return inline, calculated


def outcome_expressions(program: Program) -> dict:
    """Per outcome, the SurveyJS expressions of its known / null / value parts (for
    ``survey.runExpression``)."""
    inline, _ = _plan(program)
    return {o.outcome.name: {"known": render_expr(o.known, inline), "null": render_expr(o.null, inline),
                             "value": render_expr(o.value, inline)} for o in program.outcomes}


def _question(q: flowcompile.QuestionSpec, inline: dict) -> dict:
    fact = q.fact
    da, en = text_of(fact.ask, fact.name)
    element: dict[str, Any] = {"name": fact.name, "title": _loc(da, en)}
    if fact.help is not None:
        element["description"] = _loc(*text_of(fact.help, ""))
    if fact.type == "bool":
        element.update(type="boolean", labelTrue=_loc("Ja", "Yes"), labelFalse=_loc("Nej", "No"))
    elif fact.type == "choice":
        element.update(type="radiogroup", choices=[
            {"value": c.value, "text": _loc(*text_of(c.label, c.value))} for c in fact.choices])
    elif fact.type in ("int", "number", "money"):
        element.update(type="text", inputType="number")
        if fact.min is not None:
            element["min"] = fact.min
        if fact.max is not None:
            element["max"] = fact.max
        if fact.type == "int":
            element["step"] = 1
    elif fact.type == "text":
        element["type"] = "text"
    else:
        raise Unsupported(f"question '{fact.key}' of type {fact.type}: not supported by the SurveyJS export")
    if q.prefilled:
        element.update(visible=False, readOnly=True)
    elif q.group is None:
        element["visibleIf"] = render_expr(q.visible[0], inline)
    else:
        element["visibleIf"] = " or ".join(f"({{panelIndex}} = {i} and {render_expr(v, inline)})"
                                           for i, v in enumerate(q.visible))
    return element


def _outcome(o: flowcompile.OutcomeSpec, inline: dict) -> dict:
    outcome = o.outcome
    shown = o.value
    if o.type == "items":
        shown = flowcompile.Op("concat", tuple(
            flowcompile.Op("if", (flowcompile.Op("contains", (o.value, Lit(f"|{item.name}|"))),
                                  Lit(text_of(item.title, item.name)[0] + "; "), Lit("")))
            for item in sorted(outcome.items, key=lambda i: i.name)))
    guard = flowcompile.Op("and", (o.known, flowcompile.Op("not", (o.null,))))
    title = text_of(outcome.title, outcome.name)
    element = {"type": "expression", "name": outcome.name, "title": _loc(*title),
               "expression": f"iif({render_expr(guard, inline)}, {render_expr(shown, inline)}, '')"}
    if outcome.unit:
        element["description"] = outcome.unit
    return element


def render(program: Program) -> dict:
    """The SurveyJS form JSON of ``program`` (see the module docstring)."""
    process = program.process
    inline, calculated = _plan(program)
    elements: list[dict] = []
    for q in program.questions:
        if q.group is None:
            elements.append(_question(q, inline))
    for g in program.groups:
        group = process.groups[g.name]
        members = [q for q in program.questions if q.group == g.name]
        template = [_question(q, inline) for q in members]
        # visible when some member's question is (the panel's own condition has no {panelIndex})
        shown = render_expr(flowcompile.Op("or", tuple(v for q in members for v in q.visible) + (Lit(False),)),
                            inline)
        elements.append({"type": "paneldynamic", "name": g.name, "title": _loc(*text_of(group.title, g.name)),
                         "panelCountExpression": f"{{{g.count}}}", "maxPanelCount": g.max,
                         "allowAddPanel": False, "allowRemovePanel": False,
                         "visibleIf": shown, "templateElements": template})
    elements.append({"type": "panel", "name": "decision", "title": _loc("Afgørelse", "Decision"),
                     "visibleIf": render_expr(program.decided, inline),
                     "elements": [_outcome(o, inline) for o in program.outcomes]})
    return {
        "title": _loc(*text_of(process.title, process.name)),
        "clearInvisibleValues": "none",
        "calculatedValues": calculated,
        "pages": [{"name": "flow", "elements": elements}],
    }
