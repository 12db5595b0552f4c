"""/console: a configured consultant gets a one-time link to the web console (in a private chat only).

The console's own chat command: it issues the link (workspace/auth.py), so it lives with the console,
above the chat features; the route table (licensebot/routes.py) names it."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Reply
from workspace.auth import LINK_MINUTES, issue_link, link_url


def send_console_link(ctx: Context) -> list[Reply]:
    inc = ctx.incoming
    if inc.is_group or inc.chat_id != inc.user_id:
        return [Reply(ctx.say("登录链接只在私聊中发送：请在与机器人的私聊里发送 /console。",
                              "Sign-in links are sent in private only: send /console in your private chat with the bot."),
                      tags=("console-link-private",))]
    token = issue_link(ctx.session, f"{inc.channel}:{inc.user_id}", ctx.now)
    url = link_url(ctx.services.settings, token)
    return [Reply(ctx.say(f"顾问工作台登录链接（{LINK_MINUTES} 分钟内有效，只能使用一次，请勿转发）：\n{url}",
                          f"Your sign-in link to the consultants' console (valid {LINK_MINUTES} minutes, works once, "
                          f"do not forward it):\n{url}"), tags=("console-link",))]
