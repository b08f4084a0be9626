"""Deterministic random generators derived from a seed and a sample's identity.

Nothing in the project draws from global random state: every draw comes from
``rng_for(seed, *identity)``, so one sample is reproducible from the build seed and its own keys,
whatever order or process computes it.
"""

from __future__ import annotations

import hashlib

import numpy as np


def derive_seed(seed: int, *keys: object) -> int:
    """A 64-bit integer from ``seed`` and ``keys`` (stable across processes and platforms)."""
    text = "\x1f".join([str(int(seed))] + [str(k) for k in keys])
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def rng_for(seed: int, *keys: object) -> np.random.Generator:
    """A fresh numpy Generator for ``(seed, *keys)``."""
    return np.random.Generator(np.random.PCG64(derive_seed(seed, *keys)))


def stable_id(*parts: object, length: int = 16) -> str:
    """A short hex id from the given parts (used for record and image ids)."""
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=length // 2).hexdigest()
