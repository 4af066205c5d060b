"""The read API's query parsing: every input is a query or a UserError, never a crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.api.service import (
    MAX_LIMIT,
    decode_cursor,
    encode_cursor,
    parse_incident_query,
)
from bot.errors import UserError

T0 = datetime(2020, 1, 1, tzinfo=UTC)


@given(
    st.sampled_from(["sev1", "sev2", "sev3", "sev4"]),
    st.integers(0, 10**9).map(lambda s: T0 + timedelta(seconds=s)),
    st.integers(1, 2**62),
)
def test_cursors_round_trip(severity: str, raised: datetime, incident_id: int) -> None:
    assert decode_cursor(encode_cursor((severity, raised, incident_id))) == (
        severity,
        raised,
        incident_id,
    )


@given(st.text(max_size=30), st.text(max_size=6), st.text(max_size=60))
def test_any_query_is_parsed_or_refused_with_a_reason(status: str, limit: str, cursor: str) -> None:
    try:
        query = parse_incident_query(status, limit, cursor)
    except UserError as exc:
        assert exc.message.split()[0] in {"status", "limit", "cursor"}
        return
    assert 1 <= query.limit <= MAX_LIMIT
    assert query.status in {"open", "acknowledged", "resolved", "all"}


def test_odd_digits_are_refused_not_crashed() -> None:
    for limit in ["²", "٣", "1_0", " 5 0", "-1", "1e2"]:
        try:
            parse_incident_query("open", limit, "")
        except UserError as exc:
            assert exc.message.startswith("limit must be a whole number")
        else:
            raise AssertionError(limit)
