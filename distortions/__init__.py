"""The distortion library: 12 categories, 35 distortions, 5 severity levels (docs/distortions.md, docs/sampling.md).

Public API::

    distortions.catalogue()                       # list of DistortionSpec
    distortions.apply(image, name, level, rng)    # uint8 H×W×3 → same shape, deterministic
    distortions.Sampler(...)                      # docs/sampling.md sampling of what to apply
"""

from __future__ import annotations

from .apply import apply, as_generator, check_image
from .categories import ALLOWED_SECOND, CATEGORIES, GT_NAMES, NO_REFERENCE_DROP_SLIGHT, OOD_EVAL
from .registry import (BUILTIN_NAMES, ENTRY_POINT_GROUP, CategoryNames, Registry, active_registry,
                       build_registry)
from .spec import LEVEL_NAMES, PAIR_GRADE_NAMES, DistortionError, DistortionSpec


def catalogue() -> list[DistortionSpec]:
    """All distortions of the default registry (built-ins and installed plugins), in order."""
    return list(active_registry())


def get(name: str) -> DistortionSpec:
    """The spec named ``name``."""
    return active_registry().get(name)


__all__ = [
    "ALLOWED_SECOND", "BUILTIN_NAMES", "CATEGORIES", "ENTRY_POINT_GROUP", "GT_NAMES",
    "LEVEL_NAMES", "NO_REFERENCE_DROP_SLIGHT", "OOD_EVAL", "PAIR_GRADE_NAMES", "CategoryNames",
    "DistortionError", "DistortionSpec", "Registry", "active_registry", "apply", "as_generator",
    "build_registry", "catalogue", "check_image", "get",
]
