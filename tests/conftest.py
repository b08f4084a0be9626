"""Shared fixtures: small natural images from skimage.data (shipped offline) and test plugins."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PLUGINS_DIR = Path(__file__).parent / "plugins"
if str(PLUGINS_DIR) not in sys.path:
    sys.path.insert(0, str(PLUGINS_DIR))


@pytest.fixture(scope="session")
def natural_image() -> np.ndarray:
    """A 224×336 natural colour image."""
    from iqa_datagen.distortions.images import builtin_reference, resize_short_side

    return resize_short_side(builtin_reference("coffee"), 224)


@pytest.fixture(scope="session")
def prefect_server():
    """A throwaway Prefect server and database for the flow tests (nothing touches ~/.prefect)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=300):  # a loaded 2-core CI machine is slow
        yield
