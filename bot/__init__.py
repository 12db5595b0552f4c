"""The core: messages, engine, route types, context, storage base, settings, clock, durable replies.

It knows no feature and no platform (the contracts in pyproject.toml; README "Layout").
"""
