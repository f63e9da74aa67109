"""MkDocs hooks: the command pages' reference comes from the command line itself, so it cannot drift.

mkdocs-click renders a click command named as ``module`` and ``command``.
bwbench's command line is a typer app, so this hook builds its click commands
once and exposes each as an attribute of a module, ``bwbench_commands``:
``generate``, ``export_lm_eval``, ``runs_pull``, ... A page then says

    ::: mkdocs-click
        :module: bwbench_commands
        :command: generate
        :prog_name: bwbench generate

Help texts escape rich markup (``\\[INST]``); the pages show them unescaped,
as ``bwbench COMMAND --help`` prints them. The hook also publishes the one
picture the pages show from outside ``docs/`` (the planner benchmark's plot),
so that it is kept in one place.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the checkout being documented, installed or not

import typer.main  # noqa: E402

from bwbench.cli import app  # noqa: E402

MODULE = "bwbench_commands"
PICTURES = ("benchmarks/planner-time.png",)


def walk(group, prefix=()):
    """Every leaf command as (``"export lm-eval"``, command), in name order."""
    for name, cmd in sorted(group.commands.items()):
        if hasattr(cmd, "commands"):
            yield from walk(cmd, (*prefix, name))
        else:
            yield " ".join((*prefix, name)), cmd


def attribute(path: str) -> str:
    """The attribute a command is found under: ``export lm-eval`` -> ``export_lm_eval``."""
    return path.replace(" ", "_").replace("-", "_")


def _register() -> types.ModuleType:
    module = types.ModuleType(MODULE, "bwbench's click commands, for mkdocs-click.")
    for path, cmd in walk(typer.main.get_command(app)):
        setattr(module, attribute(path), cmd)
    sys.modules[MODULE] = module
    return module


_register()


def on_files(files, config):
    from mkdocs.structure.files import File

    for picture in PICTURES:
        files.append(File(picture, str(ROOT), config["site_dir"], config["use_directory_urls"]))
    return files


def on_page_content(html, page, config, files):
    if page.file.src_uri.startswith("commands/"):
        html = html.replace("\\[", "[")  # typer's rich-markup escape, as --help prints it
    return html
