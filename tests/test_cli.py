"""Exact-format CLI tests: askless test, graph outputs, overwrite protection, determinism."""

from __future__ import annotations

import textwrap

import pytest

from cli import main
from tests.conftest import RULES

SMALL = textwrap.dedent("""\
    process: demo
    title: Demo
    law: {id: "LBK 1"}
    constants:
      graense: {value: 100, unit: DKK, valid_from: 2026-01-01, source: test}
    facts:
      indkomst: {type: money, ask: "Indkomst?"}
      lejer: {type: bool, ask: "Lejer?"}
    outcomes:
      ret:
        when: lejer and indkomst < graense
        law: "§ 1"
      beloeb:
        applies_if: ret
        value: graense - indkomst
        law: "§ 2"
    tests:
      - name: lav indkomst
        given: {indkomst: 40, lejer: true}
        expect: {ret: true, beloeb: 50}
      - name: ejer
        given: {indkomst: 40, lejer: false}
        expect: {ret: false, beloeb: null}
    """)


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def test_failing_case_shows_inputs_expected_actual_and_path(runner, small):
    result = runner.invoke(main, ["test", str(small)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"FAIL {small}:18:5: test 'lav indkomst'"
    assert lines[1] == "  given: indkomst=40, lejer=true"
    assert lines[2] == "  beloeb: expected 50, got 60"
    assert lines[3] == f"    {small}:13:3: beloeb <- value: graense - indkomst = 60"
    assert lines[-1] == f"{small}: 1 of 2 tests passed; outcome branches 4/4 (100 %)"


def test_passing_suite_exits_0_and_reports_uncovered_branches(runner, small):
    small.write_text(SMALL.replace("expect: {ret: true, beloeb: 50}", "expect: {ret: true, beloeb: 60}")
                     .replace("given: {indkomst: 40, lejer: false}", "given: {indkomst: 40, lejer: true}")
                     .replace("expect: {ret: false, beloeb: null}", "expect: {ret: true}"), encoding="utf-8")
    result = runner.invoke(main, ["test", str(small)])
    assert result.exit_code == 0, result.output
    assert "outcome branches 2/4 (50 %)" in result.stdout
    assert f"not reached: {small}:10:3: outcome 'ret' is false" in result.stdout
    assert f"not reached: {small}:13:3: outcome 'beloeb': applies_if does not hold" in result.stdout


def test_test_on_invalid_rules_exits_2(runner, small):
    small.write_text(SMALL.replace("indkomst < graense", "indkomst < grense"), encoding="utf-8")
    result = runner.invoke(main, ["test", str(small)])
    assert result.exit_code == 2
    assert "unknown name 'grense'" in result.stderr
    assert "did you mean 'graense'?" in result.stderr


def test_bundled_rules_pass_their_tests(runner):
    result = runner.invoke(main, ["test", str(RULES)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("fmt", ["dot", "mermaid", "graphml", "json"])
def test_graph_output_is_deterministic(runner, fmt):
    args = ["graph", str(RULES), "--format", fmt]
    first, second = runner.invoke(main, args), runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout
    assert len(first.stdout) > 200


def test_output_file_is_not_overwritten_without_force(runner, tmp_path):
    target = tmp_path / "graph.mmd"
    target.write_text("my notes", encoding="utf-8")
    result = runner.invoke(main, ["graph", str(RULES / "boligstoette.yaml"), "-o", str(target)])
    assert result.exit_code == 2
    assert "pass --force" in result.stderr
    assert target.read_text(encoding="utf-8") == "my notes"
    result = runner.invoke(main, ["graph", str(RULES / "boligstoette.yaml"), "-o", str(target), "--force"])
    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("flowchart LR")
    assert [p.name for p in tmp_path.iterdir()] == ["graph.mmd"]  # no temporary file left behind


def test_graph_refuses_invalid_rules(runner, small):
    small.write_text(SMALL.replace("lejer: {type: bool", "lejer: {type: boolean"), encoding="utf-8")
    result = runner.invoke(main, ["graph", str(small)])
    assert result.exit_code == 2
    assert "expected one of bool" in result.stderr
    assert "Traceback" not in result.output


def test_two_files_defining_one_process_is_an_error(runner, tmp_path):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(SMALL, encoding="utf-8")
    result = runner.invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stdout == (f"{tmp_path / 'b.yaml'}:1:10: [error] process 'demo' is also defined in "
                             f"{tmp_path / 'a.yaml'} (duplicate-name); hint: give each process its own name; "
                             "results and graphs are keyed by it\n")
