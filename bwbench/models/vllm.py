"""vLLM offline batch inference on a GPU, LoRA adapters through ``LoRARequest``.

vLLM needs a CUDA GPU and does not install on a CPU-only machine; run it on a
GPU machine (``pip install 'bwbench[vllm]'``) or from anywhere with
``bwbench eval --backend modal``, which runs this adapter on a Modal GPU.
"""

from __future__ import annotations

from typing import Sequence

from ..errors import BwbenchError, install_hint
from .base import GenerationConfig, Query, cut_at_stop


class VLLMModel:
    name = "vllm"

    def __init__(self, target: str, lora: str | None = None, revision: str | None = None, dtype: str = "auto",
                 trust_remote_code: bool = False, max_lora_rank: int = 64):
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

    def generate(self, queries: Sequence[Query], gen: GenerationConfig) -> list[list[str]]:
        from vllm import SamplingParams

        tokenizer = self.llm.get_tokenizer()
        prompts = [_chat_prompt(tokenizer, q) if q.chat else q.text for q in queries]
        params = SamplingParams(n=gen.samples, temperature=gen.temperature, max_tokens=gen.max_new_tokens,
                                stop=list(gen.stop), seed=gen.seed)
        outs = self.llm.generate(prompts, params, lora_request=self.lora, use_tqdm=False)
        return [[cut_at_stop(o.text, gen.stop).strip() for o in out.outputs] for out in outs]


def _chat_prompt(tokenizer, q: Query):
    """The query in the model's chat template. A template that writes the BOS token itself (Llama-2's does) is
    passed as token ids, so that vLLM does not add a second one to the text."""
    text = tokenizer.apply_chat_template(list(q.messages), tokenize=False, add_generation_prompt=True)
    bos = tokenizer.bos_token
    if bos and text.startswith(bos):
        return {"prompt_token_ids": tokenizer.encode(text, add_special_tokens=False)}
    return text
