"""The local console: type what a Slack user would, see what Slack would show.

Every line becomes the exact payload Slack would send, signed and dispatched through the real
Bolt app, so the console runs the same handlers and services as Slack mode. Its messenger prints
Block Kit as text with numbered buttons; `clock` moves time and runs the scheduler through it.
"""

from __future__ import annotations

import json
import shlex
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TextIO

from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine

from bot import mentions
from bot.app import CONSOLE_SECRET, create_app, start_runtime
from bot.config import Config
from bot.console import hooks
from bot.console import payloads as slack_payloads
from bot.console.messenger import ConsoleMessenger, channel_name
from bot.console.people import channel_id, person_id, person_name, slackify
from bot.console.plain import blocks_to_text
from bot.console.pressing import choose_button, form_state
from bot.context import Ctx
from bot.errors import UserError
from bot.manifest import SHORTCUTS
from bot.registry import Registry
from bot.runtime import Runtime
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.timeparse import parse_duration, parse_time
from bot.tz import zone

CONSOLE_HELP = """\
Console commands:
  /<command> ...        a slash command, e.g. /incident raise Disk full sev2
  @opsdesk <text>       mention the bot in the current channel
  dm <text>             a direct message to the bot
  click <n|label>       press a button shown above that you can see (not one in someone else's DM)
  submit f=v ...        fill in and submit your open form (quote values with spaces)
  shortcut <text>       the "Raise incident" message shortcut on a message you write here;
  shortcut last         ... or on the last message shown in this channel
  as @bob               act as someone else (people are @alice, @bob, @carol, @dave, ...);
                        each reads and types times in their own zone (@bob New York, @dave Kolkata)
  in #ops               switch channel
  clock [+2h | tomorrow 9am | 2026-12-01 09:00]   show or move the time (read in your zone);
                        reminders and digests fire
  home                  open your App Home tab
  post /hooks/alerts/<name> <json>   send an alert as a monitor would (its token from the
                        variable the source's token_env names)
  help, quit"""

MAX_STEP = timedelta(hours=1)


class Console:
    def __init__(self, rt: Runtime, messenger: ConsoleMessenger, out: TextIO):
        self.rt = rt
        self.messenger = messenger
        self.out = out
        self.app: App = create_app(rt, console=True)
        self.scheduler = Scheduler(rt)
        self.user = messenger.viewer
        self.channel = "C_GENERAL"
        self._verifier = SignatureVerifier(CONSOLE_SECRET)

    # --- plumbing ---------------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        print(text, file=self.out)

    def _dispatch(self, payload: tuple[str, str]) -> tuple[int, str]:
        body, content_type = payload
        ts = str(int(time.time()))  # Bolt checks signatures against the real clock
        signature = self._verifier.generate_signature(timestamp=ts, body=body)
        assert signature is not None  # None only without a timestamp
        headers: dict[str, str | Sequence[str]] = {
            "content-type": [content_type],
            "x-slack-request-timestamp": [ts],
            "x-slack-signature": [signature],
        }
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        return response.status, response.body

    def _flush(self) -> None:
        pending, self.rt.deferred = self.rt.deferred or [], []
        for outbox in pending:
            self.rt.dispatcher.flush(outbox)

    def _print_reply(self, status: int, body: str) -> None:
        if status == 404:
            self.say("(no such command here; `help` lists them)")
            return
        if not body or not body.strip().startswith("{"):
            return
        data = json.loads(body)
        if data.get("response_action") == "errors":
            for field, error in data.get("errors", {}).items():
                self.say(f"(form error) {field}: {error}")
            return
        if "text" in data or "blocks" in data:
            self.messenger.ephemeral(self.channel, self.user, _message(data))

    # --- commands ---------------------------------------------------------------------------

    def handle(self, line: str) -> bool:
        """Run one line; False when the user wants to leave."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        word, _, rest = line.partition(" ")
        try:
            if word in {"quit", "exit"}:
                return False
            if word == "help":
                self.show_help()
            elif word.startswith("/"):
                self._send(
                    slack_payloads.slash_command(
                        word,
                        slackify(rest),
                        user_id=self.user,
                        channel_id=self.channel,
                        user_name=self.user[2:].lower(),
                        trigger_id=f"T{time.time_ns()}",
                    )
                )
            elif word.lower() in {"@opsdesk", "@ops"}:
                event = slack_payloads.app_mention_event(
                    slackify(rest), user_id=self.user, channel_id=self.channel
                )
                self._send(slack_payloads.event(event))
            elif word == "dm":
                event = slack_payloads.dm_message_event(
                    slackify(rest), user_id=self.user, channel_id="D" + self.user
                )
                event["channel_type"] = "im"
                self._send(slack_payloads.event(event))
            elif word == "click":
                self.click(rest)
            elif word == "submit":
                self.submit(rest)
            elif word == "shortcut":
                self.shortcut(rest.strip())
            elif word == "as":
                self.act_as(rest.strip() or "alice")
            elif word == "in":
                self.channel = channel_id(rest.strip() or "general")
                self.say(f"(you are now in {channel_name(self.channel)})")
            elif word == "clock":
                self.clock(rest.strip())
            elif word == "post":
                self.post(rest)
            elif word == "home":
                self._send(slack_payloads.event(slack_payloads.app_home_opened_event(self.user)))
            else:
                self.say(f"(I don't know `{word}`: slash commands start with /, try `help`)")
        except UserError as exc:
            self.say(f"(!) {exc.message}")
        except Exception as exc:  # the console must survive anything a user types
            self.say(f"(!) that failed: {type(exc).__name__}: {exc}")
        return True

    def _send(self, payload: tuple[str, str]) -> None:
        status, body = self._dispatch(payload)
        self._print_reply(status, body)
        self._flush()

    @property
    def _zone(self) -> str:
        return self.messenger.zone_of(self.user)

    def act_as(self, who: str) -> None:
        self.user = self.messenger.viewer = person_id(who)
        tz = zone(self._zone)
        local = self.rt.clock.now().astimezone(tz)
        team = " (the team's)" if self._zone == self.rt.config.timezone else ""
        self.say(
            f"(you are now @{person_name(self.user)}; your time zone is {tz}{team}, where it is "
            f"{local:%a %H:%M %Z}: times you type are read there and shown to you there)"
        )

    def prompt(self) -> str:
        return f"@{person_name(self.user)} {channel_name(self.channel)} ({self._zone})> "

    def click(self, which: str) -> None:
        target = choose_button(self.messenger.buttons, which.strip(), self.user)
        self._send(
            slack_payloads.block_action(
                target.action_id,
                target.value,
                user_id=self.user,
                channel_id=None if target.view else target.channel,
                message_ts=target.ts,
                view=target.view,
                trigger_id=f"T{time.time_ns()}",
            )
        )

    def submit(self, rest: str) -> None:
        view = self.messenger.modal
        if view is None:
            raise UserError("No form is open.")
        owner = self.messenger.modal_owner
        if owner and owner != self.user:
            raise UserError(
                f"The open form is @{person_name(owner)}'s: `as @{person_name(owner)}` to fill "
                "it in."
            )
        given = dict(part.split("=", 1) for part in shlex.split(rest) if "=" in part)
        state = form_state(view, given, slackify)
        self._send(
            slack_payloads.view_submission(
                view["callback_id"],
                state,
                user_id=self.user,
                private_metadata=view.get("private_metadata", ""),
                blocks=view.get("blocks"),
            )
        )
        self.messenger.modal = None

    def shortcut(self, rest: str) -> None:
        """The message shortcut, on a message typed now or on the last one shown here."""
        if not rest:
            raise UserError("Say which message: `shortcut <its text>` or `shortcut last`.")
        if rest.lower() == "last":
            here = [m for m in self.messenger.shown if m.channel == self.channel]
            if not here:
                raise UserError(
                    f"No message has been shown in {channel_name(self.channel)} yet; "
                    "`shortcut <text>` runs it on a message you write."
                )
            text, author, ts = here[-1].text, slack_payloads.BOT_USER_ID, here[-1].ts
        else:
            text, author, ts = slackify(rest), self.user, slack_payloads.new_ts()
        self._send(
            slack_payloads.message_shortcut(
                SHORTCUTS[0]["callback_id"],
                user_id=self.user,
                channel_id=self.channel,
                message_text=text,
                message_user=author,
                message_ts=ts,
                trigger_id=f"T{time.time_ns()}",
            )
        )

    def clock(self, arg: str) -> None:
        tz = zone(self._zone)
        if arg:
            now = self.rt.clock.now()
            target = (
                now + parse_duration(arg[1:])
                if arg.startswith("+")
                else parse_time(arg, now=now, tz=tz, tonight=self.rt.config.time.tonight)
            )
            if target < now:
                raise UserError("The console's clock only moves forward.")
            before = self.messenger.count
            self._advance_to(target)
            sent = self.messenger.count - before  # what was shown, not how many notices ran
            self.say(f"(clock moved; {sent} scheduled message{'s' if sent != 1 else ''} went out)")
        self.say(f"(it is {self.rt.clock.now().astimezone(tz):%a %Y-%m-%d %H:%M %Z})")

    def _advance_to(self, target: datetime) -> int:
        """Walk time forward, stopping wherever something is due, so everything fires in order."""
        sent = self.scheduler.tick()
        while self.rt.clock.now() < target:
            now = self.rt.clock.now()
            due = self.rt.dispatcher.next_due()
            step = min(target, now + MAX_STEP, due if due and due > now else target)
            self.rt.clock.set(step)
            sent += self.scheduler.tick()
        return sent

    def post(self, rest: str) -> None:
        answer, why_not = hooks.post(self.rt, rest)
        if answer is None:
            self.say(f"(!) {why_not}")
            return
        self.say(f"HTTP {answer.status} {answer.body.decode(errors='replace')}")
        self._flush()

    def show_help(self) -> None:
        self.say(CONSOLE_HELP)
        self.say("\nSlash commands (each answers `help`):")
        for commands in self.rt.registry.command_sets():
            self.say(f"  {commands.slash:13} {commands.summary}")
        phrases = mentions.help_text(self.rt.registry.mentions())
        self.say(
            "\n"
            + blocks_to_text([{"type": "section", "text": {"type": "mrkdwn", "text": phrases}}])[0]
        )

    def banner(self, config_path: str | None) -> None:
        cfg = self.rt.config
        admin = " (an admin)" if cfg.is_admin(self.user) else ""
        self.say("Opsdesk console: Slack, in your terminal.")
        self.say(f"  database: {self.rt.engine.url.render_as_string(hide_password=True)}")
        self.say(f"  config:   {config_path or '(none: defaults)'}")
        self.say(
            f"  you are @{person_name(self.user)}{admin}, in #general; team time zone "
            f"{cfg.timezone} (@bob lives in {self.messenger.zone_of('U_BOB')}, "
            f"@dave in {self.messenger.zone_of('U_DAVE')})"
        )
        self.say(
            "Try:  /incident raise Checkout is failing sev1   ·   click 1   ·   /resource list"
        )
        self.say("      @opsdesk who is on call   ·   clock +1d   ·   home   ·   help   ·   quit\n")

    def loop(self, stdin: TextIO) -> None:
        interactive = stdin.isatty()
        while True:
            if interactive:
                try:
                    line = input(self.prompt())
                except EOFError:
                    break
            else:
                line = stdin.readline()
                if not line:
                    break
                if line.strip():
                    self.say(f"> {line.rstrip()}")
            if not self.handle(line):
                break

    def run_lines(self, lines: list[str]) -> None:
        for line in lines:
            self.say(f"> {line}")
            if not self.handle(line):
                break


def _message(data: dict[str, Any]) -> Any:
    from bot.messenger import Message

    return Message(text=data.get("text", ""), blocks=data.get("blocks"))


def build_console(
    settings: Settings,
    config: Config,
    engine: Engine,
    out: TextIO,
    *,
    registry: Registry[Ctx] | None = None,
) -> Console:
    messenger = ConsoleMessenger(out, config.timezone)
    rt = start_runtime(
        settings, config, messenger, engine=engine, registry=registry, synchronous=True
    )
    rt.deferred = []
    rt.dispatcher.pacing = False  # nothing to overwhelm: it prints each message at once
    return Console(rt, messenger, out)


def run_console(
    settings: Settings, config: Config, engine: Engine, *, config_path: str | None
) -> int:
    console = build_console(settings, config, engine, sys.stdout)
    console.banner(config_path)
    console.loop(sys.stdin)
    console.scheduler.shutdown()
    return 0
