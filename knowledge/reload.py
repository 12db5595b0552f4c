"""Reloading the knowledge base while the bot runs: the consultants' /reload and SIGHUP.

    /reload (one worker) ──▶ reload here, report ──▶ SIGHUP to the supervisor of several workers
    SIGHUP ──▶ `licensebot run` (one process): reload      supervisor ──▶ SIGHUP to every worker: reload

A broken file never takes the bot down: KnowledgeBase.reload keeps the version in service and returns
the error, which is logged (and shown to the consultant who asked).
"""

from __future__ import annotations

import logging
import os
import signal
import threading

from knowledge.base import KnowledgeBase

log = logging.getLogger(__name__)

# Set by `licensebot run --workers N` for its workers: the process that forwards SIGHUP to all of them.
SUPERVISOR_ENV = "LICENSEBOT_SUPERVISOR_PID"


def reload_knowledge(kb: KnowledgeBase) -> str | None:
    """Reload the FAQ files of this process; the error (the old version stays in service) or None."""
    error = kb.reload()
    if error is None:
        log.info("knowledge base reloaded", extra={"entries": len(kb.snapshot.entries)})
    return error


def reload_everywhere(kb: KnowledgeBase) -> str | None:
    """Reload here and, when this is one of several workers, have the others reload too."""
    error = reload_knowledge(kb)
    supervisor = os.environ.get(SUPERVISOR_ENV, "")
    if error is None and supervisor.isdigit() and int(supervisor) == os.getppid():
        os.kill(int(supervisor), signal.SIGHUP)
    return error


def reload_on_sighup(kb: KnowledgeBase) -> None:
    """From now on SIGHUP reloads the knowledge base (on a thread: the signal handler returns at once)."""

    def handler(_signum: int, _frame: object) -> None:
        threading.Thread(target=reload_knowledge, args=(kb,), name="kb-reload", daemon=True).start()

    signal.signal(signal.SIGHUP, handler)
