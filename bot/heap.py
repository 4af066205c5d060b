"""Start-up without the cyclic garbage collector; what start-up made is then set aside.

Importing and building the app makes about 185,000 objects that live as long as the process
(modules, classes, pydantic schemas, SQLAlchemy tables, the Bolt app). Collections are triggered
by allocation counts, so the collector ran over them again and again while they were being made,
full collections included, and found under a thousand objects to free: a tenth of a second of
start-up, and more on a busy machine. So a process pauses the collector while it starts
(``pause``), and once it is ready (``settle``) moves everything alive to the permanent
generation (``gc.freeze``) and turns the collector back on: later collections skip those
objects, so a full collection inside a request scans only what requests made, and a process
that forks after ``settle`` (gunicorn's master) shares those pages with its workers instead of
having a collection copy them. What start-up left as cyclic garbage (under a thousand objects)
is kept for the life of the process; a start-up that migrates the database, which leaves far
more, collects once after migrating (``bot/boot.py``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def pause() -> None:
    """Start-up begins: no collections until ``settle``."""
    gc.disable()


def settle() -> None:
    """Start-up is over: set aside what it made and collect again from here on."""
    gc.freeze()
    gc.enable()


@contextmanager
def starting() -> Iterator[None]:
    """``pause`` for the block, ``settle`` after it (also when it fails)."""
    pause()
    try:
        yield
    finally:
        settle()
