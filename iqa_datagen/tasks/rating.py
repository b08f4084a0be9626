"""Instant rating (brief): a pair of distorted images; the answer names the better one.

Pairs come from the distortion library (one distortion at two levels, the lower level wins),
from two sampled distortions judged by the assistant model (``tasks.rating_source:
assistant``), or, when MOS sources are given, from human judgements (``pipeline.mos``).
"""

from __future__ import annotations

from iqa_datagen.distortions.images import encode_png
from iqa_datagen.generators import brief
from iqa_datagen.generators.records import image_field, labels
from iqa_datagen.schemas import Verdict
from iqa_datagen.seeding import rng_for

from .base import BriefTask, SampleContext


class InstantRating(BriefTask):
    name = "instant_rating"
    title = "Instant rating"
    images = 2
    count_field = "instant_rating"
    counts_multi = False

    def text(self, row, split, rng, gt_names):
        return brief.rating_text(row["verdict"]["winner"], row["setting"], split, rng)

    def sample(self, ctx: SampleContext) -> None:
        if ctx.with_mos:
            return  # MOS sources give the instant-rating pairs instead
        worker, indices = ctx.worker, ctx.indices(self)
        if worker.config.tasks.rating_source == "library":
            for i in indices:
                ctx.out.records += self.library_pair(ctx, i)
            return
        pairs = [worker.pair_images(ctx.ref, ctx.image, self, i) for i in indices]
        for i, item, verdict in worker.confident(ctx.image, pairs, ctx.verdicter, ctx.out,
                                                 indices):
            key, plan_a, plan_b, img_a, img_b = item
            ctx.out.records += self.records(ctx, i, key, plan_a, plan_b, img_a, img_b, verdict,
                                            f"two sampled distortions, winner by "
                                            f"{verdict.source}")

    def library_pair(self, ctx: SampleContext, i: int) -> list:
        """A pair with an unambiguous order: one distortion at two levels."""
        worker = ctx.worker
        key = ctx.key(self, i)
        rng = rng_for(worker.seed, key)
        better, worse = worker.sampler(ctx.ref.split).level_pair(rng)
        img_better = better.apply(ctx.image, rng_for(worker.seed, key, "better"),
                                  registry=worker.registry)
        img_worse = worse.apply(ctx.image, rng_for(worker.seed, key, "worse"),
                                registry=worker.registry)
        winner = "A" if rng.random() < 0.5 else "B"
        (pa, la), (pb, lb) = ((better, img_better), (worse, img_worse))[:: 1 if winner == "A" else -1]
        verdict = Verdict(winner=winner, confidence=1.0, source="library_levels")
        return self.records(ctx, i, key, pa, pb, la, lb, verdict,
                            "pair from the distortion library: same distortion, lower level wins")

    def records(self, ctx: SampleContext, i: int, key: str, plan_a, plan_b, img_a, img_b,
                verdict: Verdict, notes: str) -> list:
        worker, ref = ctx.worker, ctx.ref
        png_a, png_b = encode_png(img_a), encode_png(img_b)
        records = []
        for setting in worker.settings(plan_a, plan_b):
            row = {"setting": setting, "verdict": {"winner": verdict.winner}}
            q, a = self.render(row, ref.split, worker.seed, key, worker.gt_names)
            records.append(worker.record(
                ref, key=key, task=self.name, setting=setting, response_kind="templated",
                image_ref=image_field(ctx.ref_png, f"{ref.ref_id}/ref.png"),
                image_a=image_field(png_a, f"{ref.ref_id}/rating-{i}-A.png"),
                image_b=image_field(png_b, f"{ref.ref_id}/rating-{i}-B.png"),
                question=q, response=a, distortions_a=labels(plan_a.labels()),
                distortions_b=labels(plan_b.labels()), verdict=verdict, generator="template",
                notes=notes))
        return records
