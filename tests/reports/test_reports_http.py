"""/report end to end: signed requests in; the summary, the uploads Slack's external upload flow
received and the CSV files out (the Web API stand-in records the bytes)."""

from __future__ import annotations

import csv
import io
import struct

import pytest

from bot.config import Config
from tests.e2e import SlackApp
from tests.slack_stub import SharedFile

UPLOAD_FLOW = ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, after checking the signature."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def rows_of(file: SharedFile) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(file.content.decode("utf-8"))))


def wait_files(slack: SlackApp, count: int) -> list[SharedFile]:
    slack.stub.wait_for("files.completeUploadExternal", count, timeout=30)
    slack.runtime.drain()
    return slack.stub.files()


def test_report_answers_with_figures_and_uploads_one_png_per_section(slack: SlackApp) -> None:
    slack.slash("/incident", "raise Checkout is failing sev1", user="U_BOB")
    slack.slash("/incident", "ack 1", user="U_BOB")
    slack.slash("/purchase", "request 120 EUR two keyboards", user="U_CAROL")
    slack.slash("/resource", "book room-a tomorrow 10:00 for 2h", user="U_BOB")
    slack.runtime.drain()
    slack.stub.clear_calls()

    resp = slack.slash("/report", "", user="U_BOB", channel="C_GENERAL")
    assert resp.status == 200 and resp.json["response_type"] == "ephemeral"
    body = str(resp.json["blocks"])
    assert "Report · the last 4 weeks" in body
    assert "1 incident raised (sev1 1), 1 still open" in body  # acknowledged, not resolved
    assert "Requested EUR 120.00 in 1 request" in body
    assert "on their way to your DM" in body

    files = wait_files(slack, 4)
    assert [f.filename.split("-")[1] for f in files] == [
        "incidents",
        "purchases",
        "resources",
        "oncall",
    ]
    for file in files:
        width, height = png_size(file.content)
        assert 600 <= width <= 2000 and 400 <= height <= 1500, (file.filename, width, height)
        assert file.channel_id == "DU_BOB", "charts go to the requester's DM"
        assert file.initial_comment and file.alt_txt
    assert "1 (sev1 1)" in (files[0].initial_comment or "")
    methods = [c.method for c in slack.stub.calls if c.method != "users.info"]
    assert methods[:4] == ["conversations.open", *UPLOAD_FLOW]
    first_url = slack.stub.calls_to("files.getUploadURLExternal")[0]
    assert int(first_url.params["length"]) == len(files[0].content)


def test_a_long_period_is_answered_at_once_and_computed_after_the_reply(slack: SlackApp) -> None:
    slack.slash("/incident", "raise Checkout is failing sev1", user="U_BOB")
    resp = slack.slash("/report", "incidents 90d", user="U_BOB", channel="C_GENERAL")
    assert "Putting together the report over the last 90 days" in resp.text
    [summary] = slack.stub.wait_for("chat.postEphemeral", 1, timeout=30)
    assert summary.params["user"] == "U_BOB" and summary.params["channel"] == "C_GENERAL"
    assert "1 incident raised (sev1 1)" in str(summary.blocks)
    [chart] = wait_files(slack, 1)
    assert chart.filename.startswith("opsdesk-incidents-") and chart.channel_id == "DU_BOB"


def test_a_section_and_period_with_nothing_in_it_gets_no_chart(slack: SlackApp) -> None:
    resp = slack.slash("/report", "incidents week", user="U_BOB")
    assert "No incidents were raised in this period." in resp.text or "No incidents" in str(
        resp.json["blocks"]
    )
    assert "Nothing to chart in this period." in str(resp.json["blocks"])
    slack.runtime.drain()
    assert not slack.stub.calls_to("files.getUploadURLExternal")


def test_export_sends_a_csv_to_the_dm_with_only_your_rows(slack: SlackApp) -> None:
    slack.slash("/incident", "raise Bob's printer sev4", user="U_BOB")
    slack.slash("/incident", "raise Carol's <!channel> =SUM(A1) sev3", user="U_CAROL")
    slack.slash("/purchase", "request 1,250.50 EUR =cmd|' /C calc'!A0 monitors", user="U_CAROL")
    slack.slash("/purchase", "request 99 GBP adapters", user="U_CAROL")
    slack.slash("/purchase", "request 10 EUR pens", user="U_DAVE")
    slack.runtime.drain()

    resp = slack.slash("/report", "export incidents", user="U_BOB")
    assert "Preparing `opsdesk-incidents-" in resp.text and "1 row" in resp.text
    [file] = wait_files(slack, 1)
    assert file.channel_id == "DU_BOB" and file.filename.endswith(".csv")
    rows = rows_of(file)
    assert [r["id"] for r in rows] == ["INC-1"], "Bob sees only the incident he reported"
    assert rows[0]["title"] == "Bob's printer" and rows[0]["reporter"] == "U_BOB"
    assert rows[0]["created_at_utc"].endswith("Z") and rows[0]["timezone"] == "UTC"

    slack.slash("/report", "export purchases", user="U_CAROL")
    purchases = rows_of(wait_files(slack, 2)[1])  # Carol's two, not Dave's
    assert [(r["amount"], r["currency"], r["policy_currency"]) for r in purchases] == [
        ("1250.50", "EUR", "EUR"),
        ("99.00", "GBP", "EUR"),
    ]
    assert purchases[1]["policy_amount"] == "115.83"  # 99 GBP x 1.17 -> EUR, to the cent
    assert purchases[0]["description"].startswith("'="), "a formula is made inert"

    slack.stub.set_user("U_ALICE", tz="Europe/Berlin")
    slack.slash("/report", "export incidents month", user="U_ALICE")  # an admin: everyone's
    everyone = rows_of(wait_files(slack, 3)[2])
    assert [r["id"] for r in everyone] == ["INC-1", "INC-2"]
    assert everyone[1]["title"].startswith("Carol's <!channel>")
    assert everyone[0]["created_at_local"].endswith(("+01:00", "+02:00"))
    assert everyone[0]["timezone"] == "Europe/Berlin"


def test_audit_export_is_for_admins_only(slack: SlackApp) -> None:
    slack.slash("/incident", "raise Disk full sev2", user="U_BOB")
    refused = slack.slash("/report", "export audit", user="U_BOB")
    assert "The audit trail is for admins only" in refused.text
    slack.runtime.drain()
    assert not slack.stub.calls_to("files.getUploadURLExternal")
    allowed = slack.slash("/report", "export audit week", user="U_ALICE")
    assert "audit events" in allowed.text
    [file] = wait_files(slack, 1)
    assert {"raised"} <= {r["action"] for r in rows_of(file)}


def test_an_empty_export_says_so_instead_of_sending_a_file(slack: SlackApp) -> None:
    resp = slack.slash("/report", "export bookings", user="U_BOB")
    assert "No bookings of yours in the last 4 weeks" in resp.text
    slack.runtime.drain()
    assert not slack.stub.calls_to("files.getUploadURLExternal")


def test_a_failed_upload_still_delivers_the_numbers(slack: SlackApp) -> None:
    slack.slash("/incident", "raise Queue stuck sev2", user="U_BOB")
    slack.runtime.drain()
    slack.stub.fail_next("files.completeUploadExternal", status=500, times=10)
    slack.slash("/report", "incidents", user="U_BOB")
    posts = slack.stub.wait_for("chat.postMessage", 2, timeout=30)
    note = posts[-1]
    assert note.params["channel"] == "U_BOB"  # a DM: posted to the person
    assert "could not be attached" in note.params["text"] and "1 (sev2 1)" in note.params["text"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("month 2", "I read `month` as the period but not `2`"),
        ("2026-11-30 to 2026-11-01", "ends before it starts"),
        ("2020-01-01 to 2026-11-30", "at most a year"),
        ("export banana", "I can't export `banana`"),
        ("help", "/report schedule"),
        ("incidents <!channel>", "I don't know `&lt;!channel&gt;` as a period"),
    ],
)
def test_bad_input_is_answered_clearly(slack: SlackApp, text: str, expected: str) -> None:
    resp = slack.slash("/report", text)
    assert resp.status == 200
    assert expected in resp.text
    assert "Traceback" not in resp.text


def test_schedule_shows_the_weekly_report(slack: SlackApp) -> None:
    resp = slack.slash("/report", "schedule")
    assert "<#C_OPS> every Monday at 09:00 (Europe/Berlin)" in resp.text
    assert "incidents, purchases, resources, on call" in resp.text and "Next:" in resp.text


class TestWithoutWeeklyReports:
    @pytest.fixture
    def config(self, config: Config) -> Config:
        return config.model_copy(update={"reports": []})

    def test_schedule_has_an_empty_state(self, slack: SlackApp) -> None:
        resp = slack.slash("/report", "schedule")
        assert "No weekly report is set up" in resp.text and "[[reports]]" in resp.text
