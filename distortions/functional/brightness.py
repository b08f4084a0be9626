"""brightness distortions (SPEC §1). TODO: implemented by the distortion-core work."""

from __future__ import annotations

import numpy as np


def shift_hsv(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("brightness.shift_hsv")


def shift_rgb(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("brightness.shift_rgb")


def gamma_hsv(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("brightness.gamma_hsv")


def gamma_rgb(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("brightness.gamma_rgb")

