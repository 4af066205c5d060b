"""Domain errors: exceptions that carry a message meant for the person who typed the command.

One error path turns them into a friendly ephemeral reply (or modal field errors); anything that
is not a ``UserError`` is a bug, logged with a request id and answered with a short apology.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")


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


class FieldErrors(UserError):
    """Several inputs of a form are wrong: each message belongs to its input block."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = dict(errors)


class FormCheck:
    """Collects what is wrong with each input of a form, so one submit reports all of it.

    ``value = check.field("amount", parse, text)`` runs one check and keeps its ``UserError``
    under that input (or the error's own ``field``); ``check.done()`` raises them together.
    """

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def field(self, name: str, check: Callable[..., _T], *args: Any) -> _T | None:
        try:
            return check(*args)
        except UserError as exc:
            self.errors.setdefault(exc.field or name, exc.message)
            return None

    def done(self) -> None:
        if self.errors:
            raise FieldErrors(self.errors)
