"""Every module that defines tables, and every table that holds personal data: the composition root
imports them here, so migrations (bot/storage/migrations/env.py) and the metadata see every table,
and /mydata and /forget (intents/privacy.py) see every person's rows.

A feature with a table adds its module here; a feature whose table holds data about a person
declares `PERSONAL_TABLES` beside the model and adds them to `PERSONAL_DATA` (a test fails if a
table with a `user_id` column is missing).
"""

from __future__ import annotations

from bot import keyboard, shared_limits
from bot.storage import models  # noqa: F401
from bot.storage.personal import CORE_TABLES, PersonalData
from cases import models as case_models  # noqa: F401
from cases import service as case_service
from channels.telegram import models as telegram_models  # noqa: F401
from channels.wecom import models as wecom_models
from checklist import checkup_store
from checklist import store as checklist_store
from intents import handoff_models
from registry import contacts as registry_contacts
from registry import models as registry_models
from scheduler import ical
from workspace import models as workspace_models  # noqa: F401

# In the order /mydata lists them; /forget deletes in the reverse order.
PERSONAL_DATA = PersonalData((
    *CORE_TABLES,
    *handoff_models.PERSONAL_TABLES,
    *checklist_store.PERSONAL_TABLES,
    *checkup_store.PERSONAL_TABLES,
    *registry_models.PERSONAL_TABLES,
    *wecom_models.PERSONAL_TABLES,
    *case_service.PERSONAL_TABLES,
    *registry_contacts.PERSONAL_TABLES,
    *ical.PERSONAL_TABLES,
    *keyboard.PERSONAL_TABLES,
    *shared_limits.PERSONAL_TABLES,
))
