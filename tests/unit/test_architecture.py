"""The layering rules of ARCHITECTURE.md, checked on the source itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "monetiot"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_domain_imports_only_the_standard_library_and_itself() -> None:
    offenders = []
    for path in sorted((SRC / "domain").rglob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if name.startswith("monetiot.domain") or top in sys.stdlib_module_names:
                continue
            offenders.append(f"{path.relative_to(SRC)} imports {name}")
    assert offenders == []


def test_services_do_not_import_entry_points() -> None:
    offenders = []
    for path in sorted((SRC / "services").rglob("*.py")):
        for name in _imports(path):
            if name.startswith(("monetiot.web", "monetiot.cli", "fastapi", "typer")):
                offenders.append(f"{path.relative_to(SRC)} imports {name}")
    assert offenders == []


def test_every_module_says_what_it_holds() -> None:
    missing = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
               if "migrations" not in p.parts and not ast.get_docstring(ast.parse(p.read_text()))
               and p.read_text().strip()]
    assert missing == []
