"""The dataset record schema (pydantic models + Arrow schema) and its version."""

from .record import (READABLE_VERSIONS, SCHEMA_VERSION, SCHEMA_VERSION_KEY, SETTINGS, Camera,
                     DistortionLabel, ImageField, Processing, Provenance, RatingProtocol, Record,
                     RecordContext, SchemaVersionError, Turn, Verdict, Viewing, arrow_schema,
                     check_schema_version, schema_version_of)

__all__ = ["READABLE_VERSIONS", "SCHEMA_VERSION", "SCHEMA_VERSION_KEY", "SETTINGS", "Camera",
           "DistortionLabel", "ImageField", "Processing", "Provenance", "RatingProtocol",
           "Record", "RecordContext", "SchemaVersionError", "Turn", "Verdict", "Viewing",
           "arrow_schema", "check_schema_version", "schema_version_of"]
