"""Messages of the swap handshake and of time off: the asking DM, answers, time off lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import blocks as b
from bot import ids
from bot.messenger import Message
from bot.mrkdwn import user, window
from bot.shifts.away import Cancelled, Planned
from bot.shifts.away import ref as away_ref
from bot.shifts.ids import Action
from storage.shift_changes import Away, SwapRequest, SwapStatus
from storage.shifts import ShiftOverride


def _shift(request: SwapRequest) -> str:
    return f"{ids.fmt('SHF', request.slot_id)} on *{request.rotation}*"


def _text(text: str) -> Message:
    return Message(text=text, blocks=[b.section(text)])


# --- swaps ----------------------------------------------------------------------------------


def swap_ask(request: SwapRequest, tz: ZoneInfo) -> Message:
    """The DM to the person asked, with Accept and Decline."""
    theirs = request.holder in (None, request.requester)
    had = "" if theirs else f" (now with {user(request.holder)})"
    text = (
        f":arrows_counterclockwise: {user(request.requester)} asks you to take {_shift(request)}"
        f"{had}, {window(request.starts_at, request.ends_at, tz)}."
    )
    value = str(request.id)
    return Message(
        text=text,
        blocks=[
            b.section(text),
            b.actions(
                b.button("Accept", Action.SWAP_ACCEPT, value, style="primary"),
                b.button("Decline", Action.SWAP_DECLINE, value),
            ),
            b.context("If nobody answers, the request expires when the shift ends."),
        ],
    )


def swap_closed(request: SwapRequest, override: ShiftOverride | None, tz: ZoneInfo) -> Message:
    """The asking DM once answered: what happened, no buttons."""
    match request.status:
        case SwapStatus.ACCEPTED:
            span = window(override.starts_at, override.ends_at, tz) if override else ""
            text = (
                f":white_check_mark: You accepted: you are on call for {_shift(request)}, {span}."
            )
        case SwapStatus.DECLINED:
            text = f"You declined {user(request.requester)}'s request to take {_shift(request)}."
        case SwapStatus.EXPIRED:
            text = f"{user(request.requester)}'s request for {_shift(request)} expired."
        case _:
            text = f"{user(request.requester)}'s request for {_shift(request)} was replaced."
    return _text(text)


def swap_outcome(request: SwapRequest, override: ShiftOverride | None, tz: ZoneInfo) -> Message:
    """What the requester hears of their request."""
    who = user(request.user_id)
    match request.status:
        case SwapStatus.ACCEPTED:
            span = window(override.starts_at, override.ends_at, tz) if override else ""
            text = f":white_check_mark: {who} accepted: they take {_shift(request)}, {span}."
        case SwapStatus.DECLINED:
            stays = f"; it stays with {user(request.holder)}" if request.holder else ""
            text = f":no_entry_sign: {who} declined to take {_shift(request)}{stays}."
        case SwapStatus.EXPIRED:
            text = (
                f":hourglass: {who} did not answer before {_shift(request)} ended; nothing changed."
            )
        case _:
            text = f"Your request to {who} for {_shift(request)} was replaced by a newer request."
    return _text(text)


def asked(request: SwapRequest, tz: ZoneInfo) -> Message:
    return _text(
        f":hourglass_flowing_sand: I asked {user(request.user_id)} to take {_shift(request)}, "
        f"{window(request.starts_at, request.ends_at, tz)}. It changes hands when they accept; "
        "the request expires when the shift ends."
    )


def answered(request: SwapRequest, override: ShiftOverride | None, tz: ZoneInfo) -> Message:
    """The ephemeral answer to the click."""
    if request.status == SwapStatus.EXPIRED:
        return _text("Too late: this swap request expired when the shift ended. Nothing changed.")
    if request.status == SwapStatus.DECLINED:
        return _text(f"Declined. {user(request.requester)} is told.")
    return swap_closed(request, override, tz)


def swapped_dm(override: ShiftOverride, role: str, tz: ZoneInfo) -> Message:
    """To the person who takes a shift by a swap, or loses it."""
    slot = ids.fmt("SHF", override.slot_id or 0)
    span = window(override.starts_at, override.ends_at, tz)
    by = user(override.created_by)
    if role == "takes":
        was = f" instead of {user(override.replaces)}" if override.replaces else ""
        text = (
            f":arrows_counterclockwise: You are on call for {slot} on *{override.rotation}*{was}, "
            f"{span} (swap by {by})."
        )
    else:
        text = (
            f":arrows_counterclockwise: {user(override.user_id)} takes your {slot} on "
            f"*{override.rotation}*, {span} (swap by {by}): you are off call then."
        )
    return _text(text)


def replaced_dm(old: ShiftOverride, new: ShiftOverride, tz: ZoneInfo) -> Message:
    return _text(
        f":warning: Your override on *{new.rotation}* ({window(old.starts_at, old.ends_at, tz)}) "
        f"is replaced by {user(new.user_id)}, {window(new.starts_at, new.ends_at, tz)} "
        f"(by {user(new.created_by)})."
    )


# --- time off -------------------------------------------------------------------------------


def _covers(overrides: Sequence[ShiftOverride], tz: ZoneInfo) -> list[str]:
    return [f"• {window(o.starts_at, o.ends_at, tz)} → {user(o.user_id)}" for o in overrides]


def _gaps(gaps: Sequence[tuple[datetime, datetime]], tz: ZoneInfo) -> list[str]:
    return [f"• {window(a, b_, tz)} → _nobody is free_" for a, b_ in gaps]


def away_recorded(planned: Planned, tz: ZoneInfo) -> Message:
    away = planned.away
    lines = [
        f":calendar: Time off {away_ref(away.id)}: {user(away.user_id)} is away "
        f"{window(away.starts_at, away.ends_at, tz)}."
    ]
    if planned.covered:
        lines.append("Their shifts go to:")
        lines += _covers(planned.covered, tz)
    gaps = [(a, b_) for _, a, b_ in planned.uncovered]
    if gaps:
        lines.append(":warning: Nobody else is free for:")
        lines += _gaps(gaps, tz)
        lines.append("The rotation's channel and the admins are told.")
    if not planned.covered and not gaps:
        lines.append("They have no shift in that window, so nothing changes hands.")
    return _text("\n".join(lines))


def away_planned(
    away: Away,
    rotation: str,
    covered: Sequence[ShiftOverride],
    gaps: Sequence[tuple[datetime, datetime]],
    tz: ZoneInfo,
) -> Message:
    """The rotation channel's (and, with gaps, the admins') news of a time off."""
    lines = [
        f":calendar: *{rotation}*: {user(away.user_id)} is away "
        f"{window(away.starts_at, away.ends_at, tz)} ({away_ref(away.id)})."
    ]
    if covered:
        lines.append("Their shifts go to:")
        lines += _covers(covered, tz)
    if gaps:
        lines.append(
            f":warning: Nobody is free to cover these; {user(away.user_id)} stays on call "
            "unless someone takes them (`/shift add`):"
        )
        lines += _gaps(gaps, tz)
    return _text("\n".join(lines))


def away_cover_dm(
    away: Away, rotation: str, mine: Sequence[ShiftOverride], tz: ZoneInfo
) -> Message:
    lines = [f":calendar: You cover {user(away.user_id)}'s time off on *{rotation}*:"]
    return _text("\n".join(lines + [f"• {window(o.starts_at, o.ends_at, tz)}" for o in mine]))


def away_cancelled(
    user_id: str,
    away_id: int,
    rotation: str,
    undone: Sequence[tuple[str, datetime, datetime]],
    tz: ZoneInfo,
) -> Message:
    lines = [
        f":arrows_counterclockwise: *{rotation}*: {user(user_id)}'s time off {away_ref(away_id)} "
        "is cancelled; these shifts go back to them:"
    ]
    lines += [f"• {window(a, b_, tz)} (was {user(sub)})" for sub, a, b_ in undone]
    return _text("\n".join(lines))


def away_uncover_dm(
    user_id: str,
    away_id: int,
    rotation: str,
    mine: Sequence[tuple[datetime, datetime]],
    tz: ZoneInfo,
) -> Message:
    lines = [
        f"{user(user_id)}'s time off {away_ref(away_id)} is cancelled: you no longer cover "
        f"on *{rotation}*:"
    ]
    return _text("\n".join(lines + [f"• {window(a, b_, tz)}" for a, b_ in mine]))


def away_cancel_reply(done: Cancelled, tz: ZoneInfo) -> Message:
    ref = away_ref(done.away.id)
    lines = [f"Time off {ref} is cancelled."]
    if done.undone:
        lines.append("These shifts go back to the rotation (their substitutes are told):")
        lines += [
            f"• {window(o.starts_at, o.ends_at, tz)} (was {user(o.user_id)})" for o in done.undone
        ]
    if done.kept:
        lines.append("Already under way, so kept (swap back with `/shift swap` if you like):")
        lines += _covers(done.kept, tz)
    if not done.undone and not done.kept:
        lines.append("No shift had changed hands for it.")
    return _text("\n".join(lines))


def away_list(rows: Sequence[Away], now: datetime, tz: ZoneInfo, *, everyone: bool) -> Message:
    if not rows:
        text = (
            "Nobody has time off planned."
            if everyone
            else "You have no time off planned. Add some with `/shift away next week`."
        )
        return _text(text)
    title = "Time off, everyone's" if everyone else "Your time off"
    lines = []
    for a in rows:
        state = "now" if a.starts_at <= now else "upcoming"
        lines.append(
            f"`{away_ref(a.id)}` {user(a.user_id)} {window(a.starts_at, a.ends_at, tz)} · {state}"
        )
    blocks = [
        b.header(title),
        *b.sections(lines),
        b.context("Cancel one with `/shift away cancel AWY-n`."),
    ]
    return Message(text="\n".join([f"{title}:", *lines]), blocks=b.fit(blocks))
