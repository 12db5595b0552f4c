"""Settings come from the environment or .env; .env.example mirrors the settings module."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from bot.settings import ROOT, Settings, env_example


def test_env_example_mirrors_settings_line_for_line():
    assert (ROOT / ".env.example").read_text(encoding="utf-8") == env_example(), (
        "regenerate with: python -m bot.settings > .env.example")


def test_every_setting_has_help_text():
    assert all(f.metadata.get("help") for f in fields(Settings))


def test_environment_beats_env_file_beats_defaults(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_text('CONSULTANCY_NAME="文件里的名字"\nHTTP_PORT=9000\n# comment\n\nLOG_JSON=yes\n', encoding="utf-8")
    s = Settings.load(environ={"HTTP_PORT": "9100"}, env_file=env_file)
    assert s.consultancy_name == "文件里的名字"
    assert s.http_port == 9100
    assert s.log_json is True
    assert s.default_lang == "zh"


def test_bad_number_names_the_setting(tmp_path: Path):
    with pytest.raises(ValueError, match="HTTP_PORT"):
        Settings.load(environ={"HTTP_PORT": "eighty"}, env_file=tmp_path / "missing")


def test_empty_value_keeps_a_non_empty_default(tmp_path: Path):
    s = Settings.load(environ={"DATABASE_URL": ""}, env_file=tmp_path / "missing")
    assert s.database_url.startswith("sqlite")
