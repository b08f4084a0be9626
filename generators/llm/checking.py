"""Reply validation off the event loop, in worker processes, a batch at a time.

Checking a detailed reply against its labels is about a millisecond of pure-Python regex work;
on the loop that sends the requests it cost 10-20% of throughput at 32 requests in flight and
more at 128 (a thread would not help: it holds the GIL just the same). A job that can be
checked elsewhere says so with ``offload(reply)``: a picklable ``(function, args)`` without its
images. Replies that arrive while a worker is busy wait and go over together, so the loop pays
one round trip per batch rather than per reply. A check's result is the same wherever it runs;
a job without ``offload`` (or with ``check_workers=0``) is checked on the loop as before.

The workers are fresh interpreters (loky starts them with fork + exec), never plain forks of
this process: a build runs threads (the LLM loop, Prefect's, a server's), and a child forked
from a threaded process can inherit a lock some other thread held and wait on it for ever.
loky's workers do not re-run the caller's ``__main__`` either, so an unguarded script that
calls ``build(...)`` is not started again in them.

Nothing here may hang a build: a batch that does not come back within ``DEADLINE`` seconds
(or a pool that breaks) is checked on the loop instead, and that checker stops using workers.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import threading
import time
from typing import Any, Callable, Optional, Protocol

from loky import ProcessPoolExecutor

log = logging.getLogger(__name__)

BATCH = 64  # replies per worker call at most
DEADLINE = 120.0  # seconds one batch may take in a worker, its start-up included
IDLE_SECONDS = 300  # an idle worker exits after this; the next batch starts a new one

Offload = tuple[Callable[..., tuple[list[str], Any]], tuple]


class Checkable(Protocol):
    def check(self, reply) -> tuple[list[str], Any]: ...

    def offload(self, reply) -> Optional[Offload]: ...


def default_workers() -> int:
    """One validating process per spare CPU, at least one, at most four; none inside a
    daemonic process (a Dask worker, say), which may not start children."""
    if multiprocessing.current_process().daemon:
        return 0
    return max(1, min(4, (os.cpu_count() or 2) - 1))


_pools: dict[int, ProcessPoolExecutor] = {}
_pools_lock = threading.Lock()


def _forget_pools() -> None:
    """In a child forked from a process with pools: they belong to the parent (their manager
    threads do not exist here), so the child makes its own."""
    global _pools_lock
    _pools.clear()
    _pools_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools)


def _pool(workers: int) -> ProcessPoolExecutor:
    """The process-wide pool of ``workers`` processes (made on first use and kept: starting
    an interpreter for every generator would cost more than it saves)."""
    with _pools_lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = ProcessPoolExecutor(workers, timeout=IDLE_SECONDS,
                                       initializer=_watch_parent, initargs=(os.getpid(),))
            _pools[workers] = pool
        return pool


def _watch_parent(parent: int) -> None:
    """In a worker: exit once the parent is gone (a killed build must not leave workers
    behind)."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="check-parent-watch", daemon=True).start()


def _drop_pool(workers: int, pool: ProcessPoolExecutor) -> None:
    """Forget a pool that failed or stalled and stop its workers."""
    with _pools_lock:
        if _pools.get(workers) is pool:
            del _pools[workers]
    try:
        pool.shutdown(wait=False, kill_workers=True)
    except Exception as exc:  # noqa: BLE001 - already broken; nothing more to do
        log.debug("shutting a failed validation pool down: %s", exc)


def check_many(calls: list[Offload]) -> list[tuple[bool, Any]]:
    """Run checks in a worker: (True, result) or (False, the exception) for each."""
    out = []
    for function, args in calls:
        try:
            out.append((True, function(*args)))
        except Exception as exc:  # noqa: BLE001 - handed back, raised in the caller
            out.append((False, exc))
    return out


def _unpicklable(exc: BaseException) -> bool:
    """True when a call could not be pickled (that batch's fault, not the pool's)."""
    return isinstance(exc, pickle.PicklingError) or "pickle" in str(exc).lower()


class Checker:
    """Validates replies for one engine: offloadable ones in worker processes, others here.

    Its queue belongs to one event loop. An engine that is closed mid-run and used again runs
    on a new loop; whatever the old loop had queued or was draining died with it, so the
    checker starts afresh there instead of waiting for a drain that will never run."""

    def __init__(self, workers: int):
        self.workers = workers
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._pending: list[tuple[Checkable, Any, Offload, asyncio.Future]] = []
        self._draining = 0

    async def check(self, job: Checkable, reply) -> tuple[list[str], Any]:
        offload = job.offload(reply) if self.workers else None
        if offload is None:
            return job.check(reply)
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._pending, self._draining = loop, [], 0
        future = loop.create_future()
        self._pending.append((job, reply, offload, future))
        if self._draining < self.workers:
            self._draining += 1
            asyncio.ensure_future(self._drain(loop))
        return await future

    async def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            while self._pending and self._loop is loop:
                batch, self._pending = self._pending[:BATCH], self._pending[BATCH:]
                try:
                    results = await self._in_worker(loop, batch)
                except Exception as exc:  # noqa: BLE001 - every waiting reply gets an answer
                    results = [(False, exc)] * len(batch)
                for (*_, future), (ok, value) in zip(batch, results):
                    if future.done():  # cancelled meanwhile
                        continue
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
        finally:
            if self._loop is loop:
                self._draining -= 1

    async def _in_worker(self, loop: asyncio.AbstractEventLoop, batch: list) -> list:
        """The batch's results from a worker; on the loop when the workers fail or stall."""
        workers, pool = self.workers, None
        if workers:
            try:
                pool = _pool(workers)
                return await asyncio.wait_for(
                    loop.run_in_executor(pool, check_many,
                                         [offload for _, _, offload, _ in batch]), DEADLINE)
            except Exception as exc:  # pool, pickling or deadline trouble: the same checks, here
                stalled = isinstance(exc, asyncio.TimeoutError)
                log.warning("validation workers failed (%s); checking on the loop",
                            f"no answer within {DEADLINE:g} s" if stalled
                            else f"{type(exc).__name__}: {exc}")
                if not _unpicklable(exc):  # the pool itself failed: stop using it
                    self.workers = 0
                    if pool is not None:
                        _drop_pool(workers, pool)
        return check_many([(job.check, (reply,)) for job, reply, _, _ in batch])
