"""Mean opinion scores from raw subjective ratings (seed 001, Sec. III-C; ITU-R BT.500 screening).

Steps, for a subjects × images matrix (NaN where a subject did not rate an image):

1. Per-subject z-scores: ``z_ij = (r_ij - mean_i) / std_i`` over the images subject *i* rated
   (sample std). This removes each subject's own offset and range. A subject with fewer than two
   ratings or no spread cannot be z-scored and is rejected.
2. Subject screening, ITU-R BT.500 β2 test, on the z-scores by default (``screen_on="raw"``
   screens the raw ratings as the Recommendation writes it): for each image, the mean, the
   sample std σ and the kurtosis β2 = m4 / m2² of its ratings; the threshold is 2σ when
   2 ≤ β2 ≤ 4 (roughly normal) and √20·σ otherwise. Each subject counts P (ratings at or above
   mean + threshold) and Q (at or below mean − threshold); the subject is rejected when
   (P + Q) / N > 0.05 and |P − Q| / (P + Q) < 0.3, with N the images they rated: often far
   from the crowd, in both directions, i.e. not a consistent bias but noise. Images with fewer
   than three ratings or no spread are skipped by the test.
3. Rescaling to [0, 100]: ``"linear"`` (default, as in the seed) maps z ∈ [−3, 3] linearly to
   [0, 100] with ``z' = 100 (z + 3) / 6`` (not clipped; |z| > 3 is rare);
   ``"minmax"`` maps the smallest kept z to 0 and the largest to 100.
4. MOS per image: the mean of the kept subjects' rescaled z-scores.

The direction of the MOS is that of the ratings (quality ratings give higher = better).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np


@dataclass(frozen=True)
class MosResult:
    """MOS per image and which subjects were left out."""

    mos: np.ndarray  # (images,) mean rescaled z-score of the kept subjects, in [0, 100] units
    std: np.ndarray  # (images,) std of those rescaled z-scores (NaN with fewer than two)
    n_ratings: np.ndarray  # (images,) kept ratings per image
    rejected: tuple[int, ...]  # subject indices left out (screening or no usable spread)
    z: np.ndarray  # (subjects, images) z-scores before rescaling, NaN where missing
    scaled: np.ndarray  # (subjects, images) rescaled z of kept subjects, NaN elsewhere


def _as_matrix(ratings) -> np.ndarray:
    try:
        r = np.array(ratings, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"ratings must be numeric (NaN for missing): {exc}") from None
    if r.ndim != 2:
        raise ValueError(f"ratings must be a subjects × images matrix, got shape {r.shape}")
    if r.shape[0] < 2 or r.shape[1] < 1:
        raise ValueError(f"ratings need at least two subjects and one image, got shape {r.shape}")
    if np.isinf(r).any():
        raise ValueError("ratings contain infinite values (use NaN for missing ratings)")
    return r


def per_subject_z(ratings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """z-scores per subject and a mask of subjects that could be z-scored."""
    rated = ~np.isnan(ratings)
    counts = rated.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts > 0, np.nansum(ratings, axis=1) / np.maximum(counts, 1), np.nan)
        dev = ratings - mean[:, None]
        var = np.nansum(dev ** 2, axis=1) / np.maximum(counts - 1, 1)
        std = np.sqrt(var)
        usable = (counts >= 2) & (std > 1e-12)
        z = np.where(usable[:, None], dev / np.where(usable, std, 1.0)[:, None], np.nan)
    return z, usable


def bt500_rejections(scores: np.ndarray) -> list[int]:
    """Subjects (rows) that fail the BT.500 β2 screening of ``scores`` (NaN = missing)."""
    rated = ~np.isnan(scores)
    n_per_image = rated.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(scores, axis=0) / np.maximum(n_per_image, 1)
        dev = scores - mean[None, :]
        m2 = np.nansum(dev ** 2, axis=0) / np.maximum(n_per_image, 1)
        m4 = np.nansum(dev ** 4, axis=0) / np.maximum(n_per_image, 1)
        sigma = np.sqrt(np.nansum(dev ** 2, axis=0) / np.maximum(n_per_image - 1, 1))
        beta2 = m4 / m2 ** 2
    valid = (n_per_image >= 3) & (m2 > 1e-12)
    normal = (beta2 >= 2.0) & (beta2 <= 4.0)
    threshold = np.where(normal, 2.0, math.sqrt(20.0)) * sigma
    high = rated & valid[None, :] & (dev >= threshold[None, :])
    low = rated & valid[None, :] & (dev <= -threshold[None, :])
    p, q = high.sum(axis=1), low.sum(axis=1)
    n = rated.sum(axis=1)
    rejected = []
    for i in range(scores.shape[0]):
        both = p[i] + q[i]
        if n[i] and both and both / n[i] > 0.05 and abs(p[i] - q[i]) / both < 0.3:
            rejected.append(i)
    return rejected


def raw_to_mos(ratings, *, screen: bool = True, screen_on: Literal["z", "raw"] = "z",
               rescale: Literal["linear", "minmax"] = "linear") -> MosResult:
    """MOS per image from a subjects × images rating matrix (NaN for missing); see module doc."""
    r = _as_matrix(ratings)
    if screen_on not in ("z", "raw"):
        raise ValueError(f"screen_on must be 'z' or 'raw', got {screen_on!r}")
    if rescale not in ("linear", "minmax"):
        raise ValueError(f"rescale must be 'linear' or 'minmax', got {rescale!r}")
    z, usable = per_subject_z(r)
    rejected = set(np.flatnonzero(~usable).tolist())
    if screen:
        screened = np.where(usable[:, None], z if screen_on == "z" else r, np.nan)
        rejected |= set(bt500_rejections(screened))
    keep = np.array([i not in rejected for i in range(r.shape[0])])
    if not keep.any():
        raise ValueError("every subject was rejected: no MOS can be computed")
    kept = z[keep]
    if rescale == "linear":
        scaled = 100.0 * (kept + 3.0) / 6.0
    else:
        lo, hi = np.nanmin(kept), np.nanmax(kept)
        if hi - lo <= 1e-12:
            raise ValueError("minmax rescale needs z-scores with some spread")
        scaled = 100.0 * (kept - lo) / (hi - lo)
    n = (~np.isnan(scaled)).sum(axis=0)
    empty = np.flatnonzero(n == 0)
    if empty.size:
        raise ValueError(f"image(s) {empty.tolist()[:10]} have no rating from a kept subject")
    mos = np.nansum(scaled, axis=0) / n
    with np.errstate(invalid="ignore", divide="ignore"):
        dev = np.where(np.isnan(scaled), 0.0, scaled - mos[None, :])
        std = np.where(n >= 2, np.sqrt((dev ** 2).sum(axis=0) / np.maximum(n - 1, 1)), np.nan)
    full = np.full(r.shape, np.nan)
    full[keep] = scaled
    return MosResult(mos=mos, std=std, n_ratings=n, rejected=tuple(sorted(rejected)), z=z,
                     scaled=full)
