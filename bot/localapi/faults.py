"""Fault injection for the local Bot API: the errors Telegram answers with, on purpose.

Kinds: "429" (flood wait), "403" (blocked), "migrate" (group upgraded to a
supergroup), "500", "drop" (the connection is closed without an answer) and "slow"
(the answer comes late, but the call takes effect). Faults are either planned
(``inject``: the next N calls of a method, optionally to one chat) or random
(``set_rate``: seeded, so a run is reproducible).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from newsbrief.bot.localapi.errors import APIError, bad
from newsbrief.bot.localapi.state import BotState

__all__ = ["FAULT_KINDS", "Fault", "FaultPlan", "fault_error"]

FAULT_KINDS = ("429", "403", "migrate", "500", "drop", "slow")
_OPTIONS = frozenset({"retry_after", "description", "new_chat_id", "delay"})


@dataclass
class Fault:
    """One planned fault: ``kind`` for the next ``times`` calls of ``method`` (None: forever)."""

    method: str  # lower-case
    kind: str
    chat_id: int | str | None
    times: int | None
    opts: dict[str, Any] = field(default_factory=dict)


@dataclass
class _RandomFaults:
    rate: float
    kinds: tuple[str, ...]
    rng: random.Random
    methods: frozenset[str]
    opts: dict[str, Any]


class FaultPlan:
    """The faults still to happen; thread-safe."""

    def __init__(self, known_methods: Iterable[str]) -> None:
        self._known = frozenset(m.lower() for m in known_methods)
        self._lock = threading.Lock()
        self._planned: list[Fault] = []
        self._random: _RandomFaults | None = None

    def inject(
        self, method: str, kind: str, chat_id: int | str | None, times: int | None, opts: dict[str, Any]
    ) -> None:
        """Plan ``kind`` for the next ``times`` calls of ``method`` (to ``chat_id``, if given)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if method.lower() not in self._known:
            raise ValueError(f"unknown Bot API method {method!r}")
        unknown = set(opts) - _OPTIONS
        if unknown:
            raise ValueError(f"unknown fault options {sorted(unknown)}")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 or None")
        with self._lock:
            self._planned.append(Fault(method.lower(), kind, chat_id, times, dict(opts)))

    def set_rate(
        self, rate: float, kinds: Iterable[str], seed: int | None, methods: Iterable[str], opts: dict[str, Any]
    ) -> None:
        """Random faults: each call of ``methods`` fails with probability ``rate``; 0 turns it off."""
        kinds = tuple(kinds)
        for kind in kinds:
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {kind!r}")
        if not 0 <= rate <= 1:
            raise ValueError("rate must be within [0, 1]")
        with self._lock:
            if rate == 0 or not kinds:
                self._random = None
                return
            self._random = _RandomFaults(
                rate, kinds, random.Random(seed), frozenset(m.lower() for m in methods), dict(opts)
            )

    def clear(self) -> None:
        with self._lock:
            self._planned.clear()
            self._random = None

    def take(self, method: str, params: dict) -> tuple[str, dict[str, Any]] | None:
        """The fault for this call of ``method`` (lower-case), if any: (kind, options)."""
        chat_id = params.get("chat_id")
        with self._lock:
            for fault in self._planned:
                if fault.method != method:
                    continue
                if fault.chat_id is not None and not _same_chat(fault.chat_id, chat_id):
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._planned.remove(fault)
                return fault.kind, fault.opts
            rf = self._random
            if rf and method in rf.methods and rf.rng.random() < rf.rate:
                return rf.rng.choice(rf.kinds), rf.opts
        return None


def fault_error(state: BotState, kind: str, opts: dict[str, Any], params: dict) -> APIError:
    """The error answer of fault ``kind`` ("429", "403", "500" or "migrate").

    "migrate" upgrades the chat for real (the old id keeps failing afterwards, the new
    supergroup works) and queues Telegram's two migration service messages.
    """
    if kind == "429":
        retry_after = int(opts.get("retry_after", 1))
        return APIError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
    if kind == "403":
        return APIError(403, opts.get("description", "Forbidden: bot was blocked by the user"))
    if kind == "500":
        return APIError(500, "Internal Server Error")
    if kind != "migrate":
        raise ValueError(f"fault {kind!r} has no error answer")
    with state.lock:
        old = state.chat_id_param(params)
        if old in state.migrated:
            new = state.migrated[old]
        else:
            if old not in state.chats:
                return bad("chat not found")
            new = opts.get("new_chat_id") or (-(10**12) - abs(old) if abs(old) < 10**12 else old - 1)
            state.migrate(old, int(new))
    state.wake_pollers()
    return bad("group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": new})


def _same_chat(a: Any, b: Any) -> bool:
    try:
        return int(a) == int(b)
    except (TypeError, ValueError):
        return str(a).lower() == str(b).lower()
