"""`licensebot run` refuses set-ups that cannot work, with a reason."""

from __future__ import annotations

from tests.test_cli import licensebot


def test_several_workers_on_sqlite_are_refused_with_a_reason(tmp_path):
    done = licensebot("run", "--workers", "2", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert done.returncode == 2
    assert "SQLite is the one-process default" in done.stderr


def test_zero_workers_is_refused(tmp_path):
    done = licensebot("run", "--workers", "0", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert done.returncode == 2 and "at least 1" in done.stderr


def test_run_without_tokens_is_the_console(tmp_path):
    done = licensebot("run", "--user", "zoe", stdin="/start\n",
                      env={"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "TELEGRAM_BOT_TOKEN": ""})
    assert done.returncode == 0 and "许可证助手" in done.stdout
    assert "Traceback" not in done.stderr  # the scheduler stops without cancelling a job mid-run
