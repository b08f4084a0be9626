"""Prefect flows of iqa-datagen (importable flow objects; run them, serve them, deploy them).

- ``build_dataset``: references → Parquet dataset with manifest and card;
- ``regenerate_splits``: re-split an existing dataset in place (no distortion, no LLM call);
- ``extend_catalogue``: add the samples of newly added distortions to an existing dataset;
- ``train_assistant``: train and evaluate the assistant comparison model.
"""

from iqa_datagen.flows.assistant import train_assistant
from iqa_datagen.flows.build import build_dataset
from iqa_datagen.flows.extend import extend_catalogue
from iqa_datagen.flows.resplit import regenerate_splits

__all__ = ["build_dataset", "extend_catalogue", "regenerate_splits", "train_assistant"]
