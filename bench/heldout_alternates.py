"""Held-out FAQ alternates: how well the search finds an entry from wording it has not indexed.

Each of three folds removes every third alternate of every entry (in one language) from the index
and asks the removed alternates as questions, in that language. Prints top-1 (first result with
the entry's licence and topic, not a fallback) per language and per licence.

    python bench/heldout_alternates.py [--lang en] [--aliases other/aliases.yaml] [--by-licence]

`--aliases` compares an older or candidate aliases.yaml against the same entries.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.language import pick  # noqa: E402
from knowledge.aliases import Aliases, load_aliases  # noqa: E402
from knowledge.entries import Entry, load_entries  # noqa: E402
from knowledge.search import Searcher  # noqa: E402

FOLDS = 3


def held_out(entries: list[Entry], aliases: Aliases | None, lang: str) -> tuple[Counter[str], Counter[str]]:
    """(right, asked) per licence code over the folds."""
    right: Counter[str] = Counter()
    asked: Counter[str] = Counter()
    for fold in range(FOLDS):
        questions: list[tuple[str, Entry]] = []
        kept: list[Entry] = []
        for entry in entries:
            loc = pick(lang, entry.zh, entry.en)
            if loc is None:
                kept.append(entry)
                continue
            questions += [(a, entry) for i, a in enumerate(loc.alternates) if i % FOLDS == fold]
            rest = tuple(a for i, a in enumerate(loc.alternates) if i % FOLDS != fold)
            kept.append(dataclasses.replace(entry, **{lang: dataclasses.replace(loc, alternates=rest)}))
        searcher = Searcher(kept, aliases)
        for question, entry in questions:
            outcome = searcher.search(question, lang)
            first = outcome.hits[0].entry if outcome.hits else None
            asked[entry.license] += 1
            if outcome.decision != "fallback" and first is not None and \
                    (first.license, first.topic) == (entry.license, entry.topic):
                right[entry.license] += 1
    return right, asked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("zh", "en"), action="append", help="default: both")
    parser.add_argument("--aliases", type=Path, help="an aliases.yaml to use instead of the shipped one")
    parser.add_argument("--by-licence", action="store_true", help="also print top-1 per licence code")
    args = parser.parse_args()
    entries = load_entries()
    aliases = load_aliases(args.aliases) if args.aliases else None
    for lang in args.lang or ["zh", "en"]:
        right, asked = held_out(entries, aliases, lang)
        total, hits = sum(asked.values()), sum(right.values())
        print(f"{lang}: held-out alternates top-1 {hits / max(1, total):.3f} ({hits}/{total})")
        if args.by_licence:
            for code, n in sorted(asked.items()):
                print(f"    {code:18}{right[code] / n:.3f} ({right[code]}/{n})")


if __name__ == "__main__":
    main()
