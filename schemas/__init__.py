"""The dataset record schema (pydantic models, and the Arrow schema derived from them) and its
version."""

from .record import (READABLE_VERSIONS, SCHEMA_VERSION, SCHEMA_VERSION_KEY, SCORE_SCALES,
                     SETTINGS, Camera, DistortionLabel, ImageField, Processing, Provenance,
                     QualityScore, RatingProtocol, Record, RecordContext, SchemaVersionError,
                     ScoreProtocol, Setting, Turn, Verdict, Viewing, arrow_schema,
                     check_schema_version, schema_version_of)

__all__ = ["READABLE_VERSIONS", "SCHEMA_VERSION", "SCHEMA_VERSION_KEY", "SCORE_SCALES",
           "SETTINGS", "Camera", "DistortionLabel", "ImageField", "Processing", "Provenance",
           "QualityScore", "RatingProtocol", "Record", "RecordContext", "SchemaVersionError",
           "ScoreProtocol", "Setting", "Turn", "Verdict", "Viewing", "arrow_schema", "check_schema_version",
           "schema_version_of"]
