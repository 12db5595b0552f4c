"""Learning from traffic: 👍/👎 under answers, and remembering which entry users pick when asked."""

from __future__ import annotations

from collections import Counter

from sqlmodel import select

from bot.commands import command_args
from bot.context import Context
from bot.messages import Button, Reply
from bot.storage.models import QueryLog

# A clarify question asked this many times with the same pick is answered directly next time.
LEARN_AFTER = 2


def feedback_buttons(ctx: Context, query_id: int | None) -> tuple[Button, ...]:
    if query_id is None:
        return ()
    return (Button("👍", f"/feedback {query_id} up"), Button("👎", f"/feedback {query_id} down"))


def own_query(ctx: Context, raw_id: str) -> QueryLog | None:
    """The user's own logged question with this id; None for anything else (forged payloads)."""
    if not raw_id.isdigit() or len(raw_id) > 18:  # beyond any row id (and a 64-bit integer)
        return None
    row = ctx.session.get(QueryLog, int(raw_id))
    inc = ctx.incoming
    if row is None or row.channel != inc.channel or row.user_id != inc.user_id:
        return None
    return row


def record_feedback(ctx: Context) -> list[Reply]:
    """Stores whether the answer helped; a 👎 also offers a consultant."""
    parts = command_args(ctx).split()
    row = own_query(ctx, parts[0]) if len(parts) == 2 and parts[1] in ("up", "down") else None
    if row is None:
        return [Reply(ctx.say("这个反馈按钮已失效。", "That feedback button is no longer valid."), tags=("feedback-invalid",))]
    row.feedback = 1 if parts[1] == "up" else -1
    ctx.session.add(row)
    if row.feedback > 0:
        return [Reply(ctx.say("谢谢反馈！", "Thanks for the feedback!"), tags=("feedback",))]
    return [Reply(ctx.say("抱歉没帮上忙。我们会改进这条回答；需要的话可以直接联系顾问。",
                          "Sorry that didn't help. We'll improve that answer; a consultant can help meanwhile."),
                  buttons=(Button(ctx.say("联系顾问", "Talk to a consultant"), "/human"),), tags=("feedback",))]


def record_choice(ctx: Context, entry_id: str, query_id: str) -> None:
    """Remembers which entry the user picked after a clarify question."""
    row = own_query(ctx, query_id)
    if row is not None and row.decision == "clarify" and any(c.get("id") == entry_id for c in row.candidates):
        row.chosen_id = entry_id
        ctx.session.add(row)


def learned_choice(ctx: Context, query: str, candidate_ids: list[str]) -> str | None:
    """The entry users most often picked for exactly this question, if picked often enough."""
    rows = ctx.session.exec(select(QueryLog.chosen_id).where(
        QueryLog.query == query, QueryLog.decision == "clarify", QueryLog.chosen_id.is_not(None))  # type: ignore[union-attr]
    ).all()
    votes = Counter(r for r in rows if r in candidate_ids)
    if not votes:
        return None
    best, n = votes.most_common(1)[0]
    return best if n >= LEARN_AFTER else None
