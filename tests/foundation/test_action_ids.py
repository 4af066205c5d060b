"""Slack action and callback ids: SPEC's names, each defined once in its area's ids module."""

from __future__ import annotations

import ast
import importlib
from enum import StrEnum
from pathlib import Path

from bot.incidents import ids as incident_ids
from bot.purchases import ids as purchase_ids
from bot.resources import ids as booking_ids

ROOT = Path(__file__).resolve().parents[2]
# Every area's ids module, found on disk, so an area added later is held to the same rule.
ID_MODULES = [
    importlib.import_module(f"bot.{path.parent.name}.ids")
    for path in sorted((ROOT / "bot").glob("*/ids.py"))
]
ENUMS = [
    value
    for module in ID_MODULES
    for value in vars(module).values()
    if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum
]
ALL = {member.value for enum in ENUMS for member in enum}


def test_every_area_with_buttons_has_an_ids_module() -> None:
    assert {m.__name__ for m in ID_MODULES} >= {
        "bot.incidents.ids",
        "bot.purchases.ids",
        "bot.resources.ids",
        "bot.shifts.ids",
    }


def test_the_ids_are_the_ones_spec_names() -> None:
    assert {a.value for a in incident_ids.Action} == {
        "incident_ack",
        "incident_mitigate",
        "incident_update",
        "incident_resolve",
    }
    assert {a.value for a in purchase_ids.Action} == {"purchase_approve", "purchase_reject"}
    assert {a.value for a in booking_ids.Action} == {"booking_extend", "booking_release"}
    assert incident_ids.Shortcut.RAISE_FROM_MESSAGE == "raise_incident_from_message"
    assert {v.value for v in (*incident_ids.View, *purchase_ids.View)} == {
        "incident_raise",
        "incident_update",
        "purchase_request",
        "purchase_reject",
    }


def test_no_module_spells_an_id_out_instead_of_naming_it() -> None:
    spelled = []
    for path in sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "handlers").rglob("*.py")]):
        if path.name == "ids.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in ALL:
                spelled.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value}")
    assert spelled == []
