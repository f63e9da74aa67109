"""A word-level tokenizer for the domain's language, and small Llama-architecture models built from a config.

Nothing is downloaded: the vocabulary comes from the prompt's fixed text, the
step language and the block names, and models start from random weights. A
token is a word or a punctuation mark with the single space before it, if any
(``" red"``, ``" on-top-of"``, ``":"``), or one other whitespace character, so
decoding concatenates tokens and gives back the text exactly, and plans take
half the tokens they would with spaces of their own. The prompt's fixed
header, ``Goal state:`` line, `` [/INST]`` and each ``step N:`` are single
tokens too: the model spends no compute on text that never changes, and a plan
step is three to five tokens.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from ..world.text import INSTRUCTION, RULE, SEED_PALETTE

EXTRA_COLORS = ("pink", "orange", "purple", "brown", "cyan", "olive", "navy", "teal", "maroon", "lime")
SPECIALS = ("<pad>", "<s>", "</s>", "<unk>")
_PIECES = re.compile(r" ?[\w-]+| ?[^\w\s]|\s")


def vocabulary(colors: Iterable[str] = SEED_PALETTE + EXTRA_COLORS, max_steps: int = 40) -> list[str]:
    """Every token the seed's prompts and plans use, for these block names."""
    fixed = f"{INSTRUCTION}\n{RULE}\nInit state: Goal state: Plan: step pick-up stack on-top-of table on [INST] [/INST] <>"
    words = dict.fromkeys(SPECIALS)
    words.update(dict.fromkeys(("\n", " ", "\t")))
    pieces = [*_PIECES.findall(fixed), *(str(i) for i in range(max_steps + 1)), *colors]
    for piece in pieces:
        bare = piece.lstrip(" ")
        if bare and not bare.isspace():
            words.update(dict.fromkeys((bare, " " + bare)))
    return list(words)


def phrases(max_steps: int = 40) -> list[str]:
    """Fixed stretches of the seed's prompt and plan that are one token each (matched before words)."""
    header = f"[INST] {INSTRUCTION}\n\n{RULE}\n\nInit state:\n"
    return [header, "\n\nGoal state:\n", " [/INST]", *(f"\nstep {i}:" for i in range(1, max_steps + 1))]


def word_tokenizer(colors: Iterable[str] = SEED_PALETTE + EXTRA_COLORS, with_phrases: bool = True):
    """A fast tokenizer (transformers) over :func:`vocabulary` and :func:`phrases`, with a Llama-2 style chat template.

    ``with_phrases=False`` leaves the phrases out (every word its own token): the
    baseline of ``benchmarks/bench_train.py``.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        pre_tokenizers,
    )
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(vocabulary(colors))}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Split(Regex(_PIECES.pattern), behavior="isolated")
    core.decoder = decoders.Fuse()
    if with_phrases:
        core.add_tokens([AddedToken(p, normalized=False) for p in phrases()])
    tok = PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>",
        clean_up_tokenization_spaces=False,
    )
    tok.chat_template = (
        "{% for m in messages %}{% if m['role'] == 'user' %}[INST] {{ m['content'] }} [/INST]"
        "{% else %} {{ m['content'] }}</s>{% endif %}{% endfor %}"
    )
    return tok


def tiny_llama(tokenizer, hidden: int = 64, layers: int = 2, heads: int = 4, seed: int = 0, max_positions: int = 2048):
    """A randomly initialised Llama-architecture causal LM sized for ``tokenizer``."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=hidden * 2, num_hidden_layers=layers,
        num_attention_heads=heads, num_key_value_heads=heads, max_position_embeddings=max_positions,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    return LlamaForCausalLM(config)


def shipped_path() -> Path | None:
    """``models/bwbench-tiny``: inside the installed wheel (``bwbench/models/bwbench-tiny``), or at the source tree's
    root."""
    package = Path(__file__).resolve().parent.parent  # bwbench/
    for candidate in (package / "models" / "bwbench-tiny", package.parent / "models" / "bwbench-tiny"):
        if (candidate / "config.json").is_file():
            return candidate
    return None
