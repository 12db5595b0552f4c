"""A generic engine for guided dialogues whose steps are data (style.md #6).

A flow is a list of `Step` specs; this module asks them in order, checks each answer, re-asks with
the reason and an example when an answer does not fit, goes back one step on /back and finishes
with the flow's `finish` handler. Three kinds of step:

    choice  one of fixed options (buttons; typing a label or alias works too)
    multi   several options, toggled with buttons, closed with "done" (or "none")
    text    free text checked by the step's `parse` (optional ones get a "skip" button)

State lives in ctx.state (saved by the engine): `flow` = the flow name, `step` = the step asked,
`data` = {"answers": {step id: value}, "history": [step ids answered], "picked": [multi choices],
"preset": [answer keys given in advance]}. Answers given in advance (prefill arguments) are not in
the history: /back never drops them, and the step number counts only questions the user answered.
Plain JSON, so a restart, another worker or a pause of days resumes at the same question.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.clock import SHANGHAI
from bot.context import Context
from bot.language import pick
from bot.messages import Button, Reply
from bot.problems import Problem

CHOICE, MULTI, TEXT = "choice", "multi", "text"
SKIP, DONE, NONE = "skip", "done", "none"
_DONE_WORDS = {"done", "完成", "好了", "好", "确定", "ok", "下一步", "next"}
_NONE_WORDS = {"none", "没有", "无", "都没有", "没有变化", "无变化", "no", "nothing"}
_SKIP_WORDS = {"skip", "跳过", "不填", "没有", "无", "不知道"}
_LIST_SEPARATORS = ("、", ",", "，", ";", "；", "/", "+")


@dataclass(frozen=True)
class Option:
    value: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        return pick(lang, self.zh, self.en)


@dataclass(frozen=True)
class Env:
    """What a step's functions may look at: the answers so far, today, the language, the flow's config."""

    answers: dict[str, Any]
    today: date
    lang: str
    config: Any


Updates = dict[str, Any]


def _no_options(_env: Env) -> tuple[Option, ...]:
    return ()


def _always(_env: Env) -> bool:
    return True


@dataclass(frozen=True)
class Step:
    id: str  # also the key of its answer
    kind: str  # CHOICE | MULTI | TEXT
    question: tuple[str, str]  # zh, en
    example: tuple[str, str] = ("", "")  # shown with the question and with every re-ask
    options: Callable[[Env], tuple[Option, ...]] = _no_options  # choices, or suggestion buttons for text
    parse: Callable[[str, Env], Updates | Problem] | None = None  # text (and typed extras for choices)
    applies: Callable[[Env], bool] = _always
    optional: bool = False  # text only: a skip button, answer None
    numbered: bool = True  # "（第N步）" before the question; off for a step that shows its own place ("第3/18题")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("✓", "").strip().lower().replace(" ", "")


def match_option(options: tuple[Option, ...], text: str) -> Option | None:
    """The option whose value, label or alias is `text` (case, width and spaces ignored)."""
    key = normalise(text)
    for option in options:
        if key in {normalise(o) for o in (option.value, option.zh, option.en, *option.aliases)}:
            return option
    return None


def read_answer(step: Step, text: str, env: Env) -> Updates | Problem:
    """A choice or text answer checked against the step (the chat flow and the CLI share this)."""
    if step.kind == MULTI:
        return read_list(step, text, env)
    if step.kind == CHOICE:
        option = match_option(step.options(env), text)
        if option is not None:
            return {step.id: option.value}
        if step.parse is not None and text.strip():
            return step.parse(text, env)
        labels = "、".join(o.zh for o in step.options(env))
        labels_en = ", ".join(o.en for o in step.options(env))
        return Problem("not_an_option", f"请点击下面的按钮选择，或输入其中一个选项：{labels}。",
                       f"Please press one of the buttons, or type one of: {labels_en}.")
    if step.optional and normalise(text) in _SKIP_WORDS:
        return {step.id: None}
    if step.parse is None:
        raise AssertionError(f"text step {step.id} needs a parse function")
    return step.parse(text, env)


def read_list(step: Step, text: str, env: Env) -> Updates | Problem:
    """Several options typed at once ("股东、地址", "shareholders,address"), or none."""
    options = step.options(env)
    if normalise(text) in _NONE_WORDS or not text.strip():
        return {step.id: []}
    parts = [text]
    for sep in _LIST_SEPARATORS:
        parts = [p for part in parts for p in part.split(sep) if p.strip()]
    # "股东 地址": split on spaces only where the whole part is not an option ("legal representative")
    parts = [w for p in parts for w in ([p] if match_option(options, p) else p.split())]
    unknown = [p for p in parts if match_option(options, p) is None]
    if unknown:
        labels = "、".join(o.zh for o in options)
        labels_en = ", ".join(o.value for o in options)
        return Problem("not_an_option",
                       f"没有识别出“{'、'.join(unknown)}”。请点击按钮选择（可多选），选好后点“完成”；没有就点“都没有”。"
                       f"可选：{labels}。",
                       f"I didn't recognise “{', '.join(unknown)}”. Press the buttons (several allowed), then "
                       f"“Done”, or “None”. Options: {labels_en}.")
    values = {o.value for p in parts if (o := match_option(options, p)) is not None}
    return {step.id: [o.value for o in options if o.value in values]}


@dataclass(frozen=True)
class StepFlow:
    name: str  # the key in licensebot/routes.py FLOWS
    steps: tuple[Step, ...]
    finish: Callable[[Context, dict[str, Any]], list[Reply]]
    config: Callable[[Context], Any]  # e.g. the loaded rules, handed to steps through Env
    # Ends the flow early when the answers so far rule it out (replies say why); None = go on.
    halt: Callable[[Context, Env], list[Reply] | None] | None = None

    # --- entry points (handlers) ---

    def start(self, ctx: Context, preset: Updates | None = None) -> list[Reply]:
        """Starts the flow (answers in `preset` count as given) and asks the first open question."""
        answers = dict(preset or {})
        ctx.state.start_flow(self.name, "", {"answers": answers, "history": [], "picked": [],
                                             "preset": sorted(answers)})
        return self._advance(ctx)

    def answer(self, ctx: Context) -> list[Reply]:
        """Takes the user's answer to the current question, or re-asks it with the reason."""
        step = self._current(ctx)
        if step is None:
            return self._advance(ctx)
        env = self._env(ctx)
        outcome = self._read(step, ctx.text, env, ctx)
        if isinstance(outcome, Problem):
            return [self._ask(ctx, step, problem=outcome)]
        if outcome is None:  # a multi-select toggle: ask again with the new selection
            return [self._ask(ctx, step)]
        data = self._data(ctx)  # copy on write: never mutate the stored JSON in place
        data["answers"] = {**data["answers"], **outcome}
        data["history"] = [*data["history"], step.id]
        data["picked"] = []
        return self._advance(ctx)

    def back(self, ctx: Context) -> list[Reply]:
        """Goes back one question, forgetting that answer and the ones after it."""
        data = self._data(ctx)
        if not data["history"]:
            step = self._current(ctx)
            note = ctx.say("这已经是第一个问题了。", "This is already the first question.")
            return [self._ask(ctx, step, note=note)] if step else self._advance(ctx)
        previous = data["history"][-1]
        order = [s.id for s in self.steps]
        start = order.index(previous) if previous in order else 0
        given = set(data.get("preset") or ())
        data["answers"] = {k: v for k, v in data["answers"].items() if k not in order[start:] or k in given}
        data["history"] = [h for h in data["history"] if h in order[:start]]
        data["picked"] = []
        return self._advance(ctx)

    def resume(self, ctx: Context) -> list[Reply]:
        """Asks the current question again (e.g. after a pause or a /renew while in the flow)."""
        step = self._current(ctx)
        return [self._ask(ctx, step)] if step else self._advance(ctx)

    # --- internals ---

    def _data(self, ctx: Context) -> dict[str, Any]:
        data = ctx.state.data
        if not isinstance(data.get("answers"), dict):
            data["answers"] = {}
        if not isinstance(data.get("history"), list):
            data["history"] = []
        if not isinstance(data.get("picked"), list):
            data["picked"] = []
        return data

    def _env(self, ctx: Context) -> Env:
        today = ctx.now.astimezone(SHANGHAI).date()
        return Env(dict(self._data(ctx)["answers"]), today, ctx.lang, self.config(ctx))

    def _current(self, ctx: Context) -> Step | None:
        return next((s for s in self.steps if s.id == ctx.state.step), None)

    def _advance(self, ctx: Context) -> list[Reply]:
        env = self._env(ctx)
        stop = self.halt(ctx, env) if self.halt is not None else None
        if stop is not None:
            ctx.state.clear_flow()
            return stop
        for step in self.steps:
            if step.id not in env.answers and step.applies(env):
                ctx.state.step = step.id
                return [self._ask(ctx, step)]
        answers = dict(env.answers)
        ctx.state.clear_flow()
        return self.finish(ctx, answers)

    def _read(self, step: Step, text: str, env: Env, ctx: Context) -> Updates | Problem | None:
        if step.kind == MULTI:
            return self._read_multi(step, text, env, ctx)
        return read_answer(step, text, env)

    def _read_multi(self, step: Step, text: str, env: Env, ctx: Context) -> Updates | Problem | None:
        options = step.options(env)
        data = self._data(ctx)
        picked: list[str] = data["picked"]
        key = normalise(text)
        if key in _NONE_WORDS:
            return {step.id: []}
        if key in _DONE_WORDS:
            return {step.id: [o.value for o in options if o.value in picked]}
        option = match_option(options, text)
        if option is not None:
            toggled = [p for p in picked if p != option.value]
            data["picked"] = toggled if option.value in picked else [*picked, option.value]
            return None
        return read_list(step, text, env)

    def _ask(self, ctx: Context, step: Step, problem: Problem | None = None, note: str = "") -> Reply:
        env = self._env(ctx)
        # Later steps may or may not apply (they depend on answers not given yet): no "of N". The number
        # counts the questions answered, so one answer that fills two steps (地网 北京) does not skip one.
        position = 1 + len(self._data(ctx)["history"])
        lines = []
        if problem is not None:
            lines.append("⚠️ " + problem.text(ctx.lang))
        if note:
            lines.append(note)
        number = ctx.say(f"（第{position}步）", f"(Step {position}) ") if step.numbered else ""
        lines.append(number + ctx.say(*step.question))
        example = ctx.say(*step.example)
        if example:
            lines.append(example)
        picked = self._data(ctx)["picked"]
        if step.kind == MULTI and picked:
            labels = [o.label(ctx.lang) for o in step.options(env) if o.value in picked]
            lines.append(ctx.say("已选：", "Selected: ") + ctx.say("、", ", ").join(labels))
        if position == 1 and problem is None:
            lines.append(ctx.say("随时发送 /back 返回上一步，/cancel 退出。", "Send /back to go back, /cancel to leave."))
        tags = (f"flow:{self.name}", f"step:{step.id}") + (("reask", f"problem:{problem.code}") if problem else ())
        return Reply("\n".join(lines), buttons=self._buttons(ctx, step, env), tags=tags)

    def _buttons(self, ctx: Context, step: Step, env: Env) -> tuple[Button, ...]:
        picked = self._data(ctx)["picked"]
        buttons = []
        for option in step.options(env):
            mark = "✓ " if step.kind == MULTI and option.value in picked else ""
            buttons.append(Button(mark + option.label(ctx.lang), option.value))
        if step.kind == MULTI:
            buttons += [Button(ctx.say("都没有", "None"), NONE), Button(ctx.say("完成", "Done"), DONE)]
        if step.kind == TEXT and step.optional:
            buttons.append(Button(ctx.say("跳过", "Skip"), SKIP))
        if self._data(ctx)["history"]:
            buttons.append(Button(ctx.say("上一步", "Back"), "/back"))
        return tuple(buttons)
