"""Structural validation of rule files against the shipped JSON Schemas.

The schemas (``process.schema.json``, ``registers.schema.json`` beside this file) are the single
source of truth for the shape of a rule file: editors use them through a
``# yaml-language-server: $schema=...`` line, and askless uses them here. jsonschema's errors are
translated into askless diagnostics that point at the offending key or value, say what was
expected, and suggest the nearest valid key.

A document is first checked by fastjsonschema, which compiles the same (shipped) schema into
Python once: a valid document, the usual case, costs a tenth of jsonschema's time (0.08 s
against 1.05 s on the 3,000-question benchmark file). Only a document it rejects is walked by
jsonschema, whose errors carry the paths the diagnostics need. The schemas use no keyword whose
meaning differs between draft 7 (fastjsonschema's newest) and 2020-12;
tests/test_diagnostics.py checks that both accept and reject the same documents.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema
import jsonschema
from jsonschema.exceptions import ValidationError

from ..diagnostics import Diagnostic, did_you_mean, make
from ..yamlread import Document, Mapping, node_at, to_plain

PROCESS = "process.schema.json"
REGISTERS = "registers.schema.json"


@cache
def load_schema(name: str) -> dict:
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(load_schema(name))


@cache
def _fast(name: str) -> Any:
    """fastjsonschema's compiled check of the schema ``name`` (read as draft 7: see the module
    docstring); raises fastjsonschema.JsonSchemaException on the first error."""
    return fastjsonschema.compile({**load_schema(name), "$schema": "http://json-schema.org/draft-07/schema#"})


def accepts(data: Any, name: str) -> bool:
    """Whether ``data`` fits the schema ``name`` (fastjsonschema's fast check alone)."""
    try:
        _fast(name)(data)
    except fastjsonschema.JsonSchemaException:
        return False
    except Exception:  # noqa: BLE001 - anything else it trips on: jsonschema decides
        return False
    return True


def schema_path(name: str) -> str:
    """The schema file's path on disk (for the yaml-language-server line)."""
    return str(resources.files(__package__).joinpath(name))


def validate(doc: Document, name: str) -> list[Diagnostic]:
    """Diagnostics for every place where the document does not fit the schema ``name``."""
    data = to_plain(doc.root)
    if accepts(data, name):
        return []
    found: dict[tuple, Diagnostic] = {}
    for error in _validator(name).iter_errors(data):
        for diagnostic in _translate(doc, error):
            found.setdefault((diagnostic.line, diagnostic.col, diagnostic.message), diagnostic)
    return sorted(found.values())


def describe(path: list[Any] | tuple[Any, ...]) -> str:
    """A path in words: ``['facts', 'alder', 'type']`` -> "'type' of fact 'alder'"."""
    path = list(path)
    words = {"facts": "fact", "constants": "constant", "outcomes": "outcome", "groups": "group",
             "laws": "law", "items": "item", "registers": "register"}
    parts: list[str] = []
    i = 0
    while i < len(path):
        step = path[i]
        nxt = path[i + 1] if i + 1 < len(path) else None
        if step in words and isinstance(nxt, str):
            parts.append(f"{words[step]} '{nxt}'")
            i += 2
        elif step in ("cases", "tests") and isinstance(nxt, int):
            parts.append(f"{step[:-1]} {nxt + 1}")
            i += 2
        elif isinstance(step, int):
            parts.append(f"entry {step + 1}")
            i += 1
        else:
            parts.append(f"'{step}'")
            i += 1
    return " of ".join(reversed(parts)) if parts else "the top level"


_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "text", "number": "a number",
               "integer": "a whole number", "boolean": "true or false", "null": "nothing"}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"the text '{value}'"


def _expected(schema: dict) -> str:
    kinds = schema.get("type")
    if isinstance(kinds, str):
        kinds = [kinds]
    if kinds:
        return " or ".join(_TYPE_WORDS.get(k, k) for k in kinds)
    return "something else"


def _translate(doc: Document, error: ValidationError) -> Iterator[Diagnostic]:
    path = list(error.absolute_path)
    node, key_node = node_at(doc.root, path)
    where = describe(path)
    kind = error.validator

    def at(n: Any, code: str, message: str, hint: str = "") -> Diagnostic:
        return make(doc.path, n.line, n.col, code, message, hint)

    if kind == "additionalProperties" and isinstance(node, Mapping):
        allowed = sorted(error.schema.get("properties", {}))
        for key in error.instance:
            if key not in allowed:
                hint = did_you_mean(key, allowed) or "allowed keys: " + ", ".join(allowed)
                if " " in key.strip():
                    hint = "inside {...} a comma starts a new entry: quote text that contains a comma"
                yield at(node.key_node(key), "unknown-key", f"unknown key '{key}' in {where}", hint)
    elif kind == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        example = {"process": "process: boligstoette", "title": "title: {da: Boligstøtte, en: Housing support}",
                   "facts": "facts: {lejer: {type: bool, ask: 'Bor du til leje?'}}",
                   "outcomes": "outcomes: {berettiget: {when: lejer, law: '§ 2'}}"}
        for key in missing:
            hint = f"for example: {example[key]}" if key in example and not path else ""
            yield at(key_node or node, "missing-key", f"{where} needs the key '{key}'", hint)
    elif kind == "type":
        yield at(node, "invalid-value", f"{where} must be {_expected(error.schema)}, not {_kind(error.instance)}")
    elif kind == "enum":
        options = [str(v) for v in error.validator_value]
        hint = did_you_mean(str(error.instance), options) or "one of: " + ", ".join(options)
        yield at(node, "invalid-value", f"{where} is {_kind(error.instance)}; expected one of "
                 + ", ".join(options), hint)
    elif kind == "propertyNames":
        bad = error.instance
        key = node.key_node(bad) if isinstance(node, Mapping) else None
        yield at(key or node, "invalid-value", f"'{bad}' in {where} is not a valid name",
                 "names use letters, digits and '_', and do not start with a digit (e.g. partner_indkomst)")
    elif kind == "pattern":
        if path and path[-1] in ("valid_from", "valid_to") or error.validator_value.startswith("^[0-9]{4}"):
            yield at(node, "invalid-value", f"{where} is {_kind(error.instance)}; expected a date YYYY-MM-DD",
                     "for example 2026-01-01")
        else:
            yield at(node, "invalid-value", f"{where} is {_kind(error.instance)}, which is not a valid name",
                     "names use letters, digits and '_', and do not start with a digit")
    elif kind in ("oneOf", "anyOf"):
        yield from _translate_choice(doc, error, node, where, at)
    else:
        message = error.message
        if kind in ("minimum", "maximum"):
            message = f"{where} is {error.instance}; {kind} is {error.validator_value}"
        elif kind in ("minProperties", "minItems", "minLength"):
            message = f"{where} is empty"
        elif kind == "uniqueItems":
            message = f"{where} lists the same value twice"
        yield at(node, "invalid-value", message)


_EXCLUSIVE = {
    "outcome": (("when", "value", "cases", "items"),
                "an outcome is exactly one of: when (yes/no), value (a computed value), cases, items (a set)"),
    "case": (("when", "else", "else_value"),
             "a case is {when: COND, then: VALUE} or {when: COND, value: EXPR}; the last may be "
             "{else: VALUE} or {else_value: EXPR}"),
}


def _translate_choice(doc: Document, error: ValidationError, node: Any, where: str, at: Any) -> Iterator[Diagnostic]:
    defs = load_schema(PROCESS)["$defs"]
    for name, (keys, explanation) in _EXCLUSIVE.items():
        if error.schema is defs[name] and isinstance(error.instance, dict):
            yield at(node, "invalid-value", f"{where} has " + _present(error.instance, keys), explanation)
            return
    # a branch whose type fits the value: report that branch's own errors (e.g. an unknown key)
    fitting = []
    for sub in error.context or ():
        branch = sub.schema_path[0] if sub.schema_path else None
        subschema = error.validator_value[branch] if isinstance(branch, int) else {}
        if jsonschema.Draft202012Validator({"type": subschema.get("type", [])}).is_valid(error.instance) \
                and subschema.get("type"):
            fitting.append(sub)
    if fitting and len({sub.schema_path[0] for sub in fitting}) == 1:
        for sub in fitting:
            yield from _translate(doc, sub)  # sub.absolute_path includes the parent's path
        return
    description = error.schema.get("description", "")
    yield at(node, "invalid-value", f"{where} is {_kind(error.instance)}; expected {description or 'another form'}")


def _present(instance: dict, keys: tuple[str, ...]) -> str:
    have = [k for k in keys if k in instance]
    if not have:
        return "none of " + ", ".join(keys)
    return "both " + " and ".join(have) if len(have) == 2 else ", ".join(have) + " together"
