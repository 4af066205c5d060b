"""The Slack ids of the incident area's buttons, forms and shortcut, as SPEC names them.

Render and sections put them on blocks and handlers listen for them: one definition, so a
button can never carry an id nobody listens for.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """Buttons (``action_id``)."""

    ACK = "incident_ack"
    MITIGATE = "incident_mitigate"
    UPDATE = "incident_update"
    RESOLVE = "incident_resolve"


class View(StrEnum):
    """Modals (``callback_id``)."""

    RAISE = "incident_raise"
    UPDATE = "incident_update"


class Shortcut(StrEnum):
    """Message shortcuts (``callback_id``; the app manifest declares it too)."""

    RAISE_FROM_MESSAGE = "raise_incident_from_message"
