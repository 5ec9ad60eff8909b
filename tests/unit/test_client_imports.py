"""`monetiot.client` never imports the server side: only httpx, the standard library and itself.

A program that talks to a monetiot server must not need FastAPI, SQLAlchemy, the services or
the store; and the client must not drift into reusing server modules. Read from the source, so
the rule holds for imports inside functions too.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import monetiot.client

CLIENT = Path(monetiot.client.__file__).parent


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_client_imports_only_httpx_the_standard_library_and_itself() -> None:
    wrong = []
    for path in sorted(CLIENT.glob("*.py")):
        for name in imported(path):
            top = name.split(".")[0]
            if name.startswith("monetiot.client") or top in ("httpx", "__future__"):
                continue
            if top not in sys.stdlib_module_names:
                wrong.append(f"{path.name}: {name}")
    assert not wrong, wrong
