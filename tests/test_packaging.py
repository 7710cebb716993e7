"""The installed package works without the checkout: every third-party module the code imports is declared."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("tui", "data", "dispatch", "pricing")
#: Imported only where the optional extra is installed (the code says so in one line when it is not).
OPTIONAL = {"psycopg": "postgres"}


def _imported_top_level_modules() -> set[str]:
    names: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in PACKAGES}


def _requirement_name(spec: str) -> str:
    return re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0].lower().replace("_", "-")


def test_every_runtime_import_is_a_declared_dependency() -> None:
    """`pip install concierge-desk` (no extras) brings every package `concierge` imports at run time."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_requirement_name(spec) for spec in project["dependencies"]}
    extras = {extra: {_requirement_name(s) for s in specs} for extra, specs in project["optional-dependencies"].items()}
    distributions = packages_distributions()
    missing = []
    for module in sorted(_imported_top_level_modules()):
        dists = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        if module in OPTIONAL:
            assert dists & extras[OPTIONAL[module]], f"{module} should come with the [{OPTIONAL[module]}] extra"
        elif not dists & declared:
            missing.append(f"{module} (from {', '.join(sorted(dists))})")
    assert not missing, "imported but not in [project].dependencies: " + "; ".join(missing)
