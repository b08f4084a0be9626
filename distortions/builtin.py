"""The built-in catalogue: 35 distortions in 12 categories, parameters per level as data (docs/distortions.md).

Each entry is (name, category, function, five parameter dicts, random?, description).
The maths lives in ``distortions.functional``; nothing here computes.
"""

from __future__ import annotations

from .categories import GT_NAMES
from .functional import (blur, brightness, compression, contrast, noise, pixelate, quantize,
                         saturation, sharpen)
from .spec import DistortionSpec


def _levels(key: str, values) -> list[dict]:
    return [{key: v} for v in values]


_ENTRIES = [
    # blur
    ("blur_gaussian", "blur", blur.gaussian, _levels("sigma", [1, 2, 3, 4, 5]), False,
     "Gaussian low-pass filter, kernel size round(4σ)+1."),
    ("blur_motion", "blur", blur.motion,
     [{"radius": r, "sigma": s} for r, s in [(5, 3), (10, 5), (15, 7), (15, 9), (20, 12)]], True,
     "Gaussian-weighted line kernel at a random angle in [-90°, 90°]."),
    ("blur_glass", "blur", blur.glass,
     [{"sigma": s, "shift": d, "iterations": n}
      for s, d, n in [(0.7, 1, 1), (0.9, 2, 1), (1.2, 2, 2), (1.4, 3, 2), (1.6, 4, 2)]], True,
     "Gaussian filter, local random pixel swaps, Gaussian filter."),
    ("blur_lens", "blur", blur.lens, _levels("radius", [2, 3, 4, 6, 8]), False,
     "Convolution with a normalised disk (defocus)."),
    ("blur_zoom", "blur", blur.zoom, _levels("max_factor", [1.02, 1.06, 1.10, 1.14, 1.20]), False,
     "Average of the image and centre-zoomed copies (linear), factors 1.00 to max in steps of 0.02."),
    ("blur_jitter", "blur", blur.jitter, _levels("shift", [1, 2, 3, 4, 5]), True,
     "Every pixel displaced by a random offset in [-p, p]."),
    # noise
    ("noise_gaussian_rgb", "noise", noise.gaussian_rgb,
     _levels("sigma", [0.05, 0.10, 0.15, 0.20, 0.25]), True, "Additive i.i.d. Gaussian per RGB channel."),
    ("noise_gaussian_ycbcr", "noise", noise.gaussian_ycbcr,
     [{"sigma_y": s, "chroma_factor": c}
      for s, c in zip([0.05, 0.06, 0.07, 0.08, 0.09], [1.0, 1.45, 1.9, 2.35, 2.8])], True,
     "Additive Gaussian in YCbCr, stronger in the chroma channels."),
    ("noise_speckle", "noise", noise.speckle, _levels("sigma", [0.14, 0.21, 0.28, 0.35, 0.42]), True,
     "Multiplicative noise x + x·N(0, σ²)."),
    ("noise_spatially_correlated", "noise", noise.spatially_correlated,
     _levels("sigma", [0.08, 0.11, 0.14, 0.18, 0.22]), True, "Additive Gaussian then a 3×3 box filter."),
    ("noise_poisson", "noise", noise.poisson, _levels("scale", [80, 60, 40, 25, 15]), True,
     "Photon noise Poisson(x·scale)/scale."),
    ("noise_impulse", "noise", noise.impulse, _levels("density", [0.01, 0.03, 0.05, 0.07, 0.10]), True,
     "Salt and pepper."),
    # compression
    ("compression_jpeg", "compression", compression.jpeg, _levels("quality", [25, 18, 12, 8, 5]), False,
     "JPEG encode/decode."),
    ("compression_jpeg2000", "compression", compression.jpeg2000,
     _levels("psnr_db", [29, 27.5, 26, 24.5, 23]), False,
     "JPEG 2000 encode/decode, one quality layer in dB mode."),
    # brighten
    ("brighten_shift_hsv", "brighten", brightness.shift_hsv, _levels("amount", [0.1, 0.2, 0.3, 0.4, 0.5]),
     False, "Add to V in HSV; V is not clipped before converting back, only the RGB result."),
    ("brighten_shift_rgb", "brighten", brightness.shift_rgb,
     _levels("amount", [0.10, 0.15, 0.20, 0.27, 0.35]), False, "Add to all RGB channels."),
    ("brighten_gamma_hsv", "brighten", brightness.gamma_hsv,
     _levels("gamma", [0.70, 0.58, 0.47, 0.36, 0.25]), False, "V ← V^γ in HSV."),
    ("brighten_gamma_rgb", "brighten", brightness.gamma_rgb,
     _levels("gamma", [0.80, 0.70, 0.60, 0.45, 0.30]), False, "RGB ← RGB^γ."),
    # darken
    ("darken_shift_hsv", "darken", brightness.shift_hsv,
     _levels("amount", [-0.1, -0.2, -0.3, -0.4, -0.5]), False,
     "Subtract from V in HSV; only the RGB result is clipped."),
    ("darken_shift_rgb", "darken", brightness.shift_rgb,
     _levels("amount", [-0.10, -0.15, -0.20, -0.27, -0.35]), False, "Subtract from all RGB channels."),
    ("darken_gamma_hsv", "darken", brightness.gamma_hsv,
     _levels("gamma", [1.5, 1.8, 2.2, 2.7, 3.5]), False, "V ← V^γ in HSV."),
    ("darken_gamma_rgb", "darken", brightness.gamma_rgb,
     _levels("gamma", [1.4, 1.7, 2.1, 2.6, 3.2]), False, "RGB ← RGB^γ."),
    # contrast
    ("contrast_strengthen_scale", "contrast_strengthen", contrast.scale,
     _levels("alpha", [1.4, 1.7, 2.1, 2.6, 4.0]), False, "Blend away from the mean grey image."),
    ("contrast_strengthen_stretch", "contrast_strengthen", contrast.stretch,
     _levels("alpha", [2, 4, 6, 8, 10]), False, "Sigmoid stretch around the channel mean."),
    ("contrast_weaken_scale", "contrast_weaken", contrast.scale,
     _levels("alpha", [0.75, 0.60, 0.45, 0.30, 0.20]), False, "Blend towards the mean grey image."),
    ("contrast_weaken_stretch", "contrast_weaken", contrast.stretch,
     _levels("alpha", [1.0, 0.9, 0.8, 0.6, 0.4]), False, "Flattening sigmoid around the channel mean."),
    # saturation
    ("saturate_strengthen_hsv", "saturate_strengthen", saturation.hsv,
     _levels("factor", [3, 6, 12, 20, 64]), False, "Multiply S in HSV."),
    ("saturate_strengthen_ycbcr", "saturate_strengthen", saturation.ycbcr,
     _levels("factor", [2, 3, 5, 8, 16]), False, "Scale Cb, Cr around 128."),
    ("saturate_weaken_hsv", "saturate_weaken", saturation.hsv,
     _levels("factor", [0.70, 0.55, 0.40, 0.20, 0.0]), False, "Multiply S in HSV."),
    ("saturate_weaken_ycbcr", "saturate_weaken", saturation.ycbcr,
     _levels("factor", [0.6, 0.4, 0.2, 0.1, 0.0]), False, "Scale Cb, Cr towards 128."),
    # sharpness, pixelation, quantisation
    ("oversharpen", "oversharpen", sharpen.oversharpen, _levels("amount", [2, 2.8, 4, 6, 8]), False,
     "Unsharp mask with a 5×5 Gaussian, saturated in 8 bits."),
    ("pixelate", "pixelate", pixelate.pixelate, _levels("scale", [0.5, 0.4, 0.3, 0.25, 0.2]), False,
     "Box downsample, nearest-neighbour upsample."),
    ("quantize_histeq", "quantize", quantize.histeq, _levels("bins", [24, 16, 8, 6, 4]), False,
     "Quantise to bins and remap through the equalised histogram."),
    ("quantize_median", "quantize", quantize.median, _levels("colours", [20, 15, 10, 6, 3]), False,
     "Per-channel median-cut palette."),
    ("quantize_otsu", "quantize", quantize.otsu, _levels("classes", [15, 11, 8, 5, 3]), False,
     "Per channel, multi-level Otsu thresholds on a 30-bin histogram (scikit-image's "
     "threshold_multiotsu); class k maps to v_min + k·(v_max − v_min)/classes."),
]


# Saturation changes move Cb/Cr or S, which are neutral in a grayscale image: no visible effect.
COLOUR_ONLY_CATEGORIES = frozenset({"saturate_strengthen", "saturate_weaken"})


def builtin_specs() -> list[DistortionSpec]:
    """The 35 built-in distortion specs, in catalogue order."""
    return [
        DistortionSpec(name=n, category=c, fn=f, levels=tuple(lv), random=r, description=d,
                       gt_name=GT_NAMES[c], colour_only=c in COLOUR_ONLY_CATEGORIES)
        for n, c, f, lv, r, d in _ENTRIES
    ]
