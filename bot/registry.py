"""What the areas declare: commands, notice kinds, planners, sections, mention routes and more.

Each area says what it contributes in one ``register(registry)`` (``bot/<area>/area.py``); the
composition root (``bot/app.py``) builds one registry per process from its list of areas, and the
runtime hands it to whoever needs it (the dispatcher, the digest, a service through ``ctx``).
Nothing registers by being imported, so a process holds exactly what it was built with, and a
test builds its own.

The registry is generic in the context its functions take (``Registry[Ctx]``): ``bot/context.py``
holds a registry, so this module must not import it back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeAlias, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.commands import CommandSet
from bot.http import HttpRoute, RouteFn
from bot.mentions import Route
from bot.notices import Plan
from bot.payloads import NoticePayload
from bot.sections import DigestSection

C = TypeVar("C")  # the unit of work a function is handed: bot.context.Ctx
P = TypeVar("P", bound=NoticePayload)

# ``handler(ctx, payload) -> Plan``: what the notice says, never said by the handler itself
# (bot/notices.py); ``payload`` is an instance of the model declared with the kind.
NoticeHandler: TypeAlias = Callable[[C, Any], Plan[C]]
Planner: TypeAlias = Callable[[C], None]
# ``fn(ctx, since, tz, limit)``; ``since`` is when the previous digest went out.
DigestFn: TypeAlias = Callable[[C, datetime, ZoneInfo, int], DigestSection | None]
# ``fn(ctx, viewer_user_id) -> blocks`` for the App Home tab.
HomeFn: TypeAlias = Callable[[C, str], list[dict[str, Any]]]
# ``fn(ctx, viewer_user_id) -> view``: the whole Home tab, assembled from the Home sections.
HomeView: TypeAlias = Callable[[C, str], dict[str, Any]]
# ``fn(ctx, rotation or None) -> user ids`` on call now.
OnCallProvider: TypeAlias = Callable[[C, str | None], list[str]]
# ``fn(session, resource_ids, start, end)`` -> the times those resources cannot be booked
# (``bot.resources.availability.Blocker``s; the kernel does not import an area to name the type).
BlockerFn: TypeAlias = Callable[[Session, Sequence[int], datetime, datetime], list[Any]]
# What another area says about resources by name, right now (incidents: "incident INC-7 open"):
# ``fn(session, names) -> {name: [mrkdwn line, ...]}``, in one bounded query for all the names.
ResourceNoteFn: TypeAlias = Callable[[Session, Sequence[str]], dict[str, list[str]]]


class RegistryError(Exception):
    """Two declarations of one name: a programming error, reported at start-up."""


def _who(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


@dataclass(frozen=True)
class NoticeKind(Generic[C]):
    name: str
    handler: NoticeHandler[C]
    payload: type[NoticePayload]
    awaited: bool = False

    def parse(self, row: Any) -> NoticePayload:
        """The row's payload as the kind's model (``pydantic.ValidationError`` when it is not)."""
        return self.payload.model_validate(row)


@dataclass(frozen=True)
class _Ordered:
    order: int
    name: str
    fn: Callable[..., Any]


@dataclass
class Registry(Generic[C]):
    """Everything the areas of one process declared; each name may be declared once."""

    _commands: dict[str, CommandSet] = field(default_factory=dict, init=False)
    _kinds: dict[str, NoticeKind[C]] = field(default_factory=dict, init=False)
    _planners: dict[str, Planner[C]] = field(default_factory=dict, init=False)
    _digest: dict[str, _Ordered] = field(default_factory=dict, init=False)
    _home: dict[str, _Ordered] = field(default_factory=dict, init=False)
    _mentions: list[Route] = field(default_factory=list, init=False)
    _blockers: dict[str, BlockerFn] = field(default_factory=dict, init=False)
    _resource_notes: dict[str, ResourceNoteFn] = field(default_factory=dict, init=False)
    _on_call: OnCallProvider[C] | None = field(default=None, init=False)
    _home_view: HomeView[C] | None = field(default=None, init=False)
    _routes: list[HttpRoute] = field(default_factory=list, init=False)

    # --- declaring ------------------------------------------------------------------------------

    def add_commands(self, commands: CommandSet) -> None:
        self._once(self._commands, commands.slash, commands, "slash command")

    def add_notice_kind(
        self,
        kind: str,
        handler: Callable[[C, P], Plan[C]],
        *,
        payload: type[P],
        awaited: bool = False,
    ) -> None:
        """``payload``: the model of what the kind's rows carry; the handler is handed one.
        ``awaited``: other notices wait on this one (an announcement they edit or reply to),
        so when it fails it is made again rather than leave them waiting for nothing."""
        if kind in self._kinds:
            raise RegistryError(
                f"notice kind {kind!r} is declared twice: by "
                f"{_who(self._kinds[kind].handler)} and by {_who(handler)}"
            )
        self._kinds[kind] = NoticeKind(kind, handler, payload, awaited)

    def add_planner(self, name: str, fn: Planner[C]) -> None:
        self._once(self._planners, name, fn, "planner")

    def add_digest_section(self, name: str, order: int, fn: DigestFn[C]) -> None:
        self._once(self._digest, name, _Ordered(order, name, fn), "digest section")

    def add_home_section(self, name: str, order: int, fn: HomeFn[C]) -> None:
        self._once(self._home, name, _Ordered(order, name, fn), "Home section")

    def add_mention(
        self, pattern: str, usage: str, summary: str, handler: Callable[..., Any]
    ) -> None:
        """``handler(req, match)`` for text matching ``pattern`` (case-insensitive, full match)."""
        compiled = re.compile(pattern, re.IGNORECASE | re.DOTALL)
        for route in self._mentions:
            if route.pattern.pattern == compiled.pattern or route.usage == usage:
                raise RegistryError(
                    f"mention {usage!r} is declared twice: by {_who(route.handler)} "
                    f"and by {_who(handler)}"
                )
        self._mentions.append(Route(compiled, usage, summary, handler))

    def add_blocker_source(self, name: str, fn: BlockerFn) -> None:
        self._once(self._blockers, name, fn, "blocker source")

    def add_resource_notes(self, name: str, fn: ResourceNoteFn) -> None:
        """Lines shown beside a resource's state (`/resource list`, `status`, Home, digests)."""
        self._once(self._resource_notes, name, fn, "resource notes")

    def add_http_route(
        self, method: str, pattern: str, fn: RouteFn, *, max_body: int | None = None
    ) -> None:
        """An endpoint beside Slack's (``bot/http.py``); ``pattern`` must match the whole path."""
        compiled = re.compile(pattern)
        for route in self._routes:
            if route.method == method.upper() and route.pattern.pattern == compiled.pattern:
                raise RegistryError(
                    f"HTTP route {method.upper()} {pattern!r} is declared twice: by "
                    f"{_who(route.fn)} and by {_who(fn)}"
                )
        extra = {} if max_body is None else {"max_body": max_body}
        self._routes.append(HttpRoute(method.upper(), compiled, fn, **extra))

    def provide_on_call(self, fn: OnCallProvider[C]) -> None:
        if self._on_call is not None:
            raise RegistryError(
                f"who is on call is provided twice: by {_who(self._on_call)} and by {_who(fn)}"
            )
        self._on_call = fn

    def provide_home(self, fn: HomeView[C]) -> None:
        if self._home_view is not None:
            raise RegistryError(
                f"the Home tab is provided twice: by {_who(self._home_view)} and by {_who(fn)}"
            )
        self._home_view = fn

    @staticmethod
    def _once(table: dict[str, Any], name: str, value: Any, what: str) -> None:
        if name in table:
            before = table[name]
            old = before.fn if isinstance(before, _Ordered) else before
            new = value.fn if isinstance(value, _Ordered) else value
            raise RegistryError(
                f"{what} {name!r} is declared twice: by {_describe(old)} and by {_describe(new)}"
            )
        table[name] = value

    # --- reading --------------------------------------------------------------------------------

    def command_sets(self) -> list[CommandSet]:
        """Every slash command, in alphabetical order (the manifest, the console's help)."""
        return [self._commands[slash] for slash in sorted(self._commands)]

    def notice_kind(self, kind: str) -> NoticeKind[C] | None:
        return self._kinds.get(kind)

    def handler_for(self, kind: str) -> NoticeHandler[C] | None:
        found = self._kinds.get(kind)
        return found.handler if found else None

    def is_awaited(self, kind: str) -> bool:
        found = self._kinds.get(kind)
        return found is not None and found.awaited

    def notice_kinds(self) -> set[str]:
        return set(self._kinds)

    def missing_kinds(self, kinds: Iterable[str]) -> set[str]:
        """Those of ``kinds`` that no area handles: notices of them could never be sent."""
        return {kind for kind in kinds if kind not in self._kinds}

    def planners(self) -> list[tuple[str, Planner[C]]]:
        return sorted(self._planners.items())

    def digest_sections(self) -> list[tuple[str, DigestFn[C]]]:
        return [(e.name, e.fn) for e in sorted(self._digest.values(), key=_by_order)]

    def home_sections(self) -> list[tuple[str, HomeFn[C]]]:
        return [(e.name, e.fn) for e in sorted(self._home.values(), key=_by_order)]

    def mentions(self) -> list[Route]:
        """In the order they were declared: the first whose pattern matches answers."""
        return list(self._mentions)

    def blocker_sources(self) -> list[tuple[str, BlockerFn]]:
        return sorted(self._blockers.items())

    def resource_notes(self) -> list[tuple[str, ResourceNoteFn]]:
        return sorted(self._resource_notes.items())

    def http_routes(self) -> list[HttpRoute]:
        return list(self._routes)

    @property
    def on_call(self) -> OnCallProvider[C] | None:
        return self._on_call

    @property
    def home_view(self) -> HomeView[C] | None:
        return self._home_view


def _by_order(entry: _Ordered) -> tuple[int, str]:
    return entry.order, entry.name


def _describe(value: Any) -> str:
    if isinstance(value, CommandSet):
        return value.commands[0].__module__ if value.commands else repr(value.slash)
    return _who(value)
