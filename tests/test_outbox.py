"""Enqueueing proactive messages: idempotent by key, bodies survive the round trip."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.messages import Attachment, Button, ChatRef, Reply
from bot.outbox import body_to_reply, enqueue, reply_to_body
from bot.storage.models import Outbox

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def test_reply_round_trips_through_the_body():
    reply = Reply("续期提醒", buttons=(Button("开始", "/renew icp"),),
                  attachment=Attachment("清单.xlsx", b"\x00\x01binary", "application/x"), markdown=True,
                  tags=("reminder",))
    assert body_to_reply(reply_to_body(reply)) == reply


def test_enqueue_twice_with_one_key_stores_one_row(db):
    with db.session() as s:
        assert enqueue(s, ChatRef("telegram", "1"), Reply("a"), "reminder", "k1", NOW) is True
        assert enqueue(s, ChatRef("telegram", "1"), Reply("a"), "reminder", "k1", NOW) is False
    with db.session() as s:
        assert enqueue(s, ChatRef("telegram", "1"), Reply("a"), "reminder", "k1", NOW) is False
        enqueue(s, ChatRef("wecom", "2"), Reply("b"), "relay", "k2", NOW)
    with db.session() as s:
        rows = s.exec(select(Outbox).order_by(Outbox.id)).all()
    assert [(r.channel, r.dedupe_key, r.status) for r in rows] == [("telegram", "k1", "pending"), ("wecom", "k2", "pending")]
