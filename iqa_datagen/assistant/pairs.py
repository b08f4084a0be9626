"""Labelled image pairs for the assistant: from the distortion library and from MOS datasets.

Synthetic pairs take one reference and one distortion at two levels: the lower level is the
better image (a *strong* label). Cross-distortion pairs compare two different sampled plans
(single or paired distortions) of one reference and are labelled by a panel of full-reference
metrics (``panel.py``); the panel's agreement sets the pair's weight.
MOS pairs come from any iterable of objects with ``reference``, ``image_a``, ``image_b`` paths
and a ``winner``. Every draw comes from ``rng_for(seed, ...)`` keyed on the reference's content
id, so the same references and config always give the same pairs, in any input order.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Literal, Union

import numpy as np

from iqa_datagen.distortions.categories import visible_without_reference
from iqa_datagen.distortions.images import is_grayscale
from iqa_datagen.distortions.sampler import visible_on_grayscale
from iqa_datagen.seeding import rng_for, stable_id

from .config import AssistantConfig
from .panel import panel_scores, panel_vote
from .references import Reference, read_rgb

ImageLike = Union[np.ndarray, str, Path]
Winner = Literal["A", "B"]
SPLITS = ("train", "val", "test")


@dataclass(frozen=True, eq=False)
class QualityPair:
    """Two versions of one reference and which one is better.

    ``category`` groups pairs in evaluation: the distortion category of a same-distortion pair,
    ``"cross"`` for a panel-labelled pair, ``"mos:<dataset>"`` for a MOS pair.
    ``kind`` is ``"strong"`` (library levels, MOS) or ``"weak"`` (panel-labelled).
    """

    reference_id: str
    reference: ImageLike
    image_a: ImageLike
    image_b: ImageLike
    winner: Winner
    category: str
    kind: Literal["strong", "weak"] = "strong"
    source: str = "library_levels"  # "panel" for metric-panel labels, "mos:<dataset>"
    weight: float = 1.0  # loss weight in training
    info: dict[str, Any] = field(default_factory=dict)

    def swapped(self) -> "QualityPair":
        """The same pair with A and B exchanged (and the label with them)."""
        info = {("b" + k[1:] if k.startswith("a_") else "a" + k[1:] if k.startswith("b_") else k): v
                for k, v in self.info.items()}
        return replace(self, image_a=self.image_b, image_b=self.image_a,
                       winner="B" if self.winner == "A" else "A", info=info)


def load_image(image: ImageLike, what: str) -> np.ndarray:
    """An in-memory array as is, or a path read with Pillow as uint8 RGB."""
    if isinstance(image, np.ndarray):
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"{what}: expected uint8 H×W×3 RGB, got {image.dtype} {image.shape}")
        return image
    if isinstance(image, (str, Path)):
        return read_rgb(image)
    raise ValueError(f"{what}: expected a numpy array or a file path, got {type(image).__name__}")


class _Variants:
    """Distorted versions of one reference, made on first use and cached."""

    def __init__(self, ref: Reference, seed: int, registry=None):
        self.ref, self.seed, self.registry = ref, seed, registry
        self._cache: dict[tuple[str, int], np.ndarray] = {}

    def get(self, name: str, level: int) -> np.ndarray:
        key = (name, level)
        if key not in self._cache:
            from iqa_datagen import distortions
            rng = rng_for(self.seed, "assistant-variant", self.ref.id, name, level)
            try:
                self._cache[key] = distortions.apply(self.ref.image, name, level, rng,
                                                     registry=self.registry)
            except NotImplementedError:
                raise ValueError(f"distortion {name!r} is not implemented in the library yet; "
                                 "list working names in AssistantConfig.distortions") from None
        return self._cache[key]


def synthetic_pairs(references: Iterable[Reference], config: AssistantConfig,
                    registry=None) -> list[QualityPair]:
    """Same-distortion level pairs (strong) and cross-distortion pairs labelled by the panel,
    of the distortions in ``registry`` (default: the built-ins and installed plugins)."""
    from iqa_datagen.distortions import active_registry
    registry = registry or active_registry()
    names = config.distortion_names(registry)
    category = {s.name: s.category for s in registry}
    level_pairs = list(itertools.combinations(config.levels, 2))
    candidates = [(n, lo, hi) for n in names for lo, hi in level_pairs]
    pairs: list[QualityPair] = []
    for ref in references:
        variants = _Variants(ref, config.seed, registry)
        rng = rng_for(config.seed, "assistant-pairs", ref.id)
        ref_names, chosen = names, candidates
        if is_grayscale(ref.image):  # colour-only distortions would give identical images
            ref_names = list(visible_on_grayscale(registry, names))
            chosen = [c for c in candidates if c[0] in ref_names]
        if config.pairs_per_reference is not None and config.pairs_per_reference < len(chosen):
            idx = np.sort(rng.choice(len(chosen), config.pairs_per_reference, replace=False))
            chosen = [chosen[i] for i in idx]
        for name, lo, hi in chosen:
            better, worse = variants.get(name, lo), variants.get(name, hi)
            lo_first = bool(rng.integers(2))  # balance which side wins
            a, b, la, lb = (better, worse, lo, hi) if lo_first else (worse, better, hi, lo)
            cat = category[name]
            pairs.append(QualityPair(
                ref.id, ref.image, a, b, "A" if lo_first else "B", cat,
                info={"a_name": name, "a_level": la, "b_name": name, "b_level": lb,
                      "a_categories": cat, "b_categories": cat, "reference_name": ref.name,
                      "no_reference_visible": visible_without_reference(cat, min(la, lb))}))
        pairs += cross_pairs(ref, ref_names, config, registry)
    return pairs


def plan_pool(ref: Reference, names: list[str], config: AssistantConfig, registry=None
              ) -> list[tuple[Any, np.ndarray]]:
    """``cross_pool`` distinct (plan, image) variants of one reference drawn by the build's
    sampler (single distortions and allowed paired ones, never pristine)."""
    from iqa_datagen.distortions.sampler import Sampler, SamplerConfig

    sampler = Sampler(SamplerConfig(pristine_share=0.0, multi_share=config.multi_share,
                                    names=tuple(names)), registry=registry)
    rng = rng_for(config.seed, "assistant-pool", ref.id)
    plans: list[Any] = []
    for _ in range(20 * config.cross_pool):  # bounded: small catalogues have few distinct plans
        if len(plans) == config.cross_pool:
            break
        plan = sampler.sample(rng, allow_pristine=False)
        if plan not in plans:
            plans.append(plan)
    return [(plan, plan.apply(ref.image, rng_for(config.seed, "assistant-plan", ref.id, k),
                              registry=registry))
            for k, plan in enumerate(plans)]


def plan_category(plan: Any) -> str:
    """'blur' for a single distortion, 'blur+noise' for a paired plan (in applied order)."""
    return "+".join(plan.categories) or "pristine"


def cross_pairs(ref: Reference, names: list[str], config: AssistantConfig,
                registry=None) -> list[QualityPair]:
    """Pairs of two different sampled plans, labelled by the metric panel's majority.

    A unanimous panel gives weight ``unanimous_weight``, a 2-of-3 majority ``majority_weight``
    (a weight of 0 leaves those pairs out) and a panel without a majority no pair at all.
    """
    if config.cross_pairs_per_reference == 0:
        return []
    pool = plan_pool(ref, names, config, registry)
    if len(pool) < 2:
        return []
    scores = panel_scores(ref.image, [img for _, img in pool])
    rng = rng_for(config.seed, "assistant-cross", ref.id)
    candidates = [(i, j) for i, j in itertools.combinations(range(len(pool)), 2)
                  if not _same_distortion(pool[i][0], pool[j][0])]
    order = rng.permutation(len(candidates))
    out: list[QualityPair] = []
    for k in order:
        if len(out) == config.cross_pairs_per_reference:
            break
        i, j = candidates[k]
        if rng.integers(2):
            i, j = j, i
        winner, agreement, _ = panel_vote(scores[i], scores[j])
        unanimous = agreement == 1.0
        weight = config.unanimous_weight if unanimous else config.majority_weight
        if winner is None or weight == 0.0:
            continue
        (pa, a), (pb, b) = pool[i], pool[j]
        out.append(QualityPair(
            ref.id, ref.image, a, b, winner, "cross", kind="weak", source="panel", weight=weight,
            info={"a_name": "+".join(d.name for d in pa.distortions),
                  "b_name": "+".join(d.name for d in pb.distortions),
                  "a_categories": plan_category(pa), "b_categories": plan_category(pb),
                  "multi": pa.multi or pb.multi, "panel_agreement": agreement,
                  # a no-reference record may state this pair: neither plan holds a slight
                  # distortion that is not visible without the reference (docs/sampling.md)
                  "no_reference_visible": (pa.passes_no_reference_filter()
                                           and pb.passes_no_reference_filter()),
                  "unanimous": unanimous, "a_panel": scores[i].tolist(),
                  "b_panel": scores[j].tolist(), "reference_name": ref.name}))
    return out


def _same_distortion(a: Any, b: Any) -> bool:
    """Two single plans of one distortion name are a level pair, not a cross pair."""
    return (not a.multi and not b.multi and a.distortions[0].name == b.distortions[0].name)


def mos_pairs_to_quality_pairs(mos_pairs: Iterable[Any]) -> list[QualityPair]:
    """Convert MOS adapter pairs (``reference``, ``image_a``, ``image_b``, ``winner``).

    Images stay as paths and are read when used. ``winner`` must be "A" or "B"; an optional
    ``dataset`` attribute names the source.
    """
    out = []
    for i, p in enumerate(mos_pairs):
        missing = [k for k in ("reference", "image_a", "image_b", "winner") if not hasattr(p, k)]
        if missing:
            raise ValueError(f"mos_pairs[{i}]: object {type(p).__name__} lacks {missing}")
        winner = str(p.winner).strip().upper()
        if winner not in ("A", "B"):
            raise ValueError(f"mos_pairs[{i}]: winner must be 'A' or 'B', got {p.winner!r}")
        dataset = str(getattr(p, "dataset", None) or "mos")
        ref = str(p.reference)
        info = {k: getattr(p, k) for k in ("score_a", "score_b", "margin") if hasattr(p, k)}
        out.append(QualityPair(stable_id("mos-ref", dataset, ref), ref, str(p.image_a),
                               str(p.image_b), winner, f"mos:{dataset}", source=f"mos:{dataset}",
                               info=info))
    return out


def split_references(reference_ids: Iterable[str], config: AssistantConfig) -> dict[str, str]:
    """Assign each reference id to train/val/test; pairs follow their reference.

    Ids are sorted and permuted with the seed, so the split is independent of input order.
    """
    ids = sorted(set(reference_ids))
    if len(ids) < 3:
        raise ValueError(f"references: need at least 3 distinct references to hold out "
                         f"validation and test references, got {len(ids)}")
    order = rng_for(config.seed, "assistant-split").permutation(len(ids))
    n_test = max(1, round(len(ids) * config.test_fraction))
    n_val = max(1, round(len(ids) * config.val_fraction))
    n_test = min(n_test, len(ids) - 2)
    n_val = min(n_val, len(ids) - 1 - n_test)
    split = {}
    for rank, k in enumerate(order):
        split[ids[k]] = "test" if rank < n_test else "val" if rank < n_test + n_val else "train"
    return split


def split_pairs(pairs: list[QualityPair], config: AssistantConfig) -> dict[str, list[QualityPair]]:
    """Pairs grouped by the split of their reference."""
    assignment = split_references((p.reference_id for p in pairs), config)
    out: dict[str, list[QualityPair]] = {s: [] for s in SPLITS}
    for p in pairs:
        out[assignment[p.reference_id]].append(p)
    return out


def both_orders(pairs: Iterable[QualityPair]) -> list[QualityPair]:
    """Every pair as (A, B) followed by (B, A)."""
    out = []
    for p in pairs:
        out += [p, p.swapped()]
    return out
