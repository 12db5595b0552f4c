"""A check-up's answers turned into its result: a readiness score and red / amber / green items, each
with what to do and by when. Pure: the chat (/checkup), the CLI (`licensebot checkup`), the Excel
export and the case packet all read the same `Checkup`.

Status: yes → green; unsure → amber; no → the item's `if_no` (red, or amber when the basis is not firm).
Score: 0–100, items that can be red weigh 2, the others 1; green counts 1, amber ½, red 0.
By when: `fix_by` days before the submission deadline (expiry − 90 days) when the expiry is known,
"now" for `fix_by: now` or a date already past; without an expiry, relative to that deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.language import pick
from checklist.checkup_rules import ANSWERS, CheckupRules, Family, Item

RED, AMBER, GREEN = "red", "amber", "green"
MARKS = {RED: "🔴", AMBER: "🟡", GREEN: "🟢"}
STATUS_NAMES = {RED: ("红色 · 需要整改", "Red · fix before renewal"), AMBER: ("黄色 · 需要核实", "Amber · check"),
                GREEN: ("绿色 · 已就绪", "Green · ready")}


@dataclass(frozen=True)
class ItemResult:
    item: Item
    answer: str  # yes | no | unsure
    status: str  # red | amber | green
    due: date | None  # None with a status other than green: now, or relative to the deadline (see due_text)

    def action(self, lang: str) -> str:
        """What to do: nothing for green; for an unsure answer, check first."""
        if self.status == GREEN:
            return ""
        text = self.item.action.get(lang)
        if self.answer == "unsure":
            return pick(lang, "先核实。如不符合：", "Check this first. If it is not in order: ") + text
        return text


@dataclass(frozen=True)
class Checkup:
    license: str
    family: Family
    today: date
    expires: date | None
    submit_by: date | None
    submit_days: int
    results: tuple[ItemResult, ...]
    score: int

    def with_status(self, status: str) -> tuple[ItemResult, ...]:
        return tuple(r for r in self.results if r.status == status)

    def due_text(self, r: ItemResult, lang: str) -> str:
        """When to fix it: a date, "now", or days before the submission deadline when no expiry is known."""
        if r.status == GREEN:
            return ""
        if r.due is not None:
            return r.due.isoformat() + pick(lang, "前", " at the latest")
        if r.item.fix_by is None or self.expires is not None:
            return pick(lang, "立即", "now")
        if r.item.fix_by == 0:
            return pick(lang, "提交截止日前", "before the submission deadline")
        return pick(lang, f"提交截止日（到期前{self.submit_days}天）前{r.item.fix_by}天",
                    f"{r.item.fix_by} days before the submission deadline (expiry − {self.submit_days} days)")

    def due_code(self, r: ItemResult) -> str | None:
        """The same for scripts: an ISO date, "now", "submit_by-30d", or None for green."""
        if r.status == GREEN:
            return None
        if r.due is not None:
            return r.due.isoformat()
        if r.item.fix_by is None or self.expires is not None:
            return "now"
        return f"submit_by-{r.item.fix_by}d"


def status_of(item: Item, answer: str) -> str:
    if answer not in ANSWERS:
        raise ValueError(f"{item.id}: answer {answer!r} is not one of {', '.join(ANSWERS)}")
    return GREEN if answer == "yes" else AMBER if answer == "unsure" else item.if_no


def score_of(results: tuple[ItemResult, ...]) -> int:
    weights = [(2 if r.item.if_no == RED else 1, {GREEN: 1.0, AMBER: 0.5, RED: 0.0}[r.status]) for r in results]
    total = sum(w for w, _ in weights)
    return round(100 * sum(w * v for w, v in weights) / total) if total else 0


def evaluate(rules: CheckupRules, license_code: str, answers: dict[str, str], today: date,
             expires: date | None = None) -> Checkup:
    """The result for a licence type and answers {item id: yes|no|unsure}; every asked item must be answered."""
    family = rules.family_of(license_code)
    if family is None:
        raise ValueError(f"licence type {license_code!r} has no check-up")
    items = rules.items_for(license_code)
    missing = [i.id for i in items if i.id not in answers]
    if missing:
        raise ValueError(f"not answered: {', '.join(missing)}")
    submit_by = expires - timedelta(days=rules.submit_days_before_expiry) if expires else None
    results = []
    for item in items:
        status = status_of(item, answers[item.id])
        due = None
        if status != GREEN and submit_by is not None and item.fix_by is not None:
            candidate = submit_by - timedelta(days=item.fix_by)
            due = candidate if candidate >= today else None  # passed: now
        results.append(ItemResult(item, answers[item.id], status, due))
    done = tuple(results)
    return Checkup(license_code, family, today, expires, submit_by, rules.submit_days_before_expiry, done,
                   score_of(done))


def summary_text(c: Checkup, license_name: str, lang: str) -> str:
    """The headline: score, counts and the deadline the dates count back from."""
    counts = (len(c.with_status(RED)), len(c.with_status(AMBER)), len(c.with_status(GREEN)))
    lines = [pick(lang, f"合规体检结果：{license_name} · 准备度 {c.score}/100",
                  f"Compliance check-up: {license_name} · readiness {c.score}/100"),
             pick(lang, f"🔴 红色 {counts[0]} 项 · 🟡 黄色 {counts[1]} 项 · 🟢 绿色 {counts[2]} 项",
                  f"🔴 red {counts[0]} · 🟡 amber {counts[1]} · 🟢 green {counts[2]}")]
    if c.expires is not None and c.submit_by is not None:
        if c.submit_by < c.today:
            lines.append(pick(lang, f"⚠️ 续期申请截止日（到期前{c.submit_days}天，{c.submit_by}）已过，逾期提出的不予续期，请立即联系顾问。",
                              f"⚠️ The renewal deadline ({c.submit_by}, {c.submit_days} days before expiry on "
                              f"{c.expires}) has passed: a late application is not renewed. Talk to a consultant now."))
        else:
            lines.append(pick(lang, f"续期申请最晚提交日：{c.submit_by}（到期 {c.expires}），以下日期由此倒推。",
                              f"Submit the renewal by {c.submit_by} (expiry {c.expires}); the dates below count back "
                              "from it."))
    else:
        lines.append(pick(lang, f"未提供到期日：“何时完成”按续期提交截止日（到期前{c.submit_days}天）倒推。",
                          "No expiry date given: “by when” counts back from the submission deadline (expiry − "
                          f"{c.submit_days} days)."))
    return "\n".join(lines)


def items_text(c: Checkup, lang: str) -> str:
    """Red and amber items with what to do, by when and why; green ones by title."""
    lines: list[str] = []
    for status in (RED, AMBER):
        rows = c.with_status(status)
        if not rows:
            continue
        lines.append(f"{MARKS[status]} {pick(lang, *STATUS_NAMES[status])}")
        for n, r in enumerate(rows, 1):
            lines.append(f"{n}. {r.item.title.get(lang)}" + (pick(lang, "（不确定）", " (unsure)") if r.answer == "unsure"
                                                            else ""))
            lines.append(pick(lang, "   做什么：", "   To do: ") + r.action(lang))
            lines.append(pick(lang, "   何时：", "   By: ") + c.due_text(r, lang))
            lines.append(pick(lang, "   依据：", "   Basis: ") + r.item.basis_text(lang))
            if r.item.varies is not None:
                lines.append(pick(lang, "   说明：", "   Note: ") + r.item.varies.get(lang))
        lines.append("")
    greens = c.with_status(GREEN)
    if greens:
        lines.append(f"{MARKS[GREEN]} {pick(lang, *STATUS_NAMES[GREEN])}" + pick(lang, "：", ":"))
        lines.append(pick(lang, "、", "; ").join(r.item.title.get(lang) for r in greens))
    return "\n".join(lines).strip()


def result_json(c: Checkup, lang: str = "zh") -> dict[str, Any]:
    """The `licensebot checkup --json` shape: {"license", "score", "items": [{"id", "status", "basis", "action"}]}."""
    return {
        "license": c.license,
        "family": c.family.id,
        "score": c.score,
        "expires": c.expires.isoformat() if c.expires else None,
        "submit_by": c.submit_by.isoformat() if c.submit_by else None,
        "counts": {s: len(c.with_status(s)) for s in (RED, AMBER, GREEN)},
        "items": [{"id": r.item.id, "status": r.status, "answer": r.answer, "basis": r.item.basis_text(lang),
                   "action": r.action(lang), "due": c.due_code(r)} for r in c.results],
    }
