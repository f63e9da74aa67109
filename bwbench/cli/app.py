"""The ``bwbench`` command group: its options, its subgroups, and how every command is declared."""

from __future__ import annotations

import typer

from .common import HELP, Command, Commands, out


def _version(show: bool) -> None:
    if show:
        from .. import __version__

        out.print(f"bwbench {__version__}", highlight=False)
        raise typer.Exit()


class _Pipeline(Commands):
    order = ("tasks", "generate", "solve", "import", "audit", "score", "eval", "train", "leaderboard", "card", "export", "runs")


app = typer.Typer(name="bwbench", cls=_Pipeline, no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False, context_settings=HELP)


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                        help="Print the version and exit.")) -> None:
    """Blocksworld planning benchmark for LLMs: tasks, generate, solve, import, audit, score, eval, train, leaderboard, card, export, runs."""


export_app = typer.Typer(help="A suite in another evaluation framework's format.", no_args_is_help=True,
                         cls=Commands, context_settings=HELP)
app.add_typer(export_app, name="export")
runs_app = typer.Typer(help="Training runs on Modal's runs volume: list them, download one.", no_args_is_help=True,
                       cls=Commands, context_settings=HELP)
app.add_typer(runs_app, name="runs")


def command(*where: typer.Typer | str, cls: type = Command, **kwargs):
    """Declare a command: ``@command()``, ``@command("eval")``, ``@command(export_app, "lm-eval")`` (its help
    without type noise; its library errors naming options)."""
    group = next((w for w in where if isinstance(w, typer.Typer)), app)
    name = next((w for w in where if isinstance(w, str)), None)
    return group.command(name, cls=cls, **kwargs)
