"""Imports every module that defines tables, so migrations and create_all see them all."""

from bot import keyboard  # noqa: F401
from bot.storage import models  # noqa: F401
from cases import models as case_models  # noqa: F401
from channels.telegram import models as telegram_models  # noqa: F401
from channels.wecom import models as wecom_models  # noqa: F401
from checklist import checkup_store as checkup_tables  # noqa: F401
from checklist import store as checklist_store  # noqa: F401
from intents import handoff_models  # noqa: F401
from registry import contacts as scheduler_contacts  # noqa: F401
from registry import models as scheduler_models  # noqa: F401
from scheduler import ical as scheduler_ical  # noqa: F401
from workspace import models as workspace_models  # noqa: F401
