"""The listener decorators every area uses: slash commands, buttons, forms, shortcuts, events.

A listener is written as ``fn(req, ...) -> Message | None``: it parses, calls a service and
renders. Each decorator acks Slack, runs the listener as one unit of work through the one error
path (``handlers/work.py``), answers, and hands what must be said afterwards to the runtime.
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot import unit
from bot.commands import Command, CommandSet
from bot.context import Outbox
from bot.errors import FieldErrors, UserError
from bot.messenger import Message
from bot.runtime import Runtime
from handlers.work import (
    HOME_FLAG,
    Reply,
    Request,
    button_id,
    error_message,
    handle,
    mark_from_home,
    opened_from_home,
    runtime_of,
)

__all__ = [
    "Reply",
    "Request",
    "action",
    "button_id",
    "event",
    "install",
    "mark_from_home",
    "message_shortcut",
    "slash",
    "submission",
]


def _ephemeral(ack: Ack, message: Message) -> None:
    ack(text=message.text, blocks=message.blocks, response_type="ephemeral")


# --- one Bolt listener per kind of request ----------------------------------------------------

Listener = Callable[[Ack, dict[str, Any], BoltContext], None]

# What each kind of request is named by, and the Bolt method that listens to it.
_NAMED_BY: dict[str, Callable[[dict[str, Any]], str]] = {
    "command": lambda body: body["command"],
    "action": lambda body: body["actions"][0]["action_id"],
    "view": lambda body: body["view"]["callback_id"],
    "message_shortcut": lambda body: body["callback_id"],
}

# Each app's listeners by kind and name, until ``install`` hands them to Bolt.
_PENDING: weakref.WeakKeyDictionary[App, dict[str, dict[str, Listener]]] = (
    weakref.WeakKeyDictionary()
)
_INSTALLED: weakref.WeakSet[App] = weakref.WeakSet()


def _add(app: App, kind: str, name: str, listener: Listener) -> None:
    table = _PENDING.setdefault(app, {}).setdefault(kind, {})
    if name in table:
        raise ValueError(f"two listeners for the {kind} {name!r}")
    table[name] = listener
    if app in _INSTALLED:  # declared after the others (a test's own command): at once
        install(app)


def install(app: App) -> None:
    """Hand the app's commands, buttons, forms and shortcuts to Bolt, once all are declared.

    Bolt tries its listeners in turn and builds keyword arguments for each one's matcher, so
    each kind gets one Bolt listener, matching exactly the names declared (anything else stays
    unhandled, as before), which looks the name up: a request to the last command costs what
    one to the first does. Call it after every ``register`` (``bot.app.create_app`` does).
    """
    _INSTALLED.add(app)
    for kind, table in _PENDING.pop(app, {}).items():
        names = re.compile("^(?:" + "|".join(re.escape(name) for name in table) + ")$")
        listen = getattr(app, kind)
        listen(names)(_by_name(_NAMED_BY[kind], table))


def _by_name(name_of: Callable[[dict[str, Any]], str], table: dict[str, Listener]) -> Listener:
    def listener(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        table[name_of(body)](ack, body, context)

    return listener


# --- listener decorators ------------------------------------------------------------------------


SlashFn = Callable[[Request, Any], Reply]


def slash(app: App, commands: CommandSet) -> Callable[[SlashFn], SlashFn]:
    """``fn(req, cmd)``; ``cmd`` is None when the text was empty (open a modal, or show help)."""

    def decorate(fn: SlashFn) -> SlashFn:
        def listener(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
            rt = runtime_of(context)
            text = body.get("text", "")
            reply, outbox, err = handle(
                rt,
                body,
                commands.slash,
                user_id=body["user_id"],
                channel_id=body.get("channel_id"),
                work=lambda req: fn(req, _parsed(req, commands, text)),
                reads=commands.reads_only(text),
            )
            if err is not None:
                _ephemeral(ack, error_message(err))
            elif reply is not None:
                _ephemeral(ack, reply)
            else:
                ack()
            rt.after_response(outbox)

        _add(app, "command", commands.slash, listener)
        return fn

    return decorate


def _parsed(req: Request, commands: CommandSet, text: str) -> Command | None:
    """The subcommand, named in the request metrics (``/incident list``) when the first word
    is one, whether or not the rest parses; any other word is never a label."""
    name = commands.named(text)
    if name is not None:
        req.kind.name = f"{commands.slash} {name}"
    return commands.parse(text, req.env)


ActionFn = Callable[[Request, str], Reply]


def action(
    app: App, action_id: str, *, reads_first: bool = False
) -> Callable[[ActionFn], ActionFn]:
    """``fn(req, value)`` for a button; its reply goes to the clicker as an ephemeral note.

    ``reads_first``: the click often only reads (a second tap on a decided request), so it is
    tried as a unit that only reads and run again as a transaction when it writes. Only for a
    listener that does nothing but database work before it writes (no modal, no Slack call).
    """

    def decorate(fn: ActionFn) -> ActionFn:
        def listener(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
            ack()
            rt = runtime_of(context)
            act = body["actions"][0]
            user_id = body["user"]["id"]
            channel_id = (body.get("channel") or {}).get("id")
            reply, outbox, err = handle(
                rt,
                body,
                action_id,
                user_id=user_id,
                channel_id=channel_id,
                work=lambda req: fn(req, act.get("value", "")),
                reads=reads_first,
            )
            if opened_from_home(body):
                outbox.after(_refresh_home(rt, user_id))
            _reply_privately(rt, outbox, user_id, channel_id, reply, err)

        _add(app, "action", action_id, listener)
        return fn

    return decorate


def _refresh_home(rt: Runtime, user_id: str) -> Callable[[Any], None]:
    """After an action taken from the Home tab (a click, or a form opened by one), show the
    person their Home as it is now (as the area that provides the Home builds it)."""

    def refresh(messenger: Any) -> None:
        home_view = rt.registry.home_view
        if home_view is None:
            return
        with unit.unit_of_work(rt, user_id) as ctx:
            view = home_view(ctx, user_id)
        messenger.publish_home(user_id, view)  # after the transaction: never hold it over Slack

    return refresh


def _reply_privately(
    rt: Runtime,
    outbox: Outbox,
    user_id: str,
    channel_id: str | None,
    reply: Reply,
    err: UserError | None,
) -> None:
    """Interactions have no reply body: the answer goes to the person after the response."""
    note = error_message(err) if err is not None else reply
    if note is not None:
        outbox.after(_note_to(user_id, channel_id, note))
    rt.after_response(outbox)


def _note_to(user_id: str, channel_id: str | None, note: Message) -> Callable[[Any], None]:
    if channel_id and not channel_id.startswith("D"):
        return lambda m: m.ephemeral(channel_id, user_id, note)
    return lambda m: m.dm(user_id, note)


SubmitFn = Callable[[Request, dict[str, str], str], Reply]


def view_values(view: dict[str, Any]) -> dict[str, str]:
    """Flatten state.values to {block_id: value} for text inputs and selects."""
    out: dict[str, str] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        for element in actions.values():
            if element.get("type") == "static_select":
                chosen = element.get("selected_option") or {}
                out[block_id] = chosen.get("value", "")
            elif element.get("type") == "users_select":
                out[block_id] = element.get("selected_user") or ""
            else:
                out[block_id] = element.get("value") or ""
    return out


def submission(app: App, callback_id: str) -> Callable[[SubmitFn], SubmitFn]:
    """``fn(req, values, private_metadata)``; a UserError with ``field`` marks that input.

    A form opened from the Home tab (``"home": true`` in its JSON private_metadata, which
    ``Request.open_modal`` adds for a Home click) republishes the submitter's Home afterwards.
    """

    def decorate(fn: SubmitFn) -> SubmitFn:
        def listener(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
            rt = runtime_of(context)
            view = body["view"]
            metadata = view.get("private_metadata") or ""
            meta = _json_or_empty(metadata)
            user_id = body["user"]["id"]
            channel_id = meta.get("channel_id")
            reply, outbox, err = handle(
                rt,
                body,
                callback_id,
                user_id=user_id,
                channel_id=channel_id,
                work=lambda req: fn(req, view_values(view), metadata),
            )
            if err is not None:
                ack(response_action="errors", errors=_field_errors(view, err))
                return
            ack()
            if reply is not None:
                outbox.after(_note_to(user_id, channel_id, reply))
            if meta.get(HOME_FLAG) is True:  # opened from the Home tab (see mark_from_home)
                outbox.after(_refresh_home(rt, user_id))
            rt.after_response(outbox)

        _add(app, "view", callback_id, listener)
        return fn

    return decorate


def _json_or_empty(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _field_errors(view: dict[str, Any], err: UserError) -> dict[str, str]:
    """Every invalid input at once, each under its own block; Slack refuses an error for a
    block the form does not have, so such a message goes under the first input instead."""
    inputs = [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]
    inputs = inputs or list(view.get("state", {}).get("values", {}))
    first = inputs[0] if inputs else "value"
    found = err.errors if isinstance(err, FieldErrors) else {err.field or first: err.message}
    errors: dict[str, str] = {}
    for field, message in found.items():
        block = field if field in inputs or not inputs else first
        # Slack shows at most 150 characters under an input.
        errors[block] = f"{errors[block]} {message}" if block in errors else message
    return {block: message[:150] for block, message in errors.items()}


ShortcutFn = Callable[[Request, dict[str, Any]], Reply]


def message_shortcut(app: App, callback_id: str) -> Callable[[ShortcutFn], ShortcutFn]:
    def decorate(fn: ShortcutFn) -> ShortcutFn:
        def listener(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
            ack()
            rt = runtime_of(context)
            user_id = body["user"]["id"]
            channel_id = (body.get("channel") or {}).get("id")
            reply, outbox, err = handle(
                rt,
                body,
                callback_id,
                user_id=user_id,
                channel_id=channel_id,
                work=lambda req: fn(req, body.get("message") or {}),
            )
            _reply_privately(rt, outbox, user_id, channel_id, reply, err)

        _add(app, "message_shortcut", callback_id, listener)
        return fn

    return decorate


EventFn = Callable[[Request, dict[str, Any]], Reply]


def event(app: App, event_type: str, **matchers: Any) -> Callable[[EventFn], EventFn]:
    """``fn(req, event)``; a reply goes in the thread of the message that triggered it, or
    straight into the conversation for a direct message."""

    def decorate(fn: EventFn) -> EventFn:
        @app.event(event_type, **matchers)
        def listener(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
            ack()
            rt = runtime_of(context)
            ev = body["event"]
            user_id = ev.get("user") or ""
            channel_id = ev.get("channel")
            if not user_id or ev.get("bot_id"):
                return
            reply, outbox, err = handle(
                rt,
                body,
                event_type,
                user_id=user_id,
                channel_id=channel_id,
                work=lambda req: fn(req, ev),
            )
            note = error_message(err) if err is not None else reply
            if note is not None and channel_id:
                # In a channel the answer goes in the asker's thread; a direct message is a
                # conversation, answered in it (in a thread only when asked in one).
                direct = ev.get("channel_type") == "im" or channel_id.startswith("D")
                thread = ev.get("thread_ts") or (None if direct else ev.get("ts"))
                outbox.after(lambda m: m.post(channel_id, note, thread_ts=thread))
            rt.after_response(outbox)

        return fn

    return decorate
