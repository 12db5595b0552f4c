"""The shared send-rate counters (send_slots, bot/shared_limits.py) are keyed by chats: they hold a
pseudonym of the chat id, never the id, and /forget's deletion (bot/shared_limits.py PERSONAL_TABLES) removes the
person's rows while other chats' counters stay."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from bot.ratelimit import Window
from bot.shared_limits import SharedLimiter
from bot.storage.models import SendSlot
from licensebot.tables import PERSONAL_DATA

TELEGRAM = {"overall": Window(25, 1.0, even=True), "private": Window(1, 1.0), "group": Window(20, 60.0)}


def scopes(db) -> list[str]:
    with db.session() as s:
        return sorted(s.execute(select(SendSlot.scope)).scalars())


def slot_count(db, channel: str, user_id: str) -> int:
    with db.session() as s:
        return dict((t.model, n) for t, n in PERSONAL_DATA.count(s, channel, user_id))[SendSlot]


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # shared counters: the PostgreSQL path
def test_forget_removes_the_send_counters_of_the_persons_chat_and_no_row_names_it(db):
    telegram = SharedLimiter(db, TELEGRAM, prefix="telegram:42:")  # as channels/telegram/app.py builds it
    wecom = SharedLimiter(db, {"member": Window(30, 60.0)}, prefix="wecom:")  # channels/wecom/api.py
    assert telegram.reserve(("overall", "")) == 0
    for chat in ("5501", "edit:5501", "5599"):  # a private chat, its keyboard edits, another chat
        assert telegram.reserve(("private", chat)) == 0
    assert wecom.reserve(("member", "zhang_san")) == 0
    with db.session() as s:  # a row written before the ids were pseudonymised
        s.execute(text("INSERT INTO send_slots (scope, tat) VALUES ('telegram:42:private:5501', 0)"))

    kept = [k for k in scopes(db) if k != "telegram:42:private:5501"]
    assert len(kept) == 5 and not [k for k in kept if "5501" in k or "5599" in k or "zhang" in k]
    assert slot_count(db, "telegram", "5501") == 3 and slot_count(db, "wecom", "zhang_san") == 1

    with db.session() as s:
        assert PERSONAL_DATA.delete(s, "telegram", "5501") >= 3
    assert slot_count(db, "telegram", "5501") == 0
    assert slot_count(db, "telegram", "5599") == 1 and slot_count(db, "wecom", "zhang_san") == 1
    assert len(scopes(db)) == 3  # 5599's chat, the bot's overall counter, the member's
    with db.session() as s:
        PERSONAL_DATA.delete(s, "wecom", "zhangXsan")  # "_" is no wildcard: another user keeps their row
    assert slot_count(db, "wecom", "zhang_san") == 1
    with db.session() as s:
        PERSONAL_DATA.delete(s, "wecom", "zhang_san")
    assert slot_count(db, "wecom", "zhang_san") == 0 and len(scopes(db)) == 2
