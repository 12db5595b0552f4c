"""A client's renewal case in chat: open it (one button), see what is missing, send the documents.

Commands (the buttons of reminders, /mylicenses and the case card send them; LICENCE = licence id):

    /opencase LICENCE   open the case of the licence's current cycle (or show it), items from the rules
    /mycase [LICENCE]   the case card: status, last day to submit, every item and what is missing
    /upload LICENCE     the upload step (a guided flow, FLOW_NAME): files and photos in, each filed
                        under an item the client confirms (the bot guesses from the file name)

Diagram: intents/case_upload_flow.mmd. Files sent outside the flow start it when the client has
one licence (route "case-file" in licensebot/routes.py). Consultants act on any licence; clients only on
licences they subscribe to (registry.owned), everyone else gets "not found".
"""

from __future__ import annotations

from datetime import date

from bot import staff
from bot.clock import SHANGHAI
from bot.commands import command_args
from bot.context import Context
from bot.messages import Button, ChatRef, Reply
from bot.outbox import enqueue
from cases import files as case_files
from cases.items import clean_facts, label_of
from cases.models import ACCEPTED, NOT_NEEDED, REJECTED, UPLOADED, CaseFile, CaseItem, RenewalCase
from cases.service import (
    add_file,
    assign_file,
    current_case,
    items_of,
    open_case,
    open_items,
    status_label,
    submit_by,
)
from checklist.rules import ChecklistRules
from checklist.store import recent_checklists
from registry import service as registry
from registry.models import License
from scheduler.texts import license_name

FLOW_NAME = "case_upload"
CASE_KIND = "case"  # Outbox kind of case notices (to consultants and clients)
ITEM_PREFIX = "item:"
DONE = "done"
_DONE_WORDS = {"done", "完成", "好了", "结束", "没有了", "finish"}
_MARKS = {ACCEPTED: "✅", UPLOADED: "📎", REJECTED: "❌", NOT_NEEDED: "➖"}

# Buttons under a case card besides 上传材料 and 联系顾问: (zh, en, payload with {license} = licence id).
# The hook for other features' steps of a case (e.g. a check-up: ("合规体检", "Check-up", "/checkup {license}")).
CASE_CARD_EXTRA_BUTTONS: tuple[tuple[str, str, str], ...] = ()


def _today(ctx: Context) -> date:
    return ctx.now.astimezone(SHANGHAI).date()


def licence_for(ctx: Context, arg: str) -> License | None:
    """The licence with this id if the sender may act on it (a subscriber, or any consultant, who may
    also give the licence number)."""
    if staff.is_consultant(ctx):
        if arg.isdigit() and len(arg) <= 12:
            return ctx.session.get(License, int(arg))
        return registry.find_by_number(ctx.session, arg[:64]) if arg else None
    if not arg.isdigit() or len(arg) > 12:
        return None
    found = registry.owned(ctx.session, int(arg), ctx.incoming.channel, ctx.incoming.user_id)
    return found[0] if found else None


def not_found(ctx: Context) -> list[Reply]:
    """Tells the user there is no such licence among theirs (the same answer for someone else's)."""
    return [Reply(ctx.say("没有找到这张许可证，或者它不在您的名下。发送 /mylicenses 查看您登记的许可证。",
                          "No such licence among yours. Send /mylicenses to see the licences you registered."),
                  buttons=(Button(ctx.say("我的许可证", "My licences"), "/mylicenses"),), tags=("case-not-found",))]


def facts_from_checklist(ctx: Context, lic: License) -> dict[str, object]:
    """Changes and foreign investment from the client's latest checklist for this licence, if any."""
    inc = ctx.incoming
    for record in recent_checklists(ctx.session, inc.channel, inc.user_id):
        if record.license == lic.license_type and (not record.number or record.number == lic.number):
            return clean_facts(record.answers)
    return clean_facts(None)


def ensure_case(ctx: Context, lic: License) -> tuple[RenewalCase, bool]:
    who = f"{ctx.incoming.channel}:{ctx.incoming.user_id}"
    return open_case(ctx.session, ctx.services.get(ChecklistRules), lic, _today(ctx), ctx.now, who,
                     facts_from_checklist(ctx, lic))


def item_line(ctx: Context, n: int, item: CaseItem) -> str:
    label = label_of(ctx.services.get(ChecklistRules), item.key, ctx.lang)
    mark = _MARKS.get(item.status, "⬜")
    state = status_label(item.status, ctx.lang)
    reason = ctx.say(f"：{item.reason}", f": {item.reason}") if item.status == REJECTED and item.reason else ""
    return f"{n}. {mark} {label} — {state}{reason}"


def case_card(ctx: Context, lic: License, case: RenewalCase, title: str = "") -> Reply:
    """The case: licence, status, the last day to submit, every item with its status, and the buttons."""
    items = items_of(ctx.session, case)
    todo = open_items(items)
    deadline = submit_by(lic)
    days = (deadline - _today(ctx)).days
    left = (ctx.say(f"还有{days}天", f"{days} days left") if days > 0 else ctx.say("今天是最后一天", "today is the last day")
            if days == 0 else ctx.say(f"已过{-days}天", f"passed {-days} days ago"))
    lines = [title] if title else []
    lines += [ctx.say(f"【续期案件】{license_name(lic.license_type, 'zh')} {lic.number}",
                      f"Renewal case: {license_name(lic.license_type, 'en')} {lic.number}"),
              ctx.say(f"状态：{status_label(case.status, 'zh')} · 最晚提交日：{deadline.isoformat()}（{left}）",
                      f"Status: {status_label(case.status, 'en')} · submit by {deadline.isoformat()} ({left})"),
              ctx.say(f"材料（还缺{len(todo)}项）：", f"Items ({len(todo)} still missing):")]
    lines += [item_line(ctx, n, item) for n, item in enumerate(items, 1)]
    buttons = [Button(ctx.say("上传材料", "Upload documents"), f"/upload {lic.id}"),
               Button(ctx.say("联系顾问", "Talk to a consultant"), "/human")]
    buttons += [Button(ctx.say(zh, en), payload.format(license=lic.id)) for zh, en, payload in CASE_CARD_EXTRA_BUTTONS]
    return Reply("\n".join(lines), buttons=tuple(buttons), tags=("case", f"case:{case.id}", f"missing:{len(todo)}"))


def _named_case(ctx: Context) -> tuple[License, RenewalCase, bool] | list[Reply]:
    """The licence the command names and its case (opened if need be, `new` then), or the replies saying why not."""
    lic = licence_for(ctx, command_args(ctx).strip())
    if lic is None:
        return not_found(ctx)
    try:
        case, new = ensure_case(ctx, lic)
    except ValueError:
        return [Reply(ctx.say("这种许可证暂时没有续期清单规则，请联系顾问。",
                              "There are no checklist rules for this licence type yet; please talk to a consultant."),
                      buttons=(Button(ctx.say("联系顾问", "Talk to a consultant"), "/human"),), tags=("case-no-rules",))]
    return lic, case, new


def open_renewal_case(ctx: Context) -> list[Reply]:
    """Opens the renewal case of one of the user's licences (or shows it when it is open already)."""
    found = _named_case(ctx)
    if isinstance(found, list):
        return found
    lic, case, new = found
    title = (ctx.say("已为您开启续期案件。点“上传材料”即可在聊天中发送文件或照片。",
                     "Your renewal case is open. Press “Upload documents” to send files or photos in this chat.")
             if new else "")
    return [case_card(ctx, lic, case, title)]


def show_case(ctx: Context) -> list[Reply]:
    """Shows the case of one licence, or lists the user's licences to choose from."""
    arg = command_args(ctx).strip()
    inc = ctx.incoming
    if not arg:
        mine = registry.my_licenses(ctx.session, inc.channel, inc.user_id)
        if len(mine) != 1:
            buttons = tuple(Button(f"{license_name(lic.license_type, ctx.lang)} {lic.number}", f"/mycase {lic.id}")
                            for lic, _ in mine[:10])
            return [Reply(ctx.say("请选择许可证：", "Which licence?") if buttons else
                          ctx.say("您还没有登记许可证。", "You have no registered licences."),
                          buttons=buttons or (Button(ctx.say("登记许可证", "Register a licence"), "/subscribe"),),
                          tags=("case-choose",))]
        arg = str(mine[0][0].id)
    lic = licence_for(ctx, arg)
    if lic is None:
        return not_found(ctx)
    case = current_case(ctx.session, lic)
    if case is None:
        return [Reply(ctx.say(f"{lic.number} 还没有续期案件。开启后，可以在聊天中上传材料，顾问逐项审核。",
                              f"{lic.number} has no renewal case yet. Open one to send documents here for review."),
                      buttons=(Button(ctx.say("开启续期案件", "Open the renewal case"), f"/opencase {lic.id}"),),
                      tags=("case-none",))]
    return [case_card(ctx, lic, case)]


# --- the upload step (a guided flow) ---

def start_upload(ctx: Context) -> list[Reply]:
    """Opens the case if needed and asks for the files, listing what is still missing."""
    found = _named_case(ctx)
    if isinstance(found, list):
        return found
    lic, case, _new = found
    pending = [int(p) for p in ctx.state.data.get("pending") or []] if (
        ctx.state.flow == FLOW_NAME and ctx.state.data.get("case_id") == case.id) else []
    ctx.state.start_flow(FLOW_NAME, "files", {"case_id": case.id, "license_id": lic.id, "pending": pending})
    waiting = ctx.session.get(CaseFile, pending[0]) if pending else None
    if waiting is not None:  # still asking about a file: ask again rather than lose it
        return [ask_which_item(ctx, case, waiting)]
    return [ask_for_files(ctx, case)]


def ask_for_files(ctx: Context, case: RenewalCase, note: str = "") -> Reply:
    settings = ctx.services.settings
    kinds = ctx.say("、", ", ").join(k.upper() for k in case_files.allowed_types(settings))
    todo = open_items(items_of(ctx.session, case))
    lines = [note] if note else []
    lines.append(ctx.say(f"请直接发送文件或照片（{kinds}，每个不超过{settings.case_file_max_mb}MB），一次一个或几个都可以。",
                         f"Send the files or photos here ({kinds}, up to {settings.case_file_max_mb} MB each), "
                         "one or several."))
    if todo:
        lines.append(ctx.say("还缺：", "Still missing: ") + ctx.say("、", "; ").join(
            label_of(ctx.services.get(ChecklistRules), i.key, ctx.lang) for i in todo))
    lines.append(ctx.say("发完后点“完成”；/cancel 退出。", "Press “Done” when finished; /cancel leaves."))
    return Reply("\n".join(lines), buttons=(Button(ctx.say("完成", "Done"), DONE),),
                 tags=(f"flow:{FLOW_NAME}", "step:files"))


def guess_item(filename: str, items: list[CaseItem], ctx: Context) -> CaseItem | None:
    """The item a file name points at: its key, or a two-character or longer part of its label."""
    stem = case_files.clean_name(filename).rsplit(".", 1)[0].lower().replace("-", "_").replace(" ", "_")
    rules = ctx.services.get(ChecklistRules)
    for item in items:
        if item.key in stem:
            return item
    for item in items:
        for lang in ("zh", "en"):
            label = label_of(rules, item.key, lang).lower()
            parts = [p.strip() for p in label.replace("（", "(").replace("）", ")").replace("(", "、").replace(")", "、")
                     .replace("，", "、").replace(",", "、").split("、")]
            if any(_telling(p) and p.replace(" ", "_") in stem for p in parts):
                return item
    return None


def _telling(part: str) -> bool:
    """A label fragment worth matching: two Chinese characters, or a word of four letters or more."""
    cjk = sum(1 for ch in part if "\u4e00" <= ch <= "\u9fff")
    letters = sum(1 for ch in part if ch.isascii() and ch.isalpha())
    return cjk >= 2 or letters >= 4


def _case_of_flow(ctx: Context) -> tuple[RenewalCase, License] | None:
    case = ctx.session.get(RenewalCase, int(ctx.state.data.get("case_id") or 0))
    lic = ctx.session.get(License, case.license_id) if case is not None else None
    return (case, lic) if case is not None and lic is not None and lic.cycle == case.cycle else None


def ask_which_item(ctx: Context, case: RenewalCase, row: CaseFile, note: str = "") -> Reply:
    """Asks which item a received file is; the guessed one first, as a confirmation."""
    items = [i for i in items_of(ctx.session, case) if i.status != NOT_NEEDED]
    rules = ctx.services.get(ChecklistRules)
    choices = open_items(items) + [i for i in items if i.status in (UPLOADED, ACCEPTED)]
    guess = guess_item(row.filename, open_items(items) or items, ctx)
    buttons = []
    if guess is not None:
        label = label_of(rules, guess.key, ctx.lang)
        question = ctx.say(f"收到“{row.filename}”。这是“{label}”吗？是就点第一个按钮，不是请选择对应的材料。",
                           f"Got “{row.filename}”. Is it “{label}”? Press the first button if so, or pick the item.")
        buttons.append(Button(ctx.say(f"是，{label}", f"Yes, {label}"), ITEM_PREFIX + guess.key))
    else:
        question = ctx.say(f"收到“{row.filename}”。这是哪一项材料？", f"Got “{row.filename}”. Which item is it?")
    buttons += [Button(label_of(rules, i.key, ctx.lang), ITEM_PREFIX + i.key) for i in choices[:12]
                if guess is None or i.key != guess.key]
    lines = [note, question] if note else [question]
    return Reply("\n".join(lines), buttons=tuple(buttons), tags=(f"flow:{FLOW_NAME}", "step:which", f"file:{row.id}"))


def answer_upload_step(ctx: Context) -> list[Reply]:
    """Takes a file, the item a file belongs to, or "done"; re-asks when the answer does not fit."""
    found = _case_of_flow(ctx)
    if found is None:
        ctx.state.clear_flow()
        return [Reply(ctx.say("这个续期案件已经结束。", "This renewal case is closed."), tags=("case-closed",))]
    case, lic = found
    data = dict(ctx.state.data)
    pending: list[int] = [int(p) for p in data.get("pending") or []]
    attachment = ctx.incoming.attachment
    if attachment is not None:
        return receive_file(ctx, case, pending)
    text = ctx.text
    if pending:
        row = ctx.session.get(CaseFile, pending[0])
        if row is None or row.case_id != case.id:
            ctx.state.data = {**data, "pending": pending[1:]}
            return [ask_for_files(ctx, case)]
        key = text[len(ITEM_PREFIX):] if text.startswith(ITEM_PREFIX) else _typed_item(ctx, case, text)
        item = assign_file(ctx.session, case, row, key, ctx.now) if key else None
        if item is None:
            return [ask_which_item(ctx, case, row, note="⚠️ " + ctx.say("请点击按钮选择这份文件对应的材料。",
                                                                        "Please press the item this file belongs to."))]
        notify_consultants(ctx, case, lic, row)
        left = pending[1:]
        ctx.state.data = {**data, "pending": left}
        label = label_of(ctx.services.get(ChecklistRules), key, ctx.lang)
        note = ctx.say(f"已将“{row.filename}”归入“{label}”，等待顾问审核。", f"Filed “{row.filename}” under “{label}”, "
                       "waiting for the consultant's review.")
        if left:
            next_row = ctx.session.get(CaseFile, left[0])
            if next_row is not None:
                return [ask_which_item(ctx, case, next_row, note=note)]
        return [ask_for_files(ctx, case, note=note)]
    if text.lower() in _DONE_WORDS:
        ctx.state.clear_flow()
        return [case_card(ctx, lic, case, ctx.say("好的，上传结束。需要补充时点“上传材料”即可。",
                                                  "Done. Press “Upload documents” whenever you have more."))]
    return [ask_for_files(ctx, case, note="⚠️ " + ctx.say("请发送文件或照片；发完后点“完成”。",
                                                          "Please send a file or photo, then press “Done”."))]


def _typed_item(ctx: Context, case: RenewalCase, text: str) -> str:
    """An item typed by its label (or a part of it two characters or longer)."""
    key = text.strip().lower()
    if len(key) < 2:
        return ""
    for item in items_of(ctx.session, case):
        label = label_of(ctx.services.get(ChecklistRules), item.key, ctx.lang).lower()
        if key == item.key or key in label:
            return item.key
    return ""


def receive_file(ctx: Context, case: RenewalCase, pending: list[int]) -> list[Reply]:
    """Checks and stores a file, then asks which item it is (or queues the question)."""
    attachment = ctx.incoming.attachment
    assert attachment is not None
    inc = ctx.incoming
    stored = add_file(ctx.session, ctx.services.settings, case, (inc.channel, inc.chat_id, inc.user_id),
                      attachment.filename, attachment.content, attachment.mime, ctx.now)
    if isinstance(stored, case_files.FileProblem):
        return [Reply("⚠️ " + stored.text(ctx.lang), buttons=(Button(ctx.say("完成", "Done"), DONE),),
                      tags=(f"flow:{FLOW_NAME}", f"file-refused:{stored.code}"))]
    ctx.state.data = {**ctx.state.data, "pending": [*pending, stored.id]}
    if pending:  # still asking about an earlier file: this one waits its turn
        return [Reply(ctx.say(f"也收到了“{stored.filename}”，先确认上一份文件，再问这一份。",
                              f"Got “{stored.filename}” too; I'll ask about it after the previous one."),
                      tags=(f"flow:{FLOW_NAME}", "file-queued"))]
    return [ask_which_item(ctx, case, stored)]


def has_file(ctx: Context) -> bool:
    return ctx.incoming.attachment is not None


def receive_file_outside_flow(ctx: Context) -> list[Reply]:
    """A file sent outside the upload step: starts it when the client has exactly one licence."""
    inc = ctx.incoming
    mine = registry.my_licenses(ctx.session, inc.channel, inc.user_id)
    if len(mine) == 1:
        lic = mine[0][0]
        try:
            case, _new = ensure_case(ctx, lic)
        except ValueError:
            return open_renewal_case(ctx)
        ctx.state.start_flow(FLOW_NAME, "files", {"case_id": case.id, "license_id": lic.id, "pending": []})
        return receive_file(ctx, case, [])
    buttons = tuple(Button(f"{ctx.say('上传到', 'Upload to')} {lic.number}", f"/upload {lic.id}") for lic, _ in mine[:10])
    if buttons:
        return [Reply(ctx.say("收到文件，但还不知道它属于哪张许可证的续期案件。请先选择许可证，再重新发送文件。",
                              "Got a file, but which licence's renewal case is it for? Choose the licence, then "
                              "send it again."), buttons=buttons, tags=("case-file-where",))]
    return [Reply(ctx.say("收到文件。我（机器人）看不了文件内容：需要顾问查看，请发送 /human，之后发的文件会附在工单里；"
                          "上传续期材料需要先登记许可证（/subscribe），然后在续期案件中发送。",
                          "Got a file. I (the bot) can't read files: for a consultant to look at it, send /human "
                          "and files you send then go with the request; to send renewal documents, register the "
                          "licence first (/subscribe), then send them in its renewal case."),
                  buttons=(Button(ctx.say("登记许可证", "Register a licence"), "/subscribe"),),
                  tags=("case-file-where", "file-no-ticket"))]


def notify_consultants(ctx: Context, case: RenewalCase, lic: License, row: CaseFile) -> None:
    """Tells the consultants a file waits for review, with accept / reject buttons (through the outbox)."""
    label = label_of(ctx.services.get(ChecklistRules), row.item_key, "zh")
    text = (f"【待审核材料】{lic.company} {lic.number}（案件 {case.id}）\n材料：{label}\n文件：{row.filename}"
            f"（{row.size // 1024 + 1}KB）")
    buttons = (Button("通过", f"/accept {row.id}"), Button("退回", f"/reject {row.id}"),
               Button("查看文件", f"/casefile {row.id}"))
    reply = Reply(text, buttons=buttons, tags=("case-review", f"case:{case.id}", f"file:{row.id}"))
    for target in staff.staff(ctx.services.settings).announce_targets():
        enqueue(ctx.session, target, reply, CASE_KIND, f"case:{case.id}:file:{row.id}:review:{target.channel}:"
                f"{target.chat_id}"[:200], ctx.now)


def notify_client(ctx: Context, row: CaseFile, reply: Reply, what: str) -> None:
    enqueue(ctx.session, ChatRef(row.channel, row.chat_id), reply, CASE_KIND, f"case:{row.case_id}:file:{row.id}:{what}",
            ctx.now)
