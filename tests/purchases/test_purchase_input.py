"""Bad input is answered clearly and records nothing; amounts are exact; digest sections."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.purchases import sections
from bot.purchases.money import parse_amount
from bot.tz import zone
from storage.purchases import PurchaseRequest
from tests.e2e import SlackApp
from tests.purchases.helpers import counts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("request -5 pens", "`-5` is negative"),
        ("request 0 pens", "must be more than 0"),
        ("request 1e12 pens", "`1e12` is not an amount"),
        ("request 1000000000 pens", "below one billion"),
        ("request 12.345 pens", "more than two decimals"),
        ("request abc pens", "`abc` is not an amount"),
        ("request 1,25 pens", "`1,25` is not an amount"),
        ("request 50 JPY pens", "I have no rate for JPY; known: EUR, GBP, USD"),
        ("request 50", "`description` is missing"),
        ("request 50 EUR", "`description` is missing"),
        ("request", "`amount` is missing"),
        ("show 99", "There is no purchase request PUR-99"),
        ("approve 99", "There is no purchase request PUR-99"),
        ("approve INC-1", "is not a purchase request id"),
        ("reject 1", "needs a reason"),
        ("list everything", "is not a valid scope"),
        ("list 0", "`page` must be at least 1, not `0`."),
        ("approve 1 " + "x" * 3001, "`comment` must be at most 3,000 characters; it has 3,001."),
        ("delegate <@U_BOB|bob>", "Say until when"),
        ("delegate <@U_BOB|bob> until 2020-01-01", "already passed"),
        ("delegate <@U_BOB|bob> until yesterday", "already passed"),
        ("delegate <@U_BOB|bob> until yesterday 5pm", "already passed"),
        ("delegate <@U_ALICE|alice> until in 2d", "cannot delegate to yourself"),
        ("delegate off", "no active delegation"),
        ("buy 5 pens", "I don't know `buy`"),
    ],
)
def test_bad_input_is_answered_clearly_and_records_nothing(
    slack: SlackApp, text: str, expected: str
) -> None:
    resp = slack.slash("/purchase", text)
    assert resp.status == 200
    assert expected in resp.text
    assert "Traceback" not in resp.text
    slack.runtime.drain()
    assert counts(slack) == (0, 0, 0)
    assert not slack.stub.calls_to("chat.postMessage")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An ISO code in capitals with no rate is refused, never read as text.
        ("request 100 JPY pens", "I have no rate for JPY; known: EUR, GBP, USD. Write the amount"),
        ("request 50 ALL hands snacks", "If `ALL` is part of the description, name the currency"),
        ("request 50 ALL hands snacks", "Example: `/purchase request 50.00 EUR ALL hands snacks`"),
        # Three capitals that are no currency at all are refused too, the same way.
        ("request 100 XYZ desk", "`XYZ` is not a currency I know; I accept EUR, GBP, USD."),
        ("request 100 XYZ desk", "Example: `/purchase request 100.00 EUR XYZ desk`"),
    ],
)
def test_a_currency_word_is_never_silently_replaced(
    slack: SlackApp, text: str, expected: str
) -> None:
    resp = slack.slash("/purchase", text)
    assert expected in resp.text
    slack.runtime.drain()
    assert counts(slack) == (0, 0, 0)


@pytest.mark.parametrize(
    ("text", "currency", "description"),
    [
        ("request 100 usd pens", "USD", "pens"),
        ("request 100 EUR ALL hands snacks", "EUR", "ALL hands snacks"),
        ("request 100 eur XYZ pens", "EUR", "XYZ pens"),
        ("request 100 foo bars", "EUR", "foo bars"),
        # Lower-case words and capitals that are no currency are the description.
        ("request 100 all hands snacks", "EUR", "all hands snacks"),
        ("request 100 pen refills", "EUR", "pen refills"),
        ("request 100 USB cables", "EUR", "USB cables"),
        ("request 100 SSD drives", "EUR", "SSD drives"),
        ("request 100 Xyz pens", "EUR", "Xyz pens"),
    ],
)
def test_a_currency_word_or_the_description(
    slack: SlackApp, text: str, currency: str, description: str
) -> None:
    resp = slack.slash("/purchase", text)
    assert "PUR-1" in resp.text, resp.text
    with slack.runtime.sessions() as s:
        req = s.scalars(select(PurchaseRequest)).one()
        assert (req.currency, req.amount_minor, req.description) == (currency, 10000, description)


def test_deciding_a_decided_request_changes_nothing(slack: SlackApp) -> None:
    slack.slash("/purchase", "request 40 EUR toner")
    slack.slash("/purchase", "approve 1", user="U_BOB")
    slack.runtime.drain()
    before, calls = counts(slack), len(slack.stub.calls)
    for user, text in [("U_BOB", "approve 1"), ("U_BOB", "reject 1 oops"), ("U_ALICE", "cancel 1")]:
        resp = slack.slash("/purchase", text, user=user)
        assert "PUR-1 was already approved by <@U_BOB>" in resp.text
    slack.runtime.drain()
    assert counts(slack) == before
    assert len(slack.stub.calls) == calls


@pytest.mark.parametrize(
    ("text", "amount"),
    [("1250", "1250.00"), ("1,250.00", "1250.00"), ("1250.5", "1250.50"), ("0.01", "0.01")],
)
def test_amounts_are_read_exactly(text: str, amount: str) -> None:
    assert parse_amount(text) == Decimal(amount)
    assert str(parse_amount(text)) == amount


def test_digest_sections_show_waiting_and_decided(slack: SlackApp, unit) -> None:
    with freeze_time("2026-12-01 09:00:00") as frozen:
        slack.slash("/purchase", "request 40 EUR toner")
        slack.slash("/purchase", "request 800 EUR chairs", user="U_CAROL")
        frozen.tick(timedelta(hours=3))
        slack.slash("/purchase", "approve 1", user="U_BOB")
        slack.slash("/purchase", "approve 2", user="U_BOB")
        slack.runtime.drain()
        frozen.tick(timedelta(minutes=1))
        with unit() as ctx:
            since = ctx.now - timedelta(days=1)
            waiting = sections.waiting(ctx, since, zone("UTC"), 5)
            decided = sections.decided_since(ctx, since, zone("UTC"), 5)
            later = sections.decided_since(ctx, ctx.now, zone("UTC"), 5)
    assert waiting is not None and waiting.title == "Purchases waiting" and waiting.total == 1
    [line] = waiting.lines
    assert "PUR-2" in line and "EUR 800.00" in line and "waiting 3h 1m" in line
    assert "step 2/2: <@U_CAROL> or <@U_DAVE>" not in line  # Carol requested it herself
    assert "step 2/2: <@U_DAVE>" in line
    assert decided is not None and decided.total == 1 and "PUR-1" in decided.lines[0]
    assert "approved by <@U_BOB>" in decided.lines[0]
    assert later is None


def test_delegate_until_a_date_means_through_that_day_in_your_zone() -> None:
    from datetime import UTC, datetime

    from bot.commands import ParseEnv
    from bot.purchases.commands import COMMANDS, Delegate

    env = ParseEnv(datetime(2026, 12, 1, 9, tzinfo=UTC), zone("Europe/Berlin"))
    cmd = COMMANDS.parse("delegate <@U_DAVE|dave> until 2026-12-24", env)
    assert isinstance(cmd, Delegate) and cmd.user == "U_DAVE"
    assert cmd.until == datetime(2026, 12, 24, 23, 0, tzinfo=UTC)  # midnight in Berlin
    cmd = COMMANDS.parse("delegate <@U_DAVE|dave> until 2026-12-24 18:00", env)
    assert isinstance(cmd, Delegate) and cmd.until == datetime(2026, 12, 24, 17, 0, tzinfo=UTC)


def test_three_capitals_after_the_amount_are_a_currency_or_refused(config) -> None:
    from bot.errors import UserError
    from bot.purchases.money import read_currency

    cfg = config.purchases
    assert read_currency("usd", cfg, as_text="x") == "USD"
    assert read_currency("USB", cfg, as_text="x") is None  # a common acronym: the description
    assert read_currency("Xyz", cfg, as_text="x") is None
    with pytest.raises(UserError) as exc:
        read_currency("XYZ", cfg, as_text="/purchase request 100.00 EUR XYZ desk")
    assert "I accept EUR, GBP, USD" in exc.value.message and exc.value.field == "currency"
    assert exc.value.example == "/purchase request 100.00 EUR XYZ desk"


def test_a_delegation_until_a_date_is_said_as_the_end_of_that_day(slack: SlackApp) -> None:
    with freeze_time("2026-12-01 10:00:00"):
        resp = slack.slash("/purchase", "delegate <@U_DAVE|dave> until 2026-12-05")
        timed = slack.slash("/purchase", "delegate <@U_DAVE|dave> until 2026-12-05 17:00")
    assert "@dave may decide purchases for you until the end of Sat 5 Dec." in resp.shown
    assert "2026-12-06" not in resp.shown and "00:00" not in resp.shown
    assert "until Sat 2026-12-05 17:00 UTC." in timed.shown


def test_an_end_at_midnight_is_the_end_of_the_day_before() -> None:
    from datetime import UTC, datetime

    from bot.console.plain import mrkdwn_to_text
    from bot.mrkdwn import until

    berlin = zone("Europe/Berlin")
    midnight = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)  # 00:00 on Sun 6 Dec in Berlin
    assert mrkdwn_to_text(until(midnight, berlin)) == "until the end of Sat 5 Dec"
    assert mrkdwn_to_text(until(midnight, zone("UTC"))) == "until Sat 2026-12-05 23:00 UTC"
