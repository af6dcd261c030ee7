"""Command and button handlers. Each is small: parse, ask the news core (off the event
loop), render, reply. Bad input gets one line saying what is wrong, with an example."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from typing import Any

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from newsbrief.bot.chat_news import labelled, titles, visible_for
from newsbrief.bot.chat_news import compose_for
from newsbrief.bot.chats import LENGTHS, MAX_TOPICS, ChatPrefs, clean_topics, next_delivery, topic_key
from newsbrief.bot.digests import schedule_digest, unschedule_digest
from newsbrief.bot.render import Reply, callback_data, esc, render_briefing, render_reports, render_sentences, render_story, render_who
from newsbrief.bot.services import NewsContext, services
from newsbrief.summaries.pipeline import on_demand
from newsbrief.summaries.index.entity_index import lookup, name_for_token
from newsbrief.summaries.config import parse_time_of_day, parse_timezone
from newsbrief.summaries.store import StoreError

__all__ = ["COMMANDS", "HELP"]

log = logging.getLogger(__name__)

BASIC_COMMANDS = [
    ("brief", "today's briefing, optionally on a topic"),
    ("summary", "summarize an article (id or keywords), or reply to a message"),
    ("who", "who or what is this, from the news"),
    ("subscribe", "daily digest at your local time"),
    ("unsubscribe", "stop the daily digest"),
    ("settings", "digest time, time zone, length, topics"),
    ("help", "what I can do"),
]
COMMANDS = [
    *BASIC_COMMANDS[:-1],
    ("add", "add a feed or a web site to this chat's news"),
    ("sources", "this chat's own sources and how they are doing"),
    ("remove", "remove one of this chat's sources"),
    ("export", "this chat's sources as an OPML file"),
    ("filter", "keep or leave out news by keywords"),
    ("follow", "an alert when a new story mentions a name"),
    ("following", "the names this chat follows"),
    ("unfollow", "stop alerts about a name"),
    ("connect", "manage a channel's digest from this chat"),
    ("disconnect", "stop managing a channel"),
    ("help", "what I can do"),
]

HELP = """<b>newsbrief</b> sends you short news briefings made from the articles it holds.

/brief — today's top stories. <code>/brief climate</code> for one topic.
/summary — the summary of a stored article: <code>/summary 3f2a9c1d</code> (an id) or <code>/summary defence talks</code> (keywords), or of a web page: <code>/summary https://example.org/story</code>. Reply <code>/summary</code> to a long message to summarize it.
/who — who or what that is, from the news: <code>/who Hegseth</code>
/subscribe — a daily digest: <code>/subscribe 07:30 Europe/Berlin</code>
/unsubscribe — stop the daily digest.
/settings — see or change your digest: <code>/settings time 07:30</code>, <code>/settings timezone Asia/Kolkata</code>, <code>/settings length short</code>, <code>/settings topics climate, energy</code>, <code>/settings topics off</code>
/add — add a feed or a site to this chat's news: <code>/add https://example.org/feed.xml</code> (a site's feed is found for you; a page without one is read as it is).
/sources — this chat's own sources, how they are doing, and their latest news. /remove — remove one (buttons).
Send an OPML file (.opml) to import its feeds; /export sends this chat's sources back as one.
/filter — keywords: <code>/filter +climate -football "world cup"</code> keeps only news about climate or the world cup and leaves out football; <code>/filter</code> shows them, <code>/filter clear</code> removes them.
/follow — an alert when a new story mentions someone: <code>/follow Hegseth</code> (matched like /who). /following lists them, <code>/unfollow Pete Hegseth</code> stops. At most a few alerts a day and none at night; the rest come with your digest.
/connect — manage a channel from here: <code>/connect @mychannel</code> (you and I must be its administrators); /subscribe, /add, /filter and /settings then act on the channel; /disconnect to stop.
In a forum topic, /subscribe gives that topic its own digest, with its own settings.
/help — this message."""

MAX_SHOWN = 40  # characters of a bad value quoted back to the user
_ID = re.compile(r"[0-9a-f]{16}")
_URL = re.compile(r"https?://", re.I)
MAX_URL_CHARS = 2000  # longest web address /summary takes
MAX_REASON_CHARS = 600  # longest reason quoted back when a page fails


def shown(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…"


async def reply(update: Update, message: Reply | str) -> None:
    if isinstance(message, str):
        message = Reply(message)
    await update.effective_message.reply_text(message.text, reply_markup=message.keyboard, do_quote=False)


def prefs_for(update: Update, context: NewsContext) -> ChatPrefs:
    """The preferences of the chat an update's commands act on (its defaults if it has
    none): the chat itself, or the channel a private chat manages (/connect)."""
    chat = update.effective_chat
    message = update.effective_message
    if update.callback_query is not None and update.callback_query.message is not None:
        chat = update.callback_query.message.chat
        message = update.callback_query.message
    book = services(context).chats
    if message is not None and getattr(message, "is_topic_message", False) and message.message_thread_id:
        # a forum topic has settings of its own
        key = topic_key(chat.id, message.message_thread_id)
        return book.get_or_default(key, chat_type=chat.type, title=chat.title or "",
                                   thread_id=message.message_thread_id, chat_ref=chat.id)
    own = book.get_or_default(chat.id, chat_type=chat.type, title=chat.title or "")
    if chat.type == ChatType.PRIVATE and own.manages:
        channel = book.get(own.manages)
        if channel is not None:
            return channel
    return own




async def may_change_settings(update: Update, context: NewsContext) -> bool:
    """In groups, only administrators may change the chat's digest (if so configured); a
    channel managed from a private chat only while the user and the bot administer it
    (checked with getChatMember at every change)."""
    chat = update.effective_chat
    target = prefs_for(update, context)
    if target.chat_type == ChatType.CHANNEL and target.chat_id != chat.id:
        from newsbrief.bot.channels import rights_problem

        problem = await rights_problem(context.bot, target.chat_id, update.effective_user.id)
        if problem:
            context.chat_data["rights_problem"] = problem
        return not problem
    if chat.type == ChatType.PRIVATE or not services(context).settings.telegram.admins_only_in_groups:
        return True
    message = update.effective_message
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous administrator
    user = update.effective_user
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        log.info("could not check admin status in chat %s: %s", chat.id, exc)
        return False
    return member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


NOT_ADMIN = "Only group administrators can change this group's digest."


async def refuse(update: Update, context: NewsContext) -> None:
    """Tell the user why they may not change this chat (or the channel they manage)."""
    data = context.chat_data if context.chat_data is not None else {}
    await reply(update, data.pop("rights_problem", NOT_ADMIN))


# -- access ---------------------------------------------------------------------------


async def check_allowed(update: Update, context: NewsContext) -> None:
    """Runs first: with an allow-list configured, other chats get one line and nothing else."""
    allowed = services(context).settings.telegram.allowed_chats
    chat = update.effective_chat
    if not allowed or chat is None or chat.id in allowed:
        return
    if update.callback_query is not None:
        await update.callback_query.answer("This bot is not available in this chat.")
    elif update.effective_message is not None and chat.type == ChatType.PRIVATE:
        await reply(update, "Sorry, this bot only serves the chats its operator has allowed.")
    raise ApplicationHandlerStop


# -- commands ---------------------------------------------------------------------------


async def start(update: Update, context: NewsContext) -> None:
    await reply(update, HELP)


async def brief(update: Update, context: NewsContext) -> None:
    svc = services(context)
    prefs = prefs_for(update, context)
    topic = " ".join(context.args or ())
    if len(topic) > 100:
        await reply(update, "That topic is too long. Try one or two words, e.g. /brief climate")
        return
    day = svc.clock().astimezone(prefs.tz).date().isoformat()
    briefing = await asyncio.to_thread(
        compose_for, svc.store, prefs, svc.settings, day=day, topics=[topic] if topic else (),
        limit=svc.settings.briefing.stories, settings=svc.summary_settings(prefs.length),
    )
    for message in render_briefing(briefing, length=prefs.length):
        await reply(update, message)


async def summary(update: Update, context: NewsContext) -> None:
    from newsbrief.summaries.stories.briefing import find_articles, seen_through, story_for
    from newsbrief.summaries.nlp.summarizer import summarize_article

    svc = services(context)
    message = update.effective_message
    replied = message.reply_to_message
    if replied is not None and not context.args:
        text = replied.text or replied.caption or ""
        if len(text.split()) < 8:
            await reply(update, "That message is too short to summarize. Reply /summary to a longer text.")
            return
        sentences = await asyncio.to_thread(summarize_article, text[:200_000], svc.settings.summaries)
        if not sentences:
            await reply(update, "I could not find whole sentences to summarize in that message.")
            return
        await reply(update, render_sentences(sentences, title="Summary of the message"))
        return
    query = " ".join(context.args or ())
    if not query:
        await reply(update, "Usage: /summary ID or keywords, e.g. /summary defence talks — or reply /summary to a message.")
        return
    if _URL.match(query):
        if len(query) > MAX_URL_CHARS:
            await reply(update, f"That web address is too long: I read addresses of up to {MAX_URL_CHARS:,} characters.")
            return
        await summarize_url(update, context, query)
        return
    if len(query) > 300:
        await reply(update, "That is too long for a search. Use an article id or a few keywords.")
        return
    visible = visible_for(prefs_for(update, context), svc.settings)
    found = await asyncio.to_thread(find_articles, svc.store, query, limit=50)
    found = [a for a in found if seen_through(a, visible) is not None][:5]
    if not found:
        await reply(update, f"No stored article matches “{esc(shown(query))}”. Try other keywords, or /brief.")
        return
    story = await asyncio.to_thread(story_for, svc.store, seen_through(found[0], visible), svc.summary_settings("full"))
    message_out = render_story(labelled(story, titles(svc.store)))
    if len(found) > 1:
        rows = [[InlineKeyboardButton(a["headline"][:60], callback_data=callback_data("full", a["id"]))] for a in found[1:4]]
        existing = list(message_out.keyboard.inline_keyboard) if message_out.keyboard else []
        message_out.keyboard = InlineKeyboardMarkup([*existing, *rows])
        message_out.text += "\n\n<i>Other matches below.</i>"
    await reply(update, message_out)


async def summarize_url(update: Update, context: NewsContext, url: str) -> None:
    svc = services(context)
    try:
        story = await asyncio.to_thread(on_demand.summarize_url, url, svc.settings)
    except on_demand.SourceError as exc:  # the page's problem, told plainly
        await reply(update, page_failed(str(exc)))
        return
    except Exception:
        log.exception("summary of a web page failed")
        await reply(update, page_failed(""))
        return
    await reply(update, render_story(story))


def page_failed(reason: str) -> str:
    """The reply for a page that could not be summarized: one whole sentence, escaped;
    a reason too long for a chat message is not cut but replaced by a general one."""
    reason = " ".join(reason.split()).rstrip(".")
    if not reason or len(reason) > MAX_REASON_CHARS:
        return "I could not summarize that page. Please try again later, or send another address."
    return f"I could not summarize that page: {esc(reason)}."


async def who(update: Update, context: NewsContext) -> None:
    name = " ".join(context.args or ())
    if not name:
        await reply(update, "Usage: /who NAME, e.g. /who Hegseth")
        return
    if len(name) > 100:
        await reply(update, "That name is too long. Try a surname, e.g. /who Hegseth")
        return
    await reply(update, await who_card(context, name, update))


async def who_card(context: NewsContext, name: str, update: Update | None = None) -> Reply:
    """The card for a name, as the chat of ``update`` may see it (its own sources and,
    if it takes them, the operator's)."""
    svc = services(context)
    visible = visible_for(prefs_for(update, context), svc.settings) if update is not None else None
    result = await asyncio.to_thread(lookup, svc.store, name, visible=visible)
    return render_who(result)


# -- subscriptions and settings ------------------------------------------------------------


def parse_schedule_args(args: list[str], prefs: ChatPrefs) -> tuple[ChatPrefs, str | None]:
    """``[HH:MM] [Area/City]`` in any order; returns new prefs or an error line."""
    time, zone = prefs.time, prefs.timezone
    for arg in args:
        if re.fullmatch(r"\d{1,2}[:.h]\d{2}", arg):
            try:
                time = parse_time_of_day(arg).strftime("%H:%M")
            except ValueError:
                return prefs, f"“{esc(shown(arg))}” is not a time of day. Use 24-hour HH:MM, e.g. /subscribe 07:30 Europe/Berlin"
        elif "/" in arg or arg.upper() in ("UTC", "GMT"):
            try:
                zone = parse_timezone(arg).key
            except ValueError:
                return prefs, f"“{esc(shown(arg))}” is not a time zone I know. Use Area/City, e.g. /subscribe 07:30 Europe/Berlin"
        else:
            return prefs, f"I don't understand “{esc(shown(arg))}”. Use a time and a time zone, e.g. /subscribe 07:30 Europe/Berlin"
    return dataclasses.replace(prefs, time=time, timezone=zone), None


def _when(prefs: ChatPrefs, svc: Any) -> str:
    nxt = next_delivery(prefs, svc.clock())
    return f"{nxt.strftime('%a %d %b %Y, %H:%M')} ({esc(prefs.timezone)}, {esc(nxt.tzname() or '')})"


async def save_prefs(context: NewsContext, prefs: ChatPrefs) -> ChatPrefs:
    saved = await asyncio.to_thread(services(context).chats.save, prefs)
    schedule_digest(context.application, saved)
    return saved


async def subscribe(update: Update, context: NewsContext) -> None:
    if not await may_change_settings(update, context):
        await refuse(update, context)
        return
    svc = services(context)
    prefs, error = parse_schedule_args(list(context.args or ()), prefs_for(update, context))
    if error:
        await reply(update, error)
        return
    since = prefs.since if prefs.subscribed else svc.clock().isoformat()
    prefs = await save_prefs(context, dataclasses.replace(prefs, subscribed=True, since=since))
    await reply(update, f"Subscribed: your daily digest comes at {prefs.time} {esc(prefs.timezone)}.\n"
                        f"Next one: {_when(prefs, svc)}.\nChange it with /settings, stop it with /unsubscribe.")


async def unsubscribe(update: Update, context: NewsContext) -> None:
    if not await may_change_settings(update, context):
        await refuse(update, context)
        return
    prefs = prefs_for(update, context)
    if not prefs.subscribed:
        await reply(update, "This chat has no daily digest. /subscribe starts one.")
        return
    await asyncio.to_thread(services(context).chats.save, dataclasses.replace(prefs, subscribed=False))
    unschedule_digest(context.application, prefs.chat_id)
    await reply(update, "Unsubscribed: no more daily digests here. /subscribe brings them back.")


def settings_view(prefs: ChatPrefs, svc: Any) -> Reply:
    status = f"on, next {_when(prefs, svc)}" if prefs.subscribed else "off (/subscribe to start)"
    topics = esc(", ".join(prefs.topics)) if prefs.topics else "all news"
    text = (
        "<b>Digest settings</b>\n"
        f"Daily digest: {status}\n"
        f"Time: {prefs.time} · Time zone: {esc(prefs.timezone)}\n"
        f"Length: {prefs.length} · Topics: {topics}\n"
        f"News from: {sources_line(prefs)}\n\n"
        "Change with <code>/settings time 07:30</code>, <code>/settings timezone Europe/Berlin</code>, "
        "<code>/settings length short</code>, <code>/settings topics climate, energy</code>, "
        "<code>/settings operator off</code> (only this chat's own sources)."
    )
    rows = [
        [InlineKeyboardButton(("• " if prefs.length == n else "") + n.capitalize(), callback_data=callback_data("set", "length", n))
         for n in LENGTHS],
    ]
    if prefs.topics:
        rows.append([InlineKeyboardButton("Clear topics", callback_data=callback_data("set", "topics", "off"))])
    rows.append([InlineKeyboardButton("Without the bot's sources" if prefs.operator_sources else "With the bot's sources",
                                      callback_data=callback_data("set", "operator", "off" if prefs.operator_sources else "on"))])
    rows.append([InlineKeyboardButton("Unsubscribe" if prefs.subscribed else "Subscribe",
                                      callback_data=callback_data("set", "sub", "off" if prefs.subscribed else "on"))])
    return Reply(text, InlineKeyboardMarkup(rows))


def sources_line(prefs: ChatPrefs) -> str:
    own = len(prefs.sources)
    mine = f"{own} source{'s' if own != 1 else ''} of this chat (/sources)" if own else ""
    if prefs.operator_sources:
        return "the bot's sources" + (f" and {mine}" if mine else "")
    return mine or "nothing: this chat has no sources and does not take the bot's (/add one)"


def apply_setting(prefs: ChatPrefs, key: str, value: str) -> tuple[ChatPrefs, str | None]:
    """Apply ``/settings KEY VALUE``; returns new prefs or an error line."""
    key = key.lower()
    if key in ("operator", "botsources"):
        if value.lower() not in ("on", "off"):
            return prefs, "Use /settings operator on (the bot's sources too) or /settings operator off (only yours)"
        return dataclasses.replace(prefs, operator_sources=value.lower() == "on"), None
    if key == "time":
        try:
            return dataclasses.replace(prefs, time=parse_time_of_day(value).strftime("%H:%M")), None
        except ValueError:
            return prefs, f"“{esc(shown(value))}” is not a time of day. Use 24-hour HH:MM, e.g. /settings time 07:30"
    if key in ("timezone", "tz", "zone"):
        try:
            return dataclasses.replace(prefs, timezone=parse_timezone(value).key), None
        except ValueError:
            return prefs, f"“{esc(shown(value))}” is not a time zone I know. Use Area/City, e.g. /settings timezone Europe/Berlin"
    if key == "length":
        if value.lower() not in LENGTHS:
            return prefs, "Length is short, normal or long, e.g. /settings length short"
        return dataclasses.replace(prefs, length=value.lower()), None
    if key in ("topics", "topic"):
        if value.lower() in ("off", "none", "all", "clear", ""):
            return dataclasses.replace(prefs, topics=()), None
        topics = clean_topics(value.split(","))
        if len(value.split(",")) > MAX_TOPICS:
            return prefs, f"At most {MAX_TOPICS} topics, separated by commas, e.g. /settings topics climate, energy"
        return dataclasses.replace(prefs, topics=topics), None
    return prefs, (f"I don't know the setting “{esc(shown(key))}”. "
                   "Use time, timezone, length or topics, e.g. /settings length short")


async def settings_cmd(update: Update, context: NewsContext) -> None:
    svc = services(context)
    prefs = prefs_for(update, context)
    args = list(context.args or ())
    if not args:
        await reply(update, settings_view(prefs, svc))
        return
    if not await may_change_settings(update, context):
        await refuse(update, context)
        return
    if len(args) < 2 and args[0].lower() not in ("topics", "topic"):
        await reply(update, "Usage: /settings KEY VALUE, e.g. /settings time 07:30 (keys: time, timezone, length, topics, operator)")
        return
    new, error = apply_setting(prefs, args[0], " ".join(args[1:]))
    if error:
        await reply(update, error)
        return
    new = await save_prefs(context, new)
    await reply(update, settings_view(new, svc))


# -- buttons ---------------------------------------------------------------------------


# Button payloads carry ids and fixed values, never a chat: each kind has its own handler,
# registered with the pattern it accepts; anything else is answered as expired.
FULL_PATTERN = r"^full:[0-9a-f]{16}$"
REPORTS_PATTERN = r"^reports:s[0-9a-f]{16}x{0,8}$"
WHO_PATTERN = r"^who(?::.{1,60}|#[0-9a-f]{16})$"
SETTINGS_PATTERN = r"^set:(?:length:(?:short|normal|long)|topics:off|sub:(?:on|off)|operator:(?:on|off))$"


async def _send_to_chat(update: Update, context: NewsContext, message: Reply) -> None:
    chat = update.callback_query.message.chat if update.callback_query.message is not None else None
    if chat is not None:
        await context.bot.send_message(chat.id, message.text, reply_markup=message.keyboard)


async def full_button(update: Update, context: NewsContext) -> None:
    """The Full summary button: the whole story of that article, at full length."""
    from newsbrief.summaries.stories.briefing import story_of_article

    query = update.callback_query
    svc = services(context)
    article = await asyncio.to_thread(svc.store.get_article, query.data.partition(":")[2])
    visible = visible_for(_button_prefs(update, context), svc.settings)
    story = None
    if article is not None:
        story = await asyncio.to_thread(story_of_article, svc.store, article, svc.summary_settings("full"), visible=visible)
    if story is None:  # gone, or from a source this chat does not read: the same answer
        await query.answer("That article is no longer stored.")
        return
    await query.answer()
    await _send_to_chat(update, context, render_story(labelled(story, titles(svc.store))))


def _button_prefs(update: Update, context: NewsContext) -> ChatPrefs:
    """The preferences of the chat a button was pressed in (a chat's defaults if unknown)."""
    return prefs_for(update, context)


async def reports_button(update: Update, context: NewsContext) -> None:
    """The All reports button: every outlet's report of a story, with links."""
    from newsbrief.summaries.stories.briefing import story_by_id

    query = update.callback_query
    svc = services(context)
    visible = visible_for(_button_prefs(update, context), svc.settings)
    story = await asyncio.to_thread(story_by_id, svc.store, query.data.partition(":")[2], svc.settings.summaries,
                                    visible=visible)
    if story is None:
        await query.answer("That story is no longer stored.")
        return
    await query.answer()
    await _send_to_chat(update, context, render_reports(labelled(story, titles(svc.store))))


async def who_button(update: Update, context: NewsContext) -> None:
    """A name suggested on a card: its own card."""
    query = update.callback_query
    if query.data.startswith("who#"):
        name = await asyncio.to_thread(name_for_token, services(context).store, query.data[4:])
        if name is None:
            await query.answer("This button has expired. Send /who NAME instead.")
            return
    else:
        name = query.data.partition(":")[2]
    await query.answer()
    await _send_to_chat(update, context, await who_card(context, name, update))


async def settings_button(update: Update, context: NewsContext) -> None:
    """Settings buttons act on the chat the button is in, for administrators only."""
    query = update.callback_query
    svc = services(context)
    chat = query.message.chat if query.message is not None else None
    if chat is None:
        await query.answer("This button has expired.")
        return
    key, _, value = query.data.partition(":")[2].partition(":")
    if not await may_change_settings(update, context):
        await query.answer(NOT_ADMIN, show_alert=True)
        return
    prefs = prefs_for(update, context)
    if key == "length":
        prefs = dataclasses.replace(prefs, length=value)
    elif key == "topics":
        prefs = dataclasses.replace(prefs, topics=())
    elif key == "operator":
        prefs = dataclasses.replace(prefs, operator_sources=value == "on")
    else:
        since = svc.clock().isoformat() if value == "on" and not prefs.subscribed else prefs.since
        prefs = dataclasses.replace(prefs, subscribed=value == "on", since=since)
    prefs = await save_prefs(context, prefs)
    await query.answer("Saved.")
    view = settings_view(prefs, svc)
    try:
        await query.edit_message_text(view.text, reply_markup=view.keyboard)
    except TelegramError as exc:  # "message is not modified" and the like
        log.debug("settings view not edited: %s", exc)


async def button_prefs(update: Update, context: NewsContext) -> ChatPrefs | None:
    """For a button that changes a chat's choices: the preferences it acts on, or None
    (and the button answered) when the button is stale or the user may not change them."""
    query = update.callback_query
    if query.message is None:
        await query.answer("This button has expired.")
        return None
    if not await may_change_settings(update, context):
        await query.answer(NOT_ADMIN, show_alert=True)
        return None
    return prefs_for(update, context)


async def expired_button(update: Update, context: NewsContext) -> None:
    """Any other payload: an old button, or one nobody sent."""
    await update.callback_query.answer("This button has expired.")


# -- everything else ----------------------------------------------------------------------


async def unknown_command(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    first = (message.text or "").split(maxsplit=1)[0] if message and message.text else ""
    _, at, target = first.partition("@")
    if at and target.lower() != (context.bot.username or "").lower():
        return  # meant for another bot in the group
    await reply(update, "I don't know that command. /help lists what I can do.")


async def plain_text(update: Update, context: NewsContext) -> None:
    await reply(update, "I answer commands. Try /brief for today's news, or /help.")


STORAGE_FAILED = ("I could not save that: the server's storage is failing right now. "
                  "Nothing was changed; please try again later.")


async def on_error(update: object, context: NewsContext) -> None:
    if isinstance(context.error, StoreError):
        log.error("database write failed while handling an update: %s", context.error)
        text = STORAGE_FAILED
    else:
        log.error("error while handling an update: %s", context.error, exc_info=context.error)
        text = "Sorry, something went wrong on my side. Please try again in a moment."
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text[:200], show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(text)
    except TelegramError:
        pass


def bot_commands(scope: str = "default") -> list[BotCommand]:
    """The command menu: every command in private chats and for group administrators (who
    may change a group's news), the reading commands for everyone else in groups."""
    listed = COMMANDS if scope in ("private", "admins") else BASIC_COMMANDS
    return [BotCommand(name, description) for name, description in listed]
