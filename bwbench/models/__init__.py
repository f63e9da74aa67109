"""Models behind one interface, found by the scheme of a model spec (``hf:path``); heavy libraries load only when used.

    planner            the optimal answer to every task (a ceiling)
    random             a random answer of the right form (a floor)
    bwbench-tiny       the small model shipped with bwbench, trained from scratch
    hf:<dir or id>     transformers (+ peft for LoRA adapters)
    vllm:<dir or id>   vLLM offline batch inference (GPU; here or on Modal)
    openai:<base url>  any OpenAI-compatible server

Each scheme declares what it can do (:class:`Kind`): the options it takes,
whether its answers are decoded from a model (so that several samples need a
temperature), whether it measures teacher-forced single-step success, which
backends run it, and the extra that installs what it needs. Callers ask the
registry rather than testing scheme names.
"""

from __future__ import annotations

import difflib
import importlib
import re
from dataclasses import dataclass

from ..errors import BwbenchError, MissingExtra
from .base import GenerationConfig, Model

__all__ = ["GenerationConfig", "Kind", "KINDS", "Model", "ModelSpec", "check_generation", "load"]


@dataclass(frozen=True)
class Kind:
    """What one scheme is and can do."""

    module: str
    factory: str
    needs_target: bool  # the spec names a model after the colon (hf:models/x)
    options: tuple[str, ...] = ()  # the options it takes
    decoded: bool = True  # answers are decoded from a model: at temperature 0 every sample is the same
    single_step: bool = False  # measures teacher-forced single-step success
    backends: tuple[str, ...] = ("local",)
    extra: str | None = None  # the extra that installs what it needs
    resolve: str | None = None  # a function of its module that fills in options only the model can say (a server's model)


KINDS: dict[str, Kind] = {
    # The oracles are not decoded: planner gives its one optimal answer every time (a ceiling, whatever k),
    # random draws a new answer for every sample (it has no temperature).
    "planner": Kind("bwbench.models.oracle", "PlannerModel", False, decoded=False),
    "random": Kind("bwbench.models.oracle", "RandomModel", False, decoded=False),
    "bwbench-tiny": Kind("bwbench.models.hf", "shipped", False, ("dtype", "device"), single_step=True, extra="hf"),
    "hf": Kind("bwbench.models.hf", "HFModel", True, ("lora", "revision", "dtype", "device", "trust_remote_code"),
               single_step=True, extra="hf"),
    "vllm": Kind("bwbench.models.vllm", "VLLMModel", True, ("lora", "revision", "dtype", "trust_remote_code"),
                 backends=("local", "modal"), extra="vllm"),
    "openai": Kind("bwbench.models.openai", "OpenAIModel", True,
                   ("api", "served_model", "concurrency", "timeout", "retries"), extra="openai", resolve="resolve"),
}
DEFAULTS = {"dtype": "auto", "device": "auto", "trust_remote_code": False, "api": "completions", "concurrency": 8,
            "timeout": 60.0, "retries": 4}
"""The options' values where not given, recorded in a run's identity for the models that take them."""
BACKENDS = ("local", "modal")


@dataclass(frozen=True)
class ModelSpec:
    """A model spec (``hf:models/x``) parsed: its scheme and what follows the colon."""

    spec: str
    scheme: str
    target: str

    @classmethod
    def parse(cls, spec: str) -> "ModelSpec":
        """``"hf:models/x"`` → scheme ``hf``, target ``models/x``; ``BwbenchError`` (field ``model``) otherwise."""
        scheme, sep, target = spec.partition(":")
        if scheme not in KINDS:
            close = difflib.get_close_matches(scheme, KINDS, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise BwbenchError(
                f"unknown model scheme {scheme!r} in {spec!r}{hint} (choose one of: "
                f"{', '.join(s + (':...' if KINDS[s].needs_target else '') for s in KINDS)})", field="model")
        kind = KINDS[scheme]
        if kind.needs_target and not target:
            raise BwbenchError(f"{scheme!r} needs a model after the colon, e.g. {scheme}:path/to/model", field="model")
        if not kind.needs_target and sep:
            raise BwbenchError(f"{scheme!r} takes nothing after it", field="model")
        return cls(spec, scheme, target)

    @property
    def kind(self) -> Kind:
        return KINDS[self.scheme]

    def short_name(self, options: dict | None = None) -> str:
        """A name for run directories: ``planner``, ``hf-lora-tiny`` (the scheme and the model's last part); for a
        server, the model it serves (``openai-tiny-local``), so that two servers' runs never share a directory."""
        target = (options or {}).get("served_model") or self.target
        name = re.sub(r"[^\w.-]+", "_", target.rstrip("/").split("/")[-1] or self.scheme)
        return self.scheme if name == self.scheme else f"{self.scheme}-{name}"

    def label(self, options: dict | None = None) -> str | None:
        """What a leaderboard calls the model where the spec does not say it: a server's served model."""
        return (options or {}).get("served_model")

    def options(self, given: dict, backend: str = "local") -> dict:
        """The options this model takes, of ``given`` (None: not given), with :data:`DEFAULTS` for the others it
        takes; ``BwbenchError`` naming an option given that it does not take, or a backend that does not run it."""
        if backend not in BACKENDS:
            raise BwbenchError(f"unknown backend {backend!r}; choose one of: {', '.join(BACKENDS)}", field="backend")
        if backend not in self.kind.backends:
            runs = [s for s, k in KINDS.items() if backend in k.backends]
            raise BwbenchError(f"the {backend} backend runs {', '.join(runs)} models, not {self.scheme}", field="backend")
        for key, value in given.items():
            if value not in (None, False) and key not in self.kind.options:
                takes = f"takes {', '.join(self.kind.options)}" if self.kind.options else "takes no options"
                raise BwbenchError(f"{self.scheme} models do not use it ({self.scheme} {takes})", field=key)
        merged = {k: given[k] if given.get(k) is not None else DEFAULTS.get(k) for k in self.kind.options}
        return {k: v for k, v in merged.items() if v is not None}

    def resolve(self, options: dict) -> dict:
        """``options`` with what only the model can say filled in (the model an OpenAI-compatible server
        serves): asked before a run is claimed, because it is part of what identifies the run."""
        if self.kind.resolve is None:
            return options
        module = _module(self)
        return getattr(module, self.kind.resolve)(self.target, options)


def _module(spec: ModelSpec):
    try:
        return importlib.import_module(spec.kind.module)
    except ImportError as exc:
        raise _missing(exc, spec) from None


def _missing(exc: ImportError, spec: ModelSpec) -> MissingExtra:
    """The install that brings what ``exc`` lacks: the package itself (torch) or else the model's extra."""
    return MissingExtra.of(exc, f"the {spec.scheme} model") or MissingExtra(
        f"the {spec.scheme} model", spec.kind.extra or spec.scheme, exc.name)


def check_generation(spec: ModelSpec, gen: GenerationConfig) -> None:
    """``BwbenchError`` for settings that would make pass@k a copy of pass@1: several samples from a decoded
    model without sampling (temperature 0). Checked before a model is loaded or anything is written."""
    if gen.samples > 1 and gen.greedy and spec.kind.decoded:
        raise BwbenchError(f"{gen.samples} samples at temperature 0 would repeat one greedy completion "
                           f"{gen.samples} times (pass@{gen.samples} would be pass@1); sample at a temperature "
                           "above 0, or take one sample", field="samples")


def load(spec: ModelSpec, options: dict, backend: str = "local", gpu: str | None = None) -> Model:
    """The model for ``spec``, built with the options it takes, on ``backend`` (``modal``: vLLM on a Modal GPU)."""
    if backend == "modal":
        try:
            from .modal_app import RemoteVLLM
        except ImportError as exc:
            raise MissingExtra("the modal backend", "modal", exc.name) from None
        return RemoteVLLM(spec.spec, gpu=gpu, **options)
    kind = spec.kind
    factory = getattr(_module(spec), kind.factory)
    try:
        return factory(spec.target, **options) if kind.needs_target else factory(spec.spec, **options)
    except ImportError as exc:
        raise _missing(exc, spec) from None
