"""Quality scoring (brief): one image; the answer is its quality as a level word.

The scale is ``tasks.score_scale``: ``five`` (bad, poor, fair, good, excellent; the default) or
``seven`` (very bad, poor, bad, fair, good, excellent, perfect). Every record carries the score
behind the word in ``quality`` (score, level, spread and level distribution where known, where
the score came from and how it was collected).

Scores per reference come from the distortion library (``generators.quality.library_score``:
pristine at the top, distorted images monotone in severity). When MOS sources with rated
images are given, their images are scored instead (``pipeline.mos``) and the library makes no
quality-scoring records, as with instant rating.
"""

from __future__ import annotations

from iqa_datagen.generators import brief
from iqa_datagen.generators.quality import library_score
from iqa_datagen.generators.records import labels
from iqa_datagen.schemas import SCORE_SCALES

from .base import BriefTask, SampleContext


class QualityScoring(BriefTask):
    name = "quality_scoring"
    title = "Quality scoring"
    count_field = "quality_scoring"

    def text(self, row, split, rng, gt_names):
        quality = row["quality"]
        return brief.scoring_text(quality["level"], SCORE_SCALES[quality["scale"]],
                                  row["setting"], split, rng)

    def sample(self, ctx: SampleContext) -> None:
        if ctx.with_mos and scored_mos(ctx.worker.config):
            return  # rated MOS images give the quality-scoring records instead
        for i in ctx.indices(self):
            ctx.out.records += self._records(ctx, i)

    def _records(self, ctx: SampleContext, i: int) -> list:
        tasks = ctx.worker.config.tasks
        key, plan, distorted = ctx.distort(self, i)
        found = labels(plan.labels())
        quality = library_score([label.level for label in found], tasks.score_scale,
                                tasks.score_cuts)
        return self.image_records(
            ctx, key, plan, distorted, f"score-{i}.png", {"quality": quality.model_dump()},
            distortions_a=found, quality=quality,
            notes="library score: monotone in distortion severity, not calibrated on human "
                  "ratings")


def scored_mos(config) -> bool:
    """True when a MOS source of the config rates single images (not only pairs)."""
    from iqa_datagen.generators.mos.registry import mos_kind

    return any(not mos_kind(source.kind).pairs for source in config.mos)
