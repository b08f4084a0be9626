"""Calibrate the library's quality scores on human ones: fit the map from the build's assistant
full-reference score to the common 0..100 scale on the rated MOS images of the training split.

It is fitted when the build trains (or finds) an assistant, makes quality-scoring records and has
MOS sources that rate images with a reference; the map is written next to the assistant's
checkpoint (``calibration.json``), where ``BuildVerdicter`` finds it for the shards.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from iqa_datagen.config import BuildConfig
from iqa_datagen.distortions.images import ImageError, load_image, resize_short_side
from iqa_datagen.generators.quality import ScoreCalibration, common_of

CALIBRATION_FILE = "calibration.json"
SCORE_CHUNK = 256  # rated images loaded and scored at once


def rated_training_images(mos_items: list) -> list:
    """The MOS score items a calibration is fitted on: rated images of the training split that
    have a reference (the labeller's images have none)."""
    from iqa_datagen.pipeline.mos import MosScoreItem

    return [item for item in mos_items if isinstance(item, MosScoreItem)
            and item.split == "train" and item.entry.has_reference]


MIN_RATED = 2  # rated training images a calibration needs at least


def calibration_items(config: BuildConfig, mos_items: list) -> list:
    """The rated images a build fits its calibration on (none without quality scoring)."""
    return rated_training_images(mos_items) if config.tasks.quality_scoring > 0 else []


def fit_for_build(config: BuildConfig, mos_items: list, checkpoint: str | Path
                  ) -> Optional[dict]:
    """Fit, write and describe the calibration (None, and any stale file removed, where the
    build has fewer than two readable rated training images)."""
    from iqa_datagen.assistant import load_assistant

    path = Path(checkpoint).parent / CALIBRATION_FILE
    items = calibration_items(config, mos_items)
    fr, commons, datasets = [], [], []
    if len(items) >= MIN_RATED:
        device = None if config.assistant.device == "auto" else config.assistant.device
        model = load_assistant(checkpoint, device)
        for start in range(0, len(items), SCORE_CHUNK):  # a chunk of images in memory at once
            chunk = _readable(config, items[start:start + SCORE_CHUNK])
            fr += [float(v) for v in model.scores([images for _, images in chunk])]
            commons += [common_of(item.quality) for item, _ in chunk]
            datasets += [item.entry.dataset for item, _ in chunk]
    if len(fr) < MIN_RATED:
        path.unlink(missing_ok=True)
        return None
    calibration = ScoreCalibration.fit(fr, commons, datasets)
    path.write_text(json.dumps(calibration.to_dict(), indent=1))
    return {"file": str(path), "datasets": list(calibration.datasets),
            "pairs": calibration.pairs}


def _readable(config: BuildConfig, items: list) -> list:
    """(item, (reference, image)) for the items whose images load at the build's size and match
    their reference's size (a full-reference score needs both); each reference read once."""
    short, out, refs = config.references.short_side, [], {}
    for item in items:
        try:
            if item.entry.reference not in refs:
                refs[item.entry.reference] = resize_short_side(load_image(item.entry.reference),
                                                               short)
            ref = refs[item.entry.reference]
            image = resize_short_side(load_image(item.entry.distorted), short)
        except (ImageError, OSError):
            continue  # quarantined and reported by the MOS chunk that owns the item
        if ref.shape == image.shape:
            out.append((item, (ref, image)))
    return out


def load_calibration(checkpoint: str | Path) -> Optional[ScoreCalibration]:
    """The calibration next to an assistant checkpoint, if the build fitted one."""
    path = Path(checkpoint).parent / CALIBRATION_FILE
    if not path.is_file():
        return None
    return ScoreCalibration.from_dict(json.loads(path.read_text()))
