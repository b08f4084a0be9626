"""``build_dataset``: reference images → a finished Parquet dataset, as a Prefect flow.

The steps are ``iqa_datagen.pipeline.run``'s plain functions; this module only maps them to
Prefect tasks, retries and task runners (``pipeline.build`` runs them without Prefect).

Steps: discover references and split them → train the assistant on the training split → shard
tasks (distort, brief records, assistant verdicts, detailed responses, QA expansion, Parquet
part) → MOS instant-rating tasks → manifest and dataset card. Each shard is a resumable part:
rerunning the same build after a crash redoes only unfinished shards, and the LLM reply cache
makes even those send no request twice.
"""

from __future__ import annotations

import time
from typing import Optional

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from iqa_datagen.config import BuildConfig
from iqa_datagen.flows.common import resolve_config, submit_all
from iqa_datagen.flows.runners import task_runner_for
from iqa_datagen.pipeline import run as steps
from iqa_datagen.pipeline.output import expand_out
from iqa_datagen.pipeline.references import Reference, Shard


@task(name="train-assistant", cache_policy=NO_CACHE)
def train_assistant_task(config: dict, references: list[Reference], out: str,
                         mos_items: list) -> dict:
    return steps.train_assistant(BuildConfig.model_validate(config), references, out, mos_items)


def _retry_unless_unavailable(task, task_run, state) -> bool:
    """Retry a failed shard task, except when the LLM is unavailable: retrying would only
    wait for the same cause again (the build stops and says why instead)."""
    from iqa_datagen.generators.llm.transport import LLMUnavailable

    try:
        state.result()
    except LLMUnavailable:
        return False
    except BaseException:
        return True
    return True


@task(name="build-shard", cache_policy=NO_CACHE, retry_condition_fn=_retry_unless_unavailable)
def build_shard(config: dict, shard: Shard, out: str, checkpoint: Optional[str],
                part: Optional[str] = None, key_prefix: str = "") -> dict:
    """One shard of references (``pipeline.run.run_shard``)."""
    from iqa_datagen.flows.runners import tasks_per_process

    cfg = BuildConfig.model_validate(config)
    return steps.with_span(steps.run_shard, cfg, shard, out, checkpoint, part, key_prefix,
                           tasks_per_process(cfg.run))


@task(name="build-mos-shard", cache_policy=NO_CACHE)
def build_mos_shard(config: dict, items: list, part: str, out: str) -> dict:
    """Instant-rating records of a chunk of MOS pairs (``pipeline.run.run_mos_chunk``)."""
    return steps.with_span(steps.run_mos_chunk, BuildConfig.model_validate(config), items, part,
                           out)


@task(name="finalize-dataset", cache_policy=NO_CACHE)
def finalize_task(config: dict, out: str, summary: dict, extra: dict) -> dict:
    return steps.finalize(out, BuildConfig.model_validate(config), summary, extra)


@flow(name="build-shards")
def run_shards(config: dict, shards: list[Shard], mos_chunks: list[tuple[str, list]], out: str,
               checkpoint: Optional[str], progress: bool = False) -> list[dict]:
    """The shard tasks of a build on the configured task runner (threads or Dask)."""
    cfg = BuildConfig.model_validate(config)
    retries = cfg.run.max_task_retries
    reports = submit_all(build_shard, [dict(config=config, shard=s, out=out, checkpoint=checkpoint)
                                       for s in shards], retries, progress, "reference shards")
    reports += submit_all(build_mos_shard, [dict(config=config, items=items, part=part, out=out)
                                            for part, items in mos_chunks],
                          retries, progress, "MOS shards")
    return reports


@flow(name="build-dataset")
def build_dataset(out: str = "dataset", config: Optional[dict] = None,
                  config_path: Optional[str] = None, resume: bool = True,
                  overwrite: bool = False, progress: bool = False,
                  prepared: Optional[dict] = None) -> dict:
    """Build (or finish building) the dataset of ``config`` in ``out``; returns the summary.

    ``config`` is a dict of BuildConfig fields, ``config_path`` a YAML/TOML file (give one or
    neither: defaults); ``{date}``/``{datetime}`` in ``out`` are filled in (UTC). ``prepared``:
    what ``pipeline.run.prepare`` returned for this build (the CLI runs it while the Prefect
    server starts); without it the flow checks the LLM server and trains the assistant itself.
    The summary's ``step_seconds`` gives the wall time of each step.
    """
    started = time.perf_counter()
    out = expand_out(out)
    cfg = resolve_config(config, config_path)
    seconds: dict = {}
    with steps.timed(seconds, "start"):
        plan = steps.start(out, cfg, resume, overwrite)
    config_json = cfg.model_dump(mode="json")
    if prepared is None:
        with steps.timed(seconds, "llm_check"):
            steps.preflight(cfg)  # before any request, and before the assistant trains
        with steps.timed(seconds, "assistant"):
            assistant = (train_assistant_task(config_json, plan.references, out, plan.mos_items)
                         if plan.needs_assistant() else None)
    else:
        assistant = prepared["assistant"]
        seconds.update(prepared["step_seconds"])
    checkpoint = assistant["checkpoint"] if assistant else None
    runner = run_shards.with_options(task_runner=task_runner_for(cfg.run))
    reports = runner(config_json, plan.shards, plan.mos_chunks, out, checkpoint, progress)
    seconds["shards"] = steps.span_seconds(reports)
    summary = steps.summary_of(out, plan, reports, assistant, started)
    with steps.timed(seconds, "finalize"):
        final = finalize_task(config_json, out, summary, {})
    summary["rows"] = final["totals"]
    summary["out"] = str(out)
    summary["step_seconds"] = seconds
    steps.check_complete(out, cfg, summary)
    return summary
