"""Small Block Kit builders that respect Slack's limits, so renderers never trip over them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.mrkdwn import BUTTON_LIMIT, HEADER_LIMIT, SECTION_LIMIT, truncate

Block = dict[str, Any]
MAX_BLOCKS = 50
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS = 25


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT)}


def plain(text: str, limit: int = SECTION_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_LIMIT)}


def section(text: str, *, accessory: Block | None = None, fields: Sequence[str] = ()) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if fields:
        block["fields"] = [{"type": "mrkdwn", "text": truncate(f, 2000)} for f in fields[:10]]
    if accessory:
        block["accessory"] = accessory
    return block


def sections(lines: Sequence[str]) -> list[Block]:
    """Lines in as few sections as fit, each under Slack's text limit, never splitting a line."""
    out: list[Block] = []
    chunk: list[str] = []
    size = 0
    for line in lines:
        if chunk and size + len(line) + 1 > SECTION_LIMIT:
            out.append(section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        out.append(section("\n".join(chunk)))
    return out


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:MAX_CONTEXT_ELEMENTS]]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: tuple[str, str] | None = None,
) -> Block:
    """``style`` is "primary" or "danger"; ``confirm`` is (title, question) for a dialog."""
    b: Block = {
        "type": "button",
        "text": plain(text, BUTTON_LIMIT),
        "action_id": action_id,
        "value": value,
    }
    if style:
        b["style"] = style
    if confirm:
        b["confirm"] = {
            "title": plain(confirm[0], 100),
            "text": plain(confirm[1], 300),
            "confirm": plain("Yes", 30),
            "deny": plain("Cancel", 30),
        }
    return b


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)[:MAX_ACTIONS]}
    if block_id:
        block["block_id"] = block_id
    return block


def fit(blocks: list[Block], *, more: str | None = None) -> list[Block]:
    """Keep a message under Slack's 50-block limit, saying what was left out."""
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    kept = blocks[: MAX_BLOCKS - 1]
    note = more or f"…and {len(blocks) - len(kept)} more blocks not shown."
    return [*kept, context(note)]


# --- modals -------------------------------------------------------------------------------------


def text_input(
    block_id: str,
    label: str,
    *,
    multiline: bool = False,
    optional: bool = False,
    initial: str | None = None,
    placeholder: str | None = None,
    max_length: int | None = None,
) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": "value", "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    if max_length:
        element["max_length"] = max_length
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }


def option(label: str, value: str) -> Block:
    return {"text": plain(label, 75), "value": value}


def select_input(
    block_id: str,
    label: str,
    options: Sequence[tuple[str, str]],
    *,
    initial: str | None = None,
    optional: bool = False,
) -> Block:
    """``options`` are (label, value) pairs; at most 100, as Slack allows."""
    opts = [option(lbl, val) for lbl, val in list(options)[:100]]
    element: Block = {"type": "static_select", "action_id": "value", "options": opts}
    chosen = next((o for o in opts if o["value"] == initial), None)
    if chosen:
        element["initial_option"] = chosen
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }


def user_input(block_id: str, label: str, *, placeholder: str | None = None) -> Block:
    """Pick one person from the workspace (a ``users_select``)."""
    element: Block = {"type": "users_select", "action_id": "value"}
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element}


def modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    *,
    submit: str = "Submit",
    private_metadata: str = "",
) -> Block:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain("Cancel", 24),
        "blocks": blocks[:100],
        "private_metadata": private_metadata[:3000],
    }


def home(blocks: list[Block]) -> Block:
    return {"type": "home", "blocks": blocks[:100]}
