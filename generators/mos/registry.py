"""The MOS dataset kinds by name, and the two entry points the pipeline calls.

``load_mos(kind, root, **opts)`` gives rated images for kinds that rate single images;
``load_mos_pairs(kind, root, seed, ...)`` gives instant-rating pairs for every kind: pair
datasets (BAPPS) directly, the rest through ``make_pairs``. New kinds register with
``register_mos_kind``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from iqa_datagen.registries import NamedRegistry

from .bapps import load_bapps_pairs
from .datasets import (load_csiq, load_generic_csv, load_kadid10k, load_livemd, load_pipal,
                       load_raw_ratings_csv, load_tid2013)
from .labeller import load_labeller_csv
from .mdid2013 import load_mdid2013
from .pairs import make_pairs
from .types import MosEntry, MosPair

ENTRY_POINT_GROUP = "iqa_datagen.mos_kinds"
ALIASES = {"kadid": "kadid10k", "kadid-10k": "kadid10k", "tid": "tid2013", "live-md": "livemd",
           "live_md": "livemd", "mdid": "mdid2013", "bapps2afc": "bapps", "bapps_2afc": "bapps"}


@dataclass(frozen=True)
class MosKind:
    """How one kind is read: rated images (``pairs`` False) or judged pairs (True)."""

    loader: Callable
    pairs: bool = False


def _canonical(kind: str) -> str:
    key = str(kind).strip().lower()
    return ALIASES.get(key, key)


MOS_KINDS: NamedRegistry[MosKind] = NamedRegistry("MOS kind", ENTRY_POINT_GROUP, _canonical)
for _name, _loader in (("kadid10k", load_kadid10k), ("pipal", load_pipal),
                       ("tid2013", load_tid2013), ("livemd", load_livemd), ("csiq", load_csiq),
                       ("mdid2013", load_mdid2013),
                       ("csv", load_generic_csv), ("raw_csv", load_raw_ratings_csv),
                       ("labeller", load_labeller_csv)):
    MOS_KINDS.register(_name, MosKind(_loader))
MOS_KINDS.register("bapps", MosKind(load_bapps_pairs, pairs=True))


def mos_kinds() -> list[str]:
    """Every registered kind (entry points of ``iqa_datagen.mos_kinds`` included)."""
    return MOS_KINDS.names()


def register_mos_kind(name: str, loader: Callable, *, pairs: bool = False) -> None:
    """Add a kind: an entry loader ``(root, **opts) -> list[MosEntry]`` or, with ``pairs``, a
    pair loader ``(root, seed, tie_margin=..., **opts) -> list[MosPair]``. An entry point in the
    group ``iqa_datagen.mos_kinds`` names a ``MosKind`` or an entry loader."""
    MOS_KINDS.register(name, MosKind(loader, pairs))


def mos_kind(kind: str) -> MosKind:
    """The registered kind ``kind`` (aliases accepted); ValueError naming the known ones."""
    item = MOS_KINDS.get(kind)
    return item if isinstance(item, MosKind) else MosKind(item)


def load_mos(kind: str, root: Path, **opts) -> list[MosEntry]:
    """Rated images of one dataset (see each loader for its layout and options)."""
    found = mos_kind(kind)
    if found.pairs:
        raise ValueError(f"MOS kind {kind!r} holds judged pairs, not rated images: "
                         "use load_mos_pairs")
    return found.loader(Path(root), **opts)


def load_mos_pairs(kind: str, root: Path, seed: int, tie_margin: float = 0.0,
                   max_pairs_per_reference: Optional[int] = None, **opts) -> list[MosPair]:
    """Instant-rating pairs of one dataset, reproducible from ``seed``."""
    found = mos_kind(kind)
    if found.pairs:
        if max_pairs_per_reference is not None:
            raise ValueError(f"MOS kind {kind!r} has one pair per reference; "
                             "max_pairs_per_reference does not apply (use max_pairs=)")
        return found.loader(Path(root), seed, tie_margin=tie_margin, **opts)
    return make_pairs(load_mos(kind, root, **opts), seed, tie_margin=tie_margin,
                      max_pairs_per_reference=max_pairs_per_reference)


def canonical_kind(kind: str) -> str:
    """The registered name ``kind`` stands for (aliases resolved, case ignored)."""
    return _canonical(kind)
