"""`/report` subcommands, one typed model each.

The bare command takes sections and a period straight after `/report` (`/report incidents month`),
so the set tries the subcommand words (`export`, `schedule`, `help`) first and reads anything
else as the figures and charts.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, InstanceOf

from bot.commands import Command, CommandSet, ParseEnv
from bot.config import REPORT_SECTIONS
from bot.errors import UserError
from bot.mrkdwn import echo
from bot.reports.period import Period, default_period, parse_period

SECTION_WORDS = {
    "incidents": "incidents",
    "incident": "incidents",
    "purchases": "purchases",
    "purchase": "purchases",
    "resources": "resources",
    "resource": "resources",
    "oncall": "oncall",
    "on-call": "oncall",
}
DATASETS = ("incidents", "purchases", "bookings", "shifts", "audit")
_HELP_WORDS = {"help", "?", "-h", "--help"}


class Show(Command):
    """Headline figures here and a chart per section in your DM (default: all, the last 4 weeks)."""

    name: ClassVar[str] = "show"
    # `show` may be left out (`/report incidents week`); help names it so every line reads alike.
    usage: ClassVar[str] = "show [incidents|purchases|resources|oncall] [week|month|<from> to <to>]"
    example: ClassVar[str] = "show incidents 2026-11-01 to 2026-11-30"
    sections: tuple[Literal[REPORT_SECTIONS], ...] = Field(min_length=1)  # type: ignore[valid-type]
    period: InstanceOf[Period]

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        sections: list[str] = []
        i = 0
        while i < len(words) and words[i].lower() in SECTION_WORDS:
            section = SECTION_WORDS[words[i].lower()]
            if section not in sections:
                sections.append(section)
            i += 1
        return {
            "sections": tuple(sections or REPORT_SECTIONS),
            "period": parse_period(words[i:], env),
        }


class Export(Command):
    """A CSV file of the rows, sent to your DM: your own rows, or everyone's for admins."""

    name: ClassVar[str] = "export"
    usage: ClassVar[str] = "export <incidents|purchases|bookings|shifts|audit> [period]"
    example: ClassVar[str] = "export purchases month"
    dataset: Literal[DATASETS]  # type: ignore[valid-type]
    period: InstanceOf[Period]

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        if not words:
            raise UserError(f"Say what to export: {', '.join(DATASETS)}.")
        dataset = words[0].lower()
        if dataset not in DATASETS:
            raise UserError(f"I can't export `{echo(words[0])}`; I export {', '.join(DATASETS)}.")
        return {"dataset": dataset, "period": parse_period(words[1:], env)}


class Schedule(Command):
    """The weekly reports posted in channels, and when each goes out next."""

    name: ClassVar[str] = "schedule"
    usage: ClassVar[str] = "schedule"


class ReportCommands(CommandSet):
    """Words that are no subcommand are sections and a period (see the module docstring)."""

    def parse(self, text: str, env: ParseEnv) -> Command | None:
        words = text.split()
        if not words:
            return Show(sections=REPORT_SECTIONS, period=default_period(env))
        first = words[0].lower()
        if first in _HELP_WORDS or first in {"export", "schedule", "show"}:
            return super().parse(text, env)
        try:
            return Show.model_validate(Show.from_words(words, env))
        except UserError as exc:
            raise UserError(f"{exc.message}\n{self.usage_of(Show)}", field=exc.field) from None


COMMANDS = ReportCommands(
    "/report",
    "Figures and charts of incidents, purchases, resources and on-call; CSV exports",
    [Show, Export, Schedule],
    usage_hint="[incidents|purchases|resources|oncall] [week|month|<from> to <to>] | export | help",
)
