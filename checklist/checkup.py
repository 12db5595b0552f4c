"""The compliance check-up (合规体检): /checkup asks 12–20 yes / no / not-sure questions chosen by the
licence type and answers with a readiness score and red / amber / green items.

The questions are data (knowledge/checkup.yaml → checklist/checkup_steps.py, diagram
checklist/checkup_flow.mmd) run by the generic step engine (bot/steps.py), so /back, /cancel, a
restart and a pause of days behave as in the renewal checklist. A finished check-up is saved with a
token (checklist/checkup_store.py) that its buttons carry: /checkup show|xlsx <token>.

Entry points for other features: `checkup_payload(license, expires)` is the button payload a renewal
FAQ answer, a checklist or a renewal case attaches ("/checkup idc 2027-05-01"); a reminder about a
registered licence can attach "/checkup license:{id}" (type and expiry read from the registry, for
its subscribers only);
`checkup_store.checkup_lines` renders a saved check-up for a case.
"""

from __future__ import annotations

from datetime import date

from bot.clock import SHANGHAI
from bot.commands import command_args
from bot.context import Context
from bot.dates import parse_date
from bot.messages import Attachment, Button, Reply
from bot.problems import Problem
from bot.steps import Option, StepFlow, match_option
from checklist.checkup_result import RED, Checkup, evaluate, items_text, summary_text
from checklist.checkup_rules import CheckupRules
from checklist.checkup_steps import CheckupConfig, checkup_steps, plain_answer
from checklist.checkup_store import CheckupRecord, find_checkup, latest_checkup, save_checkup
from checklist.export import XLSX_MIME, checkup_filename, checkup_xlsx
from checklist.rules import ChecklistRules
from registry import service as registry

FLOW_NAME = "checkup"
LICENSE_PREFIX = "license:"  # /checkup license:<registered licence id>


def checkup_payload(license_code: str | None = None, expires: date | None = None) -> str:
    """The button payload that starts a check-up, prefilled when the licence is known (≤ 64 bytes)."""
    parts = ["/checkup", license_code or "", expires.isoformat() if expires else ""]
    return " ".join(p for p in parts if p)


def config_of(ctx: Context) -> CheckupConfig:
    return CheckupConfig(ctx.services.get(CheckupRules), ctx.services.get(ChecklistRules))


def flow(ctx: Context, code: object = None) -> StepFlow:
    """The check-up as a step flow over the loaded items (built per message: the items are data), for
    the licence type chosen so far (or `code`, when starting with one)."""
    answers = ctx.state.data.get("answers") if ctx.state.flow == FLOW_NAME else None
    if code is None and isinstance(answers, dict):
        code = answers.get("license")
    steps = checkup_steps(ctx.services.get(CheckupRules), code if isinstance(code, str) else None)
    return StepFlow(FLOW_NAME, steps, finish=show_result, config=config_of)


def license_name(ctx: Context, code: str) -> str:
    lt = ctx.services.get(ChecklistRules).license(code)
    return lt.name.get(ctx.lang) if lt else code


def today(ctx: Context) -> date:
    return ctx.now.astimezone(SHANGHAI).date()


def show_result(ctx: Context, raw: dict[str, object]) -> list[Reply]:
    """Saves the answers and shows the score, the red / amber / green items and what to do next."""
    code = str(raw.get("license") or "")
    answers = {key: a for key, value in raw.items() if (a := plain_answer(value)) is not None}
    try:
        expires = date.fromisoformat(str(raw["expires"])) if raw.get("expires") else None
        result = evaluate(ctx.services.get(CheckupRules), code, answers, today(ctx), expires)
    except ValueError:
        return [Reply(ctx.say("抱歉，体检的答案不完整，请重新开始。", "Sorry, the answers were incomplete; please start again."),
                      buttons=(Button(ctx.say("重新开始", "Start again"), "/checkup restart"),), tags=("checkup-error",))]
    inc = ctx.incoming
    record = save_checkup(ctx.session, inc.channel, inc.chat_id, inc.user_id,
                          {r.item.id: r.answer for r in result.results}, result, ctx.now)
    return render_result(ctx, result, record.token)


def render_result(ctx: Context, result: Checkup, token: str) -> list[Reply]:
    """The result as two messages (summary; items) with export, consultant and checklist buttons."""
    name = license_name(ctx, result.license)
    reds = result.with_status(RED)
    buttons = [Button(ctx.say("导出Excel", "Export as Excel"), f"/checkup xlsx {token}"),
               Button(ctx.say("续期清单", "Renewal checklist"), f"/renew {result.license}")]
    human = Button(ctx.say("就红色项咨询顾问", "Discuss the red items with a consultant") if reds else
                   ctx.say("联系顾问", "Talk to a consultant"), "/human checkup")
    buttons.insert(0 if reds else 1, human)
    tags = ("checkup", f"checkup:{token}", f"score:{result.score}", f"family:{result.family.id}",
            *(f"item:{r.item.id}:{r.status}" for r in result.results))
    summary = summary_text(result, name, ctx.lang)
    if reds:
        summary += "\n" + ctx.say(f"有 {len(reds)} 项红色问题，建议尽快与顾问商量整改方案（点下方按钮，顾问会看到这份体检结果）。",
                                  f"{len(reds)} red item(s): talk them over with a consultant soon (the button below; "
                                  "the consultant sees this check-up).")
    return [Reply(summary, tags=tags),
            Reply(items_text(result, ctx.lang), buttons=tuple(buttons), tags=("checkup-items",))]


def _registered(ctx: Context, arg: str) -> tuple[dict[str, object], list[Reply]]:
    """`/checkup license:12`: the type and expiry of one of the user's registered licences (a reminder's button)."""
    number = arg.removeprefix(LICENSE_PREFIX)
    found = (registry.owned(ctx.session, int(number), ctx.incoming.channel, ctx.incoming.user_id)
             if number.isdigit() and len(number) <= 12 else None)
    if found is None or ctx.services.get(CheckupRules).family_of(found[0].license_type) is None:
        return {}, [Reply(ctx.say("没有找到这张许可证（只能体检您自己登记的许可证），请在下面选择类型。",
                                  "No such licence among yours; please choose the type below."))]
    lic = found[0]
    note = Reply(ctx.say(f"按您登记的许可证 {lic.number}（{lic.expires_on} 到期）体检；到期日不对可发送 /back 修改。",
                         f"Checking your registered licence {lic.number} (expires {lic.expires_on}); "
                         "send /back to correct the date."))
    return {"license": lic.license_type, "expires": lic.expires_on.isoformat()}, [note]


def _preset(ctx: Context, args: list[str]) -> tuple[dict[str, object], list[Reply]]:
    """`/checkup icp 2027-05-01`: the licence type (code or name) and, optionally, the expiry date."""
    if args and args[0].startswith(LICENSE_PREFIX):
        return _registered(ctx, args[0])
    preset: dict[str, object] = {}
    notes: list[Reply] = []
    checkup_rules = ctx.services.get(CheckupRules)
    options = tuple(Option(lt.code, lt.name.zh, lt.name.en, lt.aliases)
                    for lt in ctx.services.get(ChecklistRules).licenses if checkup_rules.family_of(lt.code) is not None)
    option = match_option(options, args[0]) if args else None
    if option is not None:
        preset["license"] = option.value
    elif args:
        notes.append(Reply(ctx.say(f"没有识别出许可证类型“{args[0][:30]}”，请在下面选择。",
                                   f"I don't know the licence type “{args[0][:30]}”; please choose below.")))
    if option is not None and len(args) > 1:
        parsed = parse_date(args[1], today(ctx))
        if not isinstance(parsed, Problem):
            preset["expires"] = parsed.isoformat()
    return preset, notes


def start_checkup(ctx: Context) -> list[Reply]:
    """Starts the check-up (`/checkup icp [expiry]` skips those questions), resumes it, or shows a saved one."""
    args = command_args(ctx).split()
    if args and args[0] in ("show", "xlsx", "excel"):
        return show_checkup(ctx, args)
    restart = bool(args) and args[0] == "restart"
    if restart:
        args = args[1:]
    if ctx.state.flow == FLOW_NAME and not restart:
        note = Reply(ctx.say("您有一份还没做完的合规体检，接着回答下面的问题即可；也可以重新开始。",
                             "You have an unfinished check-up; answer the question below, or start over."),
                     buttons=(Button(ctx.say("重新开始", "Start over"), "/checkup restart"),), tags=("checkup-resume",))
        return [note, *flow(ctx).resume(ctx)]
    preset, notes = _preset(ctx, args)
    intro = Reply(ctx.say("合规体检：根据许可证类型问12至20个问题，每题回答“是”“否”或“不确定”，最后给出准备度评分、"
                          "红黄绿事项和整改时间。随时发送 /back 返回上一题，/cancel 退出。",
                          "Compliance check-up: 12–20 questions chosen by licence type, each answered yes, no or "
                          "not sure; you get a readiness score, red / amber / green items and dates to fix them. "
                          "Send /back to go back, /cancel to leave."),
                  tags=("checkup-intro",))
    return [intro, *notes, *flow(ctx, preset.get("license")).start(ctx, preset)]


def answer_checkup_step(ctx: Context) -> list[Reply]:
    """Takes the answer to the current check-up question and asks the next one (or re-asks with why)."""
    return flow(ctx).answer(ctx)


def go_back_in_checkup(ctx: Context) -> list[Reply]:
    """Asks the previous check-up question again."""
    return flow(ctx).back(ctx)


def result_of(ctx: Context, record: CheckupRecord) -> Checkup | None:
    """A saved check-up against today's rules and date; None when the rules changed under it."""
    try:
        rules = ctx.services.get(CheckupRules)
        return evaluate(rules, record.license, dict(record.answers), today(ctx), record.expires)
    except ValueError:
        return None


def show_checkup(ctx: Context, args: list[str]) -> list[Reply]:
    """`/checkup show [token]` shows a saved check-up again; `/checkup xlsx <token>` sends it as .xlsx."""
    inc = ctx.incoming
    token = args[1] if len(args) > 1 else ""
    record = (find_checkup(ctx.session, inc.channel, inc.user_id, token) if token
              else latest_checkup(ctx.session, inc.channel, inc.user_id))
    if record is None:
        return [Reply(ctx.say("没有找到这份体检结果（只能查看您自己的）。", "No such check-up among yours."),
                      buttons=(Button(ctx.say("开始合规体检", "Start a check-up"), "/checkup"),), tags=("checkup-missing",))]
    result = result_of(ctx, record)
    if result is None:
        return [Reply(ctx.say("体检题目已经更新，这份结果无法重新计算，请重新体检。",
                              "The check-up questions have changed since; please run it again."),
                      buttons=(Button(ctx.say("重新体检", "Run it again"), f"/checkup restart {record.license}"),),
                      tags=("checkup-missing",))]
    if args[0] in ("xlsx", "excel"):
        content = checkup_xlsx(result, license_name(ctx, result.license), ctx.lang)
        filename = checkup_filename(result)
        return [Reply(ctx.say(f"合规体检结果已导出为 Excel 文件：{filename}（含整改状态列，可转发给同事）。",
                              f"Here is the check-up as an Excel file: {filename} (with a progress column to share)."),
                      attachment=Attachment(filename, content, XLSX_MIME),
                      buttons=(Button(ctx.say("以文字查看", "Show as text"), f"/checkup show {record.token}"),),
                      tags=("checkup-export",))]
    return render_result(ctx, result, record.token)
