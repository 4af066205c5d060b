"""Typed commands: one pydantic model per subcommand.

A subcommand's class carries its name, usage line, example and docstring (the help text), and
its fields carry the validation; the default parser maps words onto fields in order, the last
field taking the rest of the text. Commands with a richer grammar (times, flags that may stand
anywhere) override ``from_words``. Nobody keeps regexes, help text and checks in three places.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, time
from typing import Annotated, Any, ClassVar, NamedTuple
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from bot import ids
from bot.errors import UserError
from bot.mrkdwn import echo, escape


class ParseEnv(NamedTuple):
    """What parsing may depend on: times are read in the user's zone, relative to now."""

    now: datetime
    tz: ZoneInfo
    tonight: time = time(20, 0)  # what "tonight" means: the config's [time] tonight


class UsageError(UserError):
    """The words did not form a command; the message is the help text."""


def ref(prefix: str, noun: str) -> BeforeValidator:
    """Reads an id typed as 7, #7 or INC-7: ``Annotated[int, ref("INC", "an incident")]``."""
    return BeforeValidator(lambda v: ids.parse(prefix, str(v), noun=noun))


_USER = re.compile(r"^<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>$")


def _user_id(value: object) -> str:
    m = _USER.match(str(value).strip())
    if not m:
        raise ValueError(f"`{echo(value)}` is not a person; mention them with @, like @alice")
    return m.group(1)


UserRef = Annotated[str, BeforeValidator(_user_id)]


class Command(BaseModel):
    """Base of every subcommand; subclasses set the class variables and fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: ClassVar[str] = ""
    usage: ClassVar[str] = ""
    example: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    # Only reads: the Slack edge runs it without a transaction (and runs it again as one,
    # should it write after all). Set it on subcommands that show things.
    reads_only: ClassVar[bool] = False

    @classmethod
    def from_words(cls, words: list[str], env: ParseEnv) -> dict[str, Any]:
        names = list(cls.model_fields)
        if not names:
            if words:
                raise UserError(f"`{cls.name}` takes nothing after it.")
            return {}
        data: dict[str, Any] = {}
        for i, field in enumerate(names):
            if i >= len(words):
                break
            data[field] = " ".join(words[i:]) if i == len(names) - 1 else words[i]
        return data

    @classmethod
    def help_line(cls) -> str:
        return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""


def _num(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


# Pydantic's constraint errors, phrased after the field: "`page` must be at least 1."
_BOUNDS = {
    "greater_than_equal": ("must be at least", "ge"),
    "greater_than": ("must be more than", "gt"),
    "less_than_equal": ("must be at most", "le"),
    "less_than": ("must be less than", "lt"),
}


def _friendly(exc: ValidationError) -> str:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"] if not isinstance(p, int)) or "input"
    ctx = err.get("ctx") or {}
    kind = err["type"]
    if kind == "missing":
        return f"`{field}` is missing."
    if kind == "extra_forbidden":
        return f"I did not expect `{echo(err.get('input'))}`."
    msg = err["msg"].removeprefix("Value error, ")
    if kind in {"string_too_short"}:
        return f"`{field}` is missing."
    if kind == "enum" or kind == "literal_error":
        return f"`{echo(err.get('input'))}` is not a valid {field}: {msg.lower()}."
    if kind == "string_too_long":
        got = len(str(err.get("input", "")))
        limit = _num(ctx.get("max_length"))
        return f"`{field}` must be at most {limit} characters; it has {got:,}."
    if kind in _BOUNDS:
        phrase, key = _BOUNDS[kind]
        return f"`{field}` {phrase} {_num(ctx.get(key))}, not `{echo(err.get('input'))}`."
    if kind in {"int_parsing", "int_from_float"}:
        return f"`{field}` must be a whole number, not `{echo(err.get('input'))}`."
    if kind != "value_error":
        # Pydantic's own wording does not name the field; ours (value errors) already does.
        msg = f"`{field}`: {msg[:1].lower()}{msg[1:]}"
    return msg if msg.endswith(".") else msg + "."


HELP_WORDS = frozenset({"help", "?", "-h", "--help"})


class CommandSet:
    """A slash command and its subcommands: dispatch by the first word, help from the classes.

    Its area declares it (``registry.add_commands``), so the manifest and the console's help
    list every command the process was built with.
    """

    def __init__(
        self,
        slash: str,
        summary: str,
        commands: Sequence[type[Command]],
        *,
        usage_hint: str = "help",
    ):
        self.slash = slash
        self.usage_hint = usage_hint
        self.summary = summary
        self.commands = list(commands)
        self._by_word: dict[str, type[Command]] = {}
        for cmd in self.commands:
            for word in (cmd.name, *cmd.aliases):
                self._by_word[word] = cmd

    def help_text(self) -> str:
        lines = [f"*{self.slash}*: {self.summary}"]
        for cmd in self.commands:
            # Usage lines hold <placeholders>, which Slack would read as links unless escaped.
            also = "".join(f" (also `{a}`)" for a in cmd.aliases)
            line = f"• `{self.slash} {escape(cmd.usage or cmd.name)}`  {cmd.help_line()}{also}"
            lines.append(line)
        lines.append(f"• `{self.slash} help`  this list")
        return "\n".join(lines)

    def usage_of(self, cmd: type[Command]) -> str:
        usage = cmd.usage or cmd.name
        # Without its own example, the usage minus its optional parts is one (`list [all]`).
        example = cmd.example or re.sub(r"\s*\[[^\]]*\]", "", usage)
        line = f"Usage: `{self.slash} {escape(usage)}`"
        if "<" not in example:
            line += f"\nExample: `{self.slash} {escape(example)}`"
        return line

    def command_help(self, cmd: type[Command]) -> str:
        """`/incident raise help`: what the subcommand does, its usage and an example."""
        also = f" (also {', '.join(f'`{a}`' for a in cmd.aliases)})" if cmd.aliases else ""
        return f"*{self.slash} {cmd.name}*{also}: {cmd.help_line()}\n{self.usage_of(cmd)}"

    def named(self, text: str) -> str | None:
        """The name of the subcommand ``text`` starts with (an alias resolved), if it is one."""
        words = text.split(maxsplit=1)
        cmd = self._by_word.get(words[0].lower()) if words else None
        return cmd.name if cmd is not None else None

    def reads_only(self, text: str) -> bool:
        """Whether the subcommand ``text`` starts with only reads (help and unknown words
        are answered without the database)."""
        words = text.split(maxsplit=1)
        if not words:
            return False
        word = words[0].lower()
        if word in HELP_WORDS:
            return True
        cmd = self._by_word.get(word)
        return cmd is None or cmd.reads_only

    def parse(self, text: str, env: ParseEnv) -> Command | None:
        """None for empty text (the caller decides: a modal, or the help)."""
        words = text.split()
        if not words:
            return None
        word = words[0].lower()
        if word in HELP_WORDS:
            raise UsageError(self.help_text())
        cmd = self._by_word.get(word)
        if cmd is None:
            raise UsageError(f"I don't know `{echo(words[0])}`.\n\n{self.help_text()}")
        return self.build(cmd, words[1:], env)

    def build(self, cmd: type[Command], words: list[str], env: ParseEnv) -> Command:
        """The words after a subcommand's name as that subcommand (mentions use it too, so both
        answer with the same usage); `help` alone answers with the subcommand's own help."""
        if len(words) == 1 and words[0].lower() in HELP_WORDS:
            raise UsageError(self.command_help(cmd))
        try:
            data = cmd.from_words(words, env)
            return cmd.model_validate(data)
        except UserError as exc:
            raise UserError(f"{exc.message}\n{self.usage_of(cmd)}", field=exc.field) from None
        except ValidationError as exc:
            raise UserError(f"{_friendly(exc)}\n{self.usage_of(cmd)}") from None
