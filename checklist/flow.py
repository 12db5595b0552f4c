"""The guided renewal checklist: /renew asks the questions, the answers become a personal plan.

The questions are data (checklist/steps.py, diagram checklist/checklist_flow.mmd) run by the
generic step engine (bot/steps.py); the rules are knowledge/checklist.yaml. A finished checklist
is saved with a token (checklist/store.py) that its buttons carry: /checklist <token> shows
or exports it, /subscribe checklist:<token> registers the licence for reminders.
"""

from __future__ import annotations

from bot.clock import SHANGHAI
from bot.commands import command_args
from bot.context import Context
from bot.messages import Attachment, Button, Reply
from bot.steps import Env, Option, StepFlow, match_option
from checklist.checkup import checkup_payload
from checklist.export import XLSX_MIME, checklist_filename, checklist_xlsx
from checklist.plan import Answers, Plan, build_plan, plan_items_text, plan_summary_text
from checklist.rules import ChecklistRules
from checklist.steps import RENEWAL_STEPS, basic_telecom, checklist_license_options
from checklist.store import TOKEN_PREFIX, find_checklist, recent_checklists, save_checklist
from knowledge.base import KnowledgeBase
from registry import service as registry

FLOW_NAME = "renew"


def _rules(ctx: Context) -> ChecklistRules:
    return ctx.services.get(ChecklistRules)


def show_result(ctx: Context, raw_answers: dict[str, object]) -> list[Reply]:
    """Saves the answers and shows the checklist, the timeline and what to do next."""
    try:
        answers = Answers.from_dict(dict(raw_answers))
        plan = build_plan(_rules(ctx), answers, ctx.now.astimezone(SHANGHAI).date())
    except ValueError:
        return [Reply(ctx.say("抱歉，清单的答案不完整，请重新开始。", "Sorry, the answers were incomplete; please start again."),
                      buttons=(Button(ctx.say("重新开始", "Start again"), "/renew"),), tags=("checklist-error",))]
    inc = ctx.incoming
    record = save_checklist(ctx.session, inc.channel, inc.chat_id, inc.user_id, answers, ctx.now)
    return render_plan(ctx, plan, record.token)


def render_plan(ctx: Context, plan: Plan, token: str) -> list[Reply]:
    """The checklist as two chat messages (summary and timeline; items) with the next-step buttons."""
    rules = _rules(ctx)
    buttons = [
        Button(ctx.say("订阅到期提醒", "Remind me before expiry"), f"/subscribe {TOKEN_PREFIX}{token}"),
        Button(ctx.say("联系顾问", "Talk to a consultant"), "/human checklist"),
        Button(ctx.say("导出Excel", "Export as Excel"), f"/checklist {token} xlsx"),
        Button(ctx.say("合规体检", "Compliance check-up"), checkup_payload(plan.answers.license, plan.answers.expires)),
    ]
    case_button = open_case_button(ctx, plan)
    if case_button is not None:
        buttons.insert(0, case_button)
    faq = next((e for e in ctx.services.get(KnowledgeBase).snapshot.entries.values()
                if e.license == plan.answers.license and e.topic == "renewal" and e.has(ctx.lang)), None)
    if faq is not None:
        buttons.append(Button(faq.text(ctx.lang).question, f"/faq {faq.id}"))
    tags = ("checklist", f"urgency:{plan.urgency.level}", f"application:{plan.application}", f"checklist:{token}")
    return [Reply(plan_summary_text(rules, plan, ctx.lang), tags=tags),
            Reply(plan_items_text(rules, plan, ctx.lang), buttons=tuple(buttons), tags=("checklist-items",))]


def open_case_button(ctx: Context, plan: Plan) -> Button | None:
    """开启续期案件, when the user has registered this licence (by its number, or the only one of its type)."""
    inc = ctx.incoming
    mine = [lic for lic, _ in registry.my_licenses(ctx.session, inc.channel, inc.user_id)
            if lic.license_type == plan.answers.license]
    by_number = [lic for lic in mine if plan.answers.number and lic.number == plan.answers.number]
    chosen = by_number or (mine if len(mine) == 1 else [])
    if not chosen:
        return None
    return Button(ctx.say("开启续期案件（在聊天中上传材料）", "Open the renewal case (send documents here)"),
                  f"/opencase {chosen[0].id}")


def config_of(ctx: Context) -> ChecklistRules:
    return _rules(ctx)


def stop_at_basic_telecom(ctx: Context, env: Env) -> list[Reply] | None:
    """Ends the checklist when the licence is basic telecom (MIIT only): explains, offers a
    consultant and reminders instead of asking for a province."""
    code = env.answers.get("license")
    problem = basic_telecom(_rules(ctx), code)
    if problem is None:
        return None
    buttons = (Button(ctx.say("联系顾问", "Talk to a consultant"), "/human basic-telecom"),
               Button(ctx.say("登记到期提醒", "Register for reminders"), f"/subscribe {code}"))
    return [Reply(problem.text(ctx.lang), buttons=buttons, tags=("checklist-basic-telecom",))]


RENEWAL = StepFlow(FLOW_NAME, RENEWAL_STEPS, finish=show_result, config=config_of, halt=stop_at_basic_telecom)


def license_option(rules: ChecklistRules, text: str) -> Option | None:
    return match_option(checklist_license_options(rules), text)


def start_renewal(ctx: Context) -> list[Reply]:
    """Starts the renewal checklist questions (`/renew icp` skips the licence question), or resumes them."""
    arg = command_args(ctx)
    if ctx.state.flow == FLOW_NAME and arg != "restart":
        note = Reply(ctx.say("您有一份还没填完的续期清单，接着回答下面的问题即可；也可以重新开始。",
                             "You have an unfinished renewal checklist; answer the question below, or start over."),
                     buttons=(Button(ctx.say("重新开始", "Start over"), "/renew restart"),), tags=("checklist-resume",))
        return [note, *RENEWAL.resume(ctx)]
    replies: list[Reply] = []
    preset: dict[str, object] = {}
    if arg and arg != "restart":
        option = license_option(_rules(ctx), arg)
        if option is not None:
            preset["license"] = option.value
        else:
            replies.append(Reply(ctx.say(f"没有识别出许可证类型“{arg[:30]}”，请在下面选择。",
                                         f"I don't know the licence type “{arg[:30]}”; please choose below.")))
    return replies + RENEWAL.start(ctx, preset)


def answer_renewal_step(ctx: Context) -> list[Reply]:
    """Takes the answer to the current checklist question and asks the next one (or re-asks with why)."""
    return RENEWAL.answer(ctx)


def go_back_in_renewal(ctx: Context) -> list[Reply]:
    """Asks the previous checklist question again."""
    return RENEWAL.back(ctx)


def show_checklist(ctx: Context) -> list[Reply]:
    """Lists the user's checklists, shows one again (with today's dates) or sends it as an .xlsx file."""
    parts = command_args(ctx).split()
    inc = ctx.incoming
    if not parts:
        records = recent_checklists(ctx.session, inc.channel, inc.user_id)
        if not records:
            return [Reply(ctx.say("您还没有生成过续期清单。", "You have no checklists yet."),
                          buttons=(Button(ctx.say("开始续期清单", "Start a renewal checklist"), "/renew"),),
                          tags=("checklist-list",))]
        rules = _rules(ctx)
        buttons = []
        for r in records:
            lt = rules.license(r.license)
            name = lt.name.get(ctx.lang) if lt else r.license
            buttons.append(Button(f"{name} · {r.expires.isoformat()}", f"/checklist {r.token}"))
        return [Reply(ctx.say("您的续期清单：", "Your checklists:"), buttons=tuple(buttons), tags=("checklist-list",))]
    record = find_checklist(ctx.session, inc.channel, inc.user_id, parts[0])
    if record is None:
        return [Reply(ctx.say("没有找到这份清单（只能查看您自己生成的清单）。", "No such checklist among yours."),
                      buttons=(Button(ctx.say("我的清单", "My checklists"), "/checklist"),), tags=("checklist-missing",))]
    try:
        plan = build_plan(_rules(ctx), record.to_answers(), ctx.now.astimezone(SHANGHAI).date())
    except ValueError:
        return [Reply(ctx.say("这份清单的数据已不适用于当前规则，请重新生成。",
                              "This checklist no longer fits the current rules; please make a new one."),
                      buttons=(Button(ctx.say("开始续期清单", "Start a renewal checklist"), "/renew"),),
                      tags=("checklist-missing",))]
    if len(parts) > 1 and parts[1].lower() in ("xlsx", "excel", "export"):
        return [export_checklist(ctx, plan, record.token)]
    return render_plan(ctx, plan, record.token)


def export_checklist(ctx: Context, plan: Plan, token: str) -> Reply:
    """The checklist as an .xlsx attachment, with a button to read it as text instead."""
    content = checklist_xlsx(_rules(ctx), plan, ctx.lang)
    filename = checklist_filename(plan)
    return Reply(ctx.say(f"续期清单已导出为 Excel 文件：{filename}（含状态列，可转发给同事）。看不到文件的话，可以点下面以文字查看。",
                         f"Here is the checklist as an Excel file: {filename} (with a status column to share). "
                         "If no file shows up, read it as text below."),
                 attachment=Attachment(filename, content, XLSX_MIME),
                 buttons=(Button(ctx.say("以文字查看", "Show as text"), f"/checklist {token} text"),),
                 tags=("checklist-export",))
