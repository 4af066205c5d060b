"""Who may decide what, as a table; and exactly one decision when 20 people click at once."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.config import Config, parse_config
from bot.errors import Conflict, Forbidden
from bot.purchases import delegation, service
from bot.runtime import Runtime
from storage.models import AuditEvent
from storage.purchases import PurchaseDecision, PurchaseRequest
from tests.recording import RecordingMessenger

REQUESTER = "U_REQ"
STEPS = [["U_S1"], ["U_S2", "U_S2B"], ["U_S3"]]
DELEGATES = {"U_S1": "U_D1", "U_S2": "U_D2", "U_S3": "U_D3", REQUESTER: "U_DREQ"}


@pytest.fixture
def config(request: pytest.FixtureRequest) -> Config:
    purchases = {
        "currency": "EUR",
        "rules": [{"steps": STEPS}],
        "remind_after": "24h",
        "expire_after": "14d",
    }
    if hasattr(request, "param"):  # parametrized indirectly with a [purchases] fallback
        purchases["fallback"] = request.param
    return parse_config({"admins": ["U_ADMIN"], "purchases": purchases})


def _request(unit, requester: str = REQUESTER, amount: str = "100") -> int:
    with unit(requester) as ctx:
        return service.submit(ctx, Decimal(amount), None, "a thing").id


def _delegate_all(unit) -> None:
    for person, stand_in in DELEGATES.items():
        with unit(person) as ctx:
            delegation.delegate(ctx, stand_in, ctx.now + timedelta(days=3))


# Who each role is at step k (0-based); None: there is nobody in that role at that step.
def _who(role: str, k: int) -> str | None:
    return {
        "requester": REQUESTER,
        "current approver": STEPS[k][0],
        "current approver's delegate": DELEGATES[STEPS[k][0]],
        "later step's approver": STEPS[k + 1][0] if k + 1 < len(STEPS) else None,
        "later step's delegate": DELEGATES[STEPS[k + 1][0]] if k + 1 < len(STEPS) else None,
        "earlier step's approver": STEPS[k - 1][0] if k > 0 else None,
        "requester's delegate": "U_DREQ",
        "admin": "U_ADMIN",
        "stranger": "U_NOBODY",
    }[role]


OK, NO, LATE = "decides", "forbidden", "already decided"
# role: expected at step 1, step 2, step 3 (for approve and reject alike)
MATRIX = [
    ("requester", NO, NO, NO),
    ("current approver", OK, OK, OK),
    ("current approver's delegate", OK, OK, OK),
    ("later step's approver", NO, NO, None),
    ("later step's delegate", NO, NO, None),
    ("earlier step's approver", None, LATE, LATE),
    ("requester's delegate", NO, NO, NO),
    ("admin", NO, NO, NO),
    ("stranger", NO, NO, NO),
]
CASES = [
    pytest.param(role, k, verb, expected, id=f"{role}-step{k + 1}-{verb}")
    for role, *by_step in MATRIX
    for k, expected in enumerate(by_step)
    if expected is not None
    for verb in ("approve", "reject")
]


def _state(sessions, request_id: int) -> tuple[str, int, int]:
    with sessions() as s:
        req = s.get(PurchaseRequest, request_id)
        assert req is not None
        n = s.scalar(select(func.count()).select_from(PurchaseDecision)) or 0
        return req.status, req.step, n


@pytest.mark.parametrize(("role", "k", "verb", "expected"), CASES)
def test_authorization_matrix(unit, sessions, role: str, k: int, verb: str, expected: str) -> None:
    _delegate_all(unit)
    request_id = _request(unit)
    for step in range(k):  # bring the request to step k
        with unit(STEPS[step][0]) as ctx:
            service.approve(ctx, request_id)
    actor = _who(role, k)
    assert actor is not None
    before = _state(sessions, request_id)
    assert before == ("pending", k, k)

    def act() -> service.Decided:
        with unit(actor) as ctx:
            if verb == "approve":
                return service.approve(ctx, request_id, "ok")
            return service.reject(ctx, request_id, "no")

    if expected == OK:
        result = act()
        behalf = STEPS[k][0] if "delegate" in role else None
        assert result.on_behalf_of == behalf and result.step == k
        status, step, n = _state(sessions, request_id)
        assert n == k + 1
        if verb == "reject":
            assert status == "rejected"
        elif k == len(STEPS) - 1:
            assert status == "approved"
        else:
            assert (status, step) == ("pending", k + 1)
        with sessions() as s:
            decision = s.scalars(select(PurchaseDecision).where(PurchaseDecision.step == k)).one()
            assert (decision.actor, decision.on_behalf_of) == (actor, behalf)
        return
    error = Forbidden if expected == NO else Conflict
    with pytest.raises(error) as caught:
        act()
    if expected == LATE:
        assert "You already approved step" in caught.value.message
    assert _state(sessions, request_id) == before, "a refused decision records nothing"


def test_the_second_approver_of_a_step_may_decide_when_the_first_requested(unit) -> None:
    request_id = _request(unit, requester="U_S2")
    with unit("U_S1") as ctx:
        service.approve(ctx, request_id)
    with unit("U_S2") as ctx, pytest.raises(Forbidden):
        service.approve(ctx, request_id)
    with unit("U_S2B") as ctx:
        assert service.approve(ctx, request_id).step == 1


def test_a_step_only_the_requester_could_approve_goes_to_the_fallback(unit, sessions) -> None:
    """By default the admins take it: the sole approver of a step can still buy."""
    with unit("U_S1") as ctx:
        req = service.submit(ctx, Decimal(5), None, "pens")
    assert req.steps == [["U_ADMIN"], ["U_S2", "U_S2B"], ["U_S3"]]
    with unit("U_S1") as ctx, pytest.raises(Forbidden):
        service.approve(ctx, req.id)
    with unit("U_ADMIN") as ctx:
        assert service.approve(ctx, req.id).step == 0
    with sessions() as s:
        fallback = s.scalars(select(AuditEvent).where(AuditEvent.action == "fallback")).one()
    assert (fallback.actor, fallback.entity_id) == ("U_S1", req.id)
    assert fallback.data == {"step": 1, "approvers": ["U_ADMIN"], "instead_of": ["U_S1"]}


@pytest.mark.parametrize(
    ("config", "requester", "steps"),
    [
        (["U_CFO", "U_S1"], "U_S1", [["U_CFO"], ["U_S2", "U_S2B"], ["U_S3"]]),
        (["U_CFO"], "U_S3", [["U_S1"], ["U_S2", "U_S2B"], ["U_CFO"]]),
        (["U_CFO"], "U_S2", [["U_S1"], ["U_S2", "U_S2B"], ["U_S3"]]),  # U_S2B still decides
    ],
    indirect=["config"],
)
def test_the_configured_fallback_takes_only_steps_nobody_else_could_decide(
    unit, requester: str, steps: list
) -> None:
    with unit(requester) as ctx:
        assert service.submit(ctx, Decimal(5), None, "pens").steps == steps


@pytest.mark.parametrize("config", [[], ["U_S1"]], indirect=True)
def test_without_anyone_to_fall_back_on_the_request_is_refused_up_front(unit, sessions) -> None:
    with unit("U_S1") as ctx, pytest.raises(Forbidden) as caught:
        service.submit(ctx, Decimal(5), None, "pens")
    assert "nobody approves their own request" in caught.value.message
    assert "[purchases] fallback" in caught.value.message
    with sessions() as s:
        assert not s.scalar(select(func.count()).select_from(PurchaseRequest))


def test_double_approval_by_the_same_person_is_told_what_happened(unit) -> None:
    request_id = _request(unit)
    with unit("U_S1") as ctx:
        service.approve(ctx, request_id)
    with unit("U_S1") as ctx, pytest.raises(Conflict) as caught:
        service.approve(ctx, request_id)
    assert "You already approved step 1 of PUR-1" in caught.value.message


@pytest.mark.postgres_only
def test_twenty_simultaneous_approvals_record_one_decision(
    runtime: Runtime, unit, sessions, messenger: RecordingMessenger
) -> None:
    request_id = _request(unit)
    runtime.dispatcher.run_due()  # step 1's DM
    clickers = ["U_S1"] * 10 + ["U_D1"] * 10  # the approver and his delegate, double-clicking
    with unit("U_S1") as ctx:
        delegation.delegate(ctx, "U_D1", ctx.now + timedelta(days=1))
    barrier = threading.Barrier(len(clickers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def click(user: str) -> None:
        barrier.wait()
        try:
            with unit(user) as ctx:
                service.approve(ctx, request_id)
            result = "won"
        except Conflict as exc:
            result = exc.message
        except Exception as exc:  # recorded, so the assertion below shows it
            result = repr(exc)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=click, args=(u,)) for u in clickers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("won") == 1, outcomes
    losers = [o for o in outcomes if o != "won"]
    assert len(losers) == 19
    assert all("already approved" in o for o in losers), losers
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(PurchaseDecision)) == 1
        req = s.get(PurchaseRequest, request_id)
        assert req is not None and (req.status, req.step) == ("pending", 1)
    runtime.dispatcher.run_due()
    runtime.dispatcher.run_due()
    to_step_2 = [d for d in messenger.of("dm") if d.target in {"U_S2", "U_S2B"}]
    assert sorted(d.target for d in to_step_2) == ["U_S2", "U_S2B"], "one DM each, once"


def test_a_delegate_clicking_after_the_approver_is_told_who_was_first(unit) -> None:
    _delegate_all(unit)
    request_id = _request(unit)
    with unit("U_S1") as ctx:
        service.approve(ctx, request_id)
    with unit("U_D1") as ctx, pytest.raises(Conflict) as caught:
        service.approve(ctx, request_id)
    assert "Step 1 of PUR-1 was already approved by <@U_S1>" in caught.value.message
    assert "waits on step 2 of 3: <@U_S2> or <@U_S2B>" in caught.value.message
