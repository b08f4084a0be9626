"""Quality scoring (brief): one image; the answer is its quality as a level word.

The scale is ``tasks.score_scale``: ``five`` (bad, poor, fair, good, excellent; the default) or
``seven`` (very bad, poor, bad, fair, good, excellent, perfect). Every record carries the score
behind the word in ``quality`` (score, level, spread and level distribution where known, where
the score came from and how it was collected).

Scores per reference come from the distortion library: pristine at the top; distorted images
through the assistant's full-reference score mapped by the calibration the build fitted on its
rated MOS images (``generators.quality.calibrated_score``), or, where the build has no such
calibration, monotone in severity (``library_score``). MOS sources with rated images give
records of their own (``pipeline.mos``); without a calibration the library then makes no
quality-scoring records, as with instant rating, since its scores would rest on no human
ratings next to ones that do.
"""

from __future__ import annotations

from iqa_datagen.generators import brief
from iqa_datagen.generators.quality import calibrated_score, library_score
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
        calibration = getattr(ctx.verdicter, "calibration", None)
        if ctx.with_mos and scored_mos(ctx.worker.config) and calibration is None:
            return  # rated MOS images give the quality-scoring records instead
        for i in ctx.indices(self):
            ctx.out.records += self._records(ctx, i, calibration)

    def _records(self, ctx: SampleContext, i: int, calibration=None) -> list:
        tasks = ctx.worker.config.tasks
        key, plan, distorted = ctx.distort(self, i)
        found = labels(plan.labels())
        if calibration is None:
            quality = library_score([label.level for label in found], tasks.score_scale,
                                    tasks.score_cuts)
            notes = "library score: monotone in distortion severity, not calibrated on human " \
                    "ratings"
        else:
            fr = ctx.verdicter.fr_scores([(ctx.image, distorted)])[0] if found else None
            quality = calibrated_score(fr, calibration, tasks.score_scale, tasks.score_cuts)
            notes = "library score: " + (calibration.original_scale if found else
                                         "pristine reference, at the top of the scale")
        return self.image_records(
            ctx, key, plan, distorted, f"score-{i}.png", {"quality": quality.model_dump()},
            distortions_a=found, quality=quality, notes=notes)


def scored_mos(config) -> bool:
    """True when a MOS source of the config rates single images (not only pairs)."""
    from iqa_datagen.generators.mos.registry import mos_kind

    return any(not mos_kind(source.kind).pairs for source in config.mos)
