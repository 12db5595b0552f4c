"""The layer contracts (pyproject.toml [tool.importlinter]) hold, have teeth, and match the README picture."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def lint(cwd: Path, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT), str(config), "--no-cache"], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)})


def test_the_code_keeps_every_layer_contract():
    done = lint(ROOT, ROOT / "pyproject.toml")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "broken" in done.stdout and " 0 broken" in done.stdout


def a_tree(tmp_path: Path, imports: dict[str, str]) -> Path:
    """Empty top-level packages named like ours, plus modules with the given source."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    for package in config["root_packages"]:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "bot" / "storage").mkdir()
    (tmp_path / "bot" / "storage" / "__init__.py").write_text("")
    (tmp_path / "channels" / "wecom").mkdir()
    (tmp_path / "channels" / "wecom" / "__init__.py").write_text("")
    for module, source in imports.items():
        (tmp_path / Path(*module.split("."))).with_suffix(".py").write_text(source)
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (tmp_path / "contracts.toml").write_text(text[text.index("\n[tool.importlinter]\n"):])
    return tmp_path / "contracts.toml"


def test_the_same_tree_without_a_breach_passes(tmp_path):
    """So that the failures below come from the breach, not from the copied configuration."""
    done = lint(tmp_path, a_tree(tmp_path, {"bot.engine": "", "intents.faq": "import bot.engine\n"}))
    assert done.returncode == 0, done.stdout[-3000:]


@pytest.mark.parametrize(("modules", "reported"), [
    ({"bot.engine": "import intents.faq\n", "intents.faq": ""}, "bot.engine -> intents.faq"),
    ({"bot.storage.models": "import cases.models\n", "cases.models": ""}, "bot.storage.models -> cases.models"),
    ({"channels.sender": "from scheduler import sweep\n", "scheduler.sweep": ""},
     "channels.sender -> scheduler.sweep"),
    ({"intents.faq": "import channels.telegram\n", "channels.telegram": ""}, "intents.faq -> channels.telegram"),
    ({"knowledge.gaps": "import bot.storage.db\n", "bot.storage.db": ""}, "knowledge.gaps -> bot.storage.db"),
    ({"channels.wecom.kf": "def f():\n    from channels.wecom import sender\n",
      "channels.wecom.sender": "from channels.wecom import kf\n"}, "No cycles are allowed in channels.wecom"),
])
def test_a_breach_of_the_layers_fails_the_lint(tmp_path, modules, reported):
    done = lint(tmp_path, a_tree(tmp_path, modules))
    assert done.returncode != 0 and reported in done.stdout, done.stdout[-3000:]


def test_the_readme_picture_is_drawn_from_the_contracts():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "layers_diagram.py"), "--check"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
