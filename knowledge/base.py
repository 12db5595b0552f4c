"""The loaded knowledge base: entries by id and the searcher, swapped whole on reload."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.settings import Settings
from knowledge.authorities import SHIPPED_FILE as SHIPPED_AUTHORITIES
from knowledge.authorities import Authorities, load_authorities
from knowledge.entries import Entry
from knowledge.search import Searcher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    entries: dict[str, Entry]
    searcher: Searcher
    authorities: Authorities  # provinces.yaml: the provincial administrations


class KnowledgeBase:
    """Holds the current snapshot. A reload that fails keeps the old one in service."""

    def __init__(self, folder: Path | None = None, approved: Path | None = None) -> None:
        self.folder = folder
        self.approved = approved  # entries approved in the web console (see knowledge/entries.py)
        self.snapshot = self._build()

    def _build(self) -> Snapshot:
        searcher = Searcher.from_folder(self.folder, approved=self.approved)  # the same search `ask` runs
        own = self.folder / "provinces.yaml" if self.folder is not None else None
        authorities = load_authorities(own if own is not None and own.exists() else SHIPPED_AUTHORITIES)
        return Snapshot({e.id: e for e in searcher.entries}, searcher, authorities)

    def reload(self) -> str | None:
        """Rebuild from disk; returns an error message (and keeps serving the old one) on failure."""
        try:
            self.snapshot = self._build()
        except Exception as exc:  # a broken file must never take the bot down
            log.error("knowledge reload failed; keeping the previous version: %s", exc)
            return str(exc)
        return None

    def get(self, entry_id: str) -> Entry | None:
        return self.snapshot.entries.get(entry_id)

    @property
    def searcher(self) -> Searcher:
        return self.snapshot.searcher

    @property
    def authorities(self) -> Authorities:
        return self.snapshot.authorities


def approved_dir(settings: Settings) -> Path | None:
    """Where the web console writes approved FAQ entries (loaded after the shipped ones)."""
    return Path(settings.kb_approved_dir) if settings.kb_approved_dir else None
