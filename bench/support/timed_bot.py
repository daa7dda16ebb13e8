"""Tayori (`python -m bot`) with some of its functions timed, for `bench/interaction_cpu.py`.

`TIMED` names the functions, `module:name,name;module:name`; each is replaced in its module by
a wrapper that adds up the thread CPU time spent inside it (`time.thread_time_ns`; for a
coroutine function, from the first step to the last, so it must not await other work). SIGUSR1
sets the sums to zero; SIGUSR2 writes them to the JSON file `TIMED_OUT` as
{"module:name": [nanoseconds, calls]}. Nothing else changes: the bot is the real one.

`FREE` (optional, the same form) names functions to answer from memory: each returns what its
first call returned, whatever it is asked. Only a bench that sends one and the same request
again and again may use it (`interaction_cpu.py --free`: what the answer would cost if those
steps cost nothing); they are still timed, so their time shows as ~0.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import os
import runpy
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SUMS: dict[str, list[int]] = {}


def timed(key: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """`func`, adding its thread CPU time and calls to SUMS[key]."""
    total = SUMS.setdefault(key, [0, 0])
    clock = time.thread_time_ns
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def timed_coroutine(*args: Any, **kwargs: Any) -> Any:
            start = clock()
            try:
                return await func(*args, **kwargs)
            finally:
                total[0] += clock() - start
                total[1] += 1

        return timed_coroutine

    @functools.wraps(func)
    def timed_function(*args: Any, **kwargs: Any) -> Any:
        start = clock()
        try:
            return func(*args, **kwargs)
        finally:
            total[0] += clock() - start
            total[1] += 1

    return timed_function


def replace(spec: str, make: Callable[[str, Callable[..., Any]], Callable[..., Any]]) -> None:
    """Replace every function named in `spec` by `make(its key, it)`."""
    for part in filter(None, spec.split(";")):
        module_name, names = part.split(":")
        module = importlib.import_module(module_name)
        for name in names.split(","):
            setattr(module, name, make(f"{module_name}:{name}", getattr(module, name)))


def remembered(_key: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """`func`, called once: every later call returns the first call's result."""
    first: list[Any] = []

    @functools.wraps(func)
    def again(*args: Any, **kwargs: Any) -> Any:
        if not first:
            first.append(func(*args, **kwargs))
        return first[0]

    return again


def reset(*_: object) -> None:
    for total in SUMS.values():
        total[0] = total[1] = 0


def dump(*_: object) -> None:
    Path(os.environ["TIMED_OUT"]).write_text(json.dumps(SUMS))


if __name__ == "__main__":
    replace(os.environ.get("FREE", ""), remembered)  # answered from memory, then timed
    replace(os.environ["TIMED"], timed)
    signal.signal(signal.SIGUSR1, reset)
    signal.signal(signal.SIGUSR2, dump)
    runpy.run_module("bot", run_name="__main__", alter_sys=True)
