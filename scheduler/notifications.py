"""The notification log of a licence: every reminder and escalation, to whom, by which channel, and
whether it was sent, failed or acknowledged. Read from the Outbox rows the sweep and the escalation
wrote (their keys name the licence) and the ledger's acknowledgements; nothing extra is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from bot.clock import SHANGHAI, as_utc
from bot.language import pick
from bot.storage.models import Outbox
from registry.models import License, Reminder

SENT, FAILED, PENDING, CANCELLED, ACKNOWLEDGED = "sent", "failed", "pending", "cancelled", "acknowledged"


@dataclass(frozen=True)
class LogEntry:
    at: datetime  # when it went out (or was written, if not sent)
    to: str  # channel:chat_id
    channel: str
    kind: str  # renewal | annual | escalation
    milestone: str
    cycle: int
    status: str  # sent | failed | pending | cancelled | acknowledged
    acknowledged_at: datetime | None
    acknowledged_by: str

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "to": self.to, "channel": self.channel, "kind": self.kind,
                "milestone": self.milestone, "cycle": self.cycle, "status": self.status,
                "acknowledged_at": self.acknowledged_at.isoformat() if self.acknowledged_at else None,
                "acknowledged_by": self.acknowledged_by}

    def line(self, lang: str = "zh") -> str:
        local = self.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        shown = {"zh": {SENT: "已发送", FAILED: "发送失败", PENDING: "待发送", CANCELLED: "已取消", ACKNOWLEDGED: "已确认"},
                 "en": {}}.get(lang, {}).get(self.status, self.status)
        what = pick(lang, {"renewal": "续期", "annual": "年报", "escalation": "未确认升级"}.get(self.kind, self.kind),
                    self.kind)
        return f"{local} {what} {self.milestone} → {self.to} [{shown}]"


def _status(row: Outbox, acked: bool) -> str:
    if row.status == "sent":
        return ACKNOWLEDGED if acked else SENT
    if row.status in ("failed", "cancelled"):
        return FAILED if row.status == "failed" else CANCELLED
    return PENDING


def license_log(session: Session, lic: License) -> list[LogEntry]:
    """Every reminder and escalation of this licence, oldest first."""
    acks = {(r.kind, r.milestone, r.cycle): r for r in session.exec(select(Reminder).where(Reminder.license_id == lic.id))}
    rows = session.exec(select(Outbox).where(or_(col(Outbox.dedupe_key).like(f"rem:{lic.id}:%"),
                                                 col(Outbox.dedupe_key).like(f"esc:{lic.id}:%")))
                        .order_by(col(Outbox.id))).all()
    out = []
    for row in rows:
        parts = row.dedupe_key.split(":")
        if parts[0] == "rem":
            kind, milestone, cycle = parts[2], parts[3], int(parts[4])
            ledger = acks.get((kind, milestone, cycle))
        else:
            kind, milestone, cycle = "escalation", parts[2], int(parts[3])
            ledger = None
        acked_at = ledger.acknowledged_at if ledger is not None else None
        at = as_utc(row.sent_at) if row.sent_at is not None else as_utc(row.created_at)
        out.append(LogEntry(at, f"{row.channel}:{row.chat_id}", row.channel, kind, milestone, cycle,
                            _status(row, acked_at is not None), as_utc(acked_at) if acked_at else None,
                            ledger.acknowledged_by if ledger is not None else ""))
    return out
