"""The dataset record schema (pydantic models + Arrow schema) and its version."""

from .record import (PAIRED_TASKS, SCHEMA_VERSION, SCHEMA_VERSION_KEY, SETTINGS, TASKS,
                     DistortionLabel, ImageField, Provenance, Record, SchemaVersionError, Turn,
                     Verdict, arrow_schema, check_schema_version)

__all__ = ["PAIRED_TASKS", "SCHEMA_VERSION", "SCHEMA_VERSION_KEY", "SETTINGS", "TASKS",
           "DistortionLabel", "ImageField", "Provenance", "Record", "SchemaVersionError", "Turn",
           "Verdict", "arrow_schema", "check_schema_version"]
