"""Building the WeCom channels from settings, for the CHANNEL_FACTORIES table of `licensebot run`.

    wecom        members (自建应用)          WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN, WECOM_AES_KEY
    wecom_kf     WeChat clients (微信客服)   WECOM_CORP_ID, WECOM_KF_SECRET, WECOM_TOKEN, WECOM_AES_KEY
    wecom_robot  consultants' group robot   WECOM_ROBOT_KEY
"""

from __future__ import annotations

import functools
import ssl

import httpx

from bot.channels.wecom.api import RateLimiter, WeComApi
from bot.channels.wecom.crypto import WeComCrypto
from bot.channels.wecom.kf import KfChannel, KfMessenger
from bot.channels.wecom.members import PER_MEMBER_PER_MINUTE, MemberChannel, MemberMessenger
from bot.channels.wecom.robot import RobotChannel, RobotMessenger
from bot.channels.wecom.sender import ConsultantRelay, KfSender
from bot.engine import Engine
from bot.settings import Settings

HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


@functools.cache
def tls() -> ssl.SSLContext:
    """One TLS context for every WeCom client of the process (loading CA certificates is slow)."""
    return httpx.create_ssl_context()


def http_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=HTTP_TIMEOUT, verify=tls())


def members_configured(s: Settings) -> bool:
    return bool(s.wecom_corp_id and s.wecom_agent_id and s.wecom_secret and s.wecom_token and s.wecom_aes_key)


def kf_configured(s: Settings) -> bool:
    return bool(s.wecom_corp_id and s.wecom_kf_secret and s.wecom_token and s.wecom_aes_key)


def robot_configured(s: Settings) -> bool:
    return bool(s.wecom_robot_key)


def crypto_of(s: Settings) -> WeComCrypto:
    return WeComCrypto(s.wecom_token, s.wecom_aes_key, s.wecom_corp_id)


def member_messenger(engine: Engine, http: httpx.AsyncClient) -> MemberMessenger:
    s, clock = engine.services.settings, engine.services.clock
    api = WeComApi(http, clock, s.wecom_corp_id, s.wecom_secret,
                   s.wecom_api_base, label="app")
    return MemberMessenger(engine, api, s.wecom_agent_id, RateLimiter(clock, PER_MEMBER_PER_MINUTE),
                           s.wecom_duplicate_check_interval)


def robot_messenger(engine: Engine, http: httpx.AsyncClient) -> RobotMessenger:
    s = engine.services.settings
    return RobotMessenger(http, engine.services.clock, s.wecom_robot_key,
                          s.wecom_api_base)


def build_members(engine: Engine) -> MemberChannel:
    s = engine.services.settings
    return MemberChannel(engine, member_messenger(engine, http_client()), crypto_of(s), s.wecom_callback_max_age)


def build_kf(engine: Engine) -> KfChannel:
    s, clock = engine.services.settings, engine.services.clock
    http = http_client()  # one client for the KF API and the relay's member app and robot; closed on stop
    api = WeComApi(http, clock, s.wecom_corp_id, s.wecom_kf_secret, s.wecom_api_base, label="kf")
    messenger = KfMessenger(engine, api)
    relay = ConsultantRelay(member_messenger(engine, http) if members_configured(s) else None,
                            robot_messenger(engine, http) if robot_configured(s) else None, s.wecom_kf_consultant)
    return KfChannel(engine, messenger, crypto_of(s), s.wecom_callback_max_age, KfSender(messenger, relay))


def build_robot(engine: Engine) -> RobotChannel:
    return RobotChannel(robot_messenger(engine, http_client()))
