"""sharpen distortions (SPEC §1). TODO: implemented by the distortion-core work."""

from __future__ import annotations

import numpy as np


def oversharpen(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("sharpen.oversharpen")

