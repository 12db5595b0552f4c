"""The one ordered table of routes, and the tables of commands and flows it dispatches to.

A message goes to the first route whose test matches:

    command (/start, button payloads "/…")  →  active flow  →  FAQ answer or clarify  →  fallback
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.context import Context, Handler
from bot.messages import Reply
from intents import basics, checklist, faq, privacy
from intents.commands import Command, split_command


@dataclass(frozen=True)
class Route:
    name: str
    matches: Callable[[Context], bool]
    handle: Handler


@dataclass(frozen=True)
class Flow:
    """A multi-step dialogue: `step` handles the next answer, `back` goes one step back (optional)."""

    step: Handler
    back: Handler | None = None


COMMANDS: dict[str, Command] = {
    "/start": Command(basics.greet, "开始", "Start"),
    "/help": Command(basics.show_help, "帮助与命令列表", "Help and commands"),
    "/cancel": Command(basics.cancel, "退出当前流程", "Leave the current flow"),
    "/back": Command(basics.go_back, "返回上一步", "Go back one step"),
    "/renew": Command(checklist.start_renewal, "续期材料清单和时间表", "Renewal checklist and timeline"),
    "/checklist": Command(checklist.show_checklist, "查看或导出我的续期清单", "See or export my checklists"),
    "/lang": Command(basics.set_language, "切换语言 zh|en", "Switch language zh|en"),
    "/mydata": Command(privacy.show_my_data, "查看我们保存的您的数据", "See the data we keep about you"),
    "/forget": Command(privacy.ask_to_forget, "删除我的全部数据", "Delete all my data"),
    "/faq": Command(faq.show_entry, "", ""),
}

FLOWS: dict[str, Flow] = {
    "forget": Flow(privacy.confirm_forget),
    checklist.FLOW_NAME: Flow(checklist.answer_renewal_step, checklist.go_back_in_renewal),
}


def is_command(ctx: Context) -> bool:
    return ctx.text.startswith("/")


def run_command(ctx: Context) -> list[Reply]:
    name, _ = split_command(ctx.text)
    command = COMMANDS.get(name)
    return command.handle(ctx) if command else basics.unknown_command(ctx)


def in_flow(ctx: Context) -> bool:
    return ctx.state.flow in FLOWS


def continue_flow(ctx: Context) -> list[Reply]:
    return FLOWS[ctx.state.flow or ""].step(ctx)


def always(_ctx: Context) -> bool:
    return True


ROUTES: tuple[Route, ...] = (
    Route("command", is_command, run_command),
    Route("flow", in_flow, continue_flow),
    Route("faq", faq.has_answer, faq.answer_question),
    Route("fallback", always, faq.fall_back),
)
