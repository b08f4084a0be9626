"""Sampling what to apply to a reference image (docs/sampling.md).

A draw is a ``SamplePlan``: zero distortions (pristine), one (category uniform, then a distortion
in it, then a level 1..5) or an ordered pair allowed by the compatibility table (each at level
1..3, graded slight/obvious/serious). The plan states its ground truth, so records can name it,
and ``plan.apply(image, rng)`` produces the distorted image.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .apply import apply as apply_distortion
from .categories import ALLOWED_SECOND, OOD_EVAL, visible_without_reference
from .registry import Registry, active_registry
from .spec import LEVEL_NAMES, PAIR_GRADE_NAMES, DistortionError


@dataclass(frozen=True)
class AppliedDistortion:
    """One distortion of a plan, with the grade word answers use."""

    category: str
    name: str
    level: int
    grade: str

    def to_dict(self) -> dict:
        return {"category": self.category, "name": self.name, "level": self.level,
                "grade": self.grade}


@dataclass(frozen=True)
class SamplePlan:
    """The distortions to apply, in order; empty means pristine."""

    distortions: tuple[AppliedDistortion, ...] = ()

    @property
    def pristine(self) -> bool:
        return not self.distortions

    @property
    def multi(self) -> bool:
        return len(self.distortions) > 1

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(d.category for d in self.distortions)

    def labels(self) -> list[dict]:
        return [d.to_dict() for d in self.distortions]

    def apply(self, image: np.ndarray, rng: np.random.Generator,
              registry: Registry | None = None) -> np.ndarray:
        """Apply every distortion in order (a pristine plan returns a copy)."""
        out = image.copy()
        for d in self.distortions:
            out = apply_distortion(out, d.name, d.level, rng, registry=registry)
        return out

    def passes_no_reference_filter(self) -> bool:
        """False for plans with a slight (level-1) distortion that is invisible without a reference."""
        return all(visible_without_reference(d.category, d.level) for d in self.distortions)


OodMode = Optional[Literal["train", "eval"]]


class SamplerConfig(BaseModel):
    """Parameters of the docs/sampling.md draw; validated, with the paper's defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pristine_share: float = Field(0.05, ge=0.0, le=1.0)
    multi_share: float = Field(0.5, ge=0.0, le=1.0)
    ood: OodMode = None
    categories: Optional[tuple[str, ...]] = None  # restrict to these categories
    names: Optional[tuple[str, ...]] = None  # restrict to these distortion names

    @field_validator("categories", "names")
    @classmethod
    def _non_empty(cls, v):
        if v is not None and len(v) == 0:
            raise ValueError("must not be empty when given")
        return v


class Sampler:
    """Draws SamplePlans from a registry according to a SamplerConfig."""

    def __init__(self, config: SamplerConfig | None = None, registry: Registry | None = None):
        self.config = config or SamplerConfig()
        self.registry = registry or active_registry()
        self._names_by_category = self._eligible_names()
        if not self._names_by_category:
            raise DistortionError("the sampler has no distortion to draw from (check categories, "
                                  "names and the OOD mode)")

    def _eligible_names(self) -> dict[str, list[str]]:
        cfg = self.config
        eval_names = {n for names in OOD_EVAL.values() for n in names}
        out: dict[str, list[str]] = {}
        for spec in self.registry:
            if cfg.categories and spec.category not in cfg.categories:
                continue
            if cfg.names and spec.name not in cfg.names:
                continue
            if cfg.ood == "train" and spec.name in eval_names:
                continue
            if cfg.ood == "eval" and spec.name not in eval_names:
                continue
            out.setdefault(spec.category, []).append(spec.name)
        if cfg.names:
            unknown = set(cfg.names) - {s.name for s in self.registry}
            if unknown:
                raise DistortionError(f"sampler names not in the catalogue: {sorted(unknown)}")
        return out

    @property
    def categories(self) -> list[str]:
        return list(self._names_by_category)

    def allowed_second(self, first: str) -> list[str]:
        """Categories that may follow ``first`` in a pair, among those this sampler can draw."""
        spec_extra = next((s.extra for s in self.registry if s.category == first), {})
        allowed = ALLOWED_SECOND.get(first, tuple(spec_extra.get("allowed_second", ())))
        return [c for c in allowed if c in self._names_by_category]

    def _pick(self, rng: np.random.Generator, category: str, level: int, words) -> AppliedDistortion:
        names = self._names_by_category[category]
        name = names[int(rng.integers(len(names)))]
        return AppliedDistortion(category, name, level, words[level - 1])

    def single(self, rng: np.random.Generator, category: str | None = None) -> SamplePlan:
        cats = self.categories
        category = category or cats[int(rng.integers(len(cats)))]
        level = int(rng.integers(1, len(LEVEL_NAMES) + 1))
        return SamplePlan((self._pick(rng, category, level, LEVEL_NAMES),))

    def pair(self, rng: np.random.Generator) -> SamplePlan | None:
        """An allowed ordered pair, or None when no category here has an allowed partner."""
        firsts = [c for c in self.categories if self.allowed_second(c)]
        if not firsts:
            return None
        first = firsts[int(rng.integers(len(firsts)))]
        seconds = self.allowed_second(first)
        second = seconds[int(rng.integers(len(seconds)))]
        n = len(PAIR_GRADE_NAMES)
        a = self._pick(rng, first, int(rng.integers(1, n + 1)), PAIR_GRADE_NAMES)
        b = self._pick(rng, second, int(rng.integers(1, n + 1)), PAIR_GRADE_NAMES)
        return SamplePlan((a, b))

    def sample(self, rng: np.random.Generator, allow_pristine: bool = True) -> SamplePlan:
        """One draw: pristine with ``pristine_share``, else paired with ``multi_share``, else single."""
        if allow_pristine and rng.random() < self.config.pristine_share:
            return SamplePlan()
        if rng.random() < self.config.multi_share:
            plan = self.pair(rng)
            if plan is not None:
                return plan
        return self.single(rng)

    def level_pair(self, rng: np.random.Generator) -> tuple[SamplePlan, SamplePlan]:
        """Two single-distortion plans of the same distortion at different levels; the first is
        the milder (better) one. Used for instant-rating pairs with an unambiguous order."""
        cats = self.categories
        category = cats[int(rng.integers(len(cats)))]
        names = self._names_by_category[category]
        name = names[int(rng.integers(len(names)))]
        lo, hi = sorted(int(x) for x in rng.choice(np.arange(1, len(LEVEL_NAMES) + 1), 2,
                                                   replace=False))
        mk = lambda lv: SamplePlan((AppliedDistortion(category, name, lv, LEVEL_NAMES[lv - 1]),))
        return mk(lo), mk(hi)


def visible_on_grayscale(registry: Registry, names: Optional[Sequence[str]] = None
                         ) -> tuple[str, ...]:
    """``names`` (default: the whole registry) without the colour-only distortions."""
    colour_only = {spec.name for spec in registry if spec.colour_only}
    kept = tuple(n for n in (names or registry.names()) if n not in colour_only)
    if not kept:
        raise ValueError("every configured distortion changes colour only, so none would show "
                         "on a grayscale reference; add others to tasks.distortions")
    return kept
