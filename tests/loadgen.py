"""Load generator shared by the load tests and ``bench/``: a digest fan-out to many chats
due in the same minute, optionally with people sending commands meanwhile and with
faults injected by the local Bot API server. Everything runs for real over loopback HTTP."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
from collections import Counter
from pathlib import Path
from typing import Any

from botenv import TOKEN, UTC, Clock, job_watch, start_bot, stop_bot
from waiting import wait_for

from newsbrief.bot.chats import ChatPrefs
from newsbrief.bot.digests import rebuild_schedules
from newsbrief.bot.localapi import LocalBotAPI
from newsbrief.bot.services import Backoff
from newsbrief.bot.settings import TelegramSettings
from newsbrief.summaries.config import Settings
from newsbrief.summaries.index.entity_index import index_articles
from newsbrief.summaries.pipeline.run import run_pipeline
from newsbrief.summaries.store import Store

FIRST_CHAT = 10_000_000
FIRST_USER = 90_000_000
DIGEST_PREFIX = "Your daily digest"


def rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


@dataclasses.dataclass
class FanoutResult:
    chats: int
    delivered: int
    duplicates: int
    missing: int
    seconds: float
    sustained_rate: float
    rate_limit: float
    rss_start: float
    rss_peak: float
    rss_end: float
    reply_latencies: list[float]
    requests: Counter[int]
    steady_seconds: float = float("nan")  # the span sustained_rate is measured over

    def lines(self) -> list[str]:
        out = [
            f"chats {self.chats:,}: delivered {self.delivered:,}, duplicates {self.duplicates}, missing {self.missing}",
            f"fan-out {self.seconds:.1f}s, sustained {self.sustained_rate:.2f} msg/s = "
            f"{100 * self.sustained_rate / self.rate_limit:.1f}% of the {self.rate_limit:g}/s limit",
            f"memory (RSS) during the run: start {self.rss_start:.0f} MiB, peak {self.rss_peak:.0f} MiB, "
            f"end {self.rss_end:.0f} MiB",
            "Bot API answers: " + ", ".join(f"{status}: {n}" for status, n in sorted(self.requests.items())),
        ]
        if self.reply_latencies:
            lat = self.reply_latencies
            out.append(
                f"{len(lat)} commands answered during the run: p50 {percentile(lat, 50):.2f}s, "
                f"p99 {percentile(lat, 99):.2f}s, max {max(lat):.2f}s"
            )
        return out


async def digest_fanout(
    workdir: Path,
    chats: int,
    *,
    rate: float = 30.0,
    users: int = 0,
    fault_rate: float = 0.0,
    fault_kinds: tuple[str, ...] = ("429", "500", "drop", "slow"),
    seed: int = 1,
    timeout: float | None = None,
) -> FanoutResult:
    """Subscribe ``chats`` chats with digests due at the same minute, fire them, and
    measure delivery; ``users`` people send /who and /brief once the digests go out."""
    api = LocalBotAPI(token=TOKEN, keep_history=False)  # the server keeps counts, not messages
    api.start()
    store = Store(workdir / "db.json")
    settings = Settings()
    run_pipeline(store, settings)
    index_articles(store, list(store.iter_articles()))
    clock = Clock(dt.datetime(2025, 7, 27, 7, 0, tzinfo=UTC))
    app = await start_bot(
        api,
        store,
        settings,
        clock,
        telegram=TelegramSettings(rate_limit_per_second=rate),
        backoff=Backoff(tries=6, base=0.1, cap=1.0, retry_later_seconds=1.0),
    )
    digest_times: list[float] = []
    per_chat: Counter[int] = Counter()
    first_reply: dict[int, float] = {}

    def on_event(event: str, record: dict[str, Any]) -> None:
        if event != "sent":
            return
        chat_id = record["chat_id"]
        if record.get("text", "").startswith(f"<b>{DIGEST_PREFIX}"):
            digest_times.append(time.monotonic())
            per_chat[chat_id] += 1
        elif chat_id >= FIRST_USER and chat_id not in first_reply:
            first_reply[chat_id] = time.monotonic()

    api.add_listener(on_event)
    svc = app.bot_data.services
    for i in range(chats):  # people who once talked to the bot: the server knows their chats
        api.add_chat(FIRST_CHAT + i, "private")
    svc.chats.save_many(
        ChatPrefs(chat_id=FIRST_CHAT + i, subscribed=True, time="07:00", timezone="UTC") for i in range(chats)
    )
    rebuild_schedules(app)
    if fault_rate:
        api.set_fault_rate(rate=fault_rate, kinds=fault_kinds, seed=seed)
    samples = [rss_mib()]
    stop_sampling = asyncio.Event()

    async def sample() -> None:
        while not stop_sampling.is_set():
            samples.append(rss_mib())
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample())
    start = time.monotonic()
    fire_at = dt.datetime.now(UTC)
    for job in app.job_queue.jobs():
        if job.name and job.name.startswith("digest:"):
            job.job.modify(next_run_time=fire_at)
    sent_at: dict[int, float] = {}
    if users:  # once the digests are going out
        await wait_for(lambda: sum(per_chat.values()) >= min(chats // 4, int(rate)), timeout=60)
        for i in range(users):
            chat = FIRST_USER + i
            sent_at[chat] = time.monotonic()
            api.send_text(chat, "/who Hegseth" if i % 2 else "/brief")
    deadline = start + (timeout or (chats / rate) * 3 + 60)
    while (sum(per_chat.values()) < chats or len(first_reply) < users) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    # a barrier: every digest job (and retry) has run to its end, so a duplicate would be counted
    await wait_for(job_watch(app).idle, timeout=60, what="the digest jobs to finish")
    stop_sampling.set()
    await sampler
    api.clear_faults()
    requests = Counter({status: n for (method, status), n in api.status_counts.items() if method == "sendmessage"})
    await stop_bot(app)
    store.close()
    api.stop()
    digest_times.sort()
    steady = [t for t in digest_times if t - digest_times[0] >= 1.0] if digest_times else []
    sustained = (len(steady) - 1) / (steady[-1] - steady[0]) if len(steady) > 2 else float("nan")
    delivered = sum(1 for c in range(FIRST_CHAT, FIRST_CHAT + chats) if per_chat[c] >= 1)
    return FanoutResult(
        chats=chats,
        delivered=delivered,
        duplicates=sum(n - 1 for n in per_chat.values() if n > 1),
        missing=chats - delivered,
        seconds=(digest_times[-1] - start) if digest_times else float("nan"),
        sustained_rate=sustained,
        rate_limit=rate,
        rss_start=samples[0],
        rss_peak=max(samples),
        rss_end=samples[-1],
        reply_latencies=[first_reply[c] - sent_at[c] for c in sent_at if c in first_reply],
        requests=requests,
        steady_seconds=(steady[-1] - steady[0]) if len(steady) > 2 else float("nan"),
    )
