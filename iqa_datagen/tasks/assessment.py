"""Assessment reasoning (detailed): one distorted image; a paragraph describing its content,
each distortion and its effect, and an overall quality rating."""

from __future__ import annotations

from iqa_datagen.generators import brief

from .base import DetailedTask, SampleContext


class AssessmentReasoning(DetailedTask):
    name = "assessment_reasoning"
    title = "Assessment reasoning"
    count_field = "assessment"
    llm_check_offload = True  # labels and verdict only

    def question(self, setting, rng):
        return brief.assessment_question(setting, rng)

    def sample(self, ctx: SampleContext) -> None:
        for i in ctx.indices(self):
            key, plan, distorted = ctx.distort(self, i)
            ctx.pend_detailed(self, key, plan, distorted)

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
