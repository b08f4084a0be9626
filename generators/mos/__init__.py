"""MOS datasets for instant rating: adapters for published layouts, pairs, raw ratings → MOS.

    load_mos(kind, root, **opts) -> list[MosEntry]
    load_mos_pairs(kind, root, seed, tie_margin=0.0, max_pairs_per_reference=None, **opts)
        -> list[MosPair]
    make_pairs(entries, seed, tie_margin=0.0, max_pairs_per_reference=None) -> list[MosPair]
    load_bapps_pairs(root, seed, tie_margin=0.0, max_pairs=None) -> list[MosPair]
    raw_to_mos(ratings, screen=True, screen_on="z", rescale="linear") -> MosResult
    scale_entries(entries, scale="five", cuts=None) -> list[ScaledScore]  (per-dataset z-score)
    mos_kinds(), register_mos_kind(name, loader, pairs=False)

Names are imported on first use: catching ``MosFormatError`` (every command does) loads no
adapter, no score scale and no Arrow schema.
"""

from iqa_datagen.lazy import lazy_exports

_EXPORTS = {
    "load_bapps_pairs": ".bapps",
    **dict.fromkeys(("KADID_DISTORTIONS", "TID2013_DISTORTIONS", "load_csiq", "load_generic_csv",
                     "load_kadid10k", "load_livemd", "load_pipal", "load_raw_ratings_csv",
                     "load_tid2013"), ".datasets"),
    "load_labeller_csv": ".labeller",
    "load_mdid2013": ".mdid2013",
    **dict.fromkeys(("balanced_winner_positions", "make_pairs"), ".pairs"),
    **dict.fromkeys(("MosResult", "bt500_rejections", "raw_to_mos"), ".ratings"),
    **dict.fromkeys(("MOS_KINDS", "MosKind", "load_mos", "load_mos_pairs", "mos_kind",
                     "mos_kinds", "register_mos_kind"), ".registry"),
    **dict.fromkeys(("SCALES", "DatasetStandard", "ScaledScore", "fit_standards",
                     "scale_entries", "scale_entry", "scale_levels"), ".scale"),
    **dict.fromkeys(("MosEntry", "MosFormatError", "MosPair"), ".types"),
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
