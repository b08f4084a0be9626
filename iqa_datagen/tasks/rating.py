"""Instant rating (brief): a pair of distorted images; the answer names the better one.

Pairs come from the distortion library (one distortion at two levels, the lower level wins),
from two sampled distortions judged by the assistant model, or, when MOS sources are given, from
human judgements (``pipeline.mos``). ``tasks.rating_source: mix`` (the default) draws each pair
from the library or, with probability ``tasks.rating_cross_share``, as a judged cross pair, so
the data teaches more than the order of one distortion's levels.
"""

from __future__ import annotations

from typing import Optional

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
        judged_indices = [i for i in indices if self.judged(ctx, i)]
        made = {i: self.library_pair(ctx, i) for i in indices if i not in judged_indices}
        pairs = [worker.pair_images(ctx, self, i) for i in judged_indices]
        for judged in worker.confident(ctx.image, pairs, ctx.verdicter, ctx.out, judged_indices):
            key, plan_a, plan_b, img_a, img_b = judged.item
            made[judged.index] = self.records(
                ctx, judged.index, key, plan_a, plan_b, img_a, img_b, judged.verdict,
                f"two sampled distortions, winner by {judged.verdict.source}",
                no_reference_verdict=judged.no_reference)
        for i in sorted(made):
            ctx.out.records += made[i]

    def judged(self, ctx: SampleContext, i: int) -> bool:
        """Whether pair ``i`` is two sampled distortions with a judged winner (else a library
        level pair): fixed by ``tasks.rating_source``, or drawn per pair for ``mix``."""
        tasks = ctx.worker.config.tasks
        if tasks.rating_source != "mix":
            return tasks.rating_source == "assistant"
        draw = rng_for(ctx.worker.seed, ctx.key(self, i), "rating-source").random()
        return bool(draw < tasks.rating_cross_share)

    def library_pair(self, ctx: SampleContext, i: int) -> list:
        """A pair with an unambiguous order: one distortion at two levels."""
        worker = ctx.worker
        key = ctx.key(self, i)
        rng = rng_for(worker.seed, key)
        better, worse = worker.sampler(ctx.ref.split, ctx.grayscale).level_pair(rng)
        img_better = better.apply(ctx.image, rng_for(worker.seed, key, "better"),
                                  registry=worker.registry)
        img_worse = worse.apply(ctx.image, rng_for(worker.seed, key, "worse"),
                                registry=worker.registry)
        winner = "A" if rng.random() < 0.5 else "B"
        (pa, la), (pb, lb) = ((better, img_better), (worse, img_worse))[:: 1 if winner == "A" else -1]
        verdict = Verdict(winner=winner, confidence=1.0, source="library_levels")
        return self.records(ctx, i, key, pa, pb, la, lb, verdict,
                            "pair from the distortion library: same distortion, lower level wins",
                            no_reference_verdict=verdict)

    def records(self, ctx: SampleContext, i: int, key: str, plan_a, plan_b, img_a, img_b,
                verdict: Verdict, notes: str, no_reference_verdict: Optional[Verdict]) -> list:
        """The pair's records in each setting it passes; ``no_reference_verdict`` is what the
        no-reference record states (None: the pair gets no no-reference record)."""
        worker, ref = ctx.worker, ctx.ref
        png_a, png_b = encode_png(img_a), encode_png(img_b)
        verdicts = {"full_reference": verdict,
                    "no_reference": no_reference_verdict}
        records = []
        for setting in worker.settings(plan_a, plan_b):
            if verdicts[setting] is None:
                continue
            row = {"setting": setting, "verdict": {"winner": verdict.winner}}
            q, a = self.render(row, ref.split, worker.seed, key, worker.gt_names)
            records.append(worker.record(
                ref, key=key, task=self.name, setting=setting, response_kind="templated",
                image_ref=image_field(ctx.ref_png, f"{ref.ref_id}/ref.png"),
                image_a=image_field(png_a, f"{ref.ref_id}/rating-{i}-A.png"),
                image_b=image_field(png_b, f"{ref.ref_id}/rating-{i}-B.png"),
                question=q, response=a, distortions_a=labels(plan_a.labels()),
                distortions_b=labels(plan_b.labels()), verdict=verdicts[setting],
                generator="template",
                notes=notes))
        return records
