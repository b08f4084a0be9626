"""The two settings a record is judged in: against the reference image or without it.

Defined here, free of heavy imports, so the command line can offer them without loading the
record schema (``iqa_datagen.schemas`` re-exports both names).
"""

from __future__ import annotations

import typing
from typing import Literal

Setting = Literal["full_reference", "no_reference"]
SETTINGS: tuple[str, ...] = typing.get_args(Setting)  # the one list of settings
