"""The Slack ids of the shifts area's buttons and forms.

Render and sections put them on blocks and handlers listen for them: one definition, so a
button can never carry an id nobody listens for.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """Buttons (``action_id``)."""

    SWAP = "shift_swap"  # the Home tab's Swap on the viewer's next shift
    SWAP_ACCEPT = "shift_swap_accept"  # value: the swap request's id
    SWAP_DECLINE = "shift_swap_decline"  # value: the swap request's id


class View(StrEnum):
    """Modals (``callback_id``)."""

    SWAP = "shift_swap"
