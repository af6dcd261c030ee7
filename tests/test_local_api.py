"""Tests for bot.localapi: raw HTTP Bot API semantics and the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import threading
import time
import warnings

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest
from waiting import wait_for, wait_for_sync

from newsbrief.bot.localapi import LocalBotAPI, parse_html, utf16_len

TOKEN = "123456:local-test-token"
CHAT = 4242
# PTB 22 warns inside RetryAfter.__init__ about retry_after becoming a timedelta
PTB_RETRY_AFTER_DEPRECATION = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
KEYBOARD = {
    "inline_keyboard": [[{"text": "More", "callback_data": "more:1"}, {"text": "Web", "url": "https://example.com/a"}]]
}


@pytest.fixture
def api():
    server = LocalBotAPI(token=TOKEN, bot_username="newsbrief_bot").start()
    server.add_chat(CHAT)
    yield server
    server.stop()


@pytest.fixture
def client(api):
    with httpx.Client(timeout=10) as c:
        yield c


def call(client: httpx.Client, api: LocalBotAPI, method: str, **params):
    """POST form data the way PTB does: strings as-is, everything else JSON-encoded."""
    data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return client.post(api.method_url(method), data=data)


def fast_bot(api: LocalBotAPI, read_timeout: float = 5.0) -> Bot:
    return Bot(TOKEN, base_url=api.base_url, request=HTTPXRequest(read_timeout=read_timeout, connection_pool_size=8))


# ----------------------------------------------------------------------------- raw HTTP
def test_get_me_and_transport_variants(api, client):
    r = client.get(api.method_url("getMe"))
    assert r.status_code == 200
    me = r.json()["result"]
    assert me == {**me, "id": 123456, "is_bot": True, "username": "newsbrief_bot"}
    # query string, JSON body, multipart and case-insensitive method names all work
    assert client.get(api.method_url("sendMessage"), params={"chat_id": CHAT, "text": "q"}).json()["ok"]
    assert client.post(api.method_url("sendmessage"), json={"chat_id": CHAT, "text": "j"}).json()["ok"]
    assert client.post(api.method_url("sendMessage"), files={"chat_id": (None, str(CHAT)), "text": (None, "m")}).json()[
        "ok"
    ]
    chunked = client.post(
        api.method_url("sendMessage"),
        content=iter([f"chat_id={CHAT}&".encode(), b"text=c"]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert chunked.request.headers["Transfer-Encoding"] == "chunked" and chunked.json()["ok"]
    r = client.post(api.method_url("sendMessage"), content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["description"] == "Bad Request: can't parse JSON object"
    assert [m["text"] for m in api.sent(CHAT)] == ["q", "j", "m", "c"]
    assert [m["message_id"] for m in api.sent(CHAT)] == [1, 2, 3, 4]
    assert api.requests[-2].method == "sendMessage" and api.requests[-2].params["chat_id"] == CHAT


def test_send_message_ok(api, client):
    r = call(
        client,
        api,
        "sendMessage",
        chat_id=CHAT,
        text="Hello",
        reply_markup=KEYBOARD,
        link_preview_options={"is_disabled": True},
    )
    body = r.json()
    assert r.status_code == 200 and body["ok"]
    msg = body["result"]
    assert msg["text"] == "Hello" and msg["chat"]["id"] == CHAT and msg["from"]["is_bot"]
    assert msg["reply_markup"] == KEYBOARD and abs(msg["date"] - time.time()) < 5
    rec = api.sent(CHAT)[0]
    assert rec["link_preview_options"] == {"is_disabled": True}
    assert rec["reply_markup"] == KEYBOARD and rec["parse_mode"] is None


def test_too_long_counts_visible_utf16_units(api, client):
    assert call(client, api, "sendMessage", chat_id=CHAT, text="a" * 4096).status_code == 200
    # tags and entities do not count
    ok = call(client, api, "sendMessage", chat_id=CHAT, text="<b>" + "&amp;" * 4096 + "</b>", parse_mode="HTML")
    assert ok.status_code == 200
    for text in ("a" * 4097, "😀" * 2049):  # an emoji is two UTF-16 code units
        r = call(client, api, "sendMessage", chat_id=CHAT, text=text)
        assert r.status_code == 400
        assert r.json() == {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
    assert utf16_len("😀") == 2


@pytest.mark.parametrize("text", ["", "   ", "<b></b>"])
def test_empty_text(api, client, text):
    r = call(client, api, "sendMessage", chat_id=CHAT, text=text, parse_mode="HTML")
    assert r.status_code == 400 and r.json()["description"] == "Bad Request: message text is empty"


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("line<br>break", 'Unsupported start tag "br"'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", "Unmatched end tag"),
        ("oops</b>", "Unexpected end tag"),
        ("Tom &nbsp; Jerry", "Unsupported HTML entity"),
        ("AT&T", "Unsupported HTML entity"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("<a href='x'", "Unclosed start tag"),
    ],
)
def test_bad_html(api, client, text, fragment):
    r = call(client, api, "sendMessage", chat_id=CHAT, text=text, parse_mode="HTML")
    assert r.status_code == 400
    desc = r.json()["description"]
    assert desc.startswith("Bad Request: can't parse entities: ") and fragment in desc
    assert api.sent() == []


def test_good_html_nested_tags_and_entities(api, client):
    text = (
        "<b>Top <i>story</i></b> &lt;3 &amp; &quot;q&quot; &#128512; &#x41;\n"
        '<a href="https://ex.com/?a=1&amp;b=2">link</a> <tg-spoiler>s</tg-spoiler> '
        '<span class="tg-spoiler">t</span> <u>u</u><s>s</s><code>c</code>\n'
        '<pre><code class="language-python">x = 1</code></pre>'
        "<blockquote expandable>quoted</blockquote>"
    )
    r = call(client, api, "sendMessage", chat_id=CHAT, text=text, parse_mode="HTML")
    assert r.status_code == 200, r.text
    msg = r.json()["result"]
    assert msg["text"].startswith('Top story <3 & "q" 😀 A\nlink s t usc\nx = 1quoted')
    types = [e["type"] for e in msg["entities"]]
    assert types == [
        "bold",
        "italic",
        "text_link",
        "spoiler",
        "spoiler",
        "underline",
        "strikethrough",
        "code",
        "pre",
        "expandable_blockquote",
    ]
    link = next(e for e in msg["entities"] if e["type"] == "text_link")
    assert link["url"] == "https://ex.com/?a=1&b=2"
    # offsets are UTF-16: the emoji before the link counts twice
    assert msg["text"][: msg["text"].index("link")].count("😀") == 1
    assert link["offset"] == utf16_len(msg["text"][: msg["text"].index("link")])
    assert next(e for e in msg["entities"] if e["type"] == "pre")["language"] == "python"
    assert api.sent(CHAT)[0]["text"] == text and api.sent(CHAT)[0]["plain_text"] == msg["text"]


@pytest.mark.parametrize("mode", ["MarkdownV2", "Markdown", "Markdownish"])
def test_only_html_is_accepted_as_parse_mode(api, client, mode):
    # the bot sends HTML only, so the local server refuses every other parse mode
    r = call(client, api, "sendMessage", chat_id=CHAT, text="*Price* 3\\.5", parse_mode=mode)
    assert r.status_code == 400 and r.json()["description"] == "Bad Request: unsupported parse_mode"
    assert api.sent() == []
    assert call(client, api, "sendMessage", chat_id=CHAT, text="<b>x</b>", parse_mode="html").status_code == 200


@pytest.mark.parametrize(
    "button, fragment",
    [
        ({"text": "plain"}, "Text buttons are unallowed"),
        ({"callback_data": "x"}, 'Field "text" must be of type String'),
        ({"text": "big", "callback_data": "x" * 65}, "BUTTON_DATA_INVALID"),
        ({"text": "multibyte", "callback_data": "é" * 33}, "BUTTON_DATA_INVALID"),
        ({"text": "empty", "callback_data": ""}, "BUTTON_DATA_INVALID"),
        ({"text": "both", "callback_data": "x", "url": "https://a.b"}, "exactly one"),
        ({"text": "bad url", "url": "not a url"}, "is invalid"),
    ],
)
def test_bad_button(api, client, button, fragment):
    r = call(client, api, "sendMessage", chat_id=CHAT, text="pick", reply_markup={"inline_keyboard": [[button]]})
    assert r.status_code == 400 and fragment in r.json()["description"], r.text
    assert api.sent() == []


def test_callback_data_of_64_bytes_is_fine(api, client):
    kb = {"inline_keyboard": [[{"text": "ok", "callback_data": "x" * 64}]]}
    assert call(client, api, "sendMessage", chat_id=CHAT, text="pick", reply_markup=kb).status_code == 200


def test_unknown_method_wrong_token_unknown_chat(api, client):
    r = client.post(api.method_url("sendPigeon"))
    assert r.status_code == 404 and r.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    r = client.post(f"{api.base_url}654321:wrong-token/getMe")
    assert r.status_code == 401 and r.json()["description"] == "Unauthorized"
    assert client.post(f"{api.base_url}garbage/getMe").status_code == 404
    assert client.get(f"http://127.0.0.1:{api.port}/").status_code == 404
    r = call(client, api, "sendMessage", chat_id=999999, text="hi")
    assert r.status_code == 400 and r.json()["description"] == "Bad Request: chat not found"
    r = call(client, api, "sendMessage", text="hi")
    assert r.json()["description"] == "Bad Request: chat_id is empty"
    assert [rec.status for rec in api.requests] == [404, 401, 404, 400, 400]


def test_edit_message_text(api, client):
    sent = call(
        client, api, "sendMessage", chat_id=CHAT, text="<b>v1</b>", parse_mode="HTML", reply_markup=KEYBOARD
    ).json()["result"]
    mid = sent["message_id"]
    same = call(
        client,
        api,
        "editMessageText",
        chat_id=CHAT,
        message_id=mid,
        text="<b>v1</b>",
        parse_mode="HTML",
        reply_markup=KEYBOARD,
    )
    assert same.status_code == 400
    assert same.json()["description"].startswith("Bad Request: message is not modified")
    # same visible text but different formatting is a modification
    r = call(client, api, "editMessageText", chat_id=CHAT, message_id=mid, text="v1", reply_markup=KEYBOARD)
    assert r.status_code == 200 and "entities" not in r.json()["result"]
    # like Telegram, editing without reply_markup removes the inline keyboard
    r = call(client, api, "editMessageText", chat_id=CHAT, message_id=mid, text="v2")
    assert r.status_code == 200 and "reply_markup" not in r.json()["result"] and r.json()["result"]["edit_date"]
    rec = api.sent(CHAT)[0]
    assert rec["text"] == "v2" and rec["reply_markup"] is None and len(rec["edits"]) == 2
    r = call(client, api, "editMessageText", chat_id=CHAT, message_id=mid, text="v3", reply_markup=KEYBOARD)
    assert r.status_code == 200 and api.sent(CHAT)[0]["reply_markup"] == KEYBOARD
    r = call(client, api, "editMessageText", chat_id=CHAT, message_id=777, text="x")
    assert r.json()["description"] == "Bad Request: message to edit not found"
    r = call(client, api, "editMessageText", chat_id=CHAT, text="x")
    assert r.json()["description"] == "Bad Request: message identifier is not specified"
    user_msg = api.send_text(CHAT, "hello")
    r = call(client, api, "editMessageText", chat_id=CHAT, message_id=user_msg["message_id"], text="x")
    assert r.json()["description"] == "Bad Request: message can't be edited"
    r = call(client, api, "editMessageText", chat_id=CHAT, message_id=mid, text="<b>x", parse_mode="HTML")
    assert r.status_code == 400 and "can't parse entities" in r.json()["description"]
    assert api.sent(CHAT)[0]["plain_text"] == "v3"


def test_replies_commands_members_webhook(api, client):
    user_msg = api.send_text(CHAT, "question")
    r = call(
        client, api, "sendMessage", chat_id=CHAT, text="answer", reply_parameters={"message_id": user_msg["message_id"]}
    )
    assert r.json()["result"]["reply_to_message"]["text"] == "question"
    r = call(client, api, "sendMessage", chat_id=CHAT, text="x", reply_to_message_id=999)
    assert r.json()["description"] == "Bad Request: message to be replied not found"
    r = call(
        client,
        api,
        "sendMessage",
        chat_id=CHAT,
        text="x",
        reply_parameters={"message_id": 999, "allow_sending_without_reply": True},
    )
    assert r.status_code == 200
    # a user replying to a bot message embeds it
    reply = api.send_text(CHAT, "thanks", reply_to_message_id=2)
    assert reply["reply_to_message"]["text"] == "answer" and reply["reply_to_message"]["from"]["is_bot"]

    cmds = [{"command": "start", "description": "Start"}, {"command": "brief", "description": "Today's brief"}]
    assert call(client, api, "setMyCommands", commands=cmds).json()["result"] is True
    assert api.commands() == cmds
    bad = call(client, api, "setMyCommands", commands=[{"command": "Bad-Cmd", "description": "x"}])
    assert bad.status_code == 400 and api.commands() == cmds

    group = -1001234
    api.send_text(group, "/brief@newsbrief_bot world", chat_type="supergroup", chat_title="News", user_id=7)
    api.set_member(group, 7, "administrator")
    api.set_member(group, 8, "creator")
    assert call(client, api, "getChatMember", chat_id=group, user_id=7).json()["result"]["status"] == "administrator"
    assert call(client, api, "getChatMember", chat_id=group, user_id=8).json()["result"]["status"] == "creator"
    assert call(client, api, "getChatMember", chat_id=group, user_id=99).json()["result"]["status"] == "member"
    assert call(client, api, "getChatMember", chat_id=CHAT, user_id=CHAT).json()["result"]["status"] == "member"
    assert (
        call(client, api, "getChatMember", chat_id=CHAT, user_id=99).json()["description"]
        == "Bad Request: user not found"
    )

    assert call(client, api, "setWebhook", url="http://example.com/hook").status_code == 400
    assert call(client, api, "setWebhook", url="https://example.com/hook").json()["result"] is True
    assert api.webhook["url"] == "https://example.com/hook"
    r = call(client, api, "getUpdates")
    assert r.status_code == 409
    assert call(client, api, "deleteWebhook", drop_pending_updates=True).json()["result"] is True
    assert api.webhook is None
    assert call(client, api, "getUpdates").json()["result"] == []
    # methods the bot never calls are not served
    for method in ("getChatAdministrators", "sendChatAction", "deleteMessage", "logOut"):
        assert call(client, api, method, chat_id=group).status_code == 404


def test_updates_offset_and_allowed_updates(api, client):
    a = api.send_text(CHAT, "/start")
    assert a["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]
    api.send_text(CHAT, "two")
    ups = call(client, api, "getUpdates").json()["result"]
    assert [u["message"]["text"] for u in ups] == ["/start", "two"]
    assert call(client, api, "getUpdates", limit=1).json()["result"] == ups[:1]  # not confirmed yet
    assert call(client, api, "getUpdates", offset=ups[0]["update_id"] + 1).json()["result"] == ups[1:]
    assert call(client, api, "getUpdates", offset=ups[1]["update_id"] + 1).json()["result"] == []
    # only "message" updates are wanted now: a button press is not delivered
    call(client, api, "getUpdates", allowed_updates=["message"])
    mid = call(client, api, "sendMessage", chat_id=CHAT, text="pick", reply_markup=KEYBOARD).json()["result"][
        "message_id"
    ]
    api.press_button(CHAT, mid, "more:1")
    assert call(client, api, "getUpdates").json()["result"] == []
    with pytest.raises(ValueError):
        api.press_button(CHAT, mid, "not-a-button")


def test_long_poll_wakes_up_and_stop_is_prompt(api, client):
    result = {}

    def poll():
        t0 = time.monotonic()
        result["r"] = call(client, api, "getUpdates", timeout=20).json()
        result["t"] = time.monotonic() - t0

    t = threading.Thread(target=poll)
    t.start()
    wait_for_sync(lambda: api.polling, 5)
    # other requests flow while the poll is held open
    assert call(client, api, "sendMessage", chat_id=CHAT, text="meanwhile").status_code == 200
    api.send_text(CHAT, "wake up")
    t.join(5)
    assert result["t"] < 3 and result["r"]["result"][0]["message"]["text"] == "wake up"

    other = httpx.Client(timeout=10)
    t = threading.Thread(
        target=lambda: result.update(
            r2=other.post(api.method_url("getUpdates"), data={"timeout": "30", "offset": "99"}).json()
        )
    )
    t.start()
    wait_for_sync(lambda: api.polling, 5)
    t0 = time.monotonic()
    api.stop()
    t.join(5)
    other.close()
    assert not t.is_alive() and time.monotonic() - t0 < 3
    assert result["r2"] == {"ok": True, "result": []}
    assert not api.running


def test_no_thread_leak_and_restart():
    before = threading.active_count()
    for _ in range(3):
        with LocalBotAPI() as api:
            api.add_chat(1)
            assert httpx.post(api.method_url("sendMessage"), data={"chat_id": "1", "text": "x"}).status_code == 200
    wait_for_sync(lambda: threading.active_count() == before, 5)


# ----------------------------------------------------------------------------- python-telegram-bot
async def test_ptb_send_and_get_updates(api):
    async with fast_bot(api) as bot:
        assert bot.username == "newsbrief_bot"
        msg = await bot.send_message(
            CHAT,
            "<b>Hi</b> there",
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
        assert msg.text == "Hi there" and msg.entities[0].type == "bold" and msg.chat_id == CHAT
        with pytest.raises(BadRequest, match="(?i)can.t parse entities"):
            await bot.send_message(CHAT, "a < b", parse_mode=ParseMode.HTML)
        api.send_text(CHAT, "/brief today", username="ada")
        updates = await bot.get_updates(timeout=5)
        assert len(updates) == 1
        u = updates[0].message
        assert u.text == "/brief today" and u.from_user.username == "ada"
        assert u.entities[0].type == "bot_command"
        sent = await api.async_wait_for_sent(CHAT, 1, timeout=2)
        assert sent[0]["link_preview_options"] == {"is_disabled": True}
        await bot.set_my_commands([("brief", "Today's brief")])
        assert [c["command"] for c in api.commands()] == ["brief"]
        member = await bot.get_chat_member(CHAT, CHAT)
        assert member.status == "member"


async def test_ptb_callback_round_trip(api):
    async with fast_bot(api) as bot:
        kb = InlineKeyboardMarkup([[InlineKeyboardButton("Next", callback_data="page:2")]])
        msg = await bot.send_message(CHAT, "page 1", reply_markup=kb)
        qid = api.press_button(CHAT, msg.message_id, "page:2")
        (update,) = await bot.get_updates(timeout=5)
        q = update.callback_query
        assert q.id == qid and q.data == "page:2" and q.message.message_id == msg.message_id
        assert q.from_user.id == CHAT
        assert await q.answer("Loading…")
        assert api.callback_answers == [
            {"callback_query_id": qid, "text": "Loading…", "show_alert": False, "url": None, "cache_time": None}
        ]
        with pytest.raises(BadRequest, match="(?i)query is too old"):
            await q.answer()
        edited = await q.edit_message_text("page 2", reply_markup=kb)
        assert edited.text == "page 2"
        with pytest.raises(BadRequest, match="Message is not modified"):
            await q.edit_message_text("page 2", reply_markup=kb)
        assert api.sent(CHAT)[0]["text"] == "page 2"
        # the next poll confirms the update
        assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()


@pytest.mark.parametrize("kind", ["429", "403", "migrate", "500", "drop"])
@PTB_RETRY_AFTER_DEPRECATION
async def test_ptb_faults(api, kind):
    group = -4000
    api.send_text(group, "hello", chat_title="Old group")
    api.inject("sendMessage", kind, chat_id=group, retry_after=7, new_chat_id=-1009999)
    async with fast_bot(api) as bot:
        if kind == "429":
            with pytest.raises(RetryAfter) as exc:
                await bot.send_message(group, "x")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ra = exc.value.retry_after
            assert (ra.total_seconds() if isinstance(ra, dtm.timedelta) else ra) == 7
        elif kind == "403":
            with pytest.raises(Forbidden, match="blocked by the user"):
                await bot.send_message(group, "x")
        elif kind == "migrate":
            with pytest.raises(ChatMigrated) as exc:
                await bot.send_message(group, "x")
            assert exc.value.new_chat_id == -1009999
            with pytest.raises(ChatMigrated):  # the old id keeps failing
                await bot.send_message(group, "again")
            ok = await bot.send_message(-1009999, "moved")
            assert ok.chat.type == "supergroup" and ok.chat.title == "Old group"
            assert [m["text"] for m in api.sent()] == ["moved"]
            return
        else:
            with pytest.raises(NetworkError):
                await bot.send_message(group, "x")
        assert api.sent() == []  # the failed call delivered nothing
        assert (await bot.send_message(group, "retry")).text == "retry"  # times=1: next call works
        assert [m["text"] for m in api.sent()] == ["retry"]
        status = {"429": 429, "403": 403, "500": 500, "drop": 0}[kind]
        assert [r.status for r in api.requests if r.method == "sendMessage"] == [status, 200]


async def test_ptb_slow_times_out_but_delivers(api):
    api.inject("sendMessage", "slow", chat_id=CHAT, delay=0.6)
    async with fast_bot(api, read_timeout=0.2) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "late")
        sent = await api.async_wait_for_sent(CHAT, 1, timeout=3)
        assert sent[0]["text"] == "late"


@PTB_RETRY_AFTER_DEPRECATION
async def test_many_concurrent_chats_with_random_faults(api):
    chats = list(range(10_000, 10_200))
    for c in chats:
        api.add_chat(c)
    api.set_fault_rate(0.05, kinds=("429", "500", "drop", "slow"), seed=3, delay=0.05)
    async with Bot(TOKEN, base_url=api.base_url, request=HTTPXRequest(connection_pool_size=64, pool_timeout=10)) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))  # held open meanwhile

        gate = asyncio.Semaphore(64)  # httpcore's pool queue gets slow with 1000s of waiters

        async def deliver(chat: int, n: int) -> None:
            async with gate:
                for _attempt in range(20):
                    try:
                        await bot.send_message(chat, f"msg {n}")
                        return
                    except (RetryAfter, NetworkError):
                        await asyncio.sleep(0)
            raise AssertionError("never delivered")

        await asyncio.gather(*(deliver(c, n) for c in chats for n in range(5)))
        assert not poll.done()
        api.send_text(chats[0], "done")
        assert (await asyncio.wait_for(poll, 5))[0].message.text == "done"
    assert len(api.sent()) == 1000
    for c in chats[:5]:
        assert sorted(m["text"] for m in api.sent(c)) == [f"msg {n}" for n in range(5)]
    statuses = {r.status for r in api.requests if r.method == "sendMessage"}
    assert {200, 429, 500, 0} <= statuses


def test_wait_for_sent_sync_and_parsers():
    with LocalBotAPI() as api:
        api.add_chat(5)

        def later():
            time.sleep(0.1)
            httpx.post(api.method_url("sendMessage"), data={"chat_id": "5", "text": "bg"})

        threading.Thread(target=later).start()
        assert api.wait_for_sent(5, 1, timeout=3)[0]["text"] == "bg"
        with pytest.raises(TimeoutError):
            api.wait_for_sent(5, 2, timeout=0.1)
    assert parse_html("&lt;b&gt;") == ("<b>", [])
    assert parse_html("AT&T", strict_entities=False) == ("AT&T", [])


async def test_ptb_application_end_to_end(api):
    from telegram import Update
    from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

    async def brief(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        kb = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more")]])
        await update.effective_message.reply_html(f"<b>Brief</b> for {' '.join(context.args)}", reply_markup=kb)

    async def more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text("More news")

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .get_updates_read_timeout(5)
        .build()
    )
    app.add_handler(CommandHandler("brief", brief))
    app.add_handler(CallbackQueryHandler(more))
    group = -555
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=2, poll_interval=0)
        user_msg = api.send_text(group, "/brief@newsbrief_bot today", chat_title="Newsroom")
        api.send_text(group, "/brief@other_bot nope")  # addressed to another bot: ignored
        (reply,) = await api.async_wait_for_sent(group, 1, timeout=5)
        assert reply["plain_text"] == "Brief for today" and reply["parse_mode"] == "HTML"
        assert reply["reply_to_message_id"] == user_msg["message_id"]
        api.press_button(group, reply["message_id"], "more")
        await wait_for(lambda: api.sent(group)[0]["plain_text"] == "More news" and api.callback_answers)
        assert api.sent(group)[0]["reply_markup"] is None
        t0 = time.monotonic()
        await app.updater.stop()
        await app.stop()
        assert time.monotonic() - t0 < 3
    assert len(api.sent(group)) == 1
    assert api.pending_updates() == []  # the updater confirmed everything on shutdown
    # the poll PTB cancels on shutdown shows up as 499 (client gone), never as a 409 conflict
    assert {r.status for r in api.requests} <= {200, 499}, [r for r in api.requests if r.status != 200]


# ----------------------------------------------------------------------------- in process (no socket)
def test_mock_transport_without_a_socket():
    with LocalBotAPI(token=TOKEN, serve_http=False) as api:
        assert api.port is None
        api.add_chat(CHAT)
        with httpx.Client(transport=api.mock_transport(asynchronous=False)) as c:
            assert call(c, api, "sendMessage", chat_id=CHAT, text="<b>hi</b>", parse_mode="HTML").json()["ok"]
            r = call(c, api, "sendMessage", chat_id=CHAT, text="<b>hi", parse_mode="HTML")
            assert r.status_code == 400 and "can't parse entities" in r.json()["description"]
            assert c.post(api.method_url("sendPigeon")).status_code == 404
            api.inject("sendMessage", "drop")
            with pytest.raises(httpx.RemoteProtocolError):
                call(c, api, "sendMessage", chat_id=CHAT, text="lost")
        assert [m["plain_text"] for m in api.sent(CHAT)] == ["hi"]
        assert [r.status for r in api.requests] == [200, 400, 404, 0]


@PTB_RETRY_AFTER_DEPRECATION
async def test_ptb_through_the_mock_transport():
    async with LocalBotAPI(token=TOKEN, serve_http=False) as api:
        request = HTTPXRequest(httpx_kwargs={"transport": api.mock_transport()})
        async with Bot(
            TOKEN,
            base_url=api.base_url,
            request=request,
            get_updates_request=HTTPXRequest(httpx_kwargs={"transport": api.mock_transport()}),
        ) as bot:
            assert bot.username == "newsbrief_bot"
            api.send_text(CHAT, "/brief")
            (update,) = await bot.get_updates(timeout=5)
            assert update.message.text == "/brief"
            api.inject("sendMessage", "429", chat_id=CHAT, retry_after=3)
            with pytest.raises(RetryAfter):
                await bot.send_message(CHAT, "x")
            assert (await bot.send_message(CHAT, "<i>ok</i>", parse_mode=ParseMode.HTML)).text == "ok"
            # a long poll held open in process wakes up when a user writes
            poll = asyncio.create_task(bot.get_updates(offset=update.update_id + 1, timeout=20))
            api.send_text(CHAT, "wake")
            assert (await asyncio.wait_for(poll, 5))[0].message.text == "wake"
        assert [m["text"] for m in api.sent(CHAT)] == ["<i>ok</i>"]
