"""Speed of the offline writers on one core; prints a table of responses per second.

Requests use natural 224-px images (skimage's astronaut, coffee, chelsea, rocket) distorted by
the library; every request gets its own array copies so no statistic is shared between requests
(the writer only reuses statistics for the very same array within a batch). Distortion time is
not counted. Target: ≥ 200 detailed responses/s on one core.

    python benchmarks/offline.py [--n 400] [--short-side 224]
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on sys.path and would shadow ``distortions``.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy / OpenCV load their pools

import cv2  # noqa: E402

cv2.setNumThreads(1)

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import distortions  # noqa: E402
from iqa_datagen.distortions import LEVEL_NAMES  # noqa: E402
from iqa_datagen.distortions.images import builtin_reference, resize_short_side  # noqa: E402
from iqa_datagen.generators.base import DetailedRequest, ExpansionRequest  # noqa: E402
from iqa_datagen.generators.expansion_gt import GTExpansionGenerator  # noqa: E402
from iqa_datagen.generators.offline import OfflineDetailedGenerator  # noqa: E402
from iqa_datagen.schemas import DistortionLabel, Verdict  # noqa: E402

TARGET_PER_S = 200.0
NAMES = ("blur_gaussian", "noise_gaussian_rgb", "compression_jpeg", "brighten_shift_rgb",
         "darken_gamma_rgb", "contrast_weaken_scale", "saturate_weaken_hsv", "pixelate",
         "quantize_median", "oversharpen")


def _distorted(ref: np.ndarray, i: int) -> tuple[np.ndarray, tuple[DistortionLabel, ...]]:
    name = NAMES[i % len(NAMES)]
    level = 1 + i % 5
    spec = distortions.get(name)
    label = DistortionLabel(category=spec.category, name=name, level=level,
                            grade=LEVEL_NAMES[level - 1])
    return distortions.apply(ref, name, level, i), (label,)


def requests(n: int, short_side: int):
    refs = [resize_short_side(builtin_reference(r), short_side)
            for r in ("astronaut", "coffee", "chelsea", "rocket")]
    pool = [(refs[i % len(refs)], *_distorted(refs[i % len(refs)], i)) for i in range(40)]
    assess, compare, expand = [], [], []
    for i in range(n):
        ref, a, la = pool[i % len(pool)]
        _, b, lb = pool[(i + 4) % len(pool)]  # same reference, another distortion
        assess.append(DetailedRequest(key=f"a{i}", task="assessment_reasoning",
                                      image_ref=ref.copy(), image_a=a.copy(),
                                      distortions_a=la, seed=i))
        compare.append(DetailedRequest(key=f"c{i}", task="comparison_reasoning",
                                       image_ref=ref.copy(), image_a=a.copy(), distortions_a=la,
                                       image_b=b.copy(), distortions_b=lb,
                                       verdict=Verdict(winner="AB"[i % 2], source="bench"),
                                       seed=i))
        expand.append(ExpansionRequest(key=f"e{i}", task="comparison_reasoning", response="-",
                                       distortions_a=la, distortions_b=lb,
                                       verdict=Verdict(winner="AB"[i % 2], source="bench"),
                                       image_a=a.copy(), image_b=b.copy(), seed=i, k=3))
    return assess, compare, expand


def _rate(fn, batch) -> float:
    start = time.perf_counter()
    fn(batch)
    return len(batch) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--short-side", type=int, default=224)
    args = parser.parse_args()
    assess, compare, expand = requests(args.n, args.short_side)
    detailed, expansion = OfflineDetailedGenerator(), GTExpansionGenerator()
    detailed.generate(assess[:10])  # warm caches and imports
    rows = [("assessment_reasoning", _rate(detailed.generate, assess)),
            ("comparison_reasoning", _rate(detailed.generate, compare)),
            ("gt_expansion (k=3, pair)", _rate(expansion.expand, expand))]
    print(f"offline writers, one core, short side {args.short_side}, {args.n} requests each")
    print(f"{'task':28s} {'responses/s':>12s} {'ms each':>9s}  target ≥ {TARGET_PER_S:.0f}/s")
    for task, rate in rows:
        ok = "ok" if rate >= TARGET_PER_S else "SLOW"
        print(f"{task:28s} {rate:12.0f} {1000 / rate:9.2f}  {ok}")


if __name__ == "__main__":
    main()
