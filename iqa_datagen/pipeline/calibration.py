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


def rated_training_images(mos_items: list) -> list:
    """The MOS score items a calibration is fitted on: rated images of the training split that
    have a reference (the labeller's images have none)."""
    from iqa_datagen.pipeline.mos import MosScoreItem

    return [item for item in mos_items if isinstance(item, MosScoreItem)
            and item.split == "train" and item.entry.has_reference]


def fit_for_build(config: BuildConfig, mos_items: list, checkpoint: str | Path
                  ) -> Optional[dict]:
    """Fit, write and describe the calibration (None, and any stale file removed, where the
    build has fewer than two readable rated training images)."""
    from iqa_datagen.assistant import load_assistant

    path = Path(checkpoint).parent / CALIBRATION_FILE
    items = rated_training_images(mos_items) if config.tasks.quality_scoring > 0 else []
    short = config.references.short_side
    images, commons, datasets = [], [], []
    for item in items:
        try:
            ref = resize_short_side(load_image(item.entry.reference), short)
            image = resize_short_side(load_image(item.entry.distorted), short)
        except (ImageError, OSError):
            continue  # quarantined and reported by the MOS chunk that owns the item
        if ref.shape != image.shape:
            continue  # no full-reference score for an image of another size than its reference
        images.append((ref, image))
        commons.append(common_of(item.quality))
        datasets.append(item.entry.dataset)
    if len(images) < 2:
        path.unlink(missing_ok=True)
        return None
    device = None if config.assistant.device == "auto" else config.assistant.device
    fr = load_assistant(checkpoint, device).scores(images)
    calibration = ScoreCalibration.fit(fr, commons, datasets)
    path.write_text(json.dumps(calibration.to_dict(), indent=1))
    return {"file": str(path), "datasets": list(calibration.datasets),
            "pairs": calibration.pairs}


def load_calibration(checkpoint: str | Path) -> Optional[ScoreCalibration]:
    """The calibration next to an assistant checkpoint, if the build fitted one."""
    path = Path(checkpoint).parent / CALIBRATION_FILE
    if not path.is_file():
        return None
    return ScoreCalibration.from_dict(json.loads(path.read_text()))
