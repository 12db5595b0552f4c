"""`licensebot ask [--json] [QUESTION]`: search the knowledge base, one result line per question."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.settings import Settings
from knowledge.search import Searcher, SearchOutcome


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("question", nargs="?", help="a single question; without it, one question per stdin line")
    p.add_argument("--json", action="store_true", help="one JSON object per question (format: knowledge/README.md)")
    p.add_argument("--lang", default="zh", choices=("zh", "en"))


def as_json(outcome: SearchOutcome) -> str:
    return json.dumps({
        "query": outcome.query,
        "decision": outcome.decision,
        "results": [{"id": h.entry.id, "license": h.entry.license, "topic": h.entry.topic, "score": h.score}
                    for h in outcome.hits[:5]],
    }, ensure_ascii=False)


def as_text(outcome: SearchOutcome) -> str:
    lines = [f"{outcome.query}  →  {outcome.decision}"]
    lines += [f"  {h.score:.3f}  {h.entry.id}  ({h.entry.license}/{h.entry.topic})" for h in outcome.hits]
    return "\n".join(lines)


def main(args: argparse.Namespace, settings: Settings) -> int:
    searcher = Searcher.from_folder(Path(settings.knowledge_dir) if settings.knowledge_dir else None,
                                    approved=Path(settings.kb_approved_dir) if settings.kb_approved_dir else None)
    questions = [args.question] if args.question is not None else (line.rstrip("\r\n") for line in sys.stdin)
    fmt = as_json if args.json else as_text
    out = sys.stdout
    for q in questions:
        out.write(fmt(searcher.search(q, args.lang)) + "\n")
    out.flush()
    return 0
