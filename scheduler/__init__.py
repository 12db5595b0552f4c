"""Scheduled jobs: reminder rules, the idempotent sweep, escalation, digest, the outbox dispatcher."""
