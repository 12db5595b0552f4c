"""The renewal checklist's questions, as data for the generic step engine (bot/steps.py).

Diagram: checklist/checklist_flow.mmd. The options come from knowledge/checklist.yaml, so adding a
licence type or an answer choice is a YAML edit. The parse functions are shared with the CLI.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.dates import parse_date
from bot.license_numbers import EXAMPLES, check_license_number, parse_license_number
from bot.problems import Problem
from bot.provinces import find_province, parse_province
from bot.steps import CHOICE, MULTI, TEXT, Env, Option, Step, Updates
from checklist.rules import ChecklistRules
from knowledge.codes import licence_rank

COMMON_PROVINCES = ("北京", "上海", "广东", "浙江", "江苏")


def _rules(env: Env) -> ChecklistRules:
    rules: ChecklistRules = env.config
    return rules


def license_options(env: Env) -> tuple[Option, ...]:
    """The licence types of checklist.yaml in the one order /subscribe uses too (knowledge/codes.py)."""
    return checklist_license_options(_rules(env))


def checklist_license_options(rules: ChecklistRules) -> tuple[Option, ...]:
    types = sorted(rules.licenses, key=lambda lt: licence_rank(lt.code))
    return tuple(Option(lt.code, lt.name.zh, lt.name.en, lt.aliases) for lt in types)


def basic_telecom(rules: ChecklistRules, code: object) -> Problem | None:
    """A basic telecom licence (class A1/A2) is issued and renewed by MIIT only, never a province; the
    checklist covers value-added licences. The problem says so."""
    lt = rules.license(str(code)) if code else None
    if lt is None or not lt.cls.startswith("A"):
        return None
    name_en = lt.name.en[:1].lower() + lt.name.en[1:] if lt.name.en[1:2].islower() else lt.name.en
    return Problem("basic_telecom",
                   f"{lt.name.zh}是基础电信业务（{lt.service}），只由工业和信息化部审批和续期，没有省通信管理局颁发的“地网”版本；"
                   "这份续期清单只适用于增值电信业务。基础电信业务的续期请联系顾问，也可以登记到期提醒。",
                   f"The {name_en} is a basic telecom service ({lt.service}): only MIIT issues and renews it, "
                   "there is no provincial version, and this checklist covers value-added licences only. "
                   "A consultant can help with the renewal; you can also register the licence for reminders.")


def _choice_options(kind: str) -> Callable[[Env], tuple[Option, ...]]:
    def options(env: Env) -> tuple[Option, ...]:
        return tuple(Option(c.value, c.label.zh, c.label.en, c.aliases) for c in _rules(env).answers[kind])
    return options


def parse_scope(text: str, env: Env) -> Updates | Problem:
    """Typed scope with a province: '北京', '地网 北京', '北京地网' → provincial in that province."""
    rest = re.sub(r"地网|省内|本省|provincial", "", text, flags=re.IGNORECASE).strip(" ,，、()（）")
    province = find_province(rest) if rest else None
    if province is not None:
        return {"scope": "provincial", "province": province.name}
    return Problem("not_a_scope", "请选择“地网”（一个省份，由省通信管理局颁发）或“全网”（跨地区，由工业和信息化部颁发）。",
                   "Choose “provincial” (one province, issued by the provincial authority) or “nationwide” "
                   "(cross-region, issued by MIIT).")


def parse_number(text: str, env: Env) -> Updates | Problem:
    """Parse the licence number and check it against the licence type, scope and province given."""
    parsed = parse_license_number(text, env.today)
    if isinstance(parsed, Problem):
        return parsed
    lt = _rules(env).license(str(env.answers.get("license")))
    expected = (lt.cls, lt.service) if lt else None
    problems = check_license_number(parsed, str(env.answers.get("license")), env.answers.get("scope"),
                                    env.answers.get("province"), expected=expected)
    if problems:
        return Problem(problems[0].code, "".join(p.zh for p in problems) + "请核对后重新输入，或点“跳过”。",
                       " ".join(p.en for p in problems) + " Please check and type it again, or skip.")
    return {"number": parsed.text}


def parse_expiry(text: str, env: Env) -> Updates | Problem:
    parsed = parse_date(text, env.today)
    if isinstance(parsed, Problem):
        return parsed
    return {"expires": parsed.isoformat()}


def _provincial(env: Env) -> bool:
    return env.answers.get("scope") == "provincial"


def _asks_prior_approvals(env: Env) -> bool:
    lt = _rules(env).license(str(env.answers.get("license")))
    return bool(lt and lt.prior_approvals)


def _province_suggestions(env: Env) -> tuple[Option, ...]:
    out = []
    for name in COMMON_PROVINCES:
        p = find_province(name)
        if p is not None:
            out.append(Option(p.name, p.name, p.en))
    return tuple(out)


RENEWAL_STEPS: tuple[Step, ...] = (
    Step("license", CHOICE, ("您要续期的是哪种许可证？", "Which licence is up for renewal?"),
         options=license_options),
    Step("scope", CHOICE, ("是地网（一个省份）还是全网（跨地区）？", "Provincial (one province) or nationwide (cross-region)?"),
         example=("地网也可以直接输入省份，例如：北京", "For provincial you can type the province, e.g. Beijing"),
         options=_choice_options("scope"), parse=parse_scope),
    Step("province", TEXT, ("许可证是哪个省份颁发的？", "Which province issued the licence?"),
         example=("例如：北京、广东、浙江，或简称 京、粤、浙", "e.g. Beijing, Guangdong, or 京, 粤"),
         options=_province_suggestions, parse=parse_province, applies=_provincial),
    Step("number", TEXT, ("许可证编号是多少？（可跳过）", "What is the licence number? (optional)"),
         example=(f"例如：{EXAMPLES}", f"e.g. {EXAMPLES.replace('、', ', ')}"), parse=parse_number, optional=True),
    Step("expires", TEXT, ("许可证哪天到期？", "When does the licence expire?"),
         example=("例如：2027-03-15、2027年3月15日 或 明年3月15日", "e.g. 2027-03-15, 15 March 2027"),
         parse=parse_expiry),
    Step("changes", MULTI, ("取得许可证以来，公司有哪些变化？（可多选，选好后点“完成”）",
                            "What has changed since the licence was issued? (several allowed, then “Done”)"),
         options=_choice_options("changes")),
    Step("foreign", CHOICE, ("公司有外资吗？", "Is there foreign investment in the company?"),
         options=_choice_options("foreign")),
    Step("special", MULTI, ("是否涉及需要前置审批的领域？（可多选，选好后点“完成”）",
                            "Does the service touch a field that needs a prior approval? (several allowed, then “Done”)"),
         options=_choice_options("special"), applies=_asks_prior_approvals),
)
