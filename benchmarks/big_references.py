"""Peak memory and time of loading very large reference images; prints a table.

Each case runs in a fresh process (peak resident memory is per process): a 100-megapixel JPEG
and PNG (10000 × 10000, a smooth gradient with texture), loaded as a build loads a reference
(short side 224), then the same file decoded at full size for comparison.

    python benchmarks/big_references.py [--megapixels 100]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import sys, time
from iqa_datagen.distortions.images import load_image, resize_short_side
path, short = sys.argv[1], int(sys.argv[2])
t = time.perf_counter()
image = resize_short_side(load_image(path, short or None, max_pixels=None), short or None)
seconds = time.perf_counter() - t
# VmHWM: this process's own peak (ru_maxrss would carry the forking parent's peak over exec)
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(peak / 1024, seconds, image.shape)
"""


def make(folder: Path, side: int) -> dict[str, Path]:
    import numpy as np
    from PIL import Image

    yy, xx = np.mgrid[0:side, 0:side].astype(np.uint16)
    arr = np.stack([(xx // 40) % 256, (yy // 40) % 256, ((xx ^ yy) % 256)], -1).astype(np.uint8)
    img = Image.fromarray(arr)
    del arr, xx, yy
    paths = {"JPEG": folder / "big.jpg", "PNG": folder / "big.png"}
    img.save(paths["JPEG"], quality=90)
    img.save(paths["PNG"], compress_level=1)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megapixels", type=float, default=100)
    args = parser.parse_args()
    side = int((args.megapixels * 1e6) ** 0.5)
    with tempfile.TemporaryDirectory() as tmp:
        paths = make(Path(tmp), side)
        print(f"{side}x{side} ({side * side / 1e6:.0f} MP)")
        print(f"{'format':<6} {'decode':<8} {'peak RSS MB':>12} {'seconds':>8}  result")
        for fmt, path in paths.items():
            for label, short in (("reduced", 224), ("full", 0)):
                out = subprocess.run([sys.executable, "-c", CHILD, str(path), str(short)],
                                     capture_output=True, text=True, check=True).stdout.split()
                print(f"{fmt:<6} {label:<8} {float(out[0]):>12.0f} {float(out[1]):>8.2f}  "
                      f"{' '.join(out[2:])}")


if __name__ == "__main__":
    main()
