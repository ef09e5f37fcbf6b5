"""Exact reasoning behind one interface: enumeration, one BDD per outcome, SMT.

:func:`select` builds the engine for a process and a mode: the enumeration of answer classes when
every outcome's slice is small and exact, else one BDD per outcome under its node cap, else the
SMT solver. A query that the chosen engine cannot answer (a slice too large to enumerate, a BDD
over its cap, a construct not encoded) goes to the next engine; every verdict names the engine
that gave it (``Verdict.engine``). See :mod:`analyzer.logic.base` for the queries.

>>> from analyzer.load import load_process_document
>>> from analyzer.yamlread import read
>>> text = "process: t\\ntitle: T\\nfacts:\\n  a: {type: int, ask: a?, min: 0, max: 100}\\n"
>>> text += "  b: {type: int, ask: b?, min: 0, max: 100}\\noutcomes:\\n  o: {when: a + b > 150}\\n"
>>> p, _ = load_process_document(read("t.yaml", text=text))
>>> r = select(p, "anonymous")
>>> v = r.relevant("b", {"a": 40})
>>> v.value, v.engine
(False, 'smt')
>>> r.relevant("b", {"a": 60}).value
True
"""

from __future__ import annotations

import math
from typing import Any

from ..model import Process
from .base import MODES, Domain, Implied, Reasoner, TooLarge, Unsupported, Verdict
from .bdd import BDD, NODE_CAP
from .enumeration import Enumeration
from .smt import SMT, TIMEOUT_MS

__all__ = ["BDD", "ENGINES", "MODES", "SMT", "Chain", "Enumeration", "Implied", "Reasoner", "TooLarge",
           "Unsupported", "Verdict", "select"]

#: the engines by name, in the order of preference for small models
ENGINES = {"enumeration": Enumeration, "bdd": BDD, "smt": SMT}
#: the enumeration is chosen when no outcome's slice has more cases than this
ENUMERATION_CASES = 4_096


class Chain(Reasoner):
    """Engines tried in order for each query: one that raises TooLarge or Unsupported (at build
    or at the query) passes the query to the next. The last engine's exception propagates."""

    name = "chain"

    def __init__(self, process: Process, mode: str, engines: list[type[Reasoner]],
                 options: dict[str, dict[str, Any]] | None = None):
        super().__init__(process, mode)
        self._factories = list(engines)
        #: keyword arguments per engine name (``{"bdd": {"node_cap": 1000}}``)
        self.options = options or {}
        self._built: dict[int, Reasoner | None] = {}
        #: why each skipped engine was skipped (engine name -> reason), for reports
        self.skipped: dict[str, str] = {}

    @property
    def engines(self) -> list[str]:
        return [f.name for f in self._factories]

    def _engine(self, i: int) -> Reasoner | None:
        if i not in self._built:
            factory = self._factories[i]
            try:
                self._built[i] = factory(self.process, self.mode, **self.options.get(factory.name, {}))
            except (TooLarge, Unsupported) as exc:
                self.skipped[factory.name] = str(exc)
                self._built[i] = None
        return self._built[i]

    def _ask(self, method: str, *args: Any) -> Verdict:
        last: Exception | None = None
        for i in range(len(self._factories)):
            engine = self._engine(i)
            if engine is None:
                continue
            try:
                return getattr(engine, method)(*args)
            except (TooLarge, Unsupported) as exc:
                self.skipped[engine.name] = str(exc)
                last = exc
        raise last if last is not None else Unsupported("no engine could be built: " + "; ".join(
            f"{k}: {v}" for k, v in sorted(self.skipped.items())))

    def determined(self, answers: dict[str, Any]) -> Verdict:
        return self._ask("determined", answers)

    def relevant(self, q: str, answers: dict[str, Any]) -> Verdict:
        return self._ask("relevant", q, answers)

    def implied(self, name: str, answers: dict[str, Any]) -> Verdict:
        return self._ask("implied", name, answers)

    def always(self, condition: str) -> Verdict:
        return self._ask("always", condition)

    def never(self, condition: str) -> Verdict:
        return self._ask("never", condition)

    def overlaps(self, outcome: str) -> Verdict:
        return self._ask("overlaps", outcome)

    def missing(self, outcome: str) -> Verdict:
        return self._ask("missing", outcome)


def select(process: Process, mode: str = "anonymous", node_cap: int = NODE_CAP,
           timeout_ms: int = TIMEOUT_MS, first: str | None = None) -> Chain:
    """The engines for ``process`` in ``mode``, in the order they should be tried (see the module
    docstring): enumeration first only when every outcome's slice has at most
    ENUMERATION_CASES cases of exact answer classes; the BDD when some outcome's slice is exact;
    SMT always last. ``node_cap`` bounds the
    BDD manager, ``timeout_ms`` each SMT query. ``first`` (an engine name) moves that engine, when
    chosen, to the front: for queries it answers fastest."""
    domain = Domain.of(process)
    cones = domain.outcome_cones().values()
    exact = [domain.exact(cone) for cone in cones]
    largest = max((math.prod(len(domain.values(v)) for v in cone) for cone in cones), default=1)
    order: list[Any] = []
    if all(exact) and largest <= ENUMERATION_CASES:
        order.append(Enumeration)
    if any(exact):
        order.append(BDD)  # it answers the exact outcomes' queries and passes the rest on
    order.append(SMT)
    if first is not None:
        order.sort(key=lambda engine: engine.name != first)
    return Chain(process, mode, order, {"bdd": {"node_cap": node_cap}, "smt": {"timeout_ms": timeout_ms}})
