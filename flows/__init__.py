"""Prefect flows of iqa-datagen (importable flow objects; run them, serve them, deploy them).

- ``build_dataset``: references → Parquet dataset with manifest and card;
- ``regenerate_splits``: re-split an existing dataset in place (no distortion, no LLM call);
- ``extend_catalogue``: add the samples of newly added distortions to an existing dataset;
- ``train_assistant``: train and evaluate the assistant comparison model.
"""

from flows.build import build_dataset

__all__ = ["build_dataset"]
