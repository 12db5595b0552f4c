"""/mydata shows what is stored about the user; /forget deletes it after a confirmation (PIPL).

/forget while a hand-off ticket is open closes the ticket first and tells the consultant (or the
consultants, if nobody had claimed it) in plain words, without repeating anything the client wrote.
The ticket itself stays as an anonymous row (times, status, rating) so hand-off statistics keep
their history; everything that quotes the client is deleted (the personal-data registry,
bot/storage/personal.py, that licensebot/tables.py assembles).
"""

from __future__ import annotations

from bot.commands import command_args
from bot.context import Context
from bot.labels import channel_label
from bot.messages import Button, ChatRef, Reply
from bot.outbox import enqueue
from bot.staff import staff
from bot.storage.personal import PersonalData
from intents.handoff_models import CLAIMED, Ticket
from intents.tickets import close_ticket, consultant_chat, open_ticket

CONFIRM_WORDS = {"确认删除", "确认", "是", "yes", "confirm", "delete"}
FLOW_NAME = "forget"


def show_my_data(ctx: Context) -> list[Reply]:
    """Shows what is stored about the user, table by table, and how to delete it."""
    inc = ctx.incoming
    rows = ctx.services.get(PersonalData).count(ctx.session, inc.channel, inc.user_id)
    lines = [ctx.say("我们保存的关于您的数据：", "What we store about you:")]
    for table, count in rows:
        lines.append(f"・{ctx.say(table.label_zh, table.label_en)}: {count}")
    where = channel_label(inc.channel, ctx.lang)
    lines.append(ctx.say(f"渠道 {where}，用户 ID {inc.user_id}。发送 /forget 可全部删除。",
                         f"Channel {where}, user id {inc.user_id}. Send /forget to delete it all."))
    return [Reply("\n".join(lines), tags=("mydata",))]


def ask_to_forget(ctx: Context) -> list[Reply]:
    """Asks the user to confirm that everything stored about them should be deleted (`/forget cancel` keeps it)."""
    if command_args(ctx).lower() == "cancel":
        return keep_data(ctx)
    ctx.state.start_flow(FLOW_NAME, "confirm")
    inc = ctx.incoming
    ticket = open_ticket(ctx.session, inc.channel, inc.user_id)
    also = ctx.say(f"您正在进行的人工咨询（工单 {ticket.label}）会随之结束。",
                   f" Your open consultant request (ticket {ticket.label}) will be closed.") if ticket else ""
    return [Reply(
        ctx.say("确定要删除我们保存的关于您的全部数据吗？包括对话、提问记录、人工咨询记录、登记的许可证（公司、编号、到期日）"
                "和提醒订阅。此操作不可恢复。" + also,
                "Delete everything we store about you — conversations, questions, consultant conversations, "
                "registered licences (company, number, expiry) and reminder subscriptions? This cannot be undone."
                + also),
        buttons=(Button(ctx.say("确认删除", "Delete"), ctx.say("确认删除", "confirm")),
                 Button(ctx.say("取消", "Cancel"), "/forget cancel")),
        tags=("forget-ask",),
    )]


def keep_data(ctx: Context) -> list[Reply]:
    """Leaves the /forget confirmation and says plainly that nothing was deleted."""
    if ctx.state.flow == FLOW_NAME:
        ctx.state.clear_flow()
    return [Reply(ctx.say("好的，没有删除任何数据，您的数据都还在。", "OK, nothing was deleted; your data is as it was."),
                  tags=("forget-kept",))]


def confirm_forget(ctx: Context) -> list[Reply]:
    """Deletes the user's data if they confirmed (closing an open ticket first); otherwise keeps it."""
    if ctx.text.lower() not in CONFIRM_WORDS:
        return keep_data(ctx)
    inc = ctx.incoming
    ticket = open_ticket(ctx.session, inc.channel, inc.user_id, lock=True)
    was_claimed = ticket is not None and ticket.status == CLAIMED
    if ticket is not None:
        close_ticket(ctx.session, ticket, "forgotten", ctx.now)
        ctx.session.flush()
    deleted = ctx.services.get(PersonalData).delete(ctx.session, inc.channel, inc.user_id)
    if ticket is not None:  # after the deletion, so the notice is not deleted with the rest
        tell_consultants(ctx, ticket, was_claimed)
    ctx.forgotten = True
    closed = ctx.say(f"您的人工咨询（工单 {ticket.label}）已结束，顾问已收到通知。",
                     f" Your consultant conversation (ticket {ticket.label}) is closed; the consultant "
                     "has been told.") if ticket is not None else ""
    return [Reply(ctx.say(f"已删除关于您的全部数据（{deleted}条记录）。", f"Everything we stored about you has been "
                          f"deleted ({deleted} records).") + closed, tags=("forget-done",))]


def tell_consultants(ctx: Context, ticket: Ticket, was_claimed: bool) -> None:
    """The consultant who held the ticket (or the consultants, if it waited) learns it ended, and why."""
    text = (f"🗑 工单 {ticket.label}：客户要求删除其全部数据（/forget）。工单已关闭，客户的消息和资料已删除，"
            f"无法再回复这位客户。/ Ticket {ticket.label}: the client asked us to delete all their data. The "
            "ticket is closed and what they wrote is deleted; you can no longer reply to them.")
    team = staff(ctx.services.settings)
    targets: list[ChatRef] = [consultant_chat(ticket)] if was_claimed else team.announce_targets()
    for to in targets:
        enqueue(ctx.session, to, Reply(text, tags=("handoff-forgotten",)), "handoff-closed",
                f"forgotten:{ticket.id}:{to.channel}:{to.chat_id}", ctx.now)
