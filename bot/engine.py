"""The engine: one incoming message in, replies out, state loaded and saved around the routing.

    Incoming ─▶ guards ─▶ lock chat ─▶ load state ─▶ ROUTES (first match) ─▶ save state, log ─▶ [Reply]

Loading and saving are bot/chatstate.py: one statement in, at most three out. The routes are
the build's table (licensebot/routes.py), handed over in the services (a RouteTable, bot/routes.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from bot import chatstate, correlation, flood, guards, language, metrics, ownership
from bot.context import Context, Services, State
from bot.messages import Incoming, Reply
from bot.routes import Route, RouteTable

log = logging.getLogger(__name__)
Once = Callable[[Session], bool]
# (session, incoming, replies, now): keeps the replies inside the engine's transaction (bot/replies.py)
Keep = Callable[[Session, Incoming, list[Reply], datetime], None]


class FirstTime:
    """A channel's redelivery check for `Engine.handle(once=…)` that remembers its answer:
    `answer` is None if the engine never asked (the guards refused the message first)."""

    def __init__(self, check: Once) -> None:
        self.check = check
        self.answer: bool | None = None

    def __call__(self, session: Session) -> bool:
        self.answer = self.check(session)
        return self.answer

    @property
    def seen_before(self) -> bool:
        return self.answer is False

SORRY = Reply("抱歉，系统暂时出了点问题，请稍后再发一次。/ Sorry, something went wrong; please try again.",
              tags=("error",))


class Engine:
    def __init__(self, services: Services, routes: Sequence[Route] | None = None,
                 owners: ownership.Owners | None = None) -> None:
        """`routes` and `owners` default to those of the RouteTable in `services` (build_services puts it)."""
        if routes is None or owners is None:
            table = services.get(RouteTable)
            routes = table.routes if routes is None else routes
            owners = table.owners if owners is None else owners
        self.services = services
        self.routes = tuple(routes)
        self.owners = owners

    def handle(self, incoming: Incoming, once: Once | None = None, keep: Keep | None = None) -> list[Reply]:
        """Handle one message; never raises, never shows a stack trace to the user.

        `once`, if given, is asked inside the chat's lock and transaction whether this message is new
        (a channel's redelivery check); a message seen before gets no replies and changes nothing.
        `keep`, if given, writes the replies (as outbox rows) in the same transaction as the state.
        """
        started = time.perf_counter()
        correlation.new_id()
        metrics.MESSAGES_IN.labels(incoming.channel).inc()
        replies = self._guarded(incoming, once, keep)
        metrics.MESSAGES_OUT.labels(incoming.channel).inc(len(replies))
        metrics.HANDLING.labels(incoming.channel).observe(time.perf_counter() - started)
        return replies

    def _guarded(self, incoming: Incoming, once: Once | None, keep: Keep | None) -> list[Reply]:
        s = self.services
        where = {"channel": incoming.channel, "chat_id": incoming.chat_id, "user_id": incoming.user_id}
        hint_lang = language.choose(None, incoming.text, incoming.language, s.settings.default_lang)
        refusal = guards.check_message(incoming, s.settings, hint_lang)
        if refusal is not None:
            metrics.REFUSED.labels("input").inc()
            log.info("message refused by a guard", extra=where)
            return [refusal]
        try:
            with s.db.session() as session:
                replies, route = self._handle(session, incoming, once, keep)
        except Exception:
            metrics.ERRORS.inc()
            log.exception("failed to handle a message", extra=where)
            return [SORRY]
        log.info("message handled", extra={**where, "route": route, "replies": len(replies)})
        log.debug("message text: %r", incoming.content[:200], extra=where)
        return replies

    def _handle(self, session: Session, incoming: Incoming, once: Once | None,
                keep: Keep | None = None) -> tuple[list[Reply], str]:
        s = self.services
        now = s.clock.now()
        s.db.lock_chat(session, incoming.channel, incoming.chat_id)
        if once is not None and not once(session):
            return [], "seen"
        row = chatstate.load_chat(session, incoming, now - timedelta(minutes=1))
        lang = language.choose(row.lang, incoming.text, incoming.language, s.settings.default_lang)
        if row.recent_in >= s.settings.flood_per_minute and not self.owners.is_staff(s, incoming):
            metrics.REFUSED.labels("flood").inc()
            return flood.notice_once(session, incoming, lang, now - timedelta(minutes=1), now), "flood"
        state = State(row.flow, row.step, dict(row.data), row.fallbacks)
        replies: list[Reply] = []
        ttl = s.settings.flow_ttl_days
        if state.flow and row.updated_at and row.updated_at < now - timedelta(days=ttl):
            state.clear_flow()
            replies.append(Reply(language.pick(lang, f"您之前未完成的流程已超过{ttl}天，已自动结束。",
                                               f"Your unfinished flow was more than {ttl} days old and has expired.")))
        ctx = Context(incoming, state, lang, session, s, now)
        turn = ownership.begin(ctx, self.owners, row.keyboard)  # the chat's owner, decided once before any route
        replies += self.route(ctx)
        replies = ownership.end(ctx, self.owners, turn, replies)
        route = str(ctx.notes.get("route", ""))
        if "search" in ctx.notes and route in ("faq", "fallback"):
            metrics.DECISIONS.labels(ctx.notes["search"].decision if route == "faq" else "fallback").inc()
        if ctx.forgotten:
            return replies, route
        chatstate.save_chat(session, incoming, row, (state.flow, state.step, state.data, state.fallbacks), now)
        chatstate.log_messages(session, incoming, replies, now, said=ownership.said(ctx))
        if keep is not None:
            keep(session, incoming, replies, now)
        return replies, route

    def answer_unlogged(self, incoming: Incoming) -> list[Reply]:
        """Replies to a message the user did not type (a terminal's greeting when it starts) without
        storing what it did: no state change, no message-log row, so no case packet lists it. Only the
        buttons it shows are kept, so that typing their numbers works."""
        s = self.services
        try:
            with s.db.session() as session:
                now = s.clock.now()
                row = chatstate.load_chat(session, incoming, now)
                lang = language.choose(row.lang, incoming.text, incoming.language, s.settings.default_lang)
                ctx = Context(incoming, State(row.flow, row.step, dict(row.data), row.fallbacks), lang, session, s, now)
                turn = ownership.begin(ctx, self.owners, row.keyboard)
                handled = session.begin_nested()
                replies = self.route(ctx)
                handled.rollback()
                replies = ownership.end(ctx, self.owners, turn, replies)
        except Exception:
            log.exception("failed to answer an unlogged message", extra={"channel": incoming.channel})
            return []
        return replies

    def route(self, ctx: Context) -> list[Reply]:
        for route in self.routes:
            if route.matches(ctx):
                ctx.notes["route"] = route.name
                return route.handle(ctx)
        return []

