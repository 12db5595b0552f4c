"""`kb gaps`: unanswered questions grouped, most frequent first, and a draft a consultant can edit."""

from __future__ import annotations

from datetime import UTC, datetime

import yaml

from bot.storage.db import Database
from bot.storage.models import QueryLog
from intents.unanswered import unanswered
from knowledge.gaps import draft, group
from tests.test_cli import licensebot

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def log(q: str, decision: str, top: str | None = None, score: float = 0.0, chosen: str | None = None,
        feedback: int | None = None) -> QueryLog:
    return QueryLog(channel="console", chat_id="a", user_id="a", query=q, decision=decision, top_id=top,
                    top_score=score, chosen_id=chosen, feedback=feedback, created_at=NOW)


def test_groups_similar_questions_most_frequent_first(sqlite_url):
    db = Database(sqlite_url)
    db.upgrade()
    with db.session() as s:
        s.add_all([
            log("小程序要办什么证", "fallback"), log("小程序需要办什么证", "fallback"),
            log("小程序 要办什么证吗", "fallback"),
            log("公众号付费文章要ICP证吗", "clarify", "icp-need", 0.6, chosen="icp-need"),
            log("公众号付费文章要不要ICP证", "clarify", "icp-need", 0.6, chosen="icp-need"),
            log("ICP证续期材料", "answer", "icp-renewal", 0.95),  # answered well: not a gap
            log("ICP年报怎么报", "answer", "icp-annual", 0.9, feedback=-1),  # 👎: a gap
        ])
    with db.session() as s:
        gaps = group(unanswered(s))
    assert [g.count for g in gaps] == [3, 2, 1]
    assert gaps[0].representative == "小程序要办什么证"
    doc = yaml.safe_load(draft(gaps))
    assert doc["new_alternates"][0]["entry"] == "icp-need"
    assert "小程序要办什么证" in [e["question"] for e in doc["new_entries"]]


def test_cli_prints_groups_and_writes_the_draft(sqlite_url, tmp_path):
    db = Database(sqlite_url)
    db.upgrade()
    with db.session() as s:
        s.add_all([log("小程序要办什么证", "fallback"), log("小程序需要办什么证", "fallback")])
    out = tmp_path / "draft.yaml"
    done = licensebot("kb", "gaps", "--yaml", str(out), env={"DATABASE_URL": sqlite_url})
    assert done.returncode == 0, done.stderr
    assert "   2  小程序要办什么证" in done.stdout
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["new_entries"][0]["asked"] == 2
    bad = licensebot("kb", "gaps", "--since", "yesterday", env={"DATABASE_URL": sqlite_url})
    assert bad.returncode == 2 and "--since" in bad.stdout
