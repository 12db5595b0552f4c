"""Greeting, help, leaving a flow, choosing a language."""

from __future__ import annotations

from sqlmodel import select

from bot.context import Context
from bot.messages import Button, Reply
from bot.routes import RouteTable
from bot.staff import staff
from bot.storage.models import User


def main_menu(ctx: Context) -> tuple[Button, ...]:
    """The main actions, limited to the commands this build has."""
    commands = ctx.services.get(RouteTable).commands
    wanted = (
        (ctx.say("续期清单", "Renewal checklist"), "/renew"),
        (ctx.say("我的许可证", "My licences"), "/mylicenses"),
        (ctx.say("联系顾问", "Talk to a consultant"), "/human"),
    )
    reachable = bool(staff(ctx.services.settings).consultants)  # no consultant: no button that leads nowhere
    return tuple(Button(label, payload) for label, payload in wanted
                 if payload in commands and (payload != "/human" or reachable))


def greet(ctx: Context) -> list[Reply]:
    """Greets the user, says what the bot can do, and picks up a flow they left unfinished."""
    from intents.unfinished import unfinished_flow

    text = ctx.say(
        f"您好！我是{ctx.consultancy}的许可证助手，可以：\n"
        "・回答增值电信许可证（ICP、EDI、IDC、SP、CDN、呼叫中心等）的办理、续期、年报、变更问题——直接打字提问即可；\n"
        "・生成续期材料清单和时间表（/renew）；\n"
        "・登记您的许可证，到期和年报前提醒您（/subscribe）；\n"
        "・转接人工顾问（/human）。\n"
        "发送 /help 查看全部命令。",
        f"Hello! I'm the licence assistant of {ctx.consultancy}. I can:\n"
        "- answer questions about Chinese value-added telecom licences (ICP, EDI, IDC, SP, CDN, call "
        "centre…): applying, renewal, annual reports, changes — just type your question;\n"
        "- build a renewal checklist and timeline (/renew);\n"
        "- register your licences and remind you before expiry and annual reports (/subscribe);\n"
        "- put you through to a human consultant (/human).\n"
        "Send /help for all commands.",
    )
    open_flow = unfinished_flow(ctx)
    return [Reply(text, buttons=() if open_flow else main_menu(ctx), tags=("start",)), *open_flow]


def show_help(ctx: Context) -> list[Reply]:
    """Lists the commands the user can send."""
    from bot.staff import is_consultant

    consultant = is_consultant(ctx)
    lines = [ctx.say("可用命令：", "Commands:")]
    for name, command in ctx.services.get(RouteTable).commands.items():
        label = ctx.say(command.menu_zh, command.menu_en)
        if label and (consultant or not command.consultant_only):
            lines.append(f"{name} — {label}")
    lines.append(ctx.say("也可以直接输入问题，例如：ICP证续期要什么材料？",
                         "Or just type a question, e.g. What do I need to renew an ICP licence?"))
    return [Reply("\n".join(lines), tags=("help",))]


def cancel(ctx: Context) -> list[Reply]:
    """Leaves whatever flow the user is in."""
    if ctx.state.flow is None:
        return [Reply(ctx.say("当前没有进行中的流程。有问题可以直接问我。", "Nothing to cancel. Ask me anything."),
                      tags=("cancel",))]
    ctx.state.clear_flow()
    return [Reply(ctx.say("已退出当前流程，之前填写的内容不会保存。", "Cancelled. Nothing from that flow was kept."),
                  buttons=main_menu(ctx), tags=("cancel",))]


def go_back(ctx: Context) -> list[Reply]:
    """Asks the previous question of the current guided flow again."""
    flow = ctx.services.get(RouteTable).flows.get(ctx.state.flow or "")
    if flow is None or flow.back is None:
        return [Reply(ctx.say("当前没有可以返回的上一步。", "There is no previous step to go back to."),
                      tags=("back-nothing",))]
    return flow.back(ctx)


def set_language(ctx: Context) -> list[Reply]:
    """Switches the reply language to Chinese or English, remembered for this user."""
    from bot.commands import command_args

    arg = command_args(ctx).lower()
    if arg not in ("zh", "en"):
        return [Reply(ctx.say("请选择语言：", "Choose a language:"),
                      buttons=(Button("中文", "/lang zh"), Button("English", "/lang en")), tags=("lang",))]
    inc = ctx.incoming
    user = ctx.session.exec(select(User).where(User.channel == inc.channel, User.user_id == inc.user_id)).first()
    if user is None:
        user = User(channel=inc.channel, user_id=inc.user_id, created_at=ctx.now, last_seen_at=ctx.now)
    user.lang = arg
    ctx.session.add(user)
    ctx.lang = arg
    return [Reply(ctx.say("好的，之后用中文回复您。", "OK, I'll reply in English from now on."), tags=("lang",))]


def unknown_command(ctx: Context) -> list[Reply]:
    """Tells the user the command is not known and points to /help."""
    return [Reply(ctx.say("没有这个命令。发送 /help 查看可用命令，或直接输入问题。",
                          "I don't know that command. Send /help for the list, or just ask a question."),
                  tags=("unknown-command",))]
