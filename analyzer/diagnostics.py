"""One finding type for everything askless reports about a rule file.

A :class:`Diagnostic` has a file, a 1-based line and column, a severity, a code, a message and
a hint. It sorts by location, and renders in the parsable form
``file:line:col: [level] message (code)`` used by ``askless check``.

>>> d = Diagnostic("rules/a.yaml", 3, 7, "error", "unknown-reference", "unknown fact 'alde'",
...                hint="did you mean 'alder'?")
>>> d.render()
"rules/a.yaml:3:7: [error] unknown fact 'alde' (unknown-reference); hint: did you mean 'alder'?"
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"

#: Every diagnostic code askless emits, with its severity and a one-line description.
#: The docs (docs/diagnostics.md) list this table; an unknown code is a programming error.
CODES: dict[str, tuple[str, str]] = {
    # reading the file
    "unreadable": (ERROR, "the file cannot be read: missing, a directory, not UTF-8, or binary"),
    "too-large": (ERROR, "the file, its nesting, its alias expansion or an expression exceeds a limit"),
    "yaml-syntax": (ERROR, "the file is not valid YAML"),
    "duplicate-key": (ERROR, "a mapping has the same key twice"),
    # structure (the JSON Schema)
    "unknown-key": (ERROR, "a key the rule format does not know"),
    "missing-key": (ERROR, "a required key is missing"),
    "invalid-value": (ERROR, "a value has the wrong type or form"),
    # expressions and names
    "expression-syntax": (ERROR, "an expression cannot be parsed"),
    "unknown-reference": (ERROR, "a name that is not defined"),
    "duplicate-name": (ERROR, "two definitions share a name"),
    "type-mismatch": (ERROR, "an expression has the wrong type for its place"),
    "unknown-choice": (ERROR, "a choice fact is compared with a value it cannot take"),
    "cycle": (ERROR, "definitions depend on themselves"),
    "unknown-register": (ERROR, "a register that the register catalogue does not name"),
    "invalid-test": (ERROR, "a test case gives or expects a value that does not fit"),
    # modelling defects (warnings)
    "unused-fact": (WARNING, "a question or register fact that no outcome uses"),
    "constant-provenance": (WARNING, "a constant without source or validity date"),
    "outcome-without-law": (WARNING, "an outcome without a law reference"),
    "never-applies": (WARNING, "an applies_if condition that can never hold"),
    "yaml-boolean": (WARNING, "a bare yes/no/on/off that YAML 1.1 reads as a boolean"),
}


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A finding at a place in a file. Fields compare in this order, so lists sort by location."""

    #: path as the user gave it (or as found in a folder walk)
    file: str
    #: 1-based line; 0 when the finding concerns the whole file
    line: int
    #: 1-based column; 0 when the finding concerns the whole file or line
    col: int
    #: ``error`` or ``warning``
    severity: str
    #: a key of :data:`CODES`
    code: str
    #: what is wrong, naming the bad value and what was expected
    message: str
    #: the next step for the user (a did-you-mean, an example); may be empty
    hint: str = ""

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown diagnostic code {self.code!r}")

    def render(self) -> str:
        """``file:line:col: [level] message (code)``, then ``; hint: ...`` when there is one."""
        text = f"{self.file}:{self.line}:{self.col}: [{self.severity}] {self.message} ({self.code})"
        return f"{text}; hint: {self.hint}" if self.hint else text

    def to_dict(self) -> dict:
        return asdict(self)


def make(file: str, line: int, col: int, code: str, message: str, hint: str = "") -> Diagnostic:
    """A diagnostic with the severity that :data:`CODES` gives its code."""
    return Diagnostic(file, line, col, CODES[code][0], code, message, hint)


def did_you_mean(name: str, candidates: Iterable[str], *, n: int = 3) -> str:
    """``did you mean 'x'?`` for the closest candidates, or an empty string when none is close.

    >>> did_you_mean("alde", ["alder", "lejer"])
    "did you mean 'alder'?"
    """
    names = sorted(set(candidates))
    close = difflib.get_close_matches(name, names, n=n, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in names}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    if not close:
        return ""
    return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity == ERROR for d in diagnostics)
