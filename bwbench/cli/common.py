"""What every command shares: the consoles, one-line errors, progress, examples in ``--help``, and option parsing.

Options are parsed here and only here (``--levels L1,L2`` into levels,
``--blocks 4-6`` into block counts); the library takes values and says what is
wrong with one by naming the field of its request, which :class:`Command`
turns back into the option that set it.
"""

from __future__ import annotations

import copy
import os
import shlex
import sys
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import TextColumn
from rich.table import Table
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from ..errors import BwbenchError, Interrupted, MissingExtra

class _Console(Console):
    """rich's console, reading no markup in what it is given to show: table cells and titles (paths, run names,
    anyone's words, ``bwbench[plot]``) are shown as they are. A string printed directly is markup as rich reads
    it, so the few that style a label (:func:`say`) escape the text they show.

    Off a terminal (a pipe, a log), nothing wraps or is cut short to fit 80 columns: lines are as long as their
    text, and tables as wide as their cells, unless ``COLUMNS`` sets a width. A table's title and caption
    (a path, a long note) are lines of their own, folded by nothing but a terminal, not by the table's width.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, **kwargs)
        if not self.is_terminal and not os.environ.get("COLUMNS", "").strip().isdigit():
            self.width = UNWRAPPED

    def print(self, *objects: Any, markup: bool | None = None, **kwargs: Any) -> None:
        if len(objects) == 1 and isinstance(objects[0], Table) and (objects[0].title or objects[0].caption):
            table = copy.copy(objects[0])
            table.title = table.caption = None
            for line, style in ((objects[0].title, "table.title"), (table, None), (objects[0].caption, "table.caption")):
                if line:
                    super().print(line, style=style, markup=False, highlight=False, soft_wrap=line is not table)
            return
        if markup is None and all(isinstance(o, str) for o in objects):
            markup = True  # a string printed directly: rich's markup, as ever (its caller escapes what it shows)
        super().print(*objects, markup=markup, **kwargs)


UNWRAPPED = 100_000
"""The width of a console that is not a terminal: wider than any line it is given, so none is folded."""

out = _Console()
err = _Console(stderr=True)

FROM_ROOT = "from the repository root"
HELP = {"help_option_names": ["-h", "--help"]}


def say(label: str, message: str) -> None:
    """One line on stderr, ``label:`` in bold red; the message printed as it is (no markup read in it)."""
    err.print(f"[bold red]{label}:[/] {escape(message)}", highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)


def show(text: str) -> None:
    """A line of plain output on stdout, as it is."""
    out.print(text, highlight=False, markup=False, soft_wrap=True)


def progress(*extra: TextColumn):
    """A bar on a terminal; plain lines every few seconds in logs (see :mod:`.progress`)."""
    from .progress import progress as make

    return make(err, *extra)


def examples(*commands: str, needs: str | None = None) -> str:
    """A command's epilog. Examples run as pasted from the repository root (a test runs every one), except where
    ``needs`` says what they need that a fresh checkout lacks."""
    label = "Example" if len(commands) == 1 else "Examples"
    return f"{label} ({f'needs {needs}' if needs else FROM_ROOT}):\n\n" + "\n\n".join(commands)


def count(n: int, noun: str) -> str:
    """``1 problem``, ``1,000 problems``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def command_line() -> str:
    """This invocation as a shell command, for records that say how to redo them."""
    return "bwbench " + " ".join(shlex.quote(a) for a in sys.argv[1:])


# --------------------------------------------------------------------------- parsing options

def parse_level(text: str) -> int:
    t = text.strip().upper()
    if not (t.startswith("L") and t[1:].isdigit() and int(t[1:]) >= 1):
        raise ValueError(f"not a level: {text!r} (use L1, L2, ...)")
    return int(t[1:])


def levels(level: str | None, levels: str | None) -> tuple[int, ...] | None:
    """The levels of ``--level L3`` or ``--levels L1,L2`` (None: neither given); both at once is refused rather
    than one silently dropped."""
    if level is not None and levels is not None:
        raise BwbenchError("give --level or --levels, not both", "--levels")
    if level is not None and "," in level:
        raise BwbenchError(f"one level, not {level!r}; for several, --levels", "--level")
    text, option = (levels, "--levels") if levels is not None else (level, "--level")
    if text is None:
        return None
    try:
        return tuple(parse_level(x) for x in text.split(","))
    except ValueError as exc:
        raise BwbenchError(str(exc), option) from None


def blocks(text: str | None) -> tuple[int, ...] | None:
    """``--blocks 6`` or ``--blocks 4-6``."""
    if text is None:
        return None
    lo, _, hi = text.partition("-")
    try:
        a, b = int(lo), int(hi or lo)
    except ValueError:
        raise BwbenchError(f"not a block range: {text!r} (use 6 or 4-6)", "--blocks") from None
    if not 1 <= a <= b:
        raise BwbenchError(f"not a block range: {text!r}", "--blocks")
    return tuple(range(a, b + 1))


def names(text: str | None) -> tuple[str, ...] | None:
    """``--colors red,blue,green``: the names, in order (their checks are the library's)."""
    if text is None:
        return None
    return tuple(c.strip() for c in text.split(",") if c.strip())


# --------------------------------------------------------------------------- commands and their help

class _Argument(TyperArgument):
    """A positional argument shown as ``FILES...``, without typer's ``{files}`` and ``<list[Path]>``."""

    def _name(self) -> str:
        return (self.metavar or self.name.upper()) + ("..." if self.nargs != 1 else "")

    def _usage_display_name(self) -> str:
        return self._name() if self.required else f"[{self._name()}]"

    def _rich_display_name(self) -> str:
        return self._name()

    def make_metavar(self, ctx=None) -> str:
        return self._name()

    def display_type_rich(self, ctx) -> str | None:
        return None


class _Option(TyperOption):
    """An option shown as ``--out DIR`` (its metavar, or its name in capitals), a flag with nothing after it."""

    def display_type_rich(self, ctx) -> str | None:
        if self.is_flag or self.count:
            return None
        return self.metavar or (self.name or "").upper()


def _plain(command) -> None:
    """Help as written: no type noise after options, and no text read as markup (``[INST]`` stays)."""
    for param in command.params:
        if type(param) is TyperArgument:
            param.__class__ = _Argument
        elif type(param) is TyperOption:
            param.__class__ = _Option
        if getattr(param, "help", None):
            param.help = escape(param.help)
    for name in ("help", "epilog", "short_help"):
        if getattr(command, name, None):
            setattr(command, name, escape(getattr(command, name)))


def _help_option(option):
    if option is not None and type(option) is TyperOption:
        option.__class__ = _Option
    return option


class Command(TyperCommand):
    """A command whose help has no type noise, and whose library errors name the option that set a field."""

    settings_option: str | None = None  # an option setting named fields (train's --set): unknown fields go there

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain(self)

    def get_help_option(self, ctx):
        return _help_option(super().get_help_option(ctx))

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except BwbenchError as exc:
            if exc.field is not None:
                exc.option = self.option_for(exc.field, ctx)
            raise

    def option_for(self, field: str, ctx: typer.Context) -> str | None:
        """The option (or argument) that set a request's field: ``levels`` → ``--level`` or ``--levels``, whichever
        was given; a setting (train's ``val_split``) → ``--set val_split``; None where no option of this command
        sets it (``runs list`` has no ``--backend``: its error names no option)."""
        found = [p for p in self.params if p.name in (field, field.rstrip("s"))]
        given = [p for p in found if ctx.params.get(p.name) not in (None, False, ())]
        param = (given or found or [None])[0]
        if param is None:
            return f"{self.settings_option} {field}" if self.settings_option else None
        if isinstance(param, TyperArgument):
            return param.metavar or param.name.upper()
        return max(param.opts, key=len)


class SettingsCommand(Command):
    settings_option = "--set"


class Commands(TyperGroup):
    """Runs a command and reports what went wrong: the one place where errors become one line and an exit code.

    Bad input (``BwbenchError``) and the file system refusing (a read-only
    directory, a file where a directory should be) exit 2; Ctrl-C exits 130,
    saying what was kept when the command knows (``Interrupted``). Writers
    write to temporary names and rename, so nothing is left half-written.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain(self)

    def get_help_option(self, ctx):
        return _help_option(super().get_help_option(ctx))

    order: tuple[str, ...] = ()  # the commands in the order --help lists them; others after them

    def list_commands(self, ctx: typer.Context) -> list[str]:
        names = super().list_commands(ctx)
        return [n for n in self.order if n in names] + [n for n in names if n not in self.order]

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except BwbenchError as exc:
            say("error", _where(exc))
            raise typer.Exit(2) from None
        except OSError as exc:
            where = ": ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
            say("error", f"{where}: {exc.strerror}" if where and exc.strerror else str(exc))
            raise typer.Exit(2) from None
        except ImportError as exc:  # an optional package missing where no library code said so: still one line
            missing = MissingExtra.of(exc, f"bwbench {ctx.invoked_subcommand or ctx.command_path}")
            if missing is None:
                raise
            say("error", str(missing))
            raise typer.Exit(2) from None
        except Interrupted as exc:
            say("interrupted", str(exc))
            raise typer.Exit(130) from None
        except KeyboardInterrupt:
            say("interrupted", "nothing was written half-way; run the same command again")
            raise typer.Exit(130) from None


def _where(exc: BwbenchError) -> str:
    """``--out results/x: exists and is not a bwbench run``: the option that set the field, and where."""
    option = getattr(exc, "option", None)
    place = " ".join(p for p in (option, exc.where) if p)
    return f"{place}: {exc.message}" if place else exc.message
