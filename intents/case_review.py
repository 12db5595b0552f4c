"""The consultant's side of a renewal case: review each file, mark items, download the case.

    /accept FILE            the file (and its item) is accepted; the client is told
    /reject FILE [REASON]   rejected with a reason the client sees (asked for when not given: FLOW_NAME)
    /casefile FILE          the file itself, to look at
    /casezip CASE           the whole case as one .zip with an index sheet (.xlsx)
    /casestatus CASE STATUS submitted (or not_needed ITEM: an item the client need not send)

Consultant-only (licensebot/routes.py COMMANDS). The client hears about every verdict through the outbox.
"""

from __future__ import annotations

from pathlib import Path

from bot.commands import command_args
from bot.context import Context
from bot.language import pick
from bot.messages import Attachment, Button, Reply
from cases.archive import ZIP_MIME, archive_name, case_archive
from cases.items import label_of
from cases.models import NOT_NEEDED, SUBMITTED, CaseFile, RenewalCase
from cases.service import review_file, set_case_status, set_item_status, status_label
from checklist.rules import ChecklistRules
from intents.case_chat import case_card, notify_client
from registry.models import License

FLOW_NAME = "case_reject"
MAX_REASON = 300


def _file(ctx: Context, arg: str) -> CaseFile | None:
    return ctx.session.get(CaseFile, int(arg)) if arg.isdigit() and len(arg) <= 12 else None


def _no_file(ctx: Context) -> list[Reply]:
    return [Reply(ctx.say("没有这个文件编号。", "No file with that number."), tags=("case-file-missing",))]


def _label(ctx: Context, row: CaseFile, lang: str) -> str:
    return label_of(ctx.services.get(ChecklistRules), row.item_key, lang) if row.item_key else row.filename


def accept_file(ctx: Context) -> list[Reply]:
    """Accepts a file and its item, and tells the client."""
    row = _file(ctx, command_args(ctx).strip())
    if row is None:
        return _no_file(ctx)
    review_file(ctx.session, row, True, "", ctx.now)
    case = ctx.session.get(RenewalCase, row.case_id)
    lic = ctx.session.get(License, case.license_id) if case else None
    if case is not None and lic is not None:
        title = (f"✅ 您上传的“{_label(ctx, row, 'zh')}”已通过顾问审核。\n✅ “{_label(ctx, row, 'en')}” was accepted.")
        notify_client(ctx, row, _client_card(ctx, lic, case, title), "accepted")
    return [Reply(pick(ctx.lang, f"已通过：{_label(ctx, row, 'zh')}（文件 {row.id}）",
                       f"Accepted: {_label(ctx, row, 'en')} (file {row.id})"), tags=("case-accepted", f"file:{row.id}"))]


def _client_card(ctx: Context, lic: License, case: RenewalCase, title: str) -> Reply:
    """The client's case card, in Chinese (a notice to another chat: its language is not known here)."""
    return case_card(Context(ctx.incoming, ctx.state, "zh", ctx.session, ctx.services, ctx.now), lic, case, title)


def reject_file(ctx: Context) -> list[Reply]:
    """Rejects a file with the reason given, or asks for the reason first."""
    arg, _, reason = command_args(ctx).strip().partition(" ")
    row = _file(ctx, arg)
    if row is None:
        return _no_file(ctx)
    if not reason.strip():
        ctx.state.start_flow(FLOW_NAME, "reason", {"file_id": row.id})
        return [Reply(ctx.say(f"请输入退回“{_label(ctx, row, 'zh')}”的原因（客户会看到）：",
                              f"Why is “{_label(ctx, row, 'en')}” rejected? (the client sees this)"),
                      buttons=(Button(ctx.say("取消", "Cancel"), "/cancel"),), tags=(f"flow:{FLOW_NAME}",))]
    return _reject(ctx, row, reason.strip())


def answer_reject_reason(ctx: Context) -> list[Reply]:
    """Takes the reason for a rejection and sends the verdict to the client."""
    row = ctx.session.get(CaseFile, int(ctx.state.data.get("file_id") or 0))
    ctx.state.clear_flow()
    if row is None:
        return _no_file(ctx)
    reason = ctx.text.strip()
    if not reason:
        return reject_file(ctx)
    return _reject(ctx, row, reason)


def _reject(ctx: Context, row: CaseFile, reason: str) -> list[Reply]:
    reason = reason[:MAX_REASON]
    review_file(ctx.session, row, False, reason, ctx.now)
    case = ctx.session.get(RenewalCase, row.case_id)
    lic = ctx.session.get(License, case.license_id) if case else None
    if case is not None and lic is not None:
        title = (f"❌ 您上传的“{_label(ctx, row, 'zh')}”被顾问退回，原因：{reason}\n请修改后点“上传材料”重新发送。\n"
                 f"❌ “{_label(ctx, row, 'en')}” was returned: {reason}. Press “上传材料” to send it again.")
        notify_client(ctx, row, _client_card(ctx, lic, case, title), "rejected")
    return [Reply(ctx.say(f"已退回：{_label(ctx, row, 'zh')}（文件 {row.id}），原因已告知客户。",
                          f"Rejected: {_label(ctx, row, 'en')} (file {row.id}); the client has the reason."),
                  tags=("case-rejected", f"file:{row.id}"))]


def send_case_file(ctx: Context) -> list[Reply]:
    """Sends one stored file to the consultant."""
    row = _file(ctx, command_args(ctx).strip())
    if row is None:
        return _no_file(ctx)
    path = Path(row.path)
    if not path.is_file():
        return [Reply(ctx.say("这个文件已被删除（客户可能执行了 /forget）。", "That file was deleted (the client may have used /forget)."),
                      tags=("case-file-gone",))]
    return [Reply(f"{_label(ctx, row, ctx.lang)} · {row.filename}", attachment=Attachment(row.filename, path.read_bytes(),
                                                                                       row.mime),
                  buttons=(Button(ctx.say("通过", "Accept"), f"/accept {row.id}"),
                           Button(ctx.say("退回", "Reject"), f"/reject {row.id}")), tags=("case-file",))]


def _case(ctx: Context, arg: str) -> tuple[RenewalCase, License] | None:
    case = ctx.session.get(RenewalCase, int(arg)) if arg.isdigit() and len(arg) <= 12 else None
    lic = ctx.session.get(License, case.license_id) if case is not None else None
    return (case, lic) if case is not None and lic is not None else None


def send_case_archive(ctx: Context) -> list[Reply]:
    """Sends the whole case as one .zip: the files by item and an index sheet."""
    found = _case(ctx, command_args(ctx).strip())
    if found is None:
        return [Reply(ctx.say("没有这个案件编号。", "No case with that number."), tags=("case-missing",))]
    case, lic = found
    content, missing = case_archive(ctx.session, ctx.services.get(ChecklistRules), case, lic, ctx.lang)
    note = ctx.say(f"（{len(missing)}个文件已被删除，未包含在内）", f" ({len(missing)} deleted files left out)") if missing else ""
    return [Reply(ctx.say(f"案件 {case.id} 的全部材料和索引表：{note}", f"Case {case.id}: every file and an index sheet.{note}"),
                  attachment=Attachment(archive_name(lic, case), content, ZIP_MIME), tags=("case-archive",))]


def set_status(ctx: Context) -> list[Reply]:
    """Marks a case submitted, or one of its items not needed."""
    parts = command_args(ctx).split()
    found = _case(ctx, parts[0]) if parts else None
    if found is None or len(parts) < 2 or parts[1] not in (SUBMITTED, NOT_NEEDED):
        return [Reply(ctx.say("用法：/casestatus 案件号 submitted，或 /casestatus 案件号 not_needed 材料代码",
                              "Usage: /casestatus CASE submitted, or /casestatus CASE not_needed ITEM"),
                      tags=("case-usage",))]
    case, lic = found
    if parts[1] == SUBMITTED:
        set_case_status(ctx.session, case, SUBMITTED, ctx.now)
    elif len(parts) < 3 or set_item_status(ctx.session, case, parts[2], NOT_NEEDED, "", ctx.now) is None:
        return [Reply(ctx.say("这个案件没有这项材料。", "The case has no such item."), tags=("case-usage",))]
    return [case_card(ctx, lic, case, ctx.say(f"已更新：{status_label(case.status, 'zh')}",
                                             f"Updated: {status_label(case.status, 'en')}"))]
