"""The engine: one incoming message in, replies out, state loaded and saved around the routing.

    Incoming ─▶ guards ─▶ lock chat ─▶ load state ─▶ ROUTES (first match) ─▶ save state, log ─▶ [Reply]
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from sqlmodel import Session, select

from bot import correlation, guards, language, metrics
from bot.clock import as_utc
from bot.context import Context, Services, State
from bot.messages import Incoming, Reply
from bot.routes import ROUTES, Route
from bot.storage.models import Conversation, MessageLog, User

log = logging.getLogger(__name__)

SORRY = Reply("抱歉，系统暂时出了点问题，请稍后再发一次。/ Sorry, something went wrong; please try again.",
              tags=("error",))


class Engine:
    def __init__(self, services: Services, routes: tuple[Route, ...] = ROUTES) -> None:
        self.services = services
        self.routes = routes

    def handle(self, incoming: Incoming) -> list[Reply]:
        """Handle one message; never raises, never shows a stack trace to the user."""
        started = time.perf_counter()
        correlation.new_id()
        metrics.MESSAGES_IN.labels(incoming.channel).inc()
        replies = self._guarded(incoming)
        metrics.MESSAGES_OUT.labels(incoming.channel).inc(len(replies))
        metrics.HANDLING.labels(incoming.channel).observe(time.perf_counter() - started)
        return replies

    def _guarded(self, incoming: Incoming) -> list[Reply]:
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
                replies, route = self._handle(session, incoming)
        except Exception:
            metrics.ERRORS.inc()
            log.exception("failed to handle a message", extra=where)
            return [SORRY]
        log.info("message handled", extra={**where, "route": route, "replies": len(replies)})
        log.debug("message text: %r", incoming.content[:200], extra=where)
        return replies

    def _handle(self, session: Session, incoming: Incoming) -> tuple[list[Reply], str]:
        s = self.services
        now = s.clock.now()
        s.db.lock_chat(session, incoming.channel, incoming.chat_id)
        user = load_user(session, incoming)
        lang = language.choose(user.lang if user else None, incoming.text, incoming.language,
                               s.settings.default_lang)
        if guards.is_flooding(session, incoming, now, s.settings.flood_per_minute):
            metrics.REFUSED.labels("flood").inc()
            return [guards.flood_reply(lang)], "flood"
        conv = load_conversation(session, incoming)
        state = State(conv.flow, conv.step, dict(conv.data or {}), conv.fallbacks) if conv else State()
        replies: list[Reply] = []
        if conv and state.flow and as_utc(conv.updated_at) < now - timedelta(days=s.settings.flow_ttl_days):
            state.clear_flow()
            replies.append(Reply("您之前未完成的流程已超过7天，已自动结束。" if lang == "zh"
                                 else "Your unfinished flow was more than 7 days old and has expired."))
        ctx = Context(incoming, state, lang, session, s, now)
        replies += self.route(ctx)
        route = str(ctx.notes.get("route", ""))
        if "search" in ctx.notes and route in ("faq", "fallback"):
            metrics.DECISIONS.labels(ctx.notes["search"].decision if route == "faq" else "fallback").inc()
        if ctx.forgotten:
            return replies, route
        save_user(session, incoming, user, now)
        save_conversation(session, incoming, conv, state, now)
        log_messages(session, incoming, replies, now)
        return replies, route

    def route(self, ctx: Context) -> list[Reply]:
        for route in self.routes:
            if route.matches(ctx):
                ctx.notes["route"] = route.name
                return route.handle(ctx)
        return []


def load_user(session: Session, incoming: Incoming) -> User | None:
    return session.exec(select(User).where(
        User.channel == incoming.channel, User.user_id == incoming.user_id)).first()


def save_user(session: Session, incoming: Incoming, user: User | None, now: datetime) -> None:
    # /lang may have created or changed the row during routing; look again.
    user = user or load_user(session, incoming)
    if user is None:
        user = User(channel=incoming.channel, user_id=incoming.user_id, created_at=now, last_seen_at=now)
    user.last_seen_at = now
    if incoming.display_name:
        user.display_name = incoming.display_name[:200]
    session.add(user)


def load_conversation(session: Session, incoming: Incoming) -> Conversation | None:
    return session.exec(select(Conversation).where(
        Conversation.channel == incoming.channel, Conversation.chat_id == incoming.chat_id)).first()


def save_conversation(session: Session, incoming: Incoming, conv: Conversation | None, state: State,
                      now: datetime) -> None:
    if conv is None:
        conv = Conversation(channel=incoming.channel, chat_id=incoming.chat_id, user_id=incoming.user_id,
                            updated_at=now)
    conv.user_id = incoming.user_id
    conv.flow, conv.step, conv.data, conv.fallbacks = state.flow, state.step, dict(state.data), state.fallbacks
    conv.updated_at = now
    session.add(conv)


def log_messages(session: Session, incoming: Incoming, replies: list[Reply], now: datetime) -> None:
    base = {"channel": incoming.channel, "chat_id": incoming.chat_id, "user_id": incoming.user_id}
    session.add(MessageLog(**base, direction="in", text=incoming.content, created_at=now))
    for reply in replies:
        session.add(MessageLog(**base, direction="out", text=reply.text, created_at=now))
