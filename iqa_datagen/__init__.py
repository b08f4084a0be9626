"""iqa-datagen: instruction-tuning datasets for descriptive image quality assessment.

This package holds the glue (CLI, configuration, seeding, storage, the assistant model); the
distortion library, record schema, generators and Prefect flows are the top-level packages
``distortions``, ``schemas``, ``generators`` and ``flows``.
"""

__version__ = "0.1.0"
