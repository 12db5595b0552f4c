"""Prometheus metrics, one registry per process (each worker exposes its own /metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry()

MESSAGES_IN = Counter("licensebot_messages_in_total", "Messages received", ["channel"], registry=REGISTRY)
MESSAGES_OUT = Counter("licensebot_messages_out_total", "Replies and pushes sent", ["channel"], registry=REGISTRY)
DECISIONS = Counter("licensebot_faq_decisions_total", "FAQ outcomes", ["decision"], registry=REGISTRY)
REFUSED = Counter("licensebot_messages_refused_total", "Messages refused by a guard", ["reason"], registry=REGISTRY)
ERRORS = Counter("licensebot_handler_errors_total", "Messages whose handling failed", registry=REGISTRY)
HANDLING = Histogram("licensebot_handling_seconds", "Time from receiving a message to having its replies",
                     ["channel"], registry=REGISTRY,
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0))
REMINDERS = Counter("licensebot_reminders_total", "Reminders by what happened to them", ["event"], registry=REGISTRY)
SEND_ERRORS = Counter("licensebot_send_errors_total", "Failed sends by channel and kind", ["channel", "kind"],
                      registry=REGISTRY)
HANDOFF_QUEUE = Gauge("licensebot_handoff_queue", "Hand-off tickets by state", ["state"], registry=REGISTRY)
HANDOFF_WAIT = Histogram("licensebot_handoff_wait_seconds", "Time from a ticket opening to its claim",
                         registry=REGISTRY, buckets=(30, 60, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600))


def render() -> bytes:
    return generate_latest(REGISTRY)
