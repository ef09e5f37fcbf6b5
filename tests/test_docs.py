"""Every command output shown in README.md and docs/ is what the current code prints.

`scripts/docs.py --check` re-runs each `$ ` command of the pages' console blocks (about a minute:
it analyzes every bundled rule file twice). When this fails, run
`python scripts/docs.py --write` and proof-read the prose around the changed outputs.
"""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_docs_outputs_are_current():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "docs.py"), "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, f"the docs are out of date:\n{done.stdout}{done.stderr}"
