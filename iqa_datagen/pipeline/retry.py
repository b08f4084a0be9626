"""``retry-rejects``: write again only the samples whose responses were rejected.

Every sample is rebuilt from the seed and its own identity (the same distorted images, labels and
verdict as in the build), then asked again with a new seed, another model, or the offline
writer. The results are written as a new part (``retry-NNNNN``) with its own rejects list; no
existing data file, marker or rejects list is touched (the manifest and card are rewritten to
cover the new part). A sample fixed by a retry part is not asked again by a later retry.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Optional

from iqa_datagen.distortions.images import encode_png
from iqa_datagen.distortions.registry import build_registry
from iqa_datagen.generators.base import ExpansionRequest
from iqa_datagen.pipeline.output import dataset_plugins, finalize, read_rejects
from iqa_datagen.pipeline.references import discover, load_reference
from iqa_datagen.pipeline.stored_config import load_build_config
from iqa_datagen.pipeline.shard import ShardReport, ShardRunner, write_unit
from iqa_datagen.schemas import Verdict
from iqa_datagen.seeding import derive_seed
from iqa_datagen.storage import list_parts, read_part

RETRY_PART_PREFIX = "retry-"
DETAILED = ("assessment_reasoning", "comparison_reasoning")
# A reject row that is no reject of the sample itself: its full-reference record exists, only
# the no-reference copy was left out. Retrying it would duplicate the record.
NOT_A_SAMPLE_REJECT = "mentions a reference: no no_reference copy"


def open_rejects(dataset: Path | str) -> list[dict]:
    """Reject rows whose sample has no record yet (not fixed by an earlier retry), one per key."""
    fixed: set[str] = set()
    for name in list_parts(dataset):
        if name.startswith(RETRY_PART_PREFIX):
            fixed.update(read_part(dataset, name).meta.get("report", {}).get("fixed", []))
    rows: dict[str, dict] = {}
    for row in read_rejects(dataset):
        if row.get("reasons") == [NOT_A_SAMPLE_REJECT] or row["key"] in fixed:
            continue
        rows.setdefault(row["key"], row)
    return list(rows.values())


def retry_rejects(dataset: Path | str, seed: Optional[int] = None, model: Optional[str] = None,
                  offline: bool = False) -> dict:
    """Ask again for every open reject of ``dataset``; returns the retry part's summary."""
    dataset = Path(dataset)
    base = load_build_config(dataset)
    rows = open_rejects(dataset)
    done = sorted(n for n in list_parts(dataset) if n.startswith(RETRY_PART_PREFIX))
    part = f"{RETRY_PART_PREFIX}{len(done):05d}"
    if not rows:
        return {"part": None, "retried": 0, "fixed": 0, "still_rejected": 0, "records": {}}
    retry_seed = derive_seed(base.seed, "retry", len(done)) if seed is None else seed
    data = base.model_dump(mode="json")
    if offline:
        data["llm"]["mode"] = "off"
    else:
        data["llm"]["mode"] = "on"
        if model:
            data["llm"]["model"] = model
    config = type(base).model_validate(data)
    registry = build_registry(dataset_plugins(dataset, base))
    keys = {r["key"] for r in rows}
    report = ShardReport(part=part)
    rejects: list[dict] = []
    skipped: list[dict] = []
    with ShardRunner(config, dataset, registry=registry) as runner:
        pending = _detailed_samples(runner, config, [r for r in rows if r["task"] in DETAILED],
                                    retry_seed, skipped)
        requests, sources = _expansion_sources(
            dataset, [r for r in rows if r["task"] == "qa_expansion"], config.expansion.k,
            retry_seed)

        def records():
            fixed = set()
            streams = [runner.respond(pending, report, rejects) if pending else iter(()),
                       runner.expand(requests, sources, report, rejects) if requests
                       else iter(())]
            for stream in streams:
                for rec in stream:
                    fixed.add(rec.source_record_id if rec.task == "qa_expansion"
                              else rec.sample_key)
                    yield rec
            runner.usage(report)
            report.fixed = sorted(fixed & keys)

        write_unit(dataset, part, records(), report, config, rejects)
    finalize(dataset, base, None, {"retry": {"part": part, "fixed": len(report.fixed)}})
    return {"part": part, "retried": len(rows), "fixed": len(report.fixed),
            "still_rejected": len(rejects), "missing": len(report.missing),
            "skipped": skipped, "records": report.records, "writers": report.writers,
            "seed": retry_seed, "llm_requests": report.llm_requests}


def _detailed_samples(runner: ShardRunner, config, rows: list[dict], retry_seed: int,
                      skipped: list[dict]) -> list:
    """The rejected detailed samples rebuilt by their task's own sampling (same images and
    labels; a comparison keeps its stored verdict), with new seeds."""
    from iqa_datagen.pipeline.samples import ReferenceOutput
    from iqa_datagen.tasks import TASKS, SampleContext

    refs = {r.ref_id: r for r in discover(config)}
    by_ref: dict[str, list[dict]] = {}
    for row in rows:
        if row["reference_id"] not in refs:
            skipped.append({"key": row["key"], "reason": "its reference image is no longer "
                                                         "in the reference folder"})
        else:
            by_ref.setdefault(row["reference_id"], []).append(row)
    pending = []
    worker = runner.worker
    for ref_id, ref_rows in by_ref.items():
        ref = refs[ref_id]
        image = load_reference(ref, config.references.short_side)
        wanted = {r["key"]: r for r in ref_rows}
        wanted_rows = dict(wanted)
        stored = {k: Verdict(**r["verdict"]) for k, r in wanted.items() if r.get("verdict")}

        for task_name in sorted({r["task"] for r in ref_rows}):
            task = TASKS.detailed(task_name)
            keys = [worker.sample_key(ref, task, i) for i in range(
                int(getattr(config.tasks, task.count_field)) if task.count_field else 0)]
            verdicts = [stored.get(k) or Verdict(winner="A", confidence=1.0, source="assistant")
                        for k in keys]
            ctx = SampleContext(worker=worker, ref=ref, image=image, ref_png=encode_png(image),
                                verdicter=lambda triples, v=verdicts: [
                                    (x.winner, x.confidence if x.confidence is not None
                                     else 1.0) for x in v[:len(triples)]],
                                out=ReferenceOutput())
            task.sample(ctx)
            for item in ctx.out.pending:
                key = item.request.key
                if key not in wanted:
                    continue
                wanted.pop(key)
                if item.request.verdict is not None and key not in stored:
                    skipped.append({"key": key, "reason": "the reject row has no verdict "
                                                          "(made before retry-rejects existed)"})
                    continue
                item.request = dataclasses.replace(
                    item.request, seed=derive_seed(retry_seed, key),
                    verdict=stored.get(key, item.request.verdict))
                row = wanted_rows[key]
                if "no_reference_ok" in row:  # the build's no-reference decision stands
                    item.no_reference_ok = bool(row["no_reference_ok"])
                    nr = row.get("no_reference_verdict")
                    item.no_reference_verdict = Verdict(**nr) if nr else None
                pending.append(item)
        skipped += [{"key": k, "reason": "its sample could not be rebuilt (an extension's "
                                         "sample, or a changed config)"} for k in wanted]
    return pending


def _expansion_sources(dataset: Path, rows: list[dict], k: int, retry_seed: int
                       ) -> tuple[list[ExpansionRequest], list]:
    """Expansion requests for the detailed records whose QA expansion was rejected, and those
    records (with their no-reference copies, which get the same pairs)."""
    from iqa_datagen.storage import read_records
    from iqa_datagen.storage.stats import decode_png

    keys = [r["key"] for r in rows]
    if not keys:
        return [], []
    sources = list(read_records(dataset, filters=[("id", "in", keys)], as_models=True))
    copies = [r for r in read_records(dataset, filters=[("source_record_id", "in", keys)],
                                      as_models=True) if r.task in DETAILED]
    requests = []
    for rec in sources:
        def image(field):
            return decode_png(field.bytes) if field is not None else None

        requests.append(ExpansionRequest(
            key=rec.id, task=rec.task, response=rec.response,
            distortions_a=tuple(rec.distortions_a), distortions_b=tuple(rec.distortions_b),
            verdict=rec.verdict, seed=derive_seed(retry_seed, rec.id, "expansion"), k=k,
            image_ref=image(rec.image_ref), image_a=image(rec.image_a),
            image_b=image(rec.image_b)))
    return requests, sources + copies
