"""Render findings and results as text or JSON, and write files atomically.

Rendering returns strings; :func:`write_atomic` is the one place that writes a user's file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable

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


def write_atomic(path: str, text: str | bytes) -> None:
    """Write ``text`` (UTF-8 with ``\\n`` line ends, or bytes as they are) to ``path`` through a
    temporary file in the same folder and a rename, so a reader never sees half a file and a
    failed write leaves the old file as it was."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".askless-", dir=folder)
    try:
        if isinstance(text, bytes):
            with os.fdopen(fd, "wb") as handle:
                handle.write(text)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        # mkstemp makes the file private (0600); give it the mode a new file would get
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# -- askless analyze ------------------------------------------------------------------------------

def _fmt(fig: dict | None, digits: int = 1) -> str:
    """A figure for a table: '~' marks an estimate, '≥' a bound."""
    if not fig or fig.get("value") is None:
        return "–"
    value = fig["value"]
    text = f"{value:.{digits}f}" if isinstance(value, float) else str(value)
    return {"estimate": "~", "bound": "≥"}.get(fig["kind"], "") + text


def _span(block: dict | None) -> str:
    if not block:
        return "–"
    text = _fmt(block.get("expected"))
    if block.get("best") is not None and block.get("worst") is not None:
        text += f" ({block['best']['value']}–{block['worst']['value']})"
    elif block.get("worst") is not None:
        text += f" (worst {block['worst']['value']})"
    return text


def analysis_rows(result: dict) -> list[list[str]]:
    rows = []
    for mode, m in result["modes"].items():
        bound = max((b for b in m["bounds"].values() if b), key=lambda b: b["value"], default=None)
        hours = m["burden"]["flow"]["hours_per_year"]
        rows.append([mode.replace("_", " "), _span(m["static"]), _span(m["form_order"]), _span(m["flow"]),
                     _span(m["optimal"]), _fmt(bound), "–" if hours is None else f"~{hours:,.0f}"])
    return rows


HEADERS = ["mode", "static form", "form order", "minimal flow", "optimal", "lower bound", "citizen hours/yr"]


def analysis_text(results: list[dict], fmt: str = "table") -> str:
    """The analysis as a plain-text table (``table``) or Markdown (``markdown``)."""
    from tabulate import tabulate

    out: list[str] = []
    style = "github" if fmt == "markdown" else "simple"
    for r in results:
        head = f"{r['process']} ({r['file']})"
        out.append(f"## {head}" if fmt == "markdown" else head)
        out.append("")
        out.append(tabulate(analysis_rows(r), headers=HEADERS, tablefmt=style, disable_numparse=True))
        out.append("")
        model = r["model"]
        if model.get("estimated"):
            expected = r["modes"]["anonymous"]["flow"]["expected"]
            out.append(f"Questions: expected (best–worst) per application; ~ marks estimates. The exact model is too "
                       f"large ({model['estimated']}), so the flows are simulated: {expected['method']}.")
            bound = r["modes"]["anonymous"]["bounds"].get("certificate")
            if bound:
                out.append(f"Lower bound: {bound['method']}.")
        elif model["exact"]:
            basis = "each case of the population file" if r.get("population") else "the declared answer priors"
            out.append(f"Questions: expected (best–worst) per application; exact on the finite model under {basis}.")
        else:
            notes = []
            if model["atoms"]:
                notes.append("comparisons over amounts (" + "; ".join(model["atoms"]) + ") are taken as yes/no facts "
                             "with probabilities drawn from the priors")
            if model.get("piecewise"):
                notes.append("amounts taking min, max or a rounding (" + "; ".join(model["piecewise"]) + ") are "
                             "compared between cases at four probe values")
            out.append("Questions: expected (best–worst) per application; ~ marks estimates: " + "; ".join(notes) + ".")
        for error in model.get("errors", []):
            out.append(f"Cannot compute {error['outcome']} on {error['rows']} combination(s) of answers: "
                       f"{error['error']} (askless test and a guard in the rule would show where).")
        if r.get("objective") == "time":
            secs = {mode: m["flow"].get("expected_seconds") for mode, m in r["modes"].items()}
            shown = ", ".join(f"{mode.replace('_', ' ')} {'~' if f['kind'] != 'exact' else ''}{f['value']:.0f} s"
                              for mode, f in secs.items() if f)
            out.append("Objective: answering time. The minimal and optimal flows minimise the expected seconds "
                       "(seconds per question by type; greedy weighs information gain per second), not the count; "
                       f"expected seconds of the minimal flow: {shown}.")
        if r.get("population"):
            where = "its cases too" if model.get("estimated") else "the priors"
            out.append(f"Expected values are averages over the {r['population']['cases']} cases of "
                       f"{r['population']['file']}, not the answer priors; the lower bounds are under {where}.")
        if model["assumed_priors"]:
            out.append("No prior declared (classes taken as equally likely): " + ", ".join(model["assumed_priors"]) + ".")
        for mode, m in r["modes"].items():
            dead = m["dead_questions"]
            if dead:
                out.append(f"Dead questions ({mode.replace('_', ' ')}): " + "; ".join(
                    f"{d['question']} ({d['reason']}{'; an estimate' if d['kind'] == 'estimate' else ''})"
                    for d in dead) + ".")
            undecided = m.get("dead_questions_undecided") or []
            if undecided:
                out.append(f"Not decided whether dead ({mode.replace('_', ' ')}; no engine could, so counted as "
                           f"live): {', '.join(undecided)}.")
        prefilled = r["modes"].get("logged_in", {}).get("prefilled", [])
        if prefilled:
            out.append("Prefilled when logged in: " + ", ".join(prefilled) + ".")
        a = r["assumptions"]
        flow = r["modes"]["anonymous"]["burden"]["flow"]
        if flow.get("hours_per_year") is not None:
            out.append(f"Burden (Standard Cost Model, anonymous, minimal flow): {flow['seconds_per_application']:.0f} s "
                       f"per application x volume = ~{flow['hours_per_year']:,.0f} hours, "
                       f"~DKK {flow['dkk_per_year']:,.0f} a year at DKK {a['tariff_dkk_per_hour']:.0f}/hour "
                       f"({a['tariff_source']}).")
        hard = [t for t in r["readability"] if t["lix"] >= 45]
        if r["readability"]:
            worst = max(r["readability"], key=lambda t: t["lix"])
            out.append(f"Readability (LIX): {len(r['readability'])} texts; hardest {worst['fact']} ({worst['text']}) "
                       f"LIX {worst['lix']:.0f}, {worst['band']}; {len(hard)} at 45 or above.")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
