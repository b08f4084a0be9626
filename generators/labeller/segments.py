"""Object-centred sub-images for the labeller: a graph-based segmentation merged to a minimum area.

The image is segmented with scikit-image's Felzenszwalb method on a small copy (the long side at
most ``segment_side`` pixels, which keeps it to a few tens of milliseconds); regions smaller
than ``min_area`` (a share of the image) are merged into their neighbours by the method's own
``min_size``. The ``max_segments`` largest regions become units; any smaller remainder is merged
into one more unit, so the units always cover the whole image and their areas sum to 1.

Each unit is shown to the model as the bounding box of its region cut from the original image:
the pixels around the object are the image's own, never a black or flat fill. A box narrower
than ``min_crop`` pixels is widened around its centre with more of the original image.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from skimage.segmentation import felzenszwalb


@dataclass(frozen=True)
class Unit:
    """One sub-image: its region's share of the image and the crop box ``(y0, y1, x0, x1)``."""

    area: float
    box: tuple[int, int, int, int]

    def crop(self, image: np.ndarray) -> np.ndarray:
        y0, y1, x0, x1 = self.box
        return np.ascontiguousarray(image[y0:y1, x0:x1])


@dataclass(frozen=True)
class Segmentation:
    """The units of one image and how many regions the segmentation found (before any cap)."""

    units: tuple[Unit, ...]
    regions: int


def _label_map(image: np.ndarray, min_area: float, segment_side: int, scale: float,
               sigma: float) -> np.ndarray:
    h, w = image.shape[:2]
    factor = min(1.0, segment_side / max(h, w))
    small = image if factor >= 1.0 else cv2.resize(
        image, (max(1, round(w * factor)), max(1, round(h * factor))),
        interpolation=cv2.INTER_AREA)
    min_size = max(1, int(round(min_area * small.shape[0] * small.shape[1])))
    labels = felzenszwalb(small, scale=scale, sigma=sigma, min_size=min_size)
    if small is not image:
        labels = cv2.resize(labels.astype(np.int32), (w, h), interpolation=cv2.INTER_NEAREST)
    return labels


def _box(mask: np.ndarray, min_crop: int) -> tuple[int, int, int, int]:
    h, w = mask.shape
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1

    def widen(lo: int, hi: int, size: int) -> tuple[int, int]:
        need = min(min_crop, size)
        if hi - lo >= need:
            return lo, hi
        lo = max(0, min((lo + hi - need) // 2, size - need))
        return lo, lo + need

    y0, y1 = widen(y0, y1, h)
    x0, x1 = widen(x0, x1, w)
    return y0, y1, x0, x1


def segment(image: np.ndarray, *, min_area: float = 0.05, max_segments: int = 8,
            min_crop: int = 64, segment_side: int = 128, scale: float = 300.0,
            sigma: float = 0.8) -> Segmentation:
    """Units covering ``image`` (RGB uint8), largest region first; see the module doc."""
    if not 0 < min_area <= 1:
        raise ValueError(f"min_area must be in (0, 1], got {min_area}")
    if max_segments < 1:
        raise ValueError(f"max_segments must be at least 1, got {max_segments}")
    labels = _label_map(image, min_area, segment_side, scale, sigma)
    ids, counts = np.unique(labels, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    total = float(labels.size)
    keep = [int(ids[i]) for i in order[:max_segments]]
    masks = [labels == k for k in keep]
    if len(ids) > max_segments:  # the smaller regions together make one more unit
        masks.append(~np.isin(labels, keep))
    units = tuple(Unit(float(m.sum()) / total, _box(m, min_crop)) for m in masks)
    return Segmentation(units, int(len(ids)))
