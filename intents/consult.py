"""The consultants' side: /queue, /claim, /case, /reply (or a reply to a relayed message), /canned, /close.

Only configured consultants get here: these commands are consultant_only in COMMANDS (the command
route refuses anybody else before a handler runs), and the reply-by-quote route matches consultants
only. A consultant acts only on tickets they may see: waiting ones, and those they claimed.
"""

from __future__ import annotations

import re

from bot import metrics
from bot.chatstate import ABOUT_SOMEONE_ELSE as ABOUT_CLIENT
from bot.clock import as_utc
from bot.commands import command_args
from bot.context import Context
from bot.hours import business_hours
from bot.language import pick
from bot.messages import Button, Reply
from bot.outbox import enqueue
from bot.ownership import BOT, owner_of
from bot.staff import is_consultant, staff
from intents.case_packet import headline, local_time, reason_text, render_packet, short
from intents.handoff_models import CLAIMED, CLOSED, WAITING, Ticket
from intents.tickets import (
    claimed_by,
    close_ticket,
    consultant_title,
    end_client_flow,
    find_ticket,
    holds,
    parse_ticket_id,
    queue,
    rating_request,
    send_to_client,
    send_to_consultant,
    ticket_for_reply,
    waited_minutes,
)
from knowledge.canned import CannedError, canned_file, load_canned

_REPLY_ARGS = re.compile(r"^#?(\d{1,10})(?:\s+(.*))?$", re.DOTALL)
QUEUE_BUTTONS = 5


def _answer(ctx: Context, zh: str, en: str, tag: str, buttons: tuple[Button, ...] = ()) -> list[Reply]:
    return [Reply(ctx.say(zh, en), buttons=buttons, tags=(tag,))]


def _missing(ctx: Context, ticket_id: int | None) -> list[Reply]:
    return _answer(ctx, f"没有工单 #{ticket_id}。发送 /queue 查看队列。", f"There is no ticket #{ticket_id}. "
                   "Send /queue for the queue.", "consult-missing")


def _not_yours(ctx: Context, ticket: Ticket) -> list[Reply]:
    if ticket.status == CLOSED:
        return _answer(ctx, f"工单 {ticket.label} 已结束。", f"Ticket {ticket.label} is closed.", "consult-closed")
    if ticket.status == WAITING:
        return _answer(ctx, f"工单 {ticket.label} 还没有人接单，请先 /claim {ticket.id}。",
                       f"Nobody has claimed {ticket.label} yet; /claim {ticket.id} first.", "consult-not-yours",
                       (Button("接单 / claim", f"/claim {ticket.id}"),))
    return _answer(ctx, f"工单 {ticket.label} 由 {ticket.consultant_name} 负责，你不能操作。",
                   f"Ticket {ticket.label} belongs to {ticket.consultant_name}.", "consult-not-yours")


def _my_ticket(ctx: Context, arg: str, action: str) -> Ticket | list[Reply]:
    """The ticket named by `arg`, or the sender's only claimed ticket; replies explaining otherwise."""
    inc = ctx.incoming
    if arg:
        ticket_id = parse_ticket_id(arg)
        ticket = find_ticket(ctx.session, ticket_id, lock=True) if ticket_id is not None else None
        return ticket if ticket is not None else _missing(ctx, ticket_id)
    mine = claimed_by(ctx.session, inc.channel, inc.user_id)
    if len(mine) == 1:
        return find_ticket(ctx.session, mine[0].id or 0, lock=True) or _missing(ctx, mine[0].id)
    if not mine:
        return _answer(ctx, "你现在没有进行中的工单。发送 /queue 查看队列。",
                       "You hold no ticket. Send /queue for the queue.", "consult-none")
    buttons = tuple(Button(t.label, f"{action} {t.id}") for t in mine[:QUEUE_BUTTONS])
    return _answer(ctx, "你有多个工单，请选择：", "You hold several tickets; which one?", "consult-which", buttons)


def show_queue(ctx: Context) -> list[Reply]:
    """Lists waiting and claimed tickets, with claim buttons for the waiting ones."""
    tickets = queue(ctx.session)
    if not tickets:
        return _answer(ctx, "队列是空的，没有等待或处理中的工单。", "The queue is empty.", "consult-queue")
    lines: list[str] = []
    waiting = [t for t in tickets if t.status == WAITING]
    claimed = [t for t in tickets if t.status == CLAIMED]
    if waiting:
        lines.append(ctx.say(f"等待接单（{len(waiting)}）：", f"Waiting ({len(waiting)}):"))
        lines += [f"{headline(t, ctx.lang)} · {ctx.say('已等（工作时间）', 'waited (business)')} "
                  f"{waited_minutes(t, ctx.services.settings, ctx.now)} {ctx.say('分钟', 'min')} · {reason_text(t, ctx.lang)}" for t in waiting]
    if claimed:
        lines.append(ctx.say(f"处理中（{len(claimed)}）：", f"Claimed ({len(claimed)}):"))
        lines += [f"{headline(t, ctx.lang)} · {t.consultant_name} · {ctx.say('接单于', 'since')} "
                  f"{local_time(t.claimed_at or t.created_at, True)}" for t in claimed]
    if not business_hours(ctx.services.settings).is_open(ctx.now):
        lines.append(ctx.say("（现在是非工作时间）", "(outside business hours now)"))
    buttons = tuple(Button(f"接单 / claim {t.label}", f"/claim {t.id}") for t in waiting[:QUEUE_BUTTONS])
    return [Reply("\n".join(lines), buttons=buttons, tags=("consult-queue", ABOUT_CLIENT))]


def claim_ticket(ctx: Context) -> list[Reply]:
    """Gives the consultant a waiting ticket: the client is told, the case packet comes with it."""
    inc = ctx.incoming
    ticket_id = parse_ticket_id(command_args(ctx))
    if ticket_id is None:
        return _answer(ctx, "用法：/claim 工单号（发送 /queue 查看队列）", "Usage: /claim TICKET (see /queue)",
                       "consult-usage")
    ticket = find_ticket(ctx.session, ticket_id, lock=True)
    if ticket is None:
        return _missing(ctx, ticket_id)
    if holds(ticket, inc):
        return [Reply(render_packet(ctx.session, ticket, ctx.lang), tags=("consult-claimed-already",
                                                                          "case-packet", ABOUT_CLIENT))]
    if ticket.status != WAITING:
        return _not_yours(ctx, ticket) if ticket.status == CLOSED else _answer(
            ctx, f"工单 {ticket.label} 已由 {ticket.consultant_name} 接单。",
            f"{ticket.consultant_name} has already claimed {ticket.label}.", "consult-taken")
    ticket.status, ticket.claimed_at = CLAIMED, ctx.now
    metrics.HANDOFF_WAIT.observe(max((ctx.now - as_utc(ticket.created_at)).total_seconds(), 0.0))
    ticket.consultant_channel, ticket.consultant_id = inc.channel, inc.user_id
    ticket.consultant_name = (inc.display_name or inc.user_id)[:200]
    ctx.session.add(ticket)
    end_client_flow(ctx.session, ticket)
    who = consultant_title(ticket, ticket.lang)
    send_to_client(ctx.session, ticket, Reply(pick(
        ticket.lang,
        f"{who}已接入（工单 {ticket.label}）。现在起您发的消息会直接转给顾问；发送 /bot 可随时回到机器人。",
        f"{who.capitalize()} has joined (ticket {ticket.label}). From now on your messages go to the "
        "consultant; send /bot any time to go back to the bot."), tags=("handoff-claimed",)), "handoff-claimed", ctx.now)
    how = ctx.say(f"\n\n回复转来的消息，或用 /reply {ticket.id} 内容，与客户交流；/canned 查看快捷回复；"
                  f"/close {ticket.id} 结束。",
                  f"\n\nReply to a relayed message, or /reply {ticket.id} TEXT, to answer; /canned for canned "
                  f"replies; /close {ticket.id} to finish.")
    packet = Reply(render_packet(ctx.session, ticket, ctx.lang) + how, tags=("case-packet", ABOUT_CLIENT))
    team = staff(ctx.services.settings)
    in_private = inc.chat_id == inc.user_id and not inc.is_group
    if team.group is not None and team.group != inc.chat:
        enqueue(ctx.session, team.group, Reply(f"✅ {ticket.label} 已由 {ticket.consultant_name} 接单 / claimed",
                                               tags=("handoff-claimed-notice",)),
                "handoff-announce", f"handoff:{ticket.id}:claimed", ctx.now)
    if in_private:
        return [Reply(packet.text, tags=("consult-claimed", "case-packet", ABOUT_CLIENT))]
    send_to_consultant(ctx.session, ticket, packet, "handoff-packet", ctx.now)
    return _answer(ctx, f"✅ {ticket.label} 已由 {ticket.consultant_name} 接单，详情已私信发送。",
                   f"✅ {ticket.label} claimed by {ticket.consultant_name}; details sent privately.",
                   "consult-claimed")


def show_case(ctx: Context) -> list[Reply]:
    """Shows a ticket's case packet (a waiting ticket, or one the consultant claimed)."""
    ticket_id = parse_ticket_id(command_args(ctx))
    ticket = find_ticket(ctx.session, ticket_id) if ticket_id is not None else None
    if ticket is None:
        return _missing(ctx, ticket_id)
    inc = ctx.incoming
    handled = ticket.consultant_channel == inc.channel and ticket.consultant_id == inc.user_id
    if ticket.status != WAITING and not handled:
        return _not_yours(ctx, ticket)
    return [Reply(render_packet(ctx.session, ticket, ctx.lang), tags=("case-packet", ABOUT_CLIENT))]


def deliver_reply(ctx: Context, ticket: Ticket, text: str) -> list[Reply]:
    """Sends the consultant's words (and file) to the client of a ticket they hold."""
    if not holds(ticket, ctx.incoming):
        return _not_yours(ctx, ticket)
    attachment = ctx.incoming.attachment
    if not text and attachment is None:
        return _answer(ctx, "内容是空的，没有发送。", "Nothing to send.", "consult-usage")
    who = consultant_title(ticket, ticket.lang)
    who, colon = pick(ticket.lang, (who, "："), (who[:1].upper() + who[1:], ": "))
    body = f"👤 {who}{colon}{text}" if text else f"👤 {who}"
    send_to_client(ctx.session, ticket, Reply(body, attachment=attachment, tags=("handoff-reply",)),
                   "handoff-reply", ctx.now)
    if ticket.first_reply_at is None:
        ticket.first_reply_at = ctx.now
    return _answer(ctx, f"✓ 已发给 {ticket.label}", f"✓ Sent to {ticket.label}", "consult-sent")


def reply_to_client(ctx: Context) -> list[Reply]:
    """/reply TICKET TEXT: sends the text (and an attached file) to the ticket's client."""
    m = _REPLY_ARGS.match(command_args(ctx))
    ticket_id = parse_ticket_id(m.group(1)) if m else None
    if m is None or ticket_id is None:
        return _answer(ctx, "用法：/reply 工单号 内容", "Usage: /reply TICKET TEXT", "consult-usage")
    ticket = find_ticket(ctx.session, ticket_id, lock=True)
    if ticket is None:
        return _missing(ctx, ticket_id)
    return deliver_reply(ctx, ticket, (m.group(2) or "").strip())


def is_consultant_talking(ctx: Context) -> bool:
    """Route test: a consultant writes (not a command) and either quotes a relayed message
    (Incoming.reply_to) or holds tickets and writes in their private chat."""
    inc = ctx.incoming
    if ctx.text.startswith("/") or inc.payload is not None or not is_consultant(ctx):
        return False
    ticket = ticket_for_reply(ctx.session, inc)
    if ticket is not None:
        ctx.notes["reply_ticket"] = ticket
        return True
    return inc.chat_id == inc.user_id and bool(claimed_by(ctx.session, inc.channel, inc.user_id))


def reply_by_quote(ctx: Context) -> list[Reply]:
    """Sends a consultant's reply to a relayed message on to that ticket's client, or says how to."""
    ticket = ctx.notes.get("reply_ticket")
    if ticket is not None:
        return deliver_reply(ctx, ticket, ctx.incoming.text.strip())
    held = ", ".join(t.label for t in claimed_by(ctx.session, ctx.incoming.channel, ctx.incoming.user_id))
    return _answer(ctx, f"这条消息没有发给客户。你正在处理 {held}：请引用（回复）转来的客户消息，"
                   "或用 /reply 工单号 内容。",
                   f"That message was not sent to anyone. You hold {held}: reply to (quote) a relayed client "
                   "message, or use /reply TICKET TEXT.", "consult-hint")


def is_consultant_chatting(ctx: Context) -> bool:
    """Route test: a consultant types plain text in their own chat without a ticket to send it to (and
    outside a flow: a consultant trying /renew answers its questions)."""
    inc = ctx.incoming
    return (owner_of(ctx).kind == BOT and inc.payload is None and not ctx.text.startswith("/") and bool(ctx.text)
            and inc.chat_id == inc.user_id and not inc.is_group and is_consultant(ctx))


def hint_without_ticket(ctx: Context) -> list[Reply]:
    """Tells a consultant their text went to nobody and how to find a client to answer."""
    return _answer(ctx, "这条消息没有发给任何客户（你现在没有进行中的工单）。发送 /queue 查看等待接单的客户。",
                   "That message went to nobody (you hold no ticket). Send /queue to see who is waiting.",
                   "consult-hint", (Button("/queue", "/queue"),))


def send_canned(ctx: Context) -> list[Reply]:
    """/canned NAME [TICKET]: sends a canned reply in the client's language; /canned lists them."""
    try:
        replies = load_canned(canned_file(ctx.services.settings.knowledge_dir))
    except CannedError as exc:
        return _answer(ctx, f"快捷回复文件有误，请联系管理员：{exc}", f"The canned replies file is broken: {exc}",
                       "consult-canned-broken")
    name, _, rest = command_args(ctx).partition(" ")
    canned = replies.get(name.strip().lower())
    if canned is None:
        listing = "\n".join(f"{n} — {short(c.zh, 40)}" for n, c in replies.items()) or "—"
        head = ctx.say(f"没有名为「{short(name, 32)}」的快捷回复。" if name else "快捷回复：",
                       f"No canned reply named {short(name, 32)!r}." if name else "Canned replies:")
        return [Reply(f"{head}\n{listing}\n" + ctx.say("用法：/canned 名称 [工单号]", "Usage: /canned NAME [TICKET]"),
                      tags=("consult-canned-list",))]
    found = _my_ticket(ctx, rest.strip(), f"/canned {canned.name}")
    if isinstance(found, list):
        return found
    settings = ctx.services.settings
    consultancy = pick(found.lang, settings.consultancy_name, settings.consultancy_name_en)
    return deliver_reply(ctx, found, canned.text(found.lang).replace("{consultancy}", consultancy))


def close_conversation(ctx: Context) -> list[Reply]:
    """Ends a ticket: the client goes back to the bot and is asked for a rating (if a consultant served)."""
    found = _my_ticket(ctx, command_args(ctx), "/close")
    if isinstance(found, list):
        return found
    ticket = found
    if ticket.status == CLOSED or (ticket.status == CLAIMED and not holds(ticket, ctx.incoming)):
        return _not_yours(ctx, ticket)
    served = ticket.status == CLAIMED
    close_ticket(ctx.session, ticket, "consultant", ctx.now)
    lang = ticket.lang
    if served:
        who = consultant_title(ticket, lang)
        opening = pick(lang, f"{who}已结束本次服务（工单 {ticket.label}）。接下来由机器人为您解答，需要时可再次发送 /human。",
                      f"{who.capitalize()} has closed this conversation (ticket {ticket.label}). The bot "
                      "answers from now on; send /human to reach a consultant again.")
        send_to_client(ctx.session, ticket, rating_request(ticket, opening), "handoff-closed", ctx.now)
    else:
        send_to_client(ctx.session, ticket, Reply(pick(
            lang, f"您的转人工请求（工单 {ticket.label}）已关闭。如仍需帮助，请再次发送 /human。",
            f"Your request for a consultant (ticket {ticket.label}) was closed. Send /human if you still need "
            "help."), tags=("handoff-closed",)), "handoff-closed", ctx.now)
    return _answer(ctx, f"已结束 {ticket.label}，客户已交回机器人。", f"Closed {ticket.label}; the client is back "
                   "with the bot.", "consult-closed")
