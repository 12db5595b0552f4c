"""The one ordered table of routes, and the tables of commands and flows it dispatches to.

The engine first decides who owns the chat (bot/ownership.py, OWNERS below); then a message goes to
the first route whose test matches:

    command (/start, button payloads "/…"; consultant-only ones refused to anybody else; while a
             consultant holds the chat only WITH_CONSULTANT commands run)
      →  a consultant's reply to a relayed message (or a hint how to reply, or to see /queue)
      →  owner consultant: relayed, bot silent
      →  a file or photo: attached to the waiting ticket (a flow takes typed answers only)
      →  owner flow: the flow's next step
      →  "转人工" / "talk to a person", or yes to the bot's offer  →  small talk
      →  FAQ answer or clarify  →  fallback

This module is the composition root's: it alone imports the features whose handlers the table names.
TABLE is put into the services by build_services (licensebot/app.py); the engine runs it, and the
features that list the commands or go back in a flow read it there (`ctx.services.get(RouteTable)`,
the types in bot/routes.py) instead of importing this module.
"""

from __future__ import annotations

from bot import ownership, staff
from bot.commands import Command, split_command
from bot.context import Context
from bot.messages import Reply
from bot.routes import Flow, Route, RouteTable
from checklist import checkup
from checklist import flow as checklist
from intents import (
    basics,
    calendar_chat,
    case_chat,
    case_review,
    consult,
    contacts,
    faq,
    feedback,
    handoff,
    mylicenses,
    operator,
    privacy,
    smalltalk,
    subscribe,
)
from workspace import console_link

COMMANDS: dict[str, Command] = {
    "/start": Command(basics.greet, "开始", "Start"),
    "/help": Command(basics.show_help, "帮助与命令列表", "Help and commands"),
    "/cancel": Command(basics.cancel, "退出当前流程", "Leave the current flow"),
    "/back": Command(basics.go_back, "返回上一步", "Go back one step"),
    "/renew": Command(checklist.start_renewal, "续期材料清单和时间表", "Renewal checklist and timeline"),
    "/checklist": Command(checklist.show_checklist, "查看或导出我的续期清单", "See or export my checklists"),
    "/checkup": Command(checkup.start_checkup, "合规体检：续期前自查，红黄绿结果", "Compliance check-up before renewal"),
    "/subscribe": Command(subscribe.start_subscription, "登记许可证，到期和年报前提醒我",
                          "Register a licence for expiry and annual-report reminders"),
    "/mylicenses": Command(mylicenses.show_my_licenses, "我登记的许可证", "My registered licences"),
    "/license": Command(mylicenses.manage_license, "", ""),
    "/lang": Command(basics.set_language, "切换语言 zh|en", "Switch language zh|en"),
    "/mydata": Command(privacy.show_my_data, "查看我们保存的您的数据", "See the data we keep about you"),
    "/forget": Command(privacy.ask_to_forget, "删除我的全部数据", "Delete all my data"),
    "/faq": Command(faq.show_entry, "", ""),
    "/feedback": Command(feedback.record_feedback, "", ""),
    "/human": Command(handoff.request_human, "联系人工顾问", "Talk to a human consultant"),
    "/bot": Command(handoff.back_to_bot, "结束人工对话，回到机器人", "Leave the consultant, back to the bot"),
    "/rate": Command(handoff.rate_service, "", ""),
    # consultants only (refused to anybody else, hidden from their /help):
    "/queue": Command(consult.show_queue, "查看等待和处理中的工单", "Waiting and claimed tickets",
                      consultant_only=True),
    "/claim": Command(consult.claim_ticket, "接单：/claim 工单号", "Claim a ticket: /claim TICKET",
                      consultant_only=True),
    "/case": Command(consult.show_case, "查看工单资料：/case 工单号", "A ticket's case packet: /case TICKET",
                     consultant_only=True),
    "/reply": Command(consult.reply_to_client, "回复客户：/reply 工单号 内容", "Answer: /reply TICKET TEXT",
                      consultant_only=True),
    "/canned": Command(consult.send_canned, "快捷回复：/canned 名称 [工单号]", "Canned reply: /canned NAME [TICKET]",
                       consultant_only=True),
    "/console": Command(console_link.send_console_link, "顾问工作台登录链接", "Sign-in link to the web console",
                        consultant_only=True),
    "/close": Command(consult.close_conversation, "结束工单：/close [工单号]", "Close a ticket: /close [TICKET]",
                      consultant_only=True),
    "/reload": Command(operator.reload_knowledge_base, "重新加载知识库", "Reload the knowledge base",
                       consultant_only=True),
    # renewal cases (intents/case_chat.py for clients, intents/case_review.py for consultants):
    "/mycase": Command(case_chat.show_case, "我的续期案件：还缺哪些材料", "My renewal case: what is still missing"),
    "/opencase": Command(case_chat.open_renewal_case, "", ""),
    "/upload": Command(case_chat.start_upload, "", ""),
    "/contact": Command(contacts.register_contact, "", ""),
    "/calendar": Command(calendar_chat.send_calendar, "把续期日期加入日历", "Add the renewal dates to my calendar"),
    "/accept": Command(case_review.accept_file, "通过材料：/accept 文件号", "Accept a file: /accept FILE",
                       consultant_only=True),
    "/reject": Command(case_review.reject_file, "退回材料：/reject 文件号 原因", "Reject a file: /reject FILE REASON",
                       consultant_only=True),
    "/casefile": Command(case_review.send_case_file, "", "", consultant_only=True),
    "/casezip": Command(case_review.send_case_archive, "下载案件压缩包：/casezip 案件号", "Download a case: /casezip CASE",
                        consultant_only=True),
    "/casestatus": Command(case_review.set_status, "案件状态：/casestatus 案件号 submitted",
                           "Case status: /casestatus CASE submitted", consultant_only=True),
}

FLOWS: dict[str, Flow] = {
    "forget": Flow(privacy.confirm_forget, over_consultant=True),
    checklist.FLOW_NAME: Flow(checklist.answer_renewal_step, checklist.go_back_in_renewal),
    checkup.FLOW_NAME: Flow(checkup.answer_checkup_step, checkup.go_back_in_checkup),
    subscribe.FLOW_NAME: Flow(subscribe.answer_subscription_step, subscribe.go_back_in_subscription),
    mylicenses.RENEWED.name: Flow(mylicenses.answer_renewed),
    mylicenses.EDIT.name: Flow(mylicenses.answer_edit, mylicenses.go_back_in_edit),
    case_chat.FLOW_NAME: Flow(case_chat.answer_upload_step),
    case_review.FLOW_NAME: Flow(case_review.answer_reject_reason),
}


# The commands a client can use while a consultant holds the chat; anything else (a flow, an old
# button) is answered with who holds the chat and how to get back to the bot.
WITH_CONSULTANT = frozenset({"/bot", "/forget", "/human", "/help", "/mydata", "/lang", "/rate"})

OWNERS = ownership.Owners(flows={name: flow.over_consultant for name, flow in FLOWS.items()},
                          holder=handoff.holding_ticket, is_staff=staff.is_staff)


def is_command(ctx: Context) -> bool:
    return ctx.text.startswith("/")


def run_command(ctx: Context) -> list[Reply]:
    name, _ = split_command(ctx.text)
    command = COMMANDS.get(name)
    if command is None:
        return basics.unknown_command(ctx)
    if command.consultant_only and not staff.is_consultant(ctx):
        return staff.refuse(ctx)
    if ownership.owner_of(ctx).kind == ownership.CONSULTANT and name not in WITH_CONSULTANT:
        return handoff.busy_with_consultant(ctx)
    return command.handle(ctx)


def owned_by_consultant(ctx: Context) -> bool:
    return ownership.owner_of(ctx).kind == ownership.CONSULTANT


def in_flow(ctx: Context) -> bool:
    return ownership.owner_of(ctx).kind == ownership.FLOW and ctx.state.flow in FLOWS


def continue_flow(ctx: Context) -> list[Reply]:
    return FLOWS[ctx.state.flow or ""].step(ctx)


def always(_ctx: Context) -> bool:
    return True


ROUTES: tuple[Route, ...] = (
    Route("command", is_command, run_command),
    Route("consultant-reply", consult.is_consultant_talking, consult.reply_by_quote),
    Route("consultant-hint", consult.is_consultant_chatting, consult.hint_without_ticket),
    Route("with-consultant", owned_by_consultant, handoff.relay_to_consultant),
    Route("flow", in_flow, continue_flow),  # the case upload step takes files; other steps re-ask
    Route("ticket-file", handoff.sends_a_file, handoff.attach_file),  # while a ticket waits
    Route("case-file", case_chat.has_file, case_chat.receive_file_outside_flow),
    Route("human", handoff.asks_for_human, handoff.request_human_by_words),
    Route("offer-accepted", handoff.accepts_offer, handoff.accept_offer),
    Route("smalltalk", smalltalk.is_small_talk, smalltalk.answer_small_talk),
    Route("faq", faq.has_answer, faq.answer_question),
    Route("fallback", always, faq.fall_back),
)

TABLE = RouteTable(ROUTES, COMMANDS, FLOWS, OWNERS)
