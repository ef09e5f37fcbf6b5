"""The synthetic rule-set generator (benchmarks/generate.py): deterministic, and every file it
writes passes `askless check --strict`. Functional only: no timing is asserted here (the timings
live in docs/performance.md, measured by `make bench`)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from analyzer.load import load_paths
from analyzer.validate import validate

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENERATOR = os.path.join(ROOT, "benchmarks", "generate.py")


def _module():
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


generate = _module().generate


def _diagnostics(path: str) -> list:
    project = load_paths([path])
    found = list(project.diagnostics)
    for process in project.processes:
        found.extend(validate(process, project.catalogue))
    return found, project


@pytest.mark.parametrize("kwargs", [
    {"questions": 1},
    {"questions": 5, "seed": 2},
    {"questions": 10, "seed": 1},
    {"questions": 12, "seed": 3, "shared": 0, "nesting": 0, "arithmetic": False},
    {"questions": 30, "seed": 4, "shared": 8, "nesting": 5, "outcomes": 20, "cross": 0.9},
    {"questions": 60, "seed": 5, "shared": 2, "nesting": 1, "outcomes": 3},
])
def test_generated_file_is_clean_under_strict_check(tmp_path, kwargs):
    path = tmp_path / "synthetic.yaml"
    path.write_text(generate(**kwargs), encoding="utf-8")
    found, project = _diagnostics(str(path))
    assert [str(d) for d in found] == []
    (process,) = project.processes
    inputs = [f for f in process.all_facts() if f.kind != "derived"]
    assert len(inputs) == kwargs["questions"]
    if kwargs.get("outcomes"):
        assert len(process.outcomes) == kwargs["outcomes"]
    # every answer has a declared prior
    for fact in inputs:
        declared = fact.p_true is not None or fact.prior or fact.distribution or \
            (fact.choices and all(c.p is not None for c in fact.choices))
        assert declared, fact.name


def test_generator_is_deterministic_and_seeded():
    assert generate(40, seed=7) == generate(40, seed=7)
    assert generate(40, seed=7) != generate(40, seed=8)


def test_shared_facts_are_registers_used_by_many_outcomes():
    text = generate(120, seed=1, shared=2)
    assert "register: eIndkomst" in text and "register: CPR" in text
    body = text.split("\nfacts:", 1)[1]
    assert body.count("indkomst <=") >= 5


def test_arithmetic_knob():
    assert "value: " in generate(40, seed=1, arithmetic=True)
    without = generate(40, seed=1, arithmetic=False)
    assert "* 12" not in without and "value: " not in without.split("\noutcomes:", 1)[1]


def test_command_line_check_strict(tmp_path):
    """The generator's command line writes a file that `askless check --strict` accepts (exit 0)."""
    out = tmp_path / "bench.yaml"
    subprocess.run([sys.executable, GENERATOR, "--questions", "25", "--seed", "3", "--shared", "3",
                    "--nesting", "3", "--outcomes", "6", "--no-arithmetic", "-o", str(out)], check=True)
    askless = os.path.join(os.path.dirname(sys.executable), "askless")
    command = [askless] if os.path.exists(askless) else [sys.executable, "-m", "cli"]
    done = subprocess.run([*command, "check", "--strict", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
