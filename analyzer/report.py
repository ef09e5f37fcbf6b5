"""Render findings and results as text or JSON, and write files atomically.

Rendering returns strings; :func:`write_atomic` is the one place that writes a user's file.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Iterable

from .diagnostics import Diagnostic


def diagnostics_text(diagnostics: Iterable[Diagnostic]) -> str:
    return "".join(d.render() + "\n" for d in diagnostics)


def summary_line(files: int, processes: int, diagnostics: list[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.severity == "error")
    warnings = len(diagnostics) - errors
    plural = "s" if files != 1 else ""
    return (f"checked {files} file{plural} ({processes} process{'es' if processes != 1 else ''}): "
            f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}")


def diagnostics_json(files: list[str], diagnostics: list[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.severity == "error")
    data = {"files": files, "errors": errors, "warnings": len(diagnostics) - errors,
            "diagnostics": [d.to_dict() for d in diagnostics]}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename, so a
    reader never sees half a file and a failed write leaves the old file as it was."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".askless-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
