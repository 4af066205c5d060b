"""Incidents on resources: `/incident raise ... on <resource>` or the form's resource field links
an incident to a resource, and the resource shows it (`/resource status`, `/resource list`, the
digest's and Home's booking lines) while it is open."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from freezegun import freeze_time

from bot.commands import ParseEnv
from bot.config import Config
from bot.console import payloads
from bot.console.shell import Console, build_console
from bot.digests.assemble import build_digest
from bot.incidents import commands as cmd
from bot.settings import Settings
from bot.tz import zone
from tests.e2e import SlackApp


def dump(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _reply(resp: object) -> str:
    return dump(resp.json)  # type: ignore[attr-defined]


ENV = ParseEnv(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), zone("UTC"))


@pytest.mark.parametrize(
    ("words", "title", "resource", "severity"),
    [
        ("DB down on db-1 sev1", "DB down", "db-1", "sev1"),
        ("sev2 DB down on db-1", "DB down", "db-1", "sev2"),
        ("DB down on db-1", "DB down", "db-1", "sev3"),
        ("Errors on checkout page", "Errors on checkout page", None, "sev3"),
        ("Down on db-1 on db-2 sev4", "Down on db-1", "db-2", "sev4"),
        ("on db-1", "on db-1", None, "sev3"),  # nothing left for a title: all of it is the title
    ],
)
def test_raise_reads_a_trailing_on_resource(
    words: str, title: str, resource: str | None, severity: str
) -> None:
    data = cmd.Raise.from_words(words.split(), ENV)
    raised = cmd.Raise.model_validate(data)
    assert (raised.title, raised.resource, raised.severity) == (title, resource, severity)


def test_an_incident_on_a_resource_shows_on_its_status_and_in_the_list(slack: SlackApp) -> None:
    resp = slack.slash("/incident", "raise DB down on staging-2 sev1")
    assert "Raised *INC-1* (sev1)" in resp.text and "DB down" in resp.text
    announcement = slack.stub.wait_for("chat.postMessage", 1)[0]
    assert "*Affected*\\nstaging-2" in dump(announcement.blocks)

    status = _reply(slack.slash("/resource", "status staging-2"))
    assert "incident INC-1 open" in status
    listing = _reply(slack.slash("/resource", "list"))
    line = next(x for x in json.loads(listing)["blocks"][1]["text"]["text"].split("\n")
                if "staging-2" in x)  # fmt: skip
    assert "incident INC-1 open" in line
    assert "incident" not in _reply(slack.slash("/resource", "status staging-1"))

    slack.slash("/incident", "ack 1")
    assert "incident INC-1 acknowledged" in _reply(slack.slash("/resource", "status staging-2"))
    slack.slash("/incident", "resolve 1 fixed")
    assert "INC-1" not in _reply(slack.slash("/resource", "status staging-2"))


def test_a_word_after_on_that_is_no_resource_stays_in_the_title(slack: SlackApp) -> None:
    resp = slack.slash("/incident", "raise Errors on checkout sev2")
    assert "Raised *INC-1* (sev2)" in resp.text and "Errors on checkout" in resp.text
    assert "`checkout` is not a resource" in resp.text
    announcement = slack.stub.wait_for("chat.postMessage", 1)[0]
    assert "Errors on checkout" in dump(announcement.blocks)
    assert "Affected" not in dump(announcement.blocks)


def test_a_resource_added_in_chat_can_be_named(slack: SlackApp) -> None:
    slack.slash("/resource", "add db-1 database")
    resp = slack.slash("/incident", "raise Replication lag on db-1")
    assert "is not a resource" not in resp.text
    assert "incident INC-1 open" in _reply(slack.slash("/resource", "status db-1"))


def test_the_mention_reads_on_resource_too(slack: SlackApp) -> None:
    slack.mention("incident Van battery flat on van sev4")
    slack.runtime.drain()
    assert "incident INC-1 open" in _reply(slack.slash("/resource", "status van"))


def test_the_raise_form_links_the_chosen_resource(slack: SlackApp) -> None:
    values = {"title": "Projector broken", "severity": "sev4", "resource": "room-a"}
    resp = slack.submit("incident_raise", values)
    assert resp.status == 200
    assert "incident INC-1 open" in _reply(slack.slash("/resource", "status room-a"))


def test_the_booking_lines_of_home_and_the_digest_say_so(slack: SlackApp, unit) -> None:
    # Mid-morning: the booking "in 1h" must fall on today, the digest's "Bookings today" (run
    # after 23:00 on the real clock, it fell on tomorrow and the digest rightly left it out).
    with freeze_time("2026-12-01 10:00:00"):
        slack.slash("/resource", "book staging-1 in 1h for 2h Release test", user="U_BOB")
        slack.slash("/incident", "raise Staging broken on staging-1 sev2")
        slack.event(payloads.app_home_opened_event("U_BOB"))
        view = slack.stub.wait_for("views.publish", 1)[-1].json_param("view")
        row = next(blk for blk in view["blocks"] if "staging-1" in dump(blk))
        assert "incident INC-1 open" in dump(row)
        with unit() as ctx:
            digest = build_digest(ctx, since=ctx.now, tz=zone("UTC"), title="Digest", quiet=False)
        assert digest is not None
        line = next(x for x in dump(digest.blocks).split("\\n") if "BKG-1" in x)
        assert "incident INC-1 open" in line


def test_console_raise_on_a_resource(settings: Settings, config: Config, engine) -> None:
    out = io.StringIO()
    console: Console = build_console(settings, config, engine, out)
    console.run_lines(["/incident raise Room flooded on room-b sev2", "/resource status room-b"])
    shown = out.getvalue()
    assert "Raised *INC-1* (sev2)" in shown
    assert "incident INC-1 open" in shown


def test_help_shows_on_resource(slack: SlackApp) -> None:
    shown = slack.slash("/incident", "help").text
    assert "raise &lt;title&gt; [on &lt;resource&gt;]" in shown or "[on <resource>]" in shown
    assert "raise DB down on db-1 sev1" in slack.slash("/incident", "raise help").text
