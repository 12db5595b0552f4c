"""The consultants' daily digest: licences expiring soon, posted once a business day to their group.

    every sweep ─▶ after DIGEST_HOUR (Asia/Shanghai) and CONSULTANT_GROUP set ─▶ one Outbox row,
                   dedupe key "digest:<channel>:<chat>:<date>" (later sweeps that day write nothing)

With CONSULTANT_GROUP=wecom_robot:consultants the group robot posts it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from bot.clock import SHANGHAI
from bot.messages import ChatRef, Reply
from bot.outbox import enqueue
from bot.settings import Settings
from registry.models import License

MAX_LINES = 30


def digest_reply(licenses: list[License], today: date, days: int) -> Reply:
    """One message listing the licences that expire within `days`, soonest first."""
    lines = [f"【到期提醒汇总 {today.isoformat()}】未来{days}天内到期的许可证：{len(licenses)}张"]
    for lic in licenses[:MAX_LINES]:
        left = (lic.expires_on - today).days
        lines.append(f"・{lic.expires_on.isoformat()}（{left}天）{lic.number} {lic.company}")
    if len(licenses) > MAX_LINES:
        lines.append(f"……另有{len(licenses) - MAX_LINES}张，用 licensebot licenses export 查看全部")
    return Reply("\n".join(lines), tags=("digest",))


def enqueue_digest(session: Session, group: ChatRef, today: date, now: datetime, days: int) -> bool:
    """Write today's digest for the group unless it is written already or nothing expires soon."""
    soon = list(session.exec(select(License).where(License.expires_on >= today,
                                                   License.expires_on <= today + timedelta(days=days))
                             .order_by(License.expires_on, License.number)))  # type: ignore[arg-type]
    if not soon:
        return False
    key = f"digest:{group.channel}:{group.chat_id}:{today.isoformat()}"
    return enqueue(session, group, digest_reply(soon, today, days), "digest", key, now)


def post_digest(settings: Settings, session: Session, now: datetime) -> bool:
    """The sweep's hook: today's digest once the hour has come, if there is a consultants' group."""
    from bot.staff import staff

    group = staff(settings).group
    local = now.astimezone(SHANGHAI)
    if group is None or settings.digest_hour < 0 or local.hour < settings.digest_hour:
        return False
    return enqueue_digest(session, group, local.date(), now, settings.digest_days)
