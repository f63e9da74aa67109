"""Any OpenAI-compatible server (``vllm serve``, llama.cpp's server, hosted APIs): completions or chat.

Requests go out concurrently up to a limit, each with a timeout and retries
with exponential backoff (the openai client's own). The key comes from
``BWBENCH_API_KEY`` or ``OPENAI_API_KEY`` and is never logged or recorded. A
query that still fails after its retries is reported back to the run, which
records it and retries it when the run is resumed. The served model is part of
what identifies a run: the one named, or the one model the server lists
(:func:`served`), asked before anything is written.
"""

from __future__ import annotations

import asyncio
import os
from typing import Sequence

from ..errors import BwbenchError
from .base import BatchFailed, Completion, GenerationConfig, Query, ended, sample_seed

APIS = ("completions", "chat")


class OpenAIModel:
    name = "openai"

    def __init__(self, base_url: str, api: str = "completions", served_model: str | None = None,
                 concurrency: int = 8, timeout: float = 60.0, retries: int = 4):
        import openai

        if api not in APIS:
            raise BwbenchError(f"unknown api {api!r}; choose completions or chat", field="api")
        check_url(base_url)
        self.base_url, self.api, self.concurrency = base_url.rstrip("/"), api, concurrency
        self.timeout, self.retries = timeout, retries
        self._openai = openai
        self._client_args = client_args(self.base_url, timeout, retries)
        self.served_model = served_model or served(base_url, None, timeout)

    def settings(self) -> dict:
        return {"base_url": self.base_url, "served_model": self.served_model, "api": self.api,
                "concurrency": self.concurrency, "timeout_s": self.timeout, "retries": self.retries}

    def generate(self, queries: Sequence[Query], gen: GenerationConfig) -> list[list[Completion]]:
        """Each problem's sample is a request of its own with its own seed (from the run's seed, the problem's
        id and the sample's number, as hf seeds it), so that a sample does not depend on what else is asked."""
        results = asyncio.run(self._all(queries, gen))
        errors = [r if isinstance(r, str) else None for r in results]
        if any(errors):
            raise BatchFailed([None if e else r for r, e in zip(results, errors)], errors)
        return results

    async def _all(self, queries: Sequence[Query], gen: GenerationConfig) -> list:
        client = self._openai.AsyncOpenAI(**self._client_args)
        gate = asyncio.Semaphore(self.concurrency)
        k = 1 if gen.greedy else gen.samples
        try:
            asked = [self._one(client, gate, q, gen, j) for q in queries for j in range(k)]
            answers = await asyncio.gather(*asked)
        finally:
            await client.close()
        out: list = []
        for i in range(len(queries)):
            mine = answers[i * k:(i + 1) * k]
            failed = next((a for a in mine if isinstance(a, str)), None)
            out.append(failed if failed is not None else mine * gen.samples if gen.greedy else mine)
        return out

    async def _one(self, client, gate: asyncio.Semaphore, q: Query, gen: GenerationConfig, sample: int):
        """One sample's completion, or the error (a string) once the client's retries are spent."""
        common = {"model": self.served_model, "max_tokens": gen.max_new_tokens, "temperature": gen.temperature,
                  "n": 1, "seed": sample_seed(gen.seed, q.id or q.text or repr(q.messages), sample),
                  "stop": list(gen.stop)[:4] or None}
        async with gate:
            try:
                if self.api == "chat":
                    resp = await client.chat.completions.create(messages=list(q.messages), **common)
                    text = resp.choices[0].message.content or ""
                else:
                    if q.chat:
                        raise BwbenchError("the chat template needs the chat API", field="api")
                    resp = await client.completions.create(prompt=q.text, **common)
                    text = resp.choices[0].text
            except self._openai.OpenAIError as exc:
                return f"{type(exc).__name__}: {str(exc)[:300]}"
        return _completion(text, resp.choices[0], resp.usage, gen)


def _completion(text: str, choice, usage, gen: GenerationConfig) -> Completion:
    """A choice as a completion. ``length`` is the budget; ``stop`` is either the end of the answer or a stop
    string, told apart by the stop string vLLM's server names (``stop_reason``) or the text still holding one."""
    c = ended(text or "", gen.stop, cut_off=choice.finish_reason == "length",
              tokens=getattr(usage, "completion_tokens", None), prompt_tokens=getattr(usage, "prompt_tokens", None))
    if choice.finish_reason == "stop" and isinstance(getattr(choice, "stop_reason", None), str):
        return Completion(c.text, "stop", c.tokens, c.prompt_tokens)
    return c


def check_url(base_url: str) -> None:
    if not base_url.startswith(("http://", "https://")):
        raise BwbenchError(f"not a URL: {base_url!r} (e.g. openai:http://127.0.0.1:8000/v1)", field="model")


def client_args(base_url: str, timeout: float, retries: int) -> dict:
    """The openai client's arguments; the key from ``BWBENCH_API_KEY`` or ``OPENAI_API_KEY``, never recorded."""
    key = os.environ.get("BWBENCH_API_KEY") or os.environ.get("OPENAI_API_KEY") or "EMPTY"
    return {"base_url": base_url.rstrip("/"), "api_key": key, "timeout": timeout, "max_retries": retries}


def served(base_url: str, named: str | None, timeout: float = 60.0) -> str:
    """The model the server at ``base_url`` answers as: ``named`` (which the server must list, where it lists
    any), or else the one model it lists. ``BwbenchError`` when it lists several and none is named, or none."""
    import openai

    check_url(base_url)
    client = openai.OpenAI(**client_args(base_url, timeout, 1))
    try:
        listed = [m.id for m in client.models.list().data]
    except openai.NotFoundError:
        listed = []  # a server without /models: the name given is taken as it is
        if named:
            return named
    except openai.OpenAIError as exc:
        raise BwbenchError(f"cannot reach the server: {type(exc).__name__}: {str(exc)[:200]}", base_url) from None
    finally:
        client.close()
    if named and (not listed or named in listed):
        return named
    if named:
        raise BwbenchError(f"the server does not serve {named!r}; it lists {_listing(listed)}", base_url,
                           field="served_model")
    if len(listed) == 1:
        return listed[0]
    if not listed:
        raise BwbenchError("the server lists no models; name the one to use", base_url, field="served_model")
    raise BwbenchError(f"the server lists {len(listed)} models ({_listing(listed)}); name the one to use",
                       base_url, field="served_model")


def _listing(names: list[str], most: int = 8) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def resolve(target: str, options: dict) -> dict:
    """The options with the served model filled in: part of what identifies a run, so asked of the server
    before anything is written (a run resumed against a server that now serves another model is refused)."""
    return {**options, "served_model": served(target, options.get("served_model"), options.get("timeout", 60.0))}
