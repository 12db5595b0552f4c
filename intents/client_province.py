"""Which province a client is in, for answers that depend on it: the province the question names,
else the one of their registered provincial licence, else the one of their latest renewal checklist.

Only the asking user's own rows are read (channel + user id). A licence of the answer's family wins
over others; a cross-region licence of that family means MIIT, so no province is taken from it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam, func, literal, select, union_all
from sqlalchemy.orm import Session

from bot.context import Context
from bot.language import Text
from bot.provinces import province_named_in
from checklist.store import ChecklistRecord
from registry.models import License, Subscription

NAMED = Text("问题中提到", "named in your question")
REGISTERED = Text("据您登记的许可证", "from your registered licence")
CHECKLIST = Text("据您的续期清单", "from your renewal checklist")


def client_province(ctx: Context, licence: str, question: str) -> tuple[str, Text] | None:
    """(province, where it came from) for a question about `licence`, or None when unknown."""
    named = province_named_in(question) if question else None
    if named is not None:
        return named.name, NAMED
    held, done = _their_rows(ctx.session, ctx.incoming.channel, ctx.incoming.user_id)
    found = _pick(held, licence)
    if found is not None:
        return found, REGISTERED
    found = _pick(done, licence)
    return (found, CHECKLIST) if found is not None else None


LICENSES: Table = License.__table__  # type: ignore[attr-defined]
SUBSCRIPTIONS: Table = Subscription.__table__  # type: ignore[attr-defined]
CHECKLISTS: Table = ChecklistRecord.__table__  # type: ignore[attr-defined]
RECENT_CHECKLISTS = 5


def _rows_statement() -> Any:
    """Both sources in one statement (this runs under every answer that depends on the province):
    (0, rank, code, scope, province) for their registered licences, soonest expiry first (as
    registry.service.my_licenses lists them), and (1, rank, …) for their latest renewal checklists."""
    lic, sub, chk = LICENSES.c, SUBSCRIPTIONS.c, CHECKLISTS.c
    held = (select(literal(0).label("src"), func.row_number().over(order_by=(lic.expires_on, lic.id)).label("rank"),
                   lic.license_type.label("code"), lic.scope, lic.province)
            .select_from(LICENSES.join(SUBSCRIPTIONS, sub.license_id == lic.id))
            .where(sub.channel == bindparam("channel"), sub.user_id == bindparam("user_id")))
    ranked = (select(func.row_number().over(order_by=(chk.created_at.desc(), chk.id.desc())).label("rank"),
                     chk.license.label("code"), chk.scope, func.coalesce(chk.province, "").label("province"))
              .where(chk.channel == bindparam("channel"), chk.user_id == bindparam("user_id")).subquery())
    done = select(literal(1).label("src"), ranked.c.rank, ranked.c.code, ranked.c.scope, ranked.c.province).where(
        ranked.c.rank <= RECENT_CHECKLISTS)
    return union_all(held, done)


ROWS = _rows_statement()  # built once: SQLAlchemy compiles it once


def _their_rows(session: Session, channel: str, user_id: str) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """(their licences, their latest checklists) as (code, scope, province), each in its order."""
    rows = sorted(session.execute(ROWS, {"channel": channel, "user_id": user_id}).all(), key=lambda r: (r.src, r.rank))
    held = [(r.code, r.scope, r.province or "") for r in rows if r.src == 0]
    done = [(r.code, r.scope, r.province or "") for r in rows if r.src == 1]
    return held, done


def _pick(rows: list[tuple[str, str, str]], licence: str) -> str | None:
    """The province of the licence of this family; failing that, the one province all the client's
    provincial licences share."""
    same = [(scope, province) for code, scope, province in rows if code == licence]
    if same:
        scope, province = same[0]
        return province if scope == "provincial" and province else None
    provinces = {province for _code, scope, province in rows if scope == "provincial" and province}
    return provinces.pop() if len(provinces) == 1 else None
