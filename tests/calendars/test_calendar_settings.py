"""The calendar and API variables, as an operator sets them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings


def test_public_url_is_a_base_url_without_its_trailing_slash() -> None:
    s = Settings(_env_file=None, OPSDESK_PUBLIC_URL=" https://ops.example.com/ ")
    assert s.OPSDESK_PUBLIC_URL == "https://ops.example.com"
    assert Settings(_env_file=None, OPSDESK_PUBLIC_URL="").OPSDESK_PUBLIC_URL is None
    unset = Settings(_env_file=None)
    assert unset.OPSDESK_PUBLIC_URL is None and unset.OPSDESK_CALENDAR_TOKEN is None
    assert unset.OPSDESK_API_TOKEN is None


def test_a_public_url_without_a_scheme_is_refused_clearly() -> None:
    with pytest.raises(ValidationError) as err:
        Settings(_env_file=None, OPSDESK_PUBLIC_URL="ops.example.com")
    assert "OPSDESK_PUBLIC_URL is a base URL such as https://opsdesk.example.com" in str(err.value)
