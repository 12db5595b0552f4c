"""/mydata shows what is stored about the user; /forget deletes it after a confirmation (PIPL)."""

from __future__ import annotations

from bot.context import Context
from bot.labels import channel_label
from bot.messages import Button, Reply
from bot.storage.personal import count_personal_data, delete_personal_data

CONFIRM_WORDS = {"确认删除", "确认", "是", "yes", "confirm", "delete"}


def show_my_data(ctx: Context) -> list[Reply]:
    """Shows what is stored about the user, table by table, and how to delete it."""
    inc = ctx.incoming
    rows = count_personal_data(ctx.session, inc.channel, inc.user_id)
    lines = [ctx.say("我们保存的关于您的数据：", "What we store about you:")]
    for table, count in rows:
        lines.append(f"・{ctx.say(table.label_zh, table.label_en)}: {count}")
    where = channel_label(inc.channel, ctx.lang)
    lines.append(ctx.say(f"渠道 {where}，用户 ID {inc.user_id}。发送 /forget 可全部删除。",
                         f"Channel {where}, user id {inc.user_id}. Send /forget to delete it all."))
    return [Reply("\n".join(lines), tags=("mydata",))]


def ask_to_forget(ctx: Context) -> list[Reply]:
    """Asks the user to confirm that everything stored about them should be deleted."""
    ctx.state.start_flow("forget", "confirm")
    return [Reply(
        ctx.say("确定要删除我们保存的关于您的全部数据吗？包括对话、提问记录、登记的许可证和提醒。此操作不可恢复。",
                "Delete everything we store about you — conversations, questions, registered licences and "
                "reminders? This cannot be undone."),
        buttons=(Button(ctx.say("确认删除", "Delete"), ctx.say("确认删除", "confirm")),
                 Button(ctx.say("取消", "Cancel"), "/cancel")),
        tags=("forget-ask",),
    )]


def confirm_forget(ctx: Context) -> list[Reply]:
    """Deletes the user's data if they confirmed; otherwise keeps it and leaves the flow."""
    if ctx.text.lower() not in CONFIRM_WORDS:
        ctx.state.clear_flow()
        return [Reply(ctx.say("好的，没有删除任何数据。", "OK, nothing was deleted."), tags=("forget-kept",))]
    inc = ctx.incoming
    deleted = delete_personal_data(ctx.session, inc.channel, inc.user_id)
    ctx.forgotten = True
    return [Reply(ctx.say(f"已删除关于您的全部数据（{deleted}条记录）。",
                          f"Everything we stored about you has been deleted ({deleted} records)."),
                  tags=("forget-done",))]
