"""The newsbrief command line, run as a user would."""

from __future__ import annotations

import os
import subprocess
import sys

from waiting import wait_for_sync

from newsbrief.bot.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsbrief.bot.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_ingest_articles_summary_brief(tmp_path, seed_path, capsys):
    db = str(tmp_path / "db.json")
    (tmp_path / "bad.txt").write_bytes(b"")
    assert main(["--db", db, "ingest", str(seed_path), str(tmp_path / "bad.txt")]) == 0
    out, err = capsys.readouterr()
    assert "1 added, 0 updated, 0 unchanged, 1 skipped" in out
    assert "bad.txt: empty file" in err
    assert main(["--db", db, "articles"]) == 0
    assert "2025-07-27" in capsys.readouterr().out
    assert main(["--db", db, "summarize"]) == 0
    assert "summarized 1" in capsys.readouterr().out
    assert main(["--db", db, "brief", "--date", "2025-07-27"]) == 0
    out = capsys.readouterr().out
    assert "Briefing for 2025-07-27" in out and "1. The top defence officials" in out and "ANI" in out
    assert main(["--db", db, "summary", "Hegseth"]) == 0
    assert "• The top defence officials" in capsys.readouterr().out
    assert main(["--db", db, "summary", "no", "such", "thing"]) == 1
    assert "No stored article matches" in capsys.readouterr().err


def test_operator_mistakes_are_one_line_without_traceback(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[schedule]\ndigest_time = "25:00"\n')
    proc = run("--config", str(config), "articles")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"newsbrief: error: {config}: [schedule] digest_time: '25:00' is not a time of day "
        "(hours 00-23, minutes 00-59, e.g. 07:30)"
    ]
    proc = run("--config", str(tmp_path / "missing.toml"), "articles")
    assert proc.returncode == 2 and "config file not found" in proc.stderr and "Traceback" not in proc.stderr


def test_help_everywhere():
    for args in ([], ["ingest"], ["brief"], ["summary"]):
        proc = run(*args, "--help")
        assert proc.returncode == 0 and "usage: newsbrief" in proc.stdout


def test_run_without_token_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.delenv("NEWSBRIEF_TELEGRAM_TOKEN", raising=False)
    proc = run("--db", str(tmp_path / "db.json"), "run")
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("newsbrief: error: no Telegram bot token: create a bot with @BotFather")
    assert "NEWSBRIEF_TELEGRAM_TOKEN" in line and "newsbrief chat" in line


def test_chat_console_answers_brief_and_who(tmp_path):
    script = "/brief\n/who hegset\n1\n/subscribe 07:30 Mars/Base\n/quit\n"
    proc = subprocess.run(
        [sys.executable, "-m", "newsbrief.bot.cli", "--db", str(tmp_path / "db.json"), "chat"],
        input=script,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "you> /brief" in out and "1. The top defence officials from India and the United States" in out
    assert "bot> Pete Hegseth · person" in out
    assert "“Mars/Base” is not a time zone I know." in out
    assert out.count("bot> ") >= 4


def test_chat_console_sends_and_saves_files(tmp_path):
    import datetime as dt

    from sitesrv import Site

    from newsbrief.summaries.ingest.opml import write_opml

    site = Site()
    try:
        feed = site.feed(
            "/river.xml",
            "River News",
            [("Flood barriers hold on the river", "The flood")],
            dt.datetime(2025, 7, 27, 4, 0, tzinfo=dt.UTC),
        )
        (tmp_path / "feeds.opml").write_bytes(write_opml([(feed, "River News")], title="mine"))
        (tmp_path / "config.toml").write_text(
            f'[storage]\npath = "{tmp_path / "db.json"}"\n[fetch]\nallow_private_hosts = ["127.0.0.1"]\n'
        )
        (tmp_path / "newsbrief-sources.opml").write_text("mine, not the bot's")  # never overwritten
        script = "/file feeds.opml\n/file missing.opml\n/export\n/quit\n"
        proc = subprocess.run(
            [sys.executable, "-m", "newsbrief.bot.cli", "--config", str(tmp_path / "config.toml"), "chat"],
            input=script,
            capture_output=True,
            text=True,
            timeout=180,
            cwd=tmp_path,
        )
    finally:
        site.close()
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Imported feeds.opml: 1 added" in out
    assert "cannot read missing.opml" in out
    assert "a file: newsbrief-sources.opml" in out and "newsbrief-sources-2.opml" in out
    assert (tmp_path / "newsbrief-sources.opml").read_text() == "mine, not the bot's"
    assert feed.encode() in (tmp_path / "newsbrief-sources-2.opml").read_bytes()


def test_who_command(tmp_path, capsys):
    db = str(tmp_path / "db.json")
    assert main(["--db", db, "summarize"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "who", "pete", "hegseth"]) == 0
    assert "Pete Hegseth" in capsys.readouterr().out
    assert main(["--db", db, "who", "Zorblax"]) == 1


def test_run_serves_a_bot_api_server_from_config_and_stops_cleanly(tmp_path):
    import signal

    from newsbrief.bot.localapi import LocalBotAPI

    token = "424242:run-test-token"
    with LocalBotAPI(token=token) as api:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[storage]\npath = "db.json"\n[telegram]\napi_base_url = "{api.base_url}"\n'
            f'api_file_url = "{api.base_file_url}"\n[schedule]\nsummarize_every_minutes = 60\n'
        )
        env = dict(os.environ, NEWSBRIEF_TELEGRAM_TOKEN=token)
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsbrief.bot.cli", "--config", str(config), "run"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            wait_for_sync(api.commands, 60, interval=0.1)  # started: command menu registered

            def briefed() -> bool:  # the scheduled job ingests the seed article on start
                api.send_text(77, "/brief")
                (reply,) = api.wait_for_sent(77, count=len(api.sent(77)) + 1, timeout=30)[-1:]
                return "held key bilateral talks" in reply["plain_text"]

            wait_for_sync(briefed, 60, interval=0.5)
        finally:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err[-2000:]
        assert token not in out + err
    assert (tmp_path / "db.json").exists()


def test_run_in_webhook_mode_answers_posted_updates(tmp_path):
    import json
    import signal
    import socket
    import time

    import httpx

    from newsbrief.bot.app import webhook_secret
    from newsbrief.bot.localapi import LocalBotAPI

    token = "434343:webhook-test-token"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with LocalBotAPI(token=token) as api:
        api.add_chat(55, "private", first_name="Ada")
        config = tmp_path / "config.toml"
        config.write_text(
            f'[storage]\npath = "db.json"\n[telegram]\napi_base_url = "{api.base_url}"\n'
            f'api_file_url = "{api.base_file_url}"\n'
            f'mode = "webhook"\nwebhook_url = "https://bot.example.invalid/newsbrief"\nwebhook_listen = "127.0.0.1"\n'
            f"webhook_port = {port}\n"
        )
        env = dict(os.environ, NEWSBRIEF_TELEGRAM_TOKEN=token)
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsbrief.bot.cli", "--config", str(config), "run"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            wait_for_sync(
                lambda: (api.webhook or {}).get("url") == "https://bot.example.invalid/newsbrief", 60, interval=0.1
            )
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "text": "/help",
                    "chat": {"id": 55, "type": "private", "first_name": "Ada"},
                    "from": {"id": 55, "is_bot": False, "first_name": "Ada"},
                    "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
                },
            }
            url = f"http://127.0.0.1:{port}/newsbrief"
            forged = httpx.post(url, content=json.dumps(update), headers={"Content-Type": "application/json"})
            assert forged.status_code == 403  # no secret: refused
            ok = httpx.post(
                url,
                content=json.dumps(update),
                headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": webhook_secret(token)},
            )
            assert ok.status_code == 200
            (reply,) = api.wait_for_sent(55, count=1, timeout=30)
            assert "/brief" in reply["plain_text"]
        finally:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err[-2000:]
