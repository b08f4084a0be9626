"""Pieces every flow shares: resolving its config, running shard tasks with a progress bar."""

from __future__ import annotations

import sys
from typing import Any, Callable, Iterable, Optional

from iqa_datagen.config import BuildConfig, load_config


def resolve_config(config: Optional[dict] = None,
                   config_path: Optional[str] = None) -> BuildConfig:
    """A validated BuildConfig from a dict (what the CLI passes), a file (what deployments pass)
    or, with neither, the built-in defaults."""
    if config is not None and config_path is not None:
        raise ValueError("give either config or config_path, not both")
    if config is not None:
        return BuildConfig.model_validate(config)
    return load_config(config_path)


def submit_all(task, calls: Iterable[dict], retries: int, progress: bool, desc: str) -> list[Any]:
    """Submit ``task`` once per keyword-argument dict, wait for all, return results in order.

    Results arrive as tasks finish (a progress bar on stderr when ``progress``); a task that
    still fails after its retries fails the flow, after the others have finished, so their
    work is kept (and skipped by the next run).
    """
    from prefect.futures import as_completed

    retry_if = _worth_retrying(getattr(task, "retry_condition_fn", None))
    futures = [task.with_options(retries=retries, retry_delay_seconds=2,
                                 retry_condition_fn=retry_if).submit(**kw)
               for kw in calls]
    if not futures:
        return []
    bar = _bar(len(futures), desc, progress)
    errors = []
    for future in as_completed(futures):
        try:
            future.result()
        except Exception as exc:  # collected; raised once all shards are done
            errors.append(exc)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    if errors:
        raise errors[0]
    return [f.result() for f in futures]


def _worth_retrying(own: Optional[Callable] = None) -> Callable:
    """A retry condition: retry what may pass next time (a flaky file system, a lost worker),
    not a full disk or a refused permission (those fail the run at once with their own
    message), and only where the task's ``own`` condition (if any) agrees."""

    def worth(task, task_run, state) -> bool:
        from iqa_datagen.storage.layout import permanent_os_error

        try:
            exc = state.result(raise_on_failure=False)
        except Exception:  # pragma: no cover - a result that cannot be read: retry as before
            exc = None
        if exc is not None and permanent_os_error(exc):
            return False
        return own(task, task_run, state) if own is not None else True

    return worth


def _bar(total: int, desc: str, progress: bool) -> Optional[Callable]:
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="shard", file=sys.stderr, dynamic_ncols=True)
