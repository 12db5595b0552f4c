"""Ticket operations shared by the client side (handoff.py) and the consultants' side (consult.py).

Everything a ticket sends to someone other than the sender of the current message goes through the
Outbox, in the same transaction as the ticket change. Messages to a consultant's private chat are
remembered in TicketRelay, so a consultant's reply to one of them reaches the right client.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from bot import keyboard
from bot.clock import as_utc
from bot.context import Context
from bot.hours import business_hours
from bot.language import pick
from bot.messages import Button, ChatRef, Incoming, Reply
from bot.outbox import enqueue
from bot.ownership import BOT, CONSULTANT, Owner
from bot.settings import Settings
from bot.staff import private_chat, staff, user_lang
from bot.storage.models import Conversation, Outbox
from intents.case_packet import build_packet, headline, last_question, reason_text, short
from intents.handoff_models import CLAIMED, CLOSED, WAITING, Ticket, TicketRelay

MAX_TICKET_ID = 2**31 - 1


TICKETS = Ticket.__table__  # type: ignore[attr-defined]
HAS_OPEN = core_select(TICKETS.c.id).where(TICKETS.c.open_key == bindparam("key"))


def client_key(channel: str, user_id: str) -> str:
    return f"{channel}:{user_id}"[:200]


def parse_ticket_id(text: str) -> int | None:
    """'12', '#12' -> 12; anything else -> None."""
    text = text.strip().lstrip("#")
    return int(text) if text.isdigit() and 0 < int(text) <= MAX_TICKET_ID else None


def has_open_ticket(session: Session, channel: str, user_id: str) -> bool:
    """Whether the client has a waiting or claimed ticket: a cheap look, asked on every message."""
    return session.execute(HAS_OPEN, {"key": client_key(channel, user_id)}).first() is not None


def open_ticket(session: Session, channel: str, user_id: str, lock: bool = False) -> Ticket | None:
    """The client's waiting or claimed ticket, if any."""
    stmt = select(Ticket).where(Ticket.open_key == client_key(channel, user_id))
    return session.exec(stmt.with_for_update() if lock else stmt).first()


def find_ticket(session: Session, ticket_id: int, lock: bool = False) -> Ticket | None:
    stmt = select(Ticket).where(Ticket.id == ticket_id)
    return session.exec(stmt.with_for_update() if lock else stmt).first()


def claimed_by(session: Session, channel: str, user_id: str) -> list[Ticket]:
    """The tickets a consultant currently holds, oldest first."""
    return list(session.exec(select(Ticket).where(
        Ticket.status == CLAIMED, Ticket.consultant_channel == channel, Ticket.consultant_id == user_id,
    ).order_by(col(Ticket.id))).all())


def queue(session: Session) -> list[Ticket]:
    """Waiting tickets (oldest first), then claimed ones."""
    rows = session.exec(select(Ticket).where(col(Ticket.status).in_((WAITING, CLAIMED)))
                        .order_by(col(Ticket.id))).all()
    return [t for t in rows if t.status == WAITING] + [t for t in rows if t.status == CLAIMED]


def queue_lengths(session: Session) -> dict[str, int]:
    """How many tickets wait and how many are claimed (for the operators' /metrics)."""
    rows = session.execute(select(Ticket.status, func.count()).where(col(Ticket.status).in_((WAITING, CLAIMED)))
                           .group_by(Ticket.status)).all()
    return {WAITING: 0, CLAIMED: 0} | {str(status): int(n) for status, n in rows}


def ticket_for_reply(session: Session, incoming: Incoming) -> Ticket | None:
    """The ticket whose relayed message the consultant is replying to (Incoming.reply_to)."""
    if not incoming.reply_to:
        return None
    relay = session.exec(select(TicketRelay).where(
        TicketRelay.channel == incoming.channel, TicketRelay.chat_id == incoming.chat_id,
        TicketRelay.platform_id == incoming.reply_to[:128])).first()
    return find_ticket(session, relay.ticket_id, lock=True) if relay is not None else None


def holds(ticket: Ticket, incoming: Incoming) -> bool:
    """The sender is the consultant who claimed this ticket."""
    return (ticket.status == CLAIMED and ticket.consultant_channel == incoming.channel
            and ticket.consultant_id == incoming.user_id)


def consultant_chat(ticket: Ticket) -> ChatRef:
    return private_chat(ticket.consultant_channel or "", ticket.consultant_id or "")


def consultant_title(ticket: Ticket, lang: str) -> str:
    name = short(ticket.consultant_name, 40)
    return pick(lang, f"顾问{name}" if name else "顾问", f"consultant {name}" if name else "your consultant")


# --- opening and announcing ------------------------------------------------------------------------

def create_ticket(ctx: Context, reason: str, note: str) -> Ticket:
    """Open a ticket for the sender, snapshot the case packet and announce it to the consultants."""
    inc, settings = ctx.incoming, ctx.services.settings
    ticket = Ticket(
        channel=inc.channel, chat_id=inc.chat_id, user_id=inc.user_id, client_name=inc.display_name[:200],
        lang=ctx.lang, open_key=client_key(inc.channel, inc.user_id), status=WAITING, reason=reason,
        note=short(note, 500), packet=build_packet(ctx),
        out_of_hours=not business_hours(settings).is_open(ctx.now), created_at=ctx.now, announced_at=ctx.now,
    )
    ctx.session.add(ticket)
    ctx.session.flush()
    announce(ctx.session, settings, ticket, ctx.now)
    return ticket


ROUND_HEADINGS: dict[str, tuple[str, str]] = {
    "opening": ("🔔 上班了：工单 {h} 在非工作时间提交，仍在等待（已等待工作时间 {w} 分钟）",
                "🔔 Office open: ticket {h} came in after hours and still waits ({w} business min)"),
    "reminder": ("⏰ 工单 {h} 已等待工作时间 {w} 分钟，仍无人接单（第{n}次提醒）",
                 "⏰ Ticket {h} has waited {w} business min unclaimed (reminder {n})"),
    "escalated": ("🚨 升级：工单 {h} 已等待工作时间 {w} 分钟，提醒 {n} 次仍无人接单，请安排顾问接手",
                  "🚨 Escalated: ticket {h} has waited {w} business min and {n} reminders unclaimed; please "
                  "assign a consultant"),
}


def waited_minutes(ticket: Ticket, settings: Settings, now: datetime) -> int:
    """Business-hours minutes since the ticket was opened (evenings, weekends and holidays do not count)."""
    return int(business_hours(settings).open_seconds_between(as_utc(ticket.created_at), now) // 60)


def announcement(ticket: Ticket, lang: str, now: datetime, settings: Settings, kind: str = "") -> Reply:
    """The message the consultants see for a waiting ticket, with the claim button."""
    if not kind and ticket.announce_round <= 1:
        lines = [pick(lang, f"🆕 新工单 {headline(ticket, lang)}", f"🆕 New ticket {headline(ticket, lang)}")]
    else:
        zh, en = ROUND_HEADINGS[kind or "reminder"]
        fill = {"h": headline(ticket, lang), "w": waited_minutes(ticket, settings, now),
                "n": max(ticket.announce_round - 1, 1)}
        lines = [pick(lang, zh, en).format(**fill)]
    lines.append(pick(lang, "原因：", "Why: ") + reason_text(ticket, lang))
    said = ticket.note or last_question(ticket.packet or {})
    if said:
        lines.append(pick(lang, "客户说：", "Client said: ") + f"「{short(said, 200)}」")
    files = (ticket.packet or {}).get("files") or []
    if files:
        lines.append(pick(lang, f"附件 {len(files)} 个", f"{len(files)} file(s) attached"))
    if ticket.out_of_hours:
        lines.append(pick(lang, "（非工作时间提交）", "(asked outside business hours)"))
    return Reply("\n".join(lines), buttons=(Button("接单 / claim", f"/claim {ticket.id}"),),
                 tags=("handoff-announce",))


def announce(session: Session, settings: Settings, ticket: Ticket, now: datetime, kind: str = "",
             targets: list[ChatRef] | None = None) -> None:
    """Post the ticket to the consultants' group (or each consultant), once per announcement round."""
    team = staff(settings)
    round_key = f"{kind}:{now:%Y%m%d}" if kind == "opening" else str(ticket.announce_round)
    for target in targets if targets is not None else team.announce_targets():
        lang = settings.default_lang if target == team.group else user_lang(
            session, target.channel, target.chat_id, settings.default_lang)
        enqueue(session, target, announcement(ticket, lang, now, settings, kind), "handoff-announce",
                f"handoff:{ticket.id}:announce:{round_key}:{target.channel}:{target.chat_id}", now)


# --- sending -------------------------------------------------------------------------------------

def send_to_consultant(session: Session, ticket: Ticket, reply: Reply, kind: str, now: datetime) -> None:
    """Enqueue a message to the claiming consultant's chat and remember it for reply-by-quote."""
    ticket.to_consultant_seq += 1
    session.add(ticket)
    to = consultant_chat(ticket)
    key = f"handoff:{ticket.id}:to-consultant:{ticket.to_consultant_seq}"
    if not enqueue(session, to, reply, kind, key, now):
        return
    outbox_id = session.exec(select(Outbox.id).where(Outbox.dedupe_key == key)).one()
    session.add(TicketRelay(ticket_id=ticket.id or 0, outbox_id=outbox_id or 0, channel=to.channel,
                            chat_id=to.chat_id, created_at=now))


def send_to_client(session: Session, ticket: Ticket, reply: Reply, kind: str, now: datetime) -> None:
    """Enqueue a message to the client's chat. Its buttons (none while a consultant holds the chat)
    become what a typed number presses there; buttons from before a claim or close stop answering."""
    ticket.to_client_seq += 1
    session.add(ticket)
    enqueue(session, ChatRef(ticket.channel, ticket.chat_id), reply, kind,
            f"handoff:{ticket.id}:to-client:{ticket.to_client_seq}", now)
    if ticket.status == CLAIMED:
        owner = Owner(CONSULTANT, str(ticket.id)).key
    elif reply.buttons or ticket.claimed_at is not None:
        owner = Owner(BOT).key
    else:
        return  # a waiting request was closed: whatever the client was doing with the bot goes on
    keyboard.save(session, ticket.channel, ticket.chat_id, ticket.user_id, owner, reply.buttons, now)


def end_client_flow(session: Session, ticket: Ticket) -> None:
    """A claim ends a guided flow the client left open (the consultant answers from now on); the
    /forget confirmation stays, as it may run over a consultant (licensebot/routes.py FLOWS)."""
    session.execute(update(Conversation).where(  # type: ignore[arg-type]
        col(Conversation.channel) == ticket.channel, col(Conversation.chat_id) == ticket.chat_id,
        col(Conversation.flow).is_not(None), col(Conversation.flow) != "forget",
    ).values(flow=None, step=None, data={}))


def close_ticket(session: Session, ticket: Ticket, by: str, now: datetime) -> None:
    """Close the ticket: the client is the bot's again."""
    ticket.status, ticket.open_key, ticket.closed_at, ticket.closed_by = CLOSED, None, now, by
    session.add(ticket)


def rating_buttons(ticket: Ticket) -> tuple[Button, ...]:
    return tuple(Button(str(n), f"/rate {ticket.id} {n}") for n in range(1, 6))


def rating_request(ticket: Ticket, opening: str) -> Reply:
    """`opening` and a request for a 1-5 rating of the consultant's help, in the client's language."""
    lang = ticket.lang
    text = opening + "\n" + pick(lang, "请为本次顾问服务打分（1 = 很不满意，5 = 非常满意）：",
                                "Please rate the consultant's help (1 = very poor, 5 = excellent):")
    return Reply(text, buttons=rating_buttons(ticket), tags=("handoff-rate-ask",))


