"""The group robot, the API client's token handling and the channel table (send limits: tests/test_ratelimit.py)."""

from __future__ import annotations

import httpx
import pytest

from bot.messages import Button, Reply
from channels.wecom.api import WeComApi, WeComError, send_result
from channels.wecom.robot import CONSULTANTS_GROUP, robot_messages
from licensebot.runtime import CHANNEL_FACTORIES
from tests.conftest import make_settings
from tests.wecom.rig import CORP_ID, SECRET, wecom_overrides


async def test_robot_posts_to_the_consultants_group(rig):
    sender = rig.channels["wecom_robot"].sender
    result = await sender.send(CONSULTANTS_GROUP.chat_id, Reply("新的转人工请求：客户 王总 询问ICP续期"))
    assert result.ok
    [post] = rig.fake.to("robot", "group")
    assert post.body == {"msgtype": "text", "text": {"content": "新的转人工请求：客户 王总 询问ICP续期"}}


async def test_robot_digest_in_markdown(rig):
    digest = Reply("## 即将到期的许可证\n- 某公司 ICP 2027-02-25", markdown=True)
    assert (await rig.channels["wecom_robot"].sender.send("consultants", digest)).ok
    assert rig.fake.to("robot", "group")[0].msgtype == "markdown"


async def test_robot_keeps_to_20_messages_a_minute(rig):
    sender = rig.channels["wecom_robot"].sender
    results = [await sender.send("consultants", Reply(f"提醒{i}")) for i in range(21)]
    assert all(r.ok for r in results[:20])
    assert not results[20].ok and results[20].retry_after and "20" in results[20].error
    assert len(rig.fake.to("robot", "group")) == 20  # the 21st was never posted
    rig.clock.advance(seconds=60)
    assert (await sender.send("consultants", Reply("一分钟后"))).ok


async def test_robot_with_a_wrong_key_reports_the_error(rig):
    rig.channels["wecom_robot"].messenger.key = "wrong"
    result = await rig.channels["wecom_robot"].sender.send("consultants", Reply("x"))
    assert not result.ok and "93000" in result.error


def test_robot_lists_buttons_with_their_commands_since_a_group_cannot_press_them():
    [body] = robot_messages(Reply("客户请求回电", buttons=(Button("接手", "/take 1"),)), mentions=("li",))
    assert body["text"] == {"content": "客户请求回电\n接手（/take 1）", "mentioned_list": ["li"]}


# --- API client -------------------------------------------------------------------------------------

@pytest.fixture
async def api(fake_server, fake, clock):
    async with httpx.AsyncClient() as http:
        yield WeComApi(http, clock, CORP_ID, SECRET, fake_server[0])


async def test_api_caches_the_token_and_refreshes_on_42001_once(api, fake):
    await api.call("message/send", {"touser": "a", "agentid": 1, "msgtype": "text", "text": {"content": "1"}})
    await api.call("message/send", {"touser": "a", "agentid": 1, "msgtype": "text", "text": {"content": "2"}})
    assert fake.token_requests == 1
    fake.expire_once = True
    await api.call("message/send", {"touser": "a", "agentid": 1, "msgtype": "text", "text": {"content": "3"}})
    assert fake.token_requests == 2 and [s.text for s in fake.sent] == ["1", "2", "3"]


async def test_api_gives_up_after_one_refresh(api, fake):
    await api.token()
    fake.tokens.clear()  # every token WeCom issued is now invalid (40014) …
    fake.fail_next["message/send"] = 40014  # … and the fresh one is refused once more
    with pytest.raises(WeComError) as err:
        await api.call("message/send", {"touser": "a", "agentid": 1, "msgtype": "text", "text": {"content": "x"}})
    assert err.value.errcode == 40014 and fake.token_requests == 2


async def test_api_with_a_wrong_secret_says_so(fake_server, fake, clock):
    async with httpx.AsyncClient() as http:
        api = WeComApi(http, clock, CORP_ID, "wrong-secret", fake_server[0])
        with pytest.raises(WeComError) as err:
            await api.call("message/send", {})
    assert err.value.errcode == 40001


def test_send_result_tells_passing_problems_from_permanent_ones():
    assert send_result(WeComError(45009, "freq")).retry_after == 60.0
    assert send_result(WeComError(-1, "busy")).retry_after == 15.0
    assert send_result(WeComError(60111, "no user")).permanent
    assert send_result(WeComError(40001, "bad secret")).retry_after == 300.0


# --- the channel table --------------------------------------------------------------------------------

def test_each_wecom_channel_is_on_when_its_settings_are_set(wecom_db_url):
    def on(**overrides: object) -> list[str]:
        settings = make_settings(wecom_db_url, **overrides)
        return [name for name, is_on, _ in CHANNEL_FACTORIES if is_on(settings)]

    everything = wecom_overrides("http://127.0.0.1:1")
    assert on() == []
    assert on(**everything) == ["wecom", "wecom_kf", "wecom_robot"]
    assert on(**{**everything, "wecom_secret": ""}) == ["wecom_kf", "wecom_robot"]
    assert on(**{**everything, "wecom_kf_secret": "", "wecom_robot_key": ""}) == ["wecom"]
    assert on(wecom_robot_key="k") == ["wecom_robot"]


def test_a_scheduler_process_gets_a_sender_per_configured_wecom_channel(services):
    from dataclasses import replace

    from channels.wecom.factory import build_senders
    from licensebot.standins import wecom_kf_stand_in

    services.settings = replace(services.settings, **wecom_overrides("http://127.0.0.1:1"))
    stand_in = wecom_kf_stand_in(services.settings)
    assert {name: s.channel for name, s in build_senders(services, stand_in).items()} == {
        "wecom": "wecom", "wecom_kf": "wecom_kf", "wecom_robot": "wecom_robot"}
    services.settings = replace(services.settings, wecom_kf_secret="", wecom_secret="")
    assert list(build_senders(services, stand_in)) == ["wecom_robot"]


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # shared counters: the PostgreSQL path
async def test_two_workers_share_the_robots_20_a_minute(db, fake_server, fake, clock):
    """Two workers (two messengers as the factory builds them, on one database) trying to post every
    second for three minutes: WeCom sees at most 20 a minute from both together (a per-process limit
    would let each worker post 20)."""
    from channels.wecom.factory import robot_messenger
    from licensebot.app import build_services

    services = build_services(make_settings(db.url, **wecom_overrides(fake_server[0])), clock)
    posted: list[float] = []
    async with httpx.AsyncClient() as http_a, httpx.AsyncClient() as http_b:
        workers = robot_messenger(services, http_a), robot_messenger(services, http_b)
        assert workers[0].limiter is not workers[1].limiter
        for second in range(180):
            for worker in workers:
                result = await worker.deliver(Reply(f"提醒 {second}"))
                if result.ok:
                    posted.append(second)
                else:
                    assert result.retry_after and "20" in result.error
            clock.advance(seconds=1)
    services.db.dispose()
    assert len(fake.to("robot", "group")) == len(posted)
    assert max(sum(1 for t in posted if start <= t < start + 60) for start in range(180)) <= 20
    assert len(posted) >= 30  # and the robot is not held back much beyond its limit
