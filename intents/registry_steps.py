"""The questions of the licence registry (/subscribe, editing, marking renewed), as step data.

Run by the generic step engine (bot/steps.py); diagram: intents/registry_flow.mmd. The parse
functions are shared by the chat flows and the /subscribe prefill arguments; those the import file
needs too (company, licence type, scope) are in registry/fields.py.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.dates import parse_date
from bot.license_numbers import EXAMPLES, LicenseNumber, check_license_number, parse_license_number
from bot.problems import Problem
from bot.provinces import parse_province
from bot.steps import CHOICE, TEXT, Env, Option, Step, Updates
from registry.fields import MAX_YEARS_AHEAD, license_options, parse_company


def scope_options(_env: Env | None = None) -> tuple[Option, ...]:
    return (Option("provincial", "地网（一个省份）", "Provincial (one province)", ("地网", "省内", "本省")),
            Option("nationwide", "全网（跨地区）", "Nationwide (cross-region)", ("全网", "跨地区", "跨省", "cross-region")))




def number_facts(number: LicenseNumber) -> Updates:
    """What a licence number says by itself: its canonical spelling, scope and province."""
    out: Updates = {"number": number.text, "scope": number.scope}
    if number.province is not None:
        out["province"] = number.province.name
    return out


def check_number(text: str, license_code: str, scope: str | None, province: str | None,
                 today: date) -> Updates | Problem:
    """Parse a licence number and check it against the type (and scope, province when known)."""
    parsed = parse_license_number(text, today)
    if isinstance(parsed, Problem):
        return parsed
    problems = check_license_number(parsed, license_code, scope, province)
    if problems:
        return Problem(problems[0].code, "".join(p.zh for p in problems) + "请核对后重新输入。",
                       " ".join(p.en for p in problems) + " Please check it and type it again.")
    return number_facts(parsed)


def parse_number(text: str, env: Env) -> Updates | Problem:
    return check_number(text, str(env.answers.get("license")), env.answers.get("scope"),
                        env.answers.get("province"), env.today)


def check_expiry(value: date, today: date) -> Problem | None:
    if value < today:
        return Problem("expired", f"{value.isoformat()} 已经过去了。已到期的许可证不能再续期，需要重新申请——可以联系顾问（/human）。"
                       "如果是输错了，请重新输入到期日。",
                       f"{value.isoformat()} is in the past. An expired licence cannot be renewed and must be applied "
                       "for anew — talk to a consultant (/human). If it was a typo, type the expiry date again.")
    if value > today + timedelta(days=366 * MAX_YEARS_AHEAD):
        return Problem("too_far", f"{value.isoformat()} 太远了：许可证有效期一般为5年（基础电信业务5年或10年）。请核对证书上的到期日。",
                       f"{value.isoformat()} is too far ahead: licences run 5 years (basic telecom 5 or 10). "
                       "Please check the expiry date on the certificate.")
    return None


def parse_expiry(text: str, env: Env) -> Updates | Problem:
    parsed = parse_date(text, env.today)
    if isinstance(parsed, Problem):
        return parsed
    return check_expiry(parsed, env.today) or {"expires": parsed.isoformat()}


def parse_new_expiry(text: str, env: Env) -> Updates | Problem:
    """The expiry after a renewal: in the future and later than the old one."""
    outcome = parse_expiry(text, env)
    old = env.answers.get("old_expires")
    if isinstance(outcome, dict) and old and outcome["expires"] <= old:
        return Problem("not_later", f"新的到期日应晚于原到期日 {old}。请填写新证书上的到期日。",
                       f"The new expiry must be later than the old one ({old}). Type the date on the new licence.")
    return outcome


def _provincial_without_province(env: Env) -> bool:
    return env.answers.get("scope") == "provincial" and not env.answers.get("province")


def _no_scope(env: Env) -> bool:
    return not env.answers.get("scope")


COMPANY = Step("company", TEXT, ("公司名称是什么？（营业执照上的全称）", "What is the company's registered name?"),
               example=("例如：北京某某科技有限公司", "e.g. Beijing Example Technology Co., Ltd."), parse=parse_company)
LICENSE = Step("license", CHOICE, ("是哪种许可证？", "Which licence is it?"), options=license_options)
NUMBER = Step("number", TEXT, ("许可证编号是多少？", "What is the licence number?"),
              example=(f"例如：{EXAMPLES}", f"e.g. {EXAMPLES}"), parse=parse_number)
SCOPE = Step("scope", CHOICE, ("是地网（一个省份）还是全网（跨地区）？", "Provincial (one province) or nationwide?"),
             options=scope_options, applies=_no_scope)
PROVINCE = Step("province", TEXT, ("许可证是哪个省份颁发的？", "Which province issued the licence?"),
                example=("例如：北京、广东，或简称 京、粤", "e.g. Beijing, Guangdong, or 京, 粤"), parse=parse_province,
                applies=_provincial_without_province)
EXPIRES = Step("expires", TEXT, ("许可证哪天到期？（证书上的有效期至）", "When does the licence expire?"),
               example=("例如：2027-03-15、2027年3月15日 或 明年3月15日", "e.g. 2027-03-15 or 15 March 2027"),
               parse=parse_expiry)
NEW_EXPIRES = Step("expires", TEXT, ("续期后新证书的到期日是哪天？", "What is the expiry date on the renewed licence?"),
                   example=("例如：2032-03-15", "e.g. 2032-03-15"), parse=parse_new_expiry)

SUBSCRIBE_STEPS: tuple[Step, ...] = (COMPANY, LICENSE, NUMBER, SCOPE, PROVINCE, EXPIRES)
