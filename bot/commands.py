"""Parsing "/command args" and the type that describes a command."""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import Context, Handler


@dataclass(frozen=True)
class Command:
    handle: Handler
    menu_zh: str  # one line for /help and the platforms' command menus; "" = not listed
    menu_en: str
    consultant_only: bool = False


def split_command(text: str) -> tuple[str, str]:
    """'/Lang@licensebot en' -> ('/lang', 'en'). Text that is not a command gives ('', text)."""
    text = text.strip()
    if not text.startswith("/") or len(text) < 2:
        return "", text
    head, _, rest = text.partition(" ")
    name = head.split("@", 1)[0].lower()
    return name, rest.strip()


def command_args(ctx: Context) -> str:
    return split_command(ctx.text)[1]
