"""Local training with the transformers Trainer (and peft for LoRA), on CPU or GPU, resumable.

The run directory ends up holding the model (or LoRA adapter) and its
tokenizer, so ``bwbench eval --model hf:<run>`` works on it directly, plus
``run.json`` with the provenance; checkpoints go to ``<run>/checkpoints`` and a
run started again with the same directory resumes from the last one.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
import warnings
from pathlib import Path

from ..errors import BwbenchError, Interrupted
from ..fileio import atomic_write
from ..models.paths import model_location
from ..provenance import VERSION, utc_now
from .config import TrainConfig
from .data import Pair, generated_pairs, held_out_keys, split, suite_pairs


def train(cfg: TrainConfig) -> dict:
    """Train as ``cfg`` says; returns what ``run.json`` holds. Ctrl-C stops it with what it kept said
    (:class:`~bwbench.errors.Interrupted`), and leaves no empty checkpoint folder behind."""
    cfg = cfg.resolved()
    cfg.check()
    if cfg.adapter != "scratch":
        model_location(cfg.base_model, field="base_model")  # before the heavy imports: an unreachable hub fails at once
    suite, out = Path(cfg.suite), Path(cfg.out)
    if not suite.is_dir():
        raise BwbenchError("no such suite directory", str(suite), field="suite")
    existed = out.exists()
    try:
        with warnings.catch_warnings():
            # Deprecations inside transformers and peft, repeated every run: nothing a user of bwbench can act on.
            warnings.simplefilter("ignore", FutureWarning)
            return _train(cfg, suite, out)
    except KeyboardInterrupt:
        last = _last_checkpoint(out / "checkpoints")
        raise Interrupted(f"stopped; {last} kept: run the same command again to resume from it" if last else
                          "stopped before the first checkpoint: nothing was kept") from None
    finally:
        _tidy(out, existed)


def _train(cfg: TrainConfig, suite: Path, out: Path) -> dict:
    """The run itself: examples, model, Trainer (resuming from the last checkpoint), the model saved, ``run.json``."""
    import torch
    from transformers import DataCollatorForSeq2Seq, Trainer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()  # download and save bars; the Trainer's own bar is the one progress shown
    started = time.time()
    pairs = _pairs(cfg, suite)
    tokenizer, model = _model(cfg)
    train_pairs, val_pairs = split(pairs, cfg.val_split, cfg.seed)
    if cfg.adapter == "scratch" and cfg.curriculum:
        train_pairs.sort(key=lambda p: p.level)  # short plans first; the sampler below keeps this order once
    train_set, dropped = _encode(train_pairs, tokenizer, cfg.max_seq_len)
    val_set, _ = _encode(val_pairs, tokenizer, cfg.max_seq_len)
    if not train_set:
        raise BwbenchError(f"no training example fits in {cfg.max_seq_len} tokens", field="max_seq_len")
    device_cpu = cfg.device == "cpu" or (cfg.device == "auto" and not torch.cuda.is_available())
    trainer_cls = _counting(_curriculum(Trainer) if cfg.adapter == "scratch" and cfg.curriculum else Trainer)
    tokenizer.padding_side = "right"
    terminal = sys.stderr.isatty()
    trainer = trainer_cls(
        model=model, args=_arguments(cfg, out, len(train_set), bool(val_set), device_cpu, terminal),
        train_dataset=train_set, eval_dataset=val_set or None,
        data_collator=DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100),
    )
    _log_as_numbers(trainer, terminal)
    last = _last_checkpoint(out / "checkpoints")
    first_step = _checkpoint_step(last)
    result = trainer.train(resume_from_checkpoint=last)
    metrics = dict(result.metrics)
    if val_set:
        metrics.update(trainer.evaluate())
    tokenizer.padding_side = "left"
    trainer.model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    # What this session trained (a resumed run's earlier steps were trained, and timed, before it).
    session = {"steps": trainer.state.global_step - first_step, "tokens": trainer.tokens_trained,
               "seconds": round(metrics.get("train_runtime") or (time.time() - started), 3)}
    examples = {"train": len(train_set), "validation": len(val_set), "dropped_too_long": dropped}
    record = _record(cfg, model, metrics, session, started, device_cpu, last, examples)
    atomic_write(out / "run.json", (json.dumps(record, indent=2) + "\n").encode())
    return record


def _last_checkpoint(checkpoints: Path) -> str | None:
    """The checkpoint a run started again resumes from: the one of the latest step, if there is one."""
    if not checkpoints.is_dir():
        return None
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(str(checkpoints))


def _tidy(out: Path, existed: bool) -> None:
    """No empty ``checkpoints/`` after a run that stopped before its first one (nor an empty run directory that this
    run made): an empty folder would pass for a run that can be resumed."""
    for folder, ours in ((out / "checkpoints", True), (out, not existed)):
        if ours and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def _log_as_numbers(trainer, terminal: bool) -> None:
    """The Trainer's log lines as JSON of numbers (the Trainer's own are strings), one a line: above the progress bar
    on a terminal, and with no bar, plain lines, in a log."""
    from transformers import PrinterCallback, ProgressCallback, TrainerCallback

    def line(state, logs: dict) -> str:
        numbers = {k: float(f"{v:.4g}") if isinstance(v, float) else v for k, v in logs.items()
                   if isinstance(v, (int, float)) and k != "total_flos"}
        return json.dumps({"step": state.global_step, **numbers})

    class Bar(ProgressCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if state.is_local_process_zero and logs:
                (self.training_bar.write if self.training_bar is not None else print)(line(state, logs))

    class Lines(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if state.is_local_process_zero and logs:
                print(line(state, logs), flush=True)

    trainer.remove_callback(ProgressCallback)
    trainer.remove_callback(PrinterCallback)
    trainer.add_callback(Bar() if terminal else Lines())


def _pairs(cfg: TrainConfig, suite: Path) -> list[Pair]:
    """The examples: freshly generated problems that leave out every held-out test problem (scratch), or the suite's
    train split (fine-tunes)."""
    if cfg.adapter != "scratch":
        return suite_pairs(suite, cfg.template)
    keep_out = held_out_keys(suite)
    for extra in filter(None, (x.strip() for x in cfg.exclude.split(","))):
        keep_out |= held_out_keys(Path(extra))
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    with Progress(console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task("generating problems", total=cfg.problems)
        return generated_pairs(cfg.problems, cfg.levels, cfg.blocks, keep_out, cfg.seed, cfg.template,
                               on_problem=lambda: bar.advance(task))


def _arguments(cfg: TrainConfig, out: Path, examples: int, validate: bool, device_cpu: bool, terminal: bool):
    """The Trainer's arguments: the config's schedule, checkpoints to ``<out>/checkpoints`` (every ``save_steps``, or
    every tenth of the run), and a progress bar only on a terminal."""
    from transformers import TrainingArguments

    steps_per_epoch = max(1, examples // (cfg.micro_batch_size * cfg.gradient_accumulation))
    total = cfg.max_steps if cfg.max_steps > 0 else int(steps_per_epoch * cfg.epochs)
    return TrainingArguments(
        output_dir=str(out / "checkpoints"), per_device_train_batch_size=cfg.micro_batch_size,
        per_device_eval_batch_size=cfg.micro_batch_size, gradient_accumulation_steps=cfg.gradient_accumulation,
        learning_rate=cfg.learning_rate, num_train_epochs=cfg.epochs, max_steps=cfg.max_steps,
        lr_scheduler_type="cosine", warmup_steps=int(total * cfg.warmup_ratio), weight_decay=cfg.weight_decay,
        logging_steps=max(1, min(50, total // 20)), eval_strategy="epoch" if validate and cfg.max_steps <= 0 else "no",
        save_strategy="steps", save_steps=cfg.save_steps or max(1, total // 10), save_total_limit=2,
        report_to=["wandb"] if cfg.wandb else "none", seed=cfg.seed, use_cpu=device_cpu,
        remove_unused_columns=False, dataloader_num_workers=0, disable_tqdm=not terminal,
    )


def _record(cfg: TrainConfig, model, metrics: dict, session: dict, started: float, device_cpu: bool,
            last: str | None, examples: dict) -> dict:
    """What ``run.json`` holds of a run."""
    import torch
    import transformers

    return {
        "config": cfg.to_json(), "bwbench_version": VERSION,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "peft": _peft_version()},
        "suite_sha256": suite_sha(Path(cfg.suite)), "examples": examples,
        "resumed_from": last, "initialised_from": _init_record(cfg.init_from),
        "parameters": sum(p.numel() for p in model.parameters()),
        "trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "metrics": {k: v for k, v in metrics.items() if isinstance(v, (int, float))},
        "session": session,
        # Tokens trained in this session (padding left out), per second of this session's training.
        "tokens_per_s": round(session["tokens"] / session["seconds"], 1) if session["seconds"] else 0.0,
        "wall_s": round(time.time() - started, 1),
        "device": "cpu" if device_cpu else "cuda",
        "finished": utc_now(),
    }


def _model(cfg: TrainConfig):
    """Tokenizer and model: a new small Llama (scratch), or the base with or without LoRA."""
    if cfg.adapter == "scratch":
        from ..models.tiny import tiny_llama, word_tokenizer

        tokenizer = word_tokenizer()
        if cfg.init_from:
            from transformers import AutoModelForCausalLM

            model = AutoModelForCausalLM.from_pretrained(cfg.init_from)
            if model.config.vocab_size != len(tokenizer):
                raise BwbenchError(f"init_from: its vocabulary ({model.config.vocab_size}) is not this tokenizer's "
                                   f"({len(tokenizer)})", cfg.init_from)
            return tokenizer, model
        return tokenizer, tiny_llama(tokenizer, hidden=cfg.hidden, layers=cfg.layers, heads=cfg.heads, seed=cfg.seed)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = cfg.base_model
    try:
        tokenizer = AutoTokenizer.from_pretrained(base)
        model = AutoModelForCausalLM.from_pretrained(base)
    except (OSError, ValueError) as exc:
        raise BwbenchError(f"cannot load {base}: {str(exc).strip().splitlines()[0]}", field="base_model") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    if cfg.adapter == "lora":
        from peft import LoraConfig, get_peft_model

        targets = "all-linear" if cfg.lora_target == "all-linear" else [t.strip() for t in cfg.lora_target.split(",")]
        try:
            model = get_peft_model(model, LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                                                     target_modules=targets, task_type="CAUSAL_LM"))
        except ValueError as exc:
            raise BwbenchError(f"LoRA: {str(exc).splitlines()[0]}", field="lora_target") from None
    return tokenizer, model


def _encode(pairs: list[Pair], tokenizer, max_len: int) -> tuple[list[dict], int]:
    """Token ids with labels on the completion only (the prompt's labels are -100)."""
    out, dropped = [], 0
    for p in pairs:
        prompt = tokenizer(p.prompt)["input_ids"]
        answer = tokenizer(p.completion, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
        if len(prompt) + len(answer) > max_len:
            dropped += 1
            continue
        out.append({"input_ids": prompt + answer, "attention_mask": [1] * (len(prompt) + len(answer)),
                    "labels": [-100] * len(prompt) + answer})
    return out, dropped


def _init_record(init_from: str) -> dict | None:
    """The run a continued scratch model started from: its directory and its own run.json, so the chain is on record."""
    if not init_from:
        return None
    prior = Path(init_from) / "run.json"
    return {"dir": init_from, "run": json.loads(prior.read_text()) if prior.is_file() else None}


def suite_sha(suite: Path) -> str | None:
    manifest = suite / "manifest.json"
    return hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.is_file() else None


def _peft_version() -> str | None:
    try:
        import peft
    except ImportError:
        return None
    return peft.__version__


def _curriculum_sampler(n: int, seed: int):
    """First pass in the dataset's order (short plans first), then shuffled passes."""
    import torch

    class Sampler(torch.utils.data.Sampler):
        def __init__(self):
            self.epoch = 0

        def __len__(self):
            return n

        def __iter__(self):
            order = list(range(n)) if self.epoch == 0 else torch.randperm(
                n, generator=torch.Generator().manual_seed(seed + self.epoch)).tolist()
            self.epoch += 1
            return iter(order)

    return Sampler()


def _checkpoint_step(checkpoint: str | None) -> int:
    """The optimiser step a checkpoint was saved at (0 without one): where a resumed session starts."""
    if checkpoint is None:
        return 0
    return int(json.loads((Path(checkpoint) / "trainer_state.json").read_text())["global_step"])


def _counting(trainer_cls):
    """``trainer_cls`` counting the tokens (not padding) of every batch it trains on, in ``tokens_trained``.

    Counted where the loss is computed for training, so batches skipped while
    resuming and evaluation batches are left out.
    """

    class Counting(trainer_cls):
        tokens_trained = 0

        def compute_loss(self, model, inputs, *args, **kwargs):
            if model.training:
                self.tokens_trained += int(inputs["attention_mask"].sum())
            return super().compute_loss(model, inputs, *args, **kwargs)

    return Counting


def _curriculum(trainer_cls):
    """``trainer_cls`` drawing its batches in the curriculum's order (made here, so importing this module stays light)."""

    class Curriculum(trainer_cls):
        def _get_train_sampler(self, *args, **kwargs):
            return _curriculum_sampler(len(self.train_dataset), self.args.seed)

    return Curriculum
