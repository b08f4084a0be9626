"""The attempt loop shared by both generators: cache → server → validation → new seed → ...

A *job* is one request's sequence of attempts. For attempt n it names a cache key and a body
(the seed and n are part of the key, so a retried attempt is a new entry); the reply is checked
and either accepted or the next attempt follows, up to ``max_attempts``. Live mode works through
the jobs in order with a few runners per request slot (the transport bounds what is in
flight); batch mode runs attempt 1 of all jobs as
one batch, then attempt 2 of the rejected ones, and so on. Either way each reply goes into the
cache first, so a rerun needs no request and an interrupted run loses only what was in flight.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Coroutine, Optional, Protocol, TypeVar

from .batch import BatchRunner
from .cache import ReplyCache
from .checking import Checker, Offload, default_workers
from .config import LLMConfig
from .transport import CallFailed, LiveTransport, LLMUnavailable, Reply, make_client

log = logging.getLogger(__name__)
T = TypeVar("T")
# Jobs worked on at once per request slot: while one job waits for its reply to be checked
# (a worker process's batch) or for its body to be built, others keep the slots full.
RUNNERS_PER_SLOT = 4


@dataclass(frozen=True)
class Call:
    """One attempt: its cache key and a builder for the (heavy, image-carrying) request body."""

    key: str
    build_body: Callable[[], dict]


class Job(Protocol):
    def call(self, attempt: int) -> Call: ...

    def check(self, reply: Reply) -> tuple[list[str], Any]:
        """Reasons to reject ``reply`` (empty: accept) and any detail the result needs."""

    def offload(self, reply: Reply) -> Optional[Offload]:
        """``check(reply)`` as a picklable (function, args) for a worker process, or None."""


@dataclass
class Attempt:
    number: int
    reply: Optional[Reply] = None
    error: Optional[str] = None
    cached: bool = False
    reasons: list[str] = field(default_factory=list)
    detail: Any = None


@dataclass
class History:
    """Everything that happened to one job; ``accepted`` is the attempt that passed, if any."""

    attempts: list[Attempt] = field(default_factory=list)
    accepted: Optional[Attempt] = None

    @property
    def failed(self) -> Optional[str]:
        """Why the job got no verdict on its merits (a transport failure), else None: such a
        sample is missing, not rejected, and a rerun asks for it again."""
        if self.accepted is None and self.attempts and self.attempts[-1].error:
            return self.attempts[-1].error
        return None

    @property
    def prompt_tokens(self) -> int:
        return sum(a.reply.prompt_tokens for a in self.attempts if a.reply)

    @property
    def completion_tokens(self) -> int:
        return sum(a.reply.completion_tokens for a in self.attempts if a.reply)

    @property
    def all_cached(self) -> bool:
        return bool(self.attempts) and all(a.cached for a in self.attempts)

    def reasons(self) -> list[str]:
        """Why no attempt passed, attempt by attempt."""
        out = []
        for a in self.attempts:
            for reason in ([a.error] if a.error else a.reasons):
                out.append(f"attempt {a.number}: {reason}")
        return out


@dataclass
class Usage:
    """Requests and tokens of a generator so far (cache hits cost nothing)."""

    requests: int = 0  # replies obtained from the server (live calls or batch lines)
    cache_hits: int = 0
    failures: int = 0  # requests that got no reply
    rejected: int = 0  # replies that failed validation
    prompt_tokens: int = 0  # of replies obtained from the server
    completion_tokens: int = 0
    estimated_cost_usd: float = 0.0


class LoopThread:
    """A private event loop on a daemon thread.

    ``run`` may be called from any thread, whether or not that thread already runs a loop
    (Prefect tasks, notebooks, async callers): the coroutine runs here and the caller blocks on
    its result. The client, its connection pool and the in-flight limit live on this loop, so
    they are shared by every call (and every calling thread) of one generator.
    """

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._serve, name="llm-loop", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            self.loop.run_forever()
        finally:  # stopped by close() or stop_soon(): nothing will run on it again
            self.loop.close()

    def run(self, coro: Awaitable[T]) -> T:
        if threading.current_thread() is self.thread:
            raise RuntimeError("LoopThread.run called from its own loop (would deadlock)")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()  # e.g. KeyboardInterrupt in the caller: stop the work too
            raise

    def close(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)  # the thread closes its loop once it has stopped

    def stop_soon(self, last: Optional[Coroutine] = None) -> None:
        """Run ``last`` on the loop, then stop it; return at once, without waiting for either."""
        async def finish() -> None:
            try:
                if last is not None:
                    await last
            finally:
                self.loop.stop()

        try:
            asyncio.run_coroutine_threadsafe(finish(), self.loop)
        except RuntimeError:  # the loop is already closed
            if last is not None:
                last.close()


class _Runtime:
    """An engine's loop thread and transport: what ``close`` (or the engine's finalizer, when
    it is dropped unclosed) must shut, the HTTP session first."""

    def __init__(self):
        self.loop: Optional[LoopThread] = None
        self.transport: Optional[LiveTransport] = None

    def close(self) -> None:
        loop, self.loop = self.loop, None
        transport, self.transport = self.transport, None
        if loop is None:
            return
        if transport is not None and threading.current_thread() is not loop.thread:
            loop.run(transport.close())
        loop.close()

    def close_soon(self) -> None:
        """What an engine's finalizer does: ask the loop thread to close the HTTP session and
        stop, and return without waiting. The garbage collector runs finalizers wherever it
        happens to run, under whatever lock that code holds: waiting there for this loop
        deadlocked a test run (another engine's loop thread, inside a logging handler's lock,
        waited for this loop, whose closing connection logged through the same handler)."""
        loop, self.loop = self.loop, None
        transport, self.transport = self.transport, None
        if loop is not None:
            loop.stop_soon(transport.close() if transport is not None else None)


class Engine:
    """Runs jobs through cache, server and validation; keeps usage totals."""

    def __init__(self, config: LLMConfig):
        self.config = config
        self.cache = ReplyCache(config.cache_path)
        self.usage = Usage()
        workers = config.check_workers
        self.checker = Checker(default_workers() if workers is None else workers)
        self._runtime = _Runtime()
        # an engine dropped unclosed: never blocks, whichever thread the collector runs in
        self._finalizer = weakref.finalize(self, self._runtime.close_soon)
        self._lock = threading.Lock()
        self.outage: Optional[str] = None  # why the circuit is open (on_failure offline/skip)

    @property
    def _transport(self) -> Optional[LiveTransport]:
        return self._runtime.transport

    def run(self, jobs: list[Job]) -> list[History]:
        if not jobs:
            return []
        with self._lock:
            if self._runtime.loop is None:
                self._runtime.loop = LoopThread()
            loop = self._runtime.loop
        return loop.run(self._run(jobs))

    def close(self) -> None:
        """Close the HTTP client and stop the loop thread (a later ``run`` starts afresh)."""
        with self._lock:
            self._runtime.close()

    async def _run(self, jobs: list[Job]) -> list[History]:
        if self._runtime.transport is None:  # created on the loop it will be used from
            self._runtime.transport = LiveTransport(self.config, make_client(self.config))
        transport = self._runtime.transport
        if self.config.batch:
            runner = BatchRunner(self.config, transport.client, self.cache)
            return await self._run_batch(jobs, runner)
        # A bounded set of runners takes the jobs in order: one task per job would make every
        # job's cache key (and cache lookup) before the first request goes out, which at a
        # few thousand jobs held the first request back by half a second.
        histories: list[Optional[History]] = [None] * len(jobs)
        queue = iter(enumerate(jobs))

        async def runner() -> None:
            for i, job in queue:  # shared: each job is taken once
                histories[i] = await self._run_live(job, transport)

        tasks = [asyncio.ensure_future(runner())
                 for _ in range(min(len(jobs), RUNNERS_PER_SLOT * self.config.concurrency))]
        try:
            await asyncio.gather(*tasks)
        except BaseException:  # e.g. LLMUnavailable: stop the other requests too
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return histories

    def _unavailable(self, err: LLMUnavailable) -> str:
        """An outage: raise it (on_failure=fail) or open the circuit for the rest of the run."""
        if self.config.on_failure == "fail":
            if self._transport is not None and self._transport.stopped is None:
                self._transport.stopped = err  # requests not yet sent are not sent
            raise err
        if self.outage is None:
            self.outage = str(err)
            log.warning("LLM unavailable, writing the rest with on_failure=%s: %s",
                        self.config.on_failure, err)
        return f"LLM unavailable: {self.outage}"

    def _failed(self, message: str) -> None:
        """Count a request without a reply; stop when most requests fail."""
        self.usage.failures += 1
        done = self.usage.requests + self.usage.failures
        if (done >= self.config.failure_min_requests
                and self.usage.failures > self.config.failure_share * done):
            self._unavailable(LLMUnavailable(
                f"{self.usage.failures} of {done} requests to the LLM failed (last: {message})"))

    def _account(self, reply: Reply, cached: bool) -> None:
        if cached:
            self.usage.cache_hits += 1
            return
        self.usage.requests += 1
        self.usage.prompt_tokens += reply.prompt_tokens
        self.usage.completion_tokens += reply.completion_tokens
        self.usage.estimated_cost_usd = self.config.cost(self.usage.prompt_tokens,
                                                         self.usage.completion_tokens)

    async def _judge(self, job: Job, attempt: Attempt, history: History) -> bool:
        """Validate the attempt's reply (in a worker process where the job allows); True when
        accepted."""
        attempt.reasons, attempt.detail = await self.checker.check(job, attempt.reply)
        history.attempts.append(attempt)
        if attempt.reasons:
            self.usage.rejected += 1
            log.info("reply rejected (attempt %d): %s", attempt.number,
                     "; ".join(attempt.reasons))
            return False
        history.accepted = attempt
        return True

    async def _run_live(self, job: Job, transport: LiveTransport) -> History:
        history = History()
        for number in range(1, self.config.max_attempts + 1):
            call = job.call(number)
            entry = self.cache.get(call.key)
            if entry is not None:
                reply, cached = Reply.from_entry(entry), True
            else:
                def keep(reply: Reply, key: str = call.key) -> None:
                    self.cache.put(key, {**reply.to_entry(), "source": "live"})

                if self.outage is not None:  # the circuit is open: do not even try
                    history.attempts.append(Attempt(number, error=f"LLM unavailable: "
                                                                  f"{self.outage}"))
                    return history
                try:
                    reply = await transport.complete(call.build_body,
                                                     keep if self.cache.enabled else None)
                except CallFailed as err:
                    history.attempts.append(Attempt(number, error=str(err)))
                    self._failed(str(err))
                    return history  # the server could not answer: a new seed will not help
                except LLMUnavailable as err:
                    history.attempts.append(Attempt(number, error=self._unavailable(err)))
                    return history
                cached = False
            self._account(reply, cached)
            if await self._judge(job, Attempt(number, reply=reply, cached=cached), history):
                break
        return history

    async def _run_batch(self, jobs: list[Job], runner: BatchRunner) -> list[History]:
        histories = [History() for _ in jobs]
        active = list(range(len(jobs)))
        for number in range(1, self.config.max_attempts + 1):
            if not active:
                break
            calls = {i: jobs[i].call(number) for i in active}
            before = {c.key for c in calls.values() if c.key in self.cache}
            errors = await runner.fetch({c.key: c.build_body for c in calls.values()})
            judged = {}
            for i in active:
                key = calls[i].key
                entry = self.cache.get(key)
                if entry is None:
                    self.usage.failures += 1
                    histories[i].attempts.append(Attempt(
                        number, error=errors.get(key, "no reply in the batch output")))
                    continue
                reply, cached = Reply.from_entry(entry), key in before
                self._account(reply, cached)
                judged[i] = self._judge(jobs[i], Attempt(number, reply=reply, cached=cached),
                                        histories[i])
            passed = await asyncio.gather(*judged.values())
            active = [i for i, ok in zip(judged, passed) if not ok]
        return histories
