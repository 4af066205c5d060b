"""Whether a database holds every migration this version ships: one query, and no alembic.

Every run mode checks this at start (PostgreSQL refuses an old schema, SQLite migrates it), and
alembic's own answer (``storage.migrate.is_current``) costs the import of alembic and of every
migration script, about a tenth of a second each time. Here the migration scripts are read as
text: each declares ``revision``, ``down_revision`` and ``depends_on`` as literals on a line of
their own. A revision counts as applied when one recorded in ``alembic_version`` is it or
descends from it (through either link), which is how alembic reads its table too.

The answer is only ever a sure "yes": anything else (a migration missing, no version table, a
script not written as expected) is ``False`` or ``None``, and the caller asks alembic.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, text

VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"
# ``revision = "0016_retention"``, as the template writes it (an annotation is allowed).
_DECLARED = re.compile(
    r"^(revision|down_revision|depends_on)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE
)


def _names(value: object) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, tuple | list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


@cache
def shipped() -> dict[str, tuple[str, ...]] | None:
    """Each shipped revision and the revisions it builds on (its down revision and
    dependencies); None when a script does not declare them as plain literals."""
    found: dict[str, tuple[str, ...]] = {}
    for path in sorted(VERSIONS.glob("*.py")):
        if path.name == "__init__.py":
            continue
        declared: dict[str, tuple[str, ...]] = {}
        for key, literal in _DECLARED.findall(path.read_text(encoding="utf-8")):
            try:
                names = _names(ast.literal_eval(literal))
            except (ValueError, SyntaxError):
                return None
            if names is None or key in declared:
                return None
            declared[key] = names
        revision = declared.get("revision", ())
        if len(revision) != 1 or revision[0] in found:
            return None
        found[revision[0]] = declared.get("down_revision", ()) + declared.get("depends_on", ())
    return found or None


def _applied(graph: dict[str, tuple[str, ...]], recorded: set[str]) -> set[str]:
    """The recorded revisions and every revision they build on."""
    seen: set[str] = set()
    todo = [r for r in recorded if r in graph]
    while todo:
        revision = todo.pop()
        if revision not in seen:
            seen.add(revision)
            todo.extend(graph[revision])
    return seen


def up_to_date(engine: Engine) -> bool | None:
    """True when every shipped migration is applied; False when one is not; None when that
    cannot be told this way (no version table yet, or scripts it cannot read)."""
    graph = shipped()
    if graph is None:
        return None
    with engine.connect() as conn:
        try:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            recorded = set(rows)
        except Exception:  # no table yet, or unreachable: alembic's path says which
            return None
    # A revision this version does not ship means a newer schema: alembic tells.
    return recorded <= graph.keys() and _applied(graph, recorded) == graph.keys()
