"""Inbox: waiting and claimed tickets, a ticket's page, and claim / reply / canned / close.

Actions run the same handlers as the chat commands (/claim, /reply, /canned, /close) in the name of
the signed-in consultant, so a reply typed here reaches the client on their own channel through the
outbox, exactly like one sent from chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from sqlmodel import col, select
from starlette.responses import JSONResponse, RedirectResponse, Response

from bot.clock import as_utc
from bot.context import Context, State
from bot.hours import business_hours
from bot.messages import Incoming
from bot.storage.models import MessageLog, Outbox
from cases.models import CaseFile
from intents import consult
from intents.case_packet import reason_text, render_packet
from intents.handoff_models import CLAIMED, CLOSED, WAITING, Ticket
from intents.tickets import find_ticket
from knowledge.canned import CannedError, canned_file, load_canned
from workspace.page import Page
from workspace.render import local

CONVERSATION_LIMIT = 200
ACTIONS = {"claim": consult.claim_ticket, "reply": consult.reply_to_client, "canned": consult.send_canned,
           "close": consult.close_conversation}


def business_minutes(page: Page, since: datetime, until: datetime | None = None) -> int:
    hours = business_hours(page.services.settings)
    return int(hours.open_seconds_between(as_utc(since), as_utc(until) if until else page.now) // 60)


def inbox(page: Page) -> Response:
    open_tickets = page.session.exec(select(Ticket).where(col(Ticket.status).in_((WAITING, CLAIMED)))
                                     .order_by(col(Ticket.created_at), col(Ticket.id))).all()
    rows = [{"ticket": t, "reason": reason_text(t, page.lang), "wait": business_minutes(page, t.created_at),
             "mine": f"{t.consultant_channel}:{t.consultant_id}" == page.who.consultant} for t in open_tickets]
    return page.html("inbox.html", waiting=[r for r in rows if r["ticket"].status == WAITING],
                     claimed=[r for r in rows if r["ticket"].status == CLAIMED])


@dataclass(frozen=True)
class Line:
    direction: str  # "in" (client), "out" (bot), "consultant"
    text: str
    at: datetime

    def as_json(self, lang: str) -> dict[str, str]:
        return {"direction": self.direction, "text": self.text, "at": local(self.at, lang)}


def conversation(page: Page, ticket: Ticket) -> list[Line]:
    """The client's chat since the ticket opened: what they wrote, what the bot said, what consultants sent."""
    logged = page.session.exec(select(MessageLog).where(
        MessageLog.channel == ticket.channel, MessageLog.chat_id == ticket.chat_id,
        MessageLog.created_at >= ticket.created_at).order_by(col(MessageLog.id)).limit(CONVERSATION_LIMIT)).all()
    relayed = page.session.exec(select(Outbox).where(
        Outbox.channel == ticket.channel, Outbox.chat_id == ticket.chat_id,
        col(Outbox.dedupe_key).like(f"handoff:{ticket.id}:to-client:%")).order_by(col(Outbox.id))
        .limit(CONVERSATION_LIMIT)).all()
    lines = [Line(m.direction, m.text, as_utc(m.created_at)) for m in logged]
    lines += [Line("consultant", str((r.body or {}).get("text", "")), as_utc(r.created_at)) for r in relayed]
    return sorted(lines, key=lambda line: line.at)


def _ticket_or_404(page: Page) -> Ticket | Response:
    ticket = find_ticket(page.session, int(page.request.path_params["ticket_id"]))
    if ticket is None:
        return page.html("error.html", status=404, missing=True)
    return ticket


def ticket_page(page: Page) -> Response:
    ticket = _ticket_or_404(page)
    if not isinstance(ticket, Ticket):
        return ticket
    try:
        canned = list(load_canned(canned_file(page.services.settings.knowledge_dir)).values())
    except CannedError:
        canned = []
    mine = f"{ticket.consultant_channel}:{ticket.consultant_id}" == page.who.consultant
    case_files = page.session.exec(select(CaseFile).where(CaseFile.channel == ticket.channel,
                                                          CaseFile.user_id == ticket.user_id)
                                   .order_by(col(CaseFile.id))).all()
    attached = [f for f in (ticket.packet or {}).get("files") or [] if isinstance(f, dict)]
    return page.html("ticket.html", ticket=ticket, packet=render_packet(page.session, ticket, page.lang),
                     case_files=case_files, attached=attached,
                     lines=conversation(page, ticket), canned=canned, mine=mine,
                     wait=business_minutes(page, ticket.created_at, ticket.claimed_at or ticket.closed_at),
                     WAITING=WAITING, CLAIMED=CLAIMED, CLOSED=CLOSED, flash=page.request.query_params.get("done", ""))


def ticket_messages(page: Page) -> Response:
    """The conversation as JSON, for the page to refresh itself without a reload."""
    ticket = _ticket_or_404(page)
    if not isinstance(ticket, Ticket):
        return JSONResponse({"error": "not found"}, status_code=404)
    return JSONResponse({"status": ticket.status,
                         "lines": [line.as_json(page.lang) for line in conversation(page, ticket)]})


def ticket_action(page: Page) -> Response:
    """claim / reply / canned / close, as the signed-in consultant's own chat command."""
    action = page.request.path_params["action"]
    handler = ACTIONS.get(action)
    ticket_id = int(page.request.path_params["ticket_id"])
    if handler is None:
        return page.html("error.html", status=404, missing=True)
    text, name = page.field("text"), page.field("name", 64)
    command = {"claim": f"/claim {ticket_id}", "close": f"/close {ticket_id}",
               "reply": f"/reply {ticket_id} {text}", "canned": f"/canned {name} {ticket_id}"}[action]
    channel, user_id = page.who.consultant.split(":", 1)
    incoming = Incoming(channel, user_id, user_id, text=command, display_name=user_id)
    ctx = Context(incoming=incoming, state=State(), lang=page.lang, session=page.session,
                  services=page.services, now=page.now)
    answer = " ".join(r.text.splitlines()[0] for r in handler(ctx) if r.text)[:300]
    page.audit(f"ticket-{action}", f"ticket:{ticket_id}", f"{len(text)} chars" if action == "reply" else name)
    return RedirectResponse(f"/console/tickets/{ticket_id}?done={quote(answer)}", status_code=303)
