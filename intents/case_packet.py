"""The case packet a consultant gets with a ticket: what the client said, what the bot tried, and why.

Taken when the ticket opens and stored on it, so a consultant sees only what the ticket carries.
Other features add sections through CASE_PACKET_SECTIONS ; e.g. the
licences a client registered (reminders) or their renewal-checklist answers (checklist):

    def case_packet_licences(session: Session, channel: str, user_id: str) -> list[str]:
        '''Lines about this client's registered licences; [] when there are none.'''

A section that fails is left out (and logged); it never stops a client from reaching a consultant.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.clock import SHANGHAI, as_utc
from bot.context import Context
from bot.labels import channel_label, language_label
from bot.language import pick
from bot.storage.models import MessageLog, QueryLog
from checklist.checkup_store import case_packet_checkup
from checklist.findings import checklist_findings
from checklist.rules import ChecklistRules
from intents.handoff_models import Ticket
from intents.human_words import wants_human

log = logging.getLogger(__name__)

CaseSection = Callable[[Session, str, str], list[str]]

# Providers of extra packet lines, each (session, channel, user_id) -> list[str].
CASE_PACKET_SECTIONS: tuple[CaseSection, ...] = (case_packet_checkup,)  # the checklist's: checklist_findings below

LAST_MESSAGES = 10
LAST_QUERIES = 5
MAX_LINE = 300

REASONS: dict[str, tuple[str, str]] = {
    "command": ("客户发送了 /human", "the client sent /human"),
    "words": ("客户要求转人工", "the client asked for a person"),
    "fallback": ("机器人没能回答，客户点了转人工", "the bot could not answer; the client pressed the button"),
    "clarify": ("机器人不确定问题，客户点了转人工", "the bot was unsure; the client pressed the button"),
    "offer": ("连续两次没能回答，机器人主动提议转人工", "two answers in a row failed; the bot offered a person"),
    "checklist": ("续期清单结束后要求顾问", "asked at the end of the renewal checklist"),
    "checkup": ("合规体检结束后要求顾问", "asked at the end of the compliance check-up"),
}


def short(text: str, limit: int = MAX_LINE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


WEEKDAYS = (("周一", "Mon"), ("周二", "Tue"), ("周三", "Wed"), ("周四", "Thu"), ("周五", "Fri"), ("周六", "Sat"),
            ("周日", "Sun"))


def local_time(at: datetime, with_date: bool = False, lang: str = "zh") -> str:
    """China time: '12-04 周五 10:00' (with the date), or '10:00'."""
    local = as_utc(at).astimezone(SHANGHAI)
    zh, en = WEEKDAYS[local.weekday()]
    return f"{local:%Y-%m-%d} {en if lang == 'en' else zh} {local:%H:%M}" if with_date else f"{local:%H:%M}"


def is_question(text: str) -> bool:
    """A message the client wrote in their own words: not a command or button, not just "转人工"."""
    text = text.strip()
    return bool(text) and not text.startswith("/") and not text.startswith("[") and not wants_human(text)


def last_question(packet: dict[str, Any]) -> str:
    """The client's last real question in a packet ('' if they only asked for a person)."""
    said = [m.get("text", "") for m in packet.get("messages") or [] if is_question(m.get("text", ""))]
    return said[-1] if said else ""


def build_packet(ctx: Context) -> dict[str, Any]:
    """Snapshot the client's last messages (this one included), FAQ attempts and other sections."""
    inc = ctx.incoming
    earlier = ctx.session.exec(
        select(MessageLog).where(MessageLog.channel == inc.channel, MessageLog.user_id == inc.user_id,
                                 MessageLog.chat_id == inc.chat_id, MessageLog.direction == "in")
        .order_by(col(MessageLog.created_at).desc(), col(MessageLog.id).desc()).limit(LAST_MESSAGES - 1)
    ).all()
    messages = [{"at": as_utc(m.created_at).isoformat(), "text": short(m.text)} for m in reversed(earlier)]
    messages.append({"at": ctx.now.isoformat(), "text": short(inc.content or _file_note(ctx))})
    queries = ctx.session.exec(
        select(QueryLog).where(QueryLog.channel == inc.channel, QueryLog.user_id == inc.user_id)
        .order_by(col(QueryLog.created_at).desc(), col(QueryLog.id).desc()).limit(LAST_QUERIES)
    ).all()
    faq = [{"query": short(q.query, 120), "decision": q.decision,
            "candidates": [[c.get("id", "?"), round(float(c.get("score", 0.0)), 2)]
                           for c in (q.candidates or [])[:3] if isinstance(c, dict)]}
           for q in reversed(queries)]
    return {"messages": messages, "faq": faq, "fallbacks": ctx.state.fallbacks,
            "sections": collect_sections(ctx.session, inc.channel, inc.user_id),
            "checklist": checklist_findings(ctx.session, inc.channel, inc.user_id, ctx.services.get(ChecklistRules),
                                            ctx.now)}


def _file_note(ctx: Context) -> str:
    att = ctx.incoming.attachment
    return f"[file {att.filename}]" if att is not None else ""


def collect_sections(session: Session, channel: str, user_id: str) -> list[str]:
    lines: list[str] = []
    for provide in CASE_PACKET_SECTIONS:
        try:
            with session.begin_nested():
                lines += [short(str(line)) for line in provide(session, channel, user_id)]
        except Exception:
            log.exception("case packet section %s failed", getattr(provide, "__name__", provide))
    return lines


def messages_since(session: Session, ticket: Ticket) -> list[MessageLog]:
    """What the client wrote after asking (the bot answered those while the ticket waited)."""
    stmt = select(MessageLog).where(
        MessageLog.channel == ticket.channel, MessageLog.user_id == ticket.user_id,
        MessageLog.chat_id == ticket.chat_id, MessageLog.direction == "in",
        MessageLog.created_at > ticket.created_at)
    if ticket.claimed_at is not None:  # from the claim on, messages were relayed, not answered
        stmt = stmt.where(MessageLog.created_at < ticket.claimed_at)
    return list(session.exec(stmt.order_by(col(MessageLog.created_at), col(MessageLog.id))
                             .limit(LAST_MESSAGES)).all())


def reason_text(ticket: Ticket, lang: str) -> str:
    return pick(lang, *REASONS.get(ticket.reason, (ticket.reason, ticket.reason)))


def headline(ticket: Ticket, lang: str) -> str:
    """One line naming the ticket and the client: #12 · Telegram · 张三 (123) · 中文."""
    named = ticket.client_name and ticket.client_name != ticket.user_id
    who = f"{ticket.client_name} ({ticket.user_id})" if named else ticket.user_id
    return (f"{ticket.label} · {channel_label(ticket.channel, lang)} · {short(who, 80)} · "
            f"{language_label(ticket.lang, lang)}")


def render_packet(session: Session, ticket: Ticket, lang: str) -> str:
    """The case packet as one message, in the consultant's language."""
    packet = ticket.packet or {}
    lines = [pick(lang, f"工单 {headline(ticket, lang)}", f"Case {headline(ticket, lang)}"),
             pick(lang, f"提交于 {local_time(ticket.created_at, True)}（北京时间）。原因：",
                  f"Opened {local_time(ticket.created_at, True, lang)} (China time). Why: ") + reason_text(ticket, lang)]
    if ticket.note:
        lines.append(pick(lang, "客户留言：", "Client wrote: ") + f"「{short(ticket.note, 200)}」")
    if packet.get("fallbacks"):
        lines.append(pick(lang, f"提出前连续未能回答：{packet['fallbacks']} 次",
                          f"Unanswered in a row before asking: {packet['fallbacks']}"))
    lines.append(pick(lang, "— 客户最近的消息 —", "— Last messages —"))
    for m in packet.get("messages", []):
        if m.get("text"):
            lines.append(f"{local_time(datetime.fromisoformat(m['at']), True, lang)} {m['text']}")
    lines.append(pick(lang, "— 机器人尝试过的 FAQ —", "— FAQ entries the bot tried —"))
    for q in packet.get("faq", []) or [{"none": True}]:
        if q.get("none"):
            lines.append(pick(lang, "（无）", "(none)"))
            continue
        tried = ", ".join(f"{cid} {score:.2f}" for cid, score in q.get("candidates", [])) or "—"
        lines.append(f"「{q['query']}」→ {q['decision']}: {tried}")
    lines += (packet.get("checklist") or {}).get(pick(lang, "zh", "en"), [])
    lines += packet.get("sections", [])
    since = messages_since(session, ticket)
    if since:
        lines.append(pick(lang, "— 提交后客户的消息（机器人已回答）—", "— Since asking (answered by the bot) —"))
        lines += [f"{local_time(m.created_at, True, lang)} {short(m.text)}" for m in since if m.text.strip()]
    files = packet.get("files") or []
    if files:
        lines.append(pick(lang, "— 客户发来的文件 —", "— Files the client sent —"))
        lines += [f"{local_time(datetime.fromisoformat(f['at']), True, lang)} 📎 {f['name']}"
                  + (f"（{f['caption']}）" if f.get("caption") else "") for f in files]
    return "\n".join(lines)
