"""Lower bounds on the expected number of questions that no form can beat.

- **Certificate bound**: for each row (case), the fewest questions whose answers settle every
  outcome of that case (and include every amount input the case needs); its expectation over
  the rows. Any policy asks a certificate on every case, so no policy can ask fewer on average.
- **Entropy bound**: H(outcomes) / the most information one answer can give (its class entropy,
  plus one bit per atom it can reveal). Each answer gives at most that much information, and
  a determined state has resolved all of H(outcomes).

Both are computed per component and added (components share no question).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .finite import NA
from .policies import Space

#: most questions (askable variables) in a component for the certificate search
CERTIFICATE_MAX_QUESTIONS = 20
#: most subsets the certificate search may examine in one component
CERTIFICATE_SUBSET_LIMIT = 60_000


def certificate(space: Space) -> list[int] | None:
    """Per row, the size of its smallest certificate; None when the search is too large.

    A certificate of row r is a set X of questions such that every row that answers X (and the
    prefilled facts) like r decides like r, and X holds every amount input r needs. Rows are
    searched by their needs N: only supersets of N can certify them, so the search runs over
    subsets of the other questions, smallest first.
    """
    rows = space.rows
    if not rows:
        return []
    askable = space.askable
    if len(askable) > CERTIFICATE_MAX_QUESTIONS:
        return None
    matrix = np.array(rows, dtype=np.int64)
    keys = np.array(space.component.keys, dtype=np.int64)
    result = np.full(len(rows), -1, dtype=np.int64)
    by_needs: dict[frozenset[int], list[int]] = {}
    for r in range(len(rows)):
        by_needs.setdefault(frozenset(space.component.needs[r]) - space.prefilled, []).append(r)
    examined = 0
    for needs in sorted(by_needs, key=sorted):
        target = np.zeros(len(rows), dtype=bool)
        target[by_needs[needs]] = True
        rest = [q for q in askable if q not in needs]
        done = False
        for size in range(len(rest) + 1):
            for extra in itertools.combinations(rest, size):
                examined += 1
                if examined > CERTIFICATE_SUBSET_LIMIT:
                    return None
                group = _groups(space, matrix, frozenset(needs) | frozenset(extra) | space.prefilled)
                n = int(group.max()) + 1
                low = np.full(n, np.iinfo(np.int64).max)
                high = np.full(n, np.iinfo(np.int64).min)
                np.minimum.at(low, group, keys)
                np.maximum.at(high, group, keys)
                hit = target & (low == high)[group] & (result < 0)
                result[hit] = len(needs) + size
                if not (target & (result < 0)).any():
                    done = True
                    break
            if done:
                break
    return result.tolist()


def _groups(space: Space, matrix: np.ndarray, known: frozenset[int]) -> np.ndarray:
    """Dense group ids of the rows by what is known: the known columns and the visible atoms."""
    width = space.width
    columns = [matrix[:, p] for p in sorted(known)]
    if space.atom_inputs:
        # per row, what is known: the answers and, repeatedly, what is known not to apply
        known_mask = np.zeros((len(matrix), width), dtype=bool)
        known_mask[:, sorted(known)] = True
        for _ in range(len(space.na_positions)):
            for p in space.na_positions:
                inputs = sorted(space.na_inputs[p])
                decided = known_mask[:, inputs].all(axis=1) if inputs else np.ones(len(matrix), dtype=bool)
                known_mask[:, p] |= (matrix[:, p] == NA) & decided
        for a, inputs in enumerate(space.atom_inputs):
            visible = known_mask[:, sorted(inputs)].all(axis=1) if inputs else np.ones(len(matrix), dtype=bool)
            value = matrix[:, width + a]
            columns.append(np.where(visible, value, -9))
    group = np.zeros(len(matrix), dtype=np.int64)
    span = 1  # how many distinct ids 'group' can hold
    for column in columns:
        base = int(column.max()) + 11
        if span * base >= 2 ** 62:
            # re-number densely before the combined ids could overflow
            _, group = np.unique(group, return_inverse=True)
            group = group.reshape(-1)
            span = int(group.max()) + 1
        group = group * base + (column + 10)
        span *= base
    _, group = np.unique(group, return_inverse=True)
    return group.reshape(-1)


def entropy_bound(space: Space) -> float:
    """H(outcomes | prefilled facts) / the most bits one answer can give (0 when nothing to learn)."""
    p = space.component.p
    total_h = 0.0
    for rows in space.roots():
        mass = sum(p[r] for r in rows)
        total_h += mass * space.entropy(rows)
    step = 0.0
    for q in space.askable:
        var = space.model.variables[space.component.variables[q]]
        probs = [c.p for c in var.classes if c.p > 0]
        s = sum(probs)
        h = -sum(x / s * math.log2(x / s) for x in probs) if s > 0 else 0.0
        h += sum(1 for inputs in space.atom_inputs if q in inputs)
        step = max(step, h)
    return total_h / step if step > 0 else 0.0
