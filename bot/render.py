"""Rendering for Telegram: HTML parse mode, every piece of text escaped, messages split
under Telegram's 4,096-character limit at story boundaries."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from newsbrief.bot.i18n import N_, _, current, date_text, language_display, ngettext
from newsbrief.summaries.index.entity_index import EntityCard, WhoResult, name_token
from newsbrief.summaries.stories.briefing import Briefing, Story

__all__ = [
    "Reply",
    "esc",
    "render_briefing",
    "render_story",
    "render_reports",
    "render_who",
    "split_blocks",
    "split_long",
    "telegram_length",
    "MESSAGE_LIMIT",
    "callback_data",
    "who_payload",
]

MESSAGE_LIMIT = 4096
CALLBACK_LIMIT = 64  # bytes


@dataclass
class Reply:
    """One message to send: HTML text and an optional inline keyboard."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None


def esc(text: Any) -> str:
    """Text made literal for Telegram's HTML parse mode."""
    return html.escape(str(text), quote=False)


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units); on raw HTML this is an upper
    bound of the parsed text's length, so staying under the limit here is always safe."""
    return len(text.encode("utf-16-le")) // 2


def callback_data(*parts: str) -> str:
    """``kind:arg`` callback payload (ids and fixed words only, always short)."""
    data = ":".join(parts)
    if len(data.encode()) > CALLBACK_LIMIT:
        raise ValueError(f"callback payload over {CALLBACK_LIMIT} bytes: {data[:80]!r}")
    return data


def who_payload(name: str) -> str:
    """The payload of a button for a name's card: the name itself when it fits in
    Telegram's 64 bytes, else a short token the entity index resolves; a name is never cut."""
    data = f"who:{name}"
    return data if len(data.encode()) <= CALLBACK_LIMIT else f"who#{name_token(name)}"


def pretty_date(iso: str) -> str:
    """A date as the chat's language writes it ("Mon 07 Dec 2026" style: Babel's medium form)."""
    try:
        return date_text(dt.date.fromisoformat(iso), "EEE dd MMM y")
    except ValueError:
        return iso


TYPE_NAMES = {
    "person": N_("person"),
    "organisation": N_("organisation"),
    "place": N_("place"),
    "event": N_("event"),
    "product": N_("product"),
}


def outlets_line(outlets: Sequence[str], shown: int = 2) -> str:
    """ "Reuters, BBC and 4 more", in the chat's language."""
    outlets = [o for o in outlets if o]
    if len(outlets) <= 1:
        return "".join(outlets)
    if len(outlets) <= shown + 1:
        return _("{first} and {last}").format(first=", ".join(outlets[:-1]), last=outlets[-1])
    more = len(outlets) - shown
    return ngettext("{first} and {n} more", "{first} and {n} more", more).format(
        first=", ".join(outlets[:shown]), n=more
    )


def reports_line(card: EntityCard) -> str:
    """ "7 stories, 12 reports", or "1 article" when stories are not known."""
    n = card.article_count
    if card.story_count is None:
        return ngettext("{n} article", "{n} articles", n).format(n=n)
    k = card.story_count
    return (
        ngettext("{n} story", "{n} stories", k).format(n=k)
        + ", "
        + ngettext("{n} report", "{n} reports", n).format(n=n)
    )


MAX_BUTTON_URL = 2048  # Telegram refuses a whole message whose button carries a longer URL


def _is_http_url(url: str) -> bool:
    """A URL a button may carry: http(s), no spaces, not longer than Telegram takes."""
    return len(url or "") <= MAX_BUTTON_URL and bool(re.match(r"https?://[^\s<>\"]+$", url or ""))


def fit(text: str, budget: int) -> str:
    """``text`` escaped, cut at a word boundary (with "…") so the escaped form fits ``budget``."""
    escaped = esc(text)
    if telegram_length(escaped) <= budget:
        return escaped
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if telegram_length(esc(text[:mid])) + 1 <= budget:
            lo = mid
        else:
            hi = mid - 1
    cut = text[:lo]
    if " " in cut.strip():
        cut = cut.rsplit(" ", 1)[0]
    return esc(cut.rstrip(" ,;:")) + "…"


def story_block(story: Story, number: int | None, length: str = "normal", limit: int = MESSAGE_LIMIT) -> str:
    """One story as HTML: headline, date and source, summary; cut to fit ``limit``."""
    folded_headline = " ".join(re.findall(r"\w+", story.headline.casefold()))
    sentences = [x for x in story.summary if " ".join(re.findall(r"\w+", x.casefold())) != folded_headline]
    if length == "short":
        sentences = sentences[:1]
    head = f"{number}. {story.headline}" if number is not None else story.headline
    outlets = outlets_line(story.outlets) if story.outlets else story.source
    reports = len(story.reports)
    count = ngettext("{n} report", "{n} reports", reports).format(n=reports) if reports > 1 else ""
    meta = " · ".join(
        x
        for x in (
            _("Update") if story.update else "",
            pretty_date(story.date),
            outlets,
            count,
            story.place,
            language_display(story.language) if story.language and story.language != current() else "",
        )
        if x
    )
    head_html, meta_html = fit(head, 600), fit(meta, 300)
    frame = f"<b>{head_html}</b>\n<i>{meta_html}</i>\n"
    return frame + fit(" ".join(map(_as_sentence, sentences)), limit - telegram_length(frame))


def _as_sentence(text: str) -> str:
    """A summary line that ends as a sentence (other reports' headlines carry no stop)."""
    text = text.strip()
    return text if not text or text[-1] in ".!?…\"'”’)" else text + "."


def story_buttons(story: Story, number: int | None) -> list[InlineKeyboardButton]:
    label = f"{number}. " + _("Full summary") if number is not None else _("Full summary")
    row = [InlineKeyboardButton(label, callback_data=callback_data("full", story.article_id))]
    if len(story.reports) > 1 and story.story_id.startswith("s"):
        row.append(
            InlineKeyboardButton(
                _("All {n} reports").format(n=len(story.reports)),
                callback_data=callback_data("reports", story.story_id),
            )
        )
    elif _is_http_url(story.url):
        row.append(InlineKeyboardButton(_("Open article"), url=story.url))
    return row


def split_blocks(
    blocks: Sequence[tuple[str, list[InlineKeyboardButton] | None]], *, header: str = "", limit: int = MESSAGE_LIMIT
) -> list[Reply]:
    """Pack blocks into messages under ``limit``, never splitting a block; each message
    carries the keyboard rows of its own blocks."""
    replies: list[Reply] = []
    text, rows = header, []
    for block, row in blocks:
        candidate = f"{text}\n\n{block}" if text else block
        if text and telegram_length(candidate) > limit:
            replies.append(Reply(text, InlineKeyboardMarkup(rows) if rows else None))
            text, rows = block, []
        else:
            text = candidate
        if row:
            rows.append(row)
    if text:
        replies.append(Reply(text, InlineKeyboardMarkup(rows) if rows else None))
    return replies


def split_long(message: Reply, limit: int = MESSAGE_LIMIT) -> list[Reply]:
    """A message too long for Telegram as several, split between lines (the keyboard goes
    with the last). A single line longer than ``limit`` loses its markup and is cut: the
    replies built here never open a tag on one line and close it on another."""
    if telegram_length(message.text) <= limit:
        return [message]
    parts: list[str] = []
    text = ""
    for line in message.text.split("\n"):
        if telegram_length(line) > limit:
            line = fit(html.unescape(re.sub(r"<[^>]*>", "", line)), limit)
        candidate = f"{text}\n{line}" if text else line
        if text and telegram_length(candidate) > limit:
            parts.append(text)
            text = line
        else:
            text = candidate
    if text.strip() or not parts:
        parts.append(text)
    return [Reply(part) for part in parts[:-1]] + [Reply(parts[-1], message.keyboard)]


def render_briefing(briefing: Briefing, *, length: str = "normal", title: str = "") -> list[Reply]:
    """A briefing as one or more messages, each story with its buttons."""
    title = title or _("Your briefing")
    topics = esc(", ".join(t if len(t) <= 40 else t[:40] + "…" for t in briefing.topics[:5]))
    if not briefing.stories:
        if briefing.filtered:
            text = (
                _("This chat's filters hide every story about {topics} I hold ({n} of them).")
                if topics
                else _("This chat's filters hide every story I hold ({n} of them).")
            )
            return [
                Reply(
                    text.format(topics=topics, n=briefing.filtered)
                    + " "
                    + _("/filter lists the filters with buttons to remove them; /filter clear removes them all.")
                )
            ]
        if topics:
            return [
                Reply(
                    _("No story about {topics} in the news I hold. Try another topic, or /brief without one.").format(
                        topics=topics
                    )
                )
            ]
        return [Reply(_("No stories yet. Try again later."))]
    header = f"<b>{esc(title)} · {esc(pretty_date(briefing.day))}</b>"
    if briefing.fallback:
        note = (
            _("Nothing new about {topics} that day; here are the latest stories.")
            if topics
            else _("Nothing new that day; here are the latest stories.")
        )
        header += "\n<i>" + note.format(topics=topics) + "</i>"
    elif topics:
        header += "\n<i>" + _("Stories about {topics}.").format(topics=topics) + "</i>"
    blocks = [
        (story_block(story, i, length, MESSAGE_LIMIT - 200), story_buttons(story, i))
        for i, story in enumerate(briefing.stories, 1)
    ]
    return split_blocks(blocks, header=header)


def render_story(story: Story, *, note: str = "") -> Reply:
    """One story with its full summary, for /summary and the Full summary button."""
    block = story_block(story, None, "normal", MESSAGE_LIMIT - 100)
    text = f"{esc(note)}\n\n{block}" if note else block
    row = [InlineKeyboardButton(_("Open article"), url=story.url)] if _is_http_url(story.url) else []
    return Reply(text, InlineKeyboardMarkup([row]) if row else None)


def render_reports(story: Story, limit: int = 40) -> Reply:
    """Every report of a story: outlet, headline (linked when it has a web address), date."""
    count = ngettext("{n} report", "{n} reports", len(story.reports)).format(n=len(story.reports))
    lines = [f"<b>{fit(story.headline, 300)}</b>", f"<i>{count}</i>", ""]
    for report in story.reports[:limit]:
        outlet = fit(report.source or _("unknown outlet"), 80)
        title = fit(report.headline, 200)
        if _is_http_url(report.url):
            title = f'<a href="{html.escape(report.url, quote=True)}">{title}</a>'
        line = f"• {outlet}: {title}"
        if telegram_length("\n".join([*lines, line])) > MESSAGE_LIMIT - 100:
            break
        lines.append(line)
    shown = len(lines) - 3
    if shown < len(story.reports):
        lines.append("<i>" + _("and {n} more.").format(n=len(story.reports) - shown) + "</i>")
    return Reply("\n".join(lines))


def render_sentences(sentences: Iterable[str], *, title: str = "") -> Reply:
    """Bulleted sentences under a bold title, cut to one message."""
    title = title or _("Summary")
    head = f"<b>{esc(title)}</b>"
    lines = [head]
    for sentence in sentences:
        line = f"• {fit(sentence, MESSAGE_LIMIT - telegram_length(head) - 4)}"
        if telegram_length("\n".join([*lines, line])) > MESSAGE_LIMIT:
            break
        lines.append(line)
    return Reply("\n".join(lines))


def render_who(result: WhoResult) -> Reply:
    """An entity card (a ``/who`` answer) as HTML, with buttons for the other matches or the suggestions."""
    card = result.card
    buttons: list[list[InlineKeyboardButton]] = []
    if card is None:
        suggestions = [s for s in result.suggestions[:5] if s.strip()]
        text = _("I found nobody called <b>{name}</b> in the news I hold.").format(name=fit(result.query, 200))
        if suggestions:
            text += "\n" + _("Did you mean one of these?")
            buttons = [[InlineKeyboardButton(s[:60], callback_data=who_payload(s))] for s in suggestions]
        return Reply(text, InlineKeyboardMarkup(buttons) if buttons else None)
    kind = _(TYPE_NAMES[card.type]) if card.type in TYPE_NAMES else card.type
    lines = [f"<b>{fit(card.name, 200)}</b> · {esc(kind)}"]
    if result.fuzzy:
        lines.append(
            "<i>"
            + _("Nobody is called “{query}”: did you mean {name}?").format(
                query=fit(result.query, 200), name=fit(card.name, 200)
            )
            + "</i>"
        )
    roles = [r for r in (card.roles or []) if r.strip()]
    if roles:
        lines.append("<i>" + fit("; ".join(roles[:3]), 400) + "</i>")
    if card.last_seen and card.last_seen != card.first_seen:
        span = _("{first} to {last}").format(first=pretty_date(card.first_seen), last=pretty_date(card.last_seen))
    else:
        span = pretty_date(card.first_seen)
    lines.append(_("In {reports}, {span}.").format(reports=esc(reports_line(card)), span=fit(span, 100)))
    mentions = list(card.mentions or [])[:3]
    if mentions:
        lines += ["", "<b>" + _("Latest mentions") + "</b>"]
        for m in mentions:
            lines.append(f"• {fit(pretty_date(m.date), 40)}, <i>{fit(m.headline, 200)}</i>: “{fit(m.sentence, 400)}”")
    co = list(card.co_mentions or [])[:6]
    if co:
        lines += [
            "",
            "<b>" + _("Often mentioned with") + "</b>: " + fit(", ".join(f"{name} ({n})" for name, n in co), 600),
        ]
    others = [o for o in result.others[:4] if o.strip()]
    if others:
        lines += ["", _("Also matching:") + " " + fit(", ".join(others), 400)]
        buttons = [[InlineKeyboardButton(o[:60], callback_data=who_payload(o))] for o in others]
    return Reply("\n".join(lines), InlineKeyboardMarkup(buttons) if buttons else None)
