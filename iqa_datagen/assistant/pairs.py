"""Labelled image pairs for the assistant: from the distortion library and from MOS datasets.

Synthetic pairs take one reference and one distortion at two levels: the lower level is the
better image (a *strong* label). Optional cross-distortion pairs compare two different
distortions of one reference and are labelled by a full-reference metric (a *weak* label).
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

from iqa_datagen.seeding import rng_for, stable_id

from .config import AssistantConfig
from .references import Reference, read_rgb

ImageLike = Union[np.ndarray, str, Path]
Winner = Literal["A", "B"]
SPLITS = ("train", "val", "test")


@dataclass(frozen=True, eq=False)
class QualityPair:
    """Two versions of one reference and which one is better.

    ``category`` groups pairs in evaluation: the distortion category of a same-distortion pair,
    ``"cross"`` for a metric-labelled pair, ``"mos:<dataset>"`` for a MOS pair.
    ``kind`` is ``"strong"`` (library levels, MOS) or ``"weak"`` (metric-labelled).
    """

    reference_id: str
    reference: ImageLike
    image_a: ImageLike
    image_b: ImageLike
    winner: Winner
    category: str
    kind: Literal["strong", "weak"] = "strong"
    source: str = "library_levels"
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


def _metric(kind: str, ref: np.ndarray, img: np.ndarray) -> float:
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    if kind == "psnr":
        return float(peak_signal_noise_ratio(ref, img, data_range=255))
    return float(structural_similarity(ref, img, channel_axis=2, data_range=255))


def synthetic_pairs(references: Iterable[Reference], config: AssistantConfig,
                    registry=None) -> list[QualityPair]:
    """Same-distortion level pairs (strong) and, if configured, cross-distortion pairs (weak),
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
        chosen = candidates
        if config.pairs_per_reference is not None and config.pairs_per_reference < len(candidates):
            idx = np.sort(rng.choice(len(candidates), config.pairs_per_reference, replace=False))
            chosen = [candidates[i] for i in idx]
        for name, lo, hi in chosen:
            better, worse = variants.get(name, lo), variants.get(name, hi)
            lo_first = bool(rng.integers(2))  # balance which side wins
            a, b, la, lb = (better, worse, lo, hi) if lo_first else (worse, better, hi, lo)
            pairs.append(QualityPair(
                ref.id, ref.image, a, b, "A" if lo_first else "B", category[name],
                info={"a_name": name, "a_level": la, "b_name": name, "b_level": lb,
                      "reference_name": ref.name}))
        pairs += _cross_pairs(ref, variants, names, category, config)
    return pairs


def _cross_pairs(ref: Reference, variants: _Variants, names: list[str], category: dict[str, str],
                 config: AssistantConfig) -> list[QualityPair]:
    """Pairs of two different distortions labelled by PSNR/SSIM against the reference."""
    if config.cross_pairs_per_reference == 0 or len(names) < 2:
        return []
    rng = rng_for(config.seed, "assistant-cross", ref.id)
    margin = config.weak_margin_value()
    out: list[QualityPair] = []
    for _ in range(4 * config.cross_pairs_per_reference):  # bounded retries for near-ties
        if len(out) == config.cross_pairs_per_reference:
            break
        i, j = rng.choice(len(names), 2, replace=False)
        la, lb = (int(x) for x in rng.choice(config.levels, 2))
        a, b = variants.get(names[i], la), variants.get(names[j], lb)
        qa = _metric(config.weak_metric, ref.image, a)
        qb = _metric(config.weak_metric, ref.image, b)
        if abs(qa - qb) < margin:
            continue
        out.append(QualityPair(
            ref.id, ref.image, a, b, "A" if qa > qb else "B", "cross", kind="weak",
            source=f"metric:{config.weak_metric}",
            info={"a_name": names[i], "a_level": la, "b_name": names[j], "b_level": lb,
                  "a_metric": qa, "b_metric": qb, "reference_name": ref.name}))
    return out


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
