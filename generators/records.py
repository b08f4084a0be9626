"""Assembling validated Record objects from the pieces a sample produced."""

from __future__ import annotations

import hashlib
from typing import Optional, Sequence

from iqa_datagen import __version__
from iqa_datagen.seeding import stable_id
from iqa_datagen.schemas import (DistortionLabel, ImageField, Provenance, QualityScore, Record,
                                 Turn, Verdict)


def image_field(png: bytes, name: str) -> ImageField:
    return ImageField(bytes=png, path=name)


def labels(items: Sequence[dict]) -> list[DistortionLabel]:
    return [d if isinstance(d, DistortionLabel) else DistortionLabel(**d) for d in items]


def conversation(question: str, response: str) -> list[Turn]:
    return [Turn(**{"from": "human", "value": question}), Turn(**{"from": "gpt", "value": response})]


def make_record(*, seed: int, key: str, task: str, setting: str, split: str, response_kind: str,
                reference_id: str, image_a: ImageField, question: str, response: str,
                provenance: Provenance, image_ref: Optional[ImageField] = None,
                image_b: Optional[ImageField] = None,
                distortions_a: Sequence[DistortionLabel] = (),
                distortions_b: Sequence[DistortionLabel] = (),
                verdict: Optional[Verdict] = None,
                quality: Optional[QualityScore] = None,
                source_record_id: Optional[str] = None,
                reference_group: Optional[str] = None) -> Record:
    """A record whose id is derived from the seed, the sample key, the setting and the content."""
    rid = record_id(seed, key, task, setting, image_a.bytes,
                    image_b.bytes if image_b else None, question, response)
    return Record(
        id=rid, task=task, setting=setting, split=split, response_kind=response_kind,
        reference_id=reference_id, reference_group=reference_group, sample_key=key,
        image_ref=image_ref if setting == "full_reference" else None,
        image_a=image_a, image_b=image_b, question=question, response=response,
        conversations=conversation(question, response),
        distortions_a=list(distortions_a), distortions_b=list(distortions_b),
        multi_distortion=max(len(distortions_a), len(distortions_b)) > 1,
        verdict=verdict, quality=quality, source_record_id=source_record_id,
        provenance=provenance,
    )


def record_id(seed: int, key: str, task: str, setting: str, image_a: bytes,
              image_b: Optional[bytes], question: str, response: str) -> str:
    """Stable id: the same sample with the same content always gets the same id."""
    content = stable_id(len(image_a), hash_bytes(image_a), hash_bytes(image_b) if image_b else "",
                        question, response)
    return stable_id(seed, key, task, setting, content)


def provenance(*, source: str, generator: str, generator_version: str, seed: int,
               reference_name: str | None = None, prompt_version: str | None = None,
               notes: str | None = None) -> Provenance:
    return Provenance(source=source, generator=generator, generator_version=generator_version,
                      prompt_version=prompt_version, package_version=__version__, seed=seed,
                      reference_name=reference_name, notes=notes)


def hash_bytes(data: bytes) -> str:
    """A short content digest of bytes (image identity inside record ids)."""
    return hashlib.blake2b(data, digest_size=8).hexdigest()
