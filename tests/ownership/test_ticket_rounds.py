"""intents/ticket_rounds.py on its own: the opening announcement once, reminders up to the cap, one
escalation (to the group when no lead is named), nothing outside business hours."""

from __future__ import annotations

from intents.ticket_rounds import handoff_round
from tests.handoff.conftest import GROUP, Hub, shanghai


def round_at(hub: Hub, clock, *when: int):
    clock.set(shanghai(*when))
    with hub.services.db.session() as s:
        return handoff_round(s, hub.services.settings, clock.now())


def test_opening_then_capped_reminders_then_one_escalation_to_the_group(hub: Hub, clock):
    clock.set(shanghai(2026, 11, 27, 20, 0))  # Friday night
    hub.client("7701").send("/human 外资比例的问题")
    assert round_at(hub, clock, 2026, 11, 28, 10, 0).touched == []  # Saturday: closed
    assert round_at(hub, clock, 2026, 11, 30, 9, 1).opening == [1]
    assert round_at(hub, clock, 2026, 11, 30, 9, 2).touched == []  # the opening is announced once
    reminded = [round_at(hub, clock, 2026, 11, 30, 9, 31).reminded, round_at(hub, clock, 2026, 11, 30, 10, 1).reminded,
                round_at(hub, clock, 2026, 11, 30, 10, 31).reminded]
    assert reminded == [[1], [1], [1]]  # HANDOFF_REANNOUNCE_MAX = 3
    assert round_at(hub, clock, 2026, 11, 30, 11, 1).escalated == [1]
    assert round_at(hub, clock, 2026, 11, 30, 15, 0).touched == []  # never again
    texts = [r.body["text"] for r in hub.rows(*GROUP)]
    assert sum("上班了" in t for t in texts) == 1 and sum("⏰" in t for t in texts) == 3
    [escalated] = [t for t in texts if "🚨" in t]
    assert "已等待工作时间 121 分钟" in escalated and "「外资比例的问题」" in escalated


def test_a_claimed_ticket_is_left_alone(hub: Hub, clock):
    hub.client("7702").send("/human")
    hub.consultant().send("/claim 1")
    assert round_at(hub, clock, 2026, 11, 27, 16, 0).touched == []
