"""Learning from traffic: feedback buttons, clarify choices that teach the bot, forged payloads."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import select

from bot.storage.models import QueryLog
from knowledge.base import KnowledgeBase
from knowledge.search import Hit, SearchOutcome
from tests.chat import ChatDriver


class ClarifyingSearcher:
    """Always unsure between the two test entries, as the real search is for vague questions."""

    def __init__(self, entries):
        self.entries = entries

    def search(self, query: str, lang: str = "zh") -> SearchOutcome:
        hits = (Hit(self.entries["general-annual-report-when"], 0.6), Hit(self.entries["icp-renewal-materials"], 0.58))
        return SearchOutcome(query, "clarify", hits)


@pytest.fixture
def unsure(services):
    snap = services.get(KnowledgeBase).snapshot
    services.get(KnowledgeBase).snapshot = replace(snap, searcher=ClarifyingSearcher(snap.entries))
    return services


def rows(services) -> list[QueryLog]:
    with services.db.session() as s:
        return list(s.exec(select(QueryLog).order_by(QueryLog.id)).all())


def test_thumbs_down_is_stored_and_offers_a_consultant(chat, services):
    chat.send("ICP证续期要准备哪些材料")
    chat.press("👎")
    assert "feedback" in chat.tags
    assert rows(services)[0].feedback == -1


def test_feedback_on_someone_elses_question_is_refused(engine, services):
    alice, mallory = ChatDriver(engine, "alice"), ChatDriver(engine, "mallory")
    alice.send("ICP证续期要准备哪些材料")
    query_id = rows(services)[0].id
    mallory.send(f"/feedback {query_id} down")
    assert "feedback-invalid" in mallory.tags
    mallory.send("/feedback abc up")
    assert "feedback-invalid" in mallory.tags
    mallory.send("/feedback 99999999999999999999999 up")  # beyond a 64-bit id
    assert "feedback-invalid" in mallory.tags
    assert rows(services)[0].feedback is None


def test_clarify_choice_is_recorded_and_learned_after_two_picks(engine, unsure):
    for user in ("u1", "u2"):
        chat = ChatDriver(engine, user)
        chat.send("许可证那个事")
        assert "faq-clarify" in chat.tags
        chat.press("ICP证续期要准备哪些材料？")
        assert "entry:icp-renewal-materials" in chat.tags
    assert [r.chosen_id for r in rows(unsure)] == ["icp-renewal-materials", "icp-renewal-materials"]
    third = ChatDriver(engine, "u3")
    third.send("许可证那个事")
    assert "entry:icp-renewal-materials" in third.tags  # answered directly now
    assert rows(unsure)[-1].decision == "answer"


def test_a_choice_not_offered_is_not_recorded(engine, unsure):
    chat = ChatDriver(engine, "u1")
    chat.send("许可证那个事")
    query_id = rows(unsure)[0].id
    chat.send(f"/faq no-such-entry {query_id}")
    assert rows(unsure)[0].chosen_id is None
