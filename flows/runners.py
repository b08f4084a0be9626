"""Where the shard tasks of a flow run: threads on this machine, or a Dask cluster.

The choice is data in the config (``run.executor``), so it works the same from the CLI, from
Python and from a scheduled deployment.
"""

from __future__ import annotations

import os

from iqa_datagen.config import RunConfig


def task_runner_for(run: RunConfig):
    """A Prefect task runner for ``run``: ``local`` → a thread pool; ``dask`` → the cluster at
    ``run.dask_address``, or a local cluster of ``run.dask_workers`` single-threaded processes."""
    if run.executor == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError:  # pragma: no cover - depends on the environment
            raise RuntimeError("run.executor=dask needs prefect-dask: "
                               "pip install 'iqa-datagen[dask]'") from None
        if run.dask_address:
            return DaskTaskRunner(address=run.dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": run.dask_workers,
                                              "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": None})
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=local_workers(run))


def local_workers(run: RunConfig) -> int:
    return run.workers or min(4, os.cpu_count() or 1)


def tasks_per_process(run: RunConfig) -> int:
    """Shard tasks that may run at once in one process (threads locally; one per Dask worker,
    whose workers are single-threaded processes)."""
    return 1 if run.executor == "dask" else local_workers(run)
