"""iqa-datagen: instruction-tuning datasets for descriptive image quality assessment.

This package holds the glue (CLI, configuration, seeding, storage, the assistant model); the
distortion library, record schema, generators and Prefect flows are its subpackages
``iqa_datagen.distortions``, ``.schemas``, ``.generators`` and ``.flows``, kept in the
repository's top-level folders of those names (see pyproject.toml's ``package-dir``).
"""

__version__ = "0.1.0"
