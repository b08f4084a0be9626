"""Aligned windows cut from pairs: random ones for training, a fixed grid for inference.

The same window position is cut from the reference, Image A and Image B, so full-reference
features compare the same content. Training positions come from
``rng_for(seed, "assistant-crop", epoch, index)``: an epoch is reproducible whatever the number
of DataLoader workers, and resuming at epoch k sees exactly the windows an uninterrupted run sees.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from iqa_datagen.seeding import rng_for

from .pairs import QualityPair, load_image


def pad_to(image: np.ndarray, size: int) -> np.ndarray:
    """Reflect-pad an image whose side is below ``size`` (small MOS patches)."""
    h, w = image.shape[:2]
    if h >= size and w >= size:
        return image
    ph, pw = max(0, size - h), max(0, size - w)
    return np.pad(image, ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)), mode="reflect")


def grid_positions(h: int, w: int, window: int, count: int) -> list[tuple[int, int]]:
    """``count`` top-left corners spread evenly over an h×w image (row-major grid)."""
    rows = int(np.ceil(np.sqrt(count)))
    cols = int(np.ceil(count / rows))
    ys = np.linspace(0, h - window, rows).round().astype(int)
    xs = np.linspace(0, w - window, cols).round().astype(int)
    return [(int(y), int(x)) for y in ys for x in xs][:count]


def cut(image: np.ndarray, y: int, x: int, window: int) -> np.ndarray:
    return image[y:y + window, x:x + window]


def to_tensor(windows: list[np.ndarray]) -> torch.Tensor:
    """N×H×W×3 uint8 arrays → N×3×H×W uint8 tensor."""
    return torch.from_numpy(np.ascontiguousarray(np.stack(windows).transpose(0, 3, 1, 2)))


def prepare(pair: QualityPair, window: int, setting: str, where: str
            ) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Load and pad the images of one pair; the reference only in the full-reference setting."""
    a = pad_to(load_image(pair.image_a, f"{where}.image_a"), window)
    b = pad_to(load_image(pair.image_b, f"{where}.image_b"), window)
    ref = None
    if setting == "full_reference":
        ref = pad_to(load_image(pair.reference, f"{where}.reference"), window)
        for name, img in (("image_a", a), ("image_b", b)):
            if img.shape != ref.shape:
                raise ValueError(f"{where}: {name} is {img.shape[1]}×{img.shape[0]} but the "
                                 f"reference is {ref.shape[1]}×{ref.shape[0]}; full-reference "
                                 "comparison needs aligned images of one size")
    return ref, a, b


class PairWindows(Dataset):
    """Training samples: one random aligned window of (reference, A, B), label and weight."""

    def __init__(self, pairs: list[QualityPair], window: int, setting: str, seed: int,
                 panel: bool = False):
        self.pairs, self.window, self.setting, self.panel = pairs, window, setting, panel
        self.seed, self.epoch = seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        pair = self.pairs[index]
        ref, a, b = prepare(pair, self.window, self.setting, f"pair {index}")
        h = min(a.shape[0], b.shape[0])
        w = min(a.shape[1], b.shape[1])
        rng = rng_for(self.seed, "assistant-crop", self.epoch, index)
        y = int(rng.integers(0, h - self.window + 1))
        x = int(rng.integers(0, w - self.window + 1))
        item = {
            "a": to_tensor([cut(a, y, x, self.window)])[0],
            "b": to_tensor([cut(b, y, x, self.window)])[0],
            "target": torch.tensor(1.0 if pair.winner == "A" else 0.0),
            "weight": torch.tensor(float(pair.weight)),
        }
        if ref is not None:
            item["ref"] = to_tensor([cut(ref, y, x, self.window)])[0]
        if self.panel:  # the model fuses the panel: every pair carries its values
            item["panel_a"] = torch.tensor(pair.info["a_panel"], dtype=torch.float32)
            item["panel_b"] = torch.tensor(pair.info["b_panel"], dtype=torch.float32)
        return item
