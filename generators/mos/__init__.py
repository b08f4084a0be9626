"""MOS datasets for instant rating: adapters for published layouts, pairs, raw ratings → MOS.

    load_mos(kind, root, **opts) -> list[MosEntry]
    load_mos_pairs(kind, root, seed, tie_margin=0.0, max_pairs_per_reference=None, **opts)
        -> list[MosPair]
    make_pairs(entries, seed, tie_margin=0.0, max_pairs_per_reference=None) -> list[MosPair]
    load_bapps_pairs(root, seed, tie_margin=0.0, max_pairs=None) -> list[MosPair]
    raw_to_mos(ratings, screen=True, screen_on="z", rescale="linear") -> MosResult
    scale_entries(entries, scale="five", cuts=None) -> list[ScaledScore]  (per-dataset z-score)
    mos_kinds(), register_mos_kind(name, loader, pairs=False)
"""

from .bapps import load_bapps_pairs
from .datasets import (KADID_DISTORTIONS, TID2013_DISTORTIONS, load_csiq, load_generic_csv,
                       load_kadid10k, load_livemd, load_pipal, load_raw_ratings_csv,
                       load_tid2013)
from .labeller import load_labeller_csv
from .mdid2013 import load_mdid2013
from .pairs import balanced_winner_positions, make_pairs
from .ratings import MosResult, bt500_rejections, raw_to_mos
from .registry import (MOS_KINDS, MosKind, load_mos, load_mos_pairs, mos_kind, mos_kinds,
                       register_mos_kind)
from .scale import (SCALES, DatasetStandard, ScaledScore, fit_standards, scale_entries,
                    scale_entry, scale_levels)
from .types import MosEntry, MosFormatError, MosPair

__all__ = [
    "KADID_DISTORTIONS", "MOS_KINDS", "TID2013_DISTORTIONS", "MosEntry", "MosFormatError",
    "MosKind", "MosPair",
    "MosResult", "balanced_winner_positions", "bt500_rejections", "load_bapps_pairs",
    "load_csiq", "load_generic_csv", "load_kadid10k", "load_labeller_csv", "load_livemd",
    "load_mdid2013", "load_mos",
    "load_mos_pairs", "load_pipal", "load_raw_ratings_csv", "load_tid2013", "make_pairs",
    "mos_kind", "mos_kinds", "raw_to_mos", "register_mos_kind", "SCALES", "DatasetStandard", "ScaledScore",
    "fit_standards", "scale_entries", "scale_entry", "scale_levels",
]
