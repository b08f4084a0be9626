"""``extend_catalogue``: add newly added distortions to a built dataset, as a Prefect flow.

Only the new samples (and their responses) are made and appended as parts of their own; the
manifest and card are then rewritten to cover the whole folder.
"""

from __future__ import annotations

import time
from typing import Optional

from prefect import flow

from iqa_datagen.flows.build import build_shard
from iqa_datagen.flows.common import submit_all
from iqa_datagen.flows.runners import task_runner_for
from iqa_datagen.config import BuildConfig
from iqa_datagen.pipeline.references import Shard


@flow(name="extend-catalogue")
def extend_catalogue(dataset: str, plugins: Optional[list[str]] = None,
                     names: Optional[list[str]] = None, progress: bool = False,
                     share: Optional[float] = None) -> dict:
    """Add the samples of the distortions that ``plugins`` (module paths, or installed entry
    points) bring and ``dataset`` lacks; ``names`` restricts to some of them; ``share``: of the
    references that get them (default: each new distortion as frequent as an existing one)."""
    from pathlib import Path

    from iqa_datagen.pipeline.assistant_step import ASSISTANT_DIR
    from iqa_datagen.pipeline.extend import plan_extension, record_extension
    from iqa_datagen.pipeline.output import finalize, remove_stale_parts, summarize
    from iqa_datagen.pipeline.references import discover, make_shards
    from iqa_datagen.pipeline.shard import ShardReport
    from iqa_datagen.storage import clean_incomplete

    started = time.perf_counter()
    base, ext = plan_extension(dataset, list(plugins or []), names, share)
    clean_incomplete(dataset)
    refs = discover(ext.config)
    shards = make_shards(refs, ext.config.run.shard_size)
    best = Path(dataset) / ASSISTANT_DIR / "best.pt"
    checkpoint = base.assistant.checkpoint or (str(best) if best.is_file() else None)
    if not base.assistant.enabled:
        checkpoint = None
    record_extension(dataset, ext)
    config_json = ext.config.model_dump(mode="json")
    reports = _extend_shards.with_options(task_runner=task_runner_for(ext.config.run))(
        config_json, shards, [ext.part(s) for s in shards], ext.key_prefix, dataset,
        checkpoint, progress)
    remove_stale_parts(dataset, [ext.part(s) for s in shards], [ext.part_prefix])
    shard_reports = [ShardReport.from_dict(r) for r in reports]
    summary = summarize(shard_reports, ext.config)
    summary.update(tag=ext.tag, names=list(ext.names), plugins=list(ext.plugins),
                   share=round(ext.config.tasks.sample_share, 4),
                   records_added=sum(sum(r.records.values()) for r in shard_reports
                                     if not r.resumed))
    manifest = finalize(dataset, base, None, {"extension": summary})
    summary["totals"] = manifest["totals"]
    summary["seconds"] = round(time.perf_counter() - started, 2)
    return summary


@flow(name="extend-shards")
def _extend_shards(config: dict, shards: list[Shard], parts: list[str], key_prefix: str,
                   out: str, checkpoint: Optional[str], progress: bool = False) -> list[dict]:
    retries = BuildConfig.model_validate(config).run.max_task_retries
    return submit_all(build_shard, [dict(config=config, shard=s, part=p, key_prefix=key_prefix,
                                         out=out, checkpoint=checkpoint)
                                     for s, p in zip(shards, parts)],
                      retries, progress, "extension shards")
