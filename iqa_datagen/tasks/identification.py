"""Distortion identification (brief): one distorted image; the answer names its distortions."""

from __future__ import annotations

from iqa_datagen.distortions.images import encode_png
from iqa_datagen.generators import brief
from iqa_datagen.generators.records import image_field, labels
from iqa_datagen.seeding import rng_for

from .base import BriefTask, SampleContext


class Identification(BriefTask):
    name = "distortion_identification"
    title = "Distortion identification"
    count_field = "identification"
    key_name = "identification"

    def text(self, row, split, rng, gt_names):
        return brief.identification_text(labels(row["distortions_a"]), gt_names, row["setting"],
                                         split, rng)

    def sample(self, ctx: SampleContext) -> None:
        for i in ctx.indices(self):
            ctx.out.records += self._records(ctx, i)

    def _records(self, ctx: SampleContext, i: int) -> list:
        worker, ref = ctx.worker, ctx.ref
        key = ctx.key(self, i)
        rng = rng_for(worker.seed, key)
        plan = worker.sampler(ref.split).sample(rng)
        png = encode_png(plan.apply(ctx.image, rng, registry=worker.registry))
        records = []
        for setting in worker.settings(plan):
            row = {"setting": setting, "distortions_a": plan.labels()}
            q, a = self.render(row, ref.split, worker.seed, key, worker.gt_names)
            records.append(worker.record(
                ref, key=key, task=self.name, setting=setting, response_kind="templated",
                image_ref=image_field(ctx.ref_png, f"{ref.ref_id}/ref.png"),
                image_a=image_field(png, f"{ref.ref_id}/ident-{i}.png"), question=q, response=a,
                distortions_a=labels(plan.labels()), generator="template"))
        return records
