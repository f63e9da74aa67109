"""Model adapters, found by the scheme of a model spec (``hf:path``); heavy libraries load only when used.

    planner            the optimal plan (a ceiling)
    random             random legal actions (a floor)
    bwbench-tiny       the small model shipped with bwbench, trained from scratch
    hf:<dir or id>     transformers (+ peft for LoRA adapters)
    vllm:<dir or id>   vLLM offline batch inference (GPU)
    openai:<base url>  any OpenAI-compatible server
"""

from __future__ import annotations

import difflib
import importlib

from ..errors import BwbenchError
from .base import Adapter, GenerationConfig, Query

__all__ = ["Adapter", "DECODED", "GenerationConfig", "OPTIONS", "Query", "SCHEMES", "check_generation", "load",
           "options_for", "parse_spec"]

# scheme -> (module, class, whether the spec needs a target after the colon)
SCHEMES: dict[str, tuple[str, str, bool]] = {
    "planner": ("bwbench.models.oracle", "PlannerAdapter", False),
    "random": ("bwbench.models.oracle", "RandomAdapter", False),
    "bwbench-tiny": ("bwbench.models.hf", "shipped", False),
    "hf": ("bwbench.models.hf", "HFAdapter", True),
    "vllm": ("bwbench.models.vllm", "VLLMAdapter", True),
    "openai": ("bwbench.models.openai", "OpenAIAdapter", True),
}


def parse_spec(spec: str) -> tuple[str, str]:
    """``"hf:models/x"`` → ``("hf", "models/x")``; a helpful ``BwbenchError`` for an unknown scheme."""
    scheme, sep, target = spec.partition(":")
    if scheme not in SCHEMES:
        close = difflib.get_close_matches(scheme, SCHEMES, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise BwbenchError(
            f"unknown model scheme {scheme!r} in {spec!r}{hint} (choose one of: "
            f"{', '.join(s + (':...' if SCHEMES[s][2] else '') for s in SCHEMES)})", "--model")
    needs_target = SCHEMES[scheme][2]
    if needs_target and not target:
        raise BwbenchError(f"{scheme!r} needs a model after the colon, e.g. {scheme}:path/to/model", "--model")
    if not needs_target and sep:
        raise BwbenchError(f"{scheme!r} takes nothing after it", "--model")
    return scheme, target


# Options each scheme takes; the command line passes only these.
OPTIONS: dict[str, tuple[str, ...]] = {
    "planner": (), "random": (), "bwbench-tiny": ("dtype", "device"),
    "hf": ("lora", "revision", "dtype", "device", "trust_remote_code"),
    "vllm": ("lora", "revision", "dtype", "trust_remote_code"),
    "openai": ("api", "served_model", "concurrency", "timeout", "retries"),
}
_FLAGS = {"lora": "--lora", "revision": "--revision", "trust_remote_code": "--trust-remote-code",
          "served_model": "--served-model"}


def options_for(scheme: str, options: dict, backend: str = "local") -> dict:
    """The options ``scheme`` takes; ``BwbenchError`` for one given that it does not take."""
    if backend == "modal" and scheme != "vllm":
        raise BwbenchError("--backend modal runs the vllm adapter: use --model vllm:<model>", "--backend")
    takes = OPTIONS[scheme]
    for key, flag in _FLAGS.items():
        if options.get(key) not in (None, False) and key not in takes:
            raise BwbenchError(f"{scheme} models take no {flag}", flag)
    return {k: v for k, v in options.items() if k in takes}


# Schemes whose completions are decoded from a model: at temperature 0 every sample is the same greedy completion.
# The oracles are not: planner gives its one optimal plan every time (a ceiling, whatever k), random draws a
# new walk for every sample (it has no temperature).
DECODED = frozenset({"bwbench-tiny", "hf", "vllm", "openai"})


def check_generation(scheme: str, gen: GenerationConfig) -> None:
    """``BwbenchError`` for settings that would make pass@k a copy of pass@1: several samples from a decoded
    model without sampling (temperature 0). Checked before a model is loaded or anything is written."""
    if gen.samples > 1 and gen.greedy and scheme in DECODED:
        raise BwbenchError(f"--samples {gen.samples} with --temperature 0 would repeat one greedy completion "
                           f"{gen.samples} times (pass@{gen.samples} would be pass@1); give --temperature above 0 "
                           "to sample, or drop --samples", "--samples")


def load(spec: str, **options) -> Adapter:
    """The adapter for ``spec``, built with the options it accepts (see each adapter's ``__init__``)."""
    scheme, target = parse_spec(spec)
    module, cls, needs_target = SCHEMES[scheme]
    try:
        adapter_cls = getattr(importlib.import_module(module), cls)
    except ImportError as exc:
        extra = {"hf": "hf", "vllm": "vllm", "openai": "openai"}.get(scheme, scheme)
        raise BwbenchError(f"the {scheme} adapter needs {exc.name}: pip install 'bwbench[{extra}]'", "--model") from None
    return adapter_cls(target, **options) if needs_target else adapter_cls(spec, **options)
