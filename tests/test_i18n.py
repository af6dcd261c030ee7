"""The bot in every language it ships: the catalogs are complete and faithful to the
English (placeholders, HTML tags), kept in step with the code, and each chat is answered,
sent digests and shown dates in its own language."""

from __future__ import annotations

import gettext
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from botenv import running_bot

from newsbrief.bot.digests import deliver_digest
from newsbrief.bot.i18n import LANGUAGES, LOCALE_DIR, _, speaking, supported
from newsbrief.bot.render import pretty_date
from newsbrief.summaries.articles.formats import parse_record
from newsbrief.summaries.config import Settings
from newsbrief.summaries.pipeline.run import run_pipeline

ROOT = Path(__file__).resolve().parents[1]
TRANSLATED = [code for code in LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
TAG = re.compile(r"</?[a-z]+>")


def catalog(code: str):
    with open(LOCALE_DIR / code / "LC_MESSAGES" / "newsbrief.po", "rb") as f:
        return read_po(f, locale=code)


def test_the_template_holds_every_text_of_the_code(tmp_path):
    """A text added or changed in the code without `pybabel extract` fails here."""
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [
            Path(sys.executable).with_name("pybabel"),
            "extract",
            "-k",
            "N_",
            "-k",
            "ngettext:1,2",
            "--no-location",
            "--sort-output",
            "-o",
            str(fresh),
            str(ROOT / "bot"),
        ],
        check=True,
        capture_output=True,
    )
    with open(fresh, "rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    with open(LOCALE_DIR / "newsbrief.pot", "rb") as f:
        held = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    assert wanted == held, (
        f"run pybabel extract (README): new {sorted(wanted - held)[:5]}, gone {sorted(held - wanted)[:5]}"
    )


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_catalog_is_complete_and_keeps_placeholders_and_tags(code):
    with open(LOCALE_DIR / "newsbrief.pot", "rb") as f:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    messages = [m for m in catalog(code) if m.id]
    assert {m.id if isinstance(m.id, str) else m.id[0] for m in messages} >= template
    problems = []
    for m in messages:
        sources = [m.id] if isinstance(m.id, str) else list(m.id)
        targets = [m.string] if isinstance(m.string, str) else list(m.string)
        if m.fuzzy or not all(t and t.strip() for t in targets):
            problems.append(("untranslated", sources[0]))
            continue
        for target in targets:
            source = sources[-1] if len(sources) > 1 and target is not targets[0] else sources[0]
            if sorted(set(PLACEHOLDER.findall(target))) != sorted(set(PLACEHOLDER.findall(source))):
                problems.append(("placeholders", source, target))
            if TAG.findall(target) != TAG.findall(source):
                problems.append(("tags", source, target))
    assert not problems, problems[:5]


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_shipped_mo_is_compiled_from_its_po(code):
    def flat(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    po = {flat(m.id): flat(m.string) for m in catalog(code) if m.id}
    with open(LOCALE_DIR / code / "LC_MESSAGES" / "newsbrief.mo", "rb") as f:
        mo = {flat(m.id): flat(m.string) for m in read_mo(f) if m.id}
    assert mo == po, "run pybabel compile (README)"


def test_language_codes_fall_back_to_what_the_bot_speaks():
    assert supported("pt-br") == "pt" and supported("de_AT") == "de" and supported("RU") == "ru"
    assert supported("ja") == "" and supported(None) == ""
    with speaking("de"):
        assert _("Saved.") != "Saved." and pretty_date("2026-12-07").startswith("Mo")
    with speaking("xx"):  # not spoken: English
        assert _("Saved.") == "Saved." and pretty_date("2026-12-07") == "Mon 07 Dec 2026"
    assert gettext.translation("newsbrief", LOCALE_DIR, languages=["ru"]).ngettext(
        "{n} report", "{n} reports", 5
    ) != gettext.translation("newsbrief", LOCALE_DIR, languages=["ru"]).ngettext("{n} report", "{n} reports", 2)


def said(code: str, text: str) -> str:
    with speaking(code):
        return _(text)


async def test_each_chat_is_answered_in_its_language(tmp_path):
    de_user, en_user, group, admin = 9301, 9302, -9303, 9304
    async with running_bot(tmp_path) as env:
        env.api.set_user_language(de_user, "de")
        [german] = await env.say(de_user, "/settings")  # the user's Telegram language, until chosen
        assert "Deutsch" in german["plain_text"] and "Daily digest" not in german["plain_text"]
        [english] = await env.say(en_user, "/settings")
        assert "Language: English" in english["plain_text"]
        # a group speaks the operator's language until it chooses; then everyone in it sees its choice
        [before] = await env.say(group, "/brief", user_id=de_user, chat_type="group")
        assert said("en", "Your briefing") in before["plain_text"]
        env.api.set_member(group, admin, "administrator")
        [chosen] = await env.say(group, "/settings language es", user_id=admin, chat_type="group")
        assert "Español" in chosen["plain_text"] and "Daily digest" not in chosen["plain_text"]
        [after] = await env.say(group, "/brief", user_id=de_user, chat_type="group")
        assert said("es", "Your briefing") in after["plain_text"]
        [refused] = await env.say(en_user, "/settings language xx")
        assert refused["plain_text"].startswith("I speak en (English), es (Español)")
        # the buttons switch it, and answer in the language just chosen
        [view] = await env.say(de_user, "/settings")
        answer = await env.press(de_user, view["message_id"], "set:language:fr")
        assert answer["text"] == said("fr", "Saved.") != "Saved."
        assert env.svc.chats.get(de_user).language == "fr"
        # the command menu, per language
        assert env.api.commands(language_code="de")[-1]["description"] == said("de", "what I can do")
        assert env.api.commands()[-1]["description"] == "what I can do"


async def test_a_digest_goes_out_in_the_chats_language(tmp_path):
    chat = 9401
    async with running_bot(tmp_path) as env:
        env.api.set_user_language(chat, "ru")
        await env.say(chat, "/subscribe 07:00 UTC")  # the user's Telegram language is kept with the chat
        prefs = env.svc.chats.get(chat)
        assert prefs.user_language == "ru" and prefs.language == ""
        assert await deliver_digest(env.app, chat, "2025-07-27") == "sent"
        digest = env.api.sent(chat)[-1]["plain_text"]
        assert digest.startswith(said("ru", "Your daily digest")) and "июл" in digest  # Russian month name


SPANISH = (
    "El Gobierno de Chile anunció el lunes un plan para ampliar la red de trenes entre Santiago y Valparaíso. "
    "El ministro de Transportes dijo que las obras comenzarán el próximo año y que el viaje durará menos de una "
    "hora. Los alcaldes de la región celebraron la noticia, aunque algunos vecinos temen por el ruido."
)


async def test_a_chat_reads_news_in_the_languages_it_chooses(tmp_path):
    chat = 9501
    async with running_bot(tmp_path) as env:
        spanish = parse_record(
            {
                "title": "Chile ampliará la red de trenes",
                "text": SPANISH,
                "source": "El Diario",
                "url": "https://eldiario.example.org/trenes",
                "published": "2025-07-27T09:00:00Z",
            }
        )
        assert spanish.language == "es"
        env.store.upsert_articles([spanish])
        run_pipeline(env.store, Settings(), ingest=False)
        [english] = await env.say(chat, "/brief")  # an English chat of an English bot reads English
        assert "Chile" not in english["plain_text"] and "defence" in english["plain_text"]
        [view] = await env.say(chat, "/settings languages es, en")
        assert "News in: English, Spanish" in view["plain_text"]
        both = "\n".join(m["plain_text"] for m in await env.say(chat, "/brief"))
        assert "Chile ampliará la red de trenes" in both and "Spanish" in both  # marked with its language
        await env.say(chat, "/settings languages es")
        [only] = await env.say(chat, "/brief")
        assert "Chile" in only["plain_text"] and "defence" not in only["plain_text"]
        await env.say(chat, "/settings languages fr")
        [none] = await env.say(chat, "/brief")
        assert none["plain_text"] == said(
            "en",
            "No story in the languages this chat reads ({languages}). /settings languages all shows every language.",
        ).format(languages="fr")
        [bad] = await env.say(chat, "/settings languages spanish")
        assert bad["plain_text"].startswith("Languages are two-letter codes")
