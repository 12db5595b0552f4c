"""The engine's routing, guards, privacy commands and state keeping."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import func, select

from bot.context import Context
from bot.engine import Engine
from bot.messages import Incoming, Reply
from bot.routes import Route
from bot.storage.models import Conversation, MessageLog, QueryLog, User
from tests.chat import ChatDriver


def count(services, model) -> int:
    with services.db.session() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_faq_question_gets_the_entry_answer_with_consultancy_name(chat):
    chat.send("ICP证续期要准备哪些材料")
    assert "entry:icp-renewal-materials" in chat.tags
    assert "测试顾问" in chat.text  # {consultancy} replaced by the setting
    # the related entry as a follow-up; a renewal answer offers the guided checklist; then feedback
    assert chat.buttons == ["增值电信许可证年报什么时候报？", "开始续期清单", "续期前合规体检", "👍", "👎"]


def test_follow_up_button_shows_the_related_entry(chat):
    chat.send("ICP证续期要准备哪些材料")
    chat.press("增值电信许可证年报什么时候报？")
    assert "entry:general-annual-report-when" in chat.tags


def test_english_question_gets_english_answer(chat):
    chat.send("what documents do I need to renew my ICP licence")
    assert chat.text == "Test answer about ICP renewal materials."


def test_unrelated_text_falls_back_and_is_logged(chat, services):
    chat.send("今天天气怎么样")
    assert "fallback" in chat.tags
    with services.db.session() as s:
        logged = s.exec(select(QueryLog)).all()
    assert [(q.query, q.decision) for q in logged] == [("今天天气怎么样", "fallback")]


def test_command_wins_over_active_flow(chat):
    chat.send("/forget")
    assert "forget-ask" in chat.tags
    chat.send("/help")  # a command while a flow waits for an answer
    assert "help" in chat.tags
    chat.send("不要")  # the flow is still active and takes the next answer
    assert "forget-kept" in chat.tags


def test_flow_wins_over_faq(chat):
    chat.send("/forget")
    chat.send("ICP证续期要准备哪些材料")  # would be a FAQ hit, but the flow takes it
    assert "forget-kept" in chat.tags


def test_unknown_command_is_explained(chat):
    chat.send("/nosuchthing")
    assert "unknown-command" in chat.tags


def test_routes_are_tried_in_table_order(services):
    seen: list[str] = []

    def make(name: str, hit: bool) -> Route:
        def matches(ctx: Context) -> bool:
            seen.append(name)
            return hit
        return Route(name, matches, lambda ctx: [Reply(name)])

    engine = Engine(services, routes=(make("a", False), make("b", True), make("c", True)))
    replies = engine.handle(Incoming("console", "u", "u", text="hi"))
    assert [r.text for r in replies] == ["b"] and seen == ["a", "b"]


def test_cancel_leaves_the_flow(chat, services):
    chat.send("/forget")
    chat.send("/cancel")
    assert "cancel" in chat.tags
    with services.db.session() as s:
        assert s.exec(select(Conversation)).one().flow is None


def test_lang_is_remembered(chat, engine):
    chat.send("/lang en")
    chat.send("ICP证续期要准备哪些材料")
    assert chat.text == "Test answer about ICP renewal materials."
    chat.send("/lang zh")
    chat.send("what documents do I need to renew my ICP licence")
    assert chat.text.startswith("测试答案")


def test_platform_language_hint_is_used_for_commands(engine):
    english = ChatDriver(engine, user="bob", language="en-GB")
    english.send("/start")
    assert english.text.startswith("Hello!")


# --- guards: a refused message changes nothing stored -----------------------------------------

def snapshot(services) -> tuple[int, int, int, int]:
    return (count(services, User), count(services, Conversation), count(services, MessageLog),
            count(services, QueryLog))


def test_empty_message_is_refused_and_nothing_stored(chat, services):
    chat.send("   ")
    assert "guard" in chat.tags and "没有收到文字内容" in chat.text and "只能读取" not in chat.text
    assert snapshot(services) == (0, 0, 0, 0)


def test_huge_message_is_refused_and_nothing_stored(chat, services):
    chat.send("ICP" * 5000)
    assert "guard" in chat.tags and "太长" in chat.text
    assert snapshot(services) == (0, 0, 0, 0)


def test_control_characters_are_refused(chat, services):
    chat.send("ICP\x00证\x07续期")
    assert "guard" in chat.tags
    assert snapshot(services) == (0, 0, 0, 0)


def test_emoji_and_newlines_are_fine(chat):
    chat.send("ICP证续期要准备哪些材料🙏\n谢谢")
    assert "guard" not in chat.tags


def test_flood_is_slowed_down_without_storing_what_was_refused(chat, services, clock):
    for _ in range(20):
        chat.send("你好")
    users, conversations, logged, queries = snapshot(services)
    chat.send("你好")
    assert "guard" in chat.tags and "太快" in chat.text
    # the refused message is not stored; the notice is logged as the chat's reply (once a burst)
    assert snapshot(services) == (users, conversations, logged + 1, queries)
    clock.advance(seconds=61)
    chat.send("你好")
    assert "guard" not in chat.tags


def test_a_burst_of_forty_lines_gets_one_flood_notice(engine, services, clock):
    replies = [engine.handle(Incoming("console", "u", "u", text=f"第{i}行\tICP\t北京")) for i in range(40)]
    notices = [r for rs in replies for r in rs if "太快" in r.text]
    assert len(notices) == 1 and replies[20] == notices  # the first refused line says it; the rest are silent
    assert all(rs == [] for rs in replies[21:])
    clock.advance(seconds=61)  # a new burst later: one notice again
    for i in range(21):
        last = engine.handle(Incoming("console", "u", "u", text=f"又一行{i}"))
    assert [r.text for r in last] == [notices[0].text]


def test_a_crashing_handler_gives_a_polite_reply_and_keeps_state(services, chat):
    chat.send("/forget")  # state: in the forget flow

    def boom(ctx: Context) -> list[Reply]:
        ctx.state.clear_flow()
        raise RuntimeError("bug")

    broken = Engine(services, routes=(Route("boom", lambda ctx: True, boom),))
    replies = broken.handle(Incoming("console", "alice", "alice", text="x"))
    assert [r.tags for r in replies] == [("error",)]
    assert "Traceback" not in replies[0].text
    with services.db.session() as s:
        assert s.exec(select(Conversation)).one().flow == "forget"


# --- privacy ------------------------------------------------------------------------------------

def test_forget_needs_confirmation_then_deletes_only_this_user(engine, services):
    alice, bob = ChatDriver(engine, "alice"), ChatDriver(engine, "bob")
    alice.send("ICP证续期要准备哪些材料")
    bob.send("ICP证续期要准备哪些材料")
    alice.send("/forget")
    alice.press("确认删除")
    assert "forget-done" in alice.tags
    with services.db.session() as s:
        assert {u.user_id for u in s.exec(select(User)).all()} == {"bob"}
        assert {m.user_id for m in s.exec(select(MessageLog)).all()} == {"bob"}
        assert {q.user_id for q in s.exec(select(QueryLog)).all()} == {"bob"}
        assert {c.user_id for c in s.exec(select(Conversation)).all()} == {"bob"}


def test_mydata_counts_this_users_rows_only(engine):
    alice, bob = ChatDriver(engine, "alice"), ChatDriver(engine, "bob")
    for _ in range(3):
        bob.send("ICP证续期要准备哪些材料")
    alice.send("ICP证续期要准备哪些材料")
    alice.send("/mydata")
    assert "提问记录: 1" in alice.text and "消息记录: 2" in alice.text


# --- state survives a restart ---------------------------------------------------------------------

def test_restart_in_the_middle_of_a_flow_loses_nothing(settings, clock):
    from licensebot.app import build_services

    first = Engine(build_services(settings, clock))
    ChatDriver(first, "alice").send("/forget")
    first.services.db.dispose()
    second = Engine(build_services(settings, clock))  # a new process on the same database
    chat = ChatDriver(second, "alice")
    chat.send("确认删除")
    assert "forget-done" in chat.tags


def test_flows_untouched_for_seven_days_expire(chat, clock, services):
    chat.send("/forget")
    clock.advance(days=8)
    chat.send("确认删除")  # would delete everything if the flow were still active
    assert "forget-done" not in chat.tags
    assert "过期" in chat.text or "7天" in chat.text
    assert count(services, User) == 1


def test_settings_change_flood_limit(sqlite_url, clock):
    from licensebot.app import build_services
    from tests.conftest import make_settings

    services = build_services(replace(make_settings(sqlite_url), flood_per_minute=2), clock)
    chat = ChatDriver(Engine(services), "alice")
    chat.send("a")
    chat.send("b")
    chat.send("c")
    assert "guard" in chat.tags


# --- redelivery: a message the channel has seen before changes nothing -------------------------

def test_a_message_seen_before_gets_no_reply_and_stores_nothing(engine, services):
    seen: set[str] = set()

    def once(key: str):
        def first_time(_session) -> bool:
            fresh = key not in seen
            seen.add(key)
            return fresh
        return first_time

    question = Incoming(channel="console", chat_id="c1", user_id="u1", text="ICP证续期要准备哪些材料")
    assert engine.handle(question, once=once("u:1"))  # answered
    stored = snapshot(services)
    assert engine.handle(question, once=once("u:1")) == []  # the same update again
    assert snapshot(services) == stored
    assert engine.handle(question, once=once("u:2"))  # a new update with the same text is answered


def test_faq_chat_state_is_written_only_when_it_changes(chat, services, clock):
    chat.send("ICP证续期要准备哪些材料")
    with services.db.session() as s:
        first = s.exec(select(Conversation)).one().updated_at
    clock.advance(seconds=30)
    chat.send("ICP证续期要准备哪些材料")  # answered again: flow and counters unchanged, the row is not rewritten
    with services.db.session() as s:
        assert s.exec(select(Conversation)).one().updated_at == first
    chat.send("今天天气怎么样")  # a fallback counts: the row changes
    with services.db.session() as s:
        assert s.exec(select(Conversation)).one().fallbacks == 1
