"""Reply validation off the event loop, in worker processes, a batch at a time.

Checking a detailed reply against its labels is about a millisecond of pure-Python regex work;
on the loop that sends the requests it cost 10-20% of throughput at 32 requests in flight and
more at 128 (a thread would not help: it holds the GIL just the same). A job that can be
checked elsewhere says so with ``offload(reply)``: a picklable ``(function, args)`` without its
images. Replies that arrive while a worker is busy wait and go over together, so the loop pays
one round trip per batch rather than per reply. A check's result is the same wherever it runs;
a job without ``offload`` (or with ``check_workers=0``) is checked on the loop as before.

Workers are forked, not spawned: a spawned worker would re-run an unguarded user script's
top-level code (e.g. a plain ``build(...)`` call); the forked ones only ever run validation.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Optional, Protocol

log = logging.getLogger(__name__)

BATCH = 64  # replies per worker call at most

Offload = tuple[Callable[..., tuple[list[str], Any]], tuple]


class Checkable(Protocol):
    def check(self, reply) -> tuple[list[str], Any]: ...

    def offload(self, reply) -> Optional[Offload]: ...


def default_workers() -> int:
    """One validating process per spare CPU, at least one, at most four; none inside a
    daemonic process (a Dask worker, say), which may not start children, nor where processes
    cannot be forked."""
    if multiprocessing.current_process().daemon \
            or "fork" not in multiprocessing.get_all_start_methods():  # e.g. Windows
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
    """The process-wide pool of ``workers`` processes (made on first use, kept for the
    process: forking for every generator would cost more than it saves)."""
    with _pools_lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                       initializer=_watch_parent, initargs=(os.getpid(),))
            _pools[workers] = pool
        return pool


def _watch_parent(parent: int) -> None:
    """In a worker: exit once the parent is gone (a killed build must not leave workers
    behind; a forked worker holds the call pipe's other end, so it would wait for ever)."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="check-parent-watch", daemon=True).start()


def _drop_pool(workers: int, pool: ProcessPoolExecutor) -> None:
    with _pools_lock:
        if _pools.get(workers) is pool:
            del _pools[workers]
    pool.shutdown(wait=False, cancel_futures=True)


def check_many(calls: list[Offload]) -> list[tuple[bool, Any]]:
    """Run checks in a worker: (True, result) or (False, the exception) for each."""
    out = []
    for function, args in calls:
        try:
            out.append((True, function(*args)))
        except Exception as exc:  # noqa: BLE001 - handed back, raised in the caller
            out.append((False, exc))
    return out


def _unpicklable(exc: Exception) -> bool:
    """True when a call could not be pickled (that batch's fault, not the pool's)."""
    return isinstance(exc, pickle.PicklingError) or "pickle" in str(exc).lower()


class Checker:
    """Validates replies for one engine: offloadable ones in worker processes, others here."""

    def __init__(self, workers: int):
        self.workers = workers
        self._pending: list[tuple[Checkable, Any, Offload, asyncio.Future]] = []
        self._draining = 0

    async def check(self, job: Checkable, reply) -> tuple[list[str], Any]:
        offload = job.offload(reply) if self.workers else None
        if offload is None:
            return job.check(reply)
        future = asyncio.get_running_loop().create_future()
        self._pending.append((job, reply, offload, future))
        if self._draining < self.workers:
            self._draining += 1
            asyncio.ensure_future(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                batch, self._pending = self._pending[:BATCH], self._pending[BATCH:]
                try:
                    pool = _pool(self.workers)
                    try:
                        results = await loop.run_in_executor(
                            pool, check_many, [offload for _, _, offload, _ in batch])
                    except BrokenProcessPool:
                        _drop_pool(self.workers, pool)
                        raise
                except Exception as exc:  # pool or pickling trouble: the same checks, here
                    log.warning("validation workers failed (%s: %s); checking on the loop",
                                type(exc).__name__, exc)
                    results = check_many([(job.check, (reply,)) for job, reply, _, _ in batch])
                    if not _unpicklable(exc):  # the pool itself failed: stop trying
                        self.workers = 0
                for (*_, future), (ok, value) in zip(batch, results):
                    if future.done():  # cancelled meanwhile
                        continue
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
        finally:
            self._draining -= 1
