"""Settings of the assistant comparison model, validated once so every later step can trust them."""

from __future__ import annotations

import hashlib
import json
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from iqa_datagen.schemas import Setting

Device = Literal["auto", "cpu", "cuda"]

# Fields that may change between a run and its resumption without changing what is learned
# from each epoch (more epochs, more patience, another device or worker count).
RESUMABLE_FIELDS = frozenset({"epochs", "patience", "device", "num_workers", "num_threads"})


class AssistantConfig(BaseModel):
    """Everything that defines one assistant model and the pairs it is trained on.

    One model serves one setting: ``full_reference`` scores an image against its reference,
    ``no_reference`` judges without it (by default the two images of a pair together, see
    ``pairwise``). Train one model per setting.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    setting: Setting = "full_reference"
    # data
    distortions: Optional[list[str]] = None  # None: every name in the distortion catalogue
    levels: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5])
    pairs_per_reference: Optional[int] = Field(60, ge=1)  # None: every same-distortion level pair
    # Cross-distortion pairs: two plans drawn by the build's sampler (single and paired
    # distortions), labelled by the full-reference metric panel (``panel.PANEL``).
    cross_pairs_per_reference: int = Field(60, ge=0)
    cross_pool: int = Field(24, ge=2)  # sampled variants per reference the cross pairs come from
    multi_share: float = Field(0.5, ge=0.0, le=1.0)  # share of paired-distortion plans in the pool
    unanimous_weight: float = Field(1.0, ge=0.0, le=1.0)  # loss weight of unanimous panel labels
    majority_weight: float = Field(0.25, ge=0.0, le=1.0)  # 2-of-3 panel labels (0: leave them out)
    mos_weight: float = Field(2.0, ge=0.0)  # human-judged pairs weigh most (library levels: 1)
    reference_short_side: Optional[int] = Field(192, ge=32)  # bicubic downscale of larger refs
    val_fraction: float = Field(0.125, gt=0.0, lt=1.0)
    test_fraction: float = Field(0.25, gt=0.0, lt=1.0)
    # model
    crop: int = Field(48, ge=16, le=512)  # fine-scale patch; the coarse scale sees a 2×crop window
    channels: list[int] = Field(default_factory=lambda: [16, 32, 48])
    hidden: int = Field(32, ge=4)
    panel_input: bool = True  # full reference: fuse the metric panel's values into the score
    # no reference: judge A against B (two images of one scene, each the other's stand-in
    # reference) instead of scoring each image alone; see ``model.QualityNet``.
    pairwise: bool = True
    eval_crops: int = Field(4, ge=1, le=64)  # aligned windows averaged per image at inference
    backbone: Optional[str] = None  # local state_dict for the feature extractor (strict=False)
    # optimisation
    epochs: int = Field(8, ge=1)
    batch_size: int = Field(32, ge=1)
    lr: float = Field(2e-3, gt=0.0)
    weight_decay: float = Field(1e-4, ge=0.0)
    patience: int = Field(3, ge=1)
    seed: int = 0
    # execution
    device: Device = "auto"
    num_workers: Optional[int] = Field(None, ge=0)  # None: 0 on CPU, up to 4 on CUDA
    num_threads: Optional[int] = Field(None, ge=1)  # torch CPU threads; None: torch's default

    @field_validator("levels")
    @classmethod
    def _levels_valid(cls, levels: list[int]) -> list[int]:
        if len(set(levels)) < 2 or any(not 1 <= lv <= 5 for lv in levels):
            raise ValueError(f"levels must hold at least two distinct values in 1..5, got {levels}")
        return sorted(set(levels))

    @field_validator("channels")
    @classmethod
    def _channels_valid(cls, channels: list[int]) -> list[int]:
        if not channels or any(c < 1 for c in channels):
            raise ValueError(f"channels must be a non-empty list of positive widths, got {channels}")
        return channels

    @field_validator("distortions")
    @classmethod
    def _distortions_valid(cls, names: Optional[list[str]]) -> Optional[list[str]]:
        if names is not None and not names:
            raise ValueError("distortions must name at least one distortion (or be None for all)")
        return names

    @model_validator(mode="after")
    def _fractions_leave_training(self) -> "AssistantConfig":
        if self.val_fraction + self.test_fraction >= 1.0:
            raise ValueError(
                f"val_fraction + test_fraction = {self.val_fraction + self.test_fraction} leaves "
                "no reference for training"
            )
        return self

    def distortion_names(self, registry=None) -> list[str]:
        """The configured names, checked against ``registry`` (default: the built-ins and
        installed plugins), all of it when None."""
        from iqa_datagen.distortions import active_registry
        known = (registry or active_registry()).names()
        if self.distortions is None:
            return known
        unknown = [n for n in self.distortions if n not in known]
        if unknown:
            raise ValueError(f"AssistantConfig.distortions: unknown names {unknown}; known: {known}")
        return list(dict.fromkeys(self.distortions))

    @property
    def uses_panel(self) -> bool:
        """Whether the model takes the panel's values (full reference with ``panel_input``)."""
        return self.setting == "full_reference" and self.panel_input

    @property
    def uses_pairwise(self) -> bool:
        """Whether the model judges the two images of a pair together (no reference only)."""
        return self.setting == "no_reference" and self.pairwise

    def fingerprint(self) -> str:
        """Hash of the fields that must match for a checkpoint to be resumed."""
        data = self.model_dump(exclude=set(RESUMABLE_FIELDS))
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
