"""Browser test harness: open a local HTML page in headless Chromium and report what happened.

Contract (for every test of a self-contained page: the HTML flow, the HTML report):

- :func:`chromium_or_skip` skips the calling test, saying exactly what is missing, when Debian's
  Chromium (``/usr/bin/chromium``, or ``$ASKLESS_CHROMIUM``), ``node`` or the npm packages in
  ``tests/js/node_modules`` (``make test`` installs them: ``npm ci`` in tests/js) are absent.
  It never skips for any other reason: a page that fails to load is a failure, not a skip.
- :func:`run_page` opens ``path`` (a local file) through ``tests/js/page.mjs`` (playwright-core
  driving Chromium with a fresh user-data-dir, offline), performs ``actions`` in order (each an
  :func:`action`; the first one that fails stops the rest and is reported in ``action_errors``),
  reads the inner text of every element matching each selector in ``texts``, saves a full-page
  PNG screenshot as ``tests/artifacts/<screenshot>`` (the folder is gitignored) and returns a
  :class:`PageRun`. Every network request the page makes (anything but its own document) is
  blocked and listed in ``requests``: a self-contained page has none. Console errors and uncaught
  page errors are listed too.
- :func:`run_node` runs any other Node script of ``tests/js`` with a JSON spec file and returns
  its JSON output; scripts import ``launch()`` and ``open()`` from page.mjs to share the same
  browser set-up and request blocking (tests/js/flow.mjs does).

From the command line (this is how the screenshots in docs/img/ are made)::

    python tests/browser.py PAGE.html OUT.png [ACTION ...]    # ACTION: do:selector, or do:selector=value (after the last =)

Example::

    chromium_or_skip()
    run = run_page(html_file, [action("click", "#start")], texts={"title": "h1"}, screenshot="x.png")
    assert run.clean, run.problems()
    assert run.texts["title"] == ["Boligstøtte"]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "tests" / "js"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path(os.environ.get("ASKLESS_CHROMIUM", "/usr/bin/chromium"))
#: most seconds one Node run may take before the test fails (never hangs the suite)
TIMEOUT = 120


def missing() -> str | None:
    """What the browser tests need and is absent, or None when everything is there."""
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM} (Debian package 'chromium'; `make test` installs it)"
    if shutil.which("node") is None:
        return "node is not on PATH (Node 20 runs tests/js/*.mjs)"
    if not (JS / "node_modules" / "playwright-core").is_dir():
        return "tests/js/node_modules/playwright-core is missing (run `npm ci` in tests/js, or `make test`)"
    return None


def chromium_or_skip() -> None:
    """Skip the calling test with a clear reason when the browser cannot run (see module docstring)."""
    reason = missing()
    if reason is not None:
        pytest.skip(f"browser test skipped: {reason}")


def action(do: str, selector: str, value: Any = None) -> dict:
    """One action for :func:`run_page`: ``fill``, ``select`` (an option value), ``click``,
    ``check``, ``press`` (a key such as ``Enter``) or ``wait`` (until the selector is present)."""
    if do not in ("fill", "select", "click", "check", "press", "wait"):
        raise ValueError(f"unknown action {do!r}")
    return {"do": do, "selector": selector, "value": value}


@dataclass(frozen=True)
class PageRun:
    """What happened on the page."""

    #: per name given in ``texts``, the inner text of every matching element, in document order
    texts: dict[str, list[str]] = field(default_factory=dict)
    console_errors: tuple[str, ...] = ()
    page_errors: tuple[str, ...] = ()
    #: every request the page tried to make (all blocked)
    requests: tuple[str, ...] = ()
    #: the action that failed, if one did (the later ones were not run)
    action_errors: tuple[str, ...] = ()
    #: the screenshot written, or None
    screenshot: Path | None = None

    @property
    def clean(self) -> bool:
        """No console error, no page error, no network request, every action done."""
        return not (self.console_errors or self.page_errors or self.requests or self.action_errors)

    def problems(self) -> str:
        """The non-empty error lists, for an assertion message."""
        parts = {"console errors": self.console_errors, "page errors": self.page_errors,
                 "network requests": self.requests, "failed actions": self.action_errors}
        return "; ".join(f"{k}: {list(v)}" for k, v in parts.items() if v) or "none"


def run_node(script: str, spec: dict, timeout: int = TIMEOUT) -> dict:
    """Run ``tests/js/<script>`` with ``spec`` written to a JSON file; its stdout parsed as JSON.

    A script that exits non-zero fails the test with its stderr."""
    with tempfile.TemporaryDirectory(prefix="askless-browser-") as tmp:
        spec_file = Path(tmp) / "spec.json"
        spec_file.write_text(json.dumps(spec), encoding="utf-8")
        proc = subprocess.run(["node", str(JS / script), str(spec_file)], capture_output=True, text=True,
                              timeout=timeout, cwd=JS)
    if proc.returncode != 0:
        pytest.fail(f"node {script} failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout)


def artifact(name: str) -> Path:
    """The path of a test artifact (the folder is created; it is gitignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


def run_page(path: Path, actions: list[dict] | tuple = (), texts: dict[str, str] | None = None,
             screenshot: str | None = None, timeout_ms: int = 5000) -> PageRun:
    """Open the local file ``path`` in Chromium, act, read texts, screenshot (module docstring)."""
    spec = {"url": Path(path).resolve().as_uri(), "actions": list(actions), "texts": texts or {},
            "screenshot": str(artifact(screenshot)) if screenshot else None, "timeout_ms": timeout_ms}
    out = run_node("page.mjs", spec)
    return PageRun(out.get("texts", {}), tuple(out.get("console_errors", ())), tuple(out.get("page_errors", ())),
                   tuple(out.get("requests", ())), tuple(out.get("action_errors", ())),
                   Path(out["screenshot"]) if out.get("screenshot") else None)


def main(argv: list[str]) -> int:
    """Open PAGE.html, perform the actions, save a full-page screenshot as OUT.png (module docstring)."""
    if len(argv) < 2 or missing() is not None:
        print(__doc__.split("Example::")[0].strip() if len(argv) < 2 else f"cannot run: {missing()}")
        return 2
    page, out, *steps = argv
    actions = []
    for step in steps:
        do, _, rest = step.partition(":")
        selector, eq, value = rest.rpartition("=") if do in ("fill", "select", "press") else (rest, "", "")
        actions.append(action(do, selector, value if eq else None))
    spec = {"url": Path(page).resolve().as_uri(), "actions": actions, "texts": {},
            "screenshot": str(Path(out).resolve()), "timeout_ms": 5000}
    proc = subprocess.run(["node", str(JS / "page.mjs"), "-"], input=None, capture_output=True, text=True,
                          timeout=TIMEOUT, cwd=JS, env={**os.environ, "ASKLESS_SPEC": json.dumps(spec)})
    if proc.returncode != 0:
        print(proc.stderr.strip())
        return 1
    run = json.loads(proc.stdout)
    problems = run["console_errors"] + run["page_errors"] + run["requests"] + run["action_errors"]
    if problems:
        print("; ".join(problems))
        return 1
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    import sys
    raise SystemExit(main(sys.argv[1:]))
