"""Who acts for the bot when a channel cannot reach a client: the features the composition root
hands the channels (bot/undeliverable.py; the rule is intents/forwarding.py)."""

from __future__ import annotations

from bot.settings import Settings
from bot.undeliverable import StandIn
from intents.forwarding import ConsultantStandIn, default_consultant


def wecom_kf_stand_in(settings: Settings) -> StandIn:
    """WeChat clients the Customer Service window does not let us message: their consultant forwards
    it as a WeCom member (WECOM_KF_CONSULTANT, else the first WeCom member among CONSULTANTS)."""
    return ConsultantStandIn("wecom", default_consultant(settings, "wecom", settings.wecom_kf_consultant))
