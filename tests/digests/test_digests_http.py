"""/digest end to end: signed slash commands in, what Slack would have received out."""

from __future__ import annotations

import json

from tests.e2e import SlackApp


def test_subscribe_show_now_and_off(slack: SlackApp) -> None:
    resp = slack.slash("/digest", "daily 09:00 weekdays Europe/Berlin", channel="C_TEAM")
    assert resp.status == 200 and resp.json["response_type"] == "ephemeral"
    assert "<#C_TEAM> gets the digest on weekdays at 09:00 (Europe/Berlin). Next:" in resp.text

    show = slack.slash("/digest", "show", channel="C_TEAM")
    assert "on weekdays at 09:00 (Europe/Berlin)." in show.text and "Next:" in show.text
    assert "config file" not in show.text

    slack.slash("/incident", "raise Payments are slow sev2", user="U_BOB")
    now = slack.slash("/digest", "now", channel="C_TEAM")
    assert "Posting the digest in <#C_TEAM> now." in now.text
    posts = [
        c for c in slack.stub.wait_for("chat.postMessage", 2) if c.params["channel"] == "C_TEAM"
    ]
    assert len(posts) == 1
    body = json.dumps(posts[0].blocks)
    assert "Daily digest" in body and "Open incidents" in body and "Payments are slow" in body
    assert len(posts[0].blocks) <= 50

    slack.runtime.drain()  # the send's transaction has committed
    shown = slack.slash("/digest", "", channel="C_TEAM")  # no words: the same as show
    assert "on weekdays at 09:00 (Europe/Berlin)." in shown.text
    assert "Last scheduled one:" not in shown.text, "/digest now is extra, not the schedule's"

    off = slack.slash("/digest", "off", channel="C_TEAM")
    assert "Stopped the digest of <#C_TEAM>" in off.text
    assert "has no digest" in slack.slash("/digest", "show", channel="C_TEAM").text
    again = slack.slash("/digest", "off", channel="C_TEAM")
    assert "This channel has no digest" in again.text


def test_weekly_with_quiet_and_the_users_own_zone(slack: SlackApp) -> None:
    slack.stub.set_user("U_BOB", tz="America/New_York")
    resp = slack.slash("/digest", "weekly fri 16:30 quiet", user="U_BOB", channel="C_TEAM")
    assert "every Friday at 16:30 (America/New_York), quiet when all is clear" in resp.text


def test_config_digest_is_shown_and_only_admins_change_it(slack: SlackApp) -> None:
    show = slack.slash("/digest", "show", channel="C_OPS")
    assert "on weekdays at 09:00 (Europe/Berlin) (from the config file)" in show.text
    refused = slack.slash("/digest", "off", user="U_BOB", channel="C_OPS")
    assert "only an admin can change it" in refused.text
    assert "from the config file" in slack.slash("/digest", "show", channel="C_OPS").text
    ok = slack.slash("/digest", "off", user="U_ALICE", channel="C_OPS")  # U_ALICE is an admin
    assert "Stopped the digest of <#C_OPS>" in ok.text
    after = slack.slash("/digest", "show", channel="C_OPS")
    assert "has no digest" in after.text and "turned off here" in after.text


def test_bad_input_says_what_would_work(slack: SlackApp) -> None:
    cases = {
        "daily": "I need a time of day such as 09:00",
        "daily 25:00": "25:00 is not a time of day",
        "daily 09:00 Mars/Olympus": "I don't know `Mars/Olympus` here",
        "weekly funday 09:00": "`funday` is not a day",
        "weekly mon": "I need a time of day",
        "monthly 1 09:00": "I don't know `monthly`",
        "help": "/digest daily &lt;HH:MM&gt; [weekdays] [tz] [quiet]",
    }
    for text, expected in cases.items():
        resp = slack.slash("/digest", text, channel="C_TEAM")
        assert expected in resp.text, (text, resp.text)
        assert "Traceback" not in resp.text
    assert "has no digest" in slack.slash("/digest", "show", channel="C_TEAM").text


def test_digests_go_to_channels_not_direct_messages(slack: SlackApp) -> None:
    resp = slack.slash("/digest", "daily 09:00", channel="D_BOB")
    assert "Digests go to channels" in resp.text
