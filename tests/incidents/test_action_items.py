"""Incident follow-ups (action items): recorded, listed, on the owner's Home and in digests until
done; marked done by the owner, the commander or an admin, once; every user error answered."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.clock import Clock
from bot.commands import ParseEnv
from bot.digests.assemble import build_digest, build_home
from bot.errors import Conflict, Forbidden, NotFound, UserError
from bot.incidents import followups, service
from bot.incidents.commands import COMMANDS
from bot.incidents.followup_commands import Followup
from bot.tz import zone
from storage.audit import AuditEvent
from storage.incidents import IncidentEvent


def _incident(unit, title: str = "Checkout down") -> int:
    with unit("U_CAROL") as ctx:
        return service.raise_incident(ctx, title, "sev3", channel_id="C_GENERAL").incident.id


def _parse(text: str, clock: Clock) -> Followup:
    parsed = COMMANDS.parse(text, ParseEnv(clock.now(), zone("UTC")))
    assert isinstance(parsed, Followup)
    return parsed


def test_the_command_reads_an_owner_at_the_end_and_done_with_a_number(clock: Clock) -> None:
    added = _parse("followup INC-7 Alert on the error rate <@U_BOB|bob>", clock)
    assert (added.done, added.id, added.text, added.owner) == (
        False,
        7,
        "Alert on the error rate",
        "U_BOB",
    )
    assert _parse("followup 7 Write the runbook", clock).owner is None
    done = _parse("followup done FUP-3", clock)
    assert (done.done, done.id) == (True, 3)
    assert _parse("followup done #3", clock).id == 3


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("followup", "Say which incident"),
        ("followup 7", "Say what needs doing"),
        ("followup 7 <@U_BOB|bob>", "Say what needs doing"),
        ("followup seven Fix it", "is not an incident id"),
        ("followup done", "Say which follow-up is done"),
        ("followup done 3 4", "Say which follow-up is done"),
        ("followup done INC-3", "is not a follow-up id"),
        ("followups everything", "is not a valid scope"),
        ("postmortem", "`id` is missing"),
    ],
)
def test_malformed_commands_are_answered_with_the_usage(clock: Clock, text: str, says: str) -> None:
    with pytest.raises(UserError) as caught:
        COMMANDS.parse(text, ParseEnv(clock.now(), zone("UTC")))
    assert says in caught.value.message and "Usage:" in caught.value.message


def test_recorded_numbered_globally_on_the_timeline_and_audited(unit, sessions) -> None:
    first, second = _incident(unit), _incident(unit, "Search slow")
    with unit("U_ALICE") as ctx:
        a = followups.record(ctx, first, "Alert on the error rate", "U_BOB")
        b = followups.record(ctx, second, "Write the search runbook")
    assert (a.id, b.id) == (1, 2)
    assert (a.owner, b.owner) == ("U_BOB", "U_ALICE"), "no @owner: whoever recorded it"
    with sessions() as session:
        kinds = [e.kind for e in session.query(IncidentEvent).filter_by(incident_id=first)]
        assert kinds == ["raised", "followup"]
        audited = session.query(AuditEvent).filter_by(entity="incident_followup").all()
        assert [(e.entity_id, e.action) for e in audited] == [(1, "recorded"), (2, "recorded")]


def test_user_errors_when_recording_and_marking_done(unit) -> None:
    incident_id = _incident(unit)
    with pytest.raises(NotFound, match="There is no incident INC-99"), unit() as ctx:
        followups.record(ctx, 99, "Anything")
    with pytest.raises(UserError, match="Say what needs doing"), unit() as ctx:
        followups.record(ctx, incident_id, "   ")
    with pytest.raises(UserError, match="under 500 characters"), unit() as ctx:
        followups.record(ctx, incident_id, "x" * 501)
    with pytest.raises(NotFound, match="There is no follow-up FUP-5"), unit() as ctx:
        followups.mark_done(ctx, 5)
    with unit("U_CAROL") as ctx:
        item = followups.record(ctx, incident_id, "Alert on the error rate", "U_BOB")
    with pytest.raises(Forbidden, match="owner <@U_BOB>"), unit("U_DAVE") as ctx:
        followups.mark_done(ctx, item.id)
    with unit("U_BOB") as ctx:
        followups.mark_done(ctx, item.id)
    with pytest.raises(Conflict, match=r"FUP-1 is already done \(by <@U_BOB>\)"), unit() as ctx:
        followups.mark_done(ctx, item.id)


@pytest.mark.parametrize("who", ["U_BOB", "U_DAVE", "U_ALICE"])  # owner, commander, admin
def test_owner_commander_or_admin_may_mark_it_done(unit, sessions, who: str) -> None:
    incident_id = _incident(unit)
    with unit("U_DAVE") as ctx:
        service.acknowledge(ctx, incident_id)  # U_DAVE commands it
    with unit("U_CAROL") as ctx:
        item = followups.record(ctx, incident_id, "Alert on the error rate", "U_BOB")
    with unit(who) as ctx:
        done = followups.mark_done(ctx, item.id)
        assert (done.status, done.done_by) == ("done", who)
    with sessions() as session:
        audited = session.query(AuditEvent).filter_by(entity="incident_followup", action="done")
        assert [(e.actor, e.entity_id) for e in audited] == [(who, item.id)]


def test_listed_in_show_and_by_followups_mine(unit, clock: Clock) -> None:
    from bot.incidents import followup_render

    incident_id = _incident(unit)
    with unit("U_CAROL") as ctx:
        followups.record(ctx, incident_id, "Alert on the error rate", "U_BOB")
        followups.record(ctx, incident_id, "Fix the deploy script", "U_CAROL")
    with unit("U_BOB") as ctx:
        followups.mark_done(ctx, 1)
        items, total = followups.listing(ctx, mine=True)
        assert total == 0 and followup_render.listing(items, total, ctx.tz, mine=True).text == (
            "You have no open follow-ups. :tada:"
        )
        items, total = followups.listing(ctx, mine=False)
        assert [i.id for i in items] == [2] and total == 1
        shown = followup_render.with_followups(
            service_detail(ctx, incident_id), followups.of_incident(ctx, incident_id), ctx.tz
        )
    body = json.dumps(shown.blocks)
    assert "Follow-ups" in body and "FUP-1" in body and "FUP-2" in body
    assert "done" in body and "<@U_BOB>" in body


def service_detail(ctx, incident_id: int):
    from bot.incidents import render

    incident, events, total = service.with_timeline(ctx, incident_id)
    return render.detail(incident, events, total, ctx.tz)


def test_on_the_owners_home_until_done(unit) -> None:
    incident_id = _incident(unit)
    with unit("U_CAROL") as ctx:
        for n in range(12):
            followups.record(ctx, incident_id, f"Action {n}", "U_BOB")
    with unit("U_BOB") as ctx:
        home = json.dumps(build_home(ctx, "U_BOB"))
        assert "Your follow-ups" in home and "FUP-1" in home and "FUP-10" in home
        assert "FUP-11" not in home and "+2 more" in home
        for n in range(1, 13):
            followups.mark_done(ctx, n)
        assert "Your follow-ups" not in json.dumps(build_home(ctx, "U_BOB"))
    with unit("U_CAROL") as ctx:
        assert "Your follow-ups" not in json.dumps(build_home(ctx, "U_CAROL")), "Bob's, not hers"


def test_in_digests_until_done_with_more_when_capped(unit, clock: Clock) -> None:
    incident_id = _incident(unit)
    with unit("U_CAROL") as ctx:
        service.resolve(ctx, incident_id)  # a follow-up outlives its incident
        for n in range(7):
            followups.record(ctx, incident_id, f"Action {n}", "U_BOB")
    tz = zone("Europe/Berlin")
    with unit() as ctx:
        since = ctx.now - timedelta(days=1)
        digest = build_digest(ctx, since=since, tz=tz, title="Daily digest", quiet=True)
    assert digest is not None
    body = json.dumps(digest.blocks)
    assert "Open follow-ups* (7)" in body and "Action 0" in body
    assert "+2 more" in body and "/incident followups" in body
    with unit("U_BOB") as ctx:
        for n in range(1, 8):
            followups.mark_done(ctx, n)
    with unit() as ctx:
        later = build_digest(ctx, since=ctx.now, tz=tz, title="Daily digest", quiet=False)
    assert later is not None and "Open follow-ups" not in json.dumps(later.blocks)
