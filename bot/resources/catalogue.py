"""The catalogue: `[[resources]]` from the config, synced into a table so admins can add and
remove resources in chat and history keeps pointing at real rows."""

from __future__ import annotations

import difflib

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.context import Ctx
from bot.errors import NotFound
from bot.render.text import echo
from storage import resources as repo
from storage.resources import Resource


def ensure(ctx: Ctx) -> None:
    """Insert config resources the table has never seen; one cheap query when all are there.

    A resource an admin removed stays removed: only names missing altogether are inserted.
    """
    wanted = ctx.config.resources
    if not wanted:
        return
    names = [r.name for r in wanted]
    if repo.count_named(ctx.session, names) == len(names):
        return
    insert = pg_insert if ctx.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    rows = [
        {
            "name": r.name,
            "kind": r.kind,
            "capacity": r.capacity,
            "active": True,
            "source": "config",
            "created_at": ctx.now,
        }
        for r in wanted
    ]
    ctx.session.execute(
        insert(Resource).values(rows).on_conflict_do_nothing(index_elements=["name"])
    )


def suggestions(ctx: Ctx, name: str) -> list[str]:
    names = repo.all_names(ctx.session)
    return difflib.get_close_matches(name.lower(), names, n=3, cutoff=0.5)


def find(ctx: Ctx, name: str) -> Resource:
    """The active resource called ``name``, or a NotFound naming the closest ones."""
    ensure(ctx)
    resource = repo.by_name(ctx.session, name.lower())
    if resource is not None and resource.active:
        return resource
    close = suggestions(ctx, name)
    hint = (
        "Did you mean " + " or ".join(f"`{n}`" for n in close) + "?"
        if close
        else "See them all with `/resource list`."
    )
    gone = " (it was removed)" if resource is not None else ""
    raise NotFound(f"There is no resource called `{echo(name)}`{gone}. {hint}")
