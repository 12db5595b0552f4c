"""Senders for proactive messages (outbox rows), within what each WeCom chat may receive unprompted.

    wecom     (members)        → message/send, always allowed (30 a minute per member)
    wecom_kf  (WeChat clients) → kf/send_msg while their 48-hour window is open and the 5-message
                                 allowance lasts; otherwise ROUTED: their consultant gets a member
                                 message with the text ready to forward (the robot group if no
                                 consultant is known). Never silently dropped.

The ROUTED convention for the dispatcher: SendResult(ok=True, error="routed: <to whom> (<why>)").
ok=True because it was delivered — to a stand-in; the error text starts with ROUTED so the
dispatcher stores it (last_error) and can count the row as routed rather than sent.
If nobody can be reached the result is a retry in an hour whose error names the missing settings.
"""

from __future__ import annotations

import logging

from bot import keyboard
from bot.messages import Reply
from bot.outbox import SendResult
from channels.wecom import store
from channels.wecom.kf import KfMessenger
from channels.wecom.members import MemberMessenger
from channels.wecom.models import WeComKfClient
from channels.wecom.robot import RobotMessenger

log = logging.getLogger(__name__)

ROUTED = "routed:"

WHY = {
    "closed": ("客户最后一次发消息已超过48小时，微信客服会话窗口已关闭", "48-hour window closed"),
    "used-up": ("客户上次发消息后已发满5条，本轮额度已用完", "5-message allowance used up"),
    "unknown": ("客户还没有通过微信客服给我们发过消息", "client never wrote to customer service"),
}


def is_routed(result: SendResult) -> bool:
    return result.ok and result.error.startswith(ROUTED)


def forward_text(external_userid: str, client: WeComKfClient | None, reply: Reply, why_zh: str) -> str:
    """The member message a consultant forwards to the client by hand."""
    who = (client.nickname if client and client.nickname else "微信客户") + f"（外部联系人 {external_userid}）"
    lines = [f"【请转发给客户】{who}", f"原因：{why_zh}，机器人无法直接发送。请把下面的内容通过微信发给客户：",
             "————————", reply.text.strip()]
    if reply.buttons:
        lines.append("（原消息附带的选项：" + " / ".join(b.label for b in reply.buttons) + "）")
    return "\n".join(lines)


class MemberSender:
    """Outbox rows of the "wecom" channel: members can always be messaged."""

    channel = "wecom"
    self_limited = True  # the messenger keeps to 30 a minute per member: the dispatcher does not pace it

    def __init__(self, messenger: MemberMessenger) -> None:
        self.messenger = messenger

    async def send(self, chat_id: str, reply: Reply) -> SendResult:
        return await self.messenger.deliver(chat_id, [reply], proactive=True)


class ConsultantRelay:
    """Gets a message for a client the bot may not message to a person who can."""

    def __init__(self, members: MemberMessenger | None, robot: RobotMessenger | None,
                 fallback_consultant: str) -> None:
        self.members = members
        self.robot = robot
        self.fallback_consultant = fallback_consultant

    async def relay(self, external_userid: str, client: WeComKfClient | None, reply: Reply,
                    why: tuple[str, str], consultant: str = "") -> SendResult:
        why_zh, why_en = why
        note = Reply(forward_text(external_userid, client, reply, why_zh), attachment=reply.attachment)
        return await self.tell(note, why_en, consultant)

    async def tell(self, note: Reply, why_en: str, consultant: str = "") -> SendResult:
        """Deliver a note to the client's consultant (a member message), else to the consultants' group."""
        consultant = consultant or self.fallback_consultant
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
    """Outbox rows of the "wecom_kf" channel: direct while the window allows, else via the consultant."""

    channel = "wecom_kf"

    def __init__(self, messenger: KfMessenger, relay: ConsultantRelay) -> None:
        self.messenger = messenger
        self.relay = relay

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
        consultant = await store.in_db(services, store.consultant_of, chat_id)
        return await self.relay.relay(chat_id, client, reply, why, consultant)
