"""What every listener shares: a unit of work per request and the one error path.

A listener is written as ``fn(req, ...) -> Message | None``: it parses, calls a service and
renders. The wrappers here open the session, resolve who is acting (time zone, admin), commit,
answer Slack, and hand what must be said afterwards to the runtime. A ``UserError`` becomes a
friendly ephemeral reply (or modal field errors); anything else is logged with a request id and
the user gets a one-line apology with that id, never a trace.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.commands import CommandSet, ParseEnv, UsageError
from bot.context import Actor, Ctx, Outbox
from bot.errors import UserError
from bot.messenger import Message
from bot.render.text import escape
from bot.runtime import Runtime
from bot.users import time_zone

log = logging.getLogger(__name__)

Reply = Message | None


@dataclass
class Request:
    """One Slack interaction, as a listener sees it."""

    ctx: Ctx
    runtime: Runtime
    user_id: str
    channel_id: str | None
    trigger_id: str | None
    body: dict[str, Any]

    @property
    def env(self) -> ParseEnv:
        return ParseEnv(self.ctx.now, self.ctx.tz)

    def open_modal(self, view: dict[str, Any]) -> None:
        # views.open must use the trigger within 3 seconds, so it cannot wait for the response.
        if not self.trigger_id:
            raise UserError("I can only open a form from a command or a button.")
        self.runtime.messenger.open_modal(self.trigger_id, view)

    def tell(self, message: Message, *, user_id: str | None = None) -> None:
        """An ephemeral note (DM when there is no channel), sent after the response."""
        channel, user = self.channel_id, user_id or self.user_id
        if channel and not channel.startswith("D") and user == self.user_id:
            self.ctx.outbox.after(lambda m: m.ephemeral(channel, user, message))
        else:
            self.ctx.outbox.after(lambda m: m.dm(user, message))

    def refresh_home(self, render: Callable[[Runtime, str], dict[str, Any]]) -> None:
        user, rt = self.user_id, self.runtime
        self.ctx.outbox.after(lambda m: m.publish_home(user, render(rt, user)))


def runtime_of(context: BoltContext) -> Runtime:
    return context["opsdesk"]


def _run(
    rt: Runtime,
    body: dict[str, Any],
    *,
    user_id: str,
    channel_id: str | None,
    trigger_id: str | None,
    work: Callable[[Request], Reply],
) -> tuple[Reply, Outbox]:
    """One unit of work: commits when ``work`` returns, rolls back on any exception."""
    now = rt.clock.now()
    with rt.sessions() as session:
        try:
            tz = time_zone(session, rt.messenger, user_id, now=now, default=rt.config.timezone)
            actor = Actor(user_id, tz, is_admin=rt.config.is_admin(user_id))
            ctx = Ctx(session=session, now=now, config=rt.config, actor=actor)
            req = Request(ctx, rt, user_id, channel_id, trigger_id, body)
            reply = work(req)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return reply, ctx.outbox


def error_message(exc: UserError) -> Message:
    text = exc.message if isinstance(exc, UsageError) else f":warning: {exc.message}"
    if exc.example:
        text += f"\nExample: `{escape(exc.example)}`"
    return Message(text=text)


def apology(request_id: str) -> Message:
    return Message(
        text=(
            ":face_with_head_bandage: Something went wrong on my side and nothing was changed. "
            f"If it happens again, give your admin this reference: `{request_id}`."
        )
    )


def _guarded(
    rt: Runtime, what: str, work: Callable[[], tuple[Reply, Outbox]]
) -> tuple[Reply, Outbox, UserError | None]:
    try:
        reply, outbox = work()
        return reply, outbox, None
    except UserError as exc:
        return None, Outbox(), exc
    except Exception:
        request_id = uuid.uuid4().hex[:8]
        log.exception("%s failed (request %s)", what, request_id)
        return apology(request_id), Outbox(), None


def _handle(
    rt: Runtime,
    body: dict[str, Any],
    what: str,
    *,
    user_id: str,
    channel_id: str | None,
    work: Callable[[Request], Reply],
) -> tuple[Reply, Outbox, UserError | None]:
    """The one error path around one unit of work (see the module docstring)."""
    return _guarded(
        rt,
        what,
        lambda: _run(
            rt,
            body,
            user_id=user_id,
            channel_id=channel_id,
            trigger_id=body.get("trigger_id"),
            work=work,
        ),
    )


def _ephemeral(ack: Ack, message: Message) -> None:
    ack(text=message.text, blocks=message.blocks, response_type="ephemeral")


# --- listener decorators ------------------------------------------------------------------------


SlashFn = Callable[[Request, Any], Reply]


def slash(app: App, commands: CommandSet) -> Callable[[SlashFn], SlashFn]:
    """``fn(req, cmd)``; ``cmd`` is None when the text was empty (open a modal, or show help)."""

    def decorate(fn: SlashFn) -> SlashFn:
        @app.command(commands.slash)
        def listener(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
            rt = runtime_of(context)
            reply, outbox, err = _handle(
                rt,
                body,
                commands.slash,
                user_id=body["user_id"],
                channel_id=body.get("channel_id"),
                work=lambda req: fn(req, commands.parse(body.get("text", ""), req.env)),
            )
            if err is not None:
                _ephemeral(ack, error_message(err))
            elif reply is not None:
                _ephemeral(ack, reply)
            else:
                ack()
            rt.after_response(outbox)

        return fn

    return decorate


ActionFn = Callable[[Request, str], Reply]


def action(app: App, action_id: str) -> Callable[[ActionFn], ActionFn]:
    """``fn(req, value)`` for a button; its reply goes to the clicker as an ephemeral note."""

    def decorate(fn: ActionFn) -> ActionFn:
        @app.action(action_id)
        def listener(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
            ack()
            rt = runtime_of(context)
            act = body["actions"][0]
            user_id = body["user"]["id"]
            channel_id = (body.get("channel") or {}).get("id")
            reply, outbox, err = _handle(
                rt,
                body,
                action_id,
                user_id=user_id,
                channel_id=channel_id,
                work=lambda req: fn(req, act.get("value", "")),
            )
            if _from_home(body):
                outbox.after(_refresh_home(rt, user_id))
            _reply_privately(rt, outbox, user_id, channel_id, reply, err)

        return fn

    return decorate


def _from_home(body: dict[str, Any]) -> bool:
    container = body.get("container") or {}
    view = body.get("view") or {}
    return container.get("type") == "view" and view.get("type") == "home"


def _refresh_home(rt: Runtime, user_id: str) -> Callable[[Any], None]:
    """After an action taken from the Home tab, show the person their Home as it is now."""

    def refresh(messenger: Any) -> None:
        from bot.digests.home import render_home  # the Home is assembled by the digests area

        messenger.publish_home(user_id, render_home(rt, user_id))

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
            else:
                out[block_id] = element.get("value") or ""
    return out


def submission(app: App, callback_id: str) -> Callable[[SubmitFn], SubmitFn]:
    """``fn(req, values, private_metadata)``; a UserError with ``field`` marks that input."""

    def decorate(fn: SubmitFn) -> SubmitFn:
        @app.view(callback_id)
        def listener(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
            rt = runtime_of(context)
            view = body["view"]
            metadata = view.get("private_metadata") or ""
            meta = _json_or_empty(metadata)
            user_id = body["user"]["id"]
            channel_id = meta.get("channel_id")
            reply, outbox, err = _handle(
                rt,
                body,
                callback_id,
                user_id=user_id,
                channel_id=channel_id,
                work=lambda req: fn(req, view_values(view), metadata),
            )
            if err is not None:
                field = err.field or _first_input(view)
                ack(response_action="errors", errors={field: err.message[:150]})
                return
            ack()
            if reply is not None:
                outbox.after(_note_to(user_id, channel_id, reply))
            rt.after_response(outbox)

        return fn

    return decorate


def _json_or_empty(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _first_input(view: dict[str, Any]) -> str:
    return next(
        (b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"), "value"
    )


ShortcutFn = Callable[[Request, dict[str, Any]], Reply]


def message_shortcut(app: App, callback_id: str) -> Callable[[ShortcutFn], ShortcutFn]:
    def decorate(fn: ShortcutFn) -> ShortcutFn:
        @app.message_shortcut(callback_id)
        def listener(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
            ack()
            rt = runtime_of(context)
            user_id = body["user"]["id"]
            channel_id = (body.get("channel") or {}).get("id")
            reply, outbox, err = _handle(
                rt,
                body,
                callback_id,
                user_id=user_id,
                channel_id=channel_id,
                work=lambda req: fn(req, body.get("message") or {}),
            )
            _reply_privately(rt, outbox, user_id, channel_id, reply, err)

        return fn

    return decorate


EventFn = Callable[[Request, dict[str, Any]], Reply]


def event(app: App, event_type: str, **matchers: Any) -> Callable[[EventFn], EventFn]:
    """``fn(req, event)``; a reply is posted in the thread of the message that triggered it."""

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
            reply, outbox, err = _handle(
                rt,
                body,
                event_type,
                user_id=user_id,
                channel_id=channel_id,
                work=lambda req: fn(req, ev),
            )
            note = error_message(err) if err is not None else reply
            if note is not None and channel_id:
                thread = ev.get("thread_ts") or ev.get("ts")
                outbox.after(lambda m: m.post(channel_id, note, thread_ts=thread))
            rt.after_response(outbox)

        return fn

    return decorate
