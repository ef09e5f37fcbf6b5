"""Shared fixtures: the repository root, the bundled rules, and a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
BROKEN = Path(__file__).resolve().parent / "broken"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
