"""Alerts for followed names: when a new story mentions a name a chat follows, the chat
gets one alert for that story, however many reports join it later.

A run (:func:`run_alerts`, a repeating job) reads the articles that arrived since the
last run (by order of arrival), takes their stories once they are clustered, finds the
followed names each story mentions (:class:`summaries.stories.follows.NameIndex`, one pass per
story whatever the number of follows) and alerts the chats that follow them, seeing the
story only through the chat's sources and filters. A story is new for a chat if its
first report arrived after the chat followed the name.

Bounds, per chat: at most ``[chats] alerts_per_day`` alerts a local day, none in quiet
hours; the others are folded into the chat's next digest. The chat's state (alerted
stories, today's count, folded ones) is one document of the ``alerts`` table.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Application

from newsbrief.bot.chat_news import keep_for, labelled, titles, visible_for
from newsbrief.bot.chats import ChatPrefs, chat_language
from newsbrief.bot.i18n import _, speaking
from newsbrief.bot.jobs import repeat
from newsbrief.bot.render import Reply, esc, render_story
from newsbrief.bot.sending import BLOCKED, BULK, send
from newsbrief.bot.services import NewsContext, services
from newsbrief.summaries.config import parse_time_of_day
from newsbrief.summaries.store import NewsStore
from newsbrief.summaries.store.records import ArticleRecord, StoryRecord
from newsbrief.summaries.stories.briefing import seen_through, story_by_id
from newsbrief.summaries.stories.follows import NameIndex

__all__ = [
    "run_alerts",
    "alerts_job",
    "in_quiet_hours",
    "folded_reply",
    "clear_folded",
    "schedule_alerts",
    "MAX_REMEMBERED",
]

log = logging.getLogger(__name__)

MAX_REMEMBERED = 300  # alerted story ids kept per chat (stories stay "new" only for a day or two)
MAX_FOLDED = 30  # stories folded into one digest at most
TABLE = "alerts"


def in_quiet_hours(prefs: ChatPrefs, now: dt.datetime, start: str, end: str) -> bool:
    """Whether ``now`` is within the quiet hours [start, end) in the chat's time zone."""
    s, e = parse_time_of_day(start), parse_time_of_day(end)
    if s == e:
        return False
    t = now.astimezone(prefs.tz).time().replace(tzinfo=None)
    return s <= t < e if s < e else (t >= s or t < e)


CURSOR_ID = 0  # the alerts table's document holding the runs' cursor (no Telegram chat has id 0)


def _state(store: NewsStore) -> dict[int, dict[str, Any]]:
    return {d["chat_id"]: d for d in store.documents(TABLE) if "chat_id" in d and d["chat_id"] != CURSOR_ID}


def _cursor(app: Application) -> dict[str, Any]:
    return app.bot_data.alerts_cursor


def _save_cursor(store: NewsStore, cursor: dict[str, Any]) -> None:
    store.put_documents(TABLE, [{"chat_id": CURSOR_ID, "seq": cursor["seq"], "waiting": sorted(cursor["waiting"])}])


def _load_cursor(store: NewsStore, cursor: dict[str, Any], top: int) -> bool:
    """Read the stored cursor into ``cursor``; True if there was one. Without one (the
    first run ever), start it at ``top``: the articles stored before never alert."""
    saved = store.document(TABLE, CURSOR_ID)
    if saved is None or not isinstance(saved.get("seq"), int):
        cursor["seq"] = top
        _save_cursor(store, cursor)
        return False
    cursor["seq"], cursor["waiting"] = saved["seq"], set(saved.get("waiting") or ())
    return True


def _arrived(store: NewsStore, app: Application, day: dt.date) -> list[ArticleRecord]:
    """Articles that arrived since the last run, and the ones that were waiting to be
    clustered. The cursor is kept in the store, so that articles stored while the bot was
    down alert when it is back; the very first run only sets it (articles stored before
    alerts existed never alert)."""
    cursor = _cursor(app)
    recent = store.latest_articles(since=(day - dt.timedelta(days=2)).isoformat())
    top = max((a.get("seq", 0) for a in recent), default=0)
    if cursor["seq"] is None and not _load_cursor(store, cursor, top):
        return []
    new = [a for a in recent if a.get("seq", 0) > cursor["seq"] or a["id"] in cursor["waiting"]]
    if top > cursor["seq"]:
        cursor["seq"] = top
        _save_cursor(store, cursor)
    return new


async def run_alerts(app: Application) -> int:
    """One run: alert the chats whose followed names are in new stories. Returns how many
    alerts were sent. Runs never overlap."""
    async with app.bot_data.alerts_lock:
        return await _run(app)


async def _run(app: Application) -> int:
    svc = services(app)
    following = [p for p in svc.chats.all() if p.follows]
    now = svc.clock()
    arrived = await asyncio.to_thread(_arrived, svc.store, app, now.date())
    if not following or not arrived:
        return 0
    index = NameIndex(n for p in following for n in p.follows)
    chats_of: dict[str, list[ChatPrefs]] = defaultdict(list)
    for p in following:
        for n in p.follows:
            chats_of[n].append(p)
    found = await asyncio.to_thread(_stories_mentioning, svc.store, app, arrived, index)
    if not found:
        return 0
    states, names_of = await asyncio.to_thread(lambda: (_state(svc.store), titles(svc.store)))  # off the loop
    limits = svc.settings.chats
    sent = 0
    changed: dict[int, dict[str, Any]] = {}
    for sid, mentions in found.items():
        named = set().union(*(names for _, names in mentions))
        for prefs in {p.chat_id: p for n in named for p in chats_of[n]}.values():
            # only the reports this chat may see count: a name in another chat's private
            # source never alerts it (nor tells it that such a report exists)
            visible = visible_for(prefs, svc.settings)
            seen = [(a, names) for a, names in mentions if seen_through(a, visible) is not None]
            names = set().union(*(n for _, n in seen)) & set(prefs.follows)
            if not names:
                continue
            first_arrival = min((a.get("ingested_at") or "" for a, _ in seen), default="")
            if prefs.follows_since and first_arrival and first_arrival < prefs.follows_since:
                continue  # the story was in the news before the chat followed the name
            state = changed.get(prefs.chat_id) or dict(states.get(prefs.chat_id) or {"chat_id": prefs.chat_id})
            alerted = list(state.get("alerted") or [])
            if sid in alerted:
                continue
            story = await asyncio.to_thread(
                story_by_id,
                svc.store,
                sid,
                svc.summary_settings(prefs.length),
                visible=visible,
            )
            keep = keep_for(prefs, svc.bot.language)
            if story is None or (keep is not None and not keep(story)):
                continue
            story = labelled(story, names_of)
            who = sorted(names)
            state["alerted"] = (alerted + [sid])[-MAX_REMEMBERED:]
            changed[prefs.chat_id] = state
            today = now.astimezone(prefs.tz).date().isoformat()
            if state.get("day") != today:
                state["day"], state["count"] = today, 0
            quiet = in_quiet_hours(prefs, now, limits.quiet_start, limits.quiet_end)
            if quiet or int(state.get("count") or 0) >= limits.alerts_per_day:
                folded = list(state.get("folded") or [])
                folded.append({"story": sid, "headline": story.headline, "names": who})
                state["folded"] = folded[-MAX_FOLDED:]
                continue
            state["count"] = int(state.get("count") or 0) + 1
            with speaking(chat_language(prefs, svc.bot.language)):
                message = render_story(story, note=_("In the news: {names}").format(names=", ".join(who)))
            try:  # the one sending path (bot.sending): to the chat's topic, blocked and migrated chats handled
                if (await send(app, prefs, message, priority=BULK)).status != BLOCKED:
                    sent += 1
            except TelegramError as exc:
                log.info("alert to chat %s failed: %s", prefs.chat_id, exc)
    if changed:
        await asyncio.to_thread(svc.store.put_documents, TABLE, list(changed.values()))
    return sent


def _stories_mentioning(
    store: NewsStore, app: Application, arrived: list[dict[str, Any]], index: NameIndex
) -> dict[str, list[tuple[dict[str, Any], set[str]]]]:
    """Story id -> its reports that mention followed names, each with those names, for the
    stories of the arrived articles; unclustered articles wait for the next run."""
    waiting: set[str] = set()
    out: dict[str, list[tuple[dict[str, Any], set[str]]]] = {}
    seen: set[str] = set()
    for article in arrived:
        sid = store.story_id_of(article["id"])
        if sid is None:
            waiting.add(article["id"])
            continue
        if sid in seen:
            continue
        seen.add(sid)
        record: StoryRecord | dict[str, Any] = store.get_story(sid) or {}
        members = [a for a in (store.get_article(i) for i in list(record.get("members", {}))[:50]) if a]
        mentions = []
        for member in members:
            names = index.mentioned(f"{member.get('headline', '')}\n{member.get('body', '')}")
            if names:
                head = {k: member.get(k) for k in ("source", "agency", "also_in", "ingested_at")}
                mentions.append((head, names))
        if mentions:
            out[sid] = mentions
    cursor = _cursor(app)
    if waiting != cursor["waiting"]:
        cursor["waiting"] = waiting
        _save_cursor(store, cursor)
    return out


def folded_reply(store: NewsStore, chat_id: int) -> Reply | None:
    """The alerts folded into the next digest (over the cap or in quiet hours), or None."""
    doc = store.document(TABLE, chat_id)
    folded = (doc.get("folded") if doc else None) or []
    if not folded:
        return None
    lines = ["<b>" + _("Also about the names you follow") + "</b>"]
    for item in folded:
        lines.append(f"• {esc(item.get('headline', ''))} — {esc(', '.join(item.get('names') or []))}")
    return Reply("\n".join(lines))


def clear_folded(store: NewsStore, chat_id: int) -> None:
    doc = store.document(TABLE, chat_id)
    if doc and doc.get("folded"):
        store.put_documents(TABLE, [{**doc, "folded": []}])


async def alerts_job(context: NewsContext) -> None:
    await run_alerts(context.application)


def schedule_alerts(app: Application, every_seconds: float = 60.0) -> None:
    """Start the repeating alerts job (the first run ever sets the cursor: articles already
    stored then never alert; after a restart, those stored meanwhile do)."""
    svc = services(app)
    if _cursor(app)["seq"] is None:
        recent = svc.store.latest_articles(since=(svc.clock().date() - dt.timedelta(days=2)).isoformat())
        _load_cursor(svc.store, _cursor(app), max((a.get("seq", 0) for a in recent), default=0))
    repeat(app, alerts_job, minutes=every_seconds / 60, job_id="alerts", first=every_seconds)
