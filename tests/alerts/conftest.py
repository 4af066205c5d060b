from __future__ import annotations

import pytest

from tests.alerts.samples import TOKENS


@pytest.fixture(autouse=True)
def _alert_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example config's alert sources read their tokens from these variables."""
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
