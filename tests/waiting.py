"""Wait on conditions, never for fixed times.

``wait_for`` polls ``condition`` until it returns something truthy and returns that
value; after ``timeout`` seconds it fails with the last value seen, so a slow machine
only makes a test slower, never wrong. ``wait_for_sync`` is the same for code that runs
outside an event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["wait_for", "wait_for_sync", "DEFAULT_TIMEOUT"]

T = TypeVar("T")
DEFAULT_TIMEOUT = 20.0


def _failure(what: str | None, condition: Callable[[], object], timeout: float, last: object) -> AssertionError:
    name = what or getattr(condition, "__name__", "condition")
    return AssertionError(f"{name} did not hold within {timeout}s (last value: {last!r})")


async def wait_for(
    condition: Callable[[], T], timeout: float = DEFAULT_TIMEOUT, *, interval: float = 0.01, what: str | None = None
) -> T:
    """Await until ``condition()`` is truthy; return its value (AssertionError after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise _failure(what, condition, timeout, value)
        await asyncio.sleep(interval)


def wait_for_sync(
    condition: Callable[[], T], timeout: float = DEFAULT_TIMEOUT, *, interval: float = 0.01, what: str | None = None
) -> T:
    """Block until ``condition()`` is truthy; return its value (AssertionError after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise _failure(what, condition, timeout, value)
        time.sleep(interval)
