"""Reading a YAML data file with errors that name the file: the one reader of content, rules and settings files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# libyaml's loader when PyYAML was built with it (same results, ~8× faster on the FAQ); else Python's.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, error: type[Exception], name: str | None = None, kind: str = "YAML") -> Any:
    """Parse `path`; an unreadable or malformed file raises `error` with the file's name and the reason.

    `name` is how the message names the file (its file name unless given); `kind` what it should have been.
    """
    name = path.name if name is None else name
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise error(f"{name}: not valid {kind}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{name}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None


def own_or_shipped(folder: Path | str | None, file_name: str, shipped: Path) -> Path:
    """A knowledge folder's own `file_name` when it has one, else the shipped file ("" or None: no folder)."""
    if folder is not None and folder != "":
        own = Path(folder) / file_name
        if own.is_file():
            return own
    return shipped
