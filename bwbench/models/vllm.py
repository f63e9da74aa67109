"""vLLM offline batch inference on a GPU, LoRA adapters through ``LoRARequest``.

vLLM needs a CUDA GPU and does not install on a CPU-only machine; run it on a
GPU machine (``pip install 'bwbench[vllm]'``) or from anywhere with
``bwbench eval --backend modal``, which runs this adapter on a Modal GPU.
"""

from __future__ import annotations

from typing import Sequence

from ..errors import BwbenchError, install_hint
from .base import Completion, GenerationConfig, Query, ended, sample_seed


class VLLMModel:
    name = "vllm"

    def __init__(self, target: str, lora: str | None = None, revision: str | None = None, dtype: str = "auto",
                 trust_remote_code: bool = False, max_lora_rank: int = 64):
        from .paths import local_model

        local_model(target)  # a mistyped directory is refused here, not after vLLM has started
        try:
            from vllm import LLM
            from vllm.lora.request import LoRARequest
        except ImportError:
            raise BwbenchError("vLLM is not installed here (it needs a CUDA GPU): install it on a GPU machine "
                               f"with {install_hint('vllm')}, or run it on the modal backend", field="model") from None
        self.target, self.lora_path, self.revision, self.dtype = target, lora, revision, dtype
        self.trust_remote_code = trust_remote_code
        self.llm = LLM(model=target, revision=revision, dtype=dtype, trust_remote_code=trust_remote_code,
                       enable_lora=lora is not None, max_lora_rank=max_lora_rank, seed=0)
        self.lora = LoRARequest("bwbench-lora", 1, lora) if lora else None

    def settings(self) -> dict:
        import vllm

        return {"model": self.target, "lora": self.lora_path, "revision": self.revision, "dtype": self.dtype,
                "trust_remote_code": self.trust_remote_code, "vllm": vllm.__version__}

    def generate(self, queries: Sequence[Query], gen: GenerationConfig) -> list[list[Completion]]:
        """Each problem's sample is a request of its own with its own seed (from the run's seed, the problem's id
        and the sample's number, as hf seeds it), so that a sample does not depend on what else is in the batch."""
        from vllm import SamplingParams

        tokenizer = self.llm.get_tokenizer()
        prompts = [_chat_prompt(tokenizer, q) if q.chat else q.text for q in queries]
        k = 1 if gen.greedy else gen.samples
        asked = [(p, SamplingParams(n=1, temperature=gen.temperature, max_tokens=gen.max_new_tokens,
                                    stop=list(gen.stop), seed=sample_seed(gen.seed, q.id or q.text, j)))
                 for q, p in zip(queries, prompts) for j in range(k)]
        outs = self.llm.generate([p for p, _ in asked], [s for _, s in asked], lora_request=self.lora, use_tqdm=False)
        done = [_completion(out.outputs[0], gen, len(out.prompt_token_ids or ())) for out in outs]
        if gen.greedy:
            return [[c] * gen.samples for c in done]
        return [done[i * k:(i + 1) * k] for i in range(len(queries))]


def _completion(output, gen: GenerationConfig, prompt_tokens: int) -> Completion:
    """A vLLM output as a completion: vLLM names the stop string that ended it (``stop_reason``), says
    ``length`` at the budget, and ``stop`` with no reason at the end-of-sequence token."""
    c = ended(output.text, gen.stop, cut_off=output.finish_reason == "length", tokens=len(output.token_ids),
              prompt_tokens=prompt_tokens)
    if output.finish_reason == "stop" and isinstance(output.stop_reason, str):
        return Completion(c.text, "stop", c.tokens, c.prompt_tokens)
    return c


def _chat_prompt(tokenizer, q: Query):
    """The query in the model's chat template. A template that writes the BOS token itself (Llama-2's does) is
    passed as token ids, so that vLLM does not add a second one to the text."""
    text = tokenizer.apply_chat_template(list(q.messages), tokenize=False, add_generation_prompt=True)
    bos = tokenizer.bos_token
    if bos and text.startswith(bos):
        return {"prompt_token_ids": tokenizer.encode(text, add_special_tokens=False)}
    return text
