"""The questions the bot could not answer well, read back from the query log the FAQ writes
(intents/faq.py; intents/feedback.py marks 👎): `kb gaps` and the console group them (knowledge/gaps.py)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, or_, select

from bot.storage.models import QueryLog

LOW_CONFIDENCE = 0.6


def unanswered(session: Session, since: datetime | None = None) -> list[QueryLog]:
    """Fallbacks, low-confidence answers, clarify questions and answers marked 👎."""
    stmt = select(QueryLog).where(or_(
        QueryLog.decision != "answer", QueryLog.top_score < LOW_CONFIDENCE, QueryLog.feedback == -1))
    if since is not None:
        stmt = stmt.where(QueryLog.created_at >= since)
    return list(session.exec(stmt.order_by(QueryLog.id)).all())
