"""The dataset record schema (pydantic models + Arrow schema) and its version."""

from .record import (SCHEMA_VERSION, SCHEMA_VERSION_KEY, SCORE_SCALES, SETTINGS, DistortionLabel,
                     ImageField, Provenance, QualityScore, Record, SchemaVersionError,
                     ScoreProtocol, Turn, Verdict, arrow_schema, check_schema_version)

__all__ = ["SCHEMA_VERSION", "SCHEMA_VERSION_KEY", "SCORE_SCALES", "SETTINGS", "DistortionLabel",
           "ImageField", "Provenance", "QualityScore", "Record", "SchemaVersionError",
           "ScoreProtocol", "Turn", "Verdict", "arrow_schema", "check_schema_version"]
