"""blur distortions (SPEC §1). TODO: implemented by the distortion-core work."""

from __future__ import annotations

import cv2
import numpy as np


def gaussian(image: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Gaussian low-pass filter with kernel size round(4σ)+1 (made odd)."""
    k = int(round(4 * sigma)) + 1
    k += 1 - k % 2
    return cv2.GaussianBlur(image, (k, k), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT)


def motion(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("blur.motion")


def glass(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("blur.glass")


def lens(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("blur.lens")


def zoom(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("blur.zoom")


def jitter(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("blur.jitter")

