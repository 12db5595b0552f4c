"""Senders for proactive messages (outbox rows) to WeChat clients, within what they may receive unprompted.

    wecom_kf  (WeChat clients) → kf/send_msg while their 48-hour window is open and the 5-message
                                 allowance lasts; otherwise the channel reports the reply as
                                 undeliverable to its StandIn (bot/undeliverable.py, wired by the
                                 composition root), which says who gets what instead: the relay sends
                                 that note to the consultant as a member message (the robot group if
                                 no consultant is known). Never silently dropped.

A routed send returns SendResult(ok=True, error="routed: <to whom> (<why>)") (bot/undeliverable.py).
If nobody can be reached the result is a retry in an hour whose error names the missing settings.
The members' Sender is in members.py.
"""

from __future__ import annotations

import logging

from bot import keyboard
from bot.messages import ChatRef, Reply
from bot.outbox import SendResult
from bot.undeliverable import ROUTED, StandIn, Undeliverable
from channels.wecom import store
from channels.wecom.kf import KfMessenger, client_name
from channels.wecom.members import MemberMessenger
from channels.wecom.robot import RobotMessenger

log = logging.getLogger(__name__)

WHY = {
    "closed": ("客户最后一次发消息已超过48小时，微信客服会话窗口已关闭", "48-hour window closed"),
    "used-up": ("客户上次发消息后已发满5条，本轮额度已用完", "5-message allowance used up"),
    "unknown": ("客户还没有通过微信客服给我们发过消息", "client never wrote to customer service"),
}


class ConsultantRelay:
    """Gets a note about a client the bot may not message to the consultant it is told (a person who can)."""

    def __init__(self, members: MemberMessenger | None, robot: RobotMessenger | None) -> None:
        self.members = members
        self.robot = robot

    async def tell(self, note: Reply, why_en: str, consultant: str = "") -> SendResult:
        """Deliver a note to the client's consultant (a member message), else to the consultants' group."""
        if self.members is not None and consultant:
            result = await self.members.deliver(consultant, [note], proactive=True)
            if result.ok:
                return SendResult(ok=True, platform_id=result.platform_id,
                                  error=f"{ROUTED} consultant wecom:{consultant} ({why_en})")
            if not result.permanent or self.robot is None:
                return result
        if self.robot is not None:
            result = await self.robot.deliver(note, mentions=(consultant,) if consultant else ())
            if result.ok:
                return SendResult(ok=True, error=f"{ROUTED} consultants' group robot ({why_en})")
            return result
        # Not permanent: it is a configuration gap, and the dispatcher retries until it is fixed.
        return SendResult(ok=False, retry_after=3600.0,
                          error=f"undeliverable ({why_en}): no consultant to route to; set WECOM_SECRET, "
                                "WECOM_AGENT_ID and WECOM_KF_CONSULTANT, or WECOM_ROBOT_KEY")


class KfSender:
    """Outbox rows of the "wecom_kf" channel: direct while the window allows, else what the stand-in says."""

    channel = "wecom_kf"

    def __init__(self, messenger: KfMessenger, relay: ConsultantRelay, stand_in: StandIn) -> None:
        self.messenger = messenger
        self.relay = relay
        self.stand_in = stand_in

    async def send(self, chat_id: str, reply: Reply) -> SendResult:
        services = self.messenger.services
        items = await self.messenger.render(reply)
        now = services.clock.now()
        state, client = await store.in_db(services, store.reserve, services, chat_id, len(items), now)
        if state == "open" and client is not None:
            result = await self.messenger.send_reserved(chat_id, client.open_kfid, items)
            if result.ok and reply.buttons:
                await store.in_db(services, keyboard.shown_later, self.channel, chat_id, reply.buttons, now)
            if result.ok or (result.retry_after is not None and result.retry_after < 300):
                return result  # sent, or a passing problem (rate limit, network): the dispatcher retries
            why = (f"直接发送失败（{result.error}）", f"direct send failed: {result.error}")
            # WeCom disagrees with our count (a servicer's messages count too, or an error code we do not
            # know): the window is spent until the client writes again, so what follows goes straight to
            # the consultant instead of failing at WeCom first, for as long as our window says "open".
            await store.in_db(services, store.spend_allowance, chat_id)
        else:
            why = WHY[state]
        log.info("wecom_kf: message routed to a consultant (%s)", why[1], extra={"chat_id": chat_id})
        servicer = await store.in_db(services, store.servicer_of, chat_id)
        item = Undeliverable(ChatRef(self.channel, chat_id), reply, why, client_name(chat_id, client), servicer)
        redirect = await store.in_db(services, self.stand_in.redirect, item)
        return await self.relay.tell(redirect.note, redirect.why, redirect.to)

    async def tell_consultant(self, chat_id: str, note: Reply, why_en: str) -> SendResult:
        """A note about a client (e.g. a message that can no longer be answered) to their consultant."""
        services = self.messenger.services
        servicer = await store.in_db(services, store.servicer_of, chat_id)
        consultant = await store.in_db(services, self.stand_in.consultant_for, ChatRef(self.channel, chat_id),
                                       servicer)
        return await self.relay.tell(note, why_en, consultant)
