"""Throughput of ``iqa-datagen label`` against the fake OpenAI server with a fixed latency.

The labeller sends its requests through the LLM layer's engine; with latency L and C requests
in flight the ideal is C / L requests per second. The run is end to end: reading, downscaling
and segmenting the images (in a background thread, a chunk ahead) and PNG-encoding every crop
count, the cache is off so every request goes over HTTP. Target: at least 90% of ideal at
concurrency 32 against a 200 ms server in its own process (the default). The fake server
decodes every image it is asked to rate, so on a small machine it competes with the client
for the CPUs; the header prints the load average.

    python benchmarks/labeller.py                  # 200 ms, concurrency 32, 256 px images
    python benchmarks/labeller.py --levels 8 32 --images 96
"""

from __future__ import annotations

import os
import sys

if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)  # benchmarks/distortions.py would shadow the package

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from iqa_datagen.generators.labeller import LabelConfig, label_images  # noqa: E402
from iqa_datagen.generators.llm import LLMConfig  # noqa: E402
from iqa_datagen.seeding import rng_for  # noqa: E402
from iqa_datagen.testing import fake_server  # noqa: E402


def make_images(folder: Path, n: int, size: int) -> None:
    """Images of a few flat blocks with noise: each segments into several regions."""
    for i in range(n):
        rng = rng_for(0, "bench-label", i)
        img = np.empty((size, size, 3), np.uint8)
        cuts = sorted(rng.integers(size // 8, size - size // 8, 3))
        edges = [0, *cuts, size]
        for a, b in zip(edges, edges[1:]):
            img[:, a:b] = rng.integers(30, 226, 3)
        noise = rng.normal(0, 6, img.shape)
        img = np.clip(img + noise, 0, 255).astype(np.uint8)
        cv2.imwrite(str(folder / f"img{i:04d}.png"), img)


def run_level(base_url: str, key: str, folder: Path, concurrency: int, asks: int,
              latency: float) -> dict:
    llm = LLMConfig(base_url=base_url, api_key=key, model="bench", cache_dir=None,
                    concurrency=concurrency, timeout=30, max_attempts=1, max_tokens=16)
    config = LabelConfig(asks=asks, chunk=32)
    started, cpu = time.perf_counter(), time.process_time()
    result = label_images(folder, llm, config)
    seconds = time.perf_counter() - started
    usage = result["usage"]
    n = usage.requests
    failed = sum(x.score is None for x in result["labels"])
    rate = n / seconds
    ideal = concurrency / latency
    return {"concurrency": concurrency, "images": len(result["labels"]), "requests": n,
            "seconds": seconds, "rate": rate, "ideal": ideal, "ratio": rate / ideal,
            "cpu_ms": (time.process_time() - cpu) * 1000 / max(n, 1), "failed": failed}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--levels", type=int, nargs="+", default=[32])
    parser.add_argument("--images", type=int, default=160)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--asks", type=int, default=5)
    parser.add_argument("--in-process", action="store_true",
                        help="run the fake server in this process (shares the GIL)")
    args = parser.parse_args(argv)
    rows = []
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp, \
            fake_server(args.latency, args.in_process) as (base_url, key):
        folder, warm = Path(tmp) / "images", Path(tmp) / "warm"
        folder.mkdir()
        warm.mkdir()
        make_images(folder, args.images, args.size)
        # Warm as many connections as will be in flight (a long run works on warm ones).
        make_images(warm, 4, 64)
        for level in args.levels:
            run_level(base_url, key, warm, level, 2, args.latency)
            rows.append(run_level(base_url, key, folder, level, args.asks, args.latency))
    where = "in-process" if args.in_process else "separate process"
    print(f"Labeller throughput: fake server ({where}) latency {args.latency * 1000:.0f} ms, "
          f"{args.images} images of {args.size} px, {args.asks} asks per crop, cache off, "
          f"{os.cpu_count()} CPUs, load average {load:.2f} before / "
          f"{os.getloadavg()[0]:.2f} after")
    print(f"{'concurrency':>11} {'images':>6} {'requests':>8} {'wall s':>8} {'req/s':>8} "
          f"{'ideal req/s':>11} {'% ideal':>8} {'client CPU':>10} {'failed':>6}")
    for r in rows:
        print(f"{r['concurrency']:>11} {r['images']:>6} {r['requests']:>8} {r['seconds']:>8.2f} "
              f"{r['rate']:>8.1f} {r['ideal']:>11.1f} {r['ratio'] * 100:>7.1f}% "
              f"{r['cpu_ms']:>7.2f} ms {r['failed']:>6}")


if __name__ == "__main__":
    main()
