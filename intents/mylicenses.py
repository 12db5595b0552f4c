"""/mylicenses lists a client's licences; /license <id> <action> edits, renews, pauses or deletes one.

Every action is checked against the asking user's own subscriptions (registry.owned): a payload with
somebody else's licence id, or one that does not exist, gets the same "not found" answer.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from bot import labels
from bot.clock import SHANGHAI
from bot.commands import command_args
from bot.context import Context
from bot.license_numbers import check_license_number, parse_license_number
from bot.messages import Button, Reply
from bot.problems import Problem
from bot.steps import Env, StepFlow
from cases.service import close_for_renewal
from intents.contacts import invite_contact
from intents.registry_steps import COMPANY, EXPIRES, LICENSE, NEW_EXPIRES, NUMBER, PROVINCE, SCOPE
from registry import service as registry
from registry.models import License, Subscription
from scheduler.milestones import apply_by
from scheduler.notifications import license_log
from scheduler.rules import Rules as ReminderRules
from scheduler.texts import license_name, show_date

MAX_SHOWN = 20
MAX_LOG = 20


def _today(ctx: Context) -> date:
    return ctx.now.astimezone(SHANGHAI).date()


def scope_label(ctx: Context, lic: License) -> str:
    return labels.scope_label(lic.scope, lic.province, ctx.lang)


def license_card(ctx: Context, lic: License, subs: list[Subscription], title: str = "") -> Reply:
    """One licence with days left and the buttons to act on it."""
    today = _today(ctx)
    days = (lic.expires_on - today).days
    left = (ctx.say(f"还有{days}天", f"{days} days left") if days > 0 else
            ctx.say("今天到期", "expires today") if days == 0 else ctx.say(f"已过期{-days}天", f"expired {-days} days ago"))
    deadline = apply_by(ctx.services.get(ReminderRules), lic.expires_on)
    passed = ctx.say("（已过）", " (passed)") if deadline < today else ""
    annual = (ctx.say(f"{lic.annual_done_year}年已标记完成", f"marked done for {lic.annual_done_year}")
              if lic.annual_done_year else ctx.say("未标记", "not marked"))
    paused = [s for s in subs if s.status != "active"]
    why = labels.paused_reason_label(paused[0].paused_reason, ctx.lang) if paused else ""
    reminders = (ctx.say("开启", "on") if not paused else
                 ctx.say("已暂停", "paused") + (ctx.say(f"（{why}）", f" ({why})") if why else ""))
    lines = [title] if title else []
    lines += [
        f"📄 {license_name(lic.license_type, ctx.lang)} {lic.number}",
        ctx.say(f"公司：{lic.company}", f"Company: {lic.company}"),
        ctx.say(f"范围：{scope_label(ctx, lic)}", f"Scope: {scope_label(ctx, lic)}"),
        ctx.say(f"到期：{show_date(lic.expires_on, 'zh')}（{left}）", f"Expires: {lic.expires_on} ({left})"),
        ctx.say(f"续期申请截止：{show_date(deadline, 'zh')}（到期前90天）{passed}",
                f"Apply for renewal by: {deadline} (90 days before expiry){passed}"),
        ctx.say(f"年报：{annual}", f"Annual report: {annual}"),
        ctx.say(f"提醒：{reminders}", f"Reminders: {reminders}"),
    ]
    pause = (Button(ctx.say("恢复提醒", "Resume reminders"), f"/license {lic.id} resume") if paused else
             Button(ctx.say("暂停提醒", "Pause reminders"), f"/license {lic.id} pause"))
    buttons = (Button(ctx.say("修改", "Edit"), f"/license {lic.id} edit"),
               Button(ctx.say("已续期", "Renewed"), f"/license {lic.id} renewed"),
               Button(ctx.say("年报已完成", "Annual report done"), f"/license {lic.id} annual"),
               pause, Button(ctx.say("删除", "Delete"), f"/license {lic.id} delete"),
               Button(ctx.say("续期案件", "Renewal case"), f"/mycase {lic.id}"),
               Button(ctx.say("提醒记录", "Reminder log"), f"/license {lic.id} log"),
               Button(ctx.say("第二联系人", "Second contact"), f"/license {lic.id} contact"))
    return Reply("\n".join(lines), buttons=buttons, tags=("license", f"license:{lic.id}"))


def show_my_licenses(ctx: Context) -> list[Reply]:
    """Lists the user's registered licences with days left and what they can do with each."""
    inc = ctx.incoming
    mine = registry.my_licenses(ctx.session, inc.channel, inc.user_id)
    if not mine:
        return [Reply(ctx.say("您还没有登记许可证。登记后，我们会在到期前和年报期间提醒您。",
                              "You have no registered licences. Register one and we remind you before expiry "
                              "and during the annual-report window."),
                      buttons=(Button(ctx.say("登记许可证", "Register a licence"), "/subscribe"),),
                      tags=("mylicenses-empty",))]
    replies = [Reply(ctx.say(f"您登记的许可证（{len(mine)}张）：", f"Your registered licences ({len(mine)}):"),
                     tags=("mylicenses",))]
    replies += [license_card(ctx, lic, subs) for lic, subs in mine[:MAX_SHOWN]]
    replies.append(Reply(ctx.say("把续期日期加入您的日历：", "Put the renewal dates in your calendar:"),
                         buttons=(Button(ctx.say("日历文件（.ics）", "Calendar file (.ics)"), "/calendar"),
                                  Button(ctx.say("日历订阅链接", "Calendar subscription link"), "/calendar link")),
                         tags=("mylicenses-calendar",)))
    if len(mine) > MAX_SHOWN:
        replies.append(Reply(ctx.say(f"只显示了最早到期的{MAX_SHOWN}张。", f"Showing the {MAX_SHOWN} expiring first.")))
    return replies


def not_found(ctx: Context) -> list[Reply]:
    """Tells the user there is no such licence among theirs (the same answer for someone else's)."""
    return [Reply(ctx.say("没有找到这张许可证，或者它不在您的名下。发送 /mylicenses 查看您登记的许可证。",
                          "No such licence among yours. Send /mylicenses to see the licences you registered."),
                  buttons=(Button(ctx.say("我的许可证", "My licences"), "/mylicenses"),), tags=("license-not-found",))]


def manage_license(ctx: Context) -> list[Reply]:
    """Acts on one of the user's licences: /license <id> [edit|renewed|annual|pause|resume|delete]."""
    parts = command_args(ctx).split()
    if not parts or not parts[0].isdigit() or len(parts[0]) > 12:
        return not_found(ctx)
    found = registry.owned(ctx.session, int(parts[0]), ctx.incoming.channel, ctx.incoming.user_id)
    if found is None:
        return not_found(ctx)
    lic, subs = found
    action = parts[1].lower() if len(parts) > 1 else "show"
    handler = ACTIONS.get(action)
    if handler is None:
        return [license_card(ctx, lic, subs)]
    return handler(ctx, lic, subs, parts[2:])


def show_one(ctx: Context, lic: License, subs: list[Subscription], _args: list[str]) -> list[Reply]:
    """Shows one licence with its buttons."""
    return [license_card(ctx, lic, subs)]


def ask_what_to_edit(ctx: Context, lic: License, subs: list[Subscription], args: list[str]) -> list[Reply]:
    """Asks which field to change, or starts asking the new value of the field named."""
    if args and args[0] in EDIT_FIELDS:
        preset: dict[str, Any] = {"license_id": lic.id, "field": args[0], "license": lic.license_type}
        return EDIT.start(ctx, preset)
    shared = len(registry.subscribers(ctx.session, lic))
    note = ctx.say(f"（这张许可证还有{shared - 1}位同事在接收提醒，修改对他们同样生效。）",
                   f"(Other people ({shared - 1}) get this licence's reminders; the change applies to them too.)")
    labels = {"company": ("公司名称", "Company"), "license": ("许可证类型", "Licence type"),
              "number": ("编号", "Number"), "scope": ("地网/全网与省份", "Scope and province"),
              "expires": ("到期日（更正）", "Expiry date (correction)")}
    return [Reply(ctx.say("要修改哪一项？", "What do you want to change?") + (note if shared > 1 else ""),
                  buttons=tuple(Button(ctx.say(*labels[f]), f"/license {lic.id} edit {f}") for f in EDIT_FIELDS),
                  tags=("license-edit-ask",))]


def ask_new_expiry(ctx: Context, lic: License, _subs: list[Subscription], _args: list[str]) -> list[Reply]:
    """Asks for the expiry date on the renewed licence."""
    return RENEWED.start(ctx, {"license_id": lic.id, "old_expires": lic.expires_on.isoformat()})


def mark_annual(ctx: Context, lic: License, subs: list[Subscription], _args: list[str]) -> list[Reply]:
    """Records this year's annual report as filed: no more annual reminders this year."""
    year = _today(ctx).year
    if (lic.annual_done_year or 0) >= year:
        text = ctx.say(f"{year}年的年报已经标记为完成了。", f"The {year} annual report is already marked done.")
    else:
        registry.mark_annual_done(ctx.session, lic, year, ctx.now)
        text = ctx.say(f"已记录：{year}年一季度报送的{year - 1}年度年报已完成，今年不再提醒年报。",
                       f"Noted: the annual report filed in {year} (for {year - 1}) is done; no more reminders "
                       "about it this year.")
    return [license_card(ctx, lic, subs, title=text)]


def pause(ctx: Context, lic: License, subs: list[Subscription], _args: list[str]) -> list[Reply]:
    """Stops this licence's reminders for the user until they resume them."""
    registry.set_paused(ctx.session, subs, True, ctx.say(f"{_today(ctx)} 手动暂停", f"paused on {_today(ctx)}"))
    return [license_card(ctx, lic, subs, title=ctx.say("已暂停这张许可证的提醒。", "Reminders for this licence are paused."))]


def resume(ctx: Context, lic: License, subs: list[Subscription], _args: list[str]) -> list[Reply]:
    """Turns this licence's reminders back on for the user."""
    registry.set_paused(ctx.session, subs, False)
    return [license_card(ctx, lic, subs, title=ctx.say("已恢复提醒。", "Reminders are back on."))]


def delete(ctx: Context, lic: License, subs: list[Subscription], args: list[str]) -> list[Reply]:
    """Asks for confirmation, then removes the user's registration (the licence too if nobody is left)."""
    if not args or args[0] != "confirm":
        return [Reply(ctx.say(f"确定删除 {lic.number} 吗？删除后不再提醒您。", f"Delete {lic.number}? You will get no more reminders."),
                      buttons=(Button(ctx.say("确认删除", "Delete"), f"/license {lic.id} delete confirm"),
                               Button(ctx.say("取消", "Cancel"), "/mylicenses")), tags=("license-delete-ask",))]
    gone = registry.unsubscribe(ctx.session, lic, subs)
    text = (ctx.say(f"已删除 {lic.number}。", f"{lic.number} is deleted.") if gone else
            ctx.say(f"已为您取消 {lic.number} 的提醒；贵公司其他同事仍会收到。",
                    f"You no longer get reminders for {lic.number}; your colleagues still do."))
    return [Reply(text, buttons=(Button(ctx.say("我的许可证", "My licences"), "/mylicenses"),), tags=("license-deleted",))]


def acknowledge(ctx: Context, lic: License, subs: list[Subscription], _args: list[str]) -> list[Reply]:
    """Records that the client is on it (已在处理): the latest renewal reminder is not escalated."""
    who = f"{ctx.incoming.channel}:{ctx.incoming.user_id}"
    milestone = registry.acknowledge_latest(ctx.session, lic, who, ctx.now)
    text = (ctx.say("好的，已记录您正在处理续期。需要时点“上传材料”在聊天中发送续期材料。",
                    "Noted: you are working on the renewal. Press “Upload documents” to send the documents here.")
            if milestone else ctx.say("这张许可证目前没有待确认的续期提醒。", "There is no renewal reminder to acknowledge."))
    return [Reply(text, buttons=(Button(ctx.say("上传材料", "Upload documents"), f"/upload {lic.id}"),
                                 Button(ctx.say("我的续期案件", "My renewal case"), f"/mycase {lic.id}")),
                  tags=("reminder-ack", f"license:{lic.id}"))]


def show_log(ctx: Context, lic: License, _subs: list[Subscription], _args: list[str]) -> list[Reply]:
    """Every reminder of this licence: when, to whom, by which channel, sent / failed / acknowledged."""
    entries = license_log(ctx.session, lic)[-MAX_LOG:]
    lines = [ctx.say(f"{lic.number} 的提醒记录（最近{len(entries)}条）：", f"Reminders of {lic.number} (last {len(entries)}):")]
    lines += [e.line(ctx.lang) for e in entries] or [ctx.say("还没有发过提醒。", "No reminders yet.")]
    return [Reply("\n".join(lines), buttons=(Button(ctx.say("返回", "Back"), f"/license {lic.id}"),),
                  tags=("license-log", f"license:{lic.id}"))]


ACTIONS = {"show": show_one, "edit": ask_what_to_edit, "renewed": ask_new_expiry, "annual": mark_annual,
           "pause": pause, "resume": resume, "delete": delete, "ack": acknowledge, "contact": invite_contact,
           "log": show_log}


# --- the two small flows: a new expiry after renewal, and editing one field ---

def _owned_from(ctx: Context, answers: dict[str, Any]) -> tuple[License, list[Subscription]] | None:
    lid = answers.get("license_id")
    if not isinstance(lid, int):
        return None
    return registry.owned(ctx.session, lid, ctx.incoming.channel, ctx.incoming.user_id)


def finish_renewed(ctx: Context, answers: dict[str, Any]) -> list[Reply]:
    """Records the renewal: reminders start again from the new expiry date."""
    found = _owned_from(ctx, answers)
    if found is None:
        return not_found(ctx)
    lic, subs = found
    close_for_renewal(ctx.session, lic.id or 0, lic.cycle, ctx.now)  # the renewal case of the cycle ends
    registry.mark_renewed(ctx.session, lic, date.fromisoformat(answers["expires"]), _today(ctx), ctx.now)
    return [license_card(ctx, lic, subs, title=ctx.say("已记录续期，提醒将按新的到期日重新开始。",
                                                       "Renewal recorded; reminders restart from the new expiry."))]


def _field_is(name: str) -> Any:
    return lambda env: env.answers.get("field") == name


def _scope_asked(env: Env) -> bool:
    return env.answers.get("field") == "scope" and not env.answers.get("scope")


def _province_asked(env: Env) -> bool:
    return env.answers.get("field") == "scope" and env.answers.get("scope") == "provincial" \
        and not env.answers.get("province")


def _changed(lic: License, answers: dict[str, Any]) -> registry.LicenseData:
    field = answers.get("field")
    data = registry.LicenseData(lic.number, lic.company, lic.license_type, lic.scope, lic.province,
                                lic.expires_on, lic.issued_on)
    if field == "company":
        data = replace(data, company=answers["company"])
    elif field == "license":
        data = replace(data, license_type=answers["license_new"])
    elif field == "number":
        data = replace(data, number=answers["number"], scope=answers["scope"], province=answers.get("province", ""))
    elif field == "scope":
        data = replace(data, scope=answers["scope"], province=answers.get("province") or "")
    elif field == "expires":
        data = replace(data, expires_on=date.fromisoformat(answers["expires"]))
    if data.scope == "nationwide":
        data = replace(data, province="")
    return data


def _contradiction(data: registry.LicenseData) -> Problem | None:
    parsed = parse_license_number(data.number)
    if isinstance(parsed, Problem):
        return None  # stored before the parser knew better: nothing to hold against the edit
    problems = check_license_number(parsed, data.license_type, data.scope, data.province or None)
    return problems[0] if problems else None


def finish_edit(ctx: Context, answers: dict[str, Any]) -> list[Reply]:
    """Saves the edited field if it still fits the rest of the licence."""
    found = _owned_from(ctx, answers)
    if found is None:
        return not_found(ctx)
    lic, subs = found
    data = _changed(lic, answers)
    problem = _contradiction(data)
    if data.number != lic.number and registry.find_by_number(ctx.session, data.number) is not None:
        problem = Problem("number_taken", "这个编号已经登记为另一张许可证。", "That number is registered as another licence.")
    if problem is not None:
        return [Reply("⚠️ " + problem.text(ctx.lang) + ctx.say(" 没有保存。", " Nothing was saved."),
                      buttons=(Button(ctx.say("重新修改", "Edit again"), f"/license {lic.id} edit"),),
                      tags=("license-edit-refused", f"problem:{problem.code}"))]
    registry.apply_data(ctx.session, lic, data, _today(ctx), ctx.now)
    return [license_card(ctx, lic, subs, title=ctx.say("已保存修改。", "Saved."))]


EDIT_FIELDS = ("company", "license", "number", "scope", "expires")
RENEWED = StepFlow("license_renewed", (NEW_EXPIRES,), finish=finish_renewed, config=lambda _ctx: None)
EDIT = StepFlow("license_edit", (
    replace(COMPANY, applies=_field_is("company")),
    replace(LICENSE, id="license_new", applies=_field_is("license")),
    replace(NUMBER, applies=_field_is("number")),
    replace(SCOPE, applies=_scope_asked),
    replace(PROVINCE, applies=_province_asked),
    replace(EXPIRES, applies=_field_is("expires")),
), finish=finish_edit, config=lambda _ctx: None)


def answer_renewed(ctx: Context) -> list[Reply]:
    """Takes the new expiry date of a renewed licence."""
    return RENEWED.answer(ctx)


def answer_edit(ctx: Context) -> list[Reply]:
    """Takes the new value of the field being edited."""
    return EDIT.answer(ctx)


def go_back_in_edit(ctx: Context) -> list[Reply]:
    """Asks the previous question of the edit again."""
    return EDIT.back(ctx)
