"""The complexity gate: `askless analyze --max-static / --max-expected / --max-hours`."""

from __future__ import annotations

import json
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import gate, metrics
from analyzer.load import load_paths
from cli import main

# Three questions, one of them skipped when the first answer decides: static worst 3 in
# anonymous mode, 2 logged in (alder comes from CPR); 1000 applications a year.
GATED = textwrap.dedent("""\
    process: gated
    title: Gated
    law: {id: "LBK 1"}
    volume: {applications_per_year: 1000, source: test}
    facts:
      lejer: {type: bool, ask: "Bor du til leje?", p_true: 0.5, source: test}
      studerende: {type: bool, ask: "Er du studerende?", p_true: 0.5, source: test}
      alder: {type: int, register: CPR, ask: "Hvor gammel er du?", min: 0, max: 120,
              prior: [{upto: 17, p: 0.2}, {p: 0.8}], source: test}
    outcomes:
      ret:
        when: lejer and (studerende or alder >= 18)
        law: "§ 1"
    """)


@pytest.fixture
def gated(tmp_path):
    path = tmp_path / "gated.yaml"
    path.write_text(GATED, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    path = tmp_path_factory.mktemp("gate") / "gated.yaml"
    path.write_text(GATED, encoding="utf-8")
    project = load_paths([str(path)])
    return metrics.analyze(project.processes[0])


def run(runner, *args):
    return runner.invoke(main, ["analyze", *map(str, args)])


def test_within_every_limit_exits_0_and_says_passed(runner, gated):
    result = run(runner, gated, "--max-static", 3, "--max-expected", 3, "--max-hours", 10_000)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == ["gate: passed, --max-static, --max-expected, --max-hours "
                                          "on 1 process x 2 modes"]
    assert result.stdout.startswith("gated (")  # the analysis table is still printed


def test_static_breach_names_process_mode_value_limit_and_kind(runner, gated):
    result = run(runner, gated, "--max-static", 2)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{gated}: [gate] gated, anonymous: static form questions (worst case) is 3 (exact), over --max-static 2",
        "gate: failed, 1 breach of --max-static on 1 process x 2 modes",
    ]


def test_expected_breach_in_both_modes_one_line_each(runner, gated, analysis):
    anonymous = analysis["modes"]["anonymous"]["flow"]["expected"]["value"]
    logged_in = analysis["modes"]["logged_in"]["flow"]["expected"]["value"]
    assert logged_in < anonymous  # the register answers alder when logged in
    result = run(runner, gated, "--max-expected", 0.5)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 3
    assert lines[0].endswith(f"anonymous: minimal flow expected questions is {anonymous:g} (exact), "
                             "over --max-expected 0.5")
    assert lines[1].endswith(f"logged_in: minimal flow expected questions is {logged_in:g} (exact), "
                             "over --max-expected 0.5")


def test_limit_equal_to_the_value_passes(runner, gated, analysis):
    anonymous = analysis["modes"]["anonymous"]["flow"]["expected"]["value"]
    assert run(runner, gated, "--max-expected", anonymous).exit_code == 0


def test_hours_are_an_estimate(runner, gated, analysis):
    hours = analysis["modes"]["anonymous"]["burden"]["flow"]["hours_per_year"]
    result = run(runner, gated, "--max-hours", 0)
    assert result.exit_code == 1
    assert f"minimal flow citizen hours a year is {gate._number(hours)} (estimate), over --max-hours 0" in result.stderr


def test_hours_without_volume_fail_the_gate_saying_why(runner, tmp_path):
    path = tmp_path / "novolume.yaml"
    path.write_text(GATED.replace("volume: {applications_per_year: 1000, source: test}\n", ""), encoding="utf-8")
    result = run(runner, path, "--max-hours", 1_000_000)
    assert result.exit_code == 1
    assert (f"{path}: [gate] gated, anonymous: minimal flow citizen hours a year is unknown "
            "(the rule file declares no volume), over --max-hours 1,000,000") in result.stderr.splitlines()


def test_json_carries_the_verdict(runner, gated):
    result = runner.invoke(main, ["analyze", str(gated), "--format", "json", "--max-static", 2])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["gate"]["passed"] is False
    assert [(b["mode"], b["option"], b["value"], b["limit"]) for b in data["gate"]["breaches"]] == [
        ("anonymous", "--max-static", 3, 2)]


def test_no_limits_no_gate(runner, gated):
    result = run(runner, gated)
    assert result.exit_code == 0
    assert "gate" not in result.stderr


@pytest.mark.parametrize("args", [["--max-static", "-1"], ["--max-expected", "nan"], ["--max-hours", "x"]],
                         ids=["negative", "nan", "not-a-number"])
def test_bad_limits_exit_2(runner, gated, args):
    assert run(runner, gated, *args).exit_code == 2


def test_invalid_rules_exit_2_not_1(runner, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("process: bad\ntitle: Bad\nfacts: {x: {type: nope}}\noutcomes: {}\n", encoding="utf-8")
    assert run(runner, path, "--max-static", 100).exit_code == 2


@settings(max_examples=60)
@given(static=st.none() | st.integers(0, 4), expected=st.none() | st.floats(0, 4, allow_nan=False),
       hours=st.none() | st.floats(0, 200, allow_nan=False))
def test_breaches_are_exactly_the_figures_over_their_limits(analysis, static, expected, hours):
    """Oracle: walk the analysis by hand; a breach for each (mode, figure) whose value exceeds its limit."""
    limits = gate.Limits(static, expected, hours)
    want = set()
    for mode, m in analysis["modes"].items():
        if static is not None and m["static"]["worst"]["value"] > static:
            want.add((mode, "--max-static"))
        if expected is not None and m["flow"]["expected"]["value"] > expected:
            want.add((mode, "--max-expected"))
        if hours is not None and m["burden"]["flow"]["hours_per_year"] > hours:
            want.add((mode, "--max-hours"))
    got = gate.check([analysis], limits)
    assert {(b.mode, b.option) for b in got} == want
    assert got == sorted(got, key=gate.Breach.sort_key)


# -- the pre-commit hooks run the commands they name ----------------------------------------------

def _hooks() -> list[dict]:
    import yaml

    from tests.conftest import ROOT
    with open(ROOT / ".pre-commit-hooks.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_hooks_are_askless_check_and_gate():
    assert [h["id"] for h in _hooks()] == ["askless-check", "askless-gate"]
    assert all(h["language"] == "python" and h["entry"].startswith("askless ") for h in _hooks())


@pytest.mark.parametrize("hook", ["askless-check", "askless-gate"])
def test_hook_entry_and_args_run_on_a_rule_file(runner, gated, hook):
    """What pre-commit would run: the entry, the hook's args, then the file names."""
    spec = next(h for h in _hooks() if h["id"] == hook)
    argv = spec["entry"].split()[1:] + list(spec.get("args", [])) + [str(gated)]
    assert runner.invoke(main, argv).exit_code == 0
    if hook == "askless-gate":  # the limits a user sets in args are honoured
        assert runner.invoke(main, [*argv[:-1], "--max-static", "2", str(gated)]).exit_code == 1
