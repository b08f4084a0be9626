"""``train_assistant``: train and evaluate the assistant comparison model, as a Prefect flow."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
from prefect import flow, task
from prefect.cache_policies import NO_CACHE


def dataset_references(dataset: Path, split: str = "train") -> list[np.ndarray]:
    """The distinct reference images of a built dataset's split (from full-reference records)."""
    from iqa_datagen.distortions.images import decode_image
    from iqa_datagen.storage import iter_batches

    seen: dict[str, np.ndarray] = {}
    for batch in iter_batches(dataset, columns=["reference_id", "image_ref", "setting"],
                              splits=[split]):
        for rid, image, setting in zip(batch.column("reference_id").to_pylist(),
                                       batch.column("image_ref").to_pylist(),
                                       batch.column("setting").to_pylist()):
            if setting == "full_reference" and rid not in seen and image:
                seen[rid] = decode_image(image["bytes"], f"{dataset}:{rid}")
    if not seen:
        raise ValueError(f"{dataset}: no full-reference record in split {split!r} to take "
                         f"reference images from")
    return [seen[k] for k in sorted(seen)]


def training_references(data: Optional[str]):
    """``None`` → the built-in demo images; a built dataset folder → its training references;
    any other folder → the images in it."""
    if data is None:
        return None
    path = Path(data)
    if (path / "manifest.json").is_file():
        return dataset_references(path)
    if not path.is_dir():
        raise FileNotFoundError(f"--data {data}: no such folder")
    return str(path)


@task(name="fit-assistant", cache_policy=NO_CACHE)
def fit_assistant(config: dict, data: Optional[str], out: str, resume: bool,
                  max_seconds: Optional[float]) -> dict:
    from iqa_datagen.assistant import AssistantConfig, train_assistant as fit

    report = fit(AssistantConfig.model_validate(config), training_references(data), out,
                 resume=resume, max_seconds=max_seconds)
    return report.metrics()


@flow(name="train-assistant")
def train_assistant(out: str = "assistant", data: Optional[str] = None,
                    config: Optional[dict] = None, resume: bool = True,
                    max_seconds: Optional[float] = None) -> dict:
    """Train (or resume) the assistant on ``data`` and evaluate it on held-out references;
    ``config`` holds AssistantConfig fields (defaults: small model, all distortions)."""
    from iqa_datagen.assistant import AssistantConfig

    settings = AssistantConfig.model_validate(config or {})  # validate before any work
    return fit_assistant(settings.model_dump(mode="json"), data, out, resume, max_seconds)
