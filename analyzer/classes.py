"""Answer classes: the few values of a fact that decide every condition on it.

A number compared only with constants c1 < ... < ck splits at them: one class per interval,
each with a representative value (its lower end) and a probability from the fact's declared
prior (piecewise uniform inside each prior class), or equal probabilities when none is declared.
Bools and choices have one class per value; an int with a small range (or a group's count) one
class per value, so arithmetic on it stays exact.

>>> from analyzer.model import Fact, Loc
>>> alder = Fact("alder", "question", "int", Loc(1, 1), min=15, max=120)
>>> [c.label for c in answer_classes(alder, [(">=", 67)], False, False)[0]]
['< 67', '≥ 67']
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from dataclasses import dataclass
from typing import Any

from .evaluate import as_date
from .model import Fact

#: an int fact whose range holds at most this many values gets one class per value
POINT_CLASS_RANGE = 12
#: how many probe values each opaque number gets (see probe())
PROBES = 4


@dataclass(frozen=True)
class AnswerClass:
    label: str
    #: the representative value: deciding every comparison exactly for the whole class
    rep: Any
    p: float
    #: the class's range [lo, hi) for numbers and dates (None = unbounded); probes of an opaque
    #: number are drawn inside it
    lo: Any = None
    hi: Any = None
    #: a single value (a bool, a choice, one int): the representative is the value itself
    point: bool = False


def answer_classes(fact: Fact, cuts: list[tuple[str, Any]], indirect: bool,
                   is_count: bool) -> tuple[tuple[AnswerClass, ...], bool, str]:
    """The answer classes of a fact, whether they are single values (points), and how their
    probabilities were obtained ("declared" or "assumed uniform").

    ``cuts`` are (operator as seen from the fact, constant) pairs from direct comparisons;
    ``indirect`` says the fact also occurs outside direct comparisons.
    """
    if fact.type == "bool":
        p = fact.p_true if fact.p_true is not None else 0.5
        return (AnswerClass("yes", True, p, point=True), AnswerClass("no", False, 1 - p, point=True)), True, \
            "declared" if fact.p_true is not None else "assumed uniform"
    if fact.type == "choice":
        declared = [c.p for c in fact.choices if c.p is not None]
        rest = [c for c in fact.choices if c.p is None]
        share = (1 - sum(declared)) / len(rest) if rest else 0.0
        classes = tuple(AnswerClass(c.value, c.value, c.p if c.p is not None else share, point=True)
                    for c in fact.choices)
        return classes, True, "declared" if not rest else "assumed uniform"
    if fact.type == "int":
        values = _point_values(fact, is_count)
        if values is not None:
            dist = dict(fact.distribution)
            if dist:
                classes = tuple(AnswerClass(f"= {v}", v, dist.get(v, 0.0), point=True) for v in values)
                return classes, True, "declared"
            prior_p = _prior_points(fact, values)
            if prior_p is not None:
                return tuple(AnswerClass(f"= {v}", v, q, point=True) for v, q in zip(values, prior_p)), True, "declared"
            return tuple(AnswerClass(f"= {v}", v, 1 / len(values), point=True) for v in values), True, \
            "assumed uniform"
    if fact.type in ("int", "number", "money", "date"):
        return _interval_classes(fact, cuts)
    # text: the literals it is compared with, and everything else
    literals = sorted({str(v) for _, v in cuts})
    values = literals + ["(other)"]
    return tuple(AnswerClass(v, v if v != "(other)" else "\x00other", 1 / len(values)) for v in values), \
        not indirect, "assumed uniform"

def _point_values(fact: Fact, is_count: bool) -> list[int] | None:
    if fact.distribution and not is_count:
        low = fact.min if isinstance(fact.min, int) else min(v for v, _ in fact.distribution)
        high = fact.max if isinstance(fact.max, int) else max(v for v, _ in fact.distribution)
    else:
        low = fact.min if isinstance(fact.min, int) else 0
        high = fact.max if isinstance(fact.max, int) else None
    if high is None or high - low + 1 > (max(POINT_CLASS_RANGE, 64) if is_count else POINT_CLASS_RANGE):
        return None
    return list(range(low, high + 1))

def _interval_classes(fact: Fact, cuts: list[tuple[str, Any]]) -> tuple[tuple[AnswerClass, ...], bool, str]:
    is_int = fact.type == "int"
    is_date = fact.type == "date"
    edges: set[tuple[Any, int]] = set()  # (value, 0 = class starts at value, 1 = just above value)
    for op, v in cuts:
        if isinstance(v, bool) or v is None:
            continue
        if op in ("<", ">="):
            edges.add((v, 0))
        elif op in ("<=", ">"):
            edges.add((v, 1))
        else:
            edges.update({(v, 0), (v, 1)})
    try:
        ordered = sorted(edges)
    except TypeError:
        ordered = []
    low = as_date(fact.min) if fact.min is not None else None
    high = as_date(fact.max) if fact.max is not None else None

    def start(edge: tuple[Any, int]) -> Any:
        v, plus = edge
        if not plus:
            return v
        if is_date:
                return v + dt.timedelta(days=1)
        return v + 1 if is_int else v + 1e-9 * max(1.0, abs(v))

    starts = [start(e) for e in ordered]
    bounds: list[tuple[Any, Any]] = []  # [lo, hi) with None = unbounded
    previous = None
    for s in starts:
        bounds.append((previous, s))
        previous = s
    bounds.append((previous, None))
    classes = []
    for lo, hi in bounds:
        if low is not None and hi is not None and hi <= low:
            continue
        if high is not None and lo is not None and lo > high:
            continue
        if lo is not None:
            rep = lo
        elif low is not None:
            rep = low
        elif hi is not None:
            rep = _below(hi, is_int, is_date)
        elif high is not None:
            rep = high
        else:  # one class over the whole unbounded range: the start of class_range's default span
            rep = UNBOUNDED_DATE if is_date else 0
        if low is not None and rep < low:
            rep = low
        classes.append((lo, hi, rep))
    labels = [_label(lo, hi, is_int, ordered) for lo, hi, _ in classes]
    probs = _prior_intervals(fact, [(lo, hi) for lo, hi, _ in classes])
    prior = "declared"
    if probs is None:
        probs = [1 / len(classes)] * len(classes)
        prior = "assumed uniform"
    return tuple(AnswerClass(label, rep, q, lo, hi) for label, (lo, hi, rep), q in zip(labels, classes, probs)), \
        False, prior


def _below(hi: Any, is_int: bool, is_date: bool) -> Any:
    if is_date:
        return hi - dt.timedelta(days=1)
    return hi - 1


def _label(lo: Any, hi: Any, is_int: bool, edges: list) -> str:
    def show(v: Any) -> str:
        if isinstance(v, float) and not v.is_integer():
            return f"{v:.6g}"
        return str(int(v)) if isinstance(v, float) else str(v)
    if lo is None and hi is None:
        return "any"
    if lo is None:
        return f"< {show(hi)}"
    if hi is None:
        return f"≥ {show(lo)}"
    if is_int and hi == lo + 1:
        return f"= {show(lo)}"
    if isinstance(lo, (int, float)) and isinstance(hi, float) and hi - lo < 1e-6 * max(1.0, abs(lo)):
        return f"= {show(lo)}"
    return f"{show(lo)} to under {show(hi)}"


def _prior_points(fact: Fact, values: list[int]) -> list[float] | None:
    if not fact.prior:
        return None
    probs = _prior_intervals(fact, [(v, v + 1) for v in values])
    return probs


def _prior_intervals(fact: Fact, bounds: list[tuple[Any, Any]]) -> list[float] | None:
    """Probability of each class [lo, hi) from the fact's prior classes (uniform inside each)."""
    if not fact.prior:
        return None
    uptos = [c.upto for c in fact.prior]
    if any(isinstance(u, str) for u in uptos) or any(isinstance(b, str) for pair in bounds for b in pair):
        return None
    low = fact.min if isinstance(fact.min, (int, float)) else 0
    finite = [u for u in uptos if u is not None]
    high = fact.max if isinstance(fact.max, (int, float)) else (2 * finite[-1] - (finite[-2] if len(finite) > 1 else low)
                                                                  if finite else low + 1)
    bins = []
    previous = low
    for c in fact.prior:
        top = c.upto if c.upto is not None else high
        bins.append((previous, top, c.p))
        previous = top
    probs = []
    for lo, hi in bounds:
        lo = low if lo is None else lo
        hi = high if hi is None else hi
        mass = 0.0
        for a, z, q in bins:
            width = z - a
            if width <= 0:
                continue
            overlap = max(0.0, min(hi, z) - max(lo, a))
            mass += q * overlap / width
        probs.append(mass)
    total = sum(probs)
    if total <= 0:
        return None
    return [q / total for q in probs]


def probe(cls: AnswerClass, fact: Fact, var_id: str, j: int) -> Any:
    """Probe value j of an opaque number: a pseudo-random point of its class (stable across runs).

    Amounts are compared between rows by their values at PROBES probe points: two rows count as
    deciding alike only if their amounts agree at every probe. The points are drawn from a hash
    of the variable and j, so different numbers never share their probes by construction, and
    two different amounts built from + - * / agree at all of them with negligible probability
    (polynomial identity testing). Amounts with min, max, abs or rounding can agree at every
    probe and still differ elsewhere: the finite model then reports estimates. The range is the
    class's range, cut to the fact's min/max and, where a prior is declared, to its classes.
    """
    if fact.type not in ("int", "number", "money", "date"):
        return cls.rep
    low, high = class_range(cls, fact)
    u = zlib.crc32(f"{var_id}:{j}".encode()) / 2 ** 32
    if fact.type == "date":
        lo, hi = low.toordinal(), high.toordinal()
        return dt.date.fromordinal(int(lo + u * max(0, hi - lo)))
    value = low + u * (high - low)
    return int(value) if fact.type == "int" else round(value, 2)


#: where the drawing range of a date with no bound at all starts (class_range), and the
#: representative of its one class
UNBOUNDED_DATE = dt.date(1950, 1, 1)


def class_range(cls: AnswerClass, fact: Fact) -> tuple[Any, Any]:
    """The finite range [lo, hi) inside which values of the class are drawn or probed."""
    if fact.type == "date":
        lo = cls.lo if cls.lo is not None else as_date(fact.min) if fact.min is not None else None
        hi = cls.hi if cls.hi is not None else as_date(fact.max) if fact.max is not None else None
        if lo is None and hi is None:
            lo = UNBOUNDED_DATE
        if lo is None:
            lo = hi - dt.timedelta(days=3650)
        if hi is None:
            hi = lo + dt.timedelta(days=3650)
        return lo, hi
    uptos = [c.upto for c in fact.prior if isinstance(c.upto, (int, float))]
    floor = fact.min if isinstance(fact.min, (int, float)) else 0
    ceiling = fact.max if isinstance(fact.max, (int, float)) else None
    if uptos:
        prior_top = uptos[-1] * 1.5 if uptos[-1] > 0 else uptos[-1] + 1
        ceiling = prior_top if ceiling is None else min(ceiling, prior_top)
    lo = cls.lo if cls.lo is not None else floor
    hi = cls.hi if cls.hi is not None else ceiling
    if hi is None or hi <= lo:
        hi = lo + max(1000.0, 10 * abs(lo))
    if isinstance(fact.max, (int, float)) and hi > fact.max:
        # never beyond the fact's declared range: such a value is not a valid answer
        hi = max(lo, fact.max)
    return lo, hi


def draw_in(cls: AnswerClass, fact: Fact, rng: Any) -> Any:
    """A value drawn uniformly inside the class (its value for a point class)."""
    if cls.point or fact.type not in ("int", "number", "money", "date"):
        return cls.rep
    low, high = class_range(cls, fact)
    if fact.type == "date":
        return dt.date.fromordinal(low.toordinal() + int(rng.random() * max(0, high.toordinal() - low.toordinal())))
    value = low + rng.random() * (high - low)
    # floor, not int(): towards zero would move draws of a negative range into the next class
    return math.floor(value) if fact.type == "int" else round(value, 2)

