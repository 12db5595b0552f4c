"""Licence registry and reminders: rules, the idempotent sweep, the outbox dispatcher."""
