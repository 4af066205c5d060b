"""Human ids (`INC-7`, `PUR-12`, `BKG-3`, `MNT-4`, `SHF-9`): shown one way, accepted three."""

from __future__ import annotations

import re

from bot.errors import NotFound
from bot.mrkdwn import echo

PREFIXES = {
    "incident": "INC",
    "purchase": "PUR",
    "booking": "BKG",
    "maintenance": "MNT",
    "shift": "SHF",
    "incident follow-up": "FUP",
}
_REF = re.compile(r"^(?:#|([A-Za-z]{3})-)?(\d+)$")
# The largest id a table holds (BIGINT; SQLite's INTEGER): past it nothing can exist, and the
# database would refuse the number itself.
MAX_ID = 2**63 - 1


def fmt(prefix: str, number: int) -> str:
    return f"{prefix}-{number}"


def parse(prefix: str, text: str, *, noun: str) -> int:
    """`7`, `#7` or `INC-7` -> 7; a wrong prefix or a non-number is a ValueError for the user."""
    m = _REF.match(str(text).strip())
    if not m or (m.group(1) and m.group(1).upper() != prefix) or int(m.group(2)) == 0:
        raise ValueError(f"`{echo(text)}` is not {noun} id; write it as 7, #7 or {prefix}-7")
    number = int(m.group(2))
    if number > MAX_ID:
        raise NotFound(f"There is no `{prefix}-{echo(m.group(2), 24)}`.")
    return number
