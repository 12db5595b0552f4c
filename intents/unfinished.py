"""What the greeting says about a guided flow left unfinished (after a pause, a restart, a new terminal)."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Reply
from bot.steps import StepFlow
from checklist import flow as checklist
from intents import mylicenses, subscribe

# flow name → (what it is, in Chinese and English; the step flow that can ask its question again)
UNFINISHED: dict[str, tuple[str, str, StepFlow | None]] = {
    checklist.FLOW_NAME: ("续期清单", "renewal checklist", checklist.RENEWAL),
    subscribe.FLOW_NAME: ("许可证登记", "licence registration", subscribe.SUBSCRIBE),
    mylicenses.RENEWED.name: ("续期后到期日的登记", "new expiry date after a renewal", mylicenses.RENEWED),
    mylicenses.EDIT.name: ("许可证信息修改", "licence edit", mylicenses.EDIT),
    "forget": ("删除数据的确认", "confirmation to delete your data", None),
}


def unfinished_flow(ctx: Context) -> list[Reply]:
    """A note that a flow is still open, then its current question again (nothing if none is open)."""
    flow = ctx.state.flow
    if not flow:
        return []
    zh, en, steps = UNFINISHED.get(flow, ("流程", "flow", None))
    tags = ("unfinished", f"flow:{flow}")
    if steps is None:
        return [Reply(ctx.say(f"您上次的{zh}还没有完成；发送 /cancel 退出。",
                              f"Your {en} is not finished yet; send /cancel to leave it."), tags=tags)]
    note = Reply(ctx.say(f"您上次的{zh}还没有完成，可以接着回答下面的问题；发送 /cancel 退出。",
                         f"Your {en} is not finished yet: answer the question below to go on, or send /cancel."),
                 tags=tags)
    return [note, *steps.resume(ctx)]
