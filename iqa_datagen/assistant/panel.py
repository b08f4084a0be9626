"""A panel of established full-reference quality metrics, computed by torchmetrics.

Cross-distortion pairs have no order from the library (two different distortions of one
reference), so they are labelled by the panel: each metric votes for the image it scores closer
to the reference, and the share of metrics agreeing with the majority is the label's confidence.
A split panel (as many votes each way) gives no label at all.

Every metric value is computed by torchmetrics; this module only arranges images into tensors,
orients the values (higher is better for all three) and counts votes. Scores are per image against
its reference, so a pool of n variants costs n metric evaluations however many pairs are drawn
from it.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

# (name, short description) — the panel's members, in vote order.
PANEL: tuple[tuple[str, str], ...] = (
    ("psnr", "peak signal-to-noise ratio"),
    ("ssim", "structural similarity"),
    ("ms_ssim", "multi-scale structural similarity"),
)
# Three members: a panel cannot split evenly when every metric votes. (Pixel-domain VIF was
# tried as a fourth; it cost more than the other three together.)
PANEL_NAMES: tuple[str, ...] = tuple(n for n, _ in PANEL)
# MS-SSIM's five scales with an 11-pixel window need sides above (11 - 1) * 2**4 = 160 pixels;
# smaller images are upsampled for the panel only (bicubic), so every metric is defined.
_MIN_SIDE = 176
# Images per metric call: large enough to amortise the calls, small enough that the metrics'
# intermediate maps of large images stay within a few hundred MB.
PANEL_BATCH = 16


def _tensor(images: Sequence[np.ndarray]) -> torch.Tensor:
    x = torch.from_numpy(np.ascontiguousarray(np.stack(images))).permute(0, 3, 1, 2).float() / 255.0
    side = min(x.shape[-2:])
    if side < _MIN_SIDE:
        scale = _MIN_SIDE / side
        size = (max(_MIN_SIDE, round(x.shape[-2] * scale)), max(_MIN_SIDE, round(x.shape[-1] * scale)))
        x = torch.nn.functional.interpolate(x, size=size, mode="bicubic", align_corners=False)
        x = x.clamp(0.0, 1.0)
    return x


def panel_scores(reference: np.ndarray, images: Sequence[np.ndarray]) -> np.ndarray:
    """len(images) × len(PANEL) metric values of each image against ``reference`` (higher is
    better for every column; PSNR of an identical image is capped at 100 dB)."""
    from torchmetrics.functional.image import (
        multiscale_structural_similarity_index_measure as ms_ssim,
        peak_signal_noise_ratio as psnr, structural_similarity_index_measure as ssim)

    if not len(images):
        return np.zeros((0, len(PANEL)))
    for i, img in enumerate(images):
        if img.shape != reference.shape:
            raise ValueError(f"image {i} is {img.shape[1]}×{img.shape[0]} but the reference is "
                             f"{reference.shape[1]}×{reference.shape[0]}; full-reference "
                             "comparison needs aligned images of one size")
    rows = []
    with torch.inference_mode():
        reference_t = _tensor([reference])
        for start in range(0, len(images), PANEL_BATCH):
            dist = _tensor(images[start:start + PANEL_BATCH])
            ref = reference_t.expand_as(dist).contiguous()
            cols = [
                psnr(dist, ref, data_range=1.0, reduction="none", dim=(1, 2, 3)).clamp(max=100.0),
                ssim(dist, ref, data_range=1.0, reduction="none"),
                ms_ssim(dist, ref, data_range=1.0, reduction="none"),
            ]
            rows.append(torch.stack([c.reshape(-1).double() for c in cols], dim=1))
    out = torch.cat(rows).numpy()
    return np.nan_to_num(out, nan=0.0, posinf=100.0)


def panel_vote(scores_a: np.ndarray, scores_b: np.ndarray) -> tuple[str | None, float, int]:
    """(winner 'A'/'B' or None when split, agreement share in [0.5, 1], votes for the winner).

    A metric that scores both images equally abstains; a pair on which every metric abstains,
    or whose votes split evenly, has no winner.
    """
    diff = np.asarray(scores_a, float) - np.asarray(scores_b, float)
    for_a, for_b = int((diff > 0).sum()), int((diff < 0).sum())
    if for_a == for_b:
        return None, 0.5, for_a
    votes = max(for_a, for_b)
    return ("A" if for_a > for_b else "B"), votes / (for_a + for_b), votes


def with_panel(pairs: Sequence, load) -> list:
    """The pairs with ``a_panel``/``b_panel`` in their info, computed where missing.

    Each distinct image (the same array object or file path) is scored once, and the images of
    one reference in a single batch (far fewer, larger metric calls); ``load(image, what)``
    turns a path into an array. Used where the full-reference model fuses the panel.
    """
    from dataclasses import replace

    def key(image):
        return id(image) if isinstance(image, np.ndarray) else str(image)

    todo: dict[object, tuple[int, object, dict[object, object]]] = {}  # ref key → first pair, ref, images
    for i, p in enumerate(pairs):
        if "a_panel" in p.info and "b_panel" in p.info:
            continue
        _, _, images = todo.setdefault(key(p.reference), (i, p.reference, {}))
        for img in (p.image_a, p.image_b):
            images.setdefault(key(img), img)
    cache: dict[tuple[object, object], np.ndarray] = {}
    for ref_key, (i, reference, images) in todo.items():
        ref = load(reference, f"pairs[{i}].reference")
        arrays = [load(img, f"pairs[{i}].image") for img in images.values()]
        try:
            rows = panel_scores(ref, arrays)
        except ValueError as exc:
            raise ValueError(f"pairs[{i}]: {exc}") from None
        cache.update({(ref_key, k): row for k, row in zip(images, rows)})

    out = []
    for p in pairs:
        if "a_panel" in p.info and "b_panel" in p.info:
            out.append(p)
            continue
        ref_key = key(p.reference)
        out.append(replace(p, info=dict(p.info, a_panel=cache[ref_key, key(p.image_a)].tolist(),
                                         b_panel=cache[ref_key, key(p.image_b)].tolist())))
    return out
