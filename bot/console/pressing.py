"""Pressing buttons and filling forms in the console, as only their rightful person could.

A button in someone's DM, in a note only they see, or on their App Home is theirs alone: the
console refuses to press it for anyone else, as Slack would never show it to them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.console.messenger import Pressable
from bot.console.people import person_id, person_name
from bot.console.plain import default_name
from bot.errors import UserError


def _can_see(button: Pressable, user: str) -> bool:
    return button.audience is None or button.audience == user


def _whose(button: Pressable) -> str:
    who = default_name(button.audience or "")
    if button.view is not None:
        return f"on {who}'s App Home"
    if button.channel and button.channel.startswith("D"):
        return f"in {who}'s DM"
    return f"in a note only {who} sees"


def choose_button(buttons: list[Pressable], which: str, user: str) -> Pressable:
    """The button ``which`` (its number, or its label: the latest shown) that ``user`` can see."""
    if which.isdecimal():
        index = int(which)
        if not 1 <= index <= len(buttons):
            raise UserError(f"There is no button {index}; the last one shown is {len(buttons)}.")
        target = buttons[index - 1]
        if not _can_see(target, user):
            owner = person_name(target.audience or "")
            raise UserError(
                f"Button {index} is {_whose(target)}: only @{owner} can press it "
                f"(`as @{owner}` first)."
            )
        return target
    named = [b for b in reversed(buttons) if b.label.lower() == which.lower()]
    visible = [b for b in named if _can_see(b, user)]
    if visible:
        return visible[0]
    if named:
        owner = person_name(named[0].audience or "")
        raise UserError(
            f"No {which!r} button that @{person_name(user)} can see: the last one is "
            f"{_whose(named[0])} (`as @{owner}` first)."
        )
    raise UserError(f"No button labelled {which!r}; use its number.")


def person_of(value: str) -> str:
    """@bob (or <@U_BOB|bob>, as slackified) as the id a people picker returns."""
    value = value.strip()
    if value.startswith("<@") and value.endswith(">"):
        return value[2:-1].split("|")[0]
    return person_id(value)


def form_state(
    view: dict[str, Any], given: dict[str, str], slackify: Callable[[str], str]
) -> dict[str, dict[str, Any]]:
    """The modal's ``state.values`` as Slack would send them, from ``field=value`` pairs."""
    given = dict(given)
    state: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        value = given.pop(block["block_id"], None)
        element = block.get("element", {})
        if element.get("type") == "users_select":
            state[block["block_id"]] = {
                "value": {
                    "type": "users_select",
                    "selected_user": person_of(value) if value else None,
                }
            }
        elif element.get("type") == "static_select":
            chosen = {"value": value} if value else element.get("initial_option")
            state[block["block_id"]] = {
                "value": {"type": "static_select", "selected_option": chosen}
            }
        else:
            default = element.get("initial_value") if value is None else value
            state[block["block_id"]] = {
                "value": {
                    "type": "plain_text_input",
                    "value": slackify(default) if default else default,
                }
            }
    if given:
        raise UserError(f"The form has no field {', '.join(given)}.")
    return state
