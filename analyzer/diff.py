"""Compare two versions of one process: definitions, metrics, and decisions on sampled cases.

:func:`compare` takes the OLD and NEW :class:`~analyzer.model.Process` and returns a
:class:`Diff`:

- **definitions**: input facts (questions and register facts), derived facts, outcomes and
  constants added, removed or changed, each change naming the attribute and both values;
- **metrics**: the figures of :func:`analyzer.metrics.analyze` before and after, per mode, each
  with its kind (exact, bound, estimate) as the analysis gives it;
- **decisions**: ``samples`` cases drawn with a fixed seed from NEW's answer priors (facts only
  OLD has are drawn from OLD's), both versions decide each case, and every outcome the two
  versions share is compared. The share of cases decided differently is an **estimate** of the
  share of applications whose decision the change alters, under the priors.

>>> from analyzer.load import load_paths
>>> p = load_paths(["examples/minimal.yaml"]).processes[0]
>>> d = compare(p, p, with_metrics=False)
>>> d.changes, d.decisions.changed
([], 0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import finite, metrics, montecarlo
from .burden import Assumptions
from .evaluate import EvalError, Evaluation
from .model import Fact, Outcome, Process
from .report import _fmt

#: cases drawn to compare decisions
SAMPLES = 400
#: the seed of the draw (the same as the simulation's, so figures repeat)
SEED = montecarlo.SEED
#: cases shown as examples per changed outcome
EXAMPLES = 3


@dataclass(frozen=True, order=True)
class Change:
    """A definition added (``+``), removed (``-``) or changed (``~``)."""

    #: ``question`` (any input fact), ``derived``, ``outcome`` or ``constant``
    what: str
    #: qualified name: ``alder``, ``voksne.indkomst``
    name: str
    #: ``+``, ``-`` or ``~``
    sign: str
    #: for ``~``: (attribute, old, new) for each attribute that differs; for ``+``/``-``: a summary
    details: tuple[tuple[str, str, str], ...] = ()

    def render(self) -> str:
        if self.sign != "~":
            summary = "; ".join(text for _, text, _ in self.details)
            return f"  {self.sign} {self.what} {self.name}" + (f": {summary}" if summary else "")
        parts = "; ".join(f"{attr} {old} -> {new}" for attr, old, new in self.details)
        return f"  ~ {self.what} {self.name}: {parts}"

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"what": self.what, "name": self.name, "change": {"+": "added", "-": "removed",
                                                                              "~": "changed"}[self.sign]}
        if self.sign == "~":
            out["attributes"] = [{"attribute": a, "old": o, "new": n} for a, o, n in self.details]
        else:
            out["summary"] = "; ".join(text for _, text, _ in self.details)
        return out


@dataclass(frozen=True)
class MetricRow:
    mode: str
    figure: str
    #: ``{value, kind, method}`` figures, or None when the analysis gives none
    old: dict | None
    new: dict | None


@dataclass(frozen=True)
class Decisions:
    """Outcomes decided differently on a seeded sample (an estimate under the priors)."""

    samples: int
    seed: int
    #: cases on which at least one shared outcome differs
    changed: int
    #: outcome -> cases on which it differs
    by_outcome: dict[str, int] = field(default_factory=dict)
    #: cases one version cannot decide (an input it needs is missing, a computation fails)
    errors: int = 0
    #: up to EXAMPLES cases per outcome: (outcome, old value, new value, inputs)
    examples: tuple[tuple[str, Any, Any, dict], ...] = ()
    #: the population file whose cases were decided (then the count is exact for that file), or
    #: None for a sample drawn from the priors (an estimate)
    population: str | None = None


@dataclass(frozen=True)
class Diff:
    process: str
    old_file: str
    new_file: str
    changes: list[Change]
    metrics: list[MetricRow]
    decisions: Decisions


# -- definitions ----------------------------------------------------------------------------------

def _text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _fact_attributes(f: Fact) -> dict[str, str]:
    return {"kind": f.kind, "type": f.type,
            "ask": _text(f.ask.da if f.ask else None),
            "register": _text(f.register),
            "applies_if": _text(f.applies_if.text if f.applies_if else None),
            "derive": _text(f.derive.text if f.derive else None),
            "choices": _text(",".join(c.value for c in f.choices) or None),
            "min": _text(f.min), "max": _text(f.max),
            "default": _text(f.default),
            "law": _text(f.law.label() if f.law else None)}


def _outcome_attributes(o: Outcome) -> dict[str, str]:
    attrs = {"kind": o.kind, "law": _text(o.law.label() if o.law else None),
             "applies_if": _text(o.applies_if.text if o.applies_if else None),
             "when": _text(o.when.text if o.when else None),
             "value": _text(o.value.text if o.value else None)}
    for i, case in enumerate(o.cases, 1):
        then = case.value.text if case.value else case.then
        attrs[f"case {i}"] = f"{case.when.text if case.when else 'else'} => {_text(then)}"
    for item in o.items:
        attrs[f"item {item.name}"] = _text(item.when.text)
    return attrs


def _compare_maps(what: str, old: dict[str, dict[str, str]], new: dict[str, dict[str, str]],
                  summary: str) -> list[Change]:
    changes = []
    for name in sorted(old.keys() - new.keys()):
        changes.append(Change(what, name, "-", ((summary, old[name].get(summary, ""), ""),)))
    for name in sorted(new.keys() - old.keys()):
        changes.append(Change(what, name, "+", ((summary, new[name].get(summary, ""), ""),)))
    for name in sorted(old.keys() & new.keys()):
        a, b = old[name], new[name]
        details = tuple((k, a.get(k, "none"), b.get(k, "none")) for k in sorted(a.keys() | b.keys())
                        if a.get(k, "none") != b.get(k, "none"))
        if details:
            changes.append(Change(what, name, "~", details))
    return changes


def definitions(old: Process, new: Process) -> list[Change]:
    """Input facts, derived facts, outcomes and constants added, removed or changed."""
    def facts(p: Process, inputs: bool) -> dict[str, dict[str, str]]:
        return {f.key: _fact_attributes(f) for f in p.all_facts() if f.is_input == inputs}

    def summary_of_inputs(p: Process) -> dict[str, dict[str, str]]:
        out = facts(p, True)
        for attrs in out.values():
            attrs["summary"] = f"{attrs['kind']}, {attrs['type']}, ask {attrs['ask']}"
        return out

    def derived(p: Process) -> dict[str, dict[str, str]]:
        out = facts(p, False)
        for attrs in out.values():
            attrs["summary"] = f"derive {attrs['derive']}"
        return out

    def outcomes(p: Process) -> dict[str, dict[str, str]]:
        out = {name: _outcome_attributes(o) for name, o in p.outcomes.items()}
        for attrs in out.values():
            attrs["summary"] = attrs["kind"]
        return out

    def constants(p: Process) -> dict[str, dict[str, str]]:
        return {c.name: {"value": _text(c.value), "unit": _text(c.unit), "valid_from": _text(c.valid_from),
                         "summary": f"{_text(c.value)}{' ' + c.unit if c.unit else ''}"}
                for c in p.constants.values()}

    changes = []
    for what, build in (("question", summary_of_inputs), ("derived", derived), ("outcome", outcomes),
                        ("constant", constants)):
        a, b = build(old), build(new)
        found = _compare_maps(what, _without(a, "summary"), _without(b, "summary"), "summary")
        # added/removed carry their summary; changed compare the attributes only
        changes += [Change(c.what, c.name, c.sign, (("summary", (a if c.sign == "-" else b)[c.name]["summary"], ""),))
                    if c.sign != "~" else c for c in found]
    return changes


def _without(maps: dict[str, dict[str, str]], key: str) -> dict[str, dict[str, str]]:
    return {name: {k: v for k, v in attrs.items() if k != key} for name, attrs in maps.items()}


# -- metrics --------------------------------------------------------------------------------------

def _lower_bound(m: dict) -> dict | None:
    found = [b for b in m["bounds"].values() if b and b.get("value") is not None]
    return max(found, key=lambda b: b["value"]) if found else None


def _hours(m: dict) -> dict | None:
    hours = m["burden"]["flow"]["hours_per_year"]
    return None if hours is None else {"value": hours, "kind": "estimate", "method": m["burden"]["method"]}


#: (figure in words, how to read it from one mode's block)
FIGURES = (
    ("static form, expected questions", lambda m: m["static"]["expected"]),
    ("form order, expected questions", lambda m: (m["form_order"] or {}).get("expected")),
    ("minimal flow, expected questions", lambda m: (m["flow"] or {}).get("expected")),
    ("optimal flow, expected questions", lambda m: (m["optimal"] or {}).get("expected")),
    ("lower bound, expected questions", _lower_bound),
    ("citizen hours a year (minimal flow)", _hours),
)


def metric_rows(old: dict, new: dict) -> list[MetricRow]:
    """Each figure of FIGURES in each mode, before and after."""
    rows = []
    for mode in metrics.MODES:
        for name, read in FIGURES:
            rows.append(MetricRow(mode, name, read(old["modes"][mode]), read(new["modes"][mode])))
    return rows


# -- decisions ------------------------------------------------------------------------------------

def _merge(new_case: dict, old_case: dict, groups: set[str]) -> dict:
    """NEW's draw, completed with OLD's values for facts NEW does not have (members likewise)."""
    case = {**old_case, **new_case}
    for g in groups:
        olds, news = old_case.get(g) or [], new_case.get(g)
        if news is None:
            continue
        case[g] = [{**(olds[i] if i < len(olds) else {}), **member} for i, member in enumerate(news)]
    return case


def _decide(process: Process, case: dict) -> dict[str, Any] | None:
    try:
        return Evaluation(process, case).outcomes()
    except (EvalError, ArithmeticError, ValueError, TypeError):
        return None


def decisions(old: Process, new: Process, samples: int = SAMPLES, seed: int = SEED,
              cases: list[dict] | None = None, population: str | None = None) -> Decisions:
    """Decide ``samples`` seeded cases with both versions and count the differences; with
    ``cases`` (the rows of the population file ``population``), decide those instead."""
    if cases is not None:
        new_cases = old_cases = cases
        samples = len(cases)
    else:
        new_cases = montecarlo.sample(new, finite.variables(new), samples, seed, spread=True)
        old_cases = montecarlo.sample(old, finite.variables(old), samples, seed, spread=True)
    groups = set(old.groups) & set(new.groups)
    shared = [name for name in new.outcomes if name in old.outcomes]
    changed, errors = 0, 0
    by_outcome: dict[str, int] = {}
    examples: list[tuple[str, Any, Any, dict]] = []
    for new_case, old_case in zip(new_cases, old_cases):
        case = _merge(new_case, old_case, groups)
        a, b = _decide(old, case), _decide(new, case)
        if a is None or b is None:
            errors += 1
            continue
        differs = [name for name in shared if a[name] != b[name]]
        if differs:
            changed += 1
        for name in differs:
            by_outcome[name] = by_outcome.get(name, 0) + 1
            if by_outcome[name] <= EXAMPLES:
                examples.append((name, a[name], b[name], case))
    return Decisions(samples, seed, changed, dict(sorted(by_outcome.items())), errors, tuple(examples),
                     population if cases is not None else None)


def compare(old: Process, new: Process, assumptions: Assumptions | None = None, samples: int = SAMPLES,
            seed: int = SEED, with_metrics: bool = True) -> Diff:
    """The whole comparison (see the module docstring)."""
    rows = metric_rows(metrics.analyze(old, assumptions), metrics.analyze(new, assumptions)) if with_metrics else []
    return Diff(new.name, old.path, new.path, definitions(old, new), rows, decisions(old, new, samples, seed))


# -- rendering ------------------------------------------------------------------------------------

def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _inputs(case: dict) -> str:
    parts = []
    for k in sorted(case):
        v = case[k]
        if isinstance(v, list):
            parts.append(f"{k}=[" + "; ".join(", ".join(f"{mk}={_value(mv)}" for mk, mv in sorted(m.items()))
                                             for m in v) + "]")
        else:
            parts.append(f"{k}={_value(v)}")
    return ", ".join(parts)


def _delta(old: dict | None, new: dict | None) -> str:
    if not old or not new or old.get("value") is None or new.get("value") is None:
        return ""
    d = new["value"] - old["value"]
    return "0" if abs(d) < 1e-9 else f"{d:+,.2f}"


def to_text(d: Diff) -> str:
    from tabulate import tabulate

    out = [f"diff {d.process}: {d.old_file} -> {d.new_file}", ""]
    labels = {"question": "Questions and register facts", "derived": "Derived facts", "outcome": "Outcomes",
              "constant": "Constants"}
    for what, label in labels.items():
        found = [c for c in d.changes if c.what == what]
        counts = {s: sum(1 for c in found if c.sign == s) for s in "+-~"}
        out.append(f"{label}: {counts['+']} added, {counts['-']} removed, {counts['~']} changed")
        out += [c.render() for c in found]
    if d.metrics:
        out += ["", "Metrics (old -> new; ~ marks an estimate, ≥ a lower bound; methods: askless analyze --format json):"]
        rows = [[r.mode.replace("_", " "), r.figure, _fmt(r.old), _fmt(r.new), _delta(r.old, r.new)] for r in d.metrics]
        out.append(tabulate(rows, headers=["mode", "figure", "old", "new", "change"], tablefmt="simple",
                            disable_numparse=True))
    k = d.decisions
    decided = k.samples - k.errors
    share = f" ({100 * k.changed / decided:.1f} %)" if decided else ""
    out += ["", f"Decisions (an estimate): {k.samples} cases drawn from NEW's answer priors (seed {k.seed}); "
                f"{k.changed} of {decided}{share} decided differently by NEW on an outcome both versions have."]
    if k.errors:
        out.append(f"  {k.errors} case(s) could not be decided by one version (a needed input is missing or a "
                   "computation fails) and are left out.")
    for name, n in k.by_outcome.items():
        out.append(f"  {name}: {n} case(s)")
        for outcome, a, b, case in k.examples:
            if outcome == name:
                out.append(f"    {_value(a)} -> {_value(b)} when {_inputs(case)}")
    return "\n".join(out) + "\n"


def to_json(d: Diff) -> dict:
    k = d.decisions
    return {"process": d.process, "old": d.old_file, "new": d.new_file,
            "changes": [c.to_dict() for c in d.changes],
            "metrics": [{"mode": r.mode, "figure": r.figure, "old": r.old, "new": r.new} for r in d.metrics],
            "decisions": {"kind": "estimate", "method": f"{k.samples} cases drawn from NEW's answer priors "
                          f"(seed {k.seed}), facts only OLD has from OLD's; each decided by both versions",
                          "samples": k.samples, "seed": k.seed, "changed": k.changed, "errors": k.errors,
                          "by_outcome": k.by_outcome,
                          "examples": [{"outcome": o, "old": a, "new": b, "case": c} for o, a, b, c in k.examples]}}
