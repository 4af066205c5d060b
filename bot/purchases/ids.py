"""The Slack ids of the purchase area's buttons and forms, as SPEC names them.

Render and sections put them on blocks and handlers listen for them: one definition, so a
button can never carry an id nobody listens for.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """Buttons (``action_id``), on approver DMs and on App Home."""

    APPROVE = "purchase_approve"
    REJECT = "purchase_reject"


class View(StrEnum):
    """Modals (``callback_id``)."""

    REQUEST = "purchase_request"
    REJECT = "purchase_reject"
