"""How each MOS dataset kind collected its human judgements: method, raters, scale.

Records derived from a MOS dataset carry this as ``context.rating`` so a model (or a reader)
knows what the label means: which protocol (ACR, DCR or a two-alternative forced choice), how
many ratings per image where the dataset's paper states it, and the score's scale. The direction
(higher or lower is better) always comes from the pair itself. A ``mos`` config entry can
override or fill any of these (``protocol``, ``raters``, ``scale``), e.g. for a ``csv`` source.
"""

from __future__ import annotations

from typing import Optional

from iqa_datagen.schemas import RatingProtocol

# kind -> (protocol, ratings per image, scale, notes)
KNOWN: dict[str, tuple[Optional[str], Optional[int], str, Optional[str]]] = {
    "kadid10k": ("DCR", 30, "mean degradation category rating 1..5",
                 "crowdsourced, degradation relative to the shown reference"),
    "pipal": ("2AFC", None, "Elo rating from paired comparisons", None),
    "bapps": ("2AFC", None, "share of viewers preferring the image, 0..1",
              "which of two distorted patches is closer to the reference"),
    "tid2013": ("2AFC", None, "MOS 0..9 from paired comparisons",
                "which of two distorted images is closer to the shown reference"),
    "livemd": (None, None, "DMOS 0..100",
               "single stimulus with hidden reference on a continuous scale"),
    "csiq": (None, None, "DMOS 0..1",
             "images arranged side by side across monitors and placed by quality"),
    "csv": (None, None, "score as given in the CSV", None),
    "raw_csv": (None, None, "MOS from raw ratings (per-subject z-scores, rescaled)", None),
}


def rating_protocol(kind: str, higher_is_better: bool, *, protocol: Optional[str] = None,
                    raters: Optional[int] = None, scale: Optional[str] = None) -> RatingProtocol:
    """The protocol of a MOS kind, with any configured value taking precedence."""
    known_protocol, known_raters, known_scale, notes = KNOWN.get(kind, (None, None, "", None))
    return RatingProtocol(protocol=protocol or known_protocol,
                          raters=raters if raters is not None else known_raters,
                          scale=scale or known_scale or "score as given by the source",
                          higher_is_better=higher_is_better, notes=notes)
