"""The README's command table says what `licensebot --help` says: the same commands, real options."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

from licensebot.cli.main import SUBCOMMANDS, build_parser
from tests.test_cli import ROOT


def readme_rows() -> list[list[str]]:
    """The backticked fragments of each row of the table under "## Commands"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [re.findall(r"`([^`]+)`", line.split(" | ")[0]) for line in rows]


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_the_readme_table_lists_exactly_the_commands_of_licensebot_help():
    shown = subprocess.run([sys.executable, "-m", "licensebot.cli.main", "--help"], capture_output=True, text=True,
                           cwd=ROOT, timeout=60).stdout
    in_help = set(re.search(r"\{([a-z,-]+)\}", shown).group(1).split(","))  # type: ignore[union-attr]
    assert in_help == {name for name, *_ in SUBCOMMANDS}
    in_readme = {fragment.removeprefix("licensebot ").split()[0] for row in readme_rows() for fragment in row}
    assert in_help <= in_readme, f"missing from the README table: {sorted(in_help - in_readme)}"
    top = {w for w in in_readme if w in in_help}
    assert top == in_help


def test_every_sub_command_and_option_in_the_readme_table_exists():
    parser = build_parser()
    commands = subparsers(parser)
    for row in readme_rows():
        current: argparse.ArgumentParser | None = None
        for fragment in row:
            words = fragment.removeprefix("licensebot ").split()
            if current is None and words[0].startswith("--"):
                assert words[0] in parser._option_string_actions, fragment
                continue
            if words[0] in commands:
                current = commands[words[0]]
                words = words[1:]
            assert current is not None, f"{fragment!r}: no command"
            target = current
            nested = subparsers(current) if any(isinstance(a, argparse._SubParsersAction)
                                                for a in current._actions) else {}
            choices = {c for a in current._actions if not a.option_strings and a.choices
                       and not isinstance(a, argparse._SubParsersAction) for c in a.choices}
            if words and words[0] in nested:
                target = nested[words[0]]
            elif words and words[0] in choices:
                pass
            elif words and not words[0].startswith(("-", "[")) and not words[0].isupper() and words[0] != "…":
                raise AssertionError(f"{fragment!r}: {words[0]!r} is not a sub-command of {current.prog}")
            options = {o for a in target._actions for o in a.option_strings}
            for flag in re.findall(r"--[a-z-]+", fragment):
                assert flag in options, f"{fragment!r}: {target.prog} has no {flag}"
