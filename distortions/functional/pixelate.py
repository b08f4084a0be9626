"""pixelate distortions (SPEC §1). TODO: implemented by the distortion-core work."""

from __future__ import annotations

import numpy as np


def pixelate(image: np.ndarray, rng: np.random.Generator, **params) -> np.ndarray:
    raise NotImplementedError("pixelate.pixelate")

