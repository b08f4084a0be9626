"""One record schema for every task: typed models for validation and the matching Arrow schema.

A record is one {images, question, response} sample. Images are stored the Hugging Face way
(struct of PNG bytes + path) so ``datasets.load_dataset("parquet", ...)`` decodes them.
"""

from __future__ import annotations

from typing import Literal, Optional

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = "1.1"  # 1.1: quality scores (quality_scoring)
SCHEMA_VERSION_KEY = b"iqa_datagen.schema_version"

Setting = Literal["full_reference", "no_reference"]
ResponseKind = Literal["templated", "detailed"]

SETTINGS: tuple[str, ...] = ("full_reference", "no_reference")
# Level words of the quality scales, lowest first (``seven`` is the labeller's standard).
SCORE_SCALES: dict[str, tuple[str, ...]] = {
    "five": ("bad", "poor", "fair", "good", "excellent"),
    "seven": ("very bad", "poor", "bad", "fair", "good", "excellent", "perfect"),
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ImageField(_Model):
    """An image: lossless PNG bytes and a relative path-like name (HF ``Image`` feature)."""

    bytes: bytes
    path: str


class DistortionLabel(_Model):
    """One applied distortion: what answers state as ground truth."""

    category: str
    name: str
    level: int = Field(ge=1, le=5)
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
    seed: int
    reference_name: Optional[str] = None
    notes: Optional[str] = None


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
    image_a: ImageField
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

        TASKS.get(task)  # UnknownTaskError (a ValueError) names the known tasks
        return task

    @model_validator(mode="after")
    def _images_match_task(self) -> "Record":
        if self.setting == "full_reference" and self.image_ref is None:
            raise ValueError(f"record {self.id}: full_reference setting needs image_ref")
        if self.setting == "no_reference" and self.image_ref is not None:
            raise ValueError(f"record {self.id}: no_reference setting must not carry image_ref")
        from iqa_datagen.tasks import TASKS

        images = TASKS.get(self.task).images
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


_IMAGE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
_LABEL = pa.struct([("category", pa.string()), ("name", pa.string()), ("level", pa.int8()),
                    ("grade", pa.string())])
_TURN = pa.struct([("from", pa.string()), ("value", pa.string())])
_VERDICT = pa.struct([("winner", pa.string()), ("confidence", pa.float32()),
                      ("source", pa.string()), ("overruled", pa.bool_())])
_PROTOCOL = pa.struct([("method", pa.string()), ("raters", pa.int32()),
                       ("original_scale", pa.string())])
_QUALITY = pa.struct([("scale", pa.string()), ("score", pa.float32()), ("level", pa.string()),
                      ("score_std", pa.float32()), ("distribution", pa.list_(pa.float32())),
                      ("score_source", pa.string()), ("protocol", _PROTOCOL),
                      ("instability", pa.float32())])
_PROVENANCE = pa.struct([
    ("source", pa.string()), ("generator", pa.string()), ("generator_version", pa.string()),
    ("prompt_version", pa.string()), ("package_version", pa.string()), ("seed", pa.int64()),
    ("reference_name", pa.string()), ("notes", pa.string()),
])

_HF_FEATURES = {
    "id": {"dtype": "string", "_type": "Value"},
    "task": {"dtype": "string", "_type": "Value"},
    "setting": {"dtype": "string", "_type": "Value"},
    "split": {"dtype": "string", "_type": "Value"},
    "response_kind": {"dtype": "string", "_type": "Value"},
    "reference_id": {"dtype": "string", "_type": "Value"},
    "reference_group": {"dtype": "string", "_type": "Value"},
    "sample_key": {"dtype": "string", "_type": "Value"},
    "image_ref": {"_type": "Image"},
    "image_a": {"_type": "Image"},
    "image_b": {"_type": "Image"},
    "question": {"dtype": "string", "_type": "Value"},
    "response": {"dtype": "string", "_type": "Value"},
    "conversations": [{"from": {"dtype": "string", "_type": "Value"},
                       "value": {"dtype": "string", "_type": "Value"}}],
    "distortions_a": [{"category": {"dtype": "string", "_type": "Value"},
                       "name": {"dtype": "string", "_type": "Value"},
                       "level": {"dtype": "int8", "_type": "Value"},
                       "grade": {"dtype": "string", "_type": "Value"}}],
    "distortions_b": [{"category": {"dtype": "string", "_type": "Value"},
                       "name": {"dtype": "string", "_type": "Value"},
                       "level": {"dtype": "int8", "_type": "Value"},
                       "grade": {"dtype": "string", "_type": "Value"}}],
    "multi_distortion": {"dtype": "bool", "_type": "Value"},
    "verdict": {"winner": {"dtype": "string", "_type": "Value"},
                "confidence": {"dtype": "float32", "_type": "Value"},
                "source": {"dtype": "string", "_type": "Value"},
                "overruled": {"dtype": "bool", "_type": "Value"}},
    "quality": {"scale": {"dtype": "string", "_type": "Value"},
                "score": {"dtype": "float32", "_type": "Value"},
                "level": {"dtype": "string", "_type": "Value"},
                "score_std": {"dtype": "float32", "_type": "Value"},
                "distribution": [{"dtype": "float32", "_type": "Value"}],
                "score_source": {"dtype": "string", "_type": "Value"},
                "protocol": {"method": {"dtype": "string", "_type": "Value"},
                             "raters": {"dtype": "int32", "_type": "Value"},
                             "original_scale": {"dtype": "string", "_type": "Value"}},
                "instability": {"dtype": "float32", "_type": "Value"}},
    "source_record_id": {"dtype": "string", "_type": "Value"},
    "provenance": {k: {"dtype": t, "_type": "Value"} for k, t in [
        ("source", "string"), ("generator", "string"), ("generator_version", "string"),
        ("prompt_version", "string"), ("package_version", "string"), ("seed", "int64"),
        ("reference_name", "string"), ("notes", "string")]},
}


def arrow_schema() -> pa.Schema:
    """The Arrow schema of a record file, with the HF features and schema version in metadata."""
    import json

    fields = [
        pa.field("id", pa.string(), nullable=False),
        pa.field("task", pa.string(), nullable=False),
        pa.field("setting", pa.string(), nullable=False),
        pa.field("split", pa.string(), nullable=False),
        pa.field("response_kind", pa.string(), nullable=False),
        pa.field("reference_id", pa.string(), nullable=False),
        pa.field("reference_group", pa.string()),
        pa.field("sample_key", pa.string()),
        pa.field("image_ref", _IMAGE),
        pa.field("image_a", _IMAGE, nullable=False),
        pa.field("image_b", _IMAGE),
        pa.field("question", pa.string(), nullable=False),
        pa.field("response", pa.string(), nullable=False),
        pa.field("conversations", pa.list_(_TURN), nullable=False),
        pa.field("distortions_a", pa.list_(_LABEL), nullable=False),
        pa.field("distortions_b", pa.list_(_LABEL), nullable=False),
        pa.field("multi_distortion", pa.bool_(), nullable=False),
        pa.field("verdict", _VERDICT),
        pa.field("quality", _QUALITY),
        pa.field("source_record_id", pa.string()),
        pa.field("provenance", _PROVENANCE, nullable=False),
    ]
    metadata = {
        b"huggingface": json.dumps({"info": {"features": _HF_FEATURES}}).encode(),
        SCHEMA_VERSION_KEY: SCHEMA_VERSION.encode(),
    }
    return pa.schema(fields, metadata=metadata)


class SchemaVersionError(ValueError):
    """A Parquet file was written with another schema version."""


def check_schema_version(metadata: dict | None, where: str) -> None:
    """Raise SchemaVersionError naming ``where`` unless the metadata has this SCHEMA_VERSION."""
    found = (metadata or {}).get(SCHEMA_VERSION_KEY)
    found = found.decode() if isinstance(found, bytes) else found
    if found != SCHEMA_VERSION:
        raise SchemaVersionError(
            f"{where}: schema version {found!r} is not supported; this iqa-datagen reads "
            f"{SCHEMA_VERSION!r} (rebuild the dataset or use a matching iqa-datagen version)"
        )
