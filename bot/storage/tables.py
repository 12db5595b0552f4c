"""The core's tables. Every other module that defines tables (the keyboard, the features, the channels)
is imported by the composition root (licensebot/tables.py) before migrations run."""

from bot.storage import models  # noqa: F401
