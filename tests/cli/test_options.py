"""The command line's own part: options parsed into the library's values, a library error's field named as the
option that set it, ``-h``, and help and messages printed as written."""

from __future__ import annotations

import pytest


from ..conftest import ROOT, cli_commands, run_cli


COMMANDS = list(cli_commands())


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_command_takes_h_and_its_help_has_no_type_noise(command):
    short, long = run_cli(*command, "-h"), run_cli(*command, "--help")
    assert short.returncode == long.returncode == 0 and short.stdout == long.stdout
    for noise in ("<bool>", "<str>", "<path>", "list[", "{"):
        assert noise not in short.stdout, (command, noise)


def test_help_shows_brackets_as_written():
    text = run_cli("eval", "-h", env={"COLUMNS": "200"}).stdout
    assert "[INST] ... [/INST]" in text  # not read as markup and swallowed


@pytest.mark.parametrize("args,option", [
    (["generate", "--levels", "L30", "--blocks", "5", "--out", "x"], "--levels:"),  # a level 5 blocks cannot reach
    (["generate", "--level", "L30", "--blocks", "5", "--out", "x"], "--level:"),  # the option as given
    (["generate", "--preset", "paper", "--n", "5"], "--n:"),
    (["generate", "--colors", "red,red,blue", "--out", "x"], "--colors:"),
    (["generate", "--sampler", "sideways", "--out", "x"], "--sampler:"),
    (["eval", "--model", "hf", "--suite", "data/paper"], "--model:"),
    (["eval", "--model", "planner", "--suite", "data/paper", "--template", "haiku"], "--template:"),
    (["eval", "--model", "planner", "--suite", "data/paper", "--split", "dev"], "--split:"),
    (["eval", "--model", "planner", "--suite", "data/paper", "--level", "L9"], "--level:"),
    (["eval", "--model", "hf:x", "--suite", "data/paper", "--samples", "3"], "--samples:"),
    (["eval", "--model", "planner", "--suite", "data/paper", "--lora", "x"], "--lora:"),
    (["eval", "--model", "planner", "--suite", "data/paper", "--backend", "modal"], "--backend:"),
    (["train", "--suite", "data/paper", "--adapter", "scratch", "--set", "val_split=2"], "--set val_split:"),
    (["train", "--suite", "data/paper", "--adapter", "lora"], "--base-model:"),
    (["leaderboard", "results/paper-planner/results.json", "--out", "x.md", "--reference", "none"], "--reference:"),
    (["export", "lm-eval", "--suite", "data/paper", "--out", "x", "--name", "Bad-Name"], "--name:"),
])
def test_a_library_error_names_the_option_that_set_the_value(args, option, tmp_path):
    r = run_cli(*args, cwd=ROOT)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {option}"), r.stderr


def test_an_error_about_a_path_names_the_option_and_the_path(tmp_path):
    (tmp_path / "file").write_text("x")
    r = run_cli("generate", "--level", "L1", "--n", "2", "--out", tmp_path / "file")
    assert r.returncode == 2 and r.stderr.startswith(f"error: --out {tmp_path / 'file'}: exists and is not a directory")


def test_a_message_with_brackets_arrives_whole(tmp_path):
    bad = tmp_path / "[x].jsonl"
    bad.write_text('{"input": "no problem here", "completion": "[bold]x[/bold]"}\n')
    r = run_cli("score", bad)
    assert r.returncode == 2 and "[x].jsonl" in r.stderr, r.stderr
