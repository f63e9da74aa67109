"""Generation speed of the hf adapter against the seed's evaluation loop, on the same tiny model, in one run.

    python benchmarks/bench_eval.py [--problems 64] [--batch-size 64] [--hidden 64] [--layers 2]

The seed generated one prompt at a time, sampling at temperature 0.1, 200 new
tokens. bwbench batches prompts (sorted by length, left-padded, with the KV
cache), decodes greedily and stops at the end of the plan. The model is a
randomly initialised Llama-architecture model with the word-level tokenizer
(nothing is downloaded), so neither side stops early on its own: the figure is
the cost of the loop, not of a model that knows when to stop. On a CPU the
gain shrinks as the model grows and compute, not the loop, takes the time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import one_core  # noqa: E402

from bwbench.models import ModelSpec, load  # noqa: E402
from bwbench.models.base import GenerationConfig  # noqa: E402
from bwbench.models.tiny import tiny_llama, word_tokenizer  # noqa: E402
from bwbench.suites.view import load_suite  # noqa: E402
from bwbench.tasks.plan import PLAN  # noqa: E402
from bwbench.tasks.prompts import PromptConfig  # noqa: E402


def seed_loop(model, tokenizer, texts: list[str]) -> float:
    """The seed's way: one prompt at a time, sampling at temperature 0.1, 200 new tokens."""
    import torch

    start = time.perf_counter()
    for text in texts:
        enc = tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            model.generate(**enc, max_new_tokens=200, do_sample=True, temperature=0.1,
                           pad_token_id=tokenizer.pad_token_id)
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--problems", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=64, help="the tests' tiny model by default")
    ap.add_argument("--layers", type=int, default=2)
    args = ap.parse_args()
    print(one_core())
    import torch

    torch.set_num_threads(1)
    view = load_suite(ROOT / "data" / "paper", "test", 3, args.problems)
    queries = [PLAN.prompt(t, PromptConfig(), []) for t in view.items]
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    with tempfile.TemporaryDirectory() as tmp:
        tok = word_tokenizer()
        tiny_llama(tok, hidden=args.hidden, layers=args.layers).save_pretrained(tmp)
        tok.save_pretrained(tmp)
        adapter = load(ModelSpec.parse(f"hf:{tmp}"), {"device": "cpu"})
        n_params = adapter.settings()["parameters"]
        base = seed_loop(adapter.model, adapter.tokenizer, [q.text for q in queries])
        budget = PLAN.budget("seed", view.all_items)
        gen = GenerationConfig(max_new_tokens=budget.max_new_tokens, stop=budget.stop)
        start = time.perf_counter()
        order = sorted(range(len(queries)), key=lambda i: -len(queries[i].text))
        for i in range(0, len(order), args.batch_size):
            adapter.generate([queries[j] for j in order[i:i + args.batch_size]], gen)
        ours = len(queries) / (time.perf_counter() - start)
    print(f"tiny Llama ({n_params:,} parameters), {len(queries)} L3 prompts, one core: "
          f"bwbench batched greedy (batch {args.batch_size}, {gen.max_new_tokens} new tokens at most) {ours:.2f} problems/s; "
          f"seed loop (one at a time, temperature 0.1, 200 new tokens) {base:.2f} problems/s; ratio {ours / base:.1f}x")


if __name__ == "__main__":
    main()
