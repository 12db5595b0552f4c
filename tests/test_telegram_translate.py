"""Translation without I/O (Update → Incoming, text splitting, callback sizes, deep links), and the
Telegram tables on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import Update

from bot.storage.db import Database
from channels.telegram import translate
from channels.telegram.app import menu_commands
from channels.telegram.models import TelegramStore
from licensebot.routes import COMMANDS
from tests.fake_telegram import FakeTelegram

ME = translate.BotIdentity(123456, "licensebot_test")


def incoming(update: dict):
    return translate.message_to_incoming(Update.de_json(update, None).message, ME)


@pytest.mark.parametrize(("text", "expected"), [
    ("/start renew", "/renew"),
    ("/start sub-AbC_123", "/subscribe AbC_123"),
    ("/start faq-icp-renewal", "/faq icp-renewal"),
    ("/start", "/start"),
    ("/start something-unknown", "/start"),
    ("/renew", "/renew"),
    ("hello /start renew", "hello /start renew"),
])
def test_deep_links_become_commands(text, expected):
    assert translate.deep_link(text) == expected


def test_private_message_carries_language_and_names():
    got = incoming(FakeTelegram().message_update(42, "ICP续期", user_id=42, language_code="zh-hans"))
    assert (got.channel, got.chat_id, got.user_id, got.text, got.language, got.is_group) == (
        "telegram", "42", "42", "ICP续期", "zh-hans", False)
    assert got.display_name == "user42" and got.at is not None


def test_group_messages_need_a_command_a_mention_or_a_reply():
    fake = FakeTelegram()
    assert incoming(fake.message_update(-100, "随便聊聊", user_id=7)) is None
    assert incoming(fake.message_update(-100, "/help@other_bot", user_id=7)) is None
    command = incoming(fake.message_update(-100, "/help@LicenseBot_Test", user_id=7))
    assert command is not None and command.is_group and command.chat_id == "-100" and command.user_id == "7"
    mentioned = incoming(fake.message_update(-100, "请问 @licensebot_test 年报什么时候报", user_id=7, entities=[
        {"type": "mention", "offset": 3, "length": 16}]))
    assert mentioned is not None and mentioned.text == "请问 年报什么时候报"


def test_callback_data_is_measured_in_utf8_bytes():
    assert translate.fits_callback("a" * 64)
    assert not translate.fits_callback("a" * 65)
    assert translate.fits_callback("确" * 21)  # 63 bytes
    assert not translate.fits_callback("确" * 22)  # 66 bytes, 22 characters
    assert not translate.fits_callback("")
    assert not translate.fits_callback("#k:looks-like-a-key")


@given(st.lists(st.text(alphabet=st.sampled_from(list("ab 中文😀")), max_size=300), max_size=60),
       st.integers(min_value=20, max_value=400))
def test_split_text_keeps_every_character_within_the_limit(lines, limit):
    text = "\n".join(lines)
    parts = translate.split_text(text, limit)
    assert all(translate.utf16_len(p) <= limit for p in parts)
    if text.strip():
        joined = "".join(parts).replace("\n", "").replace(" ", "")
        assert joined == text.replace("\n", "").replace(" ", "")


def test_split_prefers_line_breaks():
    assert translate.split_text("aaa\nbbb\nccc", 7) == ["aaa\nbbb", "ccc"]
    assert translate.split_text("😀" * 5, 4) == ["😀😀", "😀😀", "😀"]  # emoji count two UTF-16 units


def test_menu_lists_public_commands_with_valid_names():
    zh, en = menu_commands(COMMANDS, "zh"), menu_commands(COMMANDS, "en")
    assert [c.command for c in zh] == [c.command for c in en]
    assert all(c.command.islower() and 1 <= len(c.description) <= 256 for c in zh + en)
    assert "faq" not in [c.command for c in zh]
    assert next(c for c in zh if c.command == "help").description == "帮助与命令列表"


@pytest.fixture
def store(db_url, clock):
    db = Database(db_url)
    db.upgrade()
    yield TelegramStore(db, clock, bot_id=1)
    db.dispose()


def test_an_update_id_is_seen_once_per_bot(store):
    assert store.first_time("u:1") is True
    assert store.first_time("u:1") is False
    other_bot = TelegramStore(store.db, store.clock, bot_id=2)
    assert other_bot.first_time("u:1") is True


def test_long_payloads_get_a_stable_short_key_and_expire(store, clock):
    payload = "/renew " + "选项" * 40
    store.first_time("u:1")
    key = store.store_payload(payload)
    assert key == store.store_payload(payload) and len(key.encode()) <= 64
    assert store.load_payload(key) == payload
    assert store.load_payload("/help") == "/help"  # short payloads ride as they are
    clock.advance(days=91)
    store.first_time("u:2")
    assert store.prune() == 2  # the old payload and the old seen-marker
    assert store.load_payload(key) is None
    assert store.first_time("u:2") is False  # recent markers stay


def test_seen_markers_are_pruned_after_two_days(store, clock):
    store.first_time("u:9")
    clock.advance(**{"hours": 47})
    store.prune()
    assert store.first_time("u:9") is False
    clock.advance(**{"hours": 2})
    store.prune()
    assert store.first_time("u:9") is True
