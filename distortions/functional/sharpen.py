"""Over-sharpening (docs/distortions.md): an unsharp mask pushed far past its useful strength."""

from __future__ import annotations

import cv2
import numpy as np


def oversharpen(image: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """clip((1+a)·I − a·blur(I)) in 8 bits, blur = OpenCV 5×5 Gaussian with σ from the size."""
    blurred = cv2.GaussianBlur(image, (5, 5), 0)
    return cv2.addWeighted(image, 1.0 + amount, blurred, -float(amount), 0.0)
