"""Webhook mode inside the ASGI app: secret checked in constant time, an update answered once it is
handled (so a chat's updates stay in order across workers), a repeated update_id processed once —
also by a second worker sharing the database."""

from __future__ import annotations

import httpx
import pytest

from channels.telegram.app import webhook_secret
from tests.telegram_kit import USER, fake_fixture, start_runtime, telegram_settings  # noqa: F401

URL = "https://bot.example.com/hooks/telegram"


@pytest.fixture
def hook_settings(fake, sqlite_url):
    return telegram_settings(sqlite_url, fake, telegram_webhook_url=URL, telegram_webhook_secret="s3cret-Token_1")


@pytest.fixture
async def bot(fake, hook_settings, clock):
    async with start_runtime(hook_settings, clock, fake) as runtime:
        yield runtime


def client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_start_sets_the_webhook_with_the_secret_and_does_not_poll(bot):
    (call,) = bot.fake.sent(method="setWebhook")
    assert call.params["url"] == URL and call.params["secret_token"] == "s3cret-Token_1"
    assert call.params["allowed_updates"] == ["message", "callback_query"]
    assert bot.fake.count("getUpdates") == 0


async def test_forged_or_missing_secret_is_refused_with_403(bot):
    update = bot.fake.message_update(USER, "/help")
    async with client(bot.app) as http:
        forged = await http.post("/hooks/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
        missing = await http.post("/hooks/telegram", json=update)
    assert forged.status_code == 403 and missing.status_code == 403
    await bot.settle()
    assert bot.fake.sent(USER) == []


async def test_a_replayed_update_is_processed_once(bot):
    update = bot.fake.message_update(USER, "/help")
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
    async with client(bot.app) as http:
        first = await http.post("/hooks/telegram", json=update, headers=headers)
        again = await http.post("/hooks/telegram", json=update, headers=headers)
    assert first.status_code == 200 and again.status_code == 200
    await bot.said(USER, "/forget")
    await bot.settle()
    assert len(bot.fake.sent(USER)) == 1


async def test_a_second_worker_ignores_an_update_the_first_handled(fake, hook_settings, clock):
    update = fake.message_update(USER, "/help")
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
    async with start_runtime(hook_settings, clock, fake) as one, start_runtime(hook_settings, clock, fake) as two:
        async with client(one.app) as http:
            assert (await http.post("/hooks/telegram", json=update, headers=headers)).status_code == 200
        await one.said(USER, "/forget")
        async with client(two.app) as http:  # Telegram retries on the other worker
            assert (await http.post("/hooks/telegram", json=update, headers=headers)).status_code == 200
        await two.settle()
    assert len(fake.sent(USER)) == 1


async def test_the_webhook_answers_once_the_reply_is_sent(bot):
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
    async with client(bot.app) as http:
        response = await http.post("/hooks/telegram", json=bot.fake.message_update(USER, "/help"), headers=headers)
    # Telegram sends this chat's next update only after this answer: the reply is already out.
    assert response.status_code == 200 and any("/forget" in t for t in bot.fake.texts(USER))


async def test_a_chats_updates_alternating_between_two_workers_are_answered_in_order(fake, hook_settings, clock):
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
    steps = ["/renew", "ICP", "全网", "跳过", "/back", "/cancel"]
    async with start_runtime(hook_settings, clock, fake) as one, start_runtime(hook_settings, clock, fake) as two:
        for i, text in enumerate(steps):
            async with client((one, two)[i % 2].app) as http:  # as Telegram would: one update after the other
                response = await http.post("/hooks/telegram", json=fake.message_update(USER, text, language_code="zh"),
                                         headers=headers)
            assert response.status_code == 200
    texts = fake.texts(USER)
    assert [t[:5] for t in texts[:5]] == ["（第1步）", "（第2步）", "（第3步）", "（第4步）", "（第3步）"]
    assert len(texts) == 6 and "退出" in texts[5]


async def test_garbage_body_is_a_400_and_nothing_breaks(bot):
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
    async with client(bot.app) as http:
        bad = await http.post("/hooks/telegram", content=b"{not json", headers=headers)
        wrong = await http.post("/hooks/telegram", json=[1, 2], headers=headers)
        ok = await http.post("/hooks/telegram", json=bot.fake.message_update(USER, "/help"), headers=headers)
    assert (bad.status_code, wrong.status_code, ok.status_code) == (400, 400, 200)
    await bot.said(USER, "/forget")


def test_secret_is_derived_from_the_token_when_not_set(fake, sqlite_url):
    derived = webhook_secret(telegram_settings(sqlite_url, fake, telegram_webhook_url=URL))
    other = webhook_secret(telegram_settings(sqlite_url, fake, telegram_bot_token="999:other"))
    assert derived != other and len(derived) == 64 and derived.isalnum()


async def test_a_lone_surrogate_gets_a_polite_refusal(bot):
    update = bot.fake.message_update(USER, "x")
    body = httpx.Request("POST", "/", json=update).content.replace(b'"text":"x"', b'"text":"\\ud800abc"')
    assert b"\\ud800" in body
    async with client(bot.app) as http:
        answer = await http.post("/hooks/telegram", content=body, headers={
            "X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1", "Content-Type": "application/json"})
    assert answer.status_code == 200
    await bot.said(USER, "could not be read")
