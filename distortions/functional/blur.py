"""Blur distortions (docs/distortions.md): Gaussian, motion, glass, lens, zoom, jitter."""

from __future__ import annotations

import math

import cv2
import numpy as np

from ._util import local_swap_permutation, to_float, to_uint8


def gaussian(image: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Gaussian low-pass filter with kernel size round(4σ)+1 (made odd)."""
    k = int(round(4 * sigma)) + 1
    k += 1 - k % 2
    return cv2.GaussianBlur(image, (k, k), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT)


def motion_kernel(radius: int, sigma: float, angle_deg: float) -> np.ndarray:
    """Correlation kernel of a linear motion blur.

    Tap i = 0 … 2·radius has weight ∝ exp(−i²/2σ²) and samples the image i steps along the
    direction ``angle_deg`` (each step rounded to the pixel grid), as the documented sum of shifted
    copies does; the kernel is square with the anchor at its centre.
    """
    width = 2 * radius + 1
    taps = np.arange(width, dtype=np.float64)
    weights = np.exp(-taps ** 2 / (2.0 * sigma ** 2))
    weights /= weights.sum()
    theta = math.radians(angle_deg)
    sin_t, cos_t = math.sin(theta), math.cos(theta)
    # shifted copy i has out[y, x] = in[y − dy_i, x − dx_i]
    dy = [-math.ceil(i * sin_t - 0.5) for i in range(width)]
    dx = [-math.ceil(i * cos_t - 0.5) for i in range(width)]
    reach = max(max(abs(v) for v in dy), max(abs(v) for v in dx))
    kernel = np.zeros((2 * reach + 1, 2 * reach + 1), np.float32)
    for w, sy, sx in zip(weights, dy, dx):
        kernel[reach - sy, reach - sx] += w
    return kernel


def motion(image: np.ndarray, rng: np.random.Generator, radius: int, sigma: float) -> np.ndarray:
    """Linear motion blur of length 2·radius+1 at a random angle in [−90°, 90°].

    The weighted sum of shifted copies (edge pixels repeated) is one correlation with a sparse
    line kernel and replicated borders.
    """
    angle = rng.uniform(-90.0, 90.0)
    kernel = motion_kernel(int(radius), float(sigma), angle)
    return cv2.filter2D(image, -1, kernel, borderType=cv2.BORDER_REPLICATE)


def _skimage_like_gaussian(x: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian filter truncated at 4σ with repeated edges (skimage's defaults)."""
    k = 2 * int(4 * sigma + 0.5) + 1
    return cv2.GaussianBlur(x, (k, k), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REPLICATE)


def glass(image: np.ndarray, rng: np.random.Generator, sigma: float, shift: int,
          iterations: int) -> np.ndarray:
    """Glass blur: Gaussian filter, ``iterations`` rounds of local random swaps within ±shift,
    Gaussian filter again.

    The swap rounds are vectorised (see ``local_swap_permutation``): each pixel is swapped once
    per round with one at an offset in [−shift, shift)², but overlapping swaps compose in lattice
    order rather than in the sequential raster order of the documented scan.
    """
    h, w = image.shape[:2]
    x = _skimage_like_gaussian(to_float(image), sigma)
    perm = local_swap_permutation(h, w, int(shift), int(iterations), rng)
    x = x.reshape(h * w, 3)[perm].reshape(h, w, 3)
    return to_uint8(_skimage_like_gaussian(x, sigma))


def disk_kernel(radius: int) -> np.ndarray:
    """Normalised disk: 1 where x² + y² ≤ r², divided by its sum."""
    r = int(radius)
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    disk = (x * x + y * y <= r * r).astype(np.float32)
    return disk / disk.sum()


def lens(image: np.ndarray, rng: np.random.Generator, radius: int) -> np.ndarray:
    """Defocus (lens) blur: convolution with a normalised disk of ``radius`` pixels."""
    return cv2.filter2D(image, -1, disk_kernel(radius), borderType=cv2.BORDER_REFLECT_101)


def zoom_factors(max_factor: float, step: float = 0.02) -> list[float]:
    """1.00, 1.02, … up to ``max_factor`` inclusive."""
    n = int(round((max_factor - 1.0) / step))
    return [1.0 + step * k for k in range(n + 1)]


def _centre_zoom(image: np.ndarray, factor: float) -> np.ndarray:
    """Centre crop of ⌈H/f⌉×⌈W/f⌉ scaled up by f (bilinear), top-left H×W kept."""
    h, w = image.shape[:2]
    ch, cw = math.ceil(h / factor), math.ceil(w / factor)
    top, left = (h - ch) // 2, (w - cw) // 2
    crop = image[top:top + ch, left:left + cw]
    size = (max(w, round(cw * factor)), max(h, round(ch * factor)))
    return cv2.resize(crop, size, interpolation=cv2.INTER_LINEAR)[:h, :w]


def zoom(image: np.ndarray, rng: np.random.Generator, max_factor: float) -> np.ndarray:
    """Zoom blur: (x + Σ_f zoom_f(x)) / (n + 1) over factors 1.00, 1.02, … ``max_factor``."""
    factors = zoom_factors(max_factor)
    acc = image.astype(np.float32)
    for f in factors:
        acc += _centre_zoom(image, f)
    acc *= np.float32(1.0 / (len(factors) + 1))
    acc += np.float32(0.5)
    return np.clip(acc, 0, 255).astype(np.uint8)


def jitter(image: np.ndarray, rng: np.random.Generator, shift: int) -> np.ndarray:
    """Jitter blur: one round of local random swaps within ±shift, no filtering.

    Vectorised as for ``glass`` (same documented approximation of the sequential scan).
    """
    h, w = image.shape[:2]
    perm = local_swap_permutation(h, w, int(shift), 1, rng)
    return image.reshape(h * w, 3)[perm].reshape(h, w, 3)
