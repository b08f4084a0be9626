"""Small conversions shared by the distortion functions."""

from __future__ import annotations

import numpy as np


def to_float(image: np.ndarray) -> np.ndarray:
    """uint8 → float32 in [0, 1]."""
    return image.astype(np.float32) * np.float32(1.0 / 255.0)


def to_uint8(x: np.ndarray) -> np.ndarray:
    """float in [0, 1] (any range) → uint8, clipped and rounded."""
    return np.clip(x * 255.0 + 0.5, 0, 255).astype(np.uint8)
