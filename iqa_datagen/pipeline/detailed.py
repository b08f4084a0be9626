"""Step 3 of a build: turn generator results into detailed records (full-reference first, the
no-reference record derived from it); derived tasks (question–answer expansion) follow from
them.

A result without text never reaches the dataset: it becomes a row of the rejects table when it
was judged on its merits, or a *missing* sample when the writer could not be reached (the shard
is then incomplete and a rerun asks for exactly those samples).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iqa_datagen.generators.base import DetailedResult
from iqa_datagen.generators.records import image_field, labels, make_record, provenance
from iqa_datagen.schemas import Record, Verdict
from iqa_datagen.seeding import rng_for
from iqa_datagen.tasks import REFERENCE_WORDS, TASKS, PendingDetailed


@dataclass
class DetailedOutput:
    records: list[Record] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)  # writer unreachable: not a reject
    prompt_tokens: int = 0
    completion_tokens: int = 0
    overruled: int = 0
    sources: dict[str, PendingDetailed] = field(default_factory=dict)  # full-reference id → sample


def detailed_records(seed: int, source_name: str, pending: list[PendingDetailed],
                     results: list[DetailedResult]) -> DetailedOutput:
    out = DetailedOutput()
    for item, result in zip(pending, results, strict=True):
        out.prompt_tokens += result.prompt_tokens
        out.completion_tokens += result.completion_tokens
        req, ref = item.request, item.reference
        if result.error:
            out.missing.append(missing_sample(req.key, req.task, ref.ref_id, result))
            continue
        if not result.text:
            out.rejects.append(_reject(item, result, result.reject_reasons or ["no text"]))
            continue
        verdicts = {"full_reference": req.verdict,
                    "no_reference": item.no_reference_verdict or req.verdict}
        if req.verdict is not None and result.overruled:
            out.overruled += 1
            verdicts = {s: _overruled(v) for s, v in verdicts.items()}
        prov = provenance(source=source_name, generator=result.generator,
                          generator_version=result.generator_version, seed=seed,
                          reference_name=ref.name, prompt_version=result.prompt_version,
                          notes="verdict overruled by the response" if result.overruled else None)
        task = TASKS.detailed(req.task)
        no_reference = item.no_reference_ok and not REFERENCE_WORDS.search(result.text)
        if item.no_reference_ok and not no_reference:
            out.rejects.append(_reject(item, result, ["mentions a reference: no no_reference copy"]))
        full = None
        for setting in ["full_reference"] + (["no_reference"] if no_reference else []):
            qrng = rng_for(seed, req.key, setting, "question")
            question = task.question(setting, qrng)
            name = req.key.replace(":", "-")
            record = make_record(
                seed=seed, key=req.key, task=req.task, setting=setting, split=ref.split,
                response_kind="detailed", reference_id=ref.ref_id, reference_group=ref.group,
                image_ref=image_field(item.ref_png, f"{ref.ref_id}/ref.png"),
                image_a=image_field(item.a_png, f"{name}-A.png"),
                image_b=image_field(item.b_png, f"{name}-B.png") if item.b_png else None,
                question=question, response=result.text,
                distortions_a=labels(item.labels_a), distortions_b=labels(item.labels_b),
                verdict=verdicts[setting], provenance=prov,
                source_record_id=full.id if full is not None else None)
            out.records.append(record)
            if full is None:
                full = record
                out.sources[record.id] = item
    return out


def _overruled(verdict: Verdict) -> Verdict:
    """The verdict the response argued for: the other image, marked as overruled."""
    return Verdict(winner="B" if verdict.winner == "A" else "A", confidence=verdict.confidence,
                   source=verdict.source, overruled=True)


def missing_sample(key: str, task: str, reference_id: str, result) -> dict:
    """The row that names a sample the writer could not produce (kept in the part marker)."""
    return {"key": key, "task": task, "reference_id": reference_id,
            "generator": result.generator, "error": result.error}


def _reject(item: PendingDetailed, result: DetailedResult, reasons: list[str]) -> dict:
    verdict = item.request.verdict  # kept so that ``retry-rejects`` can ask again
    return {"key": item.request.key, "task": item.request.task,
            "reference_id": item.reference.ref_id, "generator": result.generator,
            "reasons": list(reasons), "attempts": result.attempts,
            "verdict": verdict.model_dump(mode="json") if verdict is not None else None,
            "no_reference_ok": item.no_reference_ok,
            "no_reference_verdict": (item.no_reference_verdict.model_dump(mode="json")
                                     if item.no_reference_verdict is not None else None)}
