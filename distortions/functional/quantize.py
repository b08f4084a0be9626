"""Colour quantisation (SPEC §1): histogram equalisation, median cut, multi-level Otsu.

All three work value by value (per channel for median cut and Otsu), so each builds a
256-entry lookup table from the image's histogram and maps the image through it.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from ._util import apply_lut

OTSU_BINS = 30
"""Histogram bins over each channel's [min, max] on which the Otsu thresholds are searched."""


def histeq(image: np.ndarray, rng: np.random.Generator, bins: int) -> np.ndarray:
    """Quantise to ``bins`` levels remapped through the equalised histogram.

    The histogram of all values (all channels) in ``bins`` equal bins over [0, 255] is summed
    cumulatively and rescaled to 0..255; value v maps to table[round(v/255·(bins−1))].
    """
    _check_count("bins", bins, 2)
    counts, _ = np.histogram(image, bins=int(bins), range=(0, 255))
    cdf = np.cumsum(counts).astype(np.float64)
    # Rescale the occupied part of the cumulative histogram to 0..255; bins before the first
    # occupied one map to 0.
    low = cdf[cdf > 0].min()
    span = cdf[-1] - low
    if span > 0:
        table = np.where(cdf > 0, (cdf - low) / span * 255.0, 0.0)
    else:  # one occupied bin: nothing to equalise, keep the plain quantisation levels
        table = np.arange(bins) / (bins - 1) * 255.0
    index = np.rint(np.arange(256) / 255.0 * (bins - 1)).astype(np.intp)
    return apply_lut(image, table[index])


def median(image: np.ndarray, rng: np.random.Generator, colours: int) -> np.ndarray:
    """Each channel separately through Pillow's median-cut palette of ``colours`` entries."""
    _check_count("colours", colours, 2)
    table = np.empty((256, 3), np.float64)
    levels = np.arange(256, dtype=np.uint8)
    for c in range(3):
        # Median cut depends on the channel's histogram only: quantise the channel once, then
        # read the value each input level was mapped to (every present level maps somewhere).
        channel = Image.fromarray(np.ascontiguousarray(image[..., c]), "L")
        mapped = np.asarray(channel.quantize(int(colours), method=Image.Quantize.MEDIANCUT)
                            .convert("L"))
        table[:, c] = levels
        table[image[..., c].ravel(), c] = mapped.ravel()
    return apply_lut(image, table)


def otsu(image: np.ndarray, rng: np.random.Generator, classes: int) -> np.ndarray:
    """Per channel: ``classes``−1 multi-level Otsu thresholds on a 30-bin histogram of the
    channel's [v_min, v_max]; class k maps to v_min + k·(v_max − v_min)/classes.

    The thresholds maximise the between-class variance over contiguous groups of bins, found
    exactly by dynamic programming (O(classes·bins²)) instead of skimage's exhaustive search.
    A value's class is the group its bin falls in.
    """
    _check_count("classes", classes, 2)
    table = np.empty((256, 3), np.float64)
    levels = np.arange(256, dtype=np.float64)
    for c in range(3):
        counts = np.bincount(image[..., c].ravel(), minlength=256)
        present = np.flatnonzero(counts)
        lo, hi = int(present[0]), int(present[-1])
        if hi == lo:
            table[:, c] = levels
            continue
        bin_of_level = np.minimum(((levels - lo) / (hi - lo) * OTSU_BINS).astype(np.intp),
                                  OTSU_BINS - 1)
        bin_of_level = np.clip(bin_of_level, 0, OTSU_BINS - 1)
        hist = np.bincount(bin_of_level, weights=counts, minlength=OTSU_BINS)
        centres = lo + (np.arange(OTSU_BINS) + 0.5) * (hi - lo) / OTSU_BINS
        class_of_bin = otsu_classes(hist, centres, int(classes))
        table[:, c] = lo + class_of_bin[bin_of_level] * (hi - lo) / classes
    return apply_lut(image, table)


def otsu_classes(hist: np.ndarray, centres: np.ndarray, classes: int) -> np.ndarray:
    """Class index (0 … classes−1) of every bin for the multi-level Otsu partition.

    Maximising the between-class variance Σ_k w_k(μ_k − μ)² equals maximising Σ_k S_k²/W_k
    (W_k pixel count, S_k sum of values of class k), which is additive over contiguous groups
    of bins, hence the dynamic programme: best[k][j] = best score for bins [0, j) in k classes.
    """
    nbins = hist.size
    if classes > nbins:
        raise ValueError(f"cannot split {nbins} bins into {classes} classes")
    w = np.concatenate([[0.0], np.cumsum(hist)])
    s = np.concatenate([[0.0], np.cumsum(hist * centres)])
    dw = w[None, :] - w[:, None]  # [i, j]: count in bins [i, j)
    ds = s[None, :] - s[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.where(dw > 0, ds * ds / dw, 0.0)
    valid = np.arange(nbins + 1)[:, None] < np.arange(nbins + 1)[None, :]
    gain = np.where(valid, gain, -np.inf)
    best = gain[0].copy()  # one class covering [0, j)
    back = np.zeros((classes, nbins + 1), np.intp)
    for k in range(1, classes):
        total = best[:, None] + gain  # [i, j]: k classes on [0, i) then one on [i, j)
        back[k] = np.argmax(total, axis=0)
        best = total[back[k], np.arange(nbins + 1)]
    labels = np.empty(nbins, np.intp)
    end = nbins
    for k in range(classes - 1, -1, -1):
        start = back[k, end] if k > 0 else 0
        labels[start:end] = k
        end = start
    return labels


def _check_count(name: str, value: int, minimum: int) -> None:
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise ValueError(f"{name} must be an integer ≥ {minimum}, got {value!r}")
