"""The client's side of the hand-off: asking for a consultant, talking through the bot, coming back.

    no open ticket ──/human, "转人工", button──▶ waiting: the bot keeps answering, relays nothing
    waiting ──a consultant claims──▶ claimed: every message goes to the consultant, the bot is silent
    claimed ──/bot, or the consultant's /close──▶ back with the bot, asked for a 1–5 rating
    waiting ──/bot──▶ back with the bot (request cancelled)

A client who writes after the ticket closed is simply with the bot: routing looks at open tickets only.
"""

from __future__ import annotations

from bot import language
from bot.commands import command_args
from bot.context import Context
from bot.hours import business_hours, format_opening
from bot.messages import Reply
from bot.staff import staff
from intents.handoff_models import CLAIMED, CLOSED, Ticket
from intents.human_words import beyond_request, wants_human
from intents.tickets import (
    close_ticket,
    consultant_title,
    create_ticket,
    find_ticket,
    has_open_ticket,
    open_ticket,
    parse_ticket_id,
    rating_request,
    send_to_consultant,
)

# Reasons a button can carry: "/human fallback" under a fallback reply, "/human checklist" at the end
# of the checklist, ... Any other text after /human is the client's own note for the consultant.
BUTTON_REASONS = ("fallback", "clarify", "offer", "checklist", "checkup")

def asks_for_human(ctx: Context) -> bool:
    """Route test: the client asks for a person in words."""
    return wants_human(ctx.text)


YES_WORDS = frozenset({"好", "好的", "好啊", "是", "是的", "要", "需要", "可以", "行", "嗯", "嗯嗯", "转", "ok", "okay", "yes",
                       "sure", "please", "yes please"})
OFFERED = 2  # fallbacks in a row after which faq.fall_back offers a person


def accepts_offer(ctx: Context) -> bool:
    """Route test: the bot just offered a consultant (two misses in a row) and the client says yes."""
    said = ctx.text.lower().strip(" 。.!！~")
    return (ctx.state.fallbacks == OFFERED and ctx.incoming.payload is None and said in YES_WORDS
            and bool(staff(ctx.services.settings).consultants))  # no consultant: no offer was made


def accept_offer(ctx: Context) -> list[Reply]:
    """Opens a ticket because the client said yes to the bot's offer of a consultant."""
    return open_request(ctx, "offer", "")


def request_human_by_words(ctx: Context) -> list[Reply]:
    """Opens a ticket because the client asked for a person in their own words."""
    return open_request(ctx, "words", ctx.text if beyond_request(ctx.text) else "")


def request_human(ctx: Context) -> list[Reply]:
    """Opens a ticket for a consultant (/human, or a "talk to a consultant" button)."""
    args = command_args(ctx)
    if args in BUTTON_REASONS:
        return open_request(ctx, args, "")
    return open_request(ctx, "command", args)


def open_request(ctx: Context, reason: str, note: str) -> list[Reply]:
    """Opens a ticket unless one is open; says when a consultant will answer and what happens meanwhile."""
    inc, settings = ctx.incoming, ctx.services.settings
    existing = open_ticket(ctx.session, inc.channel, inc.user_id, lock=True)
    if existing is not None:
        return [already_open(ctx, existing)]
    if not staff(settings).consultants:
        return [Reply(ctx.say("抱歉，目前没有可以转接的顾问。您可以继续问我问题，或稍后再试。",
                              "Sorry, no consultant can be reached through this chat right now. Keep asking "
                              "me, or try again later."), tags=("handoff-unavailable",))]
    ticket = create_ticket(ctx, reason, note)
    ctx.state.fallbacks = 0
    hours = business_hours(settings)
    meanwhile = ctx.say(
        "在顾问接手之前，您发的消息不会转给顾问，我会继续回答您的问题。发送 /bot 可取消这个请求。",
        "Until a consultant takes over, your messages are not passed on and I keep answering your "
        "questions. Send /bot to cancel the request.")
    if hours.is_open(ctx.now):
        text = ctx.say(f"好的，已为您联系人工顾问（工单 {ticket.label}）。顾问接手后会在这里回复您。\n",
                       f"OK, I've asked a consultant to join (ticket {ticket.label}). They will answer you "
                       "here.\n") + meanwhile
        return [Reply(text, tags=("handoff-requested",))]
    opening = hours.next_opening(ctx.now)
    when = (ctx.say(f"顾问将在 {format_opening(opening, 'zh')} 起回复您", f"A consultant will answer from "
                    f"{format_opening(opening, 'en')}") if opening is not None
            else ctx.say("顾问上班后会尽快回复您", "A consultant will answer when the office reopens"))
    text = ctx.say(
        f"现在是非工作时间（工作时间：{hours.describe('zh')}）。已为您登记（工单 {ticket.label}），{when}。\n",
        f"We're outside business hours ({hours.describe('en')}). Your request is registered (ticket "
        f"{ticket.label}). {when}.\n") + meanwhile
    return [Reply(text, tags=("handoff-requested", "handoff-out-of-hours"))]


def already_open(ctx: Context, ticket: Ticket) -> Reply:
    """Tells the client where their open ticket stands."""
    if ticket.status == CLAIMED:
        who = consultant_title(ticket, ctx.lang)
        return Reply(ctx.say(f"{who}正在为您服务（工单 {ticket.label}），直接发消息即可；发送 /bot 回到机器人。",
                             f"{who.capitalize()} is with you (ticket {ticket.label}); just write. Send /bot "
                             "to go back to the bot."), tags=("handoff-claimed-already",))
    return Reply(ctx.say(f"您已在等待顾问（工单 {ticket.label}）。在顾问接手之前，我会继续回答您的问题，"
                         "您的消息不会转给顾问。发送 /bot 可取消。",
                         f"You're already waiting for a consultant (ticket {ticket.label}). Until one takes "
                         "over I keep answering, and your messages are not passed on. Send /bot to cancel."),
                 tags=("handoff-waiting",))


def holding_ticket(ctx: Context) -> str | None:
    """Owner look-up (bot/ownership.py): the id of the claimed ticket of this client in this chat, if any."""
    inc = ctx.incoming
    if not has_open_ticket(ctx.session, inc.channel, inc.user_id):
        return None
    ticket = open_ticket(ctx.session, inc.channel, inc.user_id, lock=True)
    if ticket is None or ticket.status != CLAIMED or ticket.chat_id != inc.chat_id:
        return None
    ctx.notes["ticket"] = ticket
    return str(ticket.id)


def busy_with_consultant(ctx: Context) -> list[Reply]:
    """Says who holds the chat and how to get back to the bot, instead of starting a flow or pressing an old button."""
    ticket: Ticket = ctx.notes["ticket"]
    who = consultant_title(ticket, ctx.lang)
    return [Reply(ctx.say(f"您正在与{who}对话（工单 {ticket.label}），消息会直接转给顾问。"
                          "要使用机器人的功能，请先发送 /bot 结束与顾问的对话。",
                          f"You are talking to {who} (ticket {ticket.label}); your messages go to the consultant. "
                          "To use the bot's features, send /bot first to end the conversation with the consultant."),
                  tags=("handoff-busy",))]


def relay_to_consultant(ctx: Context) -> list[Reply]:
    """Passes the client's message (text and file) to the consultant; the bot itself says nothing."""
    ticket: Ticket = ctx.notes["ticket"]
    inc = ctx.incoming
    if inc.payload is not None:  # a button the bot drew before the consultant took over
        return busy_with_consultant(ctx)
    ticket.lang = language.from_text(inc.text) or ticket.lang  # label replies in the client's language
    who = ticket.client_name or ticket.user_id
    text = inc.content.strip()
    att = inc.attachment
    if att is not None and not att.content:  # the platform keeps the file: say what came
        text = f"📎 {att.filename} {text}".strip()
        att = None
    body = f"💬 {ticket.label} {who}：{text}" if text else f"💬 {ticket.label} {who}"
    send_to_consultant(ctx.session, ticket, Reply(body, attachment=att, tags=("handoff-relay",)),
                       "handoff-relay", ctx.now)
    return []


MAX_FILES = 20  # per ticket


def sends_a_file(ctx: Context) -> bool:
    """Route test: the client sent a file or photo while their ticket waits (nobody holds the chat yet);
    other files go to the renewal case (intents/case_chat.py)."""
    inc = ctx.incoming
    return inc.attachment is not None and inc.payload is None and has_open_ticket(ctx.session, inc.channel,
                                                                                   inc.user_id)


def attach_file(ctx: Context) -> list[Reply]:
    """Attaches a file sent while a ticket waits to that ticket (the case packet lists it); without a
    ticket, says the bot cannot read files and how to get it to a consultant."""
    inc = ctx.incoming
    att = inc.attachment
    assert att is not None
    name = att.filename[:120] or "file"
    ticket = open_ticket(ctx.session, inc.channel, inc.user_id, lock=True)
    if ticket is None:
        offer = ctx.say("需要顾问查看，请发送 /human，之后发的文件会附在工单里。",
                        "For a consultant to look at it, send /human; files you send then go with the request.")
        return [Reply(ctx.say(f"收到文件「{name}」。我（机器人）看不了文件内容。", f"Got “{name}”. I (the bot) can't "
                              "read files. ") + offer, tags=("file-no-ticket",))]
    packet = dict(ticket.packet or {})
    files = list(packet.get("files") or [])
    if len(files) >= MAX_FILES:
        return [Reply(ctx.say(f"工单 {ticket.label} 已附了{MAX_FILES}个文件，这个没有再附上；顾问接手后可以直接发给顾问。",
                              f"Ticket {ticket.label} already has {MAX_FILES} files; this one was not added. Send "
                              "it to the consultant once they join."), tags=("file-too-many",))]
    caption = inc.text.strip()
    files.append({"name": name, "at": ctx.now.isoformat(), "ref": att.ref[:200], "mime": att.mime[:100],
                  "size": len(att.content), "caption": caption[:200]})
    ticket.packet = {**packet, "files": files}
    ctx.session.add(ticket)
    return [Reply(ctx.say(f"已把「{name}」附到您的工单 {ticket.label}，顾问接手后会看到。", f"“{name}” is attached to "
                          f"your ticket {ticket.label}; the consultant will see it when they join."),
                  tags=("file-attached",))]


def back_to_bot(ctx: Context) -> list[Reply]:
    """Ends the client's consultant conversation (or cancels the waiting request): the bot answers again."""
    inc = ctx.incoming
    ticket = open_ticket(ctx.session, inc.channel, inc.user_id, lock=True)
    if ticket is None:
        return [Reply(ctx.say("您现在就在和机器人对话，直接提问即可。需要顾问请发送 /human。",
                              "You're talking to the bot already; just ask. Send /human for a consultant."),
                      tags=("handoff-none",))]
    was_claimed = ticket.status == CLAIMED
    close_ticket(ctx.session, ticket, "client", ctx.now)
    if not was_claimed:
        return [Reply(ctx.say(f"已取消转人工请求（工单 {ticket.label}）。有问题可以继续问我。",
                              f"Request cancelled (ticket {ticket.label}). Ask me anything."),
                      tags=("handoff-cancelled",))]
    send_to_consultant(ctx.session, ticket, Reply(
        f"🔚 {ticket.label}：客户已结束对话，交回机器人。/ The client ended the conversation.",
        tags=("handoff-client-left",)), "handoff-closed", ctx.now)
    ticket.lang = ctx.lang
    opening = ctx.say("好的，已结束与顾问的对话，接下来由我（机器人）为您服务。",
                      "OK, the conversation with the consultant has ended; I'm back to help you.")
    return [rating_request(ticket, opening)]


def rate_service(ctx: Context) -> list[Reply]:
    """Records the client's 1–5 rating of a consultant conversation (the buttons after it closed)."""
    parts = command_args(ctx).split()
    score = int(parts[1]) if len(parts) == 2 and parts[1].isdigit() else 0
    ticket_id = parse_ticket_id(parts[0]) if parts else None
    ticket = find_ticket(ctx.session, ticket_id, lock=True) if ticket_id is not None else None
    inc = ctx.incoming
    if (ticket is None or not 1 <= score <= 5 or ticket.channel != inc.channel or ticket.user_id != inc.user_id
            or ticket.status != CLOSED or ticket.consultant_id is None):
        return [Reply(ctx.say("这个评分按钮已失效。", "That rating button is no longer valid."),
                      tags=("handoff-rate-invalid",))]
    if ticket.rating is not None:
        return [Reply(ctx.say("您已经评过分了，谢谢！", "You've rated this one already — thank you!"),
                      tags=("handoff-rated-already",))]
    ticket.rating, ticket.rated_at = score, ctx.now
    ctx.session.add(ticket)
    text = ctx.say("谢谢您的评分！", "Thank you for rating!")
    if score <= 2:
        text += ctx.say("很抱歉这次没能让您满意。需要时可再次发送 /human 联系顾问。",
                        " Sorry we didn't help enough. Send /human any time to reach a consultant again.")
    return [Reply(text, tags=("handoff-rated",))]
