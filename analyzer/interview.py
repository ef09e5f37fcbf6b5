"""The interview: the next-question engine (analyzer.flow) as a conversation in the terminal.

The logic is a loop over two functions, ``ask(prompt) -> str | None`` (None: the input ended)
and ``say(line)``; it never prints or reads by itself, so tests drive it with lists and the
command line (``askless interview``) wires it to click. Typed answers are parsed per question
type (:func:`parse`) and then checked by :meth:`Flow.check`; a bad answer is re-asked with the
message. ``?`` shows why the question is asked (the outcomes it can change and the law),
``back`` (or ``<``) undoes the last answer and asks it again, ``quit`` stops without a decision.

In ``logged_in`` mode the register facts are not the citizen's to answer, but the engine needs
them: they come from ``prefill`` (a case mapping, as in the tests of a rule file) or, when
missing there, are asked first, each labelled "from the register" (the user plays the
register). A register fact whose ``applies_if`` is not yet decided may be answered ``-``: the
register holds nothing for this case. Register facts are never counted as questions.

>>> parse_number("171.500"), parse_number("12,5"), parse_number("1 250 kr.")
(171500, 12.5, 1250)
>>> format_number(171500), format_number(-12.5)
('171.500', '-12,5')
>>> parse_date("24-12-2026"), parse_date("2026-12-24")
(datetime.date(2026, 12, 24), datetime.date(2026, 12, 24))
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .flow import AnswerError, Decision, Flow, Question
from .kleene import UNKNOWN, PartialEvaluation
from .model import Fact, Process, Text

Ask = Callable[[str], "str | None"]
Say = Callable[[str], None]

WHY = ("?",)
BACK = ("back", "<")
QUIT = ("quit",)
TRUE = ("ja", "j", "yes", "y", "true")
FALSE = ("nej", "n", "no", "false")
NONE = ("-", "")

# digits, optionally grouped by '.' or ' ' in threes, then an optional decimal comma
_NUMBER = re.compile(r"^([+-]?)(\d{1,3}(?:\.\d{3})+|\d{1,3}(?: \d{3})+|\d+)(?:,(\d+))?$")
_CURRENCY = re.compile(r"\s*(?:kr\.?|dkk)$", re.IGNORECASE)
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DANISH_DATE = re.compile(r"^(\d{1,2})[-./](\d{1,2})[-./](\d{4})$")


class ParseError(ValueError):
    """Typed text that is not a value of the expected kind."""


def parse_number(text: str) -> int | float:
    """A number written the Danish way: ``171.500``, ``171 500``, ``12,5``, ``-3``; an optional
    ``kr``/``DKK`` after it. A whole number comes back as int."""
    s = _CURRENCY.sub("", text.strip().replace("\u00a0", " ").replace("\u202f", " ").replace("\u2212", "-"))
    m = _NUMBER.match(s)
    if m is None:
        if re.match(r"^[+-]?\d+\.\d+$", s):
            raise ParseError(f"{text.strip()!r}: write decimals with a comma ({s.replace('.', ',')}); "
                             "'.' only separates thousands (171.500)")
        raise ParseError(f"{text.strip()!r} is not a number; write it like 171.500 or 12,5")
    sign, whole, decimals = m.groups()
    digits = whole.replace(".", "").replace(" ", "")
    if decimals is None or not decimals.strip("0"):
        return int(sign + digits)
    return float(f"{sign}{digits}.{decimals}")


def format_number(value: int | float) -> str:
    """A number the way :func:`parse_number` reads it: ``171.500``, ``12,5``."""
    if isinstance(value, float) and not value.is_integer():
        whole, _, decimals = f"{value:,.6f}".rstrip("0").partition(".")
        return whole.replace(",", ".") + "," + decimals
    return f"{int(value):,}".replace(",", ".")


def parse_date(text: str) -> dt.date:
    """A date as ``YYYY-MM-DD`` or ``DD-MM-YYYY`` (also ``DD.MM.YYYY``, ``DD/MM/YYYY``)."""
    s = text.strip()
    m = _ISO.match(s)
    if m:
        year, month, day = (int(x) for x in m.groups())
    else:
        m = _DANISH_DATE.match(s)
        if m is None:
            raise ParseError(f"{s!r} is not a date; write it as YYYY-MM-DD or DD-MM-YYYY")
        day, month, year = (int(x) for x in m.groups())
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ParseError(f"{s!r} is not a date: {exc}") from None


def text_of(text: Text | None, language: str) -> str:
    if text is None:
        return ""
    return (text.en or text.da) if language == "en" else text.da


def parse(flow: Flow, key: str, typed: str, language: str = "da") -> Any:
    """The value of a typed answer to question ``key``, checked by the flow; AnswerError with the
    message to show otherwise."""
    fact = flow.fact(key)
    s = typed.strip()
    if not s:
        raise AnswerError(f"{key}: no answer; type one (? shows why it is asked)")
    try:
        if fact.type == "bool":
            word = s.lower()
            if word in TRUE:
                value: Any = True
            elif word in FALSE:
                value = False
            else:
                raise AnswerError(f"{key}: {s!r} is not yes or no; answer ja or nej (or yes/no, j/n, true/false)")
        elif fact.type == "choice":
            value = _choice(fact, s)
        elif fact.type in ("int", "number", "money"):
            value = parse_number(s)
        elif fact.type == "date":
            value = parse_date(s)
        else:
            value = s
    except ParseError as exc:
        raise AnswerError(f"{key}: {exc}") from None
    try:
        return flow.check(key, value)
    except AnswerError as exc:
        if fact.type == "choice":
            raise AnswerError(f"{exc}; or type its number, 1 to {len(fact.choices)}") from None
        raise


def _choice(fact: Fact, s: str) -> str:
    values = [c.value for c in fact.choices]
    if s.isdigit() and 1 <= int(s) <= len(values):
        return values[int(s) - 1]
    lowered = s.casefold()
    for choice in fact.choices:
        names = [choice.value] + ([choice.label.da, choice.label.en] if choice.label else [])
        if any(n is not None and n.casefold() == lowered for n in names):
            return choice.value
    return s


@dataclass
class Entry:
    """One answer given in the interview."""

    key: str
    member: int | None
    value: Any
    #: a register fact (logged_in mode), not a question of the citizen
    register: bool = False


@dataclass
class Result:
    #: None when the interview was stopped
    decision: Decision | None
    #: questions the citizen answered (register facts not counted)
    asked: int
    #: questions of the static form for this case (member questions once per member)
    static: int
    entries: list[Entry] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _RegisterPrompt:
    fact: Fact
    member: int | None
    #: whether '-' (the register holds nothing for this case) is allowed
    optional: bool


class Interview:
    """One interview over ``process``; :meth:`run` drives it."""

    def __init__(self, process: Process, mode: str = "anonymous", language: str = "da",
                 prefill: dict[str, Any] | None = None, policy: str = "minimal", flow: Flow | None = None) -> None:
        if language not in ("da", "en"):
            raise ValueError(f"language must be da or en, not {language!r}")
        self.process = process
        self.mode = mode
        self.language = language
        self.flow = flow or Flow(process, mode, policy)
        self.entries: list[Entry] = []
        self.prefill = self._check_prefill(prefill or {})

    # -- the answers so far ----------------------------------------------------------------------

    def _check_prefill(self, prefill: dict[str, Any]) -> dict[tuple[str, int | None], Any]:
        """The prefill as {(key, member): value}; AnswerError on anything that is not a register
        fact of this process with a valid value."""
        if not isinstance(prefill, dict):
            raise AnswerError("the prefill must be a mapping from register fact to value")
        if prefill and self.mode != "logged_in":
            raise AnswerError("register facts are prefilled only in logged_in mode; use --mode logged_in")
        found: dict[tuple[str, int | None], Any] = {}
        for name, value in prefill.items():
            name = str(name)
            if name in self.process.groups:
                group = self.process.groups[name]
                if not isinstance(value, list) or not all(isinstance(m, dict) for m in value):
                    raise AnswerError(f"{name}: give the members as a list of mappings, one per member")
                for i, member in enumerate(value, start=1):
                    for fact_name, v in member.items():
                        fact = group.facts.get(str(fact_name))
                        if fact is None or fact.kind != "register":
                            raise AnswerError(f"{name}.{fact_name}: not a register fact of group '{name}'")
                        found[(fact.key, i)] = self._prefilled(fact.key, v)
                count = next(f for f in self.process.facts.values() if f.name == group.count)
                if (count.key, None) in found or count.name in prefill:
                    given = self._prefilled(count.key, prefill[count.name])
                    if given != len(value):
                        raise AnswerError(f"{name}: {len(value)} members given, but {count.name} is {given}")
                elif count.kind == "register":
                    found[(count.key, None)] = len(value)
                continue
            fact = self.process.facts.get(name)
            if fact is None or fact.kind != "register":
                registers = [f.key for f in self.process.all_facts() if f.kind == "register"]
                raise AnswerError(f"{name}: not a register fact of {self.process.name} (its register facts: "
                                  + (", ".join(registers) or "none") + ")")
            found[(name, None)] = self._prefilled(name, value)
        return found

    def _prefilled(self, key: str, value: Any) -> Any:
        if isinstance(value, str) and self.flow.fact(key).type not in ("text", "choice"):
            return parse(self.flow, key, value, self.language)
        return self.flow.check(key, value)

    def given(self) -> dict[tuple[str, int | None], Any]:
        """Every value given so far, by (key, member); None for 'the register holds nothing'."""
        found = dict(self.prefill)
        for entry in self.entries:
            found[(entry.key, entry.member)] = entry.value
        return found

    def answers(self) -> dict[str, Any]:
        """The answers so far as a case: ``{fact: value}``, a group as a list of member mappings
        (once its count is known)."""
        given = self.given()
        case = {key: v for (key, member), v in given.items() if member is None and v is not None}
        for group in self.process.groups.values():
            count = case.get(group.count)
            if not isinstance(count, int) or isinstance(count, bool):
                continue
            members: list[dict[str, Any]] = [{} for _ in range(count)]
            for (key, member), v in given.items():
                if member is not None and key.startswith(group.name + ".") and member <= count and v is not None:
                    members[member - 1][key[len(group.name) + 1:]] = v
            case[group.name] = members
        return case

    def asked(self) -> int:
        return sum(1 for e in self.entries if not e.register)

    def static(self) -> tuple[int, list[str]]:
        """The questions of the static form of this mode: every question once, member questions
        once per member of this case; and the groups whose members could not be counted."""
        total = sum(1 for f in self.process.facts.values() if f.asked(self.mode))
        case = self.answers()
        uncounted = []
        for group in self.process.groups.values():
            per_member = sum(1 for f in group.facts.values() if f.asked(self.mode))
            if group.name in case:
                total += per_member * len(case[group.name])
            elif per_member:
                uncounted.append(group.name)
        return total, uncounted

    # -- the next step -------------------------------------------------------------------------

    def next(self) -> Question | Decision | _RegisterPrompt:
        if self.mode == "logged_in":
            pending = self._register_pending()
            if pending is not None:
                return pending
        step = self.flow.next(self.answers())
        if isinstance(step, Question) and (step.fact, step.member) in self.given():
            raise RuntimeError(f"the flow asked {step.fact} again")  # pragma: no cover - a flow bug
        return step

    def _register_pending(self) -> _RegisterPrompt | None:
        """The first register fact not given yet that applies (or may apply) to the case."""
        given = self.given()
        evaluation = PartialEvaluation(self.process, self.answers())
        for fact in self.process.facts.values():
            if fact.kind == "register" and (fact.key, None) not in given:
                held = evaluation.formula(fact.applies_if) if fact.applies_if is not None else True
                if held is True or held is UNKNOWN:
                    return _RegisterPrompt(fact, None, held is UNKNOWN)
        for group in self.process.groups.values():
            members = evaluation.members(group.name)
            if members is UNKNOWN:
                continue
            for i, member in enumerate(members, start=1):
                for fact in group.facts.values():
                    if fact.kind == "register" and (fact.key, i) not in given:
                        held = member.formula(fact.applies_if) if fact.applies_if is not None else True
                        if held is True or held is UNKNOWN:
                            return _RegisterPrompt(fact, i, held is UNKNOWN)
        return None

    # -- the conversation ----------------------------------------------------------------------

    def run(self, ask: Ask, say: Say) -> Result:
        """Ask until the decision (or ``quit``, or the end of the input)."""
        title = text_of(self.process.title, self.language)
        mode = "logged in" if self.mode == "logged_in" else "anonymous"
        say(f"{self.process.name}: {title} ({mode})")
        if self.prefill:
            say(f"{len(self.prefill)} register facts prefilled: "
                + ", ".join(k if m is None else f"{k}[{m}]" for k, m in self.prefill) + ".")
        say("Type ? for why a question is asked, back to change the last answer, quit to stop.")
        undone: dict[tuple[str, int | None], Any] = {}
        while True:
            step = self.next()
            if isinstance(step, Decision):
                self._say_decision(step, say)
                return Result(step, self.asked(), self.static()[0], list(self.entries), self.answers())
            register = isinstance(step, _RegisterPrompt)
            fact = step.fact if register else self.flow.fact(step.fact)
            member = step.member
            say("")
            optional = register and step.optional
            for line in self._question_lines(fact, member, register, optional, undone.get((fact.key, member))):
                say(line)
            while True:
                typed = ask("> ")
                word = (typed or "").strip().lower()
                if typed is None or word in QUIT:
                    say(f"Stopped after {self._questions(self.asked())}; no decision.")
                    return Result(None, self.asked(), self.static()[0], list(self.entries), self.answers())
                if word in WHY:
                    for line in self._why_lines(step, fact):
                        say(line)
                    continue
                if word in BACK:
                    if not self.entries:
                        say("  Nothing to go back to: this is the first answer.")
                        continue
                    last = self.entries.pop()
                    undone[(last.key, last.member)] = last.value
                    say(f"  Back to {self._name(last.key, last.member)} (was {self._show(last.value)}).")
                    break
                if register and step.optional and word in NONE:
                    self.entries.append(Entry(fact.key, member, None, True))
                    break
                try:
                    value = parse(self.flow, fact.key, typed, self.language)
                except AnswerError as exc:
                    say(f"  {exc}")
                    continue
                self.entries.append(Entry(fact.key, member, value, register))
                break

    def _name(self, key: str, member: int | None) -> str:
        return key if member is None else f"{key} (person {member})"

    def _question_lines(self, fact: Fact, member: int | None, register: bool, optional: bool,
                        before: Any) -> list[str]:
        text = text_of(fact.ask, self.language) or fact.key
        if member is not None:
            group = self.process.groups[fact.group or ""]
            title = text_of(group.title, self.language)
            text = f"Person {member}" + (f" ({title})" if title else "") + f": {text}"
        hint = self._hint(fact)
        if register:
            source = ", ".join(x for x in (fact.register, fact.register_field) if x)
            head = f"From the register ({source}):"
        else:
            head = f"{self.asked() + 1}."
        lines = [f"{head} {text}" + (f" ({hint})" if hint else "")]
        for i, choice in enumerate(fact.choices, start=1):
            label = text_of(choice.label, self.language)
            lines.append(f"   {i}  {label} [{choice.value}]" if label else f"   {i}  {choice.value}")
        if register:
            lines.append("   (logged in: the register gives this, the citizen is not asked"
                         + ("; - if the register holds nothing for this case)" if optional else ")"))
        if before is not None:
            lines.append(f"   (earlier answer: {self._show(before)})")
        return lines

    def _hint(self, fact: Fact) -> str:
        if fact.type == "bool":
            return "ja/nej" if self.language == "da" else "yes/no"
        if fact.type == "date":
            parts = ["YYYY-MM-DD or DD-MM-YYYY"]
        elif fact.type in ("int", "number", "money"):
            parts = [fact.unit] if fact.unit else []
        else:
            return ""
        if fact.min is not None and fact.max is not None:
            parts.append(f"{self._show(fact.min)} to {self._show(fact.max)}")
        elif fact.min is not None:
            parts.append(f"at least {self._show(fact.min)}")
        elif fact.max is not None:
            parts.append(f"at most {self._show(fact.max)}")
        return ", ".join(p for p in parts if p)

    def _why_lines(self, step: Question | _RegisterPrompt, fact: Fact) -> list[str]:
        lines = []
        if isinstance(step, _RegisterPrompt):
            lines.append(f"  Why: in logged_in mode {fact.key} comes from the register "
                         f"{fact.register or '?'}; type the value the register holds for this case.")
            if fact.law is not None:
                lines.append(f"  Law: {fact.law.label() if hasattr(fact.law, 'label') else fact.law}")
        else:
            outcomes = []
            for name in step.why:
                outcome = self.process.outcomes.get(name)
                title = text_of(outcome.title, self.language) if outcome else ""
                outcomes.append(f"{name} ({title})" if title else name)
            lines.append("  Why: the answer can change " + ", ".join(outcomes) + ".")
            if step.law:
                lines.append("  Law: " + "; ".join(step.law))
            if not step.exact:
                lines.append("  (chosen by three-valued evaluation: the exact model is too large; "
                             "the answer may turn out not to matter)")
        help_text = text_of(fact.help, self.language)
        if help_text:
            lines.append(f"  Help: {help_text}")
        return lines

    def _show(self, value: Any) -> str:
        if value is None:
            return "-"
        if isinstance(value, bool):
            return ("ja" if value else "nej") if self.language == "da" else ("yes" if value else "no")
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, (int, float)):
            return format_number(value)
        if isinstance(value, (list, tuple)):
            return ", ".join(self._show(v) for v in value) if value else "none"
        return str(value)

    def _questions(self, n: int) -> str:
        return f"{n} question" + ("" if n == 1 else "s")

    def _say_decision(self, decision: Decision, say: Say) -> None:
        say("")
        say("Decision:")
        for name, outcome in self.process.outcomes.items():
            value = decision.outcomes.get(name)
            title = text_of(outcome.title, self.language)
            label = f"{name} ({title})" if title else name
            if value is None:
                shown = "not decided"
            else:
                shown = self._show(value) + (f" {outcome.unit}" if outcome.unit and isinstance(value, (int, float))
                                             and not isinstance(value, bool) else "")
            say(f"  {label}: {shown}")
        static, uncounted = self.static()
        line = f"{self._questions(self.asked())} asked; the static form has {static}"
        if uncounted:
            line += f" (without the members of {', '.join(uncounted)}: their number was not asked)"
        say(line)
        registers = sum(1 for e in self.entries if e.register) + len(self.prefill)
        if self.mode == "logged_in" and registers:
            say(f"({registers} register fact{'' if registers == 1 else 's'} given, not counted as questions)")
