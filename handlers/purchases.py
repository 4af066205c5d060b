"""/purchase, the approver buttons (in DMs and on App Home) and the request and reject modals."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from slack_bolt import App

from bot.context import Ctx
from bot.errors import FormCheck, UserError
from bot.messenger import Message
from bot.mrkdwn import until as until_text
from bot.purchases import commands as cmd
from bot.purchases import delegation, queries, render, service
from bot.purchases.commands import COMMANDS
from bot.purchases.ids import Action, View
from bot.purchases.money import parse_amount
from bot.registry import Registry
from handlers.kit import Request, action, button_id, slash, submission


def _meta(req: Request) -> dict[str, str]:
    return {"channel_id": req.channel_id or ""}


def _decided(result: service.Decided) -> Message:
    return render.decided(result.request, result.step, result.decision, result.on_behalf_of)


def run(req: Request, command: cmd.Command | None) -> Message | None:
    ctx = req.ctx
    match command:
        case None:
            req.open_modal(render.request_modal(ctx.config.purchases.currency, _meta(req)))
            return None
        case cmd.Request(amount=amount, description=words):
            currency, rest = service.split_currency(list(words), ctx, amount)
            if not rest:
                raise UserError("`description` is missing: say what you want to buy.")
            description = " ".join(rest)
            created = service.submit(ctx, amount, currency, description, channel_id=req.channel_id)
            return render.requested(created, trimmed=len(description) > len(created.description))
        case cmd.Approve(id=request_id, comment=comment):
            return _decided(service.approve(ctx, request_id, comment))
        case cmd.Reject(id=request_id, reason=reason):
            return _decided(service.reject(ctx, request_id, reason))
        case cmd.Cancel(id=request_id):
            cancelled = service.cancel(ctx, request_id)
            return render.done(f"{render.ref(cancelled)} is cancelled.")
        case cmd.List(scope=scope, page=page):
            rows, total = queries.listing(ctx, scope, page, per_page=render.LIST_LIMIT)
            return render.listing(rows, total, ctx.tz, scope=scope, page=page)
        case cmd.Show(id=request_id):
            found, decisions, events, total_events = queries.detail(ctx, request_id)
            return render.detail(found, decisions, events, ctx.tz, total_events=total_events)
        case cmd.Delegate(off=True):
            ended = delegation.delegate_off(ctx)
            return render.done(f"{render.user(ended.delegate)} no longer decides for you.")
        case cmd.Delegate(user=user_id, until=until) if user_id and until:
            row = delegation.delegate(ctx, user_id, until)
            return render.done(
                f"{render.user(row.delegate)} may decide purchases for you "
                f'{until_text(row.until, ctx.tz)}. Decisions show "on behalf of" you.'
            )
    raise AssertionError(command)


def _json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _form_amount(text: str) -> Any:
    try:
        return parse_amount(text)
    except (ValueError, ValidationError) as exc:
        raise UserError(str(exc).removeprefix("Value error, "), field="amount") from None


def register(app: App, registry: Registry[Ctx]) -> None:
    slash(app, COMMANDS)(run)

    @action(app, Action.APPROVE, reads_first=True)  # a second tap only reads the outcome
    def on_approve(req: Request, value: str) -> Message:
        # Works from a DM and from App Home (no channel there: the reply goes by DM).
        return _decided(service.approve(req.ctx, button_id(value, "a purchase request")))

    @action(app, Action.REJECT)
    def on_reject(req: Request, value: str) -> None:
        # Check first, so someone who may not decide is told now rather than after typing.
        found = service.check_can_decide(req.ctx, button_id(value, "a purchase request"))
        req.open_modal(render.reject_modal(found, _meta(req)))

    @submission(app, View.REJECT)
    def on_reject_form(req: Request, values: dict[str, str], metadata: str) -> Message:
        request_id = int(_json(metadata).get("request", 0))
        reason = values.get("reason", "").strip()
        if not reason:
            raise UserError("A rejection needs a reason.", field="reason")
        return _decided(service.reject(req.ctx, request_id, reason))

    @submission(app, View.REQUEST)
    def on_request_form(req: Request, values: dict[str, str], metadata: str) -> Message:
        check = FormCheck()  # every invalid input is marked at once
        amount = check.field("amount", _form_amount, values.get("amount", ""))
        currency = check.field("currency", service.check_currency, req.ctx, values.get("currency"))
        check.field("description", service.check_description, values.get("description", ""))
        check.done()
        assert amount is not None
        req.channel_id = req.channel_id or _json(metadata).get("channel_id") or None
        created = service.submit(
            req.ctx,
            amount,
            currency,
            values.get("description", ""),
            vendor=values.get("vendor") or None,
            cost_centre=values.get("cost_centre") or None,
            justification=values.get("justification") or None,
            channel_id=req.channel_id,
        )
        return render.requested(created)
