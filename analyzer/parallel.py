"""Independent parts of one analysis, run at once on a machine with several cores.

A task is a module-level function of a shared object (a process) and small arguments. The
results come back in the order of the tasks, and each is what the function returns when run
alone, so the output does not depend on whether the tasks ran in parallel. Workers are forked:
they inherit the shared object instead of receiving a copy. The tasks run one after another in
this process where fork is not available, when ``ASKLESS_JOBS=1``, when the machine has one
core, or when a worker cannot be started.

>>> run([(len, ()), (sorted, ())], "cba", parallel=False)
[3, ['a', 'b', 'c']]
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

#: the environment variable that sets the number of worker processes (1: no workers)
JOBS_ENV = "ASKLESS_JOBS"

_shared: Any = None


def jobs() -> int:
    """Worker processes to use: ``ASKLESS_JOBS`` when it is a positive integer, else the cores."""
    value = os.environ.get(JOBS_ENV, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return os.cpu_count() or 1


def run(tasks: list[tuple[Callable[..., Any], tuple]], shared: Any, parallel: bool = True) -> list[Any]:
    """``[f(shared, *args) for f, args in tasks]``, in worker processes when ``parallel`` and
    there are cores to use."""
    workers = min(jobs(), len(tasks)) if parallel else 1
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        try:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                     initializer=_adopt, initargs=(shared,)) as pool:
                futures = [pool.submit(_call, f, args) for f, args in tasks]
                return [future.result() for future in futures]
        except (BrokenProcessPool, OSError):
            pass  # a worker died or could not start: do the work here
    return [f(shared, *args) for f, args in tasks]


def _adopt(shared: Any) -> None:
    global _shared
    _shared = shared


def _call(f: Callable[..., Any], args: tuple) -> Any:
    return f(_shared, *args)
