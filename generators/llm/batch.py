"""OpenAI Batch API mode: upload a JSONL of chat completions, poll, write replies into the cache.

Resumable: after ``batches.create`` the batch id and its request keys go to a state file in
``<cache_dir>/batches/``; a rerun that needs any of those keys polls that batch instead of
submitting again. Replies land in the same reply cache as live mode, so validation and result
building are shared. Input files are split to stay under the API's limits (requests and bytes).
"""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import openai

from .cache import ReplyCache, write_json_atomic
from .config import LLMConfig
from .transport import MalformedReply, Reply, describe_error, redact

log = logging.getLogger(__name__)

ENDPOINT = "/v1/chat/completions"
MAX_REQUESTS_PER_BATCH = 50_000
MAX_BYTES_PER_BATCH = 190 * 1024 * 1024  # the API takes 200 MB; keep a margin
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})


class BatchPendingError(RuntimeError):
    """Batches are still running after ``batch_wait``; rerun later to collect them."""

    def __init__(self, batch_ids: list[str], state_dir: Path, waited: float):
        self.batch_ids = batch_ids
        super().__init__(f"{len(batch_ids)} batch(es) still running after {waited:.0f} s "
                         f"({', '.join(batch_ids)}); their ids are kept in {state_dir}, so "
                         f"rerunning the same build collects them without resubmitting")


@dataclass
class BatchState:
    batch_id: str
    input_file_id: str
    keys: list[str]
    model: str
    created: float
    status: str = "submitted"
    done: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return self.__dict__.copy()


class BatchRunner:
    """Fetches replies for request bodies through the Batch API, into ``cache``."""

    def __init__(self, config: LLMConfig, client: openai.AsyncOpenAI, cache: ReplyCache,
                 sleep: Callable[[float], "asyncio.Future"] = asyncio.sleep):
        assert cache.root is not None, "batch mode needs a cache directory"
        self.config = config
        self.client = client
        self.cache = cache
        self.state_dir = cache.root / "batches"
        self.sleep = sleep
        self.submitted = 0  # request lines uploaded in this run

    # -- state files --
    def _state_path(self, batch_id: str) -> Path:
        return self.state_dir / f"{batch_id}.json"

    def _save(self, state: BatchState) -> None:
        write_json_atomic(self._state_path(state.batch_id), state.to_json())

    def open_states(self) -> list[BatchState]:
        states = []
        for path in sorted(self.state_dir.glob("batch*.json")):
            try:
                state = BatchState(**json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError) as err:
                log.warning("ignoring unreadable batch state %s: %s", path.name, err)
                continue
            if not state.done:
                states.append(state)
        return states

    # -- the round trip --
    async def fetch(self, bodies: dict[str, Callable[[], dict]]) -> dict[str, str]:
        """Get replies for ``bodies`` (key → body builder) into the cache; key → error."""
        pending = {k for k in bodies if k not in self.cache}
        if not pending:
            return {}
        resumed = [s for s in self.open_states() if pending & set(s.keys)]
        covered = set().union(*(s.keys for s in resumed)) if resumed else set()
        if resumed:
            log.info("resuming %d batch(es) from %s: %s", len(resumed), self.state_dir,
                     ", ".join(s.batch_id for s in resumed))
        fresh = [k for k in bodies if k in pending and k not in covered]
        states = resumed + [await self._submit(chunk) for chunk in
                            await asyncio.to_thread(self._write_inputs, fresh, bodies)]
        await self._wait(states)
        errors: dict[str, str] = {}
        for state in states:
            errors.update(state.errors)
        return {k: v for k, v in errors.items() if k in bodies}

    def _write_inputs(self, keys: list[str], bodies: dict[str, Callable[[], dict]]
                      ) -> list[tuple[Path, list[str]]]:
        """JSONL files of at most MAX_REQUESTS / MAX_BYTES each: (path, keys in it)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        chunks: list[tuple[Path, list[str]]] = []
        handle, size, chunk_keys = None, 0, []
        for key in keys:
            line = json.dumps({"custom_id": key, "method": "POST", "url": ENDPOINT,
                               "body": bodies[key]()}, separators=(",", ":")) + "\n"
            data = line.encode("utf-8")
            if handle is None or len(chunk_keys) >= MAX_REQUESTS_PER_BATCH \
                    or size + len(data) > MAX_BYTES_PER_BATCH:
                if handle is not None:
                    handle.close()
                handle = tempfile.NamedTemporaryFile(dir=self.state_dir, prefix=".input-",
                                                     suffix=".jsonl", delete=False)
                chunk_keys, size = [], 0
                chunks.append((Path(handle.name), chunk_keys))
            handle.write(data)
            size += len(data)
            chunk_keys.append(key)
        if handle is not None:
            handle.close()
        return chunks

    async def _submit(self, chunk: tuple[Path, list[str]]) -> BatchState:
        path, keys = chunk
        try:
            with path.open("rb") as handle:
                uploaded = await self.client.files.create(file=(path.name, handle),
                                                          purpose="batch")
            batch = await self.client.batches.create(
                input_file_id=uploaded.id, endpoint=ENDPOINT, completion_window="24h",
                metadata={"source": "iqa-datagen", "model": self.config.model})
        finally:
            path.unlink(missing_ok=True)
        state = BatchState(batch.id, uploaded.id, keys, self.config.model, time.time(),
                           status=batch.status)
        self._save(state)  # from here on a rerun resumes this batch
        self.submitted += len(keys)
        log.info("submitted batch %s with %d requests", batch.id, len(keys))
        return state

    async def _wait(self, states: list[BatchState]) -> None:
        started = time.monotonic()
        waiting = [s for s in states if not s.done]
        while waiting:
            for state in waiting:
                batch = await self.client.batches.retrieve(state.batch_id)
                state.status = batch.status
                if batch.status in TERMINAL:
                    await self._collect(state, batch)
            waiting = [s for s in waiting if not s.done]
            if not waiting:
                return
            waited = time.monotonic() - started
            if self.config.batch_wait is not None and waited >= self.config.batch_wait:
                raise BatchPendingError([s.batch_id for s in waiting], self.state_dir, waited)
            await self.sleep(self.config.batch_poll_interval)

    async def _collect(self, state: BatchState, batch) -> None:
        secret = self.config.api_key.get_secret_value()
        seen: set[str] = set()
        for file_id in (batch.output_file_id, batch.error_file_id):
            if not file_id:
                continue
            content = await self.client.files.content(file_id)
            for line in content.text.splitlines():
                if line.strip():
                    key, error = self._store_line(line, secret)
                    if key:
                        seen.add(key)
                        if error:
                            state.errors[key] = error
        if batch.status != "completed":
            why = f"batch {state.batch_id} ended {batch.status}"
            if getattr(batch, "errors", None) and getattr(batch.errors, "data", None):
                why += ": " + "; ".join(redact(str(e.message), secret)
                                        for e in batch.errors.data[:3])
            for key in set(state.keys) - seen:
                state.errors[key] = why
        for key in set(state.keys) - seen - set(state.errors):
            state.errors[key] = f"no reply for this request in batch {state.batch_id}"
        state.done = True
        self._save(state)
        log.info("batch %s %s: %d replies, %d errors", state.batch_id, batch.status,
                 len(seen) - len(state.errors), len(state.errors))

    def _store_line(self, line: str, secret: str) -> tuple[Optional[str], Optional[str]]:
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            return None, None
        key = item.get("custom_id")
        response = item.get("response") or {}
        if item.get("error") or response.get("status_code") != 200:
            error = item.get("error") or (response.get("body") or {}).get("error") or {}
            message = error.get("message", "unknown error") if isinstance(error, dict) else error
            return key, redact(f"batch line HTTP {response.get('status_code')}: {message}",
                               secret)[:500]
        try:
            reply = Reply.from_completion(response.get("body"))
        except MalformedReply as err:
            return key, describe_error(err, secret)
        self.cache.put(key, {**reply.to_entry(), "source": "batch"})
        return key, None
