"""The Telegram Bot API away for a minute of injected time — first answering 502, then not there at
all (connection refused): the replies of messages that came in meanwhile and a reminder that fell
due wait in the Outbox and are all delivered, once each and in order, when it is back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from bot.ratelimit import FakeTime
from bot.storage.models import Outbox
from scheduler.dispatcher import Dispatcher, outbox_limiter
from scheduler.rules import load_rules
from scheduler.sweep import sweep
from tests.fake_telegram import FakeTelegram
from tests.reminders_support import add_license
from tests.telegram_kit import USER, start_runtime, telegram_settings, with_fake_time

URL = "https://bot.example.com/telegram/webhook"
SECRET = "outage-secret"
SUBSCRIBER = 77  # a chat with a licence about to expire
RULES = load_rules()


@pytest.fixture
def own_fake() -> Iterator[FakeTelegram]:
    """A fake Bot API of this test's own: the test takes it down."""
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


async def post(app: object, update: dict[str, object]) -> int:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
        response = await http.post("/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    return response.status_code


async def test_replies_and_reminders_wait_out_an_outage_and_all_arrive_once(own_fake, sqlite_url, clock):
    fake = own_fake
    settings = telegram_settings(sqlite_url, fake, telegram_webhook_url=URL, telegram_webhook_secret=SECRET,
                                 scheduler_in_process=False)
    time = FakeTime()  # the sender's retry back-off passes in injected time
    async with start_runtime(settings, clock, fake, make_channel=with_fake_time(time)) as bot:
        today = RULES.today(clock.now())
        add_license(bot.services.db, "京B2-20200001", today + timedelta(days=30), today - timedelta(days=5),
                    clock.now(), chats=(str(SUBSCRIBER),))
        dispatcher = Dispatcher(bot.services.db, {"telegram": bot.channel.sender}, clock,
                                limiter=outbox_limiter(clock=time), sleep=time.sleep)  # waits in injected time

        fake.fail("sendMessage", status=502, description="Bad Gateway", times=-1)  # the outage begins
        assert await post(bot.app, fake.message_update(USER, "/help", language_code="zh")) == 200
        assert sweep(bot.services.db, RULES, clock.now()).created == 1
        assert (await dispatcher.drain()).retrying == 1
        clock.advance(seconds=30)
        fake.stop()  # half-way: nobody listens any more
        assert await post(bot.app, fake.message_update(USER, "年报什么时候报", language_code="zh")) == 200
        assert (await dispatcher.drain()).sent == 0
        assert fake.delivered(USER) == [] and fake.delivered(SUBSCRIBER) == []

        clock.advance(seconds=31)  # a minute later it is back
        fake.start(port=fake.port)
        fake.heal()
        for _ in range(10):  # the dispatcher's back-off: each try a little later
            await dispatcher.drain()
            if len(fake.delivered(USER)) == 2 and fake.delivered(SUBSCRIBER):
                break
            clock.advance(seconds=60)

        texts = fake.delivered(USER)
        assert len(texts) == 2 and "/forget" in texts[0] and "测试答案：每年第一季度" in texts[1]
        (reminder,) = fake.delivered(SUBSCRIBER)
        assert "京B2-20200001" in reminder
        with bot.services.db.session() as s:
            assert {r.status for r in s.exec(select(Outbox)).all()} == {"sent"}
        await dispatcher.drain()
        assert len(fake.delivered(USER)) == 2 and len(fake.delivered(SUBSCRIBER)) == 1  # nothing twice
