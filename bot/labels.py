"""What a stored code reads as, in the reader's language: scope and province, a reminder's paused reason.

Codes ("provincial", "nationwide", a province's Chinese short name, a dispatcher's error note) are how
the database keeps things; nobody reading a message should see one. Licence names are
scheduler/texts.py `license_name`; checklist answers (changes, foreign investment, prior approvals)
are labelled by their rules file (checklist/rules.py `Choice.label`).
"""

from __future__ import annotations

import re

from bot.language import pick
from bot.provinces import find_province


def province_label(province: str | None, lang: str) -> str:
    """北京 → 北京 / Beijing; an unknown name is shown as stored."""
    found = find_province(province) if province else None
    return found.label(lang) if found is not None else (province or "")


def scope_label(scope: str | None, province: str | None, lang: str) -> str:
    """"provincial", 北京 → 地网 · 北京 / Provincial · Beijing; "nationwide" → 全网（跨地区）."""
    if scope == "nationwide":
        return pick(lang, "全网（跨地区）", "Nationwide (cross-region)")
    if scope == "provincial":
        where = province_label(province, lang)
        return pick(lang, "地网", "Provincial") + (f" · {where}" if where else "")
    return pick(lang, "未填", "not given")


CHANNELS: dict[str, tuple[str, str]] = {
    "console": ("终端", "terminal"),
    "telegram": ("Telegram", "Telegram"),
    "wecom": ("企业微信", "WeCom"),
    "wecom_kf": ("微信客服", "WeChat customer service"),
    "wecom_robot": ("企业微信群机器人", "WeCom group robot"),
}
LANGUAGES: dict[str, tuple[str, str]] = {"zh": ("中文", "Chinese"), "en": ("英文", "English")}


def channel_label(channel: str, lang: str) -> str:
    """console → 终端 / terminal; a channel not listed is shown as stored."""
    zh, en = CHANNELS.get(channel, (channel, channel))
    return pick(lang, zh, en)


def language_label(code: str | None, lang: str) -> str:
    zh, en = LANGUAGES.get(code or "", (code or "", code or ""))
    return pick(lang, zh, en)


_DATED = re.compile(r"^(\d{4}-\d{2}-\d{2})\b")


def paused_reason_label(reason: str, lang: str) -> str:
    """Why reminders are paused, from what was stored ("2026-12-04 delivery failed: Forbidden…" by the
    dispatcher, "2026-12-04 手动暂停" / "paused on 2026-12-04" by the client's button)."""
    if not reason:
        return ""
    m = _DATED.match(reason)
    day = m.group(1) if m else ""
    if "delivery failed" in reason:
        return pick(lang, f"{day} 起消息无法送达，已自动暂停", f"messages could not be delivered from {day}; paused automatically")
    if "手动暂停" in reason or reason.startswith("paused on"):
        day = day or reason.removeprefix("paused on").strip()
        return pick(lang, f"{day} 手动暂停", f"paused by you on {day}")
    return pick(lang, f"{day} 暂停", f"paused on {day}") if day else ""
