"""State machines: one transition table per status column, enforced by compare_and_set."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.incidents import service as incidents
from storage.incident_followups import FollowupStatus, IncidentFollowup
from storage.incidents import Incident, IncidentStatus
from storage.maintenance import MaintenanceWindow, WindowStatus
from storage.migrate import load_all_models
from storage.models import Notice, NoticeStatus
from storage.purchases import PurchaseRequest, PurchaseStatus
from storage.resources import Booking, BookingStatus, WaitEntry, WaitStatus
from storage.shift_changes import Away, AwayStatus, SwapRequest, SwapStatus
from storage.transitions import (
    IllegalTransition,
    compare_and_return,
    compare_and_set,
    machine_of,
    move,
    update_if,
)

MACHINES = [
    Incident,
    IncidentFollowup,
    PurchaseRequest,
    Booking,
    WaitEntry,
    MaintenanceWindow,
    Notice,
    SwapRequest,
    Away,
]


def test_every_table_with_a_status_declares_its_machine() -> None:
    by_table = {m.__tablename__: m for m in MACHINES}
    with_status = {t.name for t in load_all_models().sorted_tables if "status" in t.c}
    assert with_status == set(by_table)
    for name in with_status:
        model = by_table[name]
        default = model.__table__.c.status.default.arg
        assert default in machine_of(model).states, name


@pytest.mark.parametrize(
    ("model", "source", "target", "allowed"),
    [
        (Incident, IncidentStatus.OPEN, IncidentStatus.ACKNOWLEDGED, True),
        (Incident, IncidentStatus.RESOLVED, IncidentStatus.OPEN, True),
        (Incident, IncidentStatus.RESOLVED, IncidentStatus.ACKNOWLEDGED, False),
        (Incident, IncidentStatus.ACKNOWLEDGED, IncidentStatus.OPEN, False),
        (IncidentFollowup, FollowupStatus.OPEN, FollowupStatus.DONE, True),
        (IncidentFollowup, FollowupStatus.DONE, FollowupStatus.OPEN, False),
        (PurchaseRequest, PurchaseStatus.PENDING, PurchaseStatus.EXPIRED, True),
        (PurchaseRequest, PurchaseStatus.APPROVED, PurchaseStatus.REJECTED, False),
        (Booking, BookingStatus.ACTIVE, BookingStatus.ENDED, True),
        (Booking, BookingStatus.RELEASED, BookingStatus.ACTIVE, False),
        (WaitEntry, WaitStatus.WAITING, WaitStatus.BOOKED, True),
        (WaitEntry, WaitStatus.EXPIRED, WaitStatus.BOOKED, False),
        (MaintenanceWindow, WindowStatus.SCHEDULED, WindowStatus.DONE, True),
        (MaintenanceWindow, WindowStatus.DONE, WindowStatus.CANCELLED, False),
        (Notice, NoticeStatus.SENDING, NoticeStatus.PENDING, True),
        (SwapRequest, SwapStatus.PENDING, SwapStatus.ACCEPTED, True),
        (SwapRequest, SwapStatus.DECLINED, SwapStatus.ACCEPTED, False),
        (Away, AwayStatus.ACTIVE, AwayStatus.CANCELLED, True),
        (Away, AwayStatus.CANCELLED, AwayStatus.ACTIVE, False),
        (Notice, NoticeStatus.SENT, NoticeStatus.PENDING, False),
        (Notice, NoticeStatus.PENDING, NoticeStatus.SENT, False),
    ],
)
def test_the_tables_allow_only_their_transitions(model, source, target, allowed) -> None:
    assert machine_of(model).allows(source, target) is allowed
    # Database values are plain strings: they are read the same way.
    assert machine_of(model).allows(str(source.value), str(target.value)) is allowed


def _incident(unit) -> int:
    with unit() as ctx:
        return incidents.raise_incident(ctx, "Checkout is down", "sev2").incident.id


def test_compare_and_set_refuses_a_transition_the_table_does_not_allow(unit) -> None:
    incident_id = _incident(unit)
    with unit() as ctx:
        with pytest.raises(IllegalTransition, match="resolved -> acknowledged"):
            compare_and_set(
                ctx.session,
                Incident,
                incident_id,
                expected={"open", "resolved"},
                values={"status": "acknowledged"},
            )
        with pytest.raises(IllegalTransition, match="unknown status opened"):
            compare_and_set(
                ctx.session, Incident, incident_id, expected={"opened"}, values={"commander": "U"}
            )
    with unit() as ctx:
        assert ctx.session.get(Incident, incident_id).status == "open"


def test_compare_and_set_lets_one_of_two_moves_win(unit) -> None:
    incident_id = _incident(unit)
    with unit() as ctx:
        values = {"status": IncidentStatus.ACKNOWLEDGED}
        expected = {IncidentStatus.OPEN}
        assert compare_and_set(ctx.session, Incident, incident_id, expected=expected, values=values)
        assert not compare_and_set(
            ctx.session, Incident, incident_id, expected=expected, values=values
        )
    with unit() as ctx:
        assert ctx.session.get(Incident, incident_id).status == "acknowledged"


def test_a_model_without_a_machine_is_refused(unit) -> None:
    from storage.models import AuditEvent

    with unit() as ctx, pytest.raises(TypeError, match="AuditEvent declares no state machine"):
        compare_and_set(ctx.session, AuditEvent, 1, expected={"x"}, values={"action": "y"})


def test_move_checks_the_row_s_current_status(unit) -> None:
    incident_id = _incident(unit)
    with unit() as ctx:
        incident = ctx.session.get(Incident, incident_id)
        with pytest.raises(IllegalTransition):
            move(incident, IncidentStatus.OPEN)  # open -> open is no transition
        move(incident, IncidentStatus.RESOLVED)
        assert incident.status == "resolved"


def test_update_if_refreshes_a_loaded_row_on_loss_only_when_asked(
    sessions: sessionmaker[Session], unit
) -> None:
    incident_id = _incident(unit)
    session = sessions()
    try:
        loaded = session.get(Incident, incident_id)
        assert loaded is not None
        session.commit()  # the row stays loaded, as in a request that read it a moment ago
        with unit() as ctx:
            incidents.acknowledge(ctx, incident_id)
        still_open = Incident.status == "open"
        assert not update_if(session, Incident, incident_id, still_open, values={"title": "x"})
        assert loaded.status == "open"  # stale: nobody asked for a refresh
        assert not update_if(
            session, Incident, incident_id, still_open, values={"title": "x"}, refresh_on_loss=True
        )
        assert (loaded.status, loaded.acknowledged_by) == ("acknowledged", "U_ALICE")
    finally:
        session.rollback()
        session.close()


def test_compare_and_return_reads_the_row_it_moved_and_none_when_it_lost(unit) -> None:
    incident_id = _incident(unit)
    values = {"status": IncidentStatus.ACKNOWLEDGED, "acknowledged_by": "U_BOB"}
    read = (Incident.status, Incident.acknowledged_by, Incident.title)
    with unit() as ctx:
        with pytest.raises(IllegalTransition, match="resolved -> acknowledged"):
            compare_and_return(
                ctx.session,
                Incident,
                incident_id,
                expected={"resolved"},
                values=values,
                returning=read,
            )
        row = compare_and_return(
            ctx.session,
            Incident,
            incident_id,
            expected={IncidentStatus.OPEN},
            values=values,
            returning=read,
        )
        assert row is not None
        assert tuple(row) == ("acknowledged", "U_BOB", "Checkout is down")  # as it left it
        lost = compare_and_return(
            ctx.session,
            Incident,
            incident_id,
            expected={IncidentStatus.OPEN},
            values=values,
            returning=read,
        )
        assert lost is None
