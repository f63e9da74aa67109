"""transformers models (base, full fine-tunes, and peft LoRA adapters): batched generation and single-step success."""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from pathlib import Path
from typing import Sequence

from ..errors import BwbenchError
from .base import Completion, GenerationConfig, Query, ended, sample_seed

DTYPES = ("auto", "float32", "bfloat16", "float16")
_STEP_LINE = re.compile(r"^step \d+: (.+)$", re.M)


class HFModel:
    """``hf:<dir or hub id>``. A directory holding ``adapter_config.json`` is a LoRA adapter on its base model."""

    name = "hf"

    def __init__(self, target: str, lora: str | None = None, revision: str | None = None, dtype: str = "auto",
                 device: str = "auto", trust_remote_code: bool = False):
        from .paths import model_location

        base = model_location(target)  # first: a mistyped path or an unreachable hub fails before the heavy imports
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        if lora is None and Path(base).is_dir() and (Path(base) / "adapter_config.json").is_file():
            lora, base = base, model_location(_adapter_base(Path(base)))  # the adapter's base: as quick to refuse
        if lora is not None and not (Path(lora) / "adapter_config.json").is_file():
            raise BwbenchError("not a peft adapter directory (no adapter_config.json)", lora)
        if dtype not in DTYPES:
            raise BwbenchError(f"unknown dtype {dtype!r}; choose one of: {', '.join(DTYPES)}", field="dtype")
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        torch_dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}.get(
            dtype, torch.bfloat16 if device.startswith("cuda") else torch.float32)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(base, revision=revision, trust_remote_code=trust_remote_code)
            model = AutoModelForCausalLM.from_pretrained(base, revision=revision, dtype=torch_dtype,
                                                         trust_remote_code=trust_remote_code)
        except (OSError, ValueError) as exc:
            raise BwbenchError(f"cannot load the model: {_first_line(exc)}", target) from None
        if lora is not None:
            from peft import PeftModel

            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", FutureWarning)
                    model = PeftModel.from_pretrained(model, lora).merge_and_unload()
            except (RuntimeError, ValueError, KeyError, OSError) as exc:
                raise BwbenchError(f"the adapter does not fit the base model {base}: {_first_line(exc)}", lora) from None
        self.model = model.to(device).eval()
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token or self.tokenizer.unk_token
        self.base, self.lora, self.revision = base, lora, revision
        self._triggers: dict = {}
        self.dtype, self.device, self.trust_remote_code = str(torch_dtype).removeprefix("torch."), device, trust_remote_code

    label: dict = {}  # settings that name the model better than its path (the shipped model)

    def settings(self) -> dict:
        return {
            "base_model": self.base, "lora": self.lora, "revision": self.revision,
            "commit": getattr(self.model.config, "_commit_hash", None), "dtype": self.dtype, "device": self.device,
            "trust_remote_code": self.trust_remote_code, "parameters": sum(p.numel() for p in self.model.parameters()),
            "architecture": (self.model.config.architectures or [type(self.model).__name__])[0],
        } | self.label

    def render(self, q: Query) -> str:
        if not q.chat:
            return q.text
        if not getattr(self.tokenizer, "chat_template", None):
            raise BwbenchError(f"{self.base} has no chat template; use the seed or plain template", field="template")
        return self.tokenizer.apply_chat_template(list(q.messages), tokenize=False, add_generation_prompt=True)

    def encode(self, texts: Sequence[str], **kwargs):
        """Token ids of rendered prompts, padded. A chat template that writes the BOS token itself (Llama-2's does)
        gets no second one from the tokenizer."""
        bos = self.tokenizer.bos_token
        own_bos = bool(bos) and all(t.startswith(bos) for t in texts)
        return self.tokenizer(list(texts), return_tensors="pt", padding=True,
                              **({"add_special_tokens": False} if own_bos else {}), **kwargs)

    def generate(self, queries: Sequence[Query], gen: GenerationConfig) -> list[list[Completion]]:
        """One batch, left-padded, with the KV cache. Greedy at temperature 0 (several samples are then copies of
        the one greedy completion); otherwise plain temperature sampling (no top-k, no top-p) in which each problem
        and sample draws from its own random stream, seeded by ``gen.seed``, the problem's id and the sample's
        number, so its completion is the same whatever else is in the batch and whatever order batches run in."""
        import torch
        from transformers import LogitsProcessorList

        texts = [self.render(q) for q in queries]
        k = 1 if gen.greedy else gen.samples  # rows per query
        enc = self.encode(texts).to(self.device)
        rows = {name: t.repeat_interleave(k, dim=0) for name, t in enc.items()}
        sampler = None
        if not gen.greedy:
            seeds = [sample_seed(gen.seed, q.id if q.id is not None else text, j)
                     for q, text in zip(queries, texts) for j in range(k)]
            sampler = LogitsProcessorList([_RowSampler(seeds, gen.temperature)])
        if gen.stop not in self._triggers:
            self._triggers[gen.stop] = _StopStrings.triggers_for(self.tokenizer, gen.stop)
        stop = _StopStrings(self.tokenizer, gen.stop, enc["input_ids"].shape[1], self._triggers[gen.stop])
        room = self._room(enc["input_ids"].shape[1], gen.max_new_tokens)
        with torch.inference_mode():
            out = self.model.generate(
                **rows, max_new_tokens=room, do_sample=False, use_cache=True,
                pad_token_id=self.tokenizer.pad_token_id, eos_token_id=self.tokenizer.eos_token_id,
                stopping_criteria=[stop] if gen.stop else None, logits_processor=sampler,
            )
        new = out[:, enc["input_ids"].shape[1]:]
        decoded = self.tokenizer.batch_decode(new, skip_special_tokens=True)
        done = [self._ended(text, row, gen.stop, room) for text, row in zip(decoded, new.tolist())]
        if gen.greedy:
            return [[c] * gen.samples for c in done]
        return [done[i * k:(i + 1) * k] for i in range(len(queries))]

    def _room(self, prompt_len: int, budget: int) -> int:
        """New tokens allowed: the budget, within what the model's positions leave after the prompt (a chat
        turn's budget of 16,384 tokens on a model of 2,048 positions stops at the model's end)."""
        positions = getattr(self.model.config, "max_position_embeddings", None)
        return max(1, min(budget, positions - prompt_len)) if isinstance(positions, int) else budget

    def _ended(self, text: str, row: list[int], stop: Sequence[str], room: int) -> Completion:
        """One generated row as a completion: its tokens up to the end-of-sequence token (the padding after it
        excluded), and whether the budget (``room``) cut it off."""
        eos = self.tokenizer.eos_token_id
        ends = {eos} if isinstance(eos, int) else set(eos or ())
        tokens = next((i + 1 for i, t in enumerate(row) if t in ends), None)
        if tokens is None and self.tokenizer.pad_token_id is not None:
            tokens = next((i for i, t in enumerate(row) if t == self.tokenizer.pad_token_id), None)
        cut_off = tokens is None and len(row) >= room
        return ended(text, stop, cut_off=cut_off, tokens=len(row) if tokens is None else tokens)

    def single_step(self, queries: Sequence[Query], golds: Sequence[str]) -> list[tuple[int, int]]:
        """Teacher-forced single-step success: with the gold plan's earlier steps given, is each next action
        the model's greedy choice? One forward pass per batch; a step counts when every token of its action
        (and the line break after it) is the argmax."""
        import torch

        fulls, spans = [], []
        for q, gold in zip(queries, golds):
            prompt = self.render(q)
            sep = " " if prompt.endswith("[/INST]") else ""
            full = prompt + sep + gold
            start = len(prompt) + len(sep)
            spans.append([(start + m.start(1), start + m.end(1) + 1) for m in _STEP_LINE.finditer(gold)])
            fulls.append(full)
        enc = self.encode(fulls, return_offsets_mapping=True)
        offsets = enc.pop("offset_mapping")
        enc = enc.to(self.device)
        with torch.inference_mode():
            pred = self.model(**enc).logits.argmax(-1).cpu()
        ids, mask = enc["input_ids"].cpu(), enc["attention_mask"].cpu()
        out = []
        for j, step_spans in enumerate(spans):
            right = 0
            for a, b in step_spans:
                positions = [i for i in range(1, ids.shape[1]) if mask[j, i] and offsets[j, i, 0] < b
                             and offsets[j, i, 1] > a and offsets[j, i, 1] > offsets[j, i, 0]]
                right += bool(positions) and all(pred[j, i - 1] == ids[j, i] for i in positions)
            out.append((right, len(step_spans)))
        return out


class _StopStrings:
    """Stop each sequence once its new text holds a stop string.

    transformers' own ``stop_strings`` needs a tokenizer whose pieces it can
    take apart, which word-level tokenizers are not. Decoding at every step is
    what costs, so only a sequence whose newest token could end a stop string
    (a *trigger*, found once per vocabulary) has its last few tokens decoded.
    """

    def __init__(self, tokenizer, stop: Sequence[str], prompt_len: int, triggers, window: int = 12):
        self.tokenizer, self.stop, self.prompt_len, self.window = tokenizer, tuple(stop), prompt_len, window
        self.triggers = triggers
        self.done = None

    @staticmethod
    def triggers_for(tokenizer, stop: Sequence[str]):
        """Token ids whose text holds the last character of some stop string."""
        import torch

        ends = {s[-1] for s in stop if s}
        ids = [i for i in range(len(tokenizer)) if any(c in tokenizer.decode([i]) for c in ends)]
        return torch.tensor(ids, dtype=torch.long)

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        if self.done is None:
            self.done = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
        check = torch.isin(input_ids[:, -1], self.triggers.to(input_ids.device)) & ~self.done
        rows = check.nonzero().flatten().tolist()
        if rows:
            new = input_ids[rows, max(self.prompt_len, input_ids.shape[1] - self.window):]
            for row, tail in zip(rows, self.tokenizer.batch_decode(new, skip_special_tokens=True)):
                if any(s in tail for s in self.stop):
                    self.done[row] = True
        return self.done.clone()


class _RowSampler:
    """A logits processor that samples each row's next token from the row's own generator (on the CPU, one
    uniform number a row and step) and leaves only that token for the greedy step to take."""

    def __init__(self, seeds: Sequence[int], temperature: float):
        import torch

        self.generators = [torch.Generator().manual_seed(s) for s in seeds]
        self.temperature = temperature

    def __call__(self, input_ids, scores):
        import torch

        probs = torch.softmax(scores.float() / self.temperature, dim=-1)
        draws = torch.stack([torch.rand((), generator=g) for g in self.generators])
        cdf = probs.cumsum(-1)
        targets = (draws.to(cdf.device) * cdf[:, -1]).unsqueeze(-1)
        picks = torch.searchsorted(cdf, targets, right=True).clamp(max=scores.shape[-1] - 1)
        out = torch.full_like(scores, float("-inf"))
        return out.scatter_(1, picks, 0.0)


def shipped(spec: str = "bwbench-tiny", **options) -> HFModel:
    """The model that ships with bwbench (``models/bwbench-tiny``), through :class:`HFModel`."""
    from .tiny import shipped_path

    path = shipped_path()
    if path is None:
        raise BwbenchError("bwbench-tiny is not part of this installation (models/bwbench-tiny is missing)", field="model")
    model = HFModel(str(path), **options)
    # Recorded by name and by the weights' hash, not by where this installation keeps it.
    model.label = {"base_model": "bwbench-tiny",
                   "weights_sha256": hashlib.sha256((path / "model.safetensors").read_bytes()).hexdigest()}
    return model


def _adapter_base(path: Path) -> str:
    try:
        base = json.loads((path / "adapter_config.json").read_text()).get("base_model_name_or_path")
    except json.JSONDecodeError:
        base = None
    if not base:
        raise BwbenchError("adapter_config.json names no base model; give the base as the model and this directory as the LoRA adapter", str(path))
    return base


def _first_line(exc: BaseException) -> str:
    """The informative line of a library's error (for a state-dict error, the first mismatch)."""
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    if not lines:
        return type(exc).__name__
    mismatch = next((ln for ln in lines if ln.startswith(("size mismatch", "Missing key", "Unexpected key"))), None)
    return mismatch or lines[0]
