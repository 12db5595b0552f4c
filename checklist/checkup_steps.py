"""The compliance check-up's questions, as data for the generic step engine (bot/steps.py).

Diagram: checklist/checkup_flow.mmd. The licence type picks the items (knowledge/checkup.yaml); each
item is a choice step answered 是 / 否 / 不确定 with its one-line "why it matters" shown under the
question. A button's payload names its item ("log_retention:yes"), so a press on an older question's
button (a double tap, a scrolled-up message) is re-asked with the reason instead of answering the
current question. The CLI (`licensebot checkup`) reads its answers file through these same steps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.problems import Problem
from bot.steps import CHOICE, TEXT, Env, Option, Step, Updates, match_option
from checklist.checkup_rules import CheckupRules, Item
from checklist.rules import ChecklistRules
from checklist.steps import parse_expiry

ANSWER_LABELS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("yes", "是", "Yes", ("是的", "对", "有", "已", "已经", "已完成", "符合", "y", "yes", "true")),
    ("no", "否", "No", ("不是", "没有", "未", "不符合", "n", "no", "false")),
    ("unsure", "不确定", "Not sure", ("不知道", "不清楚", "不懂", "待确认", "unsure", "not sure", "dontknow",
                                  "don't know", "?", "？")),
)
_PAYLOAD = re.compile(r"^([a-z][a-z0-9_]{1,39}):(yes|no|unsure)$")


@dataclass(frozen=True)
class CheckupConfig:
    """What the steps read: the items, and the licence types (names, aliases) of the checklist rules."""

    rules: CheckupRules
    licenses: ChecklistRules


def _config(env: Env) -> CheckupConfig:
    config: CheckupConfig = env.config
    return config


def license_options(env: Env) -> tuple[Option, ...]:
    return tuple(Option(lt.code, lt.name.zh, lt.name.en, lt.aliases) for lt in _config(env).licenses.licenses
                 if _config(env).rules.family_of(lt.code) is not None)


def answer_options(item_id: str) -> tuple[Option, ...]:
    return tuple(Option(f"{item_id}:{value}", zh, en, aliases) for value, zh, en, aliases in ANSWER_LABELS)


def plain_answer(stored: object) -> str | None:
    """'log_retention:yes' (what the step stores) → 'yes'."""
    match = _PAYLOAD.match(str(stored))
    return match.group(2) if match else None


def read_item_answer(item_id: str, text: str) -> str | Problem:
    """A typed or pressed answer to one item: 'yes' | 'no' | 'unsure', or why it is not one."""
    option = match_option(answer_options(item_id), text)
    if option is not None:
        return option.value.split(":", 1)[1]
    match = _PAYLOAD.match(text.strip())
    if match and match.group(1) != item_id:
        return Problem("stale_button", "这个按钮属于前面的问题，没有计入。请回答下面这一题：是、否或不确定。",
                       "That button belongs to an earlier question and was not counted. "
                       "Please answer this one: yes, no or not sure.")
    return Problem("not_an_answer", "这一题请回答“是”“否”或“不确定”（可以点按钮）。想先问别的问题，请发送 /cancel "
                   "退出体检；之后发送 /checkup 可以重新开始。",
                   "Please answer this one with yes, no or not sure (the buttons work). To ask something else "
                   "first, send /cancel to leave the check-up; /checkup starts it again later.")


def _parse_item(item_id: str):  # noqa: ANN202 - a step's parse function
    def parse(text: str, env: Env) -> Updates | Problem:
        outcome = read_item_answer(item_id, text)
        return outcome if isinstance(outcome, Problem) else {item_id: f"{item_id}:{outcome}"}
    return parse


def _applies(item: Item):  # noqa: ANN202 - a step's applies function
    def applies(env: Env) -> bool:
        code = env.answers.get("license")
        return isinstance(code, str) and item in _config(env).rules.items_for(code)
    return applies


def item_step(item: Item, position: tuple[int, int] | None = None) -> Step:
    """One item as a choice step: the question, why it matters (and "3/18" once the type is known), three buttons."""
    k, n = position or (0, 0)
    where = (f"第{k}/{n}题 · ", f"Question {k} of {n} · ") if position else ("", "")
    return Step(item.id, CHOICE, (item.question.zh, item.question.en),
                example=(where[0] + "为什么重要：" + item.why.zh, where[1] + "Why it matters: " + item.why.en),
                options=lambda _env, item_id=item.id: answer_options(item_id),
                parse=_parse_item(item.id), applies=_applies(item), numbered=position is None)


LICENSE_STEP = Step("license", CHOICE, ("要体检的是哪种许可证？", "Which licence is the check-up for?"),
                    options=license_options)
EXPIRES_STEP = Step("expires", TEXT, ("许可证哪天到期？（可跳过）", "When does the licence expire? (optional)"),
                    example=("填写后，每项整改会给出具体的完成日期（续期须在到期前90天提交）。例如：2027-03-15",
                             "With it, every fix gets a date (renewal is due 90 days before expiry). "
                             "e.g. 2027-03-15"),
                    parse=parse_expiry, optional=True)


def checkup_steps(rules: CheckupRules, license_code: str | None = None) -> tuple[Step, ...]:
    """The licence type, the expiry date (optional), then every item that applies to the type (numbered
    "k of n" when the type is already chosen)."""
    asked = rules.items_for(license_code) if license_code else ()
    if not asked:
        return (LICENSE_STEP, EXPIRES_STEP, *(item_step(i) for i in rules.items))
    return (LICENSE_STEP, EXPIRES_STEP, *(item_step(i, (k, len(asked))) for k, i in enumerate(asked, 1)))
