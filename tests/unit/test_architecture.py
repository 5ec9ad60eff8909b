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


def _all_imports(path: Path) -> set[str]:
    """Absolute and relative imports, the relative ones resolved to absolute names."""
    module = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def test_the_edge_sdk_imports_only_the_standard_library_paho_and_itself() -> None:
    """A device installs monetiot.edge without the server: nothing of the server may leak in."""
    offenders = []
    files = sorted((SRC / "edge").rglob("*.py"))
    assert len(files) >= 5
    for path in files:
        for name in _all_imports(path):
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top == "paho" or name == "monetiot" \
                    or name.startswith("monetiot.edge"):
                continue
            offenders.append(f"{path.relative_to(SRC)} imports {name}")
    assert offenders == []


def test_importing_the_edge_sdk_loads_nothing_of_the_server() -> None:
    import subprocess

    code = ("import sys, monetiot.edge\n"
            "print('\\n'.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('monetiot', 'cbor2', 'msgspec', 'sqlalchemy', 'fastapi', 'pydantic', 'typer'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    loaded = done.stdout.split()
    assert "monetiot.edge.device" in loaded
    assert [m for m in loaded if m != "monetiot" and not m.startswith("monetiot.edge")] == []
