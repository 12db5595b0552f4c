"""A message acknowledged to WeCom survives a worker that dies before handling it, and is handled once."""

from __future__ import annotations

from sqlmodel import select

from bot.storage.models import MessageLog
from channels.wecom import inbox
from channels.wecom.models import WeComInbox


def kept(rig) -> list[WeComInbox]:
    with rig.services.db.session() as s:
        return list(s.exec(select(WeComInbox)).all())


def questions(rig) -> list[str]:
    with rig.services.db.session() as s:
        return [m.text for m in s.exec(select(MessageLog).where(MessageLog.direction == "in")).all()]


async def test_a_handled_callback_leaves_nothing_in_the_inbox(rig):
    await rig.member("zhangsan").send("ICP证续期要准备哪些材料")
    assert kept(rig) == []


async def test_a_member_message_left_by_a_dead_worker_is_answered_on_recovery_once(rig, monkeypatch, clock):
    channel = rig.channels["wecom"]
    chat = rig.member("zhangsan")
    monkeypatch.setattr(channel, "resume", lambda *_args: None)  # acknowledged, then the worker dies
    assert await chat.send("ICP证续期要准备哪些材料") == []
    assert len(kept(rig)) == 1 and questions(rig) == []
    monkeypatch.undo()  # the next worker
    assert await channel.recovery.run_once() == 0  # too fresh: it may still be in somebody's queue
    clock.advance(minutes=2)
    assert await channel.recovery.run_once() == 1
    await rig.settle()
    assert "测试答案：ICP续期材料" in str(rig.fake.to("member", "zhangsan")[-1].body)
    assert kept(rig) == [] and questions(rig) == ["ICP证续期要准备哪些材料"]
    clock.advance(minutes=10)
    answers = len(rig.fake.to("member", "zhangsan"))
    assert await channel.recovery.run_once() == 0  # nothing twice
    await rig.settle()
    assert len(rig.fake.to("member", "zhangsan")) == answers


async def test_a_client_message_left_by_a_dead_worker_is_answered_on_recovery(rig, monkeypatch, clock):
    channel = rig.channels["wecom_kf"]
    chat = rig.client("wmCLIENT9")
    monkeypatch.setattr(channel, "resume", lambda *_args: None)
    await chat.send("ICP证续期要准备哪些材料")  # fetched past the cursor, not answered
    assert len(kept(rig)) == 1 and rig.fake.to("kf", "wmCLIENT9") == []
    monkeypatch.undo()
    clock.advance(minutes=2)
    assert await channel.recovery.run_once() == 1
    await rig.settle()
    assert "测试答案：ICP续期材料" in str(rig.fake.to("kf", "wmCLIENT9")[-1].body)
    assert kept(rig) == []


async def test_two_workers_recovering_at_once_take_a_row_once(rig, monkeypatch, clock):
    channel = rig.channels["wecom"]
    monkeypatch.setattr(channel, "resume", lambda *_args: None)
    await rig.member("lisi").send("你好")
    clock.advance(minutes=2)
    first = await channel.recovery.run_once()
    second = await channel.recovery.run_once()  # another worker a moment later: the row is leased
    assert (first, second) == (1, 0)


def test_a_message_that_keeps_failing_is_dropped_after_three_tries(rig, clock):
    now = clock.now()
    with rig.services.db.session() as s:
        row = inbox.keep(s, "id-1", "wecom", "u1", {"MsgType": "text"}, now)
    assert row is not None
    for attempt in range(inbox.MAX_ATTEMPTS):
        clock.advance(minutes=10)  # past the staleness and each lease
        with rig.services.db.session() as s:
            assert [r[0] for r in inbox.due(s, "wecom", clock.now())] == [row], attempt
    clock.advance(minutes=10)
    with rig.services.db.session() as s:
        assert inbox.due(s, "wecom", clock.now()) == []
    assert kept(rig) == []


def test_take_is_true_once(rig, clock):
    with rig.services.db.session() as s:
        row = inbox.keep(s, "id-2", "wecom", "u1", {}, clock.now())
        again = inbox.keep(s, "id-2", "wecom", "u1", {}, clock.now())
    assert row is not None and again is None  # the same message again is not kept twice
    with rig.services.db.session() as s:
        assert inbox.take(s, row) is True
    with rig.services.db.session() as s:
        assert inbox.take(s, row) is False


def test_keep_due_and_take_on_both_databases(db_url, clock):
    from bot.storage.db import Database

    db = Database(db_url)
    db.upgrade()
    try:
        with db.session() as s:
            row = inbox.keep(s, "id-3", "wecom_kf", "wm1", {"msgid": "m1", "text": {"content": "你好"}}, clock.now())
        clock.advance(minutes=2)
        with db.session() as s:
            assert inbox.due(s, "wecom", clock.now()) == []  # another channel's row
            assert inbox.due(s, "wecom_kf", clock.now()) == [(row, "wm1", {"msgid": "m1", "text": {"content": "你好"}})]
        with db.session() as s:
            assert inbox.due(s, "wecom_kf", clock.now()) == []  # leased
            assert inbox.take(s, row) is True
    finally:
        db.dispose()


def test_a_row_id_is_never_given_again(rig, clock):
    """The first message's clean-up must never delete the next one's row (SQLite would reuse a freed id)."""
    with rig.services.db.session() as s:
        first = inbox.keep(s, "id-4", "wecom", "u1", {}, clock.now())
    with rig.services.db.session() as s:
        assert first is not None and inbox.take(s, first)
    with rig.services.db.session() as s:
        second = inbox.keep(s, "id-5", "wecom", "u1", {}, clock.now())
    assert second is not None and second != first
