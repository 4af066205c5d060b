"""Personal feed tokens: made on first ask, replaced on reset, stored only as a hash.

The token is the whole credential of a feed URL (calendar apps cannot send a header), so it is
random (``secrets``), long, and kept only as its SHA-256: it can be shown once, when it is made.
Asked again, Opsdesk says a link exists and how to get a new one rather than show an old one it
no longer knows. Making and replacing one are audited in the same transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from bot.context import Ctx
from storage import calendars as repo

ENTITY = "calendar"
TOKEN_BYTES = 24  # 32 URL-safe characters


def feed_path(token: str) -> str:
    return f"/calendar/{token}.ics"


@dataclass(frozen=True)
class Link:
    """What to tell the person: a new token (shown once), or when their existing one was made."""

    token: str | None
    made_at: datetime
    replaced: bool = False

    def url(self, public_url: str | None) -> str | None:
        if self.token is None or public_url is None:
            return None
        return public_url.rstrip("/") + feed_path(self.token)


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def link(ctx: Ctx) -> Link:
    """The actor's feed: a new token when they have none yet, else when theirs was made."""
    user_id = ctx.actor.user_id
    existing = repo.token_of(ctx.session, user_id)
    if existing is not None:
        return Link(None, existing.created_at)
    token = _new_token()
    if not repo.create_token(ctx.session, user_id, token, ctx.now):
        # Made by a request that ran at the same moment; that one showed it.
        made = repo.token_of(ctx.session, user_id)
        return Link(None, made.created_at if made else ctx.now)
    ctx.audit(ENTITY, None, "token.created", {"user": user_id})
    return Link(token, ctx.now)


def reset(ctx: Ctx) -> Link:
    """A new token for the actor; the old URL answers 404 from now on."""
    user_id = ctx.actor.user_id
    had = repo.token_of(ctx.session, user_id) is not None
    token = _new_token()
    repo.replace_token(ctx.session, user_id, token, ctx.now)
    ctx.audit(ENTITY, None, "token.reset" if had else "token.created", {"user": user_id})
    return Link(token, ctx.now, replaced=had)


def owner(ctx: Ctx, token: str) -> str | None:
    return repo.owner_of(ctx.session, token)
