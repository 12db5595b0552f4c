"""Answering questions from the FAQ knowledge base, asking which one when unsure, and the fallback."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Table, insert

from bot.commands import command_args
from bot.context import Context
from bot.hours import business_hours
from bot.messages import Button, Reply
from bot.routes import RouteTable
from bot.staff import staff
from bot.storage.models import QueryLog
from checklist.checkup import checkup_payload
from intents import feedback
from intents.client_province import client_province
from intents.tickets import has_open_ticket
from knowledge.authorities import BASIC_TELECOM, authority_line, depends_on_province
from knowledge.base import KnowledgeBase
from knowledge.codes import HOLDABLE_LICENSES
from knowledge.entries import Entry
from knowledge.search import SearchOutcome

QUERY_LOG: Table = QueryLog.__table__  # type: ignore[attr-defined]
LOG_QUERY = insert(QUERY_LOG).returning(QUERY_LOG.c.id)


def search(ctx: Context) -> SearchOutcome:
    """Search once per message; the outcome is kept on the context for later routes."""
    outcome = ctx.notes.get("search")
    if outcome is None:
        outcome = ctx.services.get(KnowledgeBase).searcher.search(ctx.text, ctx.lang).in_language(ctx.lang)
        ctx.notes["search"] = outcome
    return outcome


def has_answer(ctx: Context) -> bool:
    """Route test: the knowledge base has an answer or close candidates for this text."""
    return bool(ctx.text) and not ctx.text.startswith("/") and search(ctx).decision != "fallback"


def render_entry(ctx: Context, entry: Entry, question: str | None = None) -> Reply:
    """The entry's answer in the user's language, with its follow-ups as buttons; `question` is what
    the user asked (the typed text unless a button stands for an earlier question)."""
    text = entry.text(ctx.lang).answer.replace("{consultancy}", ctx.consultancy)
    asked = question if question is not None else ("" if ctx.text.startswith("/") else ctx.text)
    local = province_line(ctx, entry, asked)
    if local:
        text = f"{text.rstrip()}\n\n{local}"
    buttons = []
    for rel_id in entry.related[:3]:
        rel = ctx.services.get(KnowledgeBase).get(rel_id)
        if rel is not None and rel.has(ctx.lang):  # never offer an English user a Chinese-only entry
            buttons.append(Button(rel.text(ctx.lang).question, f"/faq {rel.id}"))
    if entry.topic == "renewal" and entry.license not in BASIC_TELECOM:  # the checklist is value-added only
        payload = f"/renew {entry.license}" if entry.license in HOLDABLE_LICENSES else "/renew"
        buttons.append(Button(ctx.say("开始续期清单", "Start a renewal checklist"), payload))
        code = entry.license if entry.license in HOLDABLE_LICENSES else None
        buttons.append(Button(ctx.say("续期前合规体检", "Compliance check-up"), checkup_payload(code)))
    return Reply(text, buttons=tuple(buttons), tags=("faq-answer", f"entry:{entry.id}"))


def province_line(ctx: Context, entry: Entry, question: str) -> str:
    """For an answer that depends on the province: the client's authority (and its notes), when the
    province is known from the question, a registered licence or a renewal checklist."""
    if not depends_on_province(entry):
        return ""
    found = client_province(ctx, entry.license, question)
    if found is None:
        return ""
    province, why = found
    authority = ctx.services.get(KnowledgeBase).authorities.get(province)
    return authority_line(authority, entry, ctx.lang, why) if authority is not None else ""


def answer_question(ctx: Context) -> list[Reply]:
    """Answers from the best FAQ entry, or asks which of a few close entries the user means."""
    outcome = search(ctx)
    ctx.state.fallbacks = 0
    top = outcome.hits[:3]
    if outcome.decision == "clarify":
        learned = feedback.learned_choice(ctx, ctx.text[:2000], [h.entry.id for h in top])
        if learned is not None:
            query_id = log_query(ctx, outcome, decision="answer")
            entry = ctx.services.get(KnowledgeBase).get(learned) or top[0].entry
            return [with_feedback(ctx, render_entry(ctx, entry), query_id)]
    query_id = log_query(ctx, outcome)
    if outcome.decision == "answer":
        return [with_feedback(ctx, render_entry(ctx, top[0].entry), query_id)]
    buttons = tuple(Button(h.entry.text(ctx.lang).question, f"/faq {h.entry.id} {query_id}") for h in top)
    return [Reply(ctx.say("您是想问以下哪个问题？", "Did you mean one of these?"),
                  buttons=buttons + human_buttons(ctx, "clarify"), tags=("faq-clarify",))]


def human_buttons(ctx: Context, reason: str) -> tuple[Button, ...]:
    """A "talk to a consultant" button carrying why it was offered, only when a consultant can be reached
    (outside business hours it offers to leave a message, which becomes a ticket answered at opening)."""
    if "/human" not in ctx.services.get(RouteTable).commands or not staff(ctx.services.settings).consultants:
        return ()
    if has_open_ticket(ctx.session, ctx.incoming.channel, ctx.incoming.user_id):
        return ()  # asked already: the ticket waits for a consultant
    if not business_hours(ctx.services.settings).is_open(ctx.now):
        return (Button(ctx.say("给顾问留言", "Leave a consultant a message"), f"/human {reason}"),)
    return (Button(ctx.say("转人工顾问", "Talk to a consultant"), f"/human {reason}"),)


def with_feedback(ctx: Context, reply: Reply, query_id: int | None) -> Reply:
    return replace(reply, buttons=reply.buttons + feedback.feedback_buttons(ctx, query_id))


def show_entry(ctx: Context) -> list[Reply]:
    """Shows one FAQ entry by id (a pressed follow-up or clarify button)."""
    entry_id, _, query_id = command_args(ctx).partition(" ")
    entry = ctx.services.get(KnowledgeBase).get(entry_id)
    asked = None
    if entry is not None and query_id:
        feedback.record_choice(ctx, entry_id, query_id)
        row = feedback.own_query(ctx, query_id)  # the question the clarify buttons answered
        asked = row.query if row is not None else None
    if entry is None:
        return [Reply(ctx.say("这条内容已更新或不存在，请重新提问。", "That answer is no longer available; please ask again."),
                      tags=("faq-missing",))]
    return [render_entry(ctx, entry, asked)]


def fall_back(ctx: Context) -> list[Reply]:
    """Says what the bot covers when nothing in the knowledge base fits."""
    if ctx.text and not ctx.text.startswith("/"):
        log_query(ctx, search(ctx))
    ctx.state.fallbacks += 1
    text = ctx.say(
        "抱歉，这个问题我没有把握回答。我能解答增值电信业务许可证（ICP、EDI、IDC、SP、CDN、ISP、呼叫中心、多方通信等）"
        "的办理条件、材料、续期、年报、变更和注销等问题。您可以换个说法再问，或联系顾问。",
        "Sorry, I can't answer that with confidence. I cover Chinese value-added telecom licences (ICP, EDI, "
        "IDC, SP, CDN, ISP, call centre, multi-party…): requirements, materials, renewal, annual reports, "
        "changes and cancellation. Try rephrasing, or talk to a consultant.",
    )
    offer = human_buttons(ctx, "offer")
    if ctx.state.fallbacks == 2 and offer:  # two misses in a row: offer a person (one button, not two)
        return [Reply(text, tags=("fallback",)),
                Reply(ctx.say("看来我暂时帮不上忙。要为您转接人工顾问吗？",
                              "It looks like I can't help with this. Shall I get you a consultant?"),
                      buttons=offer, tags=("handoff-offer",))]
    return [Reply(text, buttons=human_buttons(ctx, "fallback"), tags=("fallback",))]


def log_query(ctx: Context, outcome: SearchOutcome, decision: str | None = None) -> int | None:
    """Stores the question and what the bot decided; returns the row id for feedback buttons."""
    inc = ctx.incoming
    top = outcome.hits[0] if outcome.hits else None
    row = {"channel": inc.channel, "chat_id": inc.chat_id, "user_id": inc.user_id, "query": ctx.text[:2000],
           "decision": decision or outcome.decision, "top_id": top.entry.id if top else None,
           "top_score": top.score if top else 0.0,
           "candidates": [{"id": h.entry.id, "score": h.score} for h in outcome.hits], "created_at": ctx.now}
    # one INSERT … RETURNING (Core: the ORM's add-and-flush costs several times more on every question)
    query_id = ctx.session.execute(LOG_QUERY, row).scalar_one()
    ctx.notes["query_id"] = query_id
    return query_id
