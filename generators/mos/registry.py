"""The MOS dataset kinds by name, and the two entry points the pipeline calls.

``load_mos(kind, root, **opts)`` gives rated images for kinds that rate single images;
``load_mos_pairs(kind, root, seed, ...)`` gives instant-rating pairs for every kind: pair
datasets (BAPPS) directly, the rest through ``make_pairs``. New kinds register with
``register_mos_kind``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from .bapps import load_bapps_pairs
from .datasets import (load_csiq, load_generic_csv, load_kadid10k, load_livemd, load_pipal,
                       load_raw_ratings_csv, load_tid2013)
from .labeller import load_labeller_csv
from .pairs import make_pairs
from .types import MosEntry, MosPair

EntryLoader = Callable[..., list[MosEntry]]
PairLoader = Callable[..., list[MosPair]]

ENTRY_KINDS: dict[str, EntryLoader] = {
    "kadid10k": load_kadid10k,
    "pipal": load_pipal,
    "tid2013": load_tid2013,
    "livemd": load_livemd,
    "csiq": load_csiq,
    "csv": load_generic_csv,
    "raw_csv": load_raw_ratings_csv,
    "labeller": load_labeller_csv,
}
PAIR_KINDS: dict[str, PairLoader] = {"bapps": load_bapps_pairs}
ALIASES = {"kadid": "kadid10k", "kadid-10k": "kadid10k", "tid": "tid2013", "live-md": "livemd",
           "live_md": "livemd", "bapps2afc": "bapps", "bapps_2afc": "bapps"}


def _canonical(kind: str) -> str:
    key = str(kind).strip().lower()
    return ALIASES.get(key, key)


def mos_kinds() -> list[str]:
    """Every registered kind."""
    return sorted(set(ENTRY_KINDS) | set(PAIR_KINDS))


def register_mos_kind(name: str, loader: Callable, *, pairs: bool = False) -> None:
    """Add a kind: an entry loader ``(root, **opts) -> list[MosEntry]`` or, with ``pairs``, a
    pair loader ``(root, seed, tie_margin=..., **opts) -> list[MosPair]``."""
    key = _canonical(name)
    if key in ENTRY_KINDS or key in PAIR_KINDS:
        raise ValueError(f"MOS kind {name!r} is already registered")
    (PAIR_KINDS if pairs else ENTRY_KINDS)[key] = loader


def load_mos(kind: str, root: Path, **opts) -> list[MosEntry]:
    """Rated images of one dataset (see each loader for its layout and options)."""
    key = _canonical(kind)
    if key in PAIR_KINDS:
        raise ValueError(f"MOS kind {kind!r} holds judged pairs, not rated images: "
                         "use load_mos_pairs")
    if key not in ENTRY_KINDS:
        raise ValueError(f"unknown MOS kind {kind!r}; known: {mos_kinds()}")
    return ENTRY_KINDS[key](Path(root), **opts)


def load_mos_pairs(kind: str, root: Path, seed: int, tie_margin: float = 0.0,
                   max_pairs_per_reference: Optional[int] = None, **opts) -> list[MosPair]:
    """Instant-rating pairs of one dataset, reproducible from ``seed``."""
    key = _canonical(kind)
    if key in PAIR_KINDS:
        if max_pairs_per_reference is not None:
            raise ValueError(f"MOS kind {kind!r} has one pair per reference; "
                             "max_pairs_per_reference does not apply (use max_pairs=)")
        return PAIR_KINDS[key](Path(root), seed, tie_margin=tie_margin, **opts)
    return make_pairs(load_mos(key, root, **opts), seed, tie_margin=tie_margin,
                      max_pairs_per_reference=max_pairs_per_reference)
