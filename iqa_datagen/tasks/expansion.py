"""Question–answer expansion (derived): k further question/answer pairs about each
full-reference detailed record, from the ground truth (``expansion.mode: gt``) or the LLM
(``llm``), in both settings where the source record has both."""

from __future__ import annotations

from dataclasses import dataclass, field

from iqa_datagen.generators.base import ExpansionRequest, ExpansionResult
from iqa_datagen.generators.records import make_record, provenance
from iqa_datagen.seeding import derive_seed

from .base import REFERENCE_WORDS, DerivedTask


@dataclass
class DerivedOutput:
    records: list = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)  # the writer could not be reached
    prompt_tokens: int = 0
    completion_tokens: int = 0


class QAExpansion(DerivedTask):
    name = "qa_expansion"
    title = "Question–answer expansion"
    counts_multi = False

    def generator(self, config, cache_dir, names, tasks_at_once=1):
        from iqa_datagen.pipeline.generation import expansion_generator

        return expansion_generator(config, cache_dir, names, tasks_at_once)

    def derive(self, generator, config, source_name, detailed) -> DerivedOutput:
        return self.expand(generator, config, source_name,
                           self.requests(detailed, config.expansion.k, config.seed),
                           detailed.records)

    def expand(self, generator, config, source_name, requests: list[ExpansionRequest],
               sources: list) -> DerivedOutput:
        """QA records of ``requests`` about the detailed ``sources`` (with their no-reference
        copies); what the LLM could not be asked for is written offline under
        ``llm.on_failure: offline``, else listed as missing."""
        from iqa_datagen.pipeline.generation import with_fallback

        results = with_fallback(config, generator, requests, "expand")
        out = DerivedOutput()
        for res in results:
            out.prompt_tokens += res.prompt_tokens
            out.completion_tokens += res.completion_tokens
        out.records, out.rejects, out.missing = self.records(config.seed, source_name, sources,
                                                             results)
        return out

    def requests(self, detailed, k: int, seed: int) -> list[ExpansionRequest]:
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

    def records(self, seed: int, source_name: str, records: list,
                results: list[ExpansionResult]) -> tuple[list, list[dict], list[dict]]:
        """QA records for each source record, in both settings where the source has both;
        with the rejects and the missing samples (no reply: not a reject)."""
        from iqa_datagen.pipeline.detailed import missing_sample

        by_id = {r.id: r for r in records}
        nr_of = {r.source_record_id: r for r in records if r.setting == "no_reference"}
        out, rejects, missing = [], [], []
        for result in results:
            source = by_id[result.key]
            if result.error:
                missing.append(missing_sample(result.key, self.name, source.reference_id,
                                              result))
                continue
            if result.reject_reasons and not result.pairs:
                rejects.append({"key": result.key, "task": self.name,
                                "reference_id": source.reference_id,
                                "generator": result.generator,
                                "reasons": list(result.reject_reasons), "attempts": 1})
                continue
            for j, pair in enumerate(result.pairs):
                for src in [source] + ([nr_of[source.id]] if source.id in nr_of else []):
                    if src.setting == "no_reference" and (REFERENCE_WORDS.search(pair.question)
                                                          or REFERENCE_WORDS.search(pair.answer)):
                        continue
                    out.append(make_record(
                        seed=seed, key=f"{source.id}:qa:{j}", task=self.name,
                        setting=src.setting, split=src.split,
                        response_kind="detailed" if result.generator.startswith("llm")
                        else "templated",
                        reference_id=src.reference_id, reference_group=src.reference_group,
                        image_ref=src.image_ref, image_a=src.image_a,
                        image_b=src.image_b, question=pair.question, response=pair.answer,
                        distortions_a=src.distortions_a, distortions_b=src.distortions_b,
                        verdict=src.verdict, source_record_id=src.id,
                        provenance=provenance(source=source_name, generator=result.generator,
                                              generator_version=result.generator_version,
                                              seed=seed,
                                              reference_name=src.provenance.reference_name,
                                              prompt_version=result.prompt_version)))
        return out, rejects, missing
