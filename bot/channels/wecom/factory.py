"""Building the WeCom channels from settings, for the CHANNEL_FACTORIES table of `licensebot run`.

    wecom        members (自建应用)          WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN, WECOM_AES_KEY
    wecom_kf     WeChat clients (微信客服)   WECOM_CORP_ID, WECOM_KF_SECRET, WECOM_TOKEN, WECOM_AES_KEY
    wecom_robot  consultants' group robot   WECOM_ROBOT_KEY

The channel modules are imported when a channel is built, so other commands start fast.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    import ssl

    import httpx

    from bot.channels.wecom.crypto import WeComCrypto
    from bot.channels.wecom.kf import KfChannel
    from bot.channels.wecom.members import MemberChannel, MemberMessenger
    from bot.channels.wecom.robot import RobotChannel, RobotMessenger
    from bot.engine import Engine


def members_configured(s: Settings) -> bool:
    return bool(s.wecom_corp_id and s.wecom_agent_id and s.wecom_secret and s.wecom_token and s.wecom_aes_key)


def kf_configured(s: Settings) -> bool:
    return bool(s.wecom_corp_id and s.wecom_kf_secret and s.wecom_token and s.wecom_aes_key)


def robot_configured(s: Settings) -> bool:
    return bool(s.wecom_robot_key)


@functools.cache
def tls() -> ssl.SSLContext:
    """One TLS context for every WeCom client of the process (loading CA certificates is slow)."""
    import httpx

    return httpx.create_ssl_context()


def http_client() -> httpx.AsyncClient:
    import httpx

    return httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=5.0), verify=tls())


def crypto_of(s: Settings) -> WeComCrypto:
    from bot.channels.wecom.crypto import WeComCrypto

    return WeComCrypto(s.wecom_token, s.wecom_aes_key, s.wecom_corp_id)


def member_messenger(engine: Engine, http: httpx.AsyncClient) -> MemberMessenger:
    from bot.channels.wecom.api import RateLimiter, WeComApi
    from bot.channels.wecom.members import PER_MEMBER_PER_MINUTE, MemberMessenger

    s, clock = engine.services.settings, engine.services.clock
    api = WeComApi(http, clock, s.wecom_corp_id, s.wecom_secret, s.wecom_api_base, label="app")
    return MemberMessenger(engine, api, s.wecom_agent_id, RateLimiter(clock, PER_MEMBER_PER_MINUTE),
                           s.wecom_duplicate_check_interval)


def robot_messenger(engine: Engine, http: httpx.AsyncClient) -> RobotMessenger:
    from bot.channels.wecom.robot import RobotMessenger

    s = engine.services.settings
    return RobotMessenger(http, engine.services.clock, s.wecom_robot_key, s.wecom_api_base)


def build_members(engine: Engine) -> MemberChannel:
    from bot.channels.wecom.members import MemberChannel

    s = engine.services.settings
    return MemberChannel(engine, member_messenger(engine, http_client()), crypto_of(s), s.wecom_callback_max_age)


def build_kf(engine: Engine) -> KfChannel:
    from bot.channels.wecom.api import WeComApi
    from bot.channels.wecom.kf import KfChannel, KfMessenger
    from bot.channels.wecom.sender import ConsultantRelay, KfSender

    s, clock = engine.services.settings, engine.services.clock
    http = http_client()  # one client for the KF API and the relay's member app and robot; closed on stop
    api = WeComApi(http, clock, s.wecom_corp_id, s.wecom_kf_secret, s.wecom_api_base, label="kf")
    messenger = KfMessenger(engine, api)
    relay = ConsultantRelay(member_messenger(engine, http) if members_configured(s) else None,
                            robot_messenger(engine, http) if robot_configured(s) else None, s.wecom_kf_consultant)
    return KfChannel(engine, messenger, crypto_of(s), s.wecom_callback_max_age, KfSender(messenger, relay))


def build_robot(engine: Engine) -> RobotChannel:
    from bot.channels.wecom.robot import RobotChannel

    return RobotChannel(robot_messenger(engine, http_client()))
