"""The Arrow schema and the Hugging Face features, both derived from the pydantic record models.

The models in ``record.py`` are the one definition of a record. A field's Arrow type follows
from its Python type (``str`` → string, ``bool`` → bool, ``int`` → int32, ``float`` → float32,
``bytes`` → binary, ``list[X]`` → list, a model → struct, ``Literal`` of strings → string); a
field stored otherwise says so with ``Annotated[int, Arrow(pa.int8())]``. A model that Hugging
Face decodes as one feature (an image) names that feature in ``__hf_feature__``.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, Union

import pyarrow as pa
from pydantic import BaseModel


@dataclass(frozen=True)
class Arrow:
    """Field metadata: store the field as ``type`` instead of its Python type's default."""

    type: pa.DataType


_DEFAULTS: dict[type, pa.DataType] = {str: pa.string(), bool: pa.bool_(), int: pa.int32(),
                                      float: pa.float32(), bytes: pa.binary()}
_HF_DTYPES = {"float": "float32", "double": "float64"}  # Arrow's names that HF spells otherwise


def _optional(annotation: Any) -> tuple[Any, bool]:
    """``(X, True)`` for ``Optional[X]``, else ``(annotation, False)``."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"a record field is one type or Optional of one: {annotation!r}")
        return args[0], len(args) < len(typing.get_args(annotation))
    return annotation, False


def _parts(annotation: Any, metadata: tuple = ()) -> tuple[Any, tuple]:
    """The bare type and its metadata, with ``Optional`` and ``Annotated`` taken off."""
    annotation, _ = _optional(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        bare, *extra = typing.get_args(annotation)
        return _parts(bare, (*metadata, *extra))
    return annotation, metadata


def _fields(model: type[BaseModel]):
    """``(column name, annotation, metadata)`` of each model field, in declaration order."""
    for name, info in model.model_fields.items():
        yield info.alias or name, info.annotation, tuple(info.metadata)


def arrow_type(annotation: Any, metadata: tuple = ()) -> pa.DataType:
    """The Arrow type that stores a field of this annotation."""
    bare, metadata = _parts(annotation, metadata)
    chosen = [m.type for m in metadata if isinstance(m, Arrow)]
    if chosen:
        return chosen[0]
    origin = typing.get_origin(bare)
    if origin is Literal:
        if not all(isinstance(v, str) for v in typing.get_args(bare)):
            raise TypeError(f"only string literals map to Arrow: {bare!r}")
        return pa.string()
    if origin is list:
        return pa.list_(arrow_type(typing.get_args(bare)[0]))
    if isinstance(bare, type) and issubclass(bare, BaseModel):
        return pa.struct([pa.field(n, arrow_type(a, m)) for n, a, m in _fields(bare)])
    if bare in _DEFAULTS:
        return _DEFAULTS[bare]
    raise TypeError(f"no Arrow type for {bare!r}: annotate it with Arrow(...)")


def arrow_fields(model: type[BaseModel]) -> list[pa.Field]:
    """A model's top-level columns: required unless Optional (nested fields stay nullable)."""
    return [pa.field(n, arrow_type(a, m), nullable=_optional(a)[1]) for n, a, m in _fields(model)]


def hf_feature(annotation: Any, metadata: tuple = ()) -> Any:
    """The Hugging Face ``features`` entry of a field (``Value``, struct dict, list, image)."""
    bare, metadata = _parts(annotation, metadata)
    if isinstance(bare, type) and issubclass(bare, BaseModel):
        special = getattr(bare, "__hf_feature__", None)
        if special is not None:
            return dict(special)
        return hf_features(bare)
    if typing.get_origin(bare) is list:
        return [hf_feature(typing.get_args(bare)[0])]
    dtype = str(arrow_type(bare, metadata))
    return {"dtype": _HF_DTYPES.get(dtype, dtype), "_type": "Value"}


def hf_features(model: type[BaseModel]) -> dict[str, Any]:
    """The ``features`` dict of a model, column by column."""
    return {n: hf_feature(a, m) for n, a, m in _fields(model)}
