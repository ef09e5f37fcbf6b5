"""Semantic checks of a loaded process: names, types, cycles, registers, tests, modelling defects.

Each check is a function ``check_*(ctx)`` that yields diagnostics, registered in :data:`CHECKS`
under the diagnostic codes it can emit. They run after :mod:`analyzer.load` has checked the
structure against the JSON Schema, so they may rely on it. Nothing here prints or exits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from .abstract import dependency_index, satisfiable
from .deps import Ref, fact_by_id, formulas, references, resolve
from .diagnostics import Diagnostic, did_you_mean, make
from .expr import KEYWORDS
from .load import builtin_catalogue_path
from .model import Catalogue, Fact, Formula, Loc, Process
from .typecheck import ANY, BOOL, DATE, FUNCTIONS, NUMBER, Issue, Scope, Type, check, fact_type, join
from .yamlread import Mapping, locate

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: most case evaluations the never-applies check spends on one process (bounds its time)
NEVER_APPLIES_WORK = 200_000
_WORD = re.compile(r"[^\W\d]\w*")


@dataclass
class Context:
    process: Process
    catalogue: Catalogue | None
    refs: list[Ref] = field(default_factory=list)
    types: dict[str, Type] = field(default_factory=dict)
    #: the scopes of the expressions, built once per types table
    scopes: dict[int, dict[str | None, Scope]] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.process.path

    def at(self, loc: Loc, code: str, message: str, hint: str = "") -> Diagnostic:
        return make(self.path, loc.line, loc.col, code, message, hint)

    def in_formula(self, formula: Formula, offset: int, code: str, message: str, hint: str = "") -> Diagnostic:
        line, col = locate(self.process.doc, formula.node, offset)
        return make(self.path, line, col, code, message, hint)


def validate(process: Process, catalogue: Catalogue | None) -> list[Diagnostic]:
    """Every semantic diagnostic for ``process``, sorted by location."""
    ctx = Context(process, catalogue, references(process))
    found: list[Diagnostic] = []
    for check_fn in CHECKS.values():
        found.extend(check_fn(ctx))
    return sorted(set(found))


def infer_types(process: Process) -> dict[str, Type]:
    """The static type of every definition (constants, facts, outcomes; member facts as
    'group.fact'), as the type check infers it."""
    ctx = Context(process, None, references(process))
    list(check_types(ctx))
    return ctx.types


# -- names ----------------------------------------------------------------------------------

def check_names(ctx: Context) -> Iterator[Diagnostic]:
    """duplicate-name: one name for two definitions (a fact and a constant, a member fact and a
    process fact), or a name that is a keyword or a function of the expression language."""
    p = ctx.process
    seen: dict[str, tuple[str, Loc]] = {}
    groups_first = [(name, "constant", c.loc) for name, c in p.constants.items()]
    groups_first += [(name, "fact", f.loc) for name, f in p.facts.items()]
    groups_first += [(name, "group", g.loc) for name, g in p.groups.items()]
    groups_first += [(name, "outcome", o.loc) for name, o in p.outcomes.items()]
    for group in p.groups.values():
        groups_first += [(name, f"fact of group '{group.name}'", f.loc) for name, f in group.facts.items()]
    for name, kind, loc in sorted(groups_first, key=lambda t: (t[2].line, t[2].col)):
        if name in KEYWORDS:
            yield ctx.at(loc, "duplicate-name", f"'{name}' is a keyword of the expression language",
                         f"rename it, e.g. '{name}_'")
        elif name in FUNCTIONS:
            yield ctx.at(loc, "duplicate-name", f"'{name}' is the name of a function", f"rename it, e.g. '{name}_'")
        if name in seen:
            first_kind, first_loc = seen[name]
            yield ctx.at(loc, "duplicate-name",
                         f"the {kind} '{name}' has the same name as the {first_kind} at line {first_loc.line}",
                         "names are shared by constants, facts, groups and outcomes; rename one")
        else:
            seen[name] = (kind, loc)


# -- facts ------------------------------------------------------------------------------------

def check_facts(ctx: Context) -> Iterator[Diagnostic]:
    """missing-key / invalid-value: what each kind of fact needs (an input needs a type and a
    question text; a choice needs choices; priors fit the type and add up to 1)."""
    for fact in ctx.process.all_facts():
        yield from _fact_shape(ctx, fact)


def _key(fact: Fact, key: str) -> Loc:
    return fact.key_locs.get(key, fact.loc)


def _fact_shape(ctx: Context, fact: Fact) -> Iterator[Diagnostic]:
    name = f"fact '{fact.name}'"
    if fact.kind == "derived":
        for key in ("ask", "register", "p_true", "prior", "distribution"):
            if key in fact.key_locs:
                yield ctx.at(_key(fact, key), "invalid-value",
                             f"{name} is derived, so '{key}' has no effect", "remove the key, or drop 'derive'")
        return
    if not fact.type:
        yield ctx.at(fact.loc, "missing-key", f"{name} needs a 'type'",
                     "one of: bool, choice, int, number, money, date, text")
    if fact.ask is None:
        what = "is a register fact: it is asked when the citizen is not logged in, so it" if fact.kind == "register" \
            else "is a question, so it"
        yield ctx.at(fact.loc, "missing-key", f"{name} {what} needs 'ask' (the question text)",
                     "for example ask: {da: 'Bor du til leje?', en: 'Do you rent your home?'}")
    if fact.type == "choice" and not fact.choices:
        yield ctx.at(fact.loc, "missing-key", f"{name} is a choice and needs 'choices'", "choices: [a, b, c]")
    if fact.choices and fact.type != "choice":
        yield ctx.at(_key(fact, "choices"), "invalid-value", f"{name} has choices but its type is {fact.type}",
                     "set type: choice")
    if fact.p_true is not None and fact.type != "bool":
        yield ctx.at(_key(fact, "p_true"), "invalid-value", f"p_true applies to bool facts; {name} is {fact.type}")
    if fact.prior and fact.type not in ("int", "number", "money", "date"):
        yield ctx.at(_key(fact, "prior"), "invalid-value", f"prior classes apply to numbers and dates; {name} is {fact.type}")
    if fact.distribution and fact.type != "int":
        yield ctx.at(_key(fact, "distribution"), "invalid-value", f"distribution applies to int facts; {name} is {fact.type}")
    for key, ps in (("choices", [c.p for c in fact.choices if c.p is not None]),
                    ("prior", [c.p for c in fact.prior]), ("distribution", [p for _, p in fact.distribution])):
        if ps and abs(sum(ps) - 1) > 1e-6 and not (key == "choices" and len(ps) < len(fact.choices)):
            yield ctx.at(_key(fact, key), "invalid-value",
                         f"the probabilities in {key} of {name} add up to {sum(ps):.4g}, not 1")
    uptos = [c.upto for c in fact.prior]
    if uptos:
        if uptos[-1] is not None:
            yield ctx.at(_key(fact, "prior"), "invalid-value",
                         f"the last prior class of {name} must have no 'upto' (it holds everything above)")
        bounds = [u for u in uptos if u is not None]
        if any(not isinstance(u, (int, float)) and not (isinstance(u, str) and _DATE.match(u)) for u in bounds):
            yield ctx.at(_key(fact, "prior"), "invalid-value", f"prior 'upto' of {name} must be a number or a date")
        elif bounds != sorted(bounds) or len(set(bounds)) != len(bounds) or None in uptos[:-1]:
            yield ctx.at(_key(fact, "prior"), "invalid-value", f"prior classes of {name} must rise: each 'upto' above the last")
    if fact.type in ("int", "number", "money", "date"):
        bound_type = fact_type("number" if fact.type == "money" else fact.type)
        for key in ("min", "max"):
            v = getattr(fact, key)
            if v is not None and not _fits(v, bound_type):
                yield ctx.at(_key(fact, key), "invalid-value",
                             f"{key} of {name} is {v!r}, which is not of type {fact.type}",
                             "for example min: 0" if fact.type != "date" else "for example min: 2000-01-01")
        if isinstance(fact.min, (int, float)) and isinstance(fact.max, (int, float)) and fact.min > fact.max:
            yield ctx.at(_key(fact, "max"), "invalid-value", f"max of {name} ({fact.max}) is below its min ({fact.min})")
    if fact.default is not None and fact.applies_if is None:
        yield ctx.at(_key(fact, "default"), "invalid-value",
                     f"{name} has a default but no applies_if, so the default is never used")
    if fact.kind == "register" and ctx.catalogue is not None and fact.register not in ctx.catalogue.registers:
        known = sorted(ctx.catalogue.registers)
        hint = did_you_mean(fact.register or "", known) or "known registers: " + ", ".join(known)
        where = "the built-in catalogue" if ctx.catalogue.path == builtin_catalogue_path() else ctx.catalogue.path
        yield ctx.at(_key(fact, "register"), "unknown-register",
                     f"unknown register '{fact.register}' (catalogue: {where})", hint)


def check_groups(ctx: Context) -> Iterator[Diagnostic]:
    """unknown-reference / type-mismatch: a group's count names an int input fact with a max."""
    for group in ctx.process.groups.values():
        count = ctx.process.facts.get(group.count)
        if count is None:
            hint = did_you_mean(group.count, ctx.process.facts) or "declare an int fact for the number of members"
            yield ctx.at(group.count_loc, "unknown-reference", f"group '{group.name}' counts with unknown fact '{group.count}'", hint)
        elif count.type != "int" or not count.is_input:
            yield ctx.at(group.count_loc, "type-mismatch",
                         f"group '{group.name}' counts with '{group.count}', which must be an int question or register fact")
        elif not isinstance(count.max, int):
            yield ctx.at(count.loc, "missing-key", f"fact '{count.name}' counts the members of group '{group.name}' "
                         "and needs a whole-number 'max'", "for example max: 8 (bounds the analysis)")


def check_constants(ctx: Context) -> Iterator[Diagnostic]:
    """constant-provenance: every legal amount names its source and the date it is valid from."""
    for constant in ctx.process.constants.values():
        missing = [k for k, v in (("source", constant.source), ("valid_from", constant.valid_from)) if not v]
        if missing:
            yield ctx.at(constant.loc, "constant-provenance",
                         f"constant '{constant.name}' has no {' and no '.join(missing)}",
                         "add source: (where the figure is published) and valid_from: YYYY-MM-DD")
        for key in ("valid_from", "valid_to"):
            value = getattr(constant, key)
            if value:
                try:
                    dt.date.fromisoformat(value)
                except ValueError:
                    yield ctx.at(constant.loc, "invalid-value", f"{key} of constant '{constant.name}' is not a date: {value}")


def check_laws(ctx: Context) -> Iterator[Diagnostic]:
    """outcome-without-law (warning): an outcome that cites no paragraph (itself, or in every case
    or item); unknown-reference: a law
    reference to a law key not under 'laws'."""
    p = ctx.process
    for outcome in p.outcomes.values():
        branches = [c.law for c in outcome.cases] + [i.law for i in outcome.items]
        if outcome.law is None and (not branches or None in branches):
            yield ctx.at(outcome.loc, "outcome-without-law", f"outcome '{outcome.name}' cites no law",
                         "add law: '§ 2' (the paragraph that decides it)")
    refs = [o.law for o in p.outcomes.values()] + [f.law for f in p.all_facts()] + [c.law for c in p.constants.values()]
    for outcome in p.outcomes.values():
        refs += [c.law for c in outcome.cases] + [i.law for i in outcome.items]
    for ref in refs:
        if ref is not None and ref.law is not None and ref.law not in p.laws:
            hint = did_you_mean(ref.law, p.laws) or "declare it under 'laws'"
            yield ctx.at(ref.loc, "unknown-reference", f"unknown law '{ref.law}'", hint)


# -- references, cycles and types --------------------------------------------------------------

def _graph(ctx: Context) -> nx.DiGraph:
    g = nx.DiGraph()
    for ref in ctx.refs:
        if ref.target is not None:
            g.add_edge(ref.source, ref.target)
    for group in ctx.process.groups.values():
        g.add_edge(group.name, group.count)
        for name in group.facts:
            g.add_edge(f"{group.name}.{name}", group.name)
    return g


def check_cycles(ctx: Context) -> Iterator[Diagnostic]:
    """cycle: definitions that depend on themselves; the message names the whole loop."""
    g = _graph(ctx)
    for component in sorted(nx.strongly_connected_components(g), key=sorted):
        if len(component) == 1 and not g.has_edge(next(iter(component)), next(iter(component))):
            continue
        start = min(component)
        loop = _loop_from(g.subgraph(component), start)
        first = next(r for r in ctx.refs if r.source == loop[0] and r.target == loop[1])
        yield ctx.in_formula(first.formula, first.node.start, "cycle",
                             "dependency cycle: " + " -> ".join(loop),
                             "a derived fact or outcome cannot depend on itself; break the loop")


def _loop_from(g: nx.DiGraph, start: str) -> list[str]:
    path = nx.shortest_path(g, start, start) if g.has_edge(start, start) else None
    if path:
        return [start, start]
    best = None
    for succ in sorted(g.successors(start)):
        back = nx.shortest_path(g, succ, start)
        if best is None or len(back) < len(best):
            best = back
    return [start] + (best or [start])


def _infer_types(ctx: Context, out: list[Diagnostic]) -> dict[str, Type]:
    """Types of every definition, checking each expression once, dependencies first."""
    p = ctx.process
    types: dict[str, Type] = {}
    for name, c in p.constants.items():
        v = c.value
        types[name] = (BOOL if isinstance(v, bool) else Type("int") if isinstance(v, int) else NUMBER
                       if isinstance(v, float) else DATE if isinstance(v, str) and _DATE.match(v) else Type("text"))
    for fact in p.all_facts():
        if fact.is_input:
            key = fact.key
            types[key] = fact_type(fact.type, tuple(c.value for c in fact.choices))
    g = _graph(ctx)
    pending = set(_derived_ids(p))
    g.add_nodes_from(pending)
    # dependencies first; the members of a cycle are typed in name order (the cycle is an error)
    condensed = nx.condensation(g)
    by_component: dict[int, list[str]] = {}
    for node, comp in condensed.graph["mapping"].items():
        by_component.setdefault(comp, []).append(node)
    for comp in reversed(list(nx.topological_sort(condensed))):
        for node in sorted(by_component[comp]):
            if node in pending:
                types[node] = _type_of(ctx, node, types, out)
    return types


def _derived_ids(p: Process) -> list[str]:
    ids = [f.name for f in p.facts.values() if not f.is_input]
    for group in p.groups.values():
        ids += [f"{group.name}.{f.name}" for f in group.facts.values() if not f.is_input]
    return ids + list(p.outcomes)


class _Names(MappingABC):
    """A live view of the types inferred so far: a defined name not yet typed (in a cycle, or
    after an error) reads as ``any``; a group's member names shadow the process's names."""

    def __init__(self, types: dict[str, Type], known: tuple[str, ...], prefix: str = "",
                 members: tuple[str, ...] = ()):
        self.types, self.prefix, self.members = types, prefix, set(members)
        self.known = set(known) | self.members

    def __getitem__(self, name: str) -> Type:
        if name in self.members:
            return self.types.get(self.prefix + name, ANY)
        if name in self.known:
            return self.types.get(name, ANY)
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return name in self.known

    def __iter__(self):
        return iter(sorted(self.known))

    def __len__(self) -> int:
        return len(self.known)


def _scope(ctx: Context, types: dict[str, Type], group: str | None) -> Scope:
    cache = ctx.scopes.get(id(types))
    if cache is None:
        p = ctx.process
        known = tuple(p.facts) + tuple(p.outcomes) + tuple(p.constants)
        groups = {g.name: Scope(_Names(types, known, f"{g.name}.", tuple(g.facts)), {}) for g in p.groups.values()}
        cache = {None: Scope(_Names(types, known), groups)}
        for name, member in groups.items():
            cache[name] = Scope(member.names, groups)
        ctx.scopes = {id(types): cache}
    return cache[group]


def _run(ctx: Context, formula: Formula | None, types: dict[str, Type], group: str | None,
         out: list[Diagnostic]) -> Type:
    if formula is None or formula.tree is None:
        return ANY
    issues: list[Issue] = []
    t = check(formula.tree, _scope(ctx, types, group), issues)
    out.extend(ctx.in_formula(formula, i.start, i.code, i.message, i.hint) for i in issues)
    return t


def _type_of(ctx: Context, node: str, types: dict[str, Type], out: list[Diagnostic]) -> Type:
    p = ctx.process
    fact = fact_by_id(p, node)
    if fact is not None:
        group = fact.group
        t = _run(ctx, fact.derive, types, group, out)
        if fact.type:
            declared = fact_type(fact.type, tuple(c.value for c in fact.choices))
            if join(declared, t) is None or (declared.kind == "bool") != (t.kind == "bool") and t.kind != "any":
                out.append(ctx.in_formula(fact.derive, 0, "type-mismatch",
                                          f"fact '{fact.name}' is declared {declared} but its expression gives {t}"))
            return declared
        return t
    outcome = p.outcomes[node]
    if outcome.kind == "when":
        _expect_bool(ctx, outcome.when, types, out, f"'when' of outcome '{outcome.name}'")
        return BOOL
    if outcome.kind == "value":
        return _run(ctx, outcome.value, types, None, out)
    if outcome.kind == "items":
        for item in outcome.items:
            _expect_bool(ctx, item.when, types, out, f"'when' of item '{item.name}'")
        return Type("set", frozenset(i.name for i in outcome.items))
    result: Type | None = ANY
    for case in outcome.cases:
        if case.when is not None:
            _expect_bool(ctx, case.when, types, out, f"a case 'when' of outcome '{outcome.name}'")
        if case.value is not None:
            t = _run(ctx, case.value, types, None, out)
        else:
            t = _literal_type(case.then)
        joined = join(result, t) if result is not None else None
        if joined is None:
            out.append(ctx.at(case.loc, "type-mismatch", f"the cases of outcome '{outcome.name}' give {result} and {t}",
                              "every case of an outcome gives the same kind of value"))
            return ANY
        result = joined
    return result


def _literal_type(v: Any) -> Type:
    if isinstance(v, bool):
        return BOOL
    if isinstance(v, int):
        return Type("int")
    if isinstance(v, float):
        return NUMBER
    return Type("choice", frozenset({str(v)}))


def _expect_bool(ctx: Context, formula: Formula | None, types: dict[str, Type],
                 out: list[Diagnostic], what: str) -> None:
    t = _run(ctx, formula, types, None, out)
    if formula is not None and t.kind not in ("bool", "any", "null"):
        out.append(ctx.in_formula(formula, 0, "type-mismatch", f"{what} must be a yes/no condition, but it is {t}"))


def check_types(ctx: Context) -> Iterator[Diagnostic]:
    """type-mismatch, unknown-reference, unknown-choice: every expression is type-checked, with
    did-you-mean for unknown names and choice values."""
    out: list[Diagnostic] = []
    ctx.types = _infer_types(ctx, out)
    p = ctx.process
    for owner, role, group, formula in formulas(p):
        if role == "applies_if":
            t = _run(ctx, formula, ctx.types, group, out)
            if formula.tree is not None and t.kind not in ("bool", "any", "null"):
                out.append(ctx.in_formula(formula, 0, "type-mismatch",
                                          f"applies_if of '{owner}' must be a yes/no condition, but it is {t}"))
    for fact in p.all_facts():
        if fact.default is not None and fact.type:
            declared = fact_type(fact.type, tuple(c.value for c in fact.choices))
            if not _fits(fact.default, declared):
                yield ctx.at(_key(fact, "default"), "type-mismatch",
                             f"the default of fact '{fact.name}' is {fact.default!r}, which is not of type {declared}")
    yield from out


def _fits(v: Any, t: Type) -> bool:
    if v is None or t.kind == "any":
        return True
    if t.kind == "bool":
        return isinstance(v, bool)
    if t.kind == "int":
        return isinstance(v, int) and not isinstance(v, bool)
    if t.kind == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t.kind == "date":
        if not (isinstance(v, str) and _DATE.match(v)):
            return False
        try:
            dt.date.fromisoformat(v)
        except ValueError:
            return False
        return True
    if t.kind == "choice":
        return str(v) in t.values and not isinstance(v, bool)
    return isinstance(v, str)


# -- use --------------------------------------------------------------------------------------

def check_unused(ctx: Context) -> Iterator[Diagnostic]:
    """unused-fact (warning): a question or register fact that no outcome depends on, through
    derived facts or conditions. The citizen would be asked it for nothing."""
    g = _graph(ctx)
    used: set[str] = set()
    for outcome in ctx.process.outcomes:
        if outcome in g:
            used |= nx.descendants(g, outcome) | {outcome}
    # an expression that does not parse has no references: count every name written in it as
    # used, so its syntax error is not echoed by false "not used" warnings
    for _, _, group, formula in formulas(ctx.process):
        if formula.tree is None:
            for word in _WORD.findall(formula.text):
                target = resolve(ctx.process, word, group)
                if target is not None:
                    used |= (nx.descendants(g, target) if target in g else set()) | {target}
    for fact in ctx.process.all_facts():
        key = fact.key
        if fact.is_input and key not in used:
            asked = "question" if fact.kind == "question" else "register fact"
            yield ctx.at(fact.loc, "unused-fact", f"the {asked} '{key}' is not used by any outcome",
                         "remove it, or use it in a derived fact or an outcome")


def check_never_applies(ctx: Context) -> Iterator[Diagnostic]:
    """never-applies (warning): an applies_if that no case satisfies (decided exactly on the finite
    model of answer classes; skipped when the model cannot decide it, or when the process has
    used up NEVER_APPLIES_WORK evaluations)."""
    p = ctx.process
    owners = [(f.name, f.applies_if) for f in p.facts.values() if f.applies_if is not None]
    owners += [(o.name, o.applies_if) for o in p.outcomes.values() if o.applies_if is not None]
    index = dependency_index(p)
    spent = [0]
    for name, formula in owners:
        remaining = NEVER_APPLIES_WORK - spent[0]
        if formula.tree is None or remaining <= 0:
            continue
        if satisfiable(p, formula, budget=min(4096, remaining), index=index, spent=spent) is False:
            yield ctx.in_formula(formula, 0, "never-applies",
                                 f"the applies_if of '{name}' can never hold, so '{name}' is never decided",
                                 "check the comparison directions and the constants it uses")


# -- tests ------------------------------------------------------------------------------------

def check_tests(ctx: Context) -> Iterator[Diagnostic]:
    """invalid-test / unknown-reference: a test gives only input facts (and groups as lists of
    members) with values of the right type, and expects only outcomes."""
    p = ctx.process
    for test in ctx.process.tests:
        node = test.node
        assert isinstance(node, Mapping)
        given_node, expect_node = node.get("given"), node.get("expect")
        for key, v in test.given.items():
            where = _key_loc(given_node, key)
            if key in p.groups:
                if not isinstance(v, list):
                    yield ctx.at(where, "invalid-test", f"test '{test.name}': group '{key}' takes a list of members")
                    continue
                for i, member in enumerate(v):
                    if not isinstance(member, dict):
                        yield ctx.at(where, "invalid-test", f"test '{test.name}': member {i + 1} of '{key}' must be a mapping")
                        continue
                    for mkey, mv in member.items():
                        fact = p.groups[key].facts.get(mkey)
                        yield from _given(ctx, test.name, where, f"{key}.{mkey}", fact, mv,
                                          list(p.groups[key].facts), mkey)
                continue
            yield from _given(ctx, test.name, where, key, p.facts.get(key), v, list(p.facts) + list(p.groups), key)
        for key, v in test.expect.items():
            where = _key_loc(expect_node, key)
            if key not in p.outcomes:
                hint = did_you_mean(key, list(p.outcomes) + list(p.facts)) or "outcomes: " + ", ".join(p.outcomes)
                yield ctx.at(where, "unknown-reference", f"test '{test.name}' expects unknown outcome '{key}'", hint)
                continue
            t = ctx.types.get(key, ANY)
            if t.kind == "set":
                if v is not None and (not isinstance(v, list) or any(str(i) not in t.values for i in v)):
                    yield ctx.at(where, "invalid-test", f"test '{test.name}': '{key}' is a set of "
                                 + ", ".join(sorted(t.values)) + f"; expected a list of them, got {v!r}")
            elif not _fits(v, t) and not (t.kind == "choice" and isinstance(v, str) and not t.values):
                hint = did_you_mean(str(v), t.values) if t.kind == "choice" else ""
                yield ctx.at(where, "invalid-test", f"test '{test.name}' expects {key} = {v!r}, but {key} is {t}", hint)


def _key_loc(node: Any, key: str) -> Loc:
    if isinstance(node, Mapping) and node.key_node(key) is not None:
        k = node.key_node(key)
        return Loc(k.line, k.col)
    return Loc(node.line, node.col) if node is not None else Loc(0, 0)


def _given(ctx: Context, test: str, where: Loc, key: str, fact: Fact | None, v: Any, candidates: list[str],
           short: str) -> Iterator[Diagnostic]:
    if fact is None:
        hint = did_you_mean(short, candidates)
        yield ctx.at(where, "unknown-reference", f"test '{test}' gives unknown fact '{key}'", hint)
        return
    if not fact.is_input:
        yield ctx.at(where, "invalid-test", f"test '{test}' gives '{key}', which is derived, not an input",
                     "give the inputs it is derived from")
        return
    declared = fact_type(fact.type, tuple(c.value for c in fact.choices))
    if not _fits(v, declared):
        hint = did_you_mean(str(v), declared.values) if declared.kind == "choice" else ""
        yield ctx.at(where, "invalid-test", f"test '{test}' gives {key} = {v!r}, which is not of type {declared}", hint)


#: every check, by the codes it reports; run in this order
CHECKS: dict[str, Callable[[Context], Iterator[Diagnostic]]] = {
    "names": check_names,
    "facts": check_facts,
    "groups": check_groups,
    "constants": check_constants,
    "laws": check_laws,
    "types": check_types,
    "cycles": check_cycles,
    "unused": check_unused,
    "never-applies": check_never_applies,
    "tests": check_tests,
}
