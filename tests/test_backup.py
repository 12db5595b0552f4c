"""Backup and restore of the SQLite default: a real round trip through the CLI."""

from __future__ import annotations

from tests.test_cli import licensebot


def test_backup_then_restore_brings_the_conversation_back(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}"}
    licensebot("chat", "--user", "dora", stdin="你好\n", env=env)
    done = licensebot("backup", str(tmp_path / "b" / "snap.db"), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    licensebot("chat", "--user", "dora", stdin="/forget\n确认删除\n", env=env)
    assert "消息记录: 0" in licensebot("chat", "--user", "eve", stdin="/mydata\n", env=env).stdout
    done = licensebot("restore", str(tmp_path / "b" / "snap.db"), env=env)
    assert done.returncode == 0, done.stdout
    mydata = licensebot("chat", "--user", "dora", stdin="/mydata\n", env=env).stdout
    assert "消息记录: 2" in mydata  # dora's first exchange is back (her /mydata is logged after counting)


def test_restore_refuses_a_file_that_is_not_a_backup_and_keeps_the_database(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}"}
    licensebot("chat", "--user", "dora", stdin="你好\n", env=env)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all")
    done = licensebot("restore", str(junk), env=env)
    assert done.returncode == 1 and "not a SQLite database" in done.stdout
    assert "消息记录: 2" in licensebot("chat", "--user", "dora", stdin="/mydata\n", env=env).stdout


def test_backup_explains_postgres():
    done = licensebot("backup", "x.db", env={"DATABASE_URL": "postgresql+psycopg://u@127.0.0.1:1/x"})
    assert done.returncode == 2 and "pg_dump" in done.stdout
