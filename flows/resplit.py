"""``regenerate_splits``: re-split a built dataset in place, as a Prefect flow.

No image is distorted and no LLM is called: each part's records are re-labelled and streamed
into new files (see ``iqa_datagen.pipeline.resplit``), then the manifest and card are redone.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Optional

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from iqa_datagen.flows.common import submit_all
from iqa_datagen.flows.runners import task_runner_for
from iqa_datagen.config import BuildConfig
from iqa_datagen.pipeline.output import finalize, read_rejects
from iqa_datagen.pipeline.resplit import Resplitter, begin_resplit, resplit_part
from iqa_datagen.pipeline.run import span_seconds, timed, with_span


@task(name="resplit-part", cache_policy=NO_CACHE)
def resplit_part_task(dataset: str, part: str, config: dict, splits: dict[str, str],
                      plugins: list[str]) -> dict:
    return with_span(resplit_part, dataset, part,
                     Resplitter(BuildConfig.model_validate(config), splits, plugins))


@flow(name="regenerate-splits")
def regenerate_splits(dataset: str, seed: Optional[int] = None,
                      test_fraction: Optional[float] = None, ood: Optional[bool] = None,
                      progress: bool = False) -> dict:
    """Re-split ``dataset`` with a new split seed, test fraction and/or OOD rule; the summary's
    ``step_seconds`` gives the wall time of each step."""
    started = time.perf_counter()
    seconds: dict = {}
    with timed(seconds, "begin"):
        config, splits, parts, plugins = begin_resplit(dataset, seed, test_fraction, ood)
    config_json = config.model_dump(mode="json")
    run = task_runner_for(config.run)
    results = _resplit_parts.with_options(task_runner=run)(dataset, parts, config_json, splits,
                                                           plugins, progress)
    seconds["parts"] = span_seconds(results)
    counts = Counter()
    for r in results:
        counts.update({k: v for k, v in r.items() if k in ("moved", "kept", "dropped_ood")})
    summary = {"parts": len(parts), "rows_rewritten": sum(r["rows"] for r in results), **counts,
               "split": config.split.model_dump(mode="json"),
               "test_groups": sum(s == "test" for s in splits.values()),
               "train_groups": sum(s == "train" for s in splits.values()),
               "rejects": len(read_rejects(dataset))}
    with timed(seconds, "finalize"):
        manifest = finalize(dataset, config, None, {"resplit": summary})
    summary["totals"] = manifest["totals"]
    summary["step_seconds"] = seconds
    summary["seconds"] = round(time.perf_counter() - started, 2)
    return summary


@flow(name="resplit-parts")
def _resplit_parts(dataset: str, parts: list[str], config: dict, splits: dict[str, str],
                   plugins: list[str], progress: bool = False) -> list[dict]:
    retries = BuildConfig.model_validate(config).run.max_task_retries
    return submit_all(resplit_part_task, [dict(dataset=dataset, part=p, config=config,
                                               splits=splits, plugins=plugins) for p in parts],
                      retries, progress, "parts")
