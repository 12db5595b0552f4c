"""A licence's second contact in chat: the client names one, the contact confirms from their own chat.

    /license ID contact [NAME]   (a client: mylicenses ACTIONS) → a one-time code to pass on
    /contact CODE                (the contact, in their own chat) → bound; escalations reach them
"""

from __future__ import annotations

from bot.commands import command_args
from bot.context import Context
from bot.messages import Button, Reply
from registry import contacts
from registry.models import License, Subscription
from scheduler.texts import license_name

DEFAULT_NAME = "法定代表人"


def invite_contact(ctx: Context, lic: License, _subs: list[Subscription], args: list[str]) -> list[Reply]:
    """Gives the client a code for a second contact, who gets unacknowledged 30/14-day reminders."""
    name = " ".join(args).strip()[:60] or DEFAULT_NAME
    row = contacts.invite(ctx.session, lic.id or 0, name, f"{ctx.incoming.channel}:{ctx.incoming.user_id}", ctx.now)
    return [Reply(ctx.say(
        f"请把下面这行转给{name}，让对方在与本机器人的对话中发送（企业微信或 Telegram 均可）：\n/contact {row.code}\n"
        f"登记后，如果{license_name(lic.license_type, 'zh')} {lic.number} 的30天或14天续期提醒两天内没有人点“已在处理”，"
        "我们会同时通知对方和顾问。",
        f"Pass this line to {name}; they send it to this bot from their own chat (WeCom or Telegram):\n"
        f"/contact {row.code}\nOnce registered, if nobody acknowledges the 30- or 14-day renewal reminder of "
        f"{lic.number} within two days, we tell them and the consultant."), tags=("contact-invite",))]


def register_contact(ctx: Context) -> list[Reply]:
    """Registers the sender as a licence's second contact with the code the client passed on."""
    inc = ctx.incoming
    row = contacts.claim(ctx.session, command_args(ctx), inc.channel, inc.chat_id, inc.user_id, ctx.now)
    if row is None:
        return [Reply(ctx.say("这个登记码无效或已经用过了，请向贵公司负责续期的同事重新获取。",
                              "That code is unknown or already used; ask your colleague for a new one."),
                      tags=("contact-refused",))]
    lic = ctx.session.get(License, row.license_id)
    number = lic.number if lic is not None else ""
    return [Reply(ctx.say(f"已登记：您是许可证 {number} 的第二联系人（{row.name}）。30天或14天续期提醒无人确认时，我们会通知您。",
                          f"Registered: you are the second contact ({row.name}) of licence {number}. If a 30- or "
                          "14-day renewal reminder is not acknowledged, we will tell you."),
                  buttons=(Button(ctx.say("联系顾问", "Talk to a consultant"), "/human"),), tags=("contact-registered",))]
