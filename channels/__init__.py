"""Channel adapters: each translates a platform's payloads to Incoming and replies to platform calls."""
