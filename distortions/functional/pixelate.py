"""Pixelation (SPEC §1): box-average down, nearest-neighbour back up."""

from __future__ import annotations

import cv2
import numpy as np


def pixelate(image: np.ndarray, rng: np.random.Generator, scale: float) -> np.ndarray:
    """Downsample by ``scale`` with a box (area) filter, upsample to the input size by nearest
    neighbour (pixel-centre aligned, as Pillow's NEAREST)."""
    if not 0 < scale <= 1:
        raise ValueError(f"pixelate scale must be in (0, 1], got {scale!r}")
    h, w = image.shape[:2]
    small = cv2.resize(image, (max(1, int(w * scale)), max(1, int(h * scale))),
                       interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST_EXACT)
