"""The config a dataset folder was built with, read back from its manifest.

Kept apart from the pipeline steps that use it (resplit, extend, retry, review drops) so that a
command can validate a dataset's config before it imports pyarrow or starts Prefect: it needs
only the manifest's JSON and the config model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from iqa_datagen.config import BuildConfig, ConfigError
from iqa_datagen.storage.layout import read_manifest


def load_build_config(dataset: Path | str) -> BuildConfig:
    """The config a dataset folder was built with (its manifest's, secrets never stored)."""
    manifest = read_manifest(dataset)
    try:
        return BuildConfig.model_validate(manifest["config"])
    except Exception as exc:
        raise ConfigError(f"{dataset}/manifest.json: the stored config is not valid for this "
                          f"version ({exc})") from None


def new_split_config(config: BuildConfig, seed: Optional[int], test_fraction: Optional[float],
                     ood: Optional[bool]) -> BuildConfig:
    """``config`` with a new split seed, test fraction and/or OOD rule (None: unchanged),
    validated: a ConfigError names what is wrong."""
    from pydantic import ValidationError

    from iqa_datagen.config import describe_errors

    split = config.split.model_copy(update={
        k: v for k, v in (("seed", seed), ("test_fraction", test_fraction), ("ood", ood))
        if v is not None})
    try:
        return BuildConfig.model_validate({**config.model_dump(mode="json"),
                                           "split": split.model_dump(mode="json")})
    except ValidationError as exc:
        raise ConfigError(f"resplit: {describe_errors(exc)}") from None
