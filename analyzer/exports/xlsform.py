"""Render a visibility program as an XLSForm workbook (``.xlsx``: survey, choices, settings).

- every definition of the program is a ``calculate`` row; a yes/no definition is stored as ``1``
  / ``0`` (a stored ``"false"`` would be a true string in XPath) and read back as ``${x} = 1``,
  a number as ``number(${x})``;
- every question is a row in form order with ``relevant`` the program's visibility; a yes/no
  question is ``select_one yesno``, a choice ``select_one`` of its own list, ``int``
  ``integer``, ``number``/``money`` ``decimal`` (``constraint`` from ``min``/``max``);
- a repeated group is ``begin_repeat``/``end_repeat`` with ``repeat_count`` its count question;
  a member's question's ``relevant`` picks the member's visibility by ``position(..)``, and the
  calculations read member answers with ``indexed-repeat()``;
- ``logged_in``: register facts are ``read_only`` questions without ``relevant``: the server fills
  them in (prefilled instance data) before the citizen opens the form;
- the decision: one ``calculate`` per outcome named after it (its value, ``""`` when it does not
  apply) and one ``note`` showing it, relevant once every outcome is decided.

The workbook is byte-identical for the same rules and mode: openpyxl's time stamps (document
properties, zip entries) are replaced by a fixed date.

>>> render_expr(flowcompile.Op("and", (flowcompile.Answered("lejer"), flowcompile.Lit(True))), {})
'((string-length(${lejer}) > 0) and true())'
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from typing import Any

from .. import flowcompile
from ..flowcompile import Answer, Answered, Lit, Op, Program, Ref, Unsupported
from . import literal, text_of

DA, EN = "Dansk (da)", "English (en)"
COLUMNS = ("type", "name", f"label::{DA}", f"label::{EN}", f"hint::{DA}", f"hint::{EN}", "relevant",
           "calculation", "constraint", "read_only", "repeat_count")
CHOICE_COLUMNS = ("list_name", "name", f"label::{DA}", f"label::{EN}")
_INFIX = {"and": "and", "or": "or", "==": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
          "+": "+", "-": "-", "*": "*", "/": "div"}
_FIXED_DATE = "2000-01-01T00:00:00Z"


def _literal(value: Any) -> str:
    return literal(value, "true()", "false()", "XPath")


def _answer(node, facts: dict) -> str:
    group, _, name = node.fact.rpartition(".")
    if node.member is None:
        return f"${{{name}}}"
    return f"indexed-repeat(${{{name}}}, ${{{group}}}, {node.member})"


def render_expr(node, types: dict, facts: dict | None = None) -> str:
    """An IR expression as XPath; ``types`` gives each definition's type (how to read it back)."""
    facts = facts or {}
    if isinstance(node, Lit):
        return _literal(node.value)
    if isinstance(node, Ref):
        kind = types.get(node.name, "str")
        if kind == "bool":
            return f"(${{{node.name}}} = 1)"
        if kind == "number":
            return f"number(${{{node.name}}})"
        return f"${{{node.name}}}"
    if isinstance(node, Answer):
        text = _answer(node, facts)
        return f"({text} = 'yes')" if facts.get(node.fact) == "bool" else text
    if isinstance(node, Answered):
        return f"(string-length({_answer(node, facts)}) > 0)"
    assert isinstance(node, Op)
    args = [render_expr(a, types, facts) for a in node.args]
    op = node.op
    if op in _INFIX:
        return "(" + f" {_INFIX[op]} ".join(args) + ")"
    if op == "not":
        return f"not({args[0]})"
    if op == "neg":
        return f"(0 - {args[0]})"
    if op == "ceil":
        return f"ceiling({args[0]})"
    if op in ("if", "min", "max", "abs", "floor", "round", "concat", "contains"):
        return f"{op}({', '.join(args)})"
    raise AssertionError(op)  # pragma: no cover


def _stored(d: flowcompile.Def, types: dict, facts: dict) -> str:
    if d.type == "any":
        raise Unsupported(f"the value {d.name} can be a number or a text: XLSForm calculations cannot keep both")
    text = render_expr(d.expr, types, facts)
    return f"if({text}, 1, 0)" if d.type == "bool" else text


def _row(**cells: Any) -> dict:
    return {k: v for k, v in cells.items() if v not in (None, "")}


def _labels(text, fallback: str, kind: str = "label") -> dict:
    da, en = text_of(text, fallback)
    return {f"{kind}::{DA}": da, f"{kind}::{EN}": en}


def _question(q: flowcompile.QuestionSpec, types: dict, facts: dict) -> tuple[dict, list[dict]]:
    fact = q.fact
    choices: list[dict] = []
    if fact.type == "bool":
        kind = "select_one yesno"
    elif fact.type == "choice":
        listname = fact.key.replace(".", "_")
        kind = f"select_one {listname}"
        choices = [{"list_name": listname, "name": c.value, **_labels(c.label, c.value)} for c in fact.choices]
    elif fact.type in ("int", "number", "money", "text"):
        kind = {"int": "integer", "text": "text"}.get(fact.type, "decimal")
    else:
        raise Unsupported(f"question '{fact.key}' of type {fact.type}: not supported by the XLSForm export")
    bounds = [f". >= {fact.min}" if fact.min is not None else "", f". <= {fact.max}" if fact.max is not None else ""]
    constraint = " and ".join(b for b in bounds if b) if fact.type in ("int", "number", "money") else ""
    if q.prefilled:
        relevant, read_only = "", "yes"
    elif q.group is None:
        relevant, read_only = render_expr(q.visible[0], types, facts), ""
    else:
        relevant, read_only = " or ".join(f"(position(..) = {i} and {render_expr(v, types, facts)})"
                                          for i, v in enumerate(q.visible, 1)), ""
    row = _row(type=kind, name=fact.name, **_labels(fact.ask, fact.name), **_labels(fact.help, "", "hint")
               if fact.help else {}, relevant=relevant, constraint=constraint, read_only=read_only)
    return row, choices


def sheets(program: Program) -> dict[str, list[dict]]:
    """The three sheets as rows (dicts by column), before they are written to a workbook."""
    process = program.process
    types = {d.name: d.type for d in program.defs}
    facts = {f.key: f.type for f in process.all_facts() if f.is_input}
    survey = [_row(type="calculate", name=d.name, calculation=_stored(d, types, facts)) for d in program.defs]
    choices = [{"list_name": "yesno", "name": "yes", f"label::{DA}": "Ja", f"label::{EN}": "Yes"},
               {"list_name": "yesno", "name": "no", f"label::{DA}": "Nej", f"label::{EN}": "No"}]
    for q in program.questions:
        if q.group is None:
            row, more = _question(q, types, facts)
            survey.append(row)
            choices += more
    for g in program.groups:
        group = process.groups[g.name]
        members = [q for q in program.questions if q.group == g.name]
        shown = flowcompile.Op("or", tuple(v for q in members for v in q.visible) + (Lit(False),))
        survey.append(_row(type="begin_repeat", name=g.name, **_labels(group.title, g.name),
                           repeat_count=f"${{{g.count}}}", relevant=render_expr(shown, types, facts)))
        for q in members:
            row, more = _question(q, types, facts)
            survey.append(row)
            choices += more
        survey.append({"type": "end_repeat"})
    decided = render_expr(program.decided, types, facts)
    survey.append(_row(type="begin_group", name="decision", **_labels(None, "Afgørelse"), relevant=decided))
    for o in program.outcomes:
        outcome = o.outcome
        value = render_expr(o.value, types, facts)
        if o.type == "bool":
            value = f"if({value}, 'ja', 'nej')"
        guard = render_expr(Op("and", (o.known, Op("not", (o.null,)))), types, facts)
        survey.append(_row(type="calculate", name=outcome.name, calculation=f"if({guard}, {value}, '')"))
        da, en = text_of(outcome.title, outcome.name)
        unit = f" {outcome.unit}" if outcome.unit else ""
        survey.append(_row(type="note", name=f"{outcome.name}_note", **{
            f"label::{DA}": f"{da}: ${{{outcome.name}}}{unit}", f"label::{EN}": f"{en or da}: ${{{outcome.name}}}{unit}"}))
    survey.append({"type": "end_group"})
    digest = hashlib.sha256(repr((survey, choices)).encode("utf-8")).hexdigest()[:10]
    title = text_of(process.title, process.name)[0]
    settings = [{"form_title": title, "form_id": process.name, "version": digest, "default_language": DA}]
    return {"survey": survey, "choices": choices, "settings": settings}


def render(program: Program) -> bytes:
    """The XLSForm workbook of ``program`` as the bytes of an ``.xlsx`` file (deterministic)."""
    from openpyxl import Workbook

    data = sheets(program)
    book = Workbook()
    book.remove(book.active)
    layout = {"survey": COLUMNS, "choices": CHOICE_COLUMNS,
              "settings": ("form_title", "form_id", "version", "default_language")}
    for name, columns in layout.items():
        sheet = book.create_sheet(name)
        sheet.append(list(columns))
        for row in data[name]:
            sheet.append([row.get(c) for c in columns])
        for cells in sheet.iter_rows():
            for cell in cells:
                # openpyxl stores a text starting with "=" as a formula: rule text is never one
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    raw = io.BytesIO()
    book.save(raw)
    return _fixed_times(raw.getvalue())


def _fixed_times(xlsx: bytes) -> bytes:
    """The same workbook with every time stamp (document properties, zip entries) fixed."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + _FIXED_DATE.encode(),
                                 content)
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, content)
    return out.getvalue()
