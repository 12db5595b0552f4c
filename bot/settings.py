"""All settings in one place, read from the environment or a `.env` file.

Each field's metadata carries its help text; `.env.example` mirrors this module line for line
(a test checks it). Names are the upper-case field names.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def setting(default: Any, help: str) -> Any:
    """Declare a setting with its default and a one-line explanation."""
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    consultancy_name: str = setting("证照顾问", "Consultancy name shown to clients (Chinese)")
    consultancy_name_en: str = setting("our consultancy", "Consultancy name for English-speaking clients")
    database_url: str = setting("sqlite:///data/licensebot.db", "SQLAlchemy URL; SQLite file by default")
    knowledge_dir: str = setting("", "Folder with FAQ YAML and aliases; empty = the shipped knowledge/")
    default_lang: str = setting("zh", "Language for users whose platform gives none: zh or en")
    log_level: str = setting("INFO", "Logging level: DEBUG, INFO, WARNING, ERROR")
    log_json: bool = setting(False, "Write logs as JSON lines (for production log collectors)")
    max_message_chars: int = setting(2000, "Longer messages are refused politely")
    flood_per_minute: int = setting(20, "Messages a user may send in one minute before being slowed down")
    flow_ttl_days: int = setting(7, "Unfinished guided flows older than this many days expire")
    console_files_dir: str = setting("data/files", "Folder where the terminal chat saves the files the bot sends (e.g. an exported checklist)")
    http_host: str = setting("127.0.0.1", "Address the web app (webhooks, health, metrics) listens on")
    http_port: int = setting(8080, "Port the web app listens on")
    console_base_url: str = setting("", "Base URL of the consultants' web console in sign-in links (https://bot.example.com); empty = http://HTTP_HOST:HTTP_PORT")
    kb_approved_dir: str = setting("data/kb-approved", "Folder where FAQ entries approved in the web console are written (YAML, loaded after the shipped ones)")
    telegram_bot_token: str = setting("", "Telegram bot token; empty = Telegram channel off")
    telegram_base_url: str = setting("", "Bot API base URL for a self-hosted server; empty = Telegram's")
    telegram_webhook_url: str = setting("", "Public HTTPS URL for webhook mode; empty = long polling")
    telegram_webhook_secret: str = setting(
        "", "Secret Telegram echoes in X-Telegram-Bot-Api-Secret-Token; empty = derived from the token")
    telegram_rate_per_second: int = setting(25, "Telegram: Bot API sends a second in all (replies and outbox alike), spaced evenly")
    telegram_private_per_second: int = setting(1, "Telegram: messages a second to one private chat")
    telegram_group_per_minute: int = setting(20, "Telegram: messages a minute to one group")
    consultants: str = setting("", "Consultants per channel as channel:user_id, comma-separated (e.g. telegram:123,wecom:zhangsan,console:alice)")
    consultant_group: str = setting("", "Consultants' group chat as channel:chat_id (e.g. telegram:-100123, console:consultants); empty = each consultant privately")
    handoff_reannounce_minutes: int = setting(30, "A ticket nobody claims for this many business-hours minutes is announced again; 0 = never")
    handoff_reannounce_max: int = setting(3, "Re-announcements of an unclaimed ticket; after the last one (and as long again) it is escalated")
    handoff_escalate_to: str = setting("", "Lead who gets unclaimed tickets escalated, as channel:user_id; empty = the consultants' group, or every consultant")
    reminder_rules: str = setting("", "Reminder rules YAML file; empty = the shipped scheduler/rules.yaml")
    scheduler_in_process: bool = setting(True, "licensebot run also runs the reminder sweep and the dispatcher")
    sweep_interval_seconds: int = setting(300, "How often the reminder sweep looks for due milestones")
    dispatch_interval_seconds: int = setting(2, "How often the dispatcher looks for outbox messages to send")
    dispatch_batch_size: int = setting(100, "Outbox messages one dispatcher claims at a time")
    dispatch_lease_seconds: int = setting(300, "A message claimed but not recorded within this time is retried")
    dispatch_max_attempts: int = setting(10, "Failed sends of one message before it is given up")
    reply_lease_seconds: int = setting(30, "A reply the answering worker has not marked sent within this time is delivered by the dispatcher (after a crash)")
    channel_rate_per_second: int = setting(30, "Outbox dispatcher: messages a second per channel, for channels without their own limits (not Telegram, WeCom members or the robot: today wecom_kf); 0 = no limit")
    chat_rate_per_minute: int = setting(60, "Outbox dispatcher: messages a minute to one chat, spaced evenly, for the same channels; 0 = no limit")
    digest_hour: int = setting(9, "Hour (Asia/Shanghai) from which the daily digest of expiring licences goes to CONSULTANT_GROUP; -1 = off")
    digest_days: int = setting(90, "The daily digest lists licences expiring within this many days")
    wecom_corp_id: str = setting("", "WeCom corp ID (企业ID); also the receiver id every callback must carry")
    wecom_agent_id: int = setting(0, "AgentId of the self-built app (自建应用) members write to; 0 = members off")
    wecom_secret: str = setting("", "Secret of that self-built app; empty = WeCom members channel off")
    wecom_token: str = setting("", "Callback Token (接收消息 Token), the same for the app and Customer Service")
    wecom_aes_key: str = setting("", "Callback EncodingAESKey (43 characters), the same for both callbacks")
    wecom_kf_secret: str = setting("", "Secret of WeChat Customer Service (微信客服); empty = WeChat clients off")
    wecom_kf_consultant: str = setting("", "Member userid who forwards messages to WeChat clients the bot may not message; empty = first wecom: in CONSULTANTS")
    wecom_robot_key: str = setting("", "Group robot (群机器人) webhook key of the consultants' group; empty = robot off")
    wecom_api_base: str = setting("https://qyapi.weixin.qq.com", "WeCom API base URL (tests point it at a local fake)")
    wecom_callback_max_age: int = setting(300, "Callbacks whose timestamp is more than this many seconds off are refused")
    wecom_duplicate_check_interval: int = setting(1800, "Seconds in which WeCom drops a repeated proactive message to a member")
    case_files_dir: str = setting("data/case-files", "Folder where files clients send for a renewal case are stored (one sub-folder per case; never the database)")
    case_file_types: str = setting("pdf,jpg,jpeg,png,doc,docx,xls,xlsx,ofd,zip", "File types accepted for a renewal case, by extension")
    case_file_max_mb: int = setting(20, "Largest file accepted for a renewal case, in MB")
    public_base_url: str = setting("", "Public HTTPS address of the web app (e.g. https://bot.example.com), for calendar subscription links; empty = the link shows only its path")

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> Settings:
        """Read settings: the process environment wins over `.env`, which wins over defaults."""
        env = dict(read_env_file(env_file if env_file is not None else ROOT / ".env"))
        env.update(os.environ if environ is None else environ)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f.name.upper())
            if raw is None or (raw == "" and f.default not in ("", MISSING)):
                continue
            values[f.name] = _convert(f.name, raw, f.default)
        return cls(**values)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _convert(name: str, raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        if raw.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if raw.strip().lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"setting {name.upper()}: expected true/false, got {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"setting {name.upper()}: expected a whole number, got {raw!r}") from None
    return raw


def read_env_file(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines; blank lines and # comments are skipped; quotes are stripped."""
    if not path.is_file():
        return {}
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        out[key.strip()] = value
    return out


def env_example() -> str:
    """The text of `.env.example`: every setting in order, with its help and default."""
    lines = ["# licensebot settings. Copy to .env and fill in; the process environment wins over .env.",
             "# Every setting of bot/settings.py is listed here, in the same order, with its default.",
             "# Regenerate with: python -m bot.settings > .env.example", ""]
    for f in fields(Settings):
        default = f.default
        if isinstance(default, bool):
            default = "true" if default else "false"
        lines += [f"# {f.metadata['help']}", f"{f.name.upper()}={default}", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(env_example(), end="")
