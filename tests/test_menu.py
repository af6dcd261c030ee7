"""The command menu: every command in private chats and for group administrators, the
reading commands for everyone else; /help explains the new ones with examples."""

from __future__ import annotations

from botenv import running_bot

READING = ["brief", "summary", "who", "subscribe", "unsubscribe", "settings", "help"]


async def test_menus_by_scope_and_help_examples(tmp_path):
    async with running_bot(tmp_path) as env:
        assert [c["command"] for c in env.api.commands()] == READING
        private = [c["command"] for c in env.api.commands({"type": "all_private_chats"})]
        admins = [c["command"] for c in env.api.commands({"type": "all_chat_administrators"})]
        for name in ("add", "sources", "remove", "export", "filter", "follow", "following", "unfollow", "connect"):
            assert name in private and name in admins
        assert private[-1] == "help"
        (msg,) = await env.say(4401, "/help")
        for example in (
            "/add https://example.org/feed.xml",
            '/filter +climate -football "world cup"',
            "/follow Hegseth",
            "/connect @mychannel",
            "/export",
        ):
            assert example in msg["plain_text"]
