"""Which province a client is in, for answers that depend on it: the province the question names,
else the one of their registered provincial licence, else the one of their latest renewal checklist.

Only the asking user's own rows are read (channel + user id). A licence of the answer's family wins
over others; a cross-region licence of that family means MIIT, so no province is taken from it.
"""

from __future__ import annotations

from bot.context import Context
from bot.language import Text
from bot.provinces import province_named_in
from checklist.store import recent_checklists
from registry.service import my_licenses

NAMED = Text("问题中提到", "named in your question")
REGISTERED = Text("据您登记的许可证", "from your registered licence")
CHECKLIST = Text("据您的续期清单", "from your renewal checklist")


def client_province(ctx: Context, licence: str, question: str) -> tuple[str, Text] | None:
    """(province, where it came from) for a question about `licence`, or None when unknown."""
    named = province_named_in(question) if question else None
    if named is not None:
        return named.name, NAMED
    inc = ctx.incoming
    held = [(lic.license_type, lic.scope, lic.province) for lic, _subs in my_licenses(ctx.session, inc.channel, inc.user_id)]
    found = _pick(held, licence)
    if found is not None:
        return found, REGISTERED
    done = [(r.license, r.scope, r.province or "") for r in recent_checklists(ctx.session, inc.channel, inc.user_id)]
    found = _pick(done, licence)
    return (found, CHECKLIST) if found is not None else None


def _pick(rows: list[tuple[str, str, str]], licence: str) -> str | None:
    """The province of the licence of this family; failing that, the one province all the client's
    provincial licences share."""
    same = [(scope, province) for code, scope, province in rows if code == licence]
    if same:
        scope, province = same[0]
        return province if scope == "provincial" and province else None
    provinces = {province for _code, scope, province in rows if scope == "provincial" and province}
    return provinces.pop() if len(provinces) == 1 else None
