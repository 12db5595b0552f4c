"""WeCom callback message crypto (企业微信回调加解密), written on `cryptography`.

    signature  = sha1(sorted([token, timestamp, nonce, ciphertext]) joined).hexdigest()
    key        = base64decode(EncodingAESKey + "=")   (32 bytes: AES-256)
    iv         = key[:16]
    plaintext  = 16 random bytes | 4-byte big-endian length | message | receive_id
    padding    = PKCS#7 to a multiple of 32 bytes (pad values 1..32)
    ciphertext = base64(AES-256-CBC(plaintext))

Errors say what was wrong without echoing secrets: `BadSignature` and `WrongReceiver` are
refusals (403); `MalformedCiphertext` is a broken request (400).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeCom pads to 32 bytes, not AES's 16
RANDOM_PREFIX = 16


class CryptoError(Exception):
    """A callback that cannot be trusted or read."""

    status = 400


class BadSignature(CryptoError):
    status = 403


class StaleTimestamp(CryptoError):
    status = 403


class WrongReceiver(CryptoError):
    status = 403


class MalformedCiphertext(CryptoError):
    status = 400


def signature(token: str, timestamp: str, nonce: str, ciphertext: str) -> str:
    """The hex SHA-1 of the four strings sorted and concatenated."""
    joined = "".join(sorted([token, timestamp, nonce, ciphertext]))
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()


def aes_key_from(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key of a 43-character EncodingAESKey."""
    if len(encoding_aes_key) != 43:
        raise ValueError("WECOM_AES_KEY must be the 43-character EncodingAESKey")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error:
        raise ValueError("WECOM_AES_KEY is not valid base64") from None
    if len(key) != 32:
        raise ValueError("WECOM_AES_KEY does not decode to 32 bytes")
    return key


def pkcs7_pad(data: bytes) -> bytes:
    n = BLOCK - len(data) % BLOCK
    return data + bytes([n]) * n


def pkcs7_unpad(data: bytes) -> bytes:
    if not data:
        raise MalformedCiphertext("empty plaintext")
    n = data[-1]
    if not 1 <= n <= BLOCK or n > len(data) or data[-n:] != bytes([n]) * n:
        raise MalformedCiphertext("bad padding")
    return data[:-n]


class WeComCrypto:
    """Signs, verifies, encrypts and decrypts callback payloads for one receiver id (the CorpID)."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str,
                 random_bytes: Callable[[int], bytes] = os.urandom) -> None:
        if not token:
            raise ValueError("WECOM_TOKEN is empty")
        self.token = token
        self.key = aes_key_from(encoding_aes_key)
        self.receive_id = receive_id
        self._random = random_bytes

    def sign(self, timestamp: str, nonce: str, ciphertext: str) -> str:
        return signature(self.token, timestamp, nonce, ciphertext)

    def verify(self, msg_signature: str, timestamp: str, nonce: str, ciphertext: str,
               now: float | None = None, max_age: float | None = None) -> None:
        """Raise unless the signature matches (constant-time) and the timestamp is fresh."""
        expected = self.sign(timestamp, nonce, ciphertext)
        if not hmac.compare_digest(expected.encode("ascii"), msg_signature.encode("utf-8", "replace")):
            raise BadSignature("signature does not match")
        if now is not None and max_age is not None:
            try:
                sent = int(timestamp)
            except ValueError:
                raise StaleTimestamp("timestamp is not a number") from None
            if abs(now - sent) > max_age:
                raise StaleTimestamp(f"timestamp is {int(now - sent)} s away from now")

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, message: str) -> str:
        """Base64 ciphertext of the message for this receiver id."""
        body = message.encode("utf-8")
        plain = self._random(RANDOM_PREFIX) + struct.pack(">I", len(body)) + body + self.receive_id.encode()
        enc = self._cipher().encryptor()
        return base64.b64encode(enc.update(pkcs7_pad(plain)) + enc.finalize()).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        """The message inside; raises unless it is well formed and addressed to our receiver id."""
        try:
            raw = base64.b64decode(ciphertext, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedCiphertext("ciphertext is not valid base64") from None
        if not raw or len(raw) % 16:
            raise MalformedCiphertext("ciphertext length is not a whole number of AES blocks")
        dec = self._cipher().decryptor()
        plain = pkcs7_unpad(dec.update(raw) + dec.finalize())
        if len(plain) < RANDOM_PREFIX + 4:
            raise MalformedCiphertext("plaintext too short")
        (length,) = struct.unpack(">I", plain[RANDOM_PREFIX:RANDOM_PREFIX + 4])
        start = RANDOM_PREFIX + 4
        if start + length > len(plain):
            raise MalformedCiphertext("message length runs past the plaintext")
        message, receiver = plain[start:start + length], plain[start + length:]
        if not hmac.compare_digest(receiver, self.receive_id.encode()):
            raise WrongReceiver("message is addressed to another receiver id")
        try:
            return message.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedCiphertext("message is not UTF-8") from None

    def open(self, msg_signature: str, timestamp: str, nonce: str, ciphertext: str,
             now: float | None = None, max_age: float | None = None) -> str:
        """Verify, then decrypt: the one call a callback needs."""
        self.verify(msg_signature, timestamp, nonce, ciphertext, now, max_age)
        return self.decrypt(ciphertext)

    def seal(self, message: str, timestamp: str, nonce: str) -> tuple[str, str]:
        """(ciphertext, signature) for a message: what WeCom would post (used by tests and replies)."""
        ciphertext = self.encrypt(message)
        return ciphertext, self.sign(timestamp, nonce, ciphertext)
