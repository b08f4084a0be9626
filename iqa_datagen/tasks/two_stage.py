"""Two-stage reasoning (derived, ``tasks.two_stage``): each assessment and comparison sample
also becomes a linked pair of records per setting, a perception record (the images and a
question about visible attributes; the answer describes only what is seen) and an inference
record (text only: the question quotes that description and asks for the verdict; the answer
concludes from it). Both keep the sample's task and carry ``stage`` and a shared ``chain_id``;
the inference record's ``source_record_id`` is its perception record.

A chain whose perception gives a verdict or misses a distortion, or whose inference disagrees
with the ground truth (level word vs. the strongest grade, winner vs. the verdict), is rejected
whole and listed in the rejects table.
"""

from __future__ import annotations

from iqa_datagen.generators.records import make_record, provenance
from iqa_datagen.seeding import derive_seed, rng_for, stable_id

from .base import REFERENCE_WORDS, DerivedTask
from .expansion import DerivedOutput


class TwoStageReasoning(DerivedTask):
    name = "two_stage"
    title = "Two-stage reasoning"
    counts_multi = True
    own_records = False  # perception and inference records keep the sample's task

    def generator(self, config, cache_dir, names, tasks_at_once=1):
        from iqa_datagen.pipeline.generation import two_stage_generator

        return two_stage_generator(config, cache_dir, names, tasks_at_once)

    def requests(self, detailed, seed: int) -> list:
        """One ``TwoStageRequest`` per full-reference detailed record."""
        from iqa_datagen.generators import two_stage as ts  # the generators import the tasks

        requests = []
        for rec in detailed.records:
            if rec.id not in detailed.sources:
                continue
            req = detailed.sources[rec.id].request
            requests.append(ts.TwoStageRequest(
                key=rec.id, task=rec.task, one_stage=rec.response,
                distortions_a=tuple(rec.distortions_a), distortions_b=tuple(rec.distortions_b),
                verdict=rec.verdict, seed=derive_seed(seed, rec.id, "two-stage"),
                image_ref=req.image_ref, image_a=req.image_a, image_b=req.image_b))
        return requests

    def derive(self, generator, config, source_name, detailed) -> DerivedOutput:
        requests = self.requests(detailed, config.seed)
        results = generator.run(requests)
        by_id = {r.id: r for r in detailed.records}
        nr_of = {r.source_record_id: r for r in detailed.records if r.setting == "no_reference"}
        out = DerivedOutput()
        for result in results:
            out.prompt_tokens += result.prompt_tokens
            out.completion_tokens += result.completion_tokens
            source = by_id[result.key]
            if not result.ok:
                out.rejects.append({"key": source.sample_key, "task": source.task,
                                    "stage": "two_stage", "reference_id": source.reference_id,
                                    "generator": result.generator,
                                    "reasons": list(result.reject_reasons), "attempts": 1})
                continue
            for src in [source] + ([nr_of[source.id]] if source.id in nr_of else []):
                if src.setting == "no_reference" and REFERENCE_WORDS.search(result.perception):
                    continue
                out.records += self.chain(config.seed, source_name, src, result)
        return out

    def chain(self, seed: int, source_name: str, src, result) -> list:
        """The perception and inference records of one setting's sample."""
        from iqa_datagen.generators import two_stage as ts

        chain_id = stable_id(seed, "chain", src.id)
        prov = provenance(source=source_name, generator=result.generator,
                          generator_version=result.generator_version, seed=seed,
                          reference_name=src.provenance.reference_name,
                          prompt_version=result.prompt_version)
        common = dict(seed=seed, key=src.sample_key, task=src.task, setting=src.setting,
                      split=src.split, response_kind="detailed", reference_id=src.reference_id,
                      reference_group=src.reference_group, distortions_a=src.distortions_a,
                      distortions_b=src.distortions_b, verdict=src.verdict, provenance=prov,
                      chain_id=chain_id)
        qrng = rng_for(seed, src.id, "two-stage", "question")
        perception = make_record(
            **common, stage="perception", image_ref=src.image_ref, image_a=src.image_a,
            image_b=src.image_b, question=ts.perception_question(src.task, src.setting, qrng),
            response=result.perception)
        inference = make_record(
            **common, stage="inference", image_a=None,
            question=ts.inference_question(src.task, result.perception, qrng),
            response=result.inference, source_record_id=perception.id)
        return [perception, inference]
