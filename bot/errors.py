"""Domain errors: exceptions that carry a message meant for the person who typed the command.

One error path turns them into a friendly ephemeral reply (or modal field errors); anything that
is not a ``UserError`` is a bug, logged with a request id and answered with a short apology.
"""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix: bad input, a forbidden action, a conflict."""

    def __init__(self, message: str, *, example: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.example = example
        # For modal submissions: which input block the error belongs to.
        self.field = field

    def __str__(self) -> str:
        return self.message


class NotFound(UserError):
    """The thing named does not exist (or the user may not see it)."""


class Forbidden(UserError):
    """The user may not do this."""


class Conflict(UserError):
    """The state changed under the user: someone else acted first, or the slot is taken."""
