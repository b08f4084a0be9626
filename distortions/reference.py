"""The distortion reference page (docs/distortions.md), rendered from the catalogue itself.

The page is generated, never hand-edited, so the parameters users read are the ones builds
use; `iqa-datagen catalogue --markdown` prints it (plugins included) and a test keeps the
checked-in copy equal to the built-in catalogue.
"""

from __future__ import annotations

from typing import Any, Iterable

from .spec import LEVEL_NAMES, DistortionSpec

_INTRO = """# Distortion reference

Generated from the catalogue by `iqa-datagen catalogue --markdown`; do not edit by hand.

Images are RGB `uint8`. Each distortion is a pure function of the image, a seeded random
generator and the parameters of one of five levels, named in order
{levels}. Float maths runs on values scaled to [0, 1] unless a row says
otherwise, and results are clipped back to `uint8`. Random distortions draw only from the
generator they are given, so a sample is reproduced from its seed.

The *answer name* is what ground-truth answers call the category. Sampling rules, grade words and
splits are in [sampling.md](sampling.md).
"""


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _levels_cell(spec: DistortionSpec) -> str:
    keys = list(spec.levels[0])
    if len(keys) == 1:
        return f"{keys[0]} = " + ", ".join(_format(lv[keys[0]]) for lv in spec.levels)
    return f"({', '.join(keys)}) = " + ", ".join(
        "(" + ", ".join(_format(lv[k]) for k in keys) + ")" for lv in spec.levels)


def markdown(specs: Iterable[DistortionSpec], gt_name) -> str:
    """The reference page for ``specs``; ``gt_name(category)`` gives each answer name."""
    specs = list(specs)
    categories = list(dict.fromkeys(s.category for s in specs))
    lines = [_INTRO.format(levels=", ".join(f"`{w}`" for w in LEVEL_NAMES))]
    lines.append(f"{len(specs)} distortions in {len(categories)} categories.")
    lines.append("")
    lines.append("| category (answer name) | name | parameter per level 1 → 5 | random | how |")
    lines.append("| --- | --- | --- | --- | --- |")
    for cat in categories:
        for s in (s for s in specs if s.category == cat):
            lines.append(f"| {cat} ({gt_name(cat)}) | `{s.name}` | {_levels_cell(s)} | "
                         f"{'yes' if s.random else 'no'} | {s.description} |")
    return "\n".join(lines) + "\n"
