"""Building the WeCom channels from settings, for the CHANNEL_FACTORIES table of `licensebot run`.

    wecom        members (自建应用)          WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN, WECOM_AES_KEY
    wecom_kf     WeChat clients (微信客服)   WECOM_CORP_ID, WECOM_KF_SECRET, WECOM_TOKEN, WECOM_AES_KEY
    wecom_robot  consultants' group robot   WECOM_ROBOT_KEY

The channel modules are imported when a channel is built, so other commands start fast.
Customer Service is handed its StandIn (bot/undeliverable.py: who gets what a client cannot be sent)
by the composition root, which knows the features.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    import ssl

    import httpx

    from bot.context import Services
    from bot.engine import Engine
    from bot.outbox import Sender
    from bot.undeliverable import StandIn
    from channels.wecom.crypto import WeComCrypto
    from channels.wecom.kf import KfChannel
    from channels.wecom.members import MemberChannel, MemberMessenger
    from channels.wecom.robot import RobotChannel, RobotMessenger
    from channels.wecom.sender import KfSender


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
    from channels.wecom.crypto import WeComCrypto

    return WeComCrypto(s.wecom_token, s.wecom_aes_key, s.wecom_corp_id)


def member_messenger(services: Services, http: httpx.AsyncClient) -> MemberMessenger:
    from channels.wecom.api import WeComApi, per_minute
    from channels.wecom.members import MEMBER_SCOPE, PER_MEMBER_PER_MINUTE, MemberMessenger

    s, clock = services.settings, services.clock
    api = WeComApi(http, clock, s.wecom_corp_id, s.wecom_secret, s.wecom_api_base, label="app")
    limiter = per_minute(clock, MEMBER_SCOPE, PER_MEMBER_PER_MINUTE, services.db)  # shared on PostgreSQL
    return MemberMessenger(services, api, s.wecom_agent_id, limiter, s.wecom_duplicate_check_interval)


def robot_messenger(services: Services, http: httpx.AsyncClient) -> RobotMessenger:
    from channels.wecom.robot import RobotMessenger

    s = services.settings
    return RobotMessenger(http, services.clock, s.wecom_robot_key, s.wecom_api_base, services.db)  # shared on PostgreSQL


def build_members(engine: Engine) -> MemberChannel:
    from channels.wecom.members import MemberChannel

    s = engine.services.settings
    return MemberChannel(engine, member_messenger(engine.services, http_client()), crypto_of(s),
                         s.wecom_callback_max_age)


def kf_sender(services: Services, http: httpx.AsyncClient, stand_in: StandIn) -> KfSender:
    """The Customer Service sender, with its relay to consultants (member app) or the robot group."""
    from channels.wecom.api import WeComApi
    from channels.wecom.kf import KfMessenger
    from channels.wecom.sender import ConsultantRelay, KfSender

    s, clock = services.settings, services.clock
    api = WeComApi(http, clock, s.wecom_corp_id, s.wecom_kf_secret, s.wecom_api_base, label="kf")
    relay = ConsultantRelay(member_messenger(services, http) if members_configured(s) else None,
                            robot_messenger(services, http) if robot_configured(s) else None)
    return KfSender(KfMessenger(services, api), relay, stand_in)


def build_kf(engine: Engine, stand_in: StandIn) -> KfChannel:
    from channels.wecom.kf import KfChannel

    s = engine.services.settings
    sender = kf_sender(engine.services, http_client(), stand_in)  # one HTTP client for the KF API and the relay
    return KfChannel(engine, sender.messenger, crypto_of(s), s.wecom_callback_max_age, sender)


def build_robot(engine: Engine) -> RobotChannel:
    from channels.wecom.robot import RobotChannel

    return RobotChannel(robot_messenger(engine.services, http_client()))


def build_senders(services: Services, stand_in: StandIn) -> dict[str, Sender]:
    """Senders of the configured WeCom channels, for a scheduler process that serves no callbacks."""
    from channels.wecom.members import MemberSender
    from channels.wecom.robot import RobotSender

    s = services.settings
    senders: dict[str, Sender] = {}
    if members_configured(s):
        senders["wecom"] = MemberSender(member_messenger(services, http_client()))
    if kf_configured(s):
        senders["wecom_kf"] = kf_sender(services, http_client(), stand_in)
    if robot_configured(s):
        senders["wecom_robot"] = RobotSender(robot_messenger(services, http_client()))
    return senders
