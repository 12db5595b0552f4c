"""One set of hand-off and ownership scenarios (issue 14), written once and played on every channel:
the console (tests/ownership/test_transcripts_console.py), Telegram through the fake Bot API
(tests/test_telegram_ownership.py) and WeCom through the fake WeCom API, a WeChat client talking to
a consultant in the WeCom app (tests/wecom/test_wecom_ownership.py).

A step is one action by the client or the consultant, then what each of them saw since (their
direct replies and whatever the outbox delivered to them):

    send TEXT     type TEXT (a number is typed as text)
    press LABEL   press the button with that label (Telegram: the inline button; WeCom: the menu
                  item or card button; console: type the number shown beside it)
    number LABEL  type the number shown beside LABEL where the channel numbers buttons
                  (console, WeCom); press it where it does not (Telegram)
    file NAME     send a file (Telegram: a document; WeCom: a customer-service file message; the
                  console has no way to send one, so its rig hands the engine the Incoming directly)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

CLIENT, CONSULTANT = "client", "consultant"
QUESTION = "ICP证续期要准备哪些材料？"  # answered by the test knowledge base, with buttons under it
ANSWER = "测试答案：ICP续期材料"


@dataclass(frozen=True)
class Step:
    who: str
    action: str  # "send" | "press" | "number" | "file"
    text: str
    client_sees: tuple[str, ...] = ()
    client_not: tuple[str, ...] = ()
    consultant_sees: tuple[str, ...] = ()
    consultant_not: tuple[str, ...] = ()
    client_silent: bool = False  # the client gets nothing back at all


def client(action: str, text: str, **expect: object) -> Step:
    return Step(CLIENT, action, text, **expect)  # type: ignore[arg-type]


def consultant(action: str, text: str, **expect: object) -> Step:
    return Step(CONSULTANT, action, text, **expect)  # type: ignore[arg-type]


CLAIMED = (
    client("send", QUESTION, client_sees=(ANSWER,)),
    client("send", "/human", client_sees=("#1",), consultant_sees=("新工单 #1",)),
    consultant("send", "/claim 1", consultant_sees=("工单 #1",), client_sees=("已接入", "/bot")),
)

SCENARIOS: dict[str, tuple[Step, ...]] = {
    # The consultant asks a question; the client's "2" is an answer for the consultant, not button 2
    # of the FAQ answer shown before the claim.
    "a typed number goes to the consultant": (
        *CLAIMED,
        consultant("send", "/reply 1 贵司一共有几张许可证？", client_sees=("贵司一共有几张许可证",)),
        client("send", "2", client_silent=True, consultant_sees=("#1",), consultant_not=("续期清单",)),
    ),
    # A flow cannot start while a consultant holds the chat; /forget and its confirmation reach the
    # bot, the consultant is told in plain words, and nothing of the forget prompt lingers.
    "no flow while claimed; /forget reaches the bot and tells the consultant": (
        *CLAIMED,
        client("send", "/renew", client_sees=("/bot", "顾问"), client_not=("第1步",)),
        client("send", "地网", client_silent=True, consultant_sees=("地网",)),
        client("send", "/forget", client_sees=("确定要删除", "工单 #1"), consultant_not=("/forget",)),
        client("press", "确认删除", client_sees=("已删除",),
               consultant_sees=("要求删除其全部数据",), consultant_not=("确认",)),
        consultant("send", "/reply 1 还在吗", consultant_sees=("已结束",)),
        client("send", QUESTION, client_sees=(ANSWER,), client_not=("没有删除任何数据",)),
    ),
    "cancel on the forget prompt deletes nothing": (
        client("send", "/forget", client_sees=("确定要删除",)),
        client("press", "取消", client_sees=("没有删除任何数据",), client_not=("已退出当前流程",)),
    ),
    # Two keyboards in one turn: the "continue your checklist" prompt and the step question are
    # numbered on, so the step's options are reachable by number.
    "the resume prompt and the step question share the numbers": (
        client("send", "/renew", client_sees=("第1步",)),
        client("send", "/renew", client_sees=("还没填完", "第1步")),
        client("number", "ICP经营许可证", client_sees=("第2步",)),
    ),
    # A flow the client left open ends when a consultant claims the chat; after /bot, a number does
    # not press a button of that old flow.
    "a claim ends an open flow; old buttons stay dead after /bot": (
        client("send", "/renew", client_sees=("第1步",)),
        client("send", "/human", client_sees=("#1",)),
        consultant("send", "/claim 1", client_sees=("已接入",)),
        client("send", "1", client_silent=True, consultant_sees=("#1",)),
        client("send", "/bot", client_sees=("已结束与顾问的对话",), consultant_sees=("客户已结束对话",)),
        client("send", "/mydata", client_sees=("我们保存的关于您的数据",)),
        client("send", "2", client_not=("第2步", "第1步")),
    ),
    # Most clients open with a greeting: a short answer and the menu, never "I can't answer that".
    "small talk is answered, not failed": (
        client("send", "你好", client_sees=("您好！", "直接打字提问"), client_not=("没有把握",)),
        client("send", "在吗？", client_sees=("您好！",), client_not=("没有把握", "转接人工")),
        client("send", "你是机器人吗", client_sees=("机器人", "/human")),
        client("send", "谢谢", client_sees=("不客气",)),
        client("send", "再见", client_sees=("再见",)),
    ),
    # A file sent while the ticket waits belongs to the ticket, not to the FAQ fallback.
    "a file sent while waiting is attached to the ticket": (
        client("send", "/human 营业执照的问题", client_sees=("#1",)),
        client("file", "营业执照.pdf", client_sees=("附到您的工单 #1",), client_not=("没有把握", "转接人工")),
        consultant("send", "/claim 1", consultant_sees=("📎",), client_sees=("已接入",)),
    ),
    # A consultant's plain text with no ticket to send it to gets a hint, not the clients' FAQ.
    "a consultant without a ticket gets a hint": (
        consultant("send", QUESTION, consultant_sees=("没有发给任何客户", "/queue"), consultant_not=(ANSWER,)),
    ),
}


class ChannelRig(Protocol):
    """A channel's way to play a step and say what each side saw since."""

    async def act(self, who: str, action: str, text: str) -> None: ...

    def seen(self, who: str) -> str: ...


async def play(rig: ChannelRig, steps: tuple[Step, ...]) -> None:
    for n, step in enumerate(steps, 1):
        await rig.act(step.who, step.action, step.text)
        where = f"step {n} ({step.who} {step.action} {step.text!r})"
        said, heard = rig.seen(CLIENT), rig.seen(CONSULTANT)
        for text in step.client_sees:
            assert text in said, f"{where}: the client should see {text!r}; saw:\n{said}"
        for text in step.client_not:
            assert text not in said, f"{where}: the client should not see {text!r}; saw:\n{said}"
        for text in step.consultant_sees:
            assert text in heard, f"{where}: the consultant should see {text!r}; saw:\n{heard}"
        for text in step.consultant_not:
            assert text not in heard, f"{where}: the consultant should not see {text!r}; saw:\n{heard}"
        if step.client_silent:
            assert said.strip() == "", f"{where}: the client should get nothing; got:\n{said}"


def number_beside(shown: str, label: str) -> str:
    """The number a channel printed beside a label ("[3] label" on the console, "3. label" on WeCom)."""
    for line in reversed(shown.splitlines()):
        line = line.strip()
        for opening, closing in (("[", "] "), ("", ". ")):
            head, sep, rest = line.partition(closing)
            digits = head.removeprefix(opening)
            if sep and digits.isdigit() and rest.strip() == label and head.startswith(opening):
                return digits
    raise AssertionError(f"no number beside {label!r} in:\n{shown}")
