"""Step 3 of a build: turn generator results into detailed records (full-reference first, the
no-reference record derived from it), then expand them into question–answer records.

A result without text never reaches the dataset: it becomes a row of the rejects table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from iqa_datagen.generators import brief
from iqa_datagen.generators.base import DetailedResult, ExpansionRequest, ExpansionResult
from iqa_datagen.generators.records import image_field, labels, make_record, provenance
from iqa_datagen.pipeline.samples import PendingDetailed
from iqa_datagen.seeding import derive_seed, rng_for
from iqa_datagen.schemas import Record, Verdict

# Wording that only makes sense when a reference is shown; a no-reference record must not carry it.
_REFERENCE_WORDS = re.compile(r"\b(reference|pristine|original image|ground[- ]truth)\b", re.I)


@dataclass
class DetailedOutput:
    records: list[Record] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
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
        if not result.text:
            out.rejects.append(_reject(item, result, result.reject_reasons or ["no text"]))
            continue
        verdict = req.verdict
        if verdict is not None and result.overruled:
            out.overruled += 1
            verdict = Verdict(winner="B" if verdict.winner == "A" else "A",
                              confidence=verdict.confidence, source=verdict.source, overruled=True)
        prov = provenance(source=source_name, generator=result.generator,
                          generator_version=result.generator_version, seed=seed,
                          reference_name=ref.name, prompt_version=result.prompt_version,
                          notes="verdict overruled by the response" if result.overruled else None)
        paired = req.task == "comparison_reasoning"
        no_reference = item.no_reference_ok and not _REFERENCE_WORDS.search(result.text)
        if item.no_reference_ok and not no_reference:
            out.rejects.append(_reject(item, result, ["mentions a reference: no no_reference copy"]))
        full = None
        for setting in ["full_reference"] + (["no_reference"] if no_reference else []):
            qrng = rng_for(seed, req.key, setting, "question")
            question = (brief.comparison_question(setting, qrng) if paired
                        else brief.assessment_question(setting, qrng))
            name = req.key.replace(":", "-")
            record = make_record(
                seed=seed, key=req.key, task=req.task, setting=setting, split=ref.split,
                response_kind="detailed", reference_id=ref.ref_id, reference_group=ref.group,
                image_ref=image_field(item.ref_png, f"{ref.ref_id}/ref.png"),
                image_a=image_field(item.a_png, f"{name}-A.png"),
                image_b=image_field(item.b_png, f"{name}-B.png") if item.b_png else None,
                question=question, response=result.text,
                distortions_a=labels(item.labels_a), distortions_b=labels(item.labels_b),
                verdict=verdict, provenance=prov,
                source_record_id=full.id if full is not None else None)
            out.records.append(record)
            if full is None:
                full = record
                out.sources[record.id] = item
    return out


def expansion_requests(detailed: DetailedOutput, k: int, seed: int) -> list[ExpansionRequest]:
    """One request per full-reference detailed record."""
    requests = []
    for rec in detailed.records:
        if rec.id not in detailed.sources:
            continue
        req = detailed.sources[rec.id].request
        requests.append(ExpansionRequest(
            key=rec.id, task=rec.task, response=rec.response,
            distortions_a=tuple(rec.distortions_a), distortions_b=tuple(rec.distortions_b),
            verdict=rec.verdict, seed=derive_seed(seed, rec.id, "expansion"), k=k,
            image_ref=req.image_ref, image_a=req.image_a, image_b=req.image_b))
    return requests


def expansion_records(seed: int, source_name: str, records: list[Record],
                      results: list[ExpansionResult]) -> tuple[list[Record], list[dict]]:
    """QA records for each source record, in both settings where the source has both."""
    by_id = {r.id: r for r in records}
    nr_of = {r.source_record_id: r for r in records if r.setting == "no_reference"}
    out, rejects = [], []
    for result in results:
        source = by_id[result.key]
        if result.reject_reasons and not result.pairs:
            rejects.append({"key": result.key, "task": "qa_expansion",
                            "reference_id": source.reference_id, "generator": result.generator,
                            "reasons": list(result.reject_reasons), "attempts": 1})
            continue
        for j, pair in enumerate(result.pairs):
            for src in [source] + ([nr_of[source.id]] if source.id in nr_of else []):
                if src.setting == "no_reference" and (_REFERENCE_WORDS.search(pair.question)
                                                      or _REFERENCE_WORDS.search(pair.answer)):
                    continue
                out.append(make_record(
                    seed=seed, key=f"{source.id}:qa:{j}", task="qa_expansion",
                    setting=src.setting, split=src.split,
                    response_kind="detailed" if result.generator.startswith("llm") else "templated",
                    reference_id=src.reference_id, reference_group=src.reference_group,
                    image_ref=src.image_ref, image_a=src.image_a,
                    image_b=src.image_b, question=pair.question, response=pair.answer,
                    distortions_a=src.distortions_a, distortions_b=src.distortions_b,
                    verdict=src.verdict, source_record_id=src.id,
                    provenance=provenance(source=source_name, generator=result.generator,
                                          generator_version=result.generator_version, seed=seed,
                                          reference_name=src.provenance.reference_name,
                                          prompt_version=result.prompt_version)))
    return out, rejects


def _reject(item: PendingDetailed, result: DetailedResult, reasons: list[str]) -> dict:
    return {"key": item.request.key, "task": item.request.task,
            "reference_id": item.reference.ref_id, "generator": result.generator,
            "reasons": list(reasons), "attempts": result.attempts}
