"""The record schema has one definition: the pydantic models. The Arrow schema and the Hugging
Face features derived from them must agree with the models and with each other."""

from __future__ import annotations

import json
import typing
from typing import Optional

import datasets
import pyarrow as pa
import pytest
from pydantic import BaseModel

from iqa_datagen.schemas import (Camera, DistortionLabel, ImageField, Processing, Provenance,
                                 QualityScore, RatingProtocol, Record, RecordContext,
                                 ScoreProtocol, Turn, Verdict, Viewing, arrow_schema)
from iqa_datagen.schemas.arrow import Arrow, arrow_type, hf_features

IMAGE_COLUMNS = ("image_ref", "image_a", "image_b")


def _features_in_metadata(schema: pa.Schema) -> datasets.Features:
    return datasets.Features.from_dict(json.loads(schema.metadata[b"huggingface"])["info"]["features"])


def test_hf_features_are_what_hugging_face_derives_from_the_arrow_schema():
    """HF's own reading of the bare Arrow schema, images aside, equals the stored features."""
    schema = arrow_schema()
    ours = _features_in_metadata(schema)
    theirs = datasets.Features.from_arrow_schema(schema.remove_metadata())
    for column in IMAGE_COLUMNS:
        assert ours[column] == datasets.Image()
        theirs[column] = datasets.Image()
    assert list(ours) == schema.names
    assert ours == theirs


def test_hf_features_store_as_the_arrow_schema():
    schema = arrow_schema()
    stored = _features_in_metadata(schema).arrow_schema
    assert [(f.name, f.type) for f in stored] == [(f.name, f.type) for f in schema]


def _walk(model: type[BaseModel], struct: pa.DataType | pa.Schema, where: str) -> None:
    """Every model field has the same-named Arrow field, in order, and nothing more."""
    names = [info.alias or name for name, info in model.model_fields.items()]
    arrow_names = [f.name for f in struct]
    assert names == arrow_names, where
    for name, info in model.model_fields.items():
        field = struct.field(info.alias or name)
        bare = info.annotation
        optional = type(None) in typing.get_args(bare)
        if optional:
            bare = next(a for a in typing.get_args(bare) if a is not type(None))
        if isinstance(struct, pa.Schema):  # top level: required exactly when not Optional
            assert field.nullable == optional, f"{where}.{field.name}"
        if typing.get_origin(bare) is list:
            bare = typing.get_args(bare)[0]
            assert pa.types.is_list(field.type), f"{where}.{field.name}"
            inner = field.type.value_type
        else:
            inner = field.type
        if isinstance(bare, type) and issubclass(bare, BaseModel):
            assert pa.types.is_struct(inner), f"{where}.{field.name}"
            _walk(bare, inner, f"{where}.{field.name}")


def test_arrow_schema_has_every_model_field():
    _walk(Record, arrow_schema(), "Record")


def _image(name: str) -> ImageField:
    return ImageField(bytes=b"\x89PNG" + name.encode(), path=f"{name}.png")


def _full_record() -> Record:
    """A record with every optional field set, nested ones included."""
    question = "<image> <image> <image> Which image is better?"
    return Record(
        id="r1", task="comparison_reasoning", setting="full_reference", split="train",
        response_kind="detailed", reference_id="ref", reference_group="g", sample_key="ref:c:0",
        image_ref=_image("ref"), image_a=_image("a"), image_b=_image("b"),
        question=question, response="Image B is better.",
        conversations=[Turn(**{"from": "human", "value": question}),
                       Turn(**{"from": "gpt", "value": "Image B is better."})],
        distortions_a=[DistortionLabel(category="noise", name="noise_gaussian_rgb", level=3,
                                       grade="obvious")],
        distortions_b=[DistortionLabel(category="blur", name="blur_gaussian", level=1,
                                       grade="slight")],
        multi_distortion=True,
        verdict=Verdict(winner="B", confidence=0.75, source="mos:kadid10k", overruled=True),
        quality=QualityScore(scale="five", score=2.5, level="fair", score_std=0.25,
                             distribution=[0.0, 0.25, 0.5, 0.25, 0.0], score_source="raw_ratings",
                             protocol=ScoreProtocol(method="2afc", raters=4,
                                                    original_scale="1-5, higher is better"),
                             instability=0.5),
        source_record_id="r0",
        provenance=Provenance(source="builtin", generator="offline", generator_version="1",
                              prompt_version="p3", package_version="0.1.0", seed=2**40,
                              reference_name="ref", notes="n"),
        context=RecordContext(
            source="mos:kadid10k", path="ref.png", distorted_paths=["a.png", "b.png"],
            width=640, height=480, aspect_ratio=1.25,
            camera=Camera(make="m", model="x", exposure_time=0.5, iso=200, focal_length=35.0),
            processing=Processing(colour="none", exif_rotated=True, resized=True, short_side=224,
                                  width=298, height=224, variant="flip"),
            rating=RatingProtocol(protocol="DCR", raters=30, scale="DMOS 1..5",
                                  higher_is_better=False, notes="n"),
            viewing=Viewing(display="sRGB", distance="60 cm")),
        stage="perception", chain_id="c1",
    )


def test_a_full_record_round_trips_through_arrow():
    record = _full_record()
    table = pa.Table.from_pylist([record.to_row()], schema=arrow_schema())
    assert Record.model_validate(table.to_pylist()[0]) == record


def test_fields_say_how_they_are_stored():
    assert arrow_schema().field("distortions_a").type.value_type.field("level").type == pa.int8()
    assert arrow_schema().field("provenance").type.field("seed").type == pa.int64()
    assert arrow_type(Optional[typing.Annotated[int, Arrow(pa.int16())]]) == pa.int16()
    assert hf_features(ImageField) == {"bytes": {"dtype": "binary", "_type": "Value"},
                                       "path": {"dtype": "string", "_type": "Value"}}
    with pytest.raises(TypeError, match="no Arrow type"):
        arrow_type(dict[str, int])
