"""Any OpenAI-compatible server (``vllm serve``, llama.cpp's server, hosted APIs): completions or chat.

Requests go out concurrently up to a limit, each with a timeout and retries
with exponential backoff (the openai client's own). The key comes from
``BWBENCH_API_KEY`` or ``OPENAI_API_KEY`` and is never logged or recorded. A
query that still fails after its retries is reported back to the run, which
records it and retries it when the run is resumed.
"""

from __future__ import annotations

import asyncio
import os
from typing import Sequence

from ..errors import BwbenchError
from .base import BatchFailed, GenerationConfig, Query, cut_at_stop

APIS = ("completions", "chat")


class OpenAIModel:
    name = "openai"

    def __init__(self, base_url: str, api: str = "completions", served_model: str | None = None,
                 concurrency: int = 8, timeout: float = 60.0, retries: int = 4):
        import openai

        if api not in APIS:
            raise BwbenchError(f"unknown api {api!r}; choose completions or chat", field="api")
        if not base_url.startswith(("http://", "https://")):
            raise BwbenchError(f"not a URL: {base_url!r} (e.g. openai:http://127.0.0.1:8000/v1)", field="model")
        self.base_url, self.api, self.concurrency = base_url.rstrip("/"), api, concurrency
        self.timeout, self.retries = timeout, retries
        key = os.environ.get("BWBENCH_API_KEY") or os.environ.get("OPENAI_API_KEY") or "EMPTY"
        self._openai = openai
        self._client_args = {"base_url": self.base_url, "api_key": key, "timeout": timeout, "max_retries": retries}
        self.served_model = served_model or self._first_model()

    def _first_model(self) -> str:
        client = self._openai.OpenAI(**{**self._client_args, "max_retries": 1})
        try:
            models = client.models.list().data
        except self._openai.OpenAIError as exc:
            raise BwbenchError(f"cannot reach the server: {type(exc).__name__}: {str(exc)[:200]}", self.base_url) from None
        finally:
            client.close()
        if not models:
            raise BwbenchError("the server lists no models; name the one to use (served model)", self.base_url, field="served_model")
        return models[0].id

    def settings(self) -> dict:
        return {"base_url": self.base_url, "served_model": self.served_model, "api": self.api,
                "concurrency": self.concurrency, "timeout_s": self.timeout, "retries": self.retries}

    def generate(self, queries: Sequence[Query], gen: GenerationConfig) -> list[list[str]]:
        results = asyncio.run(self._all(queries, gen))
        errors = [r if isinstance(r, str) and r.startswith("\0") else None for r in results]
        if any(errors):
            raise BatchFailed([None if e else r for r, e in zip(results, errors)], [e[1:] if e else None for e in errors])
        return results

    async def _all(self, queries: Sequence[Query], gen: GenerationConfig) -> list:
        client = self._openai.AsyncOpenAI(**self._client_args)
        gate = asyncio.Semaphore(self.concurrency)
        try:
            return await asyncio.gather(*(self._one(client, gate, q, gen) for q in queries))
        finally:
            await client.close()

    async def _one(self, client, gate: asyncio.Semaphore, q: Query, gen: GenerationConfig):
        """The completions for one query, or ``"\\0" + error`` once the client's retries are spent."""
        common = {"model": self.served_model, "max_tokens": gen.max_new_tokens, "temperature": gen.temperature,
                  "n": gen.samples, "seed": gen.seed, "stop": list(gen.stop)[:4] or None}
        async with gate:
            try:
                if self.api == "chat":
                    resp = await client.chat.completions.create(messages=list(q.messages), **common)
                    texts = [c.message.content or "" for c in resp.choices]
                else:
                    if q.chat:
                        raise BwbenchError("the chat template needs the chat API", field="api")
                    resp = await client.completions.create(prompt=q.text, **common)
                    texts = [c.text for c in sorted(resp.choices, key=lambda c: c.index)]
            except self._openai.OpenAIError as exc:
                return f"\0{type(exc).__name__}: {str(exc)[:300]}"
        return [cut_at_stop(t, gen.stop).strip() for t in texts]
