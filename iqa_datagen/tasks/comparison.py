"""Comparison reasoning (detailed): two distorted images of one reference; a description of
both, their distortions and effects, and which image is better (the verdict it is given)."""

from __future__ import annotations

from iqa_datagen.generators import brief

from .base import DetailedTask, SampleContext


class ComparisonReasoning(DetailedTask):
    name = "comparison_reasoning"
    title = "Comparison reasoning"
    images = 2
    count_field = "comparison"
    llm_check_offload = True  # labels and verdict only

    def question(self, setting, rng):
        return brief.comparison_question(setting, rng)

    def sample(self, ctx: SampleContext) -> None:
        worker = ctx.worker
        indices = ctx.indices(self)
        pairs = [worker.pair_images(ctx, self, i) for i in indices]
        for judged in worker.confident(ctx.image, pairs, ctx.verdicter, ctx.out, indices):
            key, plan_a, plan_b, img_a, img_b = judged.item
            ctx.pend_detailed(self, key, plan_a, img_a, plan_b, img_b, judged.verdict,
                              no_reference=judged.no_reference is not None,
                              no_reference_verdict=judged.no_reference)

    def llm_messages(self, request, encoded, names):
        from iqa_datagen.generators.llm.prompts import comparison_messages

        return comparison_messages(encoded["image_ref"], encoded["image_a"], encoded["image_b"],
                                   request.distortions_a, request.distortions_b,
                                   request.verdict, names)

    def llm_check(self, request, reply, names):
        from iqa_datagen.generators.llm.validation import validate_comparison

        return validate_comparison(reply.content, request.distortions_a, request.distortions_b,
                                   request.verdict, reply.finish_reason, names)

    def write_offline(self, request, batch):
        from iqa_datagen.generators.offline import write_comparison

        return write_comparison(request, batch)
