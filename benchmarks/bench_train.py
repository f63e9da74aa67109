"""Scratch training throughput, with bwbench's tokenizer against the same tokenizer without its phrase tokens.

    python benchmarks/bench_train.py [--steps 40] [--batch-size 16] [--hidden 192] [--layers 8] [--device cpu]

Both sides train the same randomly initialised Llama-architecture model (the
shape ``bwbench-tiny`` ships with) on the same freshly generated L3 problems,
with AdamW, for the same number of optimiser steps, after two warm-up steps.
The baseline gives every word its own token; bwbench's tokenizer makes the
prompt's fixed header, ``[/INST]`` and each ``step N:`` single tokens. The
figure that matters is training examples per second (a plan is learnt per
example, not per token); tokens per second is printed beside it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import one_core  # noqa: E402

from bwbench.models.tiny import tiny_llama, word_tokenizer  # noqa: E402
from bwbench.training.data import generated_pairs  # noqa: E402


def run(tokenizer, pairs, args) -> tuple[float, float, float]:
    """(examples/s, tokens/s, mean tokens per example) over ``args.steps`` optimiser steps."""
    import torch

    model = tiny_llama(tokenizer, hidden=args.hidden, layers=args.layers, heads=args.heads).to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    encoded = []
    for p in pairs:
        prompt = tokenizer(p.prompt, add_special_tokens=False)["input_ids"]
        answer = tokenizer(p.completion, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
        encoded.append((prompt + answer, [-100] * len(prompt) + answer))
    batches = [encoded[i:i + args.batch_size] for i in range(0, len(encoded), args.batch_size)]

    def step(batch):
        width = max(len(ids) for ids, _ in batch)
        ids = torch.tensor([x + [tokenizer.pad_token_id] * (width - len(x)) for x, _ in batch], device=args.device)
        labels = torch.tensor([y + [-100] * (width - len(y)) for _, y in batch], device=args.device)
        mask = (torch.arange(width, device=args.device)[None, :] < torch.tensor([len(x) for x, _ in batch],
                                                                                 device=args.device)[:, None]).long()
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        opt.step()
        opt.zero_grad()

    for b in batches[:2]:
        step(b)
    timed = batches[2:2 + args.steps]
    if args.device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for b in timed:
        step(b)
    if args.device == "cuda":
        torch.cuda.synchronize()
    secs = time.perf_counter() - start
    n = sum(len(b) for b in timed)
    tokens = sum(len(ids) for b in timed for ids, _ in b)
    return n / secs, tokens / secs, tokens / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--hidden", type=int, default=192)
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--all-cores", action="store_true", help="do not pin to one core")
    args = ap.parse_args()
    print(one_core() if not args.all_cores else "machine: all cores")
    import torch

    torch.manual_seed(0)
    pairs = generated_pairs((args.steps + 2) * args.batch_size, "3", "4:1,5:2,6:3", set(), seed=11, template="seed")
    ours = run(word_tokenizer(), pairs, args)
    base = run(word_tokenizer(with_phrases=False), pairs, args)
    print(f"model: hidden {args.hidden}, {args.layers} layers, batch {args.batch_size}, {args.steps} steps, {args.device}")
    print(f"baseline (a token per word): {base[0]:8.1f} examples/s  {base[1]:8.0f} tokens/s  {base[2]:.1f} tokens/example")
    print(f"bwbench (phrase tokens):     {ours[0]:8.1f} examples/s  {ours[1]:8.0f} tokens/s  {ours[2]:.1f} tokens/example")
    print(f"ratio: {ours[0] / base[0]:.2f}x examples/s")


if __name__ == "__main__":
    main()
