"""Declarative description of one distortion: its name, category and five level parameters.

A spec is data plus a pure function. The function takes a uint8 RGB image, a numpy Generator and
the keyword parameters of one level, and returns a uint8 image of the same shape. Keeping the
parameters as data lets the catalogue be printed, validated, compared and extended by plugins.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

LEVEL_NAMES: tuple[str, ...] = ("slight", "moderate", "obvious", "serious", "catastrophic")
"""Severity words for single-distortion levels 1..5."""

PAIR_GRADE_NAMES: tuple[str, ...] = ("slight", "obvious", "serious")
"""Severity words for the levels 1..3 used when two distortions are combined."""

DistortionFn = Callable[..., np.ndarray]


class DistortionError(ValueError):
    """A distortion spec, name or level is invalid."""


@dataclass(frozen=True)
class DistortionSpec:
    """One distortion type of the library.

    ``levels`` holds exactly five parameter mappings, level 1 first; each is passed as keyword
    arguments to ``fn`` together with the image and a random generator.
    """

    name: str
    category: str
    fn: DistortionFn
    levels: tuple[Mapping[str, Any], ...]
    description: str = ""
    random: bool = False
    source: str = "builtin"
    gt_name: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    # Changes colour only, so it leaves a grayscale image as it is: never drawn for one (a record
    # would name a distortion the image does not show).
    colour_only: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise DistortionError(f"distortion name {self.name!r} must be a Python identifier")
        if not isinstance(self.category, str) or not self.category.isidentifier():
            raise DistortionError(
                f"distortion {self.name!r}: category {self.category!r} must be an identifier"
            )
        if not callable(self.fn):
            raise DistortionError(f"distortion {self.name!r}: fn is not callable")
        levels = tuple(dict(p) for p in self.levels)
        if len(levels) != len(LEVEL_NAMES):
            raise DistortionError(
                f"distortion {self.name!r}: needs exactly {len(LEVEL_NAMES)} levels, got {len(levels)}"
            )
        object.__setattr__(self, "levels", levels)
        _check_signature(self.name, self.fn, levels)

    def params(self, level: int) -> dict[str, Any]:
        """Parameters of ``level`` (1..5)."""
        return dict(self.levels[check_level(level, self.name) - 1])

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly view (no function object)."""
        return {
            "name": self.name,
            "category": self.category,
            "gt_name": self.gt_name,
            "description": self.description,
            "random": self.random,
            "source": self.source,
            "levels": [
                {"level": i + 1, "word": LEVEL_NAMES[i], "params": _jsonable(p)}
                for i, p in enumerate(self.levels)
            ],
        }


def check_level(level: int, name: str = "") -> int:
    """Return ``level`` as int if it is 1..5, else raise a DistortionError naming the distortion."""
    if isinstance(level, bool) or not isinstance(level, (int, np.integer)):
        raise DistortionError(f"distortion {name!r}: level must be an int 1..5, got {level!r}")
    if not 1 <= int(level) <= len(LEVEL_NAMES):
        raise DistortionError(f"distortion {name!r}: level {level} outside 1..{len(LEVEL_NAMES)}")
    return int(level)


def _check_signature(name: str, fn: DistortionFn, levels: tuple[dict, ...]) -> None:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins without signature: trust them
        return
    params = list(sig.parameters.values())
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return
    accepted = {p.name for p in params[2:]}
    for i, lv in enumerate(levels, 1):
        unknown = set(lv) - accepted
        if unknown:
            raise DistortionError(
                f"distortion {name!r}: level {i} parameters {sorted(unknown)} are not accepted by "
                f"{getattr(fn, '__qualname__', fn)}{sig}"
            )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
