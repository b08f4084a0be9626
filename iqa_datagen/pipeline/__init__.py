"""The build pipeline as plain functions over shards; flows/ orchestrates them with Prefect.

``pipeline.build(config, out)`` runs a whole build in this process without Prefect and gives
the same dataset as the ``build_dataset`` flow (see ``pipeline.run``).
"""


def build(config=None, out: str = "dataset", resume: bool = True, overwrite: bool = False) -> dict:
    """Build the dataset of ``config`` (BuildConfig, dict, config file or None) in ``out``."""
    from iqa_datagen.pipeline.run import build as run_build

    return run_build(config, out, resume=resume, overwrite=overwrite)
