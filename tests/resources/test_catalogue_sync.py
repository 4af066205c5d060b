"""The `[[resources]]` catalogue follows config edits, but never undoes an admin's chat changes."""

from __future__ import annotations

from dataclasses import replace

from freezegun import freeze_time

from bot.config import ResourceConfig
from bot.resources import catalogue
from storage import resources as repo
from storage.audit import history

NOW = "2026-12-01 08:00:00"


def _edited(ctx, **changes: tuple[str, int]):  # type: ignore[no-untyped-def]
    rows = []
    for r in ctx.config.resources:
        kind, capacity = changes.get(r.name.replace("-", "_"), (r.kind, r.capacity))
        rows.append(ResourceConfig(name=r.name, kind=kind, capacity=capacity))
    return replace(ctx, config=ctx.config.model_copy(update={"resources": rows}))


def test_config_changes_reach_config_rows_but_not_chat_ones(unit, sessions) -> None:
    with freeze_time(NOW):
        with unit("U_ALICE") as ctx:
            catalogue.ensure(ctx)
            catalogue.remove_resource(ctx, "van")
            catalogue.remove_resource(ctx, "room-b")
            catalogue.add_resource(ctx, "room-b", "lab", 5)  # an admin's own version
        with unit("U_ALICE") as ctx:
            ctx = _edited(
                ctx,
                room_a=("room", 3),
                staging_1=("sandbox", 1),
                van=("vehicle", 2),
                room_b=("room", 2),
            )
            catalogue.ensure(ctx)
            catalogue.ensure(ctx)  # a second sync changes nothing more
    with sessions() as s:

        def row(name: str):  # type: ignore[no-untyped-def]
            found = repo.by_name(s, name)
            assert found is not None
            return found.kind, found.capacity, found.active

        assert row("room-a") == ("room", 3, True)
        assert row("staging-1") == ("sandbox", 1, True)
        assert row("van") == ("vehicle", 1, False), "removed in chat: stays removed, untouched"
        assert row("room-b") == ("lab", 5, True), "re-added in chat: the admin's values stay"
        room_a = repo.by_name(s, "room-a")
        assert room_a is not None
        updates = [e for e in history(s, "resource", room_a.id) if e.action == "updated"]
        assert len(updates) == 1 and updates[0].data["capacity"] == 3
