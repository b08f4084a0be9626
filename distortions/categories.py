"""The twelve distortion categories and the phrases answers use for them (docs/distortions.md)."""

from __future__ import annotations

GT_NAMES: dict[str, str] = {
    "blur": "blur",
    "noise": "noise",
    "compression": "compression",
    "brighten": "overly high brightness",
    "darken": "insufficient brightness",
    "contrast_strengthen": "overly high contrast",
    "contrast_weaken": "insufficient contrast",
    "saturate_strengthen": "overly high saturation",
    "saturate_weaken": "insufficient saturation",
    "oversharpen": "oversharpening",
    "pixelate": "pixelation",
    "quantize": "color quantization",
}
"""Category → the name of the distortion as stated in ground-truth answers."""

CATEGORIES: tuple[str, ...] = tuple(GT_NAMES)

ALLOWED_SECOND: dict[str, tuple[str, ...]] = {
    "blur": ("brighten", "compression", "contrast_strengthen", "contrast_weaken", "darken",
             "noise", "quantize", "saturate_strengthen", "saturate_weaken"),
    "brighten": ("blur", "compression", "noise", "pixelate", "quantize"),
    "compression": ("blur", "brighten", "contrast_strengthen", "contrast_weaken", "darken",
                    "noise", "saturate_strengthen", "saturate_weaken"),
    "contrast_strengthen": ("blur", "compression", "noise", "pixelate", "quantize"),
    "contrast_weaken": ("blur", "compression", "noise", "pixelate", "quantize"),
    "darken": ("blur", "compression", "noise", "pixelate", "quantize"),
    "noise": ("blur", "brighten", "compression", "contrast_strengthen", "contrast_weaken",
              "darken", "oversharpen", "pixelate", "saturate_strengthen", "saturate_weaken"),
    "oversharpen": ("brighten",),
    "pixelate": ("brighten", "contrast_strengthen", "contrast_weaken", "darken", "noise",
                 "oversharpen", "quantize", "saturate_strengthen", "saturate_weaken"),
    "quantize": ("brighten", "contrast_strengthen", "contrast_weaken", "darken", "noise",
                 "oversharpen", "pixelate", "saturate_strengthen", "saturate_weaken"),
    "saturate_strengthen": ("blur", "compression", "noise", "oversharpen", "pixelate", "quantize"),
    "saturate_weaken": ("blur", "compression", "noise", "oversharpen", "pixelate", "quantize"),
}
"""First category of a pair → categories allowed as the second (docs/sampling.md)."""

NO_REFERENCE_DROP_SLIGHT: frozenset[str] = frozenset({
    "brighten", "darken", "contrast_strengthen", "contrast_weaken",
    "saturate_strengthen", "saturate_weaken", "quantize", "oversharpen",
})
"""Categories whose level-1 (slight) samples are dropped in the no-reference setting: without a
reference their mildest level is not reliably visible."""


def visible_without_reference(category: str, level: int) -> bool:
    """Whether a distortion of ``category`` at ``level`` may appear in a no-reference sample."""
    return level > 1 or category not in NO_REFERENCE_DROP_SLIGHT

OOD_EVAL: dict[str, tuple[str, ...]] = {
    "blur": ("blur_gaussian", "blur_jitter"),
    "noise": ("noise_gaussian_rgb", "noise_impulse"),
    "compression": ("compression_jpeg2000",),
    "brighten": ("brighten_gamma_rgb",),
    "darken": ("darken_gamma_rgb",),
    "contrast_strengthen": ("contrast_strengthen_stretch",),
    "contrast_weaken": ("contrast_weaken_stretch",),
    "saturate_strengthen": ("saturate_strengthen_ycbcr",),
    "saturate_weaken": ("saturate_weaken_ycbcr",),
    "quantize": ("quantize_histeq",),
}
"""Distortions held out for evaluation in the out-of-distribution split; every other distortion
(including whole categories not listed, such as pixelate and oversharpen) is in training."""
