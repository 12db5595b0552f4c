"""/subscribe: register a licence for expiry and annual-report reminders.

The questions are data (intents/registry_steps.py, diagram intents/registry_flow.mmd) run by the
generic step engine. Answers can be prefilled from a finished renewal checklist
(`/subscribe checklist:<token>`, the checklist's button) or typed after the command in any order:
`/subscribe icp provincial 北京 2027-03-15 京B2-20200001`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from bot.clock import SHANGHAI
from bot.commands import command_args
from bot.context import Context
from bot.dates import parse_date
from bot.license_numbers import parse_license_number
from bot.messages import Button, Reply
from bot.problems import Problem
from bot.provinces import find_province
from bot.steps import StepFlow, match_option
from checklist.store import TOKEN_PREFIX, find_checklist
from intents.mylicenses import license_card
from intents.registry_steps import SUBSCRIBE_STEPS, check_expiry, check_number
from knowledge.codes import HOLDABLE_LICENSES
from registry import service as registry
from registry.fields import company_key, license_options, scope_of
from scheduler.milestones import apply_by
from scheduler.rules import Rules as ReminderRules
from scheduler.texts import show_date

FLOW_NAME = "subscribe"
MAX_ARGS = 8


def _today(ctx: Context) -> date:
    return ctx.now.astimezone(SHANGHAI).date()


def start_subscription(ctx: Context) -> list[Reply]:
    """Asks for the licence's details one at a time, skipping what the command or checklist already gave."""
    preset, notes = prefill(ctx, command_args(ctx))
    replies = [Reply("\n".join(notes), tags=("subscribe-prefill",))] if notes else []
    return replies + SUBSCRIBE.start(ctx, preset)


def answer_subscription_step(ctx: Context) -> list[Reply]:
    """Takes the answer to the current registration question and asks the next (or re-asks with why)."""
    return SUBSCRIBE.answer(ctx)


def go_back_in_subscription(ctx: Context) -> list[Reply]:
    """Asks the previous registration question again."""
    return SUBSCRIBE.back(ctx)


def prefill(ctx: Context, arg: str) -> tuple[dict[str, Any], list[str]]:
    """Answers given up front, each checked like a typed answer; notes say what was not used."""
    if not arg:
        return {}, []
    if arg.startswith(TOKEN_PREFIX):
        return from_checklist(ctx, arg)
    today = _today(ctx)
    preset: dict[str, Any] = {}
    raw_number, unknown, notes = "", [], []
    for word in arg.split()[:MAX_ARGS]:
        option = match_option(license_options(), word)
        when = parse_date(word, today) if any(c.isdigit() for c in word) else None
        province = find_province(word)
        if option is not None:
            preset["license"] = option.value
        elif scope_of(word):
            preset["scope"] = scope_of(word)
        elif province is not None:
            preset["province"] = province.name
        elif isinstance(when, date):
            problem = check_expiry(when, today)
            if problem is None:
                preset["expires"] = when.isoformat()
            else:
                notes.append(problem.text(ctx.lang))
        elif not isinstance(parse_license_number(word, today), Problem):
            raw_number = word
        else:
            unknown.append(word[:30])
    if preset.get("province") and not preset.get("scope"):
        preset["scope"] = "provincial"
    if preset.get("scope") == "nationwide":
        preset.pop("province", None)
    if raw_number:
        notes += _use_number(ctx, preset, raw_number, today)
    if unknown:
        notes.append(ctx.say(f"没有识别出：{'、'.join(unknown)}。", f"Not recognised: {', '.join(unknown)}."))
    return preset, notes


def _use_number(ctx: Context, preset: dict[str, Any], raw: str, today: date) -> list[str]:
    if "license" not in preset:
        return [ctx.say(f"编号 {raw} 需要先选好许可证类型再核对，稍后会再问您。",
                        f"The number {raw} is checked once the licence type is known; I'll ask for it.")]
    checked = check_number(raw, preset["license"], preset.get("scope"), preset.get("province"), today)
    if isinstance(checked, Problem):
        return [checked.text(ctx.lang)]
    preset.update(checked)
    return []


def from_checklist(ctx: Context, arg: str) -> tuple[dict[str, Any], list[str]]:
    """The licence facts of the user's own finished checklist."""
    record = find_checklist(ctx.session, ctx.incoming.channel, ctx.incoming.user_id, arg)
    if record is None:
        return {}, [ctx.say("没有找到这份续期清单（只能用您自己的清单），请直接回答下面的问题。",
                            "That checklist is not among yours; please answer the questions below.")]
    today = _today(ctx)
    preset: dict[str, Any] = {}
    if record.license in HOLDABLE_LICENSES:
        preset["license"] = record.license
    if record.scope in ("provincial", "nationwide"):
        preset["scope"] = record.scope
        if record.scope == "provincial" and record.province:
            preset["province"] = record.province
    notes = []
    if check_expiry(record.expires, today) is None:
        preset["expires"] = record.expires.isoformat()
    if record.number:
        notes += _use_number(ctx, preset, record.number, today)
    notes.insert(0, ctx.say("已从您的续期清单带入许可证信息，补充剩下的问题即可。",
                            "I took the licence details from your checklist; just answer what is left."))
    return preset, notes


def finish_subscription(ctx: Context, answers: dict[str, Any]) -> list[Reply]:
    """Saves the licence (or joins a colleague's registration of it) and says what reminders will come."""
    today = _today(ctx)
    data = registry.LicenseData(number=answers["number"], company=answers["company"], license_type=answers["license"],
                                scope=answers["scope"], province=answers.get("province") or "",
                                expires_on=date.fromisoformat(answers["expires"]))
    if data.scope == "nationwide":
        data = replace(data, province="")
    inc = ctx.incoming
    lic = registry.find_by_number(ctx.session, data.number)
    notes: list[str] = []
    if lic is None:
        lic = registry.new_license(data, today, ctx.now)
        ctx.session.add(lic)
        ctx.session.flush()
    elif company_key(lic.company) != company_key(data.company):
        return [Reply(ctx.say("这个编号已经登记在另一家公司名下，无法重复登记。如果公司更名或登记有误，请联系顾问处理。",
                              "This number is already registered to another company. If your company was renamed "
                              "or the registration is wrong, a consultant can sort it out."),
                      buttons=(Button(ctx.say("联系顾问", "Talk to a consultant"), "/human"),),
                      tags=("subscribe-refused", "number-taken"))]
    elif lic.expires_on != data.expires_on:
        notes.append(ctx.say(f"注意：贵公司同事登记的到期日是 {lic.expires_on}，与您填写的 {data.expires_on} 不同；"
                             "如需更正，请点“修改”。",
                             f"Note: a colleague registered the expiry as {lic.expires_on}, not {data.expires_on}; "
                             "press Edit to correct it."))
    sub, new = registry.subscribe(ctx.session, lic, inc.channel, inc.chat_id, inc.user_id, ctx.lang, ctx.now)
    if sub.status != "active":
        registry.set_paused(ctx.session, [sub], False)
    title = (ctx.say("已登记，到期前和年报期间会提醒您。", "Registered: you will be reminded before expiry and "
                     "during the annual-report window.") if new else
             ctx.say("您之前已登记过这张许可证，提醒保持开启。", "You had registered this licence already; reminders are on."))
    found = registry.owned(ctx.session, lic.id or 0, inc.channel, inc.user_id)
    replies = [license_card(ctx, lic, found[1] if found else [sub], title=title)]
    replies.append(Reply("\n".join([*notes, schedule_text(ctx)]), tags=("subscribed",)))
    deadline = apply_by(ctx.services.get(ReminderRules), lic.expires_on)
    if deadline < today:
        replies.append(late_warning(ctx, lic.license_type, deadline))
    return replies


def schedule_text(ctx: Context) -> str:
    rules = ctx.services.get(ReminderRules)
    days = [m.days for m in rules.renewal]
    before = "、".join(str(d) for d in days if d > 0)
    dates_zh = "、".join(f"{m.month}月{m.day}日" for m in rules.annual)
    dates_en = ", ".join(f"{m.month}/{m.day}" for m in rules.annual)
    q = rules.quiet
    after = sum(1 for d in days if d < -1)  # weekly reminders after the day after expiry
    weekly_zh = f"，之后每周一次、最多{after}次（标记“已续期”后停止）" if after else ""
    weekly_en = f", then weekly, at most {after} times, until marked renewed" if after else ""
    return ctx.say(
        f"提醒时间：到期前{before}天，到期当天和次日{weekly_zh}；每年{dates_zh}提醒一季度年报（点“年报已完成”后当年不再提醒）。"
        f"{q.start:%H:%M}–{q.end:%H:%M}之间不推送，顺延到早上。",
        f"When: {', '.join(str(d) for d in days if d > 0)} days before expiry, on the day and the day after"
        f"{weekly_en}; "
        f"the first-quarter annual report on {dates_en} (until you mark it done). Nothing is pushed between "
        f"{q.start:%H:%M} and {q.end:%H:%M}: it waits for the morning.")


def late_warning(ctx: Context, license_type: str, deadline: date) -> Reply:
    return Reply(ctx.say(f"⚠️ 提前90天提交续期申请的期限（{show_date(deadline, 'zh')}）已经过了，逾期申请不予续期（42号令第二十七条）。"
                         "如已提交，请忽略；否则请尽快联系顾问。",
                         f"⚠️ The renewal application was due by {deadline} (90 days before expiry, Article 27 of "
                         "MIIT Order No. 42); late applications are not renewed. If you applied, ignore this; "
                         "otherwise talk to a consultant now."),
                 buttons=(Button(ctx.say("开始续期清单", "Renewal checklist"), f"/renew {license_type}"),
                          Button(ctx.say("联系顾问", "Talk to a consultant"), "/human")), tags=("subscribe-late",))


SUBSCRIBE = StepFlow(FLOW_NAME, SUBSCRIBE_STEPS, finish=finish_subscription, config=lambda _ctx: None)
