"""The XLSForm export: pyxform converts it without errors or warnings, and its XPath (``relevant``,
``calculation``) run by a small XPath 1.0 evaluator below, as ODK would, fills the form like the
three-valued flow and computes the outcomes of the exact interpreter.

The evaluator covers what the export writes: ``${name}``, numbers, quoted text, ``= != < <= > >=
+ - * div and or``, unary minus, and the functions if, not, true, false, min, max, abs, floor,
ceiling, round, concat, contains, string-length, number, indexed-repeat and position(..).
"""

from __future__ import annotations

import functools
import io
import math
import re
import zipfile

import pytest
from hypothesis import given, settings
from openpyxl import load_workbook
from pyxform import xls2xform

from analyzer import flowcompile, population
from analyzer.evaluate import Evaluation, round_half_away
from analyzer.exports import xlsform
from tests.strategies import FiniteRuleSet, finite_rule_sets
from tests.test_export_surveyjs import MODES, PROCESSES, _answered, _put, prefill, process_of, reference_flow
from tests.test_metrics import load

# -- a small XPath evaluator -------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(\$\{[^}]+\})|(\d+(?:\.\d+)?)|('[^']*'|\"[^\"]*\")|(!=|<=|>=|=|<|>|\+|-|\*|\(|\)|,|\.\.)"
                    r"|([A-Za-z_][\w-]*))")


@functools.lru_cache(maxsize=4096)
def tokens(text: str) -> list[tuple[str, str]]:
    found, pos = [], 0
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        assert m, f"cannot read XPath at {text[pos:pos + 30]!r} in {text!r}"
        kind = ["ref", "num", "str", "op", "name"][m.lastindex - 1]
        found.append((kind, m.group(m.lastindex)))
        pos = m.end()
    return found + [("end", "")]


def number(v) -> float:
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(v) if v.strip() else math.nan
    except ValueError:
        return math.nan


def string(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "NaN" if v != v else str(int(v)) if v.is_integer() else repr(v)
    return v


def boolean(v) -> bool:
    if isinstance(v, str):
        return v != ""
    if isinstance(v, float):
        return v == v and v != 0
    return bool(v)


def equal(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return boolean(a) == boolean(b)
    if isinstance(a, float) or isinstance(b, float):
        return number(a) == number(b)
    return a == b


class XPath:
    """Evaluate one expression; ``lookup(name, index)`` gives a node's value (str: '' when empty)."""

    def __init__(self, text: str, lookup, position: int | None = None):
        self.t, self.i, self.lookup, self.position = tokens(text), 0, lookup, position

    def run(self):
        value = self.disjunction()
        assert self.t[self.i][0] == "end", self.t[self.i:]
        return value

    def peek(self) -> str:
        return self.t[self.i][1] if self.t[self.i][0] in ("op", "name") else ""

    def take(self):
        self.i += 1
        return self.t[self.i - 1]

    def disjunction(self):
        v = self.conjunction()
        while self.peek() == "or":
            self.take()
            w = self.conjunction()
            v = boolean(v) or boolean(w)
        return v

    def conjunction(self):
        v = self.equality()
        while self.peek() == "and":
            self.take()
            w = self.equality()
            v = boolean(v) and boolean(w)
        return v

    def equality(self):
        v = self.relational()
        while self.peek() in ("=", "!="):
            op = self.take()[1]
            same = equal(v, self.relational())
            v = same if op == "=" else not same
        return v

    def relational(self):
        v = self.additive()
        while self.peek() in ("<", "<=", ">", ">="):
            op = self.take()[1]
            a, b = number(v), number(self.additive())
            v = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        return v

    def additive(self):
        v = self.multiplicative()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            w = number(self.multiplicative())
            v = number(v) + w if op == "+" else number(v) - w
        return v

    def multiplicative(self):
        v = self.unary()
        while self.peek() in ("*", "div"):
            op = self.take()[1]
            a, b = number(v), number(self.unary())
            v = a * b if op == "*" else (a / b if b else (math.nan if a == 0 or a != a else math.copysign(math.inf, a)))
        return v

    def unary(self):
        if self.peek() == "-":
            self.take()
            return -number(self.unary())
        return self.primary()

    def primary(self):
        kind, text = self.take()
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1]
        if kind == "ref":
            return self.lookup(text[2:-1], None)
        if text == "(":
            v = self.disjunction()
            assert self.take()[1] == ")"
            return v
        assert kind == "name" and self.take()[1] == "(", (kind, text)
        if text == "position":
            assert self.take()[1] == ".." and self.take()[1] == ")"
            return float(self.position)
        if text == "indexed-repeat":
            name = self.take()[1][2:-1]
            assert self.take()[1] == ","
            self.take()
            assert self.take()[1] == ","
            index = int(number(self.disjunction()))
            assert self.take()[1] == ")"
            return self.lookup(name, index)
        args = []
        while self.peek() != ")":
            args.append(self.disjunction())
            if self.peek() == ",":
                self.take()
        self.take()
        return call(text, args)


def call(f: str, args: list):
    if f == "if":
        return args[1] if boolean(args[0]) else args[2]
    if f in ("true", "false"):
        return f == "true"
    if f == "not":
        return not boolean(args[0])
    if f == "concat":
        return "".join(string(a) for a in args)
    if f == "contains":
        return string(args[1]) in string(args[0])
    if f == "string-length":
        return float(len(string(args[0])))
    xs = [number(a) for a in args]
    if any(x != x for x in xs):
        return math.nan
    if f in ("min", "max"):
        return min(xs) if f == "min" else max(xs)
    if f in ("abs", "floor", "ceiling", "number"):
        return {"abs": abs, "floor": math.floor, "ceiling": math.ceil, "number": float}[f](xs[0]) * 1.0
    if f == "round":
        return float(round_half_away(xs[0], int(xs[1]) if len(xs) > 1 else 0))
    raise AssertionError(f)


# -- the form, as ODK would run it ----------------------------------------------------------------

def workbook(program: flowcompile.Program) -> dict[str, list[dict]]:
    book = load_workbook(io.BytesIO(xlsform.render(program)))
    found = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        found[sheet.title] = [{k: v for k, v in zip(rows[0], row) if v is not None} for row in rows[1:]]
    return found


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return string(float(value)) if isinstance(value, (int, float)) else value


def fill(sheet: list[dict], answers: dict) -> tuple[list[str], dict[str, str]]:
    """Evaluate the survey sheet on ``answers``: the visible questions (labels as the program's)
    and every calculate's stored value."""
    calc: dict[str, str] = {}
    groups = {}  # fact name -> group of a member question
    group = None
    for row in sheet:
        if row["type"] == "begin_repeat":
            group = row["name"]
        elif row["type"] == "end_repeat":
            group = None
        elif group:
            groups[row["name"]] = group

    def lookup(name: str, index: int | None):
        if name in calc:
            return calc[name]
        if name in groups:
            rows = answers.get(groups[name]) or []
            return _cell(rows[index - 1].get(name)) if index and index <= len(rows) else ""
        return _cell(answers.get(name))

    for row in sheet:
        if row["type"] == "calculate":
            calc[row["name"]] = string(XPath(row["calculation"], lookup).run())
    visible = []
    group, count, shown = None, 0, True
    for row in sheet:
        kind = row["type"]
        if kind == "begin_repeat":
            n = number(lookup(row["repeat_count"][2:-1], None))
            group, count = row["name"], int(n) if n == n else 0  # no panel until the count is answered
            shown = boolean(XPath(row.get("relevant", "true()"), lookup).run())
        elif kind == "end_repeat":
            group = None
        elif kind == "begin_group" and row["name"] == "decision":
            calc["(decision shown)"] = string(boolean(XPath(row["relevant"], lookup).run()))
        elif kind not in ("calculate", "note", "begin_group", "end_group"):
            if group is None:
                if boolean(XPath(row.get("relevant", "true()"), lookup).run()) and not row.get("read_only"):
                    visible.append(row["name"])
            elif shown and not row.get("read_only"):
                for i in range(1, count + 1):
                    if boolean(XPath(row.get("relevant", "true()"), lookup, i).run()):
                        visible.append(f"{group}.{i}.{row['name']}")
    return visible, calc


def xpath_flow(program: flowcompile.Program, sheet: list[dict], case: dict) -> tuple[list[str], dict]:
    process = program.process
    answers = prefill(process, case, program.mode)
    asked: list[str] = []
    while True:
        visible, calc = fill(sheet, answers)
        todo = [v for v in visible if not _answered(answers, v)]
        if not todo:
            return asked, calc
        parts = todo[0].split(".")
        item = (parts[0], int(parts[1]), parts[2]) if len(parts) == 3 else (None, None, parts[0])
        asked.append(_put(process, answers, case, item))


def shown_value(value, kind: str) -> str:
    """An outcome's value as the form's calculate shows it."""
    if value is None:
        return ""
    if kind == "bool":
        return "ja" if value else "nej"
    if kind == "items":
        return "".join(f"|{v}|" for v in value)
    return string(float(value)) if isinstance(value, (int, float)) else value


def check_form(program: flowcompile.Program, cases: list[dict]) -> None:
    sheet = workbook(program)["survey"]
    process = program.process
    for case in cases:
        asked, calc = xpath_flow(program, sheet, case)
        assert asked == reference_flow(process, case, program.mode), case
        expected = Evaluation(process, case).outcomes()
        for o in program.outcomes:
            want, got = shown_value(expected[o.outcome.name], o.type), calc[o.outcome.name]
            if o.type == "number" and want and got:
                assert math.isclose(float(want), float(got), rel_tol=1e-9, abs_tol=1e-6), (o.outcome.name, case)
            else:
                assert got == want, (o.outcome.name, case, got, want)
        assert calc["(decision shown)"] == "true"


# -- the tests ------------------------------------------------------------------------------------

def test_the_evaluator_reads_xpath_as_odk_does() -> None:
    run = lambda text: XPath(text, lambda n, i: {"a": "2", "b": "yes", "c": ""}[n]).run()  # noqa: E731
    assert run("${a} + 3 * 2 = 8") is True
    assert run("if(${b} = 'yes', 'x', 'y')") == "x"
    assert run("string-length(${c}) > 0 or not(false())") is True
    assert run("round(2.5, 0) + round(0 - 2.5, 0) + floor(0 - 0.5)") == -1.0
    assert run("number(${c}) = number(${c})") is False  # NaN is not equal to itself


@pytest.mark.parametrize("name", PROCESSES)
@pytest.mark.parametrize("mode", MODES)
def test_pyxform_converts_the_export_without_warnings(name: str, mode: str, tmp_path) -> None:
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(xlsform.render(flowcompile.compile_process(process_of(name), mode)))
    warnings: list[str] = []
    result = xls2xform.convert(xlsform=str(path), warnings=warnings)
    assert warnings == []
    assert "<h:html" in result.xform and "relevant=" in result.xform


@pytest.mark.parametrize("name", PROCESSES)
@pytest.mark.parametrize("mode", MODES)
def test_xpath_of_the_export_fills_the_form_like_the_kleene_flow(name: str, mode: str) -> None:
    process = process_of(name)
    rows = 6 if name in ("boligstoette", "byggetilladelse") else 12
    check_form(flowcompile.compile_process(process, mode), population.generate(process, rows, seed=17))


@settings(max_examples=25, deadline=None)
@given(finite_rule_sets())
def test_xpath_of_random_rule_sets_fills_the_form_like_the_kleene_flow(rules: FiniteRuleSet) -> None:
    process = load(rules)
    for mode in MODES:
        check_form(flowcompile.compile_process(process, mode), population.generate(process, 6, seed=2))


def test_the_workbook_is_byte_identical_and_has_no_time_stamp() -> None:
    first = xlsform.render(flowcompile.compile_process(process_of("boligstoette")))
    assert first == xlsform.render(flowcompile.compile_process(process_of("boligstoette")))
    core = zipfile.ZipFile(io.BytesIO(first)).read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core and not re.search(r"20[1-9]\d-\d\d-\d\dT", core)
    assert {i.date_time for i in zipfile.ZipFile(io.BytesIO(first)).infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_sheets_hold_a_repeat_for_the_household() -> None:
    survey = workbook(flowcompile.compile_process(process_of("boligstoette")))["survey"]
    repeat = next(r for r in survey if r["type"] == "begin_repeat")
    assert repeat["name"] == "voksne" and repeat["repeat_count"] == "${antal_voksne}"
    member = survey[survey.index(repeat) + 1]
    assert member["name"] == "indkomst" and "position(..) = 3" in member["relevant"]


def test_cli_writes_the_workbook_only_to_a_file(tmp_path) -> None:
    from click.testing import CliRunner

    from cli import main
    from tests.conftest import RULES

    runner = CliRunner()
    rules = str(RULES / "ekstra_affald.yaml")
    assert runner.invoke(main, ["flow", rules, "--format", "xlsform"]).exit_code == 2
    out = tmp_path / "form.xlsx"
    assert runner.invoke(main, ["flow", rules, "--format", "xlsform", "-o", str(out)]).exit_code == 0
    first = out.read_bytes()
    refused = runner.invoke(main, ["flow", rules, "--format", "xlsform", "-o", str(out)])
    assert refused.exit_code == 2 and "--force" in refused.output
    assert runner.invoke(main, ["flow", rules, "--format", "xlsform", "-o", str(out), "--force"]).exit_code == 0
    assert out.read_bytes() == first
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind
