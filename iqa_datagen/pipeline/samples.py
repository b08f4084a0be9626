"""Step 2 of a build, per reference: each task (``iqa_datagen.tasks``) draws its distortions and
makes its brief records or the requests for detailed responses (which a generator answers in
step 3); the worker holds what tasks share (samplers, pairs, verdicts, record assembly).

Every random choice comes from ``rng_for(seed, ref_id, task, index, ...)``: a sample depends only
on the build seed and its own identity, never on which shard or process computes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np

from iqa_datagen.distortions.images import encode_png
from iqa_datagen.distortions.registry import Registry
from iqa_datagen.distortions.sampler import (SamplePlan, Sampler, SamplerConfig,
                                             visible_on_grayscale)
from iqa_datagen.generators.records import make_record, provenance
from iqa_datagen.pipeline.references import Reference
from iqa_datagen.schemas import SETTINGS, Record, Verdict
from iqa_datagen.seeding import rng_for
from iqa_datagen.tasks import TASKS, PendingDetailed, SampleContext, Task

BRIEF_GENERATOR_VERSION = "1"
NO_REFERENCE_SOURCE = "assistant_no_reference"  # verdicts of the no-reference assistant

# (reference, image_a, image_b) → (winner "A"/"B", confidence)
Verdicter = Callable[[Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]]], list[tuple[str, float]]]


@dataclass
class ReferenceOutput:
    records: list[Record] = field(default_factory=list)
    pending: list[PendingDetailed] = field(default_factory=list)
    dropped_low_confidence: int = 0
    # pairs whose no-reference copy was left out: the no-reference assistant did not back the
    # full-reference verdict (another winner, or less sure than the threshold)
    no_reference_disagreed: int = 0


@dataclass(frozen=True)
class JudgedPair:
    """A sampled pair with its verdict, and the verdict its no-reference records carry
    (``None``: the pair gets no no-reference record)."""

    index: int
    item: tuple
    verdict: Verdict
    no_reference: Optional[Verdict]


def sampler_for(split: str, config, registry: Registry, grayscale: bool = False) -> Sampler:
    """The docs/sampling.md sampler for a split (OOD split: held-out distortions only in test);
    for a grayscale reference without the colour-only distortions, which would not show."""
    ood = None
    if config.split.ood:
        ood = "train" if split == "train" else "eval"
    names = tuple(config.tasks.distortions) if config.tasks.distortions else None
    if grayscale:
        names = visible_on_grayscale(registry, names)
    return Sampler(SamplerConfig(pristine_share=config.tasks.pristine_share,
                                 multi_share=config.tasks.multi_share, ood=ood, names=names),
                   registry=registry)


class ReferenceWorker:
    """Makes every sample of one reference image."""

    def __init__(self, config, registry: Registry, source_name: str = "references",
                 key_prefix: str = ""):
        self.config = config
        self.key_prefix = key_prefix  # keeps the keys of an extension apart from the build's
        self.registry = registry
        self.seed = config.seed
        self.source_name = source_name
        self._samplers: dict[str, Sampler] = {}
        self.gt_names = registry.category_names()

    def sampler(self, split: str, grayscale: bool = False) -> Sampler:
        key = f"{split}:{'gray' if grayscale else 'colour'}"
        if key not in self._samplers:
            self._samplers[key] = sampler_for(split, self.config, self.registry, grayscale)
        return self._samplers[key]

    def _prov(self, ref: Reference, generator: str, version: str, notes: str | None = None):
        return provenance(source=self.source_name, generator=generator, generator_version=version,
                          seed=self.seed, reference_name=ref.name, notes=notes)

    def sample_key(self, ref: Reference, task: Task, i: int) -> str:
        """``<prefix><ref>:<task key name>:<i>``: the identity a sample's draws and ids follow."""
        return f"{self.key_prefix}{ref.ref_id}:{task.key_name}:{i}"

    def settings(self, *plans: SamplePlan) -> list[str]:
        """Both settings, or full-reference only where a plan fails the no-reference filter."""
        if all(plan.passes_no_reference_filter() for plan in plans):
            return list(SETTINGS)
        return ["full_reference"]

    def record(self, ref: Reference, *, key: str, task: str, setting: str, generator: str,
               version: str = BRIEF_GENERATOR_VERSION, notes: Optional[str] = None,
               **fields) -> Record:
        """A record of sample ``key`` of ``ref`` in its split, with this build's provenance."""
        return make_record(seed=self.seed, key=key, task=task, setting=setting, split=ref.split,
                           reference_id=ref.ref_id, reference_group=ref.group,
                           provenance=self._prov(ref, generator, version, notes=notes), **fields)

    def run(self, ref: Reference, image: np.ndarray, verdicter: Optional[Verdicter],
            with_rating: bool = True) -> ReferenceOutput:
        """Every sample of one reference, task by task; ``with_rating`` False when MOS sources
        give the instant-rating pairs instead."""
        out = ReferenceOutput()
        ctx = SampleContext(worker=self, ref=ref, image=image, ref_png=encode_png(image),
                            verdicter=verdicter, out=out, with_mos=not with_rating)
        for task in TASKS.sampled():
            task.sample(ctx)
        return out

    def confident(self, image, pairs, verdicter, out: ReferenceOutput,
                  indices: Optional[list[int]] = None) -> list[JudgedPair]:
        """The pairs whose verdict is sure enough to keep; ``indices``: the sample index of each
        pair (default: their positions).

        With a no-reference assistant (``verdicter.no_reference``), a pair keeps its
        no-reference records only where that model names the same winner: a no-reference record
        never states a winner the full-reference judge rejects, nor one the no-reference judge
        does not see. (The threshold is not applied to its confidence: both models learn the
        same labels, and the no-reference one is the less sure by nature.)
        """
        if not pairs:
            return []
        threshold = self.config.assistant.confidence_threshold
        verdicts = self._verdicts(image, pairs, verdicter)
        nr_judge = getattr(verdicter, "no_reference", None)
        nr_verdicts: list[Optional[Verdict]] = [None] * len(pairs)
        if nr_judge is not None:
            nr_verdicts = [Verdict(winner=w, confidence=float(c), source=NO_REFERENCE_SOURCE)
                           for w, c in nr_judge([(None, c[3], c[4]) for c in pairs])]
        kept = []
        for i, item, verdict, nr in zip(indices or range(len(pairs)), pairs, verdicts,
                                        nr_verdicts):
            if verdict.confidence is not None and verdict.confidence < threshold:
                out.dropped_low_confidence += 1
                continue
            if nr_judge is None:
                nr = verdict  # no second judge: the pair's one verdict serves both settings
            elif nr.winner != verdict.winner:
                out.no_reference_disagreed += 1
                nr = None
            kept.append(JudgedPair(i, item, verdict, nr))
        return kept

    def pair_images(self, ctx: SampleContext, task: Task, i: int):
        """Two different sampled distortions of the context's reference (comparison, judged
        rating)."""
        ref, image = ctx.ref, ctx.image
        key = self.sample_key(ref, task, i)
        rng = rng_for(self.seed, key)
        sampler = self.sampler(ref.split, ctx.grayscale)
        plan_a = sampler.sample(rng)
        plan_b = sampler.sample(rng)
        while plan_b == plan_a:
            plan_b = sampler.sample(rng, allow_pristine=False)
        img_a = plan_a.apply(image, rng_for(self.seed, key, "A"), registry=self.registry)
        img_b = plan_b.apply(image, rng_for(self.seed, key, "B"), registry=self.registry)
        return key, plan_a, plan_b, img_a, img_b

    def _verdicts(self, image, comparisons, verdicter: Optional[Verdicter]) -> list[Verdict]:
        triples = [(image, c[3], c[4]) for c in comparisons]
        if verdicter is not None:
            return [Verdict(winner=w, confidence=float(c), source="assistant")
                    for w, c in verdicter(triples)]
        return [_metric_verdict(*t) for t in triples]


def _metric_verdict(ref: np.ndarray, a: np.ndarray, b: np.ndarray) -> Verdict:
    """Fallback when no assistant model is used: the image closer to the reference (SSIM) wins."""
    from skimage.metrics import structural_similarity as ssim

    sa = ssim(ref, a, channel_axis=2, data_range=255)
    sb = ssim(ref, b, channel_axis=2, data_range=255)
    gap = abs(sa - sb)
    return Verdict(winner="A" if sa >= sb else "B",
                   confidence=float(min(1.0, 0.5 + gap * 2.5)), source="ssim")
