"""Speed of the distortion library on one core; prints a table of ms per image.

For every distortion × level, the median time of ``distortions.apply`` over a few repeats, on a
natural image (skimage's coffee) resized to each short side, plus the mean over levels and the
mean / max over the catalogue per size. Targets (dataset-sized inputs, short side 224): mean of the
35 ≤ 15 ms, none above 60 ms.

    python benchmarks/distortions.py [--sizes 224 512] [--repeats 5]
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on sys.path and its name would shadow the
# ``distortions`` package: drop that entry.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy / OpenCV load their pools

import cv2  # noqa: E402

cv2.setNumThreads(1)

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import distortions  # noqa: E402
from iqa_datagen.distortions.images import builtin_reference  # noqa: E402

TARGET_MEAN_MS = 15.0
TARGET_MAX_MS = 60.0


def reference(short_side: int) -> np.ndarray:
    image = builtin_reference("coffee")
    h, w = image.shape[:2]
    f = short_side / min(h, w)
    size = (round(w * f), round(h * f))
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
    return cv2.resize(image, size, interpolation=interp)


def time_ms(image: np.ndarray, name: str, level: int, repeats: int) -> float:
    distortions.apply(image, name, level, 0)  # warm-up (imports, codec start-up)
    times = []
    for seed in range(repeats):
        start = time.perf_counter()
        distortions.apply(image, name, level, seed)
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[224, 512])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    names = [s.name for s in distortions.catalogue()]
    images = {side: reference(side) for side in args.sizes}
    table = {(n, side): [time_ms(images[side], n, lv, args.repeats) for lv in range(1, 6)]
             for side in args.sizes for n in names}

    head = f"{'distortion':30s}" + "".join(
        f" | {side}px ({images[side].shape[0]}×{images[side].shape[1]})  L1    L2    L3    L4    L5   mean"
        for side in args.sizes)
    print(head)
    print("-" * len(head))
    for n in names:
        row = f"{n:30s}"
        for side in args.sizes:
            t = table[(n, side)]
            row += " | " + " " * 17 + "".join(f"{v:6.1f}" for v in t) + f" {np.mean(t):6.1f}"
        print(row)
    print("-" * len(head))
    for side in args.sizes:
        per = {n: float(np.mean(table[(n, side)])) for n in names}
        worst = max(((n, lv + 1, v) for n in names for lv, v in enumerate(table[(n, side)])),
                    key=lambda t: t[2])
        slowest = max(per, key=per.get)
        print(f"short side {side}: mean over {len(names)} distortions {np.mean(list(per.values())):.1f} ms; "
              f"slowest distortion {slowest} {per[slowest]:.1f} ms; "
              f"slowest single level {worst[0]} L{worst[1]} {worst[2]:.1f} ms")
    if 224 in args.sizes:
        per = [float(np.mean(table[(n, 224)])) for n in names]
        worst = max(max(table[(n, 224)]) for n in names)
        ok = np.mean(per) <= TARGET_MEAN_MS and worst <= TARGET_MAX_MS
        print(f"targets at 224 (mean ≤ {TARGET_MEAN_MS:.0f} ms, none > {TARGET_MAX_MS:.0f} ms): "
              f"{'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
