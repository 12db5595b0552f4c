"""Random input into the engine: no handler crashes, no state is corrupted, nothing leaks across users."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.engine import Engine
from bot.messages import Incoming
from bot.storage.models import Conversation
from licensebot.app import build_services
from licensebot.routes import COMMANDS, FLOWS
from tests.conftest import make_settings

commands = st.sampled_from(sorted(COMMANDS))
args = st.one_of(st.just(""), st.text(max_size=40), st.integers(-5, 10**30).map(str),
                 st.sampled_from(["icp", "zh", "en", "confirm", "up", "down", "1", "-1"]))
typed = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1900, max_size=2100),
    st.sampled_from(["ICP证续期要准备哪些材料", "确认删除", "1", "2", "🙂🙂🙂", "／ｓｔａｒｔ", "\u200b", "/", "//x"]),
)
messages = st.lists(st.tuples(
    st.sampled_from(["u1", "u2"]),
    st.booleans(),  # True = a button press with this payload, False = typed text
    st.one_of(typed, st.builds(lambda c, a: f"{c} {a}".strip(), commands, args)),
), min_size=1, max_size=25)


@example(batch=[("u1", True, "/feedback 99999999999999999999999 up"), ("u1", False, "/faq x 1" + "0" * 25)])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=messages)
def test_random_messages_never_crash_a_handler_or_corrupt_state(tmp_path_factory, clock, batch):
    url = f"sqlite:///{tmp_path_factory.mktemp('abuse') / 'bot.db'}"
    services = build_services(replace(make_settings(url), flood_per_minute=10_000), clock)
    engine = Engine(services)
    try:
        for user, pressed, content in batch:
            clock.advance(seconds=1)
            incoming = (Incoming("console", user, user, payload=content) if pressed
                        else Incoming("console", user, user, text=content))
            replies = engine.handle(incoming)
            assert replies, f"no reply to {content!r}"
            assert all("error" not in r.tags for r in replies), f"a handler crashed on {content!r}"
            assert all(r.text.strip() for r in replies)
        with services.db.session() as s:
            for conv in s.exec(select(Conversation)).all():
                assert conv.flow is None or conv.flow in FLOWS
                assert isinstance(conv.data, dict)
                assert conv.chat_id == conv.user_id  # nobody's state was written under another chat
    finally:
        services.db.dispose()
