"""Generate a synthetic askless rule set: deterministic, valid, and as large as you ask.

    .venv/bin/python benchmarks/generate.py --questions 300 --seed 1 -o build/bench/synthetic-300.yaml

The same arguments always give the same bytes. The file passes ``askless check --strict``.

Shape of a generated process (the knobs in brackets):

- ``--shared K`` **shared facts** held by public registers (income, age, children, owner,
  dwelling type, ...): every module reads one or two of them, so they are used by many outcomes.
- The other questions fall into **modules** of 4 to 8 local questions (bool, choice, int,
  money; about one in six is a register fact; in a module that starts with a yes/no question,
  the last question applies only when it is yes). Each module comparison reads a question
  against a constant.
- ``--nesting D``: each module folds its conditions into a chain of D **derived facts**, each
  reading the one before (``m003_d2: m003_d1 or m003_q4``).
- ``--outcomes M`` **outcomes** (yes/no, cases, items and, with ``--arithmetic``, amounts) over
  the modules' last derived facts; modules are dealt round-robin to outcomes, and ``--cross F``
  of the outcomes also read another module (cross-cutting outcomes).
- ``--arithmetic`` adds amounts (``max(0, sats - 0.3 * indkomst)``) and comparisons over
  arithmetic (``m004_q2 * 12 > graense``): their inputs become exact-value (opaque) numbers.
- Every answer has a declared prior (``p_true``, choice ``p``, ``prior`` classes, ``distribution``),
  every constant a source and validity date, every outcome a law.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import zlib
from typing import Any

import yaml

#: shared facts, in the order they are taken (name, type, register, register field, question)
SHARED_POOL: list[dict[str, Any]] = [
    {"name": "indkomst", "type": "money", "register": "eIndkomst",
     "register_field": "monthly income reported by payers", "ask": "Hvad er din årsindkomst før skat?",
     "cuts": [200_000, 350_000, 500_000], "p": [0.3, 0.35, 0.25, 0.1], "min": 0},
    {"name": "alder", "type": "int", "register": "CPR", "register_field": "birth date and age",
     "ask": "Hvor gammel er du?", "cuts": [17, 66], "p": [0.2, 0.6, 0.2], "min": 0, "max": 120},
    {"name": "antal_boern", "type": "int", "register": "CPR", "register_field": "children",
     "ask": "Hvor mange børn bor hos dig?", "distribution": {0: 0.55, 1: 0.2, 2: 0.17, 3: 0.08},
     "min": 0, "max": 3},
    {"name": "ejer", "type": "bool", "register": "Tinglysning", "register_field": "ownership of real property",
     "ask": "Ejer du din bolig?", "p_true": 0.55},
    {"name": "boligtype", "type": "choice", "register": "BBR", "register_field": "building use",
     "ask": "Hvilken slags bolig bor du i?",
     "choices": {"hus": 0.5, "lejlighed": 0.4, "vaerelse": 0.1}},
    {"name": "areal", "type": "int", "register": "BBR", "register_field": "dwelling unit area in m2",
     "ask": "Hvor mange kvadratmeter er din bolig?", "cuts": [65, 110], "p": [0.3, 0.45, 0.25],
     "min": 10, "max": 1000},
    {"name": "folkepension", "type": "bool", "register": "UDK", "register_field": "old-age pension",
     "ask": "Får du folkepension?", "p_true": 0.2},
    {"name": "helaarsbolig", "type": "bool", "register": "BBR", "register_field": "year-round dwelling",
     "ask": "Er boligen godkendt til helårsbeboelse?", "p_true": 0.93},
]

#: per type, registers a local register fact may come from, with a field each holds
LOCAL_REGISTERS = {
    "bool": [("CPR", "civil status"), ("BBR", "own kitchen"), ("UDK", "disability pension and its grant date"),
             ("Tinglysning", "mortgages")],
    "choice": [("BBR", "heating"), ("CPR", "civil status"), ("BBR", "building use")],
    "int": [("BBR", "number of rooms"), ("BBR", "year built"), ("Matriklen", "parcel area")],
    "money": [("eIndkomst", "benefits paid"), ("UDK", "housing support paid"), ("eIndkomst", "AM-bidrag")],
}

CHOICE_SETS = [["leje", "eje", "andel"], ["fuldtid", "deltid", "ledig"], ["lav", "mellem", "hoej"],
               ["nord", "syd", "oest", "vest"]]

VALID_FROM = "2026-01-01"
SOURCE = "synthetic benchmark rule set (benchmarks/generate.py); not a real regulation"


def _wrap(expr: str) -> str:
    """Parenthesise an expression that has a top-level and/or, so it can be an operand."""
    return f"({expr})" if " and " in expr or " or " in expr else expr


class Generator:
    def __init__(self, questions: int, seed: int, shared: int, nesting: int, outcomes: int | None,
                 cross: float, arithmetic: bool):
        if questions < 1:
            raise ValueError("--questions must be at least 1")
        self.n = questions
        self.rng = random.Random(seed)
        self.seed = seed
        self.k = max(0, min(shared, questions - 1 if questions > 1 else 0, len(SHARED_POOL)))
        self.depth = max(0, nesting)
        self.cross = cross
        self.arithmetic = arithmetic
        self.constants: dict[str, dict] = {}
        self.facts: dict[str, dict] = {}
        self.modules: list[dict] = []
        local = questions - self.k
        self.outcome_count = outcomes
        self.local = local
        # the knobs in the process name, so rule sets from different knobs can be checked together
        self.tag = f"{zlib.crc32(repr((shared, nesting, outcomes, cross, arithmetic)).encode()):08x}"[:6]

    # -- constants and facts -------------------------------------------------------------------

    def constant(self, name: str, value: Any, unit: str | None = None) -> str:
        entry: dict[str, Any] = {"value": value}
        if unit:
            entry["unit"] = unit
        entry.update({"valid_from": VALID_FROM, "source": SOURCE})
        self.constants[name] = entry
        return name

    def shared_facts(self) -> list[dict]:
        found = []
        for spec in SHARED_POOL[:self.k]:
            fact: dict[str, Any] = {"type": spec["type"], "register": spec["register"],
                                    "register_field": spec["register_field"], "ask": spec["ask"]}
            atoms: list[str] = []
            if spec["type"] == "bool":
                fact["p_true"] = spec["p_true"]
                atoms = [spec["name"], f"not {spec['name']}"]
            elif spec["type"] == "choice":
                fact["choices"] = {v: {"label": v, "p": p} for v, p in spec["choices"].items()}
                values = list(spec["choices"])
                atoms = [f"{spec['name']} == '{v}'" for v in values] + [f"{spec['name']} != '{values[-1]}'"]
            elif "distribution" in spec:
                fact.update({"min": spec["min"], "max": spec["max"], "distribution": dict(spec["distribution"])})
                atoms = [f"{spec['name']} >= 1", f"{spec['name']} == 0", f"{spec['name']} >= 2"]
            else:
                names = []
                for i, cut in enumerate(spec["cuts"], 1):
                    names.append(self.constant(f"{spec['name']}_graense_{i}", cut,
                                               "DKK/år" if spec["type"] == "money" else None))
                prior = [{"upto": c, "p": p} for c, p in zip(spec["cuts"], spec["p"])] + [{"p": spec["p"][-1]}]
                fact["prior"] = prior
                fact["min"] = spec["min"]
                if "max" in spec:
                    fact["max"] = spec["max"]
                if spec["type"] == "money":
                    fact["unit"] = "DKK/år"
                    atoms = [f"{spec['name']} <= {n}" for n in names]
                else:
                    atoms = [f"{spec['name']} > {n}" for n in names] + [f"{spec['name']} <= {names[0]}"]
            fact["assumption"] = "synthetic prior"
            self.facts[spec["name"]] = fact
            found.append({"name": spec["name"], "type": spec["type"], "atoms": atoms})
        return found

    def local_question(self, module: str, i: int) -> tuple[str, dict, list[str]]:
        """One local question: its name, its definition and the comparisons that read it."""
        rng = self.rng
        name = f"{module}_q{i}"
        kind = rng.choices(["bool", "choice", "int", "money"], weights=[45, 20, 15, 20])[0]
        fact: dict[str, Any] = {"type": kind}
        if rng.random() < 1 / 6:
            register, field = rng.choice(LOCAL_REGISTERS[kind])
            fact["register"] = register
            fact["register_field"] = field
        fact["ask"] = f"Spørgsmål {i} om forhold {module[1:]}: gælder det for dig?" if kind == "bool" else \
            f"Spørgsmål {i} om forhold {module[1:]}: hvad er svaret?"
        if kind == "bool":
            fact["p_true"] = round(rng.uniform(0.1, 0.9), 2)
            atoms = [name, f"not {name}"]
        elif kind == "choice":
            values = CHOICE_SETS[rng.randrange(len(CHOICE_SETS))]
            weights = [rng.uniform(0.2, 1.0) for _ in values]
            probs = [round(w / sum(weights), 2) for w in weights]
            probs[-1] = round(1 - sum(probs[:-1]), 2)
            fact["choices"] = {v: {"label": v, "p": p} for v, p in zip(values, probs)}
            atoms = [f"{name} == '{values[0]}'", f"{name} in ['{values[0]}', '{values[1]}']", f"{name} != '{values[-1]}'"]
        elif kind == "int":
            cut = rng.randrange(2, 40)
            c = self.constant(f"{module}_c{i}", cut)
            fact.update({"min": 0, "max": 100, "prior": [{"upto": cut, "p": 0.6}, {"p": 0.4}]})
            atoms = [f"{name} > {c}", f"{name} <= {c}"]
        else:
            cut = rng.randrange(2, 60) * 5000
            c = self.constant(f"{module}_c{i}", cut, "DKK/år")
            p = round(rng.uniform(0.3, 0.8), 2)
            fact.update({"min": 0, "unit": "DKK/år", "prior": [{"upto": cut, "p": p}, {"p": round(1 - p, 2)}]})
            atoms = [f"{name} <= {c}", f"{name} > {c}"]
            if self.arithmetic and rng.random() < 0.5:
                g = self.constant(f"{module}_g{i}", cut * 12, "DKK/år")
                atoms = [f"{name} * 12 > {g}"]
        fact["assumption"] = "synthetic prior"
        return name, fact, atoms

    # -- modules --------------------------------------------------------------------------------

    def build_modules(self, shared: list[dict]) -> None:
        rng = self.rng
        remaining = self.local
        index = 0
        sizes = []
        while remaining > 0:
            size = min(remaining, rng.randint(4, 8))
            if 0 < remaining - size < 3:  # no tiny module at the end
                size = remaining
            sizes.append(size)
            remaining -= size
        for size in sizes:
            index += 1
            module = f"m{index:03d}"
            questions = []
            for i in range(1, size + 1):
                name, fact, atoms = self.local_question(module, i)
                self.facts[name] = fact
                questions.append((name, fact, atoms))
            first_name, first_fact, _ = questions[0]
            if size >= 3 and first_fact["type"] == "bool":
                last_name, last_fact, last_atoms = questions[-1]
                last_fact["applies_if"] = first_name
                last_fact["default"] = {"bool": False, "choice": list(last_fact.get("choices", {"x": 0}))[-1],
                                        "int": 0, "money": 0}[last_fact["type"]]
                # read it only through comparisons that are false at its default, so that
                # 'q1 or <last>' is no tautology ('not q1' makes 'not <last>' true)
                if last_fact["type"] == "bool":
                    last_atoms[:] = [last_name]
                elif last_fact["type"] in ("int", "money"):
                    last_atoms[:] = [a for a in last_atoms if " > " in a]
            # one comparison per question; the module also reads one or two shared facts
            conditions = [rng.choice(atoms) for _, _, atoms in questions]
            if "applies_if" in questions[-1][1]:
                conditions[0] = first_name  # 'not q1 and <q_last, which applies only if q1>' never holds
            rng.shuffle(conditions)
            if shared:
                # every shared fact is read somewhere (round robin), most modules read one more
                picks = [f for j, f in enumerate(shared) if j % len(sizes) == index - 1] or \
                    [shared[(index - 1) % len(shared)]]
                others = [f for f in shared if f not in picks]
                if others and rng.random() < 0.5:
                    picks.append(rng.choice(others))
                for fact in picks:
                    conditions.insert(rng.randrange(len(conditions) + 1), rng.choice(fact["atoms"]))
            money = [n for n, f, _ in questions if f["type"] == "money"]
            self.modules.append({"name": module, "conditions": conditions, "money": money,
                                 "final": self.chain(module, conditions)})

    def chain(self, module: str, conditions: list[str]) -> str:
        """Fold a module's conditions into a chain of ``depth`` derived facts; returns the
        expression (a derived fact's name, or the conditions themselves when depth is 0)."""
        rng = self.rng

        def combine(parts: list[str]) -> str:
            op = rng.choice(["and", "and", "or"])
            return f" {op} ".join(_wrap(p) for p in parts)

        pending = list(conditions)
        if self.depth == 0:
            return _wrap(combine(pending))
        per_level = max(1, -(-len(pending) // self.depth))
        previous = None
        for level in range(1, self.depth + 1):
            take = pending[:per_level] if level < self.depth else pending
            pending = pending[len(take):]
            if not take:
                take = [rng.choice(conditions)]
            group = combine(take)
            if previous is None:
                text = group
            else:
                text = f"{previous} {rng.choice(['and', 'and', 'or'])} {_wrap(group)}"
            name = f"{module}_d{level}"
            self.facts[name] = {"derive": text}
            previous = name
        return previous  # type: ignore[return-value]

    # -- outcomes -------------------------------------------------------------------------------

    def build_outcomes(self) -> dict[str, dict]:
        rng = self.rng
        modules = self.modules
        count = self.outcome_count if self.outcome_count else max(1, len(modules))
        count = max(1, count)
        assigned: list[list[dict]] = [[] for _ in range(count)]
        for i, m in enumerate(modules):
            assigned[i % count].append(m)
        for j in range(count):
            if not assigned[j] and modules:  # more outcomes than modules: a random subset
                assigned[j] = rng.sample(modules, min(len(modules), rng.randint(1, 3)))
            if len(modules) > 1 and rng.random() < self.cross:
                others = [m for m in modules if m not in assigned[j]]
                if others:
                    assigned[j] = assigned[j] + [rng.choice(others)]
        kinds = ["when", "cases", "items"] + (["value"] if self.arithmetic else [])
        outcomes: dict[str, dict] = {}
        for j, group in enumerate(assigned, 1):
            finals = [m["final"] for m in group] or ["true"]
            kind = kinds[(j - 1) % len(kinds)]
            name = f"udfald_{j:03d}"
            law = f"§ {j}"
            if kind == "when":
                text = finals[0]
                for f in finals[1:]:
                    text = f"{text} {rng.choice(['and', 'or'])} {f}" if " or " not in text else f"({text}) and {f}"
                outcomes[name] = {"when": text, "law": law}
            elif kind == "cases":
                cases = []
                if len(finals) > 1:
                    cases.append({"when": " and ".join(finals), "then": "fuld", "law": law})
                cases.append({"when": finals[0], "then": "delvis", "law": law})
                if len(finals) > 1:
                    cases.append({"when": " or ".join(finals[1:]), "then": "saerlig", "law": law})
                cases.append({"else": "ingen", "law": law})
                outcomes[name] = {"cases": cases}
            elif kind == "items":
                items = {f"dokument_{k}": {"when": f, "title": f"Dokument {k}", "law": law}
                         for k, f in enumerate(finals, 1)}
                outcomes[name] = {"items": items}
            else:
                money = [q for m in group for q in m["money"]]
                base = money[0] if money else ("indkomst" if "indkomst" in self.facts else None)
                sats = self.constant(f"sats_{j:03d}", rng.randrange(10, 80) * 1000, "DKK/år")
                if base is None:
                    expr = f"{sats}"
                else:
                    expr = f"max(0, {sats} - 0.3 * {base})"
                outcomes[name] = {"applies_if": " or ".join(finals), "value": expr, "unit": "DKK/år", "law": law}
            outcomes[name]["title"] = f"Afgørelse {j}"
        return outcomes

    def document(self) -> dict:
        shared = self.shared_facts()
        self.build_modules(shared)
        if not self.modules:  # every question is shared: one module over the shared comparisons
            conditions = [self.rng.choice(f["atoms"]) for f in shared]
            self.modules.append({"name": "m000", "conditions": conditions, "money": [],
                                 "final": self.chain("m000", conditions)})
        outcomes = self.build_outcomes()
        # order outcomes' keys nicely: title first
        ordered = {}
        for name, o in outcomes.items():
            ordered[name] = {"title": o.pop("title"), **o}
        return {
            "process": f"syntetisk_{self.n}_{self.seed}_{self.tag}",
            "title": {"da": f"Syntetisk regelsæt med {self.n} spørgsmål", "en": f"Synthetic rule set, {self.n} questions"},
            "authority": "askless benchmark",
            "law": {"id": "Syntetisk lov nr. 1", "title": "A made-up law for benchmarks"},
            "volume": {"applications_per_year": 10_000, "assumption": "synthetic"},
            "constants": self.constants,
            "facts": self.facts,
            "outcomes": ordered,
        }


def generate(questions: int, seed: int = 1, shared: int = 4, nesting: int = 2, outcomes: int | None = None,
             cross: float = 0.2, arithmetic: bool = True) -> str:
    """The rule file as YAML text (deterministic in its arguments)."""
    doc = Generator(questions, seed, shared, nesting, outcomes, cross, arithmetic).document()
    header = (f"# yaml-language-server: $schema=../../analyzer/schema/process.schema.json\n"
              f"# Generated by benchmarks/generate.py --questions {questions} --seed {seed} --shared {shared} "
              f"--nesting {nesting}{'' if outcomes is None else f' --outcomes {outcomes}'} --cross {cross} "
              f"{'--arithmetic' if arithmetic else '--no-arithmetic'}\n")
    return header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110, default_flow_style=None)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--questions", "-n", type=int, required=True, help="questions (input facts) in the file")
    ap.add_argument("--seed", "-s", type=int, default=1)
    ap.add_argument("--shared", type=int, default=4, help=f"shared register facts (0 to {len(SHARED_POOL)})")
    ap.add_argument("--nesting", type=int, default=2, help="derived facts chained per module")
    ap.add_argument("--outcomes", type=int, default=None, help="outcomes (default: one per module)")
    ap.add_argument("--cross", type=float, default=0.2, help="share of outcomes that also read another module")
    ap.add_argument("--arithmetic", action=argparse.BooleanOptionalAction, default=True,
                    help="amounts and comparisons over arithmetic")
    ap.add_argument("-o", "--output", default="-", help="file to write (default: standard output)")
    args = ap.parse_args(argv)
    text = generate(args.questions, args.seed, args.shared, args.nesting, args.outcomes, args.cross, args.arithmetic)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
