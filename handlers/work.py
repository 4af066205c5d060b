"""One unit of work per Slack request, and the one error path around it.

``run_guarded`` opens the session, resolves who is acting (time zone, admin), runs the
listener's work, commits or rolls back, and turns a ``UserError`` into a friendly answer and
anything else into a logged failure with a short apology carrying a request id, never a trace.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import BoltContext
from sqlalchemy.orm import Session

from bot import ids, metrics, unit
from bot.commands import ParseEnv, UsageError
from bot.context import Ctx, Outbox
from bot.errors import NotFound, UserError
from bot.messenger import Message
from bot.mrkdwn import escape
from bot.quietlog import OncePerMinute
from bot.runtime import Runtime
from bot.users import introduce

log = logging.getLogger(__name__)

Reply = Message | None


@dataclass
class Kind:
    """What ``opsdesk_requests_total`` calls a request: a name the code declares (a slash
    command and its subcommand, an action id, a callback id, an event type), never user text."""

    name: str


# Slack's payload types, as the request metrics name them.
_KINDS = {
    "block_actions": "action",
    "view_submission": "view",
    "view_closed": "view",
    "message_action": "shortcut",
    "shortcut": "shortcut",
    "event_callback": "event",
}


def kind_of(body: dict[str, Any], what: str) -> Kind:
    """``/incident`` for a slash command, else ``action:incident_ack``, ``event:app_mention``..."""
    if body.get("command"):
        return Kind(what)
    return Kind(f"{_KINDS.get(str(body.get('type')), 'other')}:{what}")


@dataclass
class Request:
    """One Slack interaction, as a listener sees it."""

    ctx: Ctx
    runtime: Runtime
    user_id: str
    channel_id: str | None
    trigger_id: str | None
    body: dict[str, Any]
    # A slash command's listener names the subcommand it parsed (``/incident list``).
    kind: Kind = field(default_factory=lambda: Kind("unknown"))
    # Run as a unit that only reads (``_run``): anything else makes it run again as a transaction.
    reading: bool = False

    @property
    def env(self) -> ParseEnv:
        return ParseEnv(self.ctx.now, self.ctx.tz, self.ctx.config.time.tonight)

    @property
    def from_home(self) -> bool:
        """True for a click on the App Home tab."""
        return opened_from_home(self.body)

    def open_modal(self, view: dict[str, Any]) -> None:
        # views.open must use the trigger within 3 seconds, so it cannot wait for the response.
        if not self.trigger_id:
            raise UserError("I can only open a form from a command or a button.")
        if self.reading:  # a trigger opens one modal: open it in the run that will stand
            raise unit.WriteNeeded("opens a modal")
        if self.from_home:  # its submission then republishes the submitter's Home
            view = mark_from_home(view)
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


def button_id(value: str, noun: str) -> int:
    """The id a button carries; a value that is not one (an old or forged button) is refused."""
    try:
        number = int(value)
    except ValueError:
        raise UserError(f"That button no longer points at {noun}.") from None
    if not 0 < number <= ids.MAX_ID:  # nothing has that id; the database would refuse it
        raise NotFound(f"That button no longer points at {noun}.")
    return number


HOME_FLAG = "home"  # in a modal's JSON private_metadata: it was opened from the Home tab


def opened_from_home(body: dict[str, Any]) -> bool:
    container = body.get("container") or {}
    view = body.get("view") or {}
    return container.get("type") == "view" and view.get("type") == "home"


def mark_from_home(view: dict[str, Any]) -> dict[str, Any]:
    """The modal with ``"home": true`` added to its private_metadata (a JSON object, or empty),
    so that submitting it republishes the submitter's Home (see ``kit.submission``).

    ``Request.open_modal`` does this for modals opened by a Home click; call it yourself only
    for a modal opened some other way on behalf of the Home tab. Metadata that is not a JSON
    object, or that would grow past Slack's 3,000 characters, is left as it is.
    """
    raw = view.get("private_metadata") or ""
    try:
        meta = json.loads(raw) if raw else {}
    except ValueError:
        return view
    if not isinstance(meta, dict):
        return view
    marked = json.dumps({**meta, HOME_FLAG: True})
    return {**view, "private_metadata": marked} if len(marked) <= 3000 else view


def runtime_of(context: BoltContext) -> Runtime:
    return context["opsdesk"]


def event_id_of(body: dict[str, Any]) -> str | None:
    """The id Slack gives an Events API delivery (the same on each of its retries)."""
    if body.get("type") != "event_callback":
        return None
    event_id = body.get("event_id")
    return event_id if isinstance(event_id, str) and event_id else None


def _run(
    rt: Runtime,
    body: dict[str, Any],
    *,
    user_id: str,
    channel_id: str | None,
    trigger_id: str | None,
    work: Callable[[Request], Reply],
    kind: Kind,
    reads: bool = False,
) -> tuple[Reply, Outbox]:
    """One unit of work: commits when ``work`` returns, rolls back on any exception.

    An event is marked handled in the same transaction as its effect, so a delivery that dies
    half-way leaves no mark and Slack's retry does the work; a retry of one that committed, or a
    second delivery racing the first, finds the mark and does nothing.

    With ``reads``, ``work`` first runs as a unit that only reads (``unit.reading``: no
    transaction, no ping, one more try on a lost connection); should it try to write, it runs
    again from the start as a transaction.
    """
    now = rt.clock.now()
    event_id = event_id_of(body)
    with unit.request_deadline(rt):
        # Before the transaction: a first contact may ask Slack (briefly) for their zone.
        met = introduce(rt.sessions, rt.messenger, rt.lookups, user_id)

        def attempt(session: Session, reading: bool = False) -> tuple[Reply, Outbox]:
            ctx = unit.acting(rt, session, user_id, now, met=met)
            req = Request(ctx, rt, user_id, channel_id, trigger_id, body, kind, reading)
            return work(req), ctx.outbox

        if reads and event_id is None:
            done = unit.reading(rt, lambda session: attempt(session, reading=True))
            if not isinstance(done, unit.WriteNeeded):
                return done
            log.debug("%s wants to write (%s); running it as a transaction", kind.name, done)
        with rt.sessions() as session:
            try:
                if event_id is not None and not unit.first_delivery(session, event_id, now):
                    session.rollback()
                    log.info("event %s already handled; ignoring Slack's retry", event_id)
                    return None, Outbox()
                if event_id is not None:
                    reply, outbox = unit.acted_on_once(session, lambda: attempt(session))
                else:
                    reply, outbox = attempt(session)
                session.commit()
            except BaseException:
                session.rollback()
                raise
    return reply, outbox


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


def outage_apology() -> Message:
    return Message(
        text=(
            ":hourglass: My database is not answering right now, so nothing was changed. "
            "Please try again in a minute."
        )
    )


outages = OncePerMinute(log)


def _first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    text = str(cause).strip()
    return text.splitlines()[0][:200] if text else type(cause).__name__


def _guarded(
    rt: Runtime, what: str, work: Callable[[], tuple[Reply, Outbox]]
) -> tuple[Reply, Outbox, UserError | None, str]:
    """The answer, and the outcome the request metrics count: ok, user_error or error."""
    try:
        reply, outbox = work()
        return reply, outbox, None, metrics.OK
    except UserError as exc:
        return None, Outbox(), exc, metrics.USER_ERROR
    except Exception as exc:
        if unit.is_outage(exc):
            outages.warning(f"database unavailable; answering with an apology: {_first_line(exc)}")
            return outage_apology(), Outbox(), None, metrics.ERROR
        request_id = uuid.uuid4().hex[:8]
        log.exception("%s failed (request %s)", what, request_id)
        return apology(request_id), Outbox(), None, metrics.ERROR


def handle(
    rt: Runtime,
    body: dict[str, Any],
    what: str,
    *,
    user_id: str,
    channel_id: str | None,
    work: Callable[[Request], Reply],
    reads: bool = False,
) -> tuple[Reply, Outbox, UserError | None]:
    """The one error path around one unit of work (see the module docstring), counted and
    timed in ``opsdesk_requests_total`` and ``opsdesk_request_seconds``. ``reads``: try it
    as a unit that only reads first (see ``_run``)."""
    kind = kind_of(body, what)
    started = time.perf_counter()
    reply, outbox, err, outcome = _guarded(
        rt,
        what,
        lambda: _run(
            rt,
            body,
            user_id=user_id,
            channel_id=channel_id,
            trigger_id=body.get("trigger_id"),
            work=work,
            kind=kind,
            reads=reads,
        ),
    )
    metrics.request_done(kind.name, outcome, time.perf_counter() - started)
    return reply, outbox, err
