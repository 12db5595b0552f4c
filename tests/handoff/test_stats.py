"""`licensebot stats`: tickets opened, claimed, closed, time to first reply and satisfaction in a period."""

from __future__ import annotations

import argparse

from licensebot.cli import stats
from tests.conftest import make_settings
from tests.handoff.conftest import Hub, shanghai


def serve(hub: Hub, clock, client_id: str, reply_after_min: int, rating: int | None) -> None:
    client, zhang = hub.client(client_id), hub.consultant()
    client.send("/human")
    zhang.send("/claim " + str(len(hub.tickets())))
    clock.advance(minutes=reply_after_min)
    zhang.send(f"/reply {len(hub.tickets())} 您好")
    zhang.send("/close")
    if rating is not None:
        client.send(f"/rate {len(hub.tickets())} {rating}")


def test_figures_for_a_period(hub: Hub, clock):
    clock.set(shanghai(2026, 11, 26, 10, 0))
    serve(hub, clock, "a", 4, 5)
    clock.set(shanghai(2026, 11, 27, 10, 0))
    serve(hub, clock, "b", 10, 3)
    clock.set(shanghai(2026, 11, 27, 11, 0))
    serve(hub, clock, "c", 30, None)
    hub.client("d").send("/human")  # opened, never claimed
    with hub.services.db.session() as s:
        everything = stats.compute(s, None, None)
        friday = stats.compute(s, shanghai(2026, 11, 27, 0, 0).date(), shanghai(2026, 11, 27, 0, 0).date())
        before = stats.compute(s, None, shanghai(2026, 11, 25, 0, 0).date())
    assert (everything.opened, everything.claimed, everything.closed) == (4, 3, 3)
    assert everything.median_first_reply == 10 and everything.ratings == [5, 3]
    assert (friday.opened, friday.claimed, friday.closed, friday.ratings) == (3, 2, 2, [3])
    assert friday.median_first_reply == 20  # 10 and 30 minutes
    assert (before.opened, before.median_first_reply, before.mean_rating) == (0, None, None)
    text = stats.report(everything, None, None)
    assert "tickets opened:  4" in text and "10 min (over 3 tickets)" in text
    assert "4.0 / 5 from 2 ratings (5: 1, 4: 0, 3: 1, 2: 0, 1: 0)" in text


def test_bad_dates_are_explained(capsys, tmp_path):
    settings = make_settings(f"sqlite:///{tmp_path / 's.db'}")
    assert stats.main(argparse.Namespace(since="2026-13-01", until=None), settings) == 2
    assert "--since: '2026-13-01' is not a date" in capsys.readouterr().err
    assert stats.main(argparse.Namespace(since="2026-12-01", until="2026-11-01"), settings) == 2
    assert "after --until" in capsys.readouterr().err
    assert stats.main(argparse.Namespace(since=None, until="2026-11-30"), settings) == 0
    assert "no ratings" in capsys.readouterr().out


def test_waits_count_business_time_only(hub: Hub, clock):
    from bot.hours import business_hours

    clock.set(shanghai(2026, 11, 27, 19, 0))  # Friday evening
    hub.client("e").send("/human")
    clock.set(shanghai(2026, 11, 30, 9, 10))  # Monday, ten minutes after opening
    zhang = hub.consultant()
    zhang.send("/claim 1")
    zhang.send("/reply 1 早上好")
    with hub.services.db.session() as s:
        business = stats.compute(s, None, None, business_hours(hub.services.settings))
        wall = stats.compute(s, None, None)
    assert business.median_first_reply == 10 and wall.median_first_reply == 3730
