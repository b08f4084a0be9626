"""One record schema for every task: the typed models, and the Arrow schema derived from them.

A record is one {images, question, response} sample. The models below are the only definition:
the Arrow schema and the Hugging Face features both follow from them (``schemas.arrow``).
Images are stored the Hugging Face way (struct of PNG bytes + path) so
``datasets.load_dataset("parquet", ...)`` decodes them.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal, Optional

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from iqa_datagen.settings import SETTINGS, Setting  # noqa: F401 (re-exported)

from .arrow import Arrow, arrow_fields, hf_features

# 1.1: quality scores (quality_scoring); 1.2: record context and two-stage stage/chain_id
SCHEMA_VERSION = "1.2"
SCHEMA_VERSION_KEY = b"iqa_datagen.schema_version"
# Earlier versions this one still reads, and the columns each lacks (read back as nulls).
READABLE_VERSIONS: dict[str, tuple[str, ...]] = {
    "1.0": ("quality", "context", "stage", "chain_id"),
    "1.1": ("context", "stage", "chain_id"),
}

ResponseKind = Literal["templated", "detailed"]
Stage = Literal["perception", "inference"]

# Level words of the quality scales, lowest first (``seven`` is the labeller's standard).
SCORE_SCALES: dict[str, tuple[str, ...]] = {
    "five": ("bad", "poor", "fair", "good", "excellent"),
    "seven": ("very bad", "poor", "bad", "fair", "good", "excellent", "perfect"),
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ImageField(_Model):
    """An image: lossless PNG bytes and a relative path-like name (HF ``Image`` feature)."""

    __hf_feature__ = {"_type": "Image"}
    bytes: bytes
    path: str


class DistortionLabel(_Model):
    """One applied distortion: what answers state as ground truth."""

    category: str
    name: str
    level: Annotated[int, Arrow(pa.int8())] = Field(ge=1, le=5)
    grade: str


class Turn(_Model):
    """One conversation turn, LLaVA style."""

    from_: Literal["human", "gpt"] = Field(alias="from")
    value: str

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Verdict(_Model):
    """Which image of a pair is better, how sure, and where that came from."""

    winner: Literal["A", "B"]
    confidence: Optional[float] = Field(default=None, ge=0.0, le=1.0)
    source: str  # "mos:<dataset>", "library_levels", "assistant", ...
    overruled: bool = False  # the LLM explicitly disagreed with a stated verdict


class ScoreProtocol(_Model):
    """How a quality score was obtained: the rating method, how many ratings, on which scale."""

    # single_stimulus / double_stimulus / 2afc (human studies), model (an LLM labeller);
    # None where the source does not say or no study was run (library scores).
    method: Optional[Literal["single_stimulus", "double_stimulus", "2afc", "model"]] = None
    raters: Optional[int] = Field(default=None, ge=1)  # ratings behind the score, where known
    original_scale: str  # the source's own scale and direction, in words


class QualityScore(_Model):
    """An image's quality on a level scale (quality_scoring records)."""

    scale: Literal["five", "seven"]
    score: float  # 1 .. number of levels
    level: str  # the level word the answer gives
    score_std: Optional[float] = Field(default=None, ge=0)  # on the same scale, where known
    distribution: list[float] = Field(default_factory=list)  # share per level (lowest first)
    score_source: str  # "mos:<dataset>", "raw_ratings", "labeller" or "library"
    protocol: ScoreProtocol
    # labeller only: share of its repeated whole-image answers that differ from the most common
    instability: Optional[float] = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _consistent(self) -> "QualityScore":
        levels = SCORE_SCALES[self.scale]
        if self.level not in levels:
            raise ValueError(f"level {self.level!r} is not on the {self.scale} scale {levels}")
        if not 1.0 <= self.score <= len(levels):
            raise ValueError(f"score {self.score} is outside 1..{len(levels)}")
        if self.distribution and (len(self.distribution) != len(levels)
                                  or abs(sum(self.distribution) - 1.0) > 1e-6):
            raise ValueError(f"distribution must hold {len(levels)} shares summing to 1")
        if not self.score_source.startswith(("mos:", "raw_ratings", "labeller", "library")):
            raise ValueError(f"unknown score_source {self.score_source!r}")
        return self


class Provenance(_Model):
    """Where a record came from and with which versions."""

    source: str  # reference-set name or MOS dataset
    generator: str  # "template", "offline", "llm:<model>", "gt_expansion", ...
    generator_version: str
    prompt_version: Optional[str] = None
    package_version: str
    seed: Annotated[int, Arrow(pa.int64())]
    reference_name: Optional[str] = None
    notes: Optional[str] = None


class Camera(_Model):
    """EXIF camera settings of the reference file, each None where the file does not say."""

    make: Optional[str] = None
    model: Optional[str] = None
    exposure_time: Optional[float] = None  # seconds
    iso: Optional[int] = None
    focal_length: Optional[float] = None  # millimetres


class Processing(_Model):
    """What was done to the reference before distortion: colour conversion and resizing."""

    colour: str  # how the file's pixels became 8-bit RGB ("none" when they already were)
    exif_rotated: bool = False
    resized: bool = False
    short_side: Optional[int] = None  # the configured short side (None: not limited)
    width: int  # the reference as used, in pixels
    height: int
    variant: Optional[str] = None  # a derived copy of a built-in image (flip and crop)


class RatingProtocol(_Model):
    """How the human judgements behind a MOS-derived record were collected."""

    protocol: Optional[Literal["ACR", "DCR", "2AFC"]] = None  # None where none of these fits
    raters: Optional[int] = None  # ratings per image, where the study states it
    scale: str  # the dataset's own score and range, e.g. "DMOS 1..5"
    higher_is_better: bool
    notes: Optional[str] = None


class Viewing(_Model):
    """Viewing conditions the labels assume (from the build config's documented defaults)."""

    display: str
    distance: str


class RecordContext(_Model):
    """Where a record's reference came from, how it was prepared and under which assumptions
    it is judged. Paths are relative to the source: never a path of the building machine."""

    source: str  # reference folder name, "skimage.data" or "mos:<dataset>"
    path: str  # the reference's file path relative to that source
    distorted_paths: list[str] = Field(default_factory=list)  # MOS images A and B, relative
    width: int  # the original file's size, upright
    height: int
    aspect_ratio: float
    camera: Camera = Field(default_factory=Camera)
    processing: Processing
    rating: Optional[RatingProtocol] = None  # MOS-derived records only
    viewing: Viewing


class Record(_Model):
    """A dataset record; validation enforces what must hold for every task."""

    id: str
    task: str  # a registered task's name (``iqa_datagen.tasks.TASKS``)
    setting: Setting
    split: str
    response_kind: ResponseKind
    reference_id: str
    reference_group: Optional[str] = None  # references sharing a group always share a split
    sample_key: Optional[str] = None  # the sample's identity in its build ("<ref>:<task>:<i>")
    image_ref: Optional[ImageField] = None
    image_a: Optional[ImageField] = None  # absent only in text-only inference records
    image_b: Optional[ImageField] = None
    question: str = Field(min_length=1)
    response: str = Field(min_length=1)
    conversations: list[Turn]
    distortions_a: list[DistortionLabel] = Field(default_factory=list)
    distortions_b: list[DistortionLabel] = Field(default_factory=list)
    multi_distortion: bool = False
    verdict: Optional[Verdict] = None
    quality: Optional[QualityScore] = None
    source_record_id: Optional[str] = None
    provenance: Provenance
    context: Optional[RecordContext] = None  # always set by builds; None only in schema 1.0 data
    # Two-stage reasoning: a perception record (images → visible attributes, no verdict) and an
    # inference record (that description as text → the verdict) share a chain_id; the
    # inference record's source_record_id is the perception record. None: a one-stage record.
    stage: Optional[Stage] = None
    chain_id: Optional[str] = None

    @field_validator("conversations")
    @classmethod
    def _two_or_more_turns(cls, turns: list[Turn]) -> list[Turn]:
        if len(turns) < 2 or turns[0].from_ != "human" or turns[-1].from_ != "gpt":
            raise ValueError("conversations must start with a human turn and end with a gpt turn")
        return turns

    @field_validator("task")
    @classmethod
    def _registered_task(cls, task: str) -> str:
        from iqa_datagen.tasks import TASKS  # the tasks import this module

        if not TASKS.get(task).own_records:  # UnknownTaskError names the known tasks
            raise ValueError(f"task {task!r} makes records of other tasks; a record's task is "
                             f"one of {', '.join(TASKS.record_tasks())}")
        return task

    @model_validator(mode="after")
    def _images_match_task(self) -> "Record":
        from iqa_datagen.tasks import TASKS

        task = TASKS.get(self.task)
        if self.stage is not None:
            if task.kind != "detailed" or self.chain_id is None:
                raise ValueError(f"record {self.id}: stage {self.stage!r} needs a chain_id and "
                                 f"a detailed task, not {self.task}")
            if self.stage == "inference":
                if self.image_ref or self.image_a or self.image_b or not self.source_record_id:
                    raise ValueError(f"record {self.id}: an inference record is text only and "
                                     f"points at its perception record (source_record_id)")
                if task.paired and self.verdict is None:
                    raise ValueError(f"record {self.id}: task {self.task} needs a verdict")
                return self
        elif self.chain_id is not None:
            raise ValueError(f"record {self.id}: chain_id without a stage")
        if self.image_a is None:
            raise ValueError(f"record {self.id}: task {self.task} needs image_a")
        if self.setting == "full_reference" and self.image_ref is None:
            raise ValueError(f"record {self.id}: full_reference setting needs image_ref")
        if self.setting == "no_reference" and self.image_ref is not None:
            raise ValueError(f"record {self.id}: no_reference setting must not carry image_ref")
        images = task.images
        paired = images == 2
        if paired and self.image_b is None:
            raise ValueError(f"record {self.id}: task {self.task} needs image_b")
        if images == 1 and self.image_b:
            raise ValueError(f"record {self.id}: task {self.task} takes one image")
        if paired and self.verdict is None:
            raise ValueError(f"record {self.id}: task {self.task} needs a verdict")
        return self

    def to_row(self) -> dict:
        """Plain dict in the Arrow schema's layout."""
        row = self.model_dump(by_alias=True)
        return row


def arrow_schema() -> pa.Schema:
    """The Arrow schema of a record file, derived from ``Record`` (``schemas.arrow``), with the
    Hugging Face features (derived from the same models) and the schema version in metadata."""
    metadata = {
        b"huggingface": json.dumps({"info": {"features": hf_features(Record)}}).encode(),
        SCHEMA_VERSION_KEY: SCHEMA_VERSION.encode(),
    }
    return pa.schema(arrow_fields(Record), metadata=metadata)


class SchemaVersionError(ValueError):
    """A Parquet file was written with another schema version."""


def schema_version_of(metadata: dict | None) -> Optional[str]:
    """The schema version a file's metadata records (None when it records none)."""
    found = (metadata or {}).get(SCHEMA_VERSION_KEY)
    return found.decode() if isinstance(found, bytes) else found


def check_schema_version(metadata: dict | None, where: str) -> str:
    """The file's schema version; SchemaVersionError naming ``where`` unless it is this
    SCHEMA_VERSION or one this version still reads (READABLE_VERSIONS)."""
    found = schema_version_of(metadata)
    if found != SCHEMA_VERSION and found not in READABLE_VERSIONS:
        readable = ", ".join(repr(v) for v in [SCHEMA_VERSION, *READABLE_VERSIONS])
        raise SchemaVersionError(
            f"{where}: schema version {found!r} is not supported; this iqa-datagen reads "
            f"{readable} (rebuild the dataset or use a matching iqa-datagen version)"
        )
    return found
