"""The hand-off fixtures (a bot with consultants configured) for the ownership tests."""

from tests.handoff.conftest import hub, hub_any, make_hub  # noqa: F401
