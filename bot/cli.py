"""`opsdesk`: the run modes of SPEC; with no Slack credentials, the console on local SQLite."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING

from bot import heap

if TYPE_CHECKING:
    from bot.settings import Settings

# Modes that keep running: they start with the collector paused and settle once up (bot/heap.py).
RUNNING = {None, "console", "serve", "socket", "scheduler"}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="opsdesk",
        description="Run the day-to-day operations of a company from Slack.",
        epilog="With no command: Slack mode when credentials are set, else the local console.",
    )
    sub = p.add_subparsers(dest="mode")
    sub.add_parser("console", help="try Opsdesk locally, no Slack needed")
    sub.add_parser("serve", help="HTTP mode on $PORT: POST /slack/events, GET /healthz")
    sub.add_parser("socket", help="Socket Mode (needs SLACK_APP_TOKEN)")
    sub.add_parser("scheduler", help="the scheduler alone (Procfile clock)")
    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade"])
    m = sub.add_parser("manifest", help="print the Slack app manifest (give --url or --socket)")
    m.add_argument("--url", help="HTTP mode: the public base URL, e.g. https://opsdesk.example.com")
    m.add_argument("--socket", action="store_true", help="Socket Mode: no public URL needed")
    c = sub.add_parser("check-config", help="validate the config file")
    c.add_argument("path", nargs="?")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.mode in RUNNING:
        heap.pause()
    from bot import boot  # after the pause: it imports most of what a process runs

    try:
        return _dispatch(args)
    except boot.StartupError as exc:
        boot.fail(exc)
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    from bot import boot

    if args.mode == "manifest":
        from bot.manifest import ManifestError, build, endpoints

        try:
            print(json.dumps(build(args.url, socket=args.socket), indent=2))
        except ManifestError as exc:
            print(f"opsdesk manifest: {exc}", file=sys.stderr)
            return 2
        # Not Slack's business, but the operator's: what else answers at this URL.
        listed = "\n".join(f"  {line}" for line in endpoints(args.url))
        print(f"Opsdesk also answers (not part of Slack's manifest):\n{listed}", file=sys.stderr)
        return 0
    s = boot.settings()
    boot.logging_setup(s)
    if args.mode == "check-config":
        return _check_config(args.path or s.OPSDESK_CONFIG)
    if args.mode == "db":
        applied = boot.upgrade_database(s)
        if not applied:
            print("opsdesk: the database was already up to date; nothing to apply")
        else:
            print(f"opsdesk: applied {len(applied)} migration(s); the database is up to date:")
            for revision, doc in applied:
                print(f"  - {revision}: {doc.splitlines()[0] if doc else ''}")
        return 0
    mode = args.mode or _default_mode(s)
    if mode == "console":
        cfg, path = boot.config(s, example_fallback=True)
        engine = boot.database(s)
        from bot.console.shell import run_console

        heap.settle()
        return run_console(s, cfg, engine, config_path=path)
    if mode == "serve":
        from bot.serve import serve

        return serve(s)
    if mode == "socket":
        from bot.serve import socket_mode

        return socket_mode(s)
    if mode == "scheduler":
        from bot.serve import scheduler_only

        return scheduler_only(s)
    raise AssertionError(mode)


def _default_mode(s: Settings) -> str:
    from bot import boot

    if not (s.SLACK_BOT_TOKEN or s.SLACK_SIGNING_SECRET or s.SLACK_APP_TOKEN):
        return "console"
    # Some Slack credentials but not a whole set is a half-done setup, not a wish for the
    # console: the mode they point at names what is missing.
    if s.SLACK_APP_TOKEN and not s.SLACK_SIGNING_SECRET:
        return "socket"
    if s.SLACK_SIGNING_SECRET:
        return "serve"
    raise boot.StartupError(
        "Slack mode needs SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)",
        [
            "SLACK_SIGNING_SECRET: from your Slack app's Basic Information page",
            "SLACK_APP_TOKEN: an app-level token (xapp-...) with connections:write",
            "or run `opsdesk console` to try Opsdesk without Slack",
        ],
    )


def _check_config(path: str | None) -> int:
    from bot.config import ConfigError, load_config, resolve_config_path

    resolved = resolve_config_path(path)
    if resolved is None:
        print("opsdesk: no config file (set OPSDESK_CONFIG or create ./opsdesk.toml)")
        return 2
    try:
        cfg = load_config(resolved)
    except ConfigError as exc:
        print(f"opsdesk: {exc.path} has {len(exc.errors)} error(s):", file=sys.stderr)
        for line in exc.errors:
            print(f"  - {line}", file=sys.stderr)
        return 1
    print(
        f"opsdesk: {resolved} is valid: {len(cfg.resources)} resources, "
        f"{len(cfg.rotations)} rotations, {len(cfg.purchases.rules)} purchase rules, "
        f"{len(cfg.digests)} digests, {len(cfg.alerts)} alert sources"
    )
    unset = [a.token_env for a in cfg.alerts if not os.environ.get(a.token_env)]
    if unset:
        # Not an error (the file is fine), but those hooks answer 401 to everyone until set.
        print(
            f"opsdesk: note: {', '.join(unset)} not set here: those alert hooks refuse every "
            "request until it is",
            file=sys.stderr,
        )
    return 0
