"""Step 2 of a build, per reference: draw distortions, make brief records, and gather the
requests for detailed responses (which a generator answers in step 3).

Every random choice comes from ``rng_for(seed, ref_id, task, index, ...)``: a sample depends only
on the build seed and its own identity, never on which shard or process computes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np

from iqa_datagen.distortions.images import encode_png
from iqa_datagen.distortions.registry import Registry
from iqa_datagen.distortions.sampler import SamplePlan, Sampler, SamplerConfig
from iqa_datagen.generators import brief
from iqa_datagen.generators.base import DetailedRequest
from iqa_datagen.generators.records import image_field, labels, make_record, provenance
from iqa_datagen.pipeline.references import Reference
from iqa_datagen.seeding import derive_seed, rng_for
from iqa_datagen.schemas import Record, Verdict

BRIEF_GENERATOR_VERSION = "1"
SETTINGS = ("full_reference", "no_reference")

# (reference, image_a, image_b) → (winner "A"/"B", confidence)
Verdicter = Callable[[Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]]], list[tuple[str, float]]]


@dataclass
class PendingDetailed:
    """A detailed sample waiting for its response: the request and what the records need."""

    request: DetailedRequest
    reference: Reference
    ref_png: bytes
    a_png: bytes
    b_png: Optional[bytes]
    labels_a: list[dict]
    labels_b: list[dict]
    no_reference_ok: bool


@dataclass
class ReferenceOutput:
    records: list[Record] = field(default_factory=list)
    pending: list[PendingDetailed] = field(default_factory=list)
    dropped_low_confidence: int = 0


def brief_text(task: str, setting: str, split: str, seed: int, key: str, labels_a, winner,
               gt_names) -> tuple[str, str]:
    """Question and templated answer of a brief record. The wording depends on the split (the
    count-stating variants are a training-only device), so ``resplit`` re-renders with this."""
    rng = rng_for(seed, key, setting)
    if task == "distortion_identification":
        return brief.identification_text(labels(labels_a), gt_names, setting, split, rng)
    if task == "instant_rating":
        return brief.rating_text(winner, setting, split, rng)
    raise ValueError(f"{task!r} is not a brief task")


def sampler_for(split: str, config, registry: Registry) -> Sampler:
    """The SPEC §2 sampler for a split (OOD split: held-out distortions only in test)."""
    ood = None
    if config.split.ood:
        ood = "train" if split == "train" else "eval"
    names = tuple(config.tasks.distortions) if config.tasks.distortions else None
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
        self.gt_names = {c: registry.gt_name(c) for c in registry.categories()}

    def sampler(self, split: str) -> Sampler:
        if split not in self._samplers:
            self._samplers[split] = sampler_for(split, self.config, self.registry)
        return self._samplers[split]

    def _prov(self, ref: Reference, generator: str, version: str, notes: str | None = None):
        return provenance(source=self.source_name, generator=generator, generator_version=version,
                          seed=self.seed, reference_name=ref.name, notes=notes)

    def run(self, ref: Reference, image: np.ndarray, verdicter: Optional[Verdicter],
            with_rating: bool = True) -> ReferenceOutput:
        """Every sample of one reference; ``with_rating`` False when MOS sources give the
        instant-rating pairs instead."""
        out = ReferenceOutput()
        ref_png = encode_png(image)
        tasks = self.config.tasks
        for i in range(tasks.identification):
            out.records += self.identification(ref, image, ref_png, i)
        if with_rating and tasks.rating_source == "library":
            for i in range(tasks.instant_rating):
                out.records += self.library_rating(ref, image, ref_png, i)
        elif with_rating:
            pairs = [self.pair_images(ref, image, "instant_rating", i)
                     for i in range(tasks.instant_rating)]
            for i, item, verdict in self._confident(image, pairs, verdicter, out):
                out.records += self.judged_rating(ref, ref_png, i, item, verdict)
        for i in range(tasks.assessment):
            out.pending.append(self.assessment(ref, image, ref_png, i))
        comparisons = [self.pair_images(ref, image, "comparison_reasoning", i)
                       for i in range(tasks.comparison)]
        for i, item, verdict in self._confident(image, comparisons, verdicter, out):
            out.pending.append(self.comparison(ref, image, ref_png, i, item, verdict))
        return out

    def _confident(self, image, pairs, verdicter, out: ReferenceOutput):
        """(index, pair, verdict) of the pairs whose verdict is sure enough to keep."""
        if not pairs:
            return []
        threshold = self.config.assistant.confidence_threshold
        kept = []
        for i, (item, verdict) in enumerate(zip(pairs, self._verdicts(image, pairs, verdicter))):
            if verdict.confidence is not None and verdict.confidence < threshold:
                out.dropped_low_confidence += 1
                continue
            kept.append((i, item, verdict))
        return kept

    # -- brief tasks -------------------------------------------------------------------------

    def identification(self, ref: Reference, image, ref_png: bytes, i: int) -> list[Record]:
        key = f"{self.key_prefix}{ref.ref_id}:identification:{i}"
        rng = rng_for(self.seed, key)
        plan = self.sampler(ref.split).sample(rng)
        png = encode_png(plan.apply(image, rng, registry=self.registry))
        records = []
        for setting in SETTINGS:
            if setting == "no_reference" and not plan.passes_no_reference_filter():
                continue
            q, a = brief_text("distortion_identification", setting, ref.split, self.seed, key,
                              plan.labels(), None, self.gt_names)
            records.append(make_record(
                seed=self.seed, key=key, task="distortion_identification", setting=setting,
                split=ref.split, response_kind="templated", reference_id=ref.ref_id, reference_group=ref.group,
                image_ref=image_field(ref_png, f"{ref.ref_id}/ref.png"),
                image_a=image_field(png, f"{ref.ref_id}/ident-{i}.png"), question=q, response=a,
                distortions_a=labels(plan.labels()),
                provenance=self._prov(ref, "template", BRIEF_GENERATOR_VERSION)))
        return records

    def library_rating(self, ref: Reference, image, ref_png: bytes, i: int) -> list[Record]:
        """An instant-rating pair with an unambiguous order: one distortion at two levels."""
        key = f"{self.key_prefix}{ref.ref_id}:instant_rating:{i}"
        rng = rng_for(self.seed, key)
        better, worse = self.sampler(ref.split).level_pair(rng)
        img_better = better.apply(image, rng_for(self.seed, key, "better"), registry=self.registry)
        img_worse = worse.apply(image, rng_for(self.seed, key, "worse"), registry=self.registry)
        winner = "A" if rng.random() < 0.5 else "B"
        (pa, la), (pb, lb) = ((better, img_better), (worse, img_worse))[:: 1 if winner == "A" else -1]
        verdict = Verdict(winner=winner, confidence=1.0, source="library_levels")
        return self._rating_records(ref, ref_png, i, key, pa, pb, la, lb, verdict,
                                    "pair from the distortion library: same distortion, "
                                    "lower level wins")

    def judged_rating(self, ref: Reference, ref_png: bytes, i: int, item,
                      verdict: Verdict) -> list[Record]:
        """An instant-rating pair of two sampled distortions, labelled by the verdicter (the
        assistant model) where no MOS exists."""
        key, plan_a, plan_b, img_a, img_b = item
        return self._rating_records(ref, ref_png, i, key, plan_a, plan_b, img_a, img_b, verdict,
                                    f"two sampled distortions, winner by {verdict.source}")

    def _rating_records(self, ref: Reference, ref_png: bytes, i: int, key: str, pa: SamplePlan,
                        pb: SamplePlan, img_a, img_b, verdict: Verdict,
                        notes: str) -> list[Record]:
        png_a, png_b = encode_png(img_a), encode_png(img_b)
        records = []
        for setting in SETTINGS:
            if setting == "no_reference" and not (pa.passes_no_reference_filter()
                                                  and pb.passes_no_reference_filter()):
                continue
            q, a = brief_text("instant_rating", setting, ref.split, self.seed, key, [],
                              verdict.winner, self.gt_names)
            records.append(make_record(
                seed=self.seed, key=key, task="instant_rating", setting=setting, split=ref.split,
                response_kind="templated", reference_id=ref.ref_id, reference_group=ref.group,
                image_ref=image_field(ref_png, f"{ref.ref_id}/ref.png"),
                image_a=image_field(png_a, f"{ref.ref_id}/rating-{i}-A.png"),
                image_b=image_field(png_b, f"{ref.ref_id}/rating-{i}-B.png"),
                question=q, response=a, distortions_a=labels(pa.labels()),
                distortions_b=labels(pb.labels()), verdict=verdict,
                provenance=self._prov(ref, "template", BRIEF_GENERATOR_VERSION, notes=notes)))
        return records

    # -- detailed tasks (requests now, records after generation) -----------------------------

    def assessment(self, ref: Reference, image, ref_png: bytes, i: int) -> PendingDetailed:
        key = f"{self.key_prefix}{ref.ref_id}:assessment_reasoning:{i}"
        rng = rng_for(self.seed, key)
        plan = self.sampler(ref.split).sample(rng)
        distorted = plan.apply(image, rng, registry=self.registry)
        request = DetailedRequest(key=key, task="assessment_reasoning", image_ref=image,
                                  image_a=distorted, distortions_a=tuple(labels(plan.labels())),
                                  seed=derive_seed(self.seed, key))
        return PendingDetailed(request, ref, ref_png, encode_png(distorted), None, plan.labels(), [],
                               plan.passes_no_reference_filter())

    def pair_images(self, ref: Reference, image, task: str, i: int):
        """Two different sampled distortions of one reference (comparison, judged rating)."""
        key = f"{self.key_prefix}{ref.ref_id}:{task}:{i}"
        rng = rng_for(self.seed, key)
        sampler = self.sampler(ref.split)
        plan_a = sampler.sample(rng)
        plan_b = sampler.sample(rng)
        while plan_b == plan_a:
            plan_b = sampler.sample(rng, allow_pristine=False)
        img_a = plan_a.apply(image, rng_for(self.seed, key, "A"), registry=self.registry)
        img_b = plan_b.apply(image, rng_for(self.seed, key, "B"), registry=self.registry)
        return key, plan_a, plan_b, img_a, img_b

    def comparison(self, ref: Reference, image, ref_png: bytes, i: int, item,
                   verdict: Verdict) -> PendingDetailed:
        key, plan_a, plan_b, img_a, img_b = item
        request = DetailedRequest(key=key, task="comparison_reasoning", image_ref=image,
                                  image_a=img_a, image_b=img_b,
                                  distortions_a=tuple(labels(plan_a.labels())),
                                  distortions_b=tuple(labels(plan_b.labels())),
                                  verdict=verdict, seed=derive_seed(self.seed, key))
        return PendingDetailed(request, ref, ref_png, encode_png(img_a), encode_png(img_b),
                               plan_a.labels(), plan_b.labels(),
                               plan_a.passes_no_reference_filter()
                               and plan_b.passes_no_reference_filter())

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
