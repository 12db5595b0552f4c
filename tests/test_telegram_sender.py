"""Sending to Telegram: splitting, keyboards, documents, escaping, 429/403/400 and network errors."""

from __future__ import annotations

import pytest
from telegram import Bot

from bot.messages import Attachment, Button, Reply
from bot.ratelimit import FakeTime, RateLimiter, Window
from bot.storage.db import Database
from channels.telegram.models import TelegramStore
from channels.telegram.sender import TelegramSender
from tests.fake_telegram import TOKEN
from tests.telegram_kit import GROUP, USER, fake_fixture  # noqa: F401


@pytest.fixture
def db(sqlite_url):
    database = Database(sqlite_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
async def sender(fake, db, clock):
    time = FakeTime()
    limiter = RateLimiter({"overall": Window(25, 1), "private": Window(1, 1), "group": Window(20, 60)}, clock=time,
                          sleep=time.sleep)
    bot = Bot(TOKEN, base_url=f"{fake.base_url}/bot", base_file_url=f"{fake.base_url}/file/bot")
    async with bot:
        out = TelegramSender(bot, limiter, TelegramStore(db, clock, 123456))
        out.time = time  # type: ignore[attr-defined]
        yield out


async def test_plain_text_goes_without_parse_mode_and_keeps_user_text_intact(sender, fake):
    result = await sender.send(str(USER), Reply("你好 <b>not bold</b> *x* _y_ [z](w)"))
    assert result.ok and result.platform_id
    call = fake.sent(USER)[0]
    assert call.text == "你好 <b>not bold</b> *x* _y_ [z](w)" and "parse_mode" not in call.params


async def test_markdown_is_sent_as_escaped_html(sender, fake):
    await sender.send(str(USER), Reply("**续期** for <Acme & Co> see [docs](https://example.com/a?b=1&c=2)",
                                       markdown=True))
    call = fake.sent(USER)[0]
    assert call.params["parse_mode"] == "HTML"
    assert call.text == ('<b>续期</b> for &lt;Acme &amp; Co&gt; see '
                         '<a href="https://example.com/a?b=1&amp;c=2">docs</a>')


async def test_refused_html_falls_back_to_plain_text(sender, fake):
    fake.fail("sendMessage", USER, status=400, description="Bad Request: can't parse entities: oops")
    assert (await sender.send(str(USER), Reply("**a** & b", markdown=True))).ok
    first, second = fake.sent(USER)
    assert first.params["parse_mode"] == "HTML" and second.text == "a & b" and "parse_mode" not in second.params


async def test_a_long_reply_is_split_at_line_breaks_with_buttons_on_the_last_part(sender, fake):
    lines = [f"第{i}行：" + "材料" * 40 for i in range(200)]  # about 17,000 characters
    await sender.send(str(USER), Reply("\n".join(lines), buttons=(Button("好", "/help"),)))
    parts = fake.sent(USER)
    assert len(parts) >= 5 and all(len(p.text) <= 4096 for p in parts)
    assert "\n".join(p.text for p in parts) == "\n".join(lines)  # cut only between lines
    assert [bool(p.buttons) for p in parts] == [False] * (len(parts) - 1) + [True]


async def test_payload_over_64_bytes_is_stored_under_a_short_key(sender, fake):
    long_payload = "/faq " + "许可证" * 20  # 185 bytes in UTF-8, 65 characters
    short = "确认删除" * 5  # 20 characters but 60 bytes: fits
    await sender.send(str(USER), Reply("选一个", buttons=(Button("A", long_payload), Button("B", short))))
    (_, a), (_, b) = fake.sent(USER)[0].buttons
    assert b == short and a.startswith("#k:") and len(a.encode()) <= 64
    assert sender.store.load_payload(a) == long_payload


async def test_attachment_is_sent_as_a_document(sender, fake):
    xlsx = Attachment("续期清单.xlsx", b"PK\x03\x04 fake xlsx", "application/vnd.ms-excel")
    result = await sender.send(str(USER), Reply("清单如下", attachment=xlsx, buttons=(Button("完成", "/cancel"),)))
    assert result.ok
    doc = fake.sent(USER, "sendDocument")[0]
    assert doc.files["document"] == ("续期清单.xlsx", b"PK\x03\x04 fake xlsx") and doc.buttons == [("完成", "/cancel")]
    assert fake.texts(USER) == ["清单如下"]


async def test_429_waits_as_told_and_retries(sender, fake):
    fake.fail("sendMessage", USER, status=429, retry_after=7)
    before = sender.time.now
    result = await sender.send(str(USER), Reply("提醒"))
    assert result.ok and len(fake.sent(USER)) == 2
    assert sender.time.now - before >= 7


async def test_a_very_long_429_is_handed_back_to_the_dispatcher(sender, fake):
    fake.fail("sendMessage", USER, status=429, retry_after=3600)
    result = await sender.send(str(USER), Reply("提醒"))
    assert not result.ok and result.retry_after == 3600 and not result.permanent


async def test_blocked_user_is_permanent(sender, fake):
    fake.fail("sendMessage", USER, status=403, times=-1)
    result = await sender.send(str(USER), Reply("提醒"))
    assert result.permanent and not result.ok and "blocked" in result.error
    assert len(fake.sent(USER)) == 1  # not retried


async def test_chat_not_found_is_permanent_other_bad_requests_are_not(sender, fake):
    fake.fail("sendMessage", 77, status=400)
    assert (await sender.send("77", Reply("x"))).permanent
    fake.fail("sendMessage", 78, status=400, description="Bad Request: message text is empty")
    result = await sender.send("78", Reply("x"))
    assert not result.ok and not result.permanent and "empty" in result.error


async def test_server_errors_are_retried_with_backoff(sender, fake):
    fake.fail("sendMessage", USER, status=502, description="Bad Gateway", times=2)
    before = sender.time.now
    assert (await sender.send(str(USER), Reply("x"))).ok
    assert len(fake.sent(USER)) == 3 and sender.time.now - before >= 0.5 + 2.0


async def test_unreachable_server_gives_a_transient_failure_not_an_exception(db, clock):
    time = FakeTime()
    limiter = RateLimiter({"overall": Window(25, 1), "private": Window(1, 1), "group": Window(20, 60)}, clock=time,
                          sleep=time.sleep)
    bot = Bot(TOKEN, base_url="http://127.0.0.1:9/bot")  # discard port: connection refused
    out = TelegramSender(bot, limiter, TelegramStore(db, clock))
    result = await out.send(str(USER), Reply("x"))
    assert not result.ok and not result.permanent and result.retry_after and "network" in result.error


async def test_group_migrated_to_supergroup_is_followed(sender, fake):
    fake.fail("sendMessage", -5, status=400, description="Bad Request: group chat was upgraded", migrate_to=GROUP)
    assert (await sender.send("-5", Reply("x"))).ok
    assert [c.chat_id for c in fake.sent()] == [-5, GROUP]


async def test_bad_chat_id_is_permanent(sender):
    result = await sender.send("not-a-number", Reply("x"))
    assert result.permanent and not result.ok
