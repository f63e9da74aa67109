"""Shared fixtures: the seed reference files (optional) and independent reference oracles."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import permutations
from pathlib import Path

import pytest

from bwbench.world.state import State

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed-reference"


# Plain progress lines come every 10 s; on a loaded machine a quick command can take that long, and a test of its
# one-line error would see two lines. Tests of progress lines set the interval themselves.
QUIET = {"BWBENCH_PROGRESS_SECONDS": "3600"}


def run_cli(*args, cwd=None, env=None, input=None) -> subprocess.CompletedProcess:
    """``bwbench ARGS...`` as a user runs it: a real process, its exit code, stdout and stderr as text."""
    full = {**os.environ, **QUIET, **(env or {})}
    return subprocess.run([sys.executable, "-m", "bwbench", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=full, input=input)


def start_cli(*args, cwd=None, env=None) -> subprocess.Popen:
    """``bwbench ARGS...`` started and left running (to be killed, or raced against another)."""
    full = {**os.environ, **QUIET, **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "bwbench", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=cwd, env=full)


def need_shared(path: Path) -> Path:
    """``path`` (under ``../shared``) if it is there; else the test is skipped, or fails where
    ``BWBENCH_REQUIRE_SHARED`` is set (CI has ``../shared`` beside the checkout, so nothing may skip silently)."""
    if path.exists():
        return path
    where = path.relative_to(SHARED.parent) if path.is_relative_to(SHARED.parent) else path
    message = f"../{where} is not beside this checkout"
    if os.environ.get("BWBENCH_REQUIRE_SHARED"):
        pytest.fail(f"{message} (BWBENCH_REQUIRE_SHARED is set)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory) -> Path:
    """A randomly initialised one-layer Llama with the word-level tokenizer, saved as a model directory."""
    from bwbench.models.tiny import tiny_llama, word_tokenizer

    path = tmp_path_factory.mktemp("base")
    tok = word_tokenizer()
    tiny_llama(tok, hidden=32, layers=1, heads=2).save_pretrained(path)
    tok.save_pretrained(path)
    return path


@pytest.fixture
def seed_data() -> Path:
    return need_shared(SEED / "data")


@pytest.fixture
def readonly_dir(tmp_path):
    """A directory nobody may write into, this process included (``chattr +i`` when running as root).

    Yields a function that makes a given directory read-only; everything is made writable again afterwards.
    """
    frozen: list[Path] = []

    def freeze(path: Path) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
            if done.returncode != 0:
                pytest.skip(f"cannot make a directory read-only as root here: {done.stderr.strip()}")
        else:
            path.chmod(0o555)
        frozen.append(path)
        probe = path / ".probe"
        try:
            probe.write_bytes(b"")
        except OSError:
            return path
        probe.unlink()
        pytest.skip("this file system lets us write into a read-only directory")

    yield freeze
    for path in frozen:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=False)
        else:
            path.chmod(0o755)


def random_state(rng: random.Random, blocks: list[str]) -> State:
    """A random configuration (not uniform; the tests only need variety)."""
    order = blocks[:]
    rng.shuffle(order)
    towers, cur = [], []
    for b in order:
        cur.append(b)
        if rng.random() < 0.4:
            towers.append(cur)
            cur = []
    if cur:
        towers.append(cur)
    return State.of(towers)


def _succ(state: tuple[frozenset, str | None]):
    """Primitive 4-operator successors, written here from the PDDL domain, independent of bwbench."""
    towers, hand = state
    if hand is None:
        for t in towers:
            rest = towers - {t}
            yield (rest | {t[:-1]} if len(t) > 1 else rest, t[-1])
    else:
        yield (towers | {(hand,)}, None)
        for t in towers:
            yield ((towers - {t}) | {t + (hand,)}, None)


def reference_optimal(init: State, goal: State, limit: int = 30) -> tuple[int, int]:
    """(optimal plan length, number of optimal plans) by plain layered BFS over primitive actions."""
    start, target = (init.towers, None), (goal.towers, None)
    layer, seen, depth = {start: 1}, {start}, 0
    while target not in layer:
        nxt: dict = {}
        for s, c in layer.items():
            for t in _succ(s):
                if t not in seen:
                    nxt[t] = nxt.get(t, 0) + c
        seen.update(nxt)
        layer, depth = nxt, depth + 1
        assert depth <= limit, "reference search gave up"
    return depth, layer[target]


def brute_shape(init: State, goal: State):
    """Canonical form up to renaming by trying every renaming of the blocks."""
    blocks = sorted(init.blocks)
    best = None
    for perm in permutations(range(len(blocks))):
        name = dict(zip(blocks, perm))
        enc = (tuple(sorted(tuple(name[b] for b in t) for t in init.towers)),
               tuple(sorted(tuple(name[b] for b in t) for t in goal.towers)))
        if best is None or enc < best:
            best = enc
    return best


class JSONHandler(BaseHTTPRequestHandler):
    """What the tests' OpenAI-compatible servers share: JSON answers, quiet logs, and one model to list."""

    model = "oracle"

    def log_message(self, *args):
        pass

    def _send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._send(200, {"object": "list", "data": [{"id": self.model, "object": "model", "created": 0, "owned_by": "t"}]})


def load_model(spec: str, **options):
    """The model for ``spec`` (``hf:DIR``, ``planner``), loaded as ``bwbench eval`` loads it, with ``options``."""
    from bwbench.models import ModelSpec, load

    parsed = ModelSpec.parse(spec)
    return load(parsed, parsed.options(options))


def plan_prompt(item, template: str = "seed", shots=(), shown=None):
    """The plan-generation prompt ``bwbench eval`` sends for a suite's item."""
    from bwbench.tasks.plan import PLAN
    from bwbench.tasks.prompts import PromptConfig

    return PLAN.prompt(item, PromptConfig(template, len(shots)), list(shots), shown)


class LocalServer:
    """An OpenAI-compatible server on 127.0.0.1 and a free port, answering with a handler (a :class:`JSONHandler`)
    in threads of its own; ``url`` is its ``/v1`` base. A test's server subclasses it and calls :meth:`serve`."""

    def serve(self, handler: type[BaseHTTPRequestHandler], port: int = 0) -> None:
        """Serve on ``port`` (0: a free one; a port a closed server used: that server restarted)."""
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def cli_commands(group=None, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], object]:
    """Every command of the command line by its words (``("export", "lm-eval")``), groups walked through."""
    import typer.main

    from bwbench.cli import app

    found: dict[tuple[str, ...], object] = {}
    for name, cmd in sorted((group or typer.main.get_command(app)).commands.items()):
        found.update(cli_commands(cmd, (*prefix, name)) if hasattr(cmd, "commands") else {(*prefix, name): cmd})
    return found


TYPED_DOMAIN = """;; IPC's typed 4-operator Blocksworld
(define (domain blocks) (:requirements :strips :typing) (:types block)
 (:predicates (on ?x - block ?y - block) (ontable ?x - block) (clear ?x - block) (handempty) (holding ?x - block))
 (:action pick-up :parameters (?x - block)
  :precondition (and (clear ?x) (ontable ?x) (handempty))
  :effect (and (not (ontable ?x)) (not (clear ?x)) (not (handempty)) (holding ?x)))
 (:action put-down :parameters (?x - block)
  :precondition (holding ?x)
  :effect (and (not (holding ?x)) (clear ?x) (handempty) (ontable ?x)))
 (:action stack :parameters (?x - block ?y - block)
  :precondition (and (holding ?x) (clear ?y))
  :effect (and (not (holding ?x)) (not (clear ?y)) (clear ?x) (handempty) (on ?x ?y)))
 (:action unstack :parameters (?x - block ?y - block)
  :precondition (and (on ?x ?y) (clear ?x) (handempty))
  :effect (and (holding ?x) (clear ?y) (not (clear ?x)) (not (handempty)) (not (on ?x ?y)))))
"""
