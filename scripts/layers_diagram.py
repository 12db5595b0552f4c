"""Draw the layers from the import-linter contracts in pyproject.toml (README "Layout" shows the output).

    .venv/bin/python scripts/layers_diagram.py          # print the diagram
    .venv/bin/python scripts/layers_diagram.py --check  # exit 1 when README.md shows another one

Each layer line carries the first line of its packages' docstrings; below the layers come the
forbidden contracts, so the picture cannot drift from the rules CI enforces.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- layers: begin (scripts/layers_diagram.py) -->", "<!-- layers: end -->"


def summary(package: str) -> str:
    """The first line of a package's docstring, without its trailing full stop."""
    tree = ast.parse((ROOT / package / "__init__.py").read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree) or ""
    return doc.splitlines()[0].rstrip(".") if doc else ""


def diagram() -> str:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    contracts = config["contracts"]
    layers = next(c for c in contracts if c["type"] == "layers")["layers"]
    lines = ["    (each layer imports only the layers below it)", ""]
    for index, layer in enumerate(layers):
        for package in (p.strip() for p in layer.split("|")):
            lines.append(f"    {package:<11} {summary(package)}")
        if index < len(layers) - 1:
            lines.append("        ↓")
    lines += ["", "    and never:"]
    for contract in contracts:
        if contract["type"] == "forbidden":
            sources = ", ".join(contract["source_modules"])
            lines.append(f"    {sources} ↛ {', '.join(contract['forbidden_modules'])}")
    return "\n".join(lines)


def in_readme() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start, stop = text.find(BEGIN), text.find(END)
    if start < 0 or stop < 0:
        return ""
    return text[start + len(BEGIN):stop].strip("\n")


def main(argv: list[str]) -> int:
    drawn = diagram()
    if "--check" in argv:
        if in_readme() != drawn:
            print("README.md's layer diagram differs from the contracts; paste the output of "
                  "scripts/layers_diagram.py between the layers markers", file=sys.stderr)
            return 1
        return 0
    print(drawn)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
