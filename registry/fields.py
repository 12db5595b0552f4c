"""The facts of a licence as people type them: company name, licence type, scope (地网/全网).

Shared by the chat flows (intents/registry_steps.py), the /subscribe prefill arguments and the
import file (registry/importer.py).
"""

from __future__ import annotations

import re
import unicodedata

from bot.problems import Problem
from bot.steps import Env, Option, Updates
from knowledge.codes import HOLDABLE_LICENSES, LICENSES, LICENSES_EN

MAX_YEARS_AHEAD = 11  # basic telecom licences run 5 or 10 years; anything later is a typo
SCOPE_WORDS: dict[str, str] = {
    "provincial": "provincial", "地网": "provincial", "省内": "provincial", "本省": "provincial",
    "nationwide": "nationwide", "全网": "nationwide", "跨地区": "nationwide", "跨省": "nationwide",
    "cross-region": "nationwide", "crossregion": "nationwide",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def license_options(_env: Env | None = None) -> tuple[Option, ...]:
    """The licence types in the one order /renew uses too (knowledge/codes.py), labels as a button
    starts them (Call centre licence)."""
    return tuple(Option(code, LICENSES[code], LICENSES_EN[code][:1].upper() + LICENSES_EN[code][1:],
                        (code.upper(), code.replace("_", " "), LICENSES_EN[code]))
                 for code in HOLDABLE_LICENSES)


def scope_of(text: str) -> str | None:
    return SCOPE_WORDS.get(unicodedata.normalize("NFKC", text).strip().lower().replace(" ", ""))


def company_key(name: str) -> str:
    """Two spellings of one company compare equal: width, case, spaces and bracket styles ignored."""
    s = unicodedata.normalize("NFKC", name).lower()
    return re.sub(r"[\s()（）【】\[\]·.,，。]", "", s)


def parse_company(text: str, _env: Env | None = None) -> Updates | Problem:
    name = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()
    if _CONTROL.search(text) or name.startswith("/"):
        return Problem("bad_company", "公司名称里不能有控制字符，也不能以“/”开头。",
                       "A company name cannot contain control characters or start with “/”.")
    if len(name) < 2:
        return Problem("short_company", "请填写营业执照上的公司全称，例如：北京某某科技有限公司。",
                       "Please give the company's full registered name, e.g. Beijing Example Technology Co., Ltd.")
    if len(name) > 100:
        return Problem("long_company", f"公司名称太长（{len(name)}个字符），请填写营业执照上的全称（100字以内）。",
                       f"That name is too long ({len(name)} characters); please give the registered name.")
    return {"company": name}
