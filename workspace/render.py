"""Templates (Jinja2, autoescaped) and the helpers every page uses."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.clock import SHANGHAI, as_utc
from bot.language import pick

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
WEEKDAYS_ZH = "一二三四五六日"


def local(at: datetime | None, lang: str = "zh") -> str:
    """A stored UTC time as Asia/Shanghai wall time with the weekday."""
    if at is None:
        return "—"
    t = as_utc(at).astimezone(SHANGHAI)
    day = pick(lang, f"周{WEEKDAYS_ZH[t.weekday()]}", t.strftime("%a"))
    return f"{t:%Y-%m-%d} {day} {t:%H:%M}"


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["local"] = local
    return env


def render(name: str, lang: str, **values: Any) -> str:
    def t(zh: str, en: str) -> str:
        return pick(lang, zh, en)

    return environment().get_template(name).render(lang=lang, t=t, **values)
