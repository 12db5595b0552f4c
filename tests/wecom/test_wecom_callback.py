"""The callback server: URL verification, refusals (403/400, no stack trace), replay handled once,
and the answer given before the work is done."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.storage.models import MessageLog
from channels.wecom import xmlmsg
from channels.wecom.crypto import WeComCrypto
from tests.wecom.conftest import open_rig
from tests.wecom.rig import AES_KEY, CORP_ID, KF_PATH, MEMBER_PATH, TOKEN

VECTORS = json.loads((Path(__file__).parent.parent / "fixtures" / "wecom-test-vectors.json").read_text("utf-8"))


def logged(rig) -> list[str]:
    with rig.services.db.session() as s:
        return [m.text for m in s.exec(select(MessageLog).where(MessageLog.direction == "in")).all()]


@pytest.fixture
async def vector_rig(wecom_db_url, fake_server, fake, clock):
    """The bot configured with the token, key and corp id of Tencent's published sample."""
    fake.corp_id = VECTORS["receive_id"]
    crypto = WeComCrypto(VECTORS["token"], VECTORS["encoding_aes_key"], VECTORS["receive_id"])
    async for r in open_rig(wecom_db_url, fake_server[0], fake, clock, crypto, wecom_token=VECTORS["token"],
                            wecom_aes_key=VECTORS["encoding_aes_key"], wecom_corp_id=VECTORS["receive_id"]):
        yield r


@pytest.mark.parametrize("path", [MEMBER_PATH, KF_PATH])
async def test_url_verification_answers_the_official_echostr(vector_rig, clock, path):
    v = VECTORS["verify_url"]
    clock.set(datetime.fromtimestamp(int(v["timestamp"]) + 10, UTC))
    params = {k: v[k] for k in ("msg_signature", "timestamp", "nonce", "echostr")}
    response = await vector_rig.http.get(path, params=params)
    assert response.status_code == 200
    assert response.text == v["expected_plaintext"]


async def test_url_verification_with_a_stale_timestamp_is_refused(vector_rig):
    v = VECTORS["verify_url"]  # signed in 2016; the clock says 2026
    response = await vector_rig.http.get(MEMBER_PATH, params={k: v[k] for k in
                                                               ("msg_signature", "timestamp", "nonce", "echostr")})
    assert (response.status_code, response.text) == (403, "forbidden")


async def test_official_message_is_accepted_and_answered(vector_rig, clock, fake):
    v = VECTORS["decrypt_message"]
    clock.set(datetime.fromtimestamp(int(v["timestamp"]) + 2, UTC))
    params = {k: v[k] for k in ("msg_signature", "timestamp", "nonce")}
    response = await vector_rig.post(MEMBER_PATH, params, v["post_body"])
    await vector_rig.settle()
    assert (response.status_code, response.text) == (200, "")
    assert logged(vector_rig) == ["你好"]
    assert fake.to("member", "ChenJiaShun"), "the member got an answer through message/send"


async def test_forged_signature_is_refused_and_nothing_is_handled(rig, fake):
    params, body = rig.sealed(rig.member_text("zhangsan", "ICP证续期要准备哪些材料"))
    params["msg_signature"] = "0" * 40
    response = await rig.post(MEMBER_PATH, params, body)
    await rig.settle()
    assert (response.status_code, response.text) == (403, "forbidden")
    assert logged(rig) == [] and fake.sent == []


async def test_stale_timestamp_is_refused(rig, clock):
    params, body = rig.sealed(rig.member_text("zhangsan", "你好"), ts=int(clock.now().timestamp()) - 301)
    assert (await rig.post(MEMBER_PATH, params, body)).status_code == 403
    params, body = rig.sealed(rig.member_text("zhangsan", "你好"), ts=int(clock.now().timestamp()) - 299)
    assert (await rig.post(MEMBER_PATH, params, body)).status_code == 200


async def test_message_for_another_corp_is_refused(rig, clock):
    other = WeComCrypto(TOKEN, AES_KEY, "wwANOTHERCORP")
    ts, nonce = str(int(clock.now().timestamp())), "n1"
    ciphertext, sig = other.seal(xmlmsg.render(rig.member_text("zhangsan", "你好")), ts, nonce)
    body = xmlmsg.render({"ToUserName": "wwANOTHERCORP", "Encrypt": ciphertext})
    response = await rig.post(MEMBER_PATH, {"msg_signature": sig, "timestamp": ts, "nonce": nonce}, body)
    assert (response.status_code, response.text) == (403, "forbidden")
    assert logged(rig) == []


async def _signed_post(rig, clock, path: str, ciphertext: str, envelope: str | None = None):
    ts, nonce = str(int(clock.now().timestamp())), "n2"
    sig = rig.crypto.sign(ts, nonce, ciphertext)
    body = envelope if envelope is not None else xmlmsg.render({"ToUserName": CORP_ID, "Encrypt": ciphertext})
    return await rig.post(path, {"msg_signature": sig, "timestamp": ts, "nonce": nonce}, body)


@pytest.mark.parametrize("path", [MEMBER_PATH, KF_PATH])
async def test_truncated_or_invalid_base64_is_a_bad_request(rig, clock, path):
    good = rig.crypto.encrypt(xmlmsg.render(rig.member_text("zhangsan", "你好")))
    for ciphertext in (good[:-7], "%%%not-base64%%%", good[: len(good) // 2]):
        response = await _signed_post(rig, clock, path, ciphertext)
        assert (response.status_code, response.text) == (400, "bad request")
    assert logged(rig) == []


async def test_encrypted_entity_bomb_is_a_bad_request(rig, clock):
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">]>'
            "<xml><FromUserName>zhangsan</FromUserName><MsgType>text</MsgType><Content>&b;</Content></xml>")
    response = await _signed_post(rig, clock, MEMBER_PATH, rig.crypto.encrypt(bomb))
    assert (response.status_code, response.text) == (400, "bad request")


@pytest.mark.parametrize("envelope", [
    "<xml><Encrypt>unclosed</xml>",
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Encrypt>&e;</Encrypt></xml>',
    "<xml><ToUserName>x</ToUserName></xml>",  # no <Encrypt>
    "",
])
async def test_malformed_envelope_is_a_bad_request(rig, clock, envelope):
    response = await _signed_post(rig, clock, MEMBER_PATH, "abc", envelope=envelope)
    assert (response.status_code, response.text) == (400, "bad request")


async def test_missing_query_parameters_are_a_bad_request(rig):
    assert (await rig.http.post(MEMBER_PATH, content="<xml/>")).status_code == 400
    assert (await rig.http.get(MEMBER_PATH, params={"msg_signature": "x"})).status_code == 400


async def test_oversized_body_is_refused_without_reading_it(rig, clock):
    response = await _signed_post(rig, clock, MEMBER_PATH, "abc", envelope="<xml>" + "x" * 300_000 + "</xml>")
    assert response.status_code == 400


async def test_a_retried_message_is_handled_once(rig, fake):
    params, body = rig.sealed(rig.member_text("zhangsan", "ICP证续期要准备哪些材料", msgid=777))
    for _ in range(3):  # WeCom retries when it did not get our answer in time
        assert (await rig.post(MEMBER_PATH, params, body)).status_code == 200
    await rig.settle()
    assert logged(rig) == ["ICP证续期要准备哪些材料"]
    assert len(fake.to("member", "zhangsan")) == 1


async def test_a_retried_event_is_recognised_by_sender_and_time(rig, fake):
    chat = rig.member("zhangsan")
    await chat.send("ICP证续期要准备哪些材料")
    _shown, key = chat.find_button("增值电信许可证年报什么时候报？")
    click = rig.card_click("zhangsan", key)
    for _ in range(2):
        params, body = rig.sealed(click)  # a retry: new nonce and signature, same event
        await rig.post(MEMBER_PATH, params, body)
    await rig.settle()
    assert logged(rig) == ["ICP证续期要准备哪些材料", "[增值电信许可证年报什么时候报？]"]  # a press: its label


async def test_the_callback_is_answered_before_the_work_is_done(rig, fake):
    """WeCom needs an answer within 5 seconds: the reply is sent later, from the background."""
    channel = rig.channels["wecom"]
    release, started = threading.Event(), threading.Event()
    real = channel.engine.handle

    def slow_handle(incoming, **kwargs):
        started.set()
        assert release.wait(10)
        return real(incoming, **kwargs)

    channel.engine.handle = slow_handle
    params, body = rig.sealed(rig.member_text("zhangsan", "ICP证续期要准备哪些材料"))
    response = await rig.post(MEMBER_PATH, params, body)
    assert (response.status_code, response.text) == (200, "")
    assert fake.sent == []  # acknowledged while the engine has not answered yet
    release.set()
    await rig.settle()
    assert started.is_set() and len(fake.to("member", "zhangsan")) == 1


async def test_two_workers_and_a_restart_handle_a_message_once(db_url, fake_server, fake, clock, crypto):
    """The dedupe table is in the database: a second process (or the same after a restart) skips it."""
    async for first in open_rig(db_url, fake_server[0], fake, clock, crypto):
        params, body = first.sealed(first.member_text("zhangsan", "ICP证续期要准备哪些材料", msgid=4242))
        async for second in open_rig(db_url, fake_server[0], fake, clock, crypto):
            assert (await first.post(MEMBER_PATH, params, body)).status_code == 200
            assert (await second.post(MEMBER_PATH, params, body)).status_code == 200
            await first.settle()
            await second.settle()
    async for restarted in open_rig(db_url, fake_server[0], fake, clock, crypto):
        assert (await restarted.post(MEMBER_PATH, params, body)).status_code == 200
        await restarted.settle()
        with restarted.services.db.session() as s:
            assert s.exec(select(func.count()).select_from(MessageLog).where(MessageLog.direction == "in")).one() == 1
    assert len(fake.to("member", "zhangsan")) == 1
