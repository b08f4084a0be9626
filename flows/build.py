"""``build_dataset``: reference images → a finished Parquet dataset, as a Prefect flow.

Steps: discover references and split them → train the assistant on the training split → shard
tasks (distort, brief records, assistant verdicts, detailed responses, QA expansion, Parquet
part) → MOS instant-rating tasks → manifest and dataset card. Each shard is a resumable part:
rerunning the same build after a crash redoes only unfinished shards, and the LLM reply cache
makes even those send no request twice.
"""

from __future__ import annotations

import sys
import time
from typing import Optional

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from iqa_datagen.distortions.registry import build_registry
from iqa_datagen.flows.common import resolve_config, submit_all
from iqa_datagen.flows.runners import task_runner_for
from iqa_datagen.config import BuildConfig, ConfigError
from iqa_datagen.pipeline.assistant_step import train_for_build, verdicter_from
from iqa_datagen.pipeline.references import Reference, Shard, discover, make_shards
from iqa_datagen.pipeline.shard import ShardReport, ShardRunner, finished_report, write_unit

MOS_PART_PREFIX = "mos-"
SHARD_PART_PREFIX = "shard-"


@task(name="train-assistant", cache_policy=NO_CACHE)
def train_assistant_task(config: dict, references: list[Reference], out: str,
                         mos_items: list) -> dict:
    cfg = BuildConfig.model_validate(config)
    mos_pairs = [item.pair for item in mos_items
                 if item.split == "train" and hasattr(item, "pair")] or None
    return train_for_build(cfg, references, out, mos_pairs, build_registry(cfg.plugins))


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
    """One shard of references, end to end, written as one part (or skipped when done).

    ``extend`` passes its own part name and a key prefix that keeps its samples apart.
    """
    from iqa_datagen.flows.runners import tasks_per_process

    cfg = BuildConfig.model_validate(config)
    verdicter = verdicter_from(checkpoint, cfg.assistant.device) if checkpoint else None
    with ShardRunner(cfg, out, verdicter, key_prefix=key_prefix,
                     tasks_at_once=tasks_per_process(cfg.run)) as runner:
        return runner.run(shard, part=part).to_dict()


@task(name="build-mos-shard", cache_policy=NO_CACHE)
def build_mos_shard(config: dict, items: list, part: str, out: str) -> dict:
    """Records of a chunk of MOS pairs (instant rating) and rated images (quality scoring),
    written as one part."""
    from iqa_datagen.pipeline.mos import mos_records

    cfg = BuildConfig.model_validate(config)
    done = finished_report(out, part)
    if done is not None:
        return done.to_dict()
    names = build_registry(cfg.plugins).category_names()
    report = ShardReport(part=part)
    write_unit(out, part, mos_records(cfg, items, report, names), report, cfg, [])
    return report.to_dict()


@task(name="finalize-dataset", cache_policy=NO_CACHE)
def finalize_task(config: dict, out: str, summary: dict, extra: dict) -> dict:
    from iqa_datagen.pipeline.output import finalize

    manifest = finalize(out, BuildConfig.model_validate(config), summary, extra)
    return {"totals": manifest["totals"], "files": len(manifest["files"])}


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


def plan(cfg: BuildConfig) -> tuple[list[Reference], list[Shard], list, list[tuple[str, list]]]:
    """References, their shards, MOS pairs and their chunks: cheap (names only, no pixels)."""
    from iqa_datagen.pipeline.mos import collect_mos

    refs = discover(cfg)
    mos_items = collect_mos(cfg) if cfg.mos else []
    if not refs and not mos_items:
        where = cfg.references.folder or "the built-in set"
        raise ConfigError(f"references.folder={where}: no image files found, and no MOS source")
    shards = make_shards(refs, cfg.run.shard_size)
    size = cfg.run.shard_size
    mos_chunks = [(f"{MOS_PART_PREFIX}{i // size:05d}", mos_items[i:i + size])
                  for i in range(0, len(mos_items), size)]
    return refs, shards, mos_items, mos_chunks


@flow(name="build-dataset")
def build_dataset(out: str = "dataset", config: Optional[dict] = None,
                  config_path: Optional[str] = None, resume: bool = True,
                  overwrite: bool = False, progress: bool = False) -> dict:
    """Build (or finish building) the dataset of ``config`` in ``out``; returns the summary.

    ``config`` is a dict of BuildConfig fields, ``config_path`` a YAML/TOML file (give one or
    neither: defaults); ``{date}``/``{datetime}`` in ``out`` are filled in (UTC).
    """
    from iqa_datagen.pipeline.generation import check_server, uses_llm
    from iqa_datagen.pipeline.output import (BuildIncomplete, expand_out, prepare_output,
                                             remove_stale_parts, summarize)

    started = time.perf_counter()
    out = expand_out(out)
    cfg = resolve_config(config, config_path)
    registry = build_registry(cfg.plugins)  # fail early, here, on a broken plugin
    prepare_output(out, cfg, registry.names(), resume=resume, overwrite=overwrite)
    refs, shards, mos_items, mos_chunks = plan(cfg)
    config_json = cfg.model_dump(mode="json")
    if uses_llm(cfg):  # before any request, and before the assistant trains
        from iqa_datagen.pipeline.plan import build_plan

        print(build_plan(cfg).llm_line(), file=sys.stderr, flush=True)
        check_server(cfg)

    assistant = None
    judged = cfg.tasks.comparison > 0 or (cfg.tasks.rating_source == "assistant"
                                          and cfg.tasks.instant_rating > 0 and not cfg.mos)
    if cfg.assistant.enabled and judged and refs:
        assistant = train_assistant_task(config_json, refs, out, mos_items)
    checkpoint = assistant["checkpoint"] if assistant else None

    runner = run_shards.with_options(task_runner=task_runner_for(cfg.run))
    reports = runner(config_json, shards, mos_chunks, out, checkpoint, progress)
    remove_stale_parts(out, [s.name for s in shards] + [p for p, _ in mos_chunks],
                       (SHARD_PART_PREFIX, MOS_PART_PREFIX))
    summary = summarize([ShardReport.from_dict(r) for r in reports], cfg)
    summary["assistant"] = assistant
    summary["splits"] = {s: sum(r.split == s for r in refs) for s in ("train", "test")}
    summary["seconds"] = round(time.perf_counter() - started, 2)
    final = finalize_task(config_json, out, summary, {})
    summary["rows"] = final["totals"]
    summary["out"] = str(out)
    if summary["failed"] and cfg.llm.on_failure != "skip":
        first = summary["missing"][0]
        raise BuildIncomplete(
            f"{summary['failed']} sample(s) could not be written by the LLM (first: "
            f"{first['key']}: {first['error']}); the {summary['records_total']} records made are "
            f"kept in {out}: rerun the same command to ask for exactly the missing ones, or set "
            f"llm.on_failure offline|skip")
    return summary
