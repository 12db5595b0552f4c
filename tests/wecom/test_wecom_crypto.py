"""WeCom callback crypto: Tencent's published vectors, round trips, and every kind of tampering."""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from channels.wecom import xmlmsg
from channels.wecom.crypto import (
    BadSignature,
    MalformedCiphertext,
    StaleTimestamp,
    WeComCrypto,
    WrongReceiver,
    pkcs7_pad,
)

VECTORS = json.loads((Path(__file__).parent.parent / "fixtures" / "wecom-test-vectors.json").read_text("utf-8"))


@pytest.fixture
def official() -> WeComCrypto:
    return WeComCrypto(VECTORS["token"], VECTORS["encoding_aes_key"], VECTORS["receive_id"])


def test_official_url_verification_vector(official):
    v = VECTORS["verify_url"]
    assert official.open(v["msg_signature"], v["timestamp"], v["nonce"], v["echostr"]) == v["expected_plaintext"]


def test_official_message_vector(official):
    v = VECTORS["decrypt_message"]
    envelope = xmlmsg.parse(v["post_body"])
    plain = official.open(v["msg_signature"], v["timestamp"], v["nonce"], envelope["Encrypt"])
    assert plain == v["expected_plaintext"]
    assert xmlmsg.parse(plain)["Content"] == "你好"


def test_official_signature_is_reproduced(official):
    v = VECTORS["verify_url"]
    assert official.sign(v["timestamp"], v["nonce"], v["echostr"]) == v["msg_signature"]


def test_round_trip_with_chinese_emoji_and_a_long_message(official):
    for message in ["", "你好", "🙏" * 10, "<xml>" + "续期" * 5000 + "</xml>"]:
        ciphertext, sig = official.seal(message, "1700000000", "abc")
        assert official.open(sig, "1700000000", "abc", ciphertext) == message


def test_padding_is_to_32_bytes(official):
    raw = base64.b64decode(official.encrypt("x"))
    assert len(raw) % 32 == 0
    assert pkcs7_pad(b"a" * 32)[-32:] == bytes([32]) * 32


def test_flipped_signature_is_refused(official):
    ciphertext, sig = official.seal("hello", "1700000000", "abc")
    flipped = ("1" if sig[0] != "1" else "2") + sig[1:]
    with pytest.raises(BadSignature):
        official.open(flipped, "1700000000", "abc", ciphertext)


def test_signature_over_other_timestamp_or_nonce_is_refused(official):
    ciphertext, sig = official.seal("hello", "1700000000", "abc")
    with pytest.raises(BadSignature):
        official.open(sig, "1700000001", "abc", ciphertext)
    with pytest.raises(BadSignature):
        official.open(sig, "1700000000", "abd", ciphertext)


def test_other_token_is_refused():
    a = WeComCrypto("token-a", VECTORS["encoding_aes_key"], "corp")
    b = WeComCrypto("token-b", VECTORS["encoding_aes_key"], "corp")
    ciphertext, sig = a.seal("hi", "1", "n")
    with pytest.raises(BadSignature):
        b.open(sig, "1", "n", ciphertext)


def test_stale_and_future_timestamps_are_refused(official):
    ciphertext, sig = official.seal("hello", "1700000000", "abc")
    assert official.open(sig, "1700000000", "abc", ciphertext, now=1700000000 + 299, max_age=300) == "hello"
    with pytest.raises(StaleTimestamp):
        official.open(sig, "1700000000", "abc", ciphertext, now=1700000000 + 301, max_age=300)
    with pytest.raises(StaleTimestamp):
        official.open(sig, "1700000000", "abc", ciphertext, now=1700000000 - 301, max_age=300)


def test_wrong_receiver_id_is_refused(official):
    other = WeComCrypto(VECTORS["token"], VECTORS["encoding_aes_key"], "wwSOMEONEELSE")
    ciphertext, sig = other.seal("hello", "1", "n")
    with pytest.raises(WrongReceiver):
        official.open(sig, "1", "n", ciphertext)


def test_truncated_or_non_base64_ciphertext_is_malformed(official):
    ciphertext = official.encrypt("hello")
    for bad in [ciphertext[:-5], ciphertext[:10], "!!notbase64!!", ciphertext[:-24] + "=="]:
        with pytest.raises(MalformedCiphertext):
            official.decrypt(bad)


def _encrypt_raw(crypto: WeComCrypto, plain: bytes) -> str:
    enc = Cipher(algorithms.AES(crypto.key), modes.CBC(crypto.key[:16])).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode()


def test_bad_padding_is_malformed(official):
    body = b"\x00" * 16 + struct.pack(">I", 2) + b"hi" + official.receive_id.encode()
    padded = pkcs7_pad(body)
    broken = padded[:-2] + bytes([padded[-1] - 1, padded[-1]])  # pad bytes disagree
    with pytest.raises(MalformedCiphertext, match="padding"):
        official.decrypt(_encrypt_raw(official, broken))
    zero_pad = body + b"\x00" * (32 - len(body) % 32)
    with pytest.raises(MalformedCiphertext, match="padding"):
        official.decrypt(_encrypt_raw(official, zero_pad))


def test_length_running_past_the_plaintext_is_malformed(official):
    body = b"\x00" * 16 + struct.pack(">I", 10_000) + b"hi" + official.receive_id.encode()
    with pytest.raises(MalformedCiphertext, match="length"):
        official.decrypt(_encrypt_raw(official, pkcs7_pad(body)))


def test_bad_aes_key_setting_is_explained():
    with pytest.raises(ValueError, match="43"):
        WeComCrypto("t", "short", "corp")
    with pytest.raises(ValueError, match="WECOM_TOKEN"):
        WeComCrypto("", VECTORS["encoding_aes_key"], "corp")


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><Content>&lol3;</Content></xml>"""

EXTERNAL = """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><C>&e;</C></xml>"""


@pytest.mark.parametrize("document", [BOMB, EXTERNAL, "<xml><a>unclosed</xml>", "not xml at all", "<other/>",
                                      "", "<xml>" + "<a>x</a>" * 40_000 + "</xml>"])
def test_hostile_or_broken_xml_is_refused(document):
    with pytest.raises(xmlmsg.MalformedXml):
        xmlmsg.parse(document)


def test_xml_render_and_parse_round_trip_with_cdata_breakers():
    fields = {"Content": "a]]>b <tag> & 你好", "CreateTime": 123}
    assert xmlmsg.parse(xmlmsg.render(fields)) == {"Content": "a]]>b <tag> & 你好", "CreateTime": "123"}
