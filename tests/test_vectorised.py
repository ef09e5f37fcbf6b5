"""Vectorised population runs (analyzer.vectorised) against their oracle, the row-by-row
interpreter (analyzer.evaluate): every row of populations drawn from each bundled process, every
row of random cases of generated rule sets, edge cases, and decision changes against a brute
force comparison."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import textwrap
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analyzer import population, vectorised
from analyzer.evaluate import EvalError, Evaluation
from analyzer.load import load_process_document
from analyzer.model import Process
from analyzer.validate import validate
from analyzer.yamlread import read
from tests.conftest import RULES
from tests.strategies import typed_exprs, unparse

BUNDLED = sorted(p.stem for p in RULES.glob("*.yaml") if p.stem != "registers")


def load(text: str) -> Process:
    process, diagnostics = load_process_document(read("v.yaml", text=textwrap.dedent(text)))
    assert process is not None and not [d for d in diagnostics if d.severity == "error"], diagnostics
    return process


def expected(process: Process, case: dict) -> dict[str, Any]:
    """The interpreter's outcomes of one case (null where it raises) and the first that raises."""
    found: dict[str, Any] = {}
    first = None
    for name in process.outcomes:
        try:
            found[name] = Evaluation(process, case).get(name)
        except EvalError:
            found[name], first = None, first or name
    found[vectorised.ERROR] = first
    return found


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b and type(a is None) is type(b is None)


def assert_agree(process: Process, path: str) -> int:
    """Every row of the population file evaluates to the interpreter's outcomes; returns the rows."""
    relation = vectorised.evaluate_population(process, path)
    names, rows = relation.columns, relation.fetchall()
    cases = population.read(process, path)
    assert len(rows) == len(cases)
    for number, (case, row) in enumerate(zip(cases, rows), start=1):
        got = dict(zip(names, row))
        assert got.pop(vectorised.ROW) == number
        want = expected(process, case)
        wrong = {k: (want[k], got[k]) for k in want if not same(want[k], got[k])}
        assert not wrong, f"row {number}: interpreter vs SQL {wrong}"
    return len(rows)


def clipped(process: Process, cases: list[dict]) -> list[dict]:
    """Cases with every number inside its fact's min/max (population.generate can draw a number
    of an open last class beyond the fact's max, which population.read then rejects)."""
    def clip(fact, v):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if isinstance(fact.max, (int, float)) and v > fact.max:
                return fact.max
            if isinstance(fact.min, (int, float)) and v < fact.min:
                return fact.min
        return v
    for case in cases:
        for fact in process.facts.values():
            if fact.name in case:
                case[fact.name] = clip(fact, case[fact.name])
        for group in process.groups.values():
            for member in case.get(group.name, []):
                for fact in group.facts.values():
                    if fact.name in member:
                        member[fact.name] = clip(fact, member[fact.name])
    return cases


# -- the bundled processes ---------------------------------------------------------------------

@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_population_agrees_with_the_interpreter_on_every_row(name, tmp_path):
    process = load((RULES / f"{name}.yaml").read_text(encoding="utf-8"))
    path = str(tmp_path / "pop.parquet")
    population.write(process, clipped(process, population.generate(process, 1500, seed=11)), path)
    assert assert_agree(process, path) == 1500


def test_csv_and_parquet_give_the_same_rows(tmp_path):
    process = load((RULES / "boligstoette.yaml").read_text(encoding="utf-8"))
    cases = clipped(process, population.generate(process, 300, seed=4))
    results = []
    for suffix in (".csv", ".parquet"):
        path = str(tmp_path / f"pop{suffix}")
        population.write(process, cases, path)
        results.append(vectorised.evaluate_population(process, path).fetchall())
    assert results[0] == results[1]


# -- generated rule sets -----------------------------------------------------------------------

RULE = """\
process: v
title: V
law: {{id: "L 1"}}
constants:
  k1: {{value: {k1}}}
  k2: {{value: {k2}}}
  k3: {{value: 2026-03-31}}
facts:
  b1: {{type: bool, ask: "b1?"}}
  b2: {{type: bool, ask: "b2?", applies_if: "{b2_if}"{b2_default}}}
  b3: {{type: bool, ask: "b3?"}}
  i1: {{type: int, ask: "i1?"}}
  i2: {{type: int, ask: "i2?", applies_if: "{i2_if}"{i2_default}}}
  i3: {{type: int, ask: "i3?"}}
  n1: {{type: number, ask: "n1?"}}
  n2: {{type: money, ask: "n2?"}}
  c1: {{type: choice, ask: "c1?", choices: [a, b, c]}}
  d1: {{type: date, ask: "d1?"}}
  antal: {{type: int, ask: "antal?", min: 0, max: 2}}
  x1: {{derive: "{x1}"}}
  y1: {{derive: "{y1}", applies_if: "{y1_if}"{y1_default}}}
groups:
  g:
    count: antal
    facts:
      m: {{type: int, ask: "m?"}}
      mb: {{type: bool, ask: "mb?", applies_if: "m > {mcut}", default: false}}
      mx: {{derive: "{mx}"}}
outcomes:
  o_when: {{when: "{o_when}", law: "§ 1"}}
  o_value: {{value: "{o_value}", applies_if: "{o_value_if}", law: "§ 2"}}
  o_int: {{value: "{o_int}", law: "§ 3"}}
  o_cases:
    law: "§ 4"
    cases:
      - {{when: "{case1}", then: x}}
      - {{when: "{case2}", then: y}}
      - {{else: z}}
  o_items:
    law: "§ 5"
    items:
      zeta: {{when: "{item1}"}}
      alfa: {{when: "{item2}"}}
  o_in: {{when: "'alfa' in o_items or {o_in}", law: "§ 6"}}
  o_date: {{value: "{o_date}", law: "§ 7"}}
  o_years: {{value: "{o_years}", law: "§ 8"}}
  o_group: {{value: "{o_group}", law: "§ 9"}}
  o_any: {{when: "{o_any}", law: "§ 10"}}
"""

DATE_VALUES = ["add_months(d1, i1)", "add_years(d1, i3)", "add_days(d1, i1 * 400)", "d1 + i2", "d1 - i3",
               "max(d1, k3)", "min(d1, date('2024-02-29'))", "if b1 then d1 else k3"]
DATE_INTS = ["years_between(d1, k3)", "months_between(k3, d1)", "days_between(d1, date('2025-01-31'))",
             "years_between(d1, add_months(d1, i1))"]
GROUP_VALUES = ["sum(g, m)", "sum(g, mx)", "count(g, mb)", "count(g)", "sum(g, m * i1) + count(g, m > i3)",
                "sum(g, if mb then m else 0)", "sum(g, m / i1)"]
GROUP_BOOLS = ["any(g, mb)", "all(g, mb)", "any(g, m > i1)", "all(g, m < 5 or b1)", "any(g, mx > 2)"]


@st.composite
def rule_texts(draw) -> str:
    """A rule file over every fact type, with derived facts, applies_if with and without defaults,
    every outcome kind, dates and a group; its expressions are drawn by tests.strategies."""
    def e(kind: str, depth: int = 3) -> str:
        return "(" + unparse(draw(typed_exprs(kind, depth))).replace('"', "'") + ")"

    return RULE.format(
        k1=draw(st.integers(-5, 20)), k2=draw(st.sampled_from([0.5, 2.25, -1.5, 0.1])),
        b2_if=e("bool", 2), b2_default=draw(st.sampled_from(["", ", default: true", ", default: false"])),
        i2_if=e("bool", 2), i2_default=draw(st.sampled_from(["", ", default: 0", ", default: 3", ", default: -2"])),
        x1=e("number"), y1=e("int"), y1_if=e("bool", 2), y1_default=draw(st.sampled_from(["", ", default: 0", ", default: 7"])),
        mcut=draw(st.integers(-2, 4)), mx=draw(st.sampled_from(["m * 2", "m + i1", "m / 2", "if mb then m else -m"])),
        o_when=e("bool") + draw(st.sampled_from(["", " or x1 > 2", " and y1 <= 3"])),
        o_value=e("number") + draw(st.sampled_from(["", " + x1", " - y1 * k2", " / k1"])),
        o_value_if=e("bool", 2), o_int=e("int") + draw(st.sampled_from(["", " + round(x1)", " * k1"])),
        case1=e("bool", 2), case2=e("bool", 2), item1=e("bool", 2), item2=e("bool", 2), o_in=e("bool", 1),
        o_date=draw(st.sampled_from(DATE_VALUES)), o_years=draw(st.sampled_from(DATE_INTS)),
        o_group=draw(st.sampled_from(GROUP_VALUES)), o_any=draw(st.sampled_from(GROUP_BOOLS)),
    )


def _maybe(draw, values):
    return draw(st.one_of(st.none(), values)) if draw(st.integers(0, 5)) == 0 else draw(values)


@st.composite
def cases_for(draw, n: int) -> list[dict]:
    """``n`` cases of the generated rule file, some values null, dates across month ends."""
    dates = st.sampled_from([dt.date(2024, 2, 29), dt.date(2025, 1, 31), dt.date(2026, 3, 31), dt.date(1, 1, 1),
                             dt.date(9999, 12, 31), dt.date(2000, 12, 1)])
    numbers = st.one_of(st.integers(-1000, 1000), st.builds(lambda x: x / 4, st.integers(-4000, 4000)))
    cases = []
    for _ in range(n):
        count = draw(st.integers(0, 2))
        case = {"b1": _maybe(draw, st.booleans()), "b2": _maybe(draw, st.booleans()), "b3": _maybe(draw, st.booleans()),
                "i1": _maybe(draw, st.integers(-30, 30)), "i2": _maybe(draw, st.integers(-30, 30)),
                "i3": _maybe(draw, st.integers(-30, 30)), "n1": _maybe(draw, numbers), "n2": _maybe(draw, numbers),
                "c1": _maybe(draw, st.sampled_from("abc")), "d1": _maybe(draw, dates), "antal": count,
                "g": [{"m": _maybe(draw, st.integers(-3, 6)), "mb": _maybe(draw, st.booleans())} for _ in range(count)]}
        cases.append(case)
    return cases


@settings(max_examples=30)
@given(text=rule_texts(), data=st.data())
def test_generated_rules_agree_with_the_interpreter_on_every_row(tmp_path_factory, text, data):
    process = load(text)
    assume(not [d for d in validate(process, None) if d.severity == "error"])  # e.g. 'i2' applies if i2 > 1
    cases = data.draw(cases_for(25))
    path = str(tmp_path_factory.mktemp("gen") / "pop.csv")
    population.write(process, cases, path)
    try:
        assert_agree(process, path)
    except vectorised.VectorisedError as exc:  # e.g. an integer overflow: an error, never a wrong answer
        assert "DuckDB could not evaluate" in str(exc)


# -- edge cases --------------------------------------------------------------------------------

EDGE = """\
process: e
title: E
law: {id: "L 1"}
constants:
  nul: {value: 0}
facts:
  a: {type: int, ask: "a?"}
  x: {type: number, ask: "x?"}
  p: {type: bool, ask: "p?"}
  q: {type: bool, ask: "q?", applies_if: p, default: true}
  r: {type: int, ask: "r?", applies_if: "not p"}
outcomes:
  ratio: {value: "x / a", law: "§ 1"}
  lazy: {when: "p and x / a > 1 or not p", law: "§ 2"}
  rounded: {value: "round(x)", law: "§ 3"}
  rounded2: {value: "round(x, 1) + floor(x) + ceil(x)", law: "§ 4"}
  kleene: {when: "q or r > 2", law: "§ 5"}
  isnull: {when: "r == null", law: "§ 6"}
  later: {value: "a / nul", applies_if: "a > 100", law: "§ 7"}
"""


def write_csv(tmp_path, rows: list[str], header: str = "a,x,p,q,r") -> str:
    path = tmp_path / "pop.csv"
    path.write_text("\n".join([header] + rows) + "\n", encoding="utf-8")
    return str(path)


def outcomes_of(text: str, path: str) -> list[dict]:
    relation = vectorised.evaluate_population(load(text), path)
    return [dict(zip(relation.columns, row)) for row in relation.fetchall()]


@pytest.mark.parametrize("row, want", [
    ("2,-2.5,true,false,", {"ratio": -1.25, "rounded": -3, "rounded2": -2.5 - 3 - 2, "kleene": None, "isnull": True}),
    ("0,1.5,true,,", {"ratio": None, "lazy": None, "rounded": 2, "error": "ratio"}),
    ("0,1.5,false,,7", {"ratio": None, "lazy": True, "kleene": True, "isnull": False, "error": "ratio"}),
    ("0,-0.05,false,,", {"rounded": 0, "rounded2": -0.1 - 1 + 0, "kleene": True, "isnull": True}),
    ("101,2.45,true,false,", {"later": None, "error": "later", "rounded2": 2.5 + 2 + 3}),
    (",,,,", {"ratio": None, "lazy": None, "rounded": None, "kleene": True, "isnull": True, "error": None}),
], ids=["negative-half", "division-by-zero", "lazy-and", "rounding-near-zero", "error-under-applies_if", "nulls"])
def test_edge_cases_agree_with_the_interpreter(tmp_path, row, want):
    path = write_csv(tmp_path, [row])
    assert_agree(load(EDGE), path)
    got = outcomes_of(EDGE, path)[0]
    assert {k: got[k] for k in want} == want


def test_empty_population_gives_no_rows(tmp_path):
    path = write_csv(tmp_path, [])
    assert outcomes_of(EDGE, path) == []
    before = load(EDGE)
    changes = vectorised.decision_changes(before, before, path)
    assert (changes.rows, changes.changed, changes.samples) == (0, 0, ())


def test_a_bad_value_gets_population_reads_message(tmp_path):
    path = write_csv(tmp_path, ["1,2,true,,", "1,2,maybe,,"])
    with pytest.raises(population.PopulationError) as vectorised_error:
        vectorised.evaluate_population(load(EDGE), path)
    with pytest.raises(population.PopulationError) as read_error:
        population.read(load(EDGE), path)
    assert str(vectorised_error.value) == str(read_error.value) == f"{path}:3: column 'p' has 'maybe'; expected true or false"


def test_whitespace_and_spellings_read_as_population_read_reads_them(tmp_path):
    path = write_csv(tmp_path, ['" 3 ",\u00a02.5\u2003,JA,Nej,', "1e1,1_0,0,1,"])
    assert assert_agree(load(EDGE), path) == 2


def test_unknown_and_missing_columns(tmp_path):
    with pytest.raises(population.PopulationError, match="unknown column 'aa' for process 'e'; did you mean 'a'"):
        vectorised.evaluate_population(load(EDGE), write_csv(tmp_path, ["1,2,true,,,"], "a,x,p,q,r,aa"))
    with pytest.raises(population.PopulationError, match=r"missing column\(s\) r"):
        vectorised.evaluate_population(load(EDGE), write_csv(tmp_path, ["1,2,true,"], "a,x,p,q"))


def test_what_sql_cannot_express_is_named_not_guessed(tmp_path):
    text = EDGE.replace('"x / a"', '"years_between(date(if p then \'2020-01-01\' else \'2021-01-01\'), date(\'2026-01-01\'))"')
    with pytest.raises(vectorised.Unsupported, match=r"date\(\) of an expression"):
        vectorised.evaluate_population(load(text), write_csv(tmp_path, ["1,2,true,,"]))


def test_user_text_in_sql_is_quoted(tmp_path):
    text = EDGE.replace("nul: {value: 0}", 'nul: {value: 0}\n  quote: {value: "it\'s \\"x\\"; DROP TABLE t; --"}')
    text = text.replace('ratio: {value: "x / a"', 'ratio: {value: "quote"')
    got = outcomes_of(text, write_csv(tmp_path, ["1,2,true,,"]))
    assert got[0]["ratio"] == 'it\'s "x"; DROP TABLE t; --'


def test_outcomes_are_written_atomically_and_the_same_every_time(tmp_path):
    process = load((RULES / "boligstoette.yaml").read_text(encoding="utf-8"))
    path = str(tmp_path / "pop.parquet")
    population.write(process, clipped(process, population.generate(process, 200, seed=2)), path)
    out = [tmp_path / "a.parquet", tmp_path / "b.parquet"]
    for target in out:
        assert vectorised.write_outcomes(process, path, str(target)) == 200
    assert out[0].read_bytes() == out[1].read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".askless-")] == []


# -- decision changes --------------------------------------------------------------------------

def outcome(process: Process, name: str, case: dict) -> tuple[Any, bool]:
    """(the interpreter's value of one outcome, whether evaluating it raises)."""
    try:
        return Evaluation(process, case).get(name), False
    except EvalError:
        return None, True


def is_amount(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def brute_force_changes(before: Process, after: Process, cases: list[dict]) -> dict:
    """Row by row with the interpreter: the figures decision_changes computes in SQL."""
    found: dict[str, Any] = {}
    changed_any: set[int] = set()
    for name in (n for n in before.outcomes if n in after.outcomes):
        changed, up, down, yes_no, no_yes = [], [], [], 0, 0
        for number, case in enumerate(cases, start=1):
            b, a = outcome(before, name, case), outcome(after, name, case)
            if b == a:
                continue
            changed.append(number)
            changed_any.add(number)
            if is_amount(b[0]) and is_amount(a[0]):
                (up if a[0] > b[0] else down).append(abs(a[0] - b[0]))
            yes_no += b[0] is True and a[0] is False
            no_yes += b[0] is False and a[0] is True
        found[name] = {"changed": len(changed), "samples": tuple(changed[:5]), "up": len(up), "down": len(down),
                       "largest_up": max(up, default=None), "largest_down": max(down, default=None),
                       "mean_up": sum(up) / len(up) if up else None, "yes_to_no": yes_no, "no_to_yes": no_yes}
    return {"rows": len(cases), "changed": len(changed_any), "samples": tuple(sorted(changed_any)[:5]),
            "outcomes": found}


def with_constant(process: Process, name: str, value: Any) -> Process:
    constants = dict(process.constants)
    constants[name] = dataclasses.replace(constants[name], value=value)
    return dataclasses.replace(process, constants=constants)


@pytest.mark.parametrize("constant, value", [("indkomstgraense_bs", 200000), ("maks_bs", 40000),
                                             ("udbetalingsgraense_maaned", 1000)])
def test_decision_changes_agree_with_a_brute_force_comparison(tmp_path, constant, value):
    before = load((RULES / "boligstoette.yaml").read_text(encoding="utf-8"))
    after = with_constant(before, constant, value)
    path = str(tmp_path / "pop.parquet")
    population.write(before, clipped(before, population.generate(before, 800, seed=9)), path)
    cases = population.read(before, path)
    want = brute_force_changes(before, after, cases)
    got = vectorised.decision_changes(before, after, path)
    assert (got.rows, got.changed, got.samples) == (want["rows"], want["changed"], want["samples"])
    assert got.changed > 0
    for o in got.outcomes:
        w = want["outcomes"][o.outcome]
        assert (o.changed, o.samples) == (w["changed"], w["samples"]), o.outcome
        if o.kind == "amount":
            assert (o.up.rows if o.up else 0, o.down.rows if o.down else 0) == (w["up"], w["down"])
            assert o.up is None or (o.up.largest, o.up.mean) == (pytest.approx(w["largest_up"]), pytest.approx(w["mean_up"]))
            assert o.down is None or o.down.largest == pytest.approx(w["largest_down"])
        if o.kind == "yes/no":
            assert (o.yes_to_no, o.no_to_yes) == (w["yes_to_no"], w["no_to_yes"])
    again = vectorised.decision_changes(before, after, path)
    assert again == got  # deterministic, mean included (an exact DECIMAL sum)


def test_no_change_changes_nothing(tmp_path):
    process = load((RULES / "ekstra_affald.yaml").read_text(encoding="utf-8"))
    path = str(tmp_path / "pop.csv")
    population.write(process, clipped(process, population.generate(process, 300, seed=1)), path)
    changes = vectorised.decision_changes(process, process, path)
    assert (changes.rows, changes.changed, changes.share) == (300, 0, 0.0)
    assert all(o.changed == 0 for o in changes.outcomes)


def test_progress_is_reported_through_the_callback_only(tmp_path, capsys):
    process = load((RULES / "boligstoette.yaml").read_text(encoding="utf-8"))
    path = str(tmp_path / "pop.parquet")
    population.write(process, clipped(process, population.generate(process, 100, seed=3)), path)
    seen: list[float] = []
    vectorised.decision_changes(process, with_constant(process, "maks_bs", 1), path, progress=seen.append)
    assert all(0 <= p <= 100 for p in seen)
    captured = capsys.readouterr()
    assert captured.out == captured.err == ""


# -- analyzer.whatif's comparison, vectorised --------------------------------------------------

SCENARIOS = sorted((RULES.parent / "examples" / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_whatif_changes_equal_whatifs_row_by_row_comparison(tmp_path, path):
    from analyzer import scenario, whatif
    from analyzer.load import load_paths

    project = load_paths([str(RULES)])
    chosen = scenario.load(str(path))
    before = next(p for p in project.processes if p.name == chosen.process)
    after = scenario.apply(before, chosen.changes, project.catalogue)
    pop = str(tmp_path / "pop.parquet")
    population.write(before, clipped(before, population.generate(before, 1000, seed=7)), pop)
    want = whatif.decision_changes(before, after, population.read(before, pop))
    assert vectorised.whatif_changes(before, after, pop) == want


@settings(max_examples=30)
@given(text=rule_texts(), data=st.data())
def test_whatif_changes_on_generated_rules(tmp_path_factory, text, data):
    from analyzer import whatif

    before = load(text)
    assume(not [d for d in validate(before, None) if d.severity == "error"])
    after = with_constant(with_constant(before, "k1", data.draw(st.integers(-5, 20))), "k2",
                          data.draw(st.sampled_from([0.5, 2.25, -1.5])))
    cases = data.draw(cases_for(25))
    path = str(tmp_path_factory.mktemp("gen") / "pop.csv")
    population.write(before, cases, path)
    try:
        got = vectorised.whatif_changes(before, after, path)
    except vectorised.VectorisedError as exc:
        assert "DuckDB could not evaluate" in str(exc)
        return
    assert got == whatif.decision_changes(before, after, population.read(before, path))


# -- askless evaluate ------------------------------------------------------------------------------

def test_cli_evaluate_writes_outcomes_and_refuses_to_overwrite(runner, tmp_path):
    from cli import main

    pop, out = tmp_path / "pop.csv", tmp_path / "out.csv"
    rules = str(RULES / "ekstra_affald.yaml")
    assert runner.invoke(main, ["population", rules, "--rows", "50", "-o", str(pop)]).exit_code == 0
    result = runner.invoke(main, ["evaluate", rules, str(pop), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote the outcomes of 50 cases of ekstra_affald to {out}\n"
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[0] == "row" and header[-1] == "error" and len(out.read_text(encoding="utf-8").splitlines()) == 51
    again = runner.invoke(main, ["evaluate", rules, str(pop), "-o", str(out)])
    assert again.exit_code == 2 and "pass --force" in again.output


@pytest.mark.parametrize("args, message", [
    (["--sql", "nope"], "askless evaluate: no outcome 'nope' in process 'ekstra_affald'"),
    (["missing.csv", "-o", "x.csv"], "askless evaluate: missing.csv: no such file"),
], ids=["unknown-outcome", "missing-file"])
def test_cli_evaluate_errors_exit_2(runner, tmp_path, monkeypatch, args, message):
    from cli import main

    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["evaluate", str(RULES / "ekstra_affald.yaml"), *args])
    assert result.exit_code == 2
    assert result.stderr.startswith(message)


def test_cli_evaluate_sql_names_each_column_once(runner):
    from cli import main

    result = runner.invoke(main, ["evaluate", str(RULES / "boligstoette.yaml"), "--sql", "berettiget"])
    assert result.exit_code == 0
    names = [line.split(" := ")[0] for line in result.stdout.splitlines()]
    assert names[-1] == '"berettiget"' and len(names) == len(set(names))


def test_a_parquet_file_with_typed_columns_reads_as_population_read_reads_it(tmp_path):
    import duckdb

    source = write_csv(tmp_path, ["2,-2.5,true,false,", "0,1e15,false,,7", ",,,,", "3,0.125,true,true,"])
    target = str(tmp_path / "typed.parquet")
    duckdb.sql(f"COPY (SELECT CAST(a AS BIGINT) AS a, CAST(x AS DOUBLE) AS x, CAST(p AS BOOLEAN) AS p, "
               f"CAST(q AS BOOLEAN) AS q, CAST(r AS INTEGER) AS r FROM read_csv('{source}', header = true, "
               f"all_varchar = true)) TO '{target}' (FORMAT parquet)")
    assert assert_agree(load(EDGE), target) == 4


def test_a_whole_number_beyond_64_bits_stops_the_run_with_a_clear_error(tmp_path):
    path = write_csv(tmp_path, ["1,1e20,true,,"])  # round(1e20) is a whole number Python holds and BIGINT does not
    with pytest.raises(vectorised.VectorisedError, match="DuckDB could not evaluate the rules: .*out of range"):
        vectorised.write_outcomes(load(EDGE), path, str(tmp_path / "out.csv"))
