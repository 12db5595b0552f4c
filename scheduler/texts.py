"""Rendering a due milestone into the message a subscriber gets, with its buttons.

The sweep renders up to one message per licence at once (100,000 in the annual-report window), so a
message is not built as a dict and then JSON-encoded. A `Stencil` is the Outbox body of one milestone
in one language (bot/outbox.py reply_to_body's JSON, compact and not ASCII-escaped) compiled into a
format string once; per licence it fills in the few JSON-escaped values that differ: company,
number, licence name, dates, licence id. Texts whose placeholders carry a conversion or format spec
(`{days_left:>3}`) are formatted whole per licence instead, with the same result.
"""

from __future__ import annotations

import json
import string
from datetime import date
from operator import itemgetter
from typing import Any, NamedTuple

from bot.language import pick
from knowledge.codes import LICENSES, LICENSES_EN
from registry.models import ANNUAL
from scheduler.milestones import Due, apply_by, as_date
from scheduler.rules import Rules

_ESCAPE = json.encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) writes for a str


class LicenseFacts(NamedTuple):
    """What a reminder says about a licence (a row of the sweep's query)."""

    id: int
    number: str
    company: str
    license_type: str
    expires_on: date


def license_name(code: str, lang: str) -> str:
    return pick(lang, LICENSES, LICENSES_EN).get(code, code)


def show_date(d: date, lang: str) -> str:
    return pick(lang, f"{d.year}年{d.month}月{d.day}日", d.isoformat())


# (zh label, en label, payload with {id} = licence id and {type} = licence type code)
RENEWAL_BUTTONS = (("已在处理", "Working on it", "/license {id} ack"),
                   ("上传材料", "Upload documents", "/upload {id}"),
                   ("联系顾问", "Talk to a consultant", "/human"),
                   ("已续期", "Renewed", "/license {id} renewed"))
ANNUAL_BUTTONS = (("年报已完成", "Annual report done", "/license {id} annual"),
                  ("联系顾问", "Talk to a consultant", "/human"),
                  ("暂停提醒", "Pause reminders", "/license {id} pause"))

# The values a stencil's slots refer to, in the order `Stencil.fill` collects them (all JSON-escaped text):
# per message, then per licence type, then per expiry date (both cached), then the stencil's literals.
_ID, _DUE, _TEXT, _TYPE = 2, 3, 4, 6
_FIELDS = {"company": 0, "number": 1, "license": 5}
_RENEWAL_FIELDS = {**_FIELDS, "expires_on": 7, "apply_by": 8, "days_left": 9, "days_to_submit": 10}
_LITERALS = 11
_PAYLOAD_FIELDS = {"{id}": _ID, "{type}": _TYPE}

Piece = str | int  # literal JSON text, or the index of a value


def _escaped(value: str) -> str:
    """`value` as the inside of a JSON string."""
    return _ESCAPE(value)[1:-1]


class Stencil:
    """The Outbox body of one milestone (kind, name, cycle) in one language, for any licence.

    Compiled once into literal JSON pieces and slots; `fill` collects the licence's values and joins
    them with the literals (no parsing per message).
    """

    def __init__(self, renderer: ReminderRenderer, due: Due, lang: str) -> None:
        rules = renderer.rules
        self.renderer, self.lang, self.renewal = renderer, lang, due.kind != ANNUAL
        self.template = rules.texts[due.text].get(lang)
        self.fixed: dict[str, Any] = {}
        if not self.renewal:
            closes = rules.closes_on(due.cycle)
            self.fixed = {"year": due.cycle, "report_year": due.cycle - 1, "closes": show_date(closes, lang),
                          "days_to_close": max((closes - renderer.deliver_on).days, 0)}
        self._dates = renderer.shown_dates(lang)
        self._types: dict[str, tuple[str, str]] = {}  # licence type → (its name, the code), escaped
        index = pick(lang, 0, 1)
        text = self._text()
        self.whole = text == [_TEXT]
        pieces: list[Piece] = ['{"text":"', *text, '","buttons":[']
        for i, spec in enumerate(RENEWAL_BUTTONS if self.renewal else ANNUAL_BUTTONS):
            pieces += [',["' if i else '["', _escaped(spec[index]), '","', *self._payload(spec[2]), '"]']
        pieces += ['],"tags":["', _escaped("reminder"), '","', _escaped(due.kind), '","', _escaped(due.milestone),
                   '","license:', _ID, '","', _escaped(f"cycle:{due.cycle}"), '","due:', _DUE, '"]}']
        literals: list[str] = []
        order: list[int] = []
        for piece in pieces:
            if isinstance(piece, int):
                order.append(piece)
            elif order and order[-1] >= _LITERALS:  # merge with the literal before
                literals[-1] += piece
            else:
                order.append(_LITERALS + len(literals))
                literals.append(piece)
        self._literals = tuple(literals)
        self._pick = itemgetter(*order)

    def _text(self) -> list[Piece]:
        """The text as pieces; [_TEXT] if it is formatted whole (a placeholder with a spec or conversion)."""
        out: list[Piece] = []
        fields = _RENEWAL_FIELDS if self.renewal else _FIELDS
        for literal, field, spec, conversion in string.Formatter().parse(self.template):
            out.append(_escaped(literal))
            if field is None:
                continue
            if spec or conversion:
                return [_TEXT]
            if field in self.fixed:
                out.append(_escaped(str(self.fixed[field])))
            elif field in fields:
                out.append(fields[field])
            else:
                raise KeyError(field)  # as format_map would; rules.py refuses such texts when loading
        return out

    @staticmethod
    def _payload(payload: str) -> list[Piece]:
        for name, index in _PAYLOAD_FIELDS.items():
            if name in payload:
                before, _, after = payload.partition(name)
                return [_escaped(before), index, _escaped(after)]
        return [_escaped(payload)]

    def fill(self, lid: str, number: str, company: str, license_type: str, expires_on: date | str,
             due_on: str) -> str:
        """The body as JSON text for one licence (`lid`: its id as text; `expires_on`: a date or its ISO text;
        `due_on`: the milestone's day, ISO)."""
        names = self._types.get(license_type) or self._type_names(license_type)
        shown = self._dates.get(expires_on) or self._shown(expires_on)
        text = self._whole_text(number, company, license_type, expires_on) if self.whole else ""
        values = (_ESCAPE(company)[1:-1], _ESCAPE(number)[1:-1], lid, due_on, text)
        return "".join(self._pick(values + names + shown + self._literals))  # concatenation: faster than unpacking

    def _type_names(self, license_type: str) -> tuple[str, str]:
        names = self._types[license_type] = (_escaped(license_name(license_type, self.lang)), _escaped(license_type))
        return names

    def _shown(self, expires_on: date | str) -> tuple[str, str, str, str]:
        shown = self._dates[expires_on] = self.renderer.shown(as_date(expires_on), self.lang)
        return shown

    def _whole_text(self, number: str, company: str, license_type: str, expires_on: date | str) -> str:
        values = {**self.fixed, "company": company, "number": number,
                  "license": license_name(license_type, self.lang)}
        if self.renewal:
            expires_on = as_date(expires_on)
            deadline = apply_by(self.renderer.rules, expires_on)
            values |= {"expires_on": show_date(expires_on, self.lang), "apply_by": show_date(deadline, self.lang),
                       "days_left": (expires_on - self.renderer.deliver_on).days,
                       "days_to_submit": max((deadline - self.renderer.deliver_on).days, 0)}
        return _escaped(self.template.format_map(values))


class ReminderRenderer:
    """Renders reminders due for delivery on one day; one stencil per milestone and language."""

    def __init__(self, rules: Rules, deliver_on: date) -> None:
        self.rules = rules
        self.deliver_on = deliver_on
        self._stencils: dict[tuple[str, str, int, str], Stencil] = {}
        self._shown: dict[str, dict[date | str, tuple[str, str, str, str]]] = {"zh": {}, "en": {}}

    def shown_dates(self, lang: str) -> dict[date | str, tuple[str, str, str, str]]:
        """expiry → (expiry, last day to apply, days left, days left to apply (0 once passed)) as a message
        shows them (shared per language)."""
        return self._shown.setdefault(lang, {})

    def shown(self, expires_on: date, lang: str) -> tuple[str, str, str, str]:
        deadline = apply_by(self.rules, expires_on)
        return (_escaped(show_date(expires_on, lang)), _escaped(show_date(deadline, lang)),
                str((expires_on - self.deliver_on).days), str(max((deadline - self.deliver_on).days, 0)))

    def stencil(self, due: Due, lang: str) -> Stencil:
        """The stencil of this milestone in this language ("zh" unless "en")."""
        lang = pick(lang, "zh", "en")
        key = (due.kind, due.milestone, due.cycle, lang)
        found = self._stencils.get(key)
        if found is None:
            found = self._stencils[key] = Stencil(self, due, lang)
        return found

    def body_json(self, due: Due, lic: LicenseFacts, lang: str) -> str:
        """The Outbox body of one reminder as stored (JSON text), as of the delivery day."""
        return self.stencil(due, lang).fill(str(lic.id), lic.number, lic.company, lic.license_type, lic.expires_on,
                                            due.due_on.isoformat())

    def body(self, due: Due, lic: LicenseFacts, lang: str) -> dict[str, Any]:
        """The Outbox body of one reminder in the subscriber's language, as of the delivery day."""
        parsed: dict[str, Any] = json.loads(self.body_json(due, lic, lang))
        return parsed
