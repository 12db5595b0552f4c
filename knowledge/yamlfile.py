"""Reading a YAML data file with errors that name the file, for every loader of content and rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# libyaml's parser when PyYAML was built with it: the same safe loading, about ten times faster (the
# knowledge base loads in ~0.2 s instead of ~2 s, at every start of every worker and every reload).
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, error: type[Exception]) -> Any:
    """Parse `path`; unreadable or malformed files raise `error` with the file's name and the reason."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader)
    except yaml.YAMLError as exc:
        raise error(f"{path.name}: not valid YAML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path.name}: cannot read: {exc}") from None
