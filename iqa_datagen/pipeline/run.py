"""A build as plain steps, with no orchestrator: plan it, train the assistant when a task needs
its verdicts, make each shard and MOS chunk, then finish (stale parts, summary, manifest, card).

``build`` runs the steps one after another in this process; ``flows.build.build_dataset`` runs
the same steps as Prefect tasks (retries, threads or Dask). Both give the same dataset.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

from iqa_datagen.config import BuildConfig, ConfigError, load_config
from iqa_datagen.distortions.registry import build_registry
from iqa_datagen.pipeline.references import Reference, Shard, discover, make_shards

MOS_PART_PREFIX = "mos-"
SHARD_PART_PREFIX = "shard-"


@dataclass
class BuildPlan:
    """What a build will make: cheap to compute (names only, no pixels)."""

    config: BuildConfig
    references: list[Reference]
    shards: list[Shard]
    mos_items: list
    mos_chunks: list[tuple[str, list]]  # (part name, MOS items)

    @property
    def parts(self) -> list[str]:
        return [s.name for s in self.shards] + [part for part, _ in self.mos_chunks]

    def needs_assistant(self) -> bool:
        """The assistant is trained when a kept sample needs its verdict: comparisons, or
        instant-rating pairs judged by it when no MOS source gives them."""
        tasks = self.config.tasks
        judged_rating = (tasks.rating_source == "assistant"
                         or (tasks.rating_source == "mix" and tasks.rating_cross_share > 0))
        judged = tasks.comparison > 0 or (judged_rating and tasks.instant_rating > 0
                                          and not self.config.mos)
        return self.config.assistant.enabled and judged and bool(self.references)


def plan(config: BuildConfig) -> BuildPlan:
    """References, their shards, MOS pairs and their chunks of ``run.shard_size``."""
    from iqa_datagen.pipeline.mos import collect_mos

    refs = discover(config)
    mos_items = collect_mos(config) if config.mos else []
    if not refs and not mos_items:
        where = config.references.folder or "the built-in set"
        raise ConfigError(f"references.folder={where}: no image files found, and no MOS source")
    size = config.run.shard_size
    chunks = [(f"{MOS_PART_PREFIX}{i // size:05d}", mos_items[i:i + size])
              for i in range(0, len(mos_items), size)]
    return BuildPlan(config, refs, make_shards(refs, size), mos_items, chunks)


def start(out: str, config: BuildConfig, resume: bool = True, overwrite: bool = False) -> BuildPlan:
    """Check the plugins, prepare (or resume) the output folder, and plan the build."""
    from iqa_datagen.pipeline.output import prepare_output

    registry = build_registry(config.plugins)  # fail early, here, on a broken plugin
    prepare_output(out, config, registry.names(), resume=resume, overwrite=overwrite)
    return plan(config)


@contextmanager
def timed(seconds: dict, step: str) -> Iterator[None]:
    """Add the wall time of the block to ``seconds[step]`` (what builds report as step times)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds[step] = round(seconds.get(step, 0.0) + time.perf_counter() - started, 3)


def prepare(out: str, build: BuildPlan) -> dict:
    """The steps before the shards, none of which needs an orchestrator: check the LLM server,
    then train the assistant when a task needs its verdicts. Returns ``{"assistant": its summary
    or None, "step_seconds": {...}}``, which ``flows.build.build_dataset`` accepts as
    ``prepared`` (the CLI runs this while the Prefect server starts)."""
    seconds: dict = {}
    with timed(seconds, "llm_check"):
        preflight(build.config)
    assistant = None
    if build.needs_assistant():
        with timed(seconds, "assistant"):
            assistant = train_assistant(build.config, build.references, out, build.mos_items)
    return {"assistant": assistant, "step_seconds": seconds}


def span_seconds(reports: list[dict]) -> float:
    """Wall time from the first task's start to the last one's end (``span`` of each report)."""
    spans = [r["span"] for r in reports if r.get("span")]
    return round(max(e for _, e in spans) - min(s for s, _ in spans), 3) if spans else 0.0


def with_span(run, *args, **kwargs) -> dict:
    """``run(*args, **kwargs)`` (a step that returns a dict), with its wall-clock ``span``
    (start, end), comparable across the processes that run tasks side by side."""
    started = time.time()
    report = run(*args, **kwargs)
    return {**report, "span": (started, time.time())}


def train_assistant(config: BuildConfig, references: list[Reference], out: str,
                    mos_items: list) -> dict:
    """Train (or find) the build's assistant on its training split and its registry, and fit
    the library's score calibration on the rated MOS images (``pipeline.calibration``)."""
    from iqa_datagen.pipeline.assistant_step import train_for_build

    from iqa_datagen.pipeline.calibration import fit_for_build

    mos_pairs = [item.pair for item in mos_items
                 if item.split == "train" and hasattr(item, "pair")] or None
    summary = train_for_build(config, references, out, mos_pairs, build_registry(config.plugins))
    # The library's quality scores calibrated on the rated MOS images, where there are any.
    return dict(summary, score_calibration=fit_for_build(config, mos_items,
                                                         summary["checkpoint"]))


def run_shard(config: BuildConfig, shard: Shard, out: str, checkpoint: Optional[str],
              part: Optional[str] = None, key_prefix: str = "", tasks_at_once: int = 1) -> dict:
    """One shard of references, end to end, written as one part (or skipped when done);
    ``extend`` passes its own part name and a key prefix that keeps its samples apart."""
    from iqa_datagen.pipeline.assistant_step import verdicter_from
    from iqa_datagen.pipeline.shard import ShardRunner

    verdicter = verdicter_from(checkpoint, config.assistant.device) if checkpoint else None
    with ShardRunner(config, out, verdicter, key_prefix=key_prefix,
                     tasks_at_once=tasks_at_once) as runner:
        return runner.run(shard, part=part).to_dict()


def run_mos_chunk(config: BuildConfig, items: list, part: str, out: str) -> dict:
    """Records of a chunk of MOS pairs (instant rating) and rated images (quality scoring),
    written as one part."""
    from iqa_datagen.pipeline.mos import mos_records
    from iqa_datagen.pipeline.shard import ShardReport, finished_report, write_unit

    done = finished_report(out, part)
    if done is not None:
        return done.to_dict()
    names = build_registry(config.plugins).category_names()
    report = ShardReport(part=part)
    write_unit(out, part, mos_records(config, items, report, names), report, config, [])
    return report.to_dict()


def summary_of(out: str, build: BuildPlan, reports: list[dict], assistant: Optional[dict],
               started: float) -> dict:
    """Remove parts no longer planned and summarise what the shard reports say."""
    from iqa_datagen.pipeline.output import remove_stale_parts, summarize
    from iqa_datagen.pipeline.shard import ShardReport

    remove_stale_parts(out, build.parts, (SHARD_PART_PREFIX, MOS_PART_PREFIX))
    summary = summarize([ShardReport.from_dict(r) for r in reports], build.config)
    summary["assistant"] = assistant
    summary["splits"] = {s: sum(r.split == s for r in build.references) for s in ("train", "test")}
    summary["seconds"] = round(time.perf_counter() - started, 2)
    return summary


def preflight(config: BuildConfig) -> None:
    """Before the first request and before the assistant trains, when the build uses the LLM:
    print the requests and estimated cost (stderr), and check that the server can serve the
    build (``LLMUnavailable`` naming the cause when not, unless ``llm.on_failure`` says
    otherwise)."""
    from iqa_datagen.pipeline.generation import check_server, uses_llm
    from iqa_datagen.pipeline.plan import build_plan

    if uses_llm(config):
        print(build_plan(config).llm_line(), file=sys.stderr, flush=True)
        check_server(config)


def check_complete(out: str, config: BuildConfig, summary: dict) -> None:
    """``BuildIncomplete`` when samples are missing (the LLM could not write them), unless
    ``llm.on_failure`` is ``skip``: the finished parts are kept and a rerun asks for exactly
    the missing ones."""
    from iqa_datagen.pipeline.output import BuildIncomplete

    if summary["failed"] and config.llm.on_failure != "skip":
        first = summary["missing"][0]
        raise BuildIncomplete(
            f"{summary['failed']} sample(s) could not be written by the LLM (first: "
            f"{first['key']}: {first['error']}); the {summary['records_total']} records made are "
            f"kept in {out}: rerun the same command to ask for exactly the missing ones, or set "
            f"llm.on_failure offline|skip")


def finalize(out: str, config: BuildConfig, summary: dict, extra: dict) -> dict:
    """Write the manifest and the dataset card; the totals and the number of files."""
    from iqa_datagen.pipeline.output import finalize as write_manifest_and_card

    manifest = write_manifest_and_card(out, config, summary, extra)
    return {"totals": manifest["totals"], "files": len(manifest["files"])}


def build(config: BuildConfig | dict | str | Path | None = None, out: str = "dataset",
          resume: bool = True, overwrite: bool = False) -> dict:
    """Build the dataset of ``config`` (a BuildConfig, a dict of its fields, a config file, or
    None for the defaults) in ``out``, step by step in this process; returns the summary."""
    from iqa_datagen.pipeline.output import expand_out

    started = time.perf_counter()
    out = expand_out(out)
    config = _config(config)
    steps = start(out, config, resume, overwrite)
    prepared = prepare(out, steps)
    assistant = prepared["assistant"]
    checkpoint = assistant["checkpoint"] if assistant else None
    reports = [run_shard(config, s, out, checkpoint) for s in steps.shards]
    reports += [run_mos_chunk(config, items, part, out) for part, items in steps.mos_chunks]
    summary = summary_of(out, steps, reports, assistant, started)
    final = finalize(out, config, summary, {})
    summary["rows"] = final["totals"]
    summary["out"] = str(out)
    check_complete(out, config, summary)
    return summary


def _config(config: Any) -> BuildConfig:
    if isinstance(config, BuildConfig):
        return config
    if isinstance(config, dict):
        return BuildConfig.model_validate(config)
    return load_config(config)
