"""Prometheus metrics.

One process: its own registry. `licensebot run --workers N`: each worker writes its values to files in
PROMETHEUS_MULTIPROC_DIR (set by `run` before the workers start) and /metrics, whichever worker
answers, reports the sum over all workers (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import os
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.outbox import SendResult

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
REGISTRY = CollectorRegistry()

MESSAGES_IN = Counter("licensebot_messages_in_total", "Messages received", ["channel"], registry=REGISTRY)
MESSAGES_OUT = Counter("licensebot_messages_out_total", "Replies and pushes sent", ["channel"], registry=REGISTRY)
DECISIONS = Counter("licensebot_faq_decisions_total", "FAQ outcomes", ["decision"], registry=REGISTRY)
REFUSED = Counter("licensebot_messages_refused_total", "Messages refused by a guard", ["reason"], registry=REGISTRY)
ERRORS = Counter("licensebot_handler_errors_total", "Messages whose handling failed", registry=REGISTRY)
HANDLING = Histogram("licensebot_handling_seconds", "Time from receiving a message to having its replies",
                     ["channel"], registry=REGISTRY,
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0))
# event: created (by the sweep), sent, retrying, failed (by the dispatcher)
REMINDERS = Counter("licensebot_reminders_total", "Reminders by what happened to them", ["event"], registry=REGISTRY)
# kind: permanent (blocked, chat gone), rate_limited (told to retry after), transient (network, 5xx)
SEND_ERRORS = Counter("licensebot_send_errors_total", "Failed sends by channel and kind", ["channel", "kind"],
                      registry=REGISTRY)
# Refreshed from the tickets table when /metrics is scraped (the same figure whichever worker answers).
HANDOFF_QUEUE = Gauge("licensebot_handoff_queue", "Hand-off tickets by state (waiting, claimed)", ["state"],
                      registry=REGISTRY, multiprocess_mode="mostrecent")
HANDOFF_WAIT = Histogram("licensebot_handoff_wait_seconds", "Time from a ticket opening to its claim",
                         registry=REGISTRY, buckets=(30, 60, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600))


def count_send_error(channel: str, result: SendResult) -> None:
    kind = "permanent" if result.permanent else "rate_limited" if result.retry_after else "transient"
    SEND_ERRORS.labels(channel, kind).inc()


def set_handoff_queue(counts: dict[str, int]) -> None:
    for state, n in counts.items():
        HANDOFF_QUEUE.labels(state).set(n)


def prepare_multiprocess(folder: Path) -> None:
    """For the parent of several workers, before they start: share `folder`, emptied of old values."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(folder)


def render() -> bytes:
    folder = os.environ.get(MULTIPROC_ENV)
    if not folder:
        return generate_latest(REGISTRY)
    from prometheus_client import multiprocess

    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined, path=folder)
    return generate_latest(combined)
