"""Slack listeners, one module per area, each exposing ``register(app)``.

Adding an area means adding a module here; ``load_areas`` finds it, so nobody edits a switchboard.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

_SKIP = {"kit", "work"}


def load_areas() -> list[ModuleType]:
    modules = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name not in _SKIP and not info.name.startswith("_"):
            modules.append(importlib.import_module(f"{__name__}.{info.name}"))
    return modules
