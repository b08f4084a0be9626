"""Distortion identification (brief): one distorted image; the answer names its distortions."""

from __future__ import annotations

from iqa_datagen.generators import brief
from iqa_datagen.generators.records import labels

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
        key, plan, distorted = ctx.distort(self, i)
        return self.image_records(ctx, key, plan, distorted, f"ident-{i}.png",
                                  {"distortions_a": plan.labels()},
                                  distortions_a=labels(plan.labels()))
