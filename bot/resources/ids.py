"""The Slack ids of the booking buttons, as SPEC names them.

Render puts them on blocks and handlers listen for them: one definition, so a button can never
carry an id nobody listens for.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """Buttons (``action_id``), on reminders and on App Home."""

    EXTEND = "booking_extend"
    RELEASE = "booking_release"
