"""Assessment reasoning (detailed): one distorted image; a paragraph describing its content,
each distortion and its effect, and an overall quality rating."""

from __future__ import annotations

from iqa_datagen.distortions.images import encode_png
from iqa_datagen.generators import brief
from iqa_datagen.generators.base import DetailedRequest
from iqa_datagen.generators.records import labels
from iqa_datagen.seeding import derive_seed, rng_for

from .base import DetailedTask, PendingDetailed, SampleContext


class AssessmentReasoning(DetailedTask):
    name = "assessment_reasoning"
    title = "Assessment reasoning"
    count_field = "assessment"
    llm_check_offload = True  # labels and verdict only

    def question(self, setting, rng):
        return brief.assessment_question(setting, rng)

    def sample(self, ctx: SampleContext) -> None:
        worker, ref = ctx.worker, ctx.ref
        for i in ctx.indices(self):
            key = ctx.key(self, i)
            rng = rng_for(worker.seed, key)
            plan = worker.sampler(ref.split).sample(rng)
            distorted = plan.apply(ctx.image, rng, registry=worker.registry)
            request = DetailedRequest(key=key, task=self.name, image_ref=ctx.image,
                                      image_a=distorted,
                                      distortions_a=tuple(labels(plan.labels())),
                                      seed=derive_seed(worker.seed, key))
            ctx.out.pending.append(PendingDetailed(
                request, ref, ctx.ref_png, encode_png(distorted), None, plan.labels(), [],
                plan.passes_no_reference_filter()))

    def llm_messages(self, request, encoded, names):
        from iqa_datagen.generators.llm.prompts import assessment_messages

        return assessment_messages(encoded["image_ref"], encoded["image_a"],
                                   request.distortions_a, names)

    def llm_check(self, request, reply, names):
        from iqa_datagen.generators.llm.validation import validate_assessment

        return validate_assessment(reply.content, request.distortions_a,
                                   reply.finish_reason, names), False

    def write_offline(self, request, batch):
        from iqa_datagen.generators.offline import write_assessment

        return write_assessment(request, batch)
