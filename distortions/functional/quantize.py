"""Colour quantisation (docs/distortions.md): histogram equalisation, median cut, multi-level Otsu.

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

    The thresholds are those of scikit-image's ``threshold_multiotsu(channel, classes,
    nbins=30)``, which the published data was made with: the partition of the bins into
    contiguous classes that maximises the between-class variance, each threshold the centre of
    the last bin of its class, and a value's class ``np.digitize(value, thresholds)``. The
    partition is found by dynamic programming (O(classes·bins²)) instead of scikit-image's
    exhaustive search, which takes seconds at 15 classes.
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
        # The same binning as scikit-image's histogram of the channel (float32 values, edges
        # spread evenly over [min, max], the maximum in the last bin).
        hist, edges = np.histogram(levels[present].astype(np.float32), bins=OTSU_BINS,
                                   weights=counts[present])
        centres = (edges[:-1] + edges[1:]) / 2
        class_of_bin = otsu_classes(hist, int(classes))
        last_bins = np.flatnonzero(np.diff(class_of_bin))
        thresholds = centres[last_bins]
        klass = np.digitize(levels.astype(np.float32), thresholds)
        table[:, c] = lo + klass * (hi - lo) / classes
    return apply_lut(image, table)


def otsu_classes(hist: np.ndarray, classes: int) -> np.ndarray:
    """Class index (0 … classes−1) of every bin for the multi-level Otsu partition.

    Maximising the between-class variance Σ_k w_k(μ_k − μ)² equals maximising Σ_k S_k²/W_k
    (W_k pixel count, S_k sum of values of class k), which is additive over contiguous groups
    of bins, hence a dynamic programme over the cut positions.

    The score follows scikit-image's exactly, including two details that move thresholds: a
    bin's value is its index, except that the first bin enters the first moment as if it were
    at index 1, and a class made of the first bin alone scores 0.
    """
    nbins = hist.size
    if classes > nbins:
        raise ValueError(f"cannot split {nbins} bins into {classes} classes")
    values = np.arange(nbins, dtype=np.float64)
    values[0] = 1.0
    w = np.concatenate([[0.0], np.cumsum(hist)])
    s = np.concatenate([[0.0], np.cumsum(hist * values)])
    dw = w[None, :] - w[:, None]  # [i, j]: count in bins [i, j)
    ds = s[None, :] - s[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.where(dw > 0, ds * ds / dw, 0.0)
    valid = np.arange(nbins + 1)[:, None] < np.arange(nbins + 1)[None, :]
    gain[0, 1] = 0.0
    gain = np.where(valid, gain, -np.inf)
    # Suffix programme: rest[k][i] = best score of bins [i, nbins) in k classes. Walking it
    # forward and taking the first best cut at every step picks, among equal scores (empty
    # bins make exact ties), the lexicographically smallest thresholds, as scikit-image's
    # ordered search keeps the first maximum it meets.
    rest = np.full((classes + 1, nbins + 1), -np.inf)
    rest[1] = gain[:, nbins]
    for k in range(2, classes + 1):
        rest[k] = np.max(gain + rest[k - 1][None, :], axis=1)
    labels = np.empty(nbins, np.intp)
    start = 0
    for k in range(classes, 1, -1):
        end = int(np.argmax(gain[start] + rest[k - 1]))
        labels[start:end] = classes - k
        start = end
    labels[start:] = classes - 1
    return labels


def _check_count(name: str, value: int, minimum: int) -> None:
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise ValueError(f"{name} must be an integer ≥ {minimum}, got {value!r}")
