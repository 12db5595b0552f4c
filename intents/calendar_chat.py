"""/calendar: the client's licence milestones for their own calendar app.

    /calendar          an .ics file (reminders, last day to apply, expiry; each with an alarm)
    /calendar link     a private subscription URL served by the web app (calendar apps refresh it)
    /calendar revoke   the link stops working; /calendar link makes a new one
"""

from __future__ import annotations

from bot.clock import SHANGHAI
from bot.commands import command_args
from bot.context import Context
from bot.messages import Attachment, Button, Reply
from scheduler.ical import ICS_MIME, issue_token, licence_calendar, licences_of, revoke_tokens
from scheduler.ical_web import calendar_url


def send_calendar(ctx: Context) -> list[Reply]:
    """Sends the calendar file, a private subscription link, or revokes the link."""
    arg = command_args(ctx).strip().lower()
    inc = ctx.incoming
    if arg in ("revoke", "撤销"):
        n = revoke_tokens(ctx.session, inc.channel, inc.user_id, ctx.now)
        return [Reply(ctx.say("订阅链接已撤销，日历应用将无法再更新。" if n else "您没有有效的订阅链接。",
                              "The subscription link is revoked." if n else "You have no active link."),
                      tags=("calendar-revoked",))]
    licences = licences_of(ctx.session, inc.channel, inc.user_id)
    if not licences:
        return [Reply(ctx.say("登记许可证后才能生成日历。", "Register a licence first to get a calendar."),
                      buttons=(Button(ctx.say("登记许可证", "Register a licence"), "/subscribe"),), tags=("calendar-empty",))]
    if arg in ("link", "链接", "subscribe"):
        token = issue_token(ctx.session, inc.channel, inc.user_id, ctx.now).token
        url = calendar_url(ctx.services.settings.public_base_url, token)
        return [Reply(ctx.say(f"您的私人日历订阅链接（请勿转发）：\n{url}\n在日历应用中选择“添加订阅日历”并粘贴。",
                              f"Your private calendar link (do not share it):\n{url}\nAdd it as a subscribed calendar."),
                      buttons=(Button(ctx.say("撤销链接", "Revoke the link"), "/calendar revoke"),), tags=("calendar-link",))]
    today = ctx.now.astimezone(SHANGHAI).date()
    content = licence_calendar(ctx.session, ctx.services.reminders, licences, today, ctx.now)
    return [Reply(ctx.say("许可证续期日历（.ics），可导入手机或电脑日历，每个日期都带提醒。",
                          "Your licence renewal calendar (.ics) with an alarm on every date."),
                  attachment=Attachment("licence-reminders.ics", content, ICS_MIME),
                  buttons=(Button(ctx.say("订阅链接", "Subscription link"), "/calendar link"),), tags=("calendar-file",))]
