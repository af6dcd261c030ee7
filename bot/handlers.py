"""Command and button handlers. Each is small: parse, ask the news core (off the event
loop), render, reply. Bad input gets one line saying what is wrong, with an example."""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from newsbrief.bot.chat_news import compose_for, filters_of, labelled, titles, visible_for
from newsbrief.bot.chats import ALL_LANGUAGES, LENGTH_NAMES, LENGTHS, ChatPrefs, news_languages, next_delivery
from newsbrief.bot.common import NOT_ADMIN, asker, choose_language, may_change_settings, prefs_for, refuse, reply
from newsbrief.bot.fetching import Busy
from newsbrief.bot.i18n import (
    LANGUAGES,
    N_,
    _,
    current,
    datetime_text,
    language_display,
    language_name,
    ngettext,
    number_text,
)
from newsbrief.bot.preferences import (
    apply_setting,
    button_setting,
    change,
    parse_schedule_args,
    shown,
    subscribed,
    unsubscribed,
)
from newsbrief.bot.render import (
    Reply,
    callback_data,
    esc,
    render_briefing,
    render_reports,
    render_sentences,
    render_story,
    render_who,
)
from newsbrief.bot.services import NewsContext, Services, services
from newsbrief.summaries.index.entity_index import lookup, name_for_token
from newsbrief.summaries.nlp.summarizer import summarize_article
from newsbrief.summaries.pipeline import on_demand
from newsbrief.summaries.store import StoreError
from newsbrief.summaries.stories.briefing import find_articles, seen_through, story_by_id, story_for, story_of_article

__all__ = ["COMMANDS", "HELP"]

log = logging.getLogger(__name__)

BASIC_COMMANDS = [
    ("brief", N_("today's briefing, optionally on a topic")),
    ("summary", N_("summarize an article (id or keywords), or reply to a message")),
    ("who", N_("who or what is this, from the news")),
    ("subscribe", N_("daily digest at your local time")),
    ("unsubscribe", N_("stop the daily digest")),
    ("settings", N_("digest time, time zone, length, topics, language")),
    ("help", N_("what I can do")),
]
COMMANDS = [
    *BASIC_COMMANDS[:-1],
    ("add", N_("add a feed or a web site to this chat's news")),
    ("sources", N_("this chat's own sources and how they are doing")),
    ("remove", N_("remove one of this chat's sources")),
    ("export", N_("this chat's sources as an OPML file")),
    ("filter", N_("keep or leave out news by keywords")),
    ("follow", N_("an alert when a new story mentions a name")),
    ("following", N_("the names this chat follows")),
    ("unfollow", N_("stop alerts about a name")),
    ("connect", N_("manage a channel's digest from this chat")),
    ("disconnect", N_("stop managing a channel")),
    ("help", N_("what I can do")),
]

HELP = N_(
    "<b>newsbrief</b> sends you short news briefings made from the articles it holds.\n"
    "\n"
    "/brief — today's top stories. <code>/brief climate</code> for one topic.\n"
    "/summary — the summary of a stored article: <code>/summary 3f2a9c1d</code> (an id) or <code>/summary defence "
    "talks</code> (keywords), or of a web page: <code>/summary https://example.org/story</code>. Reply "
    "<code>/summary</code> to a long message to summarize it.\n"
    "/who — who or what that is, from the news: <code>/who Hegseth</code>\n"
    "/subscribe — a daily digest: <code>/subscribe 07:30 Europe/Berlin</code>\n"
    "/unsubscribe — stop the daily digest.\n"
    "/settings — see or change your digest: <code>/settings time 07:30</code>, <code>/settings timezone "
    "Asia/Kolkata</code>, <code>/settings length short</code>, <code>/settings topics climate, energy</code>, "
    "<code>/settings topics off</code>, <code>/settings language de</code>\n"
    "/add — add a feed or a site to this chat's news: <code>/add https://example.org/feed.xml</code> (a site's feed "
    "is found for you; a page without one is read as it is).\n"
    "/sources — this chat's own sources, how they are doing, and their latest news. /remove — remove one (buttons).\n"
    "Send an OPML file (.opml) to import its feeds; /export sends this chat's sources back as one.\n"
    '/filter — keywords: <code>/filter +climate -football "world cup"</code> keeps only news about climate or the '
    "world cup and leaves out football; <code>/filter</code> shows them, <code>/filter clear</code> removes them.\n"
    "/follow — an alert when a new story mentions someone: <code>/follow Hegseth</code> (matched like /who). "
    "/following lists them, <code>/unfollow Pete Hegseth</code> stops. At most a few alerts a day and none at night; "
    "the rest come with your digest.\n"
    "/connect — manage a channel from here: <code>/connect @mychannel</code> (you and I must be its administrators); "
    "/subscribe, /add, /filter and /settings then act on the channel; /disconnect to stop.\n"
    "In a forum topic, /subscribe gives that topic its own digest, with its own settings.\n"
    "/help — this message."
)

_ID = re.compile(r"[0-9a-f]{16}")
_URL = re.compile(r"https?://", re.I)
MAX_URL_CHARS = 2000  # longest web address /summary takes
MAX_REASON_CHARS = 600  # longest reason quoted back when a page fails


# -- access ---------------------------------------------------------------------------


async def check_allowed(update: Update, context: NewsContext) -> None:
    """Runs first: with an allow-list configured, other chats get one line and nothing else."""
    allowed = services(context).telegram.allowed_chats
    chat = update.effective_chat
    if not allowed or chat is None or chat.id in allowed:
        return
    if update.callback_query is not None:
        await update.callback_query.answer(_("This bot is not available in this chat."))
    elif update.effective_message is not None and chat.type == ChatType.PRIVATE:
        await reply(update, context, _("Sorry, this bot only serves the chats its operator has allowed."))
    raise ApplicationHandlerStop


# -- commands ---------------------------------------------------------------------------


async def start(update: Update, context: NewsContext) -> None:
    await reply(update, context, _(HELP))


async def brief(update: Update, context: NewsContext) -> None:
    svc = services(context)
    prefs = prefs_for(update, context)
    topic = " ".join(context.args or ())
    if len(topic) > 100:
        await reply(update, context, _("That topic is too long. Try one or two words, e.g. /brief climate"))
        return
    day = svc.clock().astimezone(prefs.tz).date().isoformat()
    briefing = await asyncio.to_thread(
        compose_for,
        svc.store,
        prefs,
        svc.settings,
        day=day,
        topics=[topic] if topic else (),
        limit=svc.settings.briefing.stories,
        settings=svc.summary_settings(prefs.length),
        default_language=svc.bot.language,
    )
    if not briefing.stories and briefing.filtered and not filters_of(prefs):  # only its languages hid them
        languages = news_languages(prefs, svc.bot.language)
        await reply(
            update,
            context,
            _(
                "No story in the languages this chat reads ({languages}). /settings languages all shows every language."
            ).format(languages=", ".join(sorted(languages))),
        )
        return
    for message in render_briefing(briefing, length=prefs.length):
        await reply(update, context, message)


async def summary(update: Update, context: NewsContext) -> None:
    svc = services(context)
    message = update.effective_message
    replied = message.reply_to_message
    if replied is not None and not context.args:
        text = replied.text or replied.caption or ""
        if len(text.split()) < 8:
            await reply(update, context, _("That message is too short to summarize. Reply /summary to a longer text."))
            return
        sentences = await asyncio.to_thread(summarize_article, text[:200_000], svc.settings.summaries)
        if not sentences:
            await reply(update, context, _("I could not find whole sentences to summarize in that message."))
            return
        await reply(update, context, render_sentences(sentences, title=_("Summary of the message")))
        return
    query = " ".join(context.args or ())
    if not query:
        await reply(
            update,
            context,
            _("Usage: /summary ID or keywords, e.g. /summary defence talks — or reply /summary to a message."),
        )
        return
    if _URL.match(query):
        if len(query) > MAX_URL_CHARS:
            await reply(
                update,
                context,
                _("That web address is too long: I read addresses of up to {n} characters.").format(
                    n=number_text(MAX_URL_CHARS)
                ),
            )
            return
        await summarize_url(update, context, query)
        return
    if len(query) > 300:
        await reply(update, context, _("That is too long for a search. Use an article id or a few keywords."))
        return
    visible = visible_for(prefs_for(update, context), svc.settings)
    found = await asyncio.to_thread(find_articles, svc.store, query, limit=50)
    found = [a for a in found if seen_through(a, visible) is not None][:5]
    if not found:
        await reply(
            update,
            context,
            _("No stored article matches “{query}”. Try other keywords, or /brief.").format(query=esc(shown(query))),
        )
        return
    story = await asyncio.to_thread(story_for, svc.store, seen_through(found[0], visible), svc.summary_settings("full"))
    message_out = render_story(labelled(story, titles(svc.store)))
    if len(found) > 1:
        rows = [
            [InlineKeyboardButton(a["headline"][:60], callback_data=callback_data("full", a["id"]))] for a in found[1:4]
        ]
        existing = list(message_out.keyboard.inline_keyboard) if message_out.keyboard else []
        message_out.keyboard = InlineKeyboardMarkup([*existing, *rows])
        message_out.text += "\n\n<i>" + _("Other matches below.") + "</i>"
    await reply(update, context, message_out)


async def summarize_url(update: Update, context: NewsContext, url: str) -> None:
    svc = services(context)
    try:
        story = await svc.fetches.run(*asker(update), on_demand.summarize_url, url, svc.settings)
    except Busy as exc:
        await reply(update, context, esc(str(exc)))
        return
    except on_demand.SourceError as exc:  # the page's problem, told plainly
        await reply(update, context, page_failed(str(exc)))
        return
    except Exception:
        log.exception("summary of a web page failed")
        await reply(update, context, page_failed(""))
        return
    await reply(update, context, render_story(story))


def page_failed(reason: str) -> str:
    """The reply for a page that could not be summarized: one whole sentence, escaped;
    a reason too long for a chat message is not cut but replaced by a general one."""
    reason = " ".join(reason.split()).rstrip(".")
    if not reason or len(reason) > MAX_REASON_CHARS:
        return _("I could not summarize that page. Please try again later, or send another address.")
    return _("I could not summarize that page: {reason}.").format(reason=esc(reason))


async def who(update: Update, context: NewsContext) -> None:
    name = " ".join(context.args or ())
    if not name:
        await reply(update, context, _("Usage: /who NAME, e.g. /who Hegseth"))
        return
    if len(name) > 100:
        await reply(update, context, _("That name is too long. Try a surname, e.g. /who Hegseth"))
        return
    await reply(update, context, await who_card(context, name, update))


async def who_card(context: NewsContext, name: str, update: Update | None = None) -> Reply:
    """The card for a name, as the chat of ``update`` may see it (its own sources and,
    if it takes them, the operator's)."""
    svc = services(context)
    visible = visible_for(prefs_for(update, context), svc.settings) if update is not None else None
    result = await asyncio.to_thread(lookup, svc.store, name, visible=visible)
    return render_who(result)


# -- subscriptions and settings ------------------------------------------------------------


def _when(prefs: ChatPrefs, svc: Services) -> str:
    nxt = next_delivery(prefs, svc.clock())
    return f"{datetime_text(nxt, 'EEE dd MMM y, HH:mm')} ({esc(prefs.timezone)}, {esc(nxt.tzname() or '')})"


async def subscribe(update: Update, context: NewsContext) -> None:
    if not await may_change_settings(update, context):
        await refuse(update, context)
        return
    svc = services(context)
    args = list(context.args or ())
    __, error = parse_schedule_args(args, prefs_for(update, context))
    if error:
        await reply(update, context, error)
        return
    now = svc.clock()
    prefs = await change(
        context.application, prefs_for(update, context), lambda p: subscribed(parse_schedule_args(args, p)[0], now)
    )
    await reply(
        update,
        context,
        _(
            "Subscribed: your daily digest comes at {time} {timezone}.\nNext one: {next}.\n"
            "Change it with /settings, stop it with /unsubscribe."
        ).format(time=prefs.time, timezone=esc(prefs.timezone), next=_when(prefs, svc)),
    )


async def unsubscribe(update: Update, context: NewsContext) -> None:
    if not await may_change_settings(update, context):
        await refuse(update, context)
        return
    prefs = prefs_for(update, context)
    if not prefs.subscribed:
        await reply(update, context, _("This chat has no daily digest. /subscribe starts one."))
        return
    await change(context.application, prefs, unsubscribed)
    await reply(update, context, _("Unsubscribed: no more daily digests here. /subscribe brings them back."))


def settings_view(prefs: ChatPrefs, svc: Services) -> Reply:
    status = _("on, next {next}").format(next=_when(prefs, svc)) if prefs.subscribed else _("off (/subscribe to start)")
    topics = esc(", ".join(prefs.topics)) if prefs.topics else _("all news")
    text = _(
        "<b>Digest settings</b>\n"
        "Daily digest: {status}\n"
        "Time: {time} · Time zone: {timezone}\n"
        "Length: {length} · Topics: {topics}\n"
        "Language: {language}\n"
        "News from: {sources}\n\n"
        "Change with <code>/settings time 07:30</code>, <code>/settings timezone Europe/Berlin</code>, "
        "<code>/settings length short</code>, <code>/settings topics climate, energy</code>, "
        "<code>/settings operator off</code> (only this chat's own sources), <code>/settings language de</code>."
    ).format(
        status=status,
        time=prefs.time,
        timezone=esc(prefs.timezone),
        length=_(LENGTH_NAMES[prefs.length]),
        topics=topics,
        language=language_name(current()),
        sources=sources_line(prefs),
    )
    reads = news_languages(prefs, svc.bot.language)
    shown = _("all") if ALL_LANGUAGES in reads else ", ".join(language_display(c) for c in sorted(reads))
    text += "\n" + _("News in: {languages} (<code>/settings languages es, en</code> or <code>all</code>)").format(
        languages=esc(shown)
    )
    rows = [
        [
            InlineKeyboardButton(
                ("• " if prefs.length == n else "") + _(LENGTH_NAMES[n]).capitalize(),
                callback_data=callback_data("set", "length", n),
            )
            for n in LENGTHS
        ],
    ]
    choices = [
        InlineKeyboardButton(
            ("• " if current() == code else "") + language_name(code),
            callback_data=callback_data("set", "language", code),
        )
        for code in LANGUAGES
    ]
    rows += [choices[:4], choices[4:]]
    if prefs.topics:
        rows.append([InlineKeyboardButton(_("Clear topics"), callback_data=callback_data("set", "topics", "off"))])
    rows.append(
        [
            InlineKeyboardButton(
                _("Without the bot's sources") if prefs.operator_sources else _("With the bot's sources"),
                callback_data=callback_data("set", "operator", "off" if prefs.operator_sources else "on"),
            )
        ]
    )
    rows.append(
        [
            InlineKeyboardButton(
                _("Unsubscribe") if prefs.subscribed else _("Subscribe"),
                callback_data=callback_data("set", "sub", "off" if prefs.subscribed else "on"),
            )
        ]
    )
    return Reply(text, InlineKeyboardMarkup(rows))


def sources_line(prefs: ChatPrefs) -> str:
    own = len(prefs.sources)
    mine = ngettext("{n} source of this chat (/sources)", "{n} sources of this chat (/sources)", own).format(n=own)
    if prefs.operator_sources:
        return _("the bot's sources and {mine}").format(mine=mine) if own else _("the bot's sources")
    return mine if own else _("nothing: this chat has no sources and does not take the bot's (/add one)")


async def settings_cmd(update: Update, context: NewsContext) -> None:
    svc = services(context)
    prefs = prefs_for(update, context)
    args = list(context.args or ())
    if not args:
        await reply(update, context, settings_view(prefs, svc))
        return
    if not await may_change_settings(update, context):
        await refuse(update, context)
        return
    if len(args) < 2 and args[0].lower() not in ("topics", "topic"):
        await reply(
            update,
            context,
            _(
                "Usage: /settings KEY VALUE, e.g. /settings time 07:30 "
                "(keys: time, timezone, length, topics, operator, language)"
            ),
        )
        return
    key, value = args[0], " ".join(args[1:])
    __, error = apply_setting(prefs, key, value)
    if error:
        await reply(update, context, error)
        return
    new = await change(context.application, prefs, lambda p: apply_setting(p, key, value)[0])
    choose_language(update, context)  # the answer in the language just chosen, if that was the change
    await reply(update, context, settings_view(new, svc))


# -- buttons ---------------------------------------------------------------------------


# Button payloads carry ids and fixed values, never a chat: each kind has its own handler,
# registered with the pattern it accepts; anything else is answered as expired.
FULL_PATTERN = r"^full:[0-9a-f]{16}$"
REPORTS_PATTERN = r"^reports:s[0-9a-f]{16}x{0,8}$"
WHO_PATTERN = r"^who(?::.{1,60}|#[0-9a-f]{16})$"
SETTINGS_PATTERN = (
    r"^set:(?:length:(?:short|normal|long)|topics:off|sub:(?:on|off)|operator:(?:on|off)|language:(?:"
    + "|".join(LANGUAGES)
    + "))$"
)


async def _on_a_channel_post(update: Update, context: NewsContext, command: str) -> bool:
    """A reading button pressed on a channel post is answered to the presser alone (a
    subscriber never makes the bot post into the channel): True if it was."""
    query = update.callback_query
    message = query.message if query is not None else None
    if query is None or message is None or message.chat.type != ChatType.CHANNEL:
        return False
    me = context.bot.username
    where = _("a private chat with @{bot}").format(bot=me) if me else _("a private chat with me")
    await query.answer(_("Open {where} and send {command}").format(where=where, command=command)[:200], show_alert=True)
    return True


async def full_button(update: Update, context: NewsContext) -> None:
    """The Full summary button: the whole story of that article, at full length."""
    query = update.callback_query
    article_id = (query.data or "").partition(":")[2] if query is not None else ""
    if await _on_a_channel_post(update, context, f"/summary {article_id}"):
        return
    svc = services(context)
    article = await asyncio.to_thread(svc.store.get_article, query.data.partition(":")[2])
    visible = visible_for(_button_prefs(update, context), svc.settings)
    story = None
    if article is not None:
        story = await asyncio.to_thread(
            story_of_article, svc.store, article, svc.summary_settings("full"), visible=visible
        )
    if story is None:  # gone, or from a source this chat does not read: the same answer
        await query.answer(_("That article is no longer stored."))
        return
    await query.answer()
    await reply(update, context, render_story(labelled(story, titles(svc.store))))


def _button_prefs(update: Update, context: NewsContext) -> ChatPrefs:
    """The preferences of the chat a button was pressed in (a chat's defaults if unknown)."""
    return prefs_for(update, context)


async def reports_button(update: Update, context: NewsContext) -> None:
    """The All reports button: every outlet's report of a story, with links."""
    query = update.callback_query
    if await _on_a_channel_post(update, context, _("/brief to read every report of this story")):
        return
    svc = services(context)
    visible = visible_for(_button_prefs(update, context), svc.settings)
    story = await asyncio.to_thread(
        story_by_id, svc.store, query.data.partition(":")[2], svc.settings.summaries, visible=visible
    )
    if story is None:
        await query.answer(_("That story is no longer stored."))
        return
    await query.answer()
    await reply(update, context, render_reports(labelled(story, titles(svc.store))))


EXPIRED_NAME = N_("This button has expired. Send /who NAME instead.")


async def who_button(update: Update, context: NewsContext) -> None:
    """A name suggested on a card: its own card."""
    query = update.callback_query
    if query is None or query.data is None or await _on_a_channel_post(update, context, _("/who NAME")):
        return
    if query.data.startswith("who#"):
        # a token names an entity; a forged one must not tell whether a name the chat
        # cannot see exists: an unknown token and a hidden name get the same answer
        svc = services(context)
        name = await asyncio.to_thread(name_for_token, svc.store, query.data[4:])
        visible = visible_for(prefs_for(update, context), svc.settings)
        result = None if name is None else await asyncio.to_thread(lookup, svc.store, name, visible=visible)
        if result is None or result.card is None or result.fuzzy:
            await query.answer(_(EXPIRED_NAME))
            return
        await query.answer()
        await reply(update, context, render_who(result))
        return
    name = query.data.partition(":")[2]
    await query.answer()
    await reply(update, context, await who_card(context, name, update))


async def settings_button(update: Update, context: NewsContext) -> None:
    """Settings buttons act on the chat the button is in, for administrators only."""
    query = update.callback_query
    svc = services(context)
    chat = query.message.chat if query.message is not None else None
    if chat is None:
        await query.answer(_("This button has expired."))
        return
    key, __, value = query.data.partition(":")[2].partition(":")
    if not await may_change_settings(update, context):
        await query.answer(_(NOT_ADMIN), show_alert=True)
        return
    prefs = await change(context.application, prefs_for(update, context), button_setting(key, value, svc.clock()))
    choose_language(update, context)  # the answer, and the view, in the language just chosen
    await query.answer(_("Saved."))
    view = settings_view(prefs, svc)
    try:
        await query.edit_message_text(view.text, reply_markup=view.keyboard)
    except TelegramError as exc:  # "message is not modified" and the like
        log.debug("settings view not edited: %s", exc)


async def expired_button(update: Update, context: NewsContext) -> None:
    """Any other payload: an old button, or one nobody sent."""
    await update.callback_query.answer(_("This button has expired."))


# -- everything else ----------------------------------------------------------------------


async def unknown_command(update: Update, context: NewsContext) -> None:
    message = update.effective_message
    first = (message.text or "").split(maxsplit=1)[0] if message and message.text else ""
    __, at, target = first.partition("@")
    if at and target.lower() != (context.bot.username or "").lower():
        return  # meant for another bot in the group
    await reply(update, context, _("I don't know that command. /help lists what I can do."))


async def plain_text(update: Update, context: NewsContext) -> None:
    await reply(update, context, _("I answer commands. Try /brief for today's news, or /help."))


STORAGE_FAILED = N_(
    "I could not save that: the server's storage is failing right now. Nothing was changed; please try again later."
)


async def on_error(update: object, context: NewsContext) -> None:
    if isinstance(context.error, StoreError):
        log.error("database write failed while handling an update: %s", context.error)
        text = _(STORAGE_FAILED)
    else:
        log.error("error while handling an update: %s", context.error, exc_info=context.error)
        text = _("Sorry, something went wrong on my side. Please try again in a moment.")
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
    """The command menu, in the current language: every command in private chats and for
    group administrators (who may change a group's news), the reading commands for
    everyone else in groups."""
    listed = COMMANDS if scope in ("private", "admins") else BASIC_COMMANDS
    return [BotCommand(name, _(description)) for name, description in listed]
