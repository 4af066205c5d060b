"""The layers, read from the imports: SQL stays in storage/, handlers talk to services."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SQL_BUILDERS = {"select", "insert", "update", "delete"}


def _imports(path: Path) -> list[tuple[str, set[str]]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, {a.name for a in node.names}))
        elif isinstance(node, ast.Import):
            found.extend((a.name, set()) for a in node.names)
    return found


def _files(*tops: str) -> list[Path]:
    return sorted(p for top in tops for p in (ROOT / top).rglob("*.py"))


@pytest.mark.parametrize("path", _files("bot", "handlers"), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_sql_statements_are_built_outside_storage(path: Path) -> None:
    for module, names in _imports(path):
        if module.startswith("sqlalchemy"):
            assert not SQL_BUILDERS & names, f"{module} {sorted(SQL_BUILDERS & names)}"


@pytest.mark.parametrize("path", _files("handlers"), ids=lambda p: str(p.relative_to(ROOT)))
def test_handlers_call_services_not_storage(path: Path) -> None:
    assert not [m for m, _ in _imports(path) if m == "storage" or m.startswith("storage.")]


def test_the_kernel_context_does_not_import_the_notice_registry() -> None:
    modules = {m for m, _ in _imports(ROOT / "bot" / "context.py")}
    assert "bot.notices" not in modules and "bot" not in modules
