"""`opsdesk manifest` names the endpoints beside Slack's, and /shift's hint names calendar."""

from __future__ import annotations

import json

import pytest

from bot.cli import main


def test_manifest_lists_the_feeds_and_the_api(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["manifest", "--url", "https://ops.example.com/"]) == 0
    out, err = capsys.readouterr()
    manifest = json.loads(out)  # stdout stays the manifest alone, for Slack
    shift = next(c for c in manifest["features"]["slash_commands"] if c["command"] == "/shift")
    assert "calendar [reset]" in shift["usage_hint"]
    for line in [
        "GET https://ops.example.com/calendar/<token>.ics",
        "GET https://ops.example.com/calendar/team/<token>/oncall.ics",
        "GET https://ops.example.com/calendar/team/<token>/maintenance.ics",
        "GET https://ops.example.com/api/v1/oncall",
        "GET https://ops.example.com/api/v1/incidents",
        "GET https://ops.example.com/api/v1/resources",
    ]:
        assert f"  {line}\n" in err
