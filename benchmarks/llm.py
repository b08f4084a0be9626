"""Throughput of the live LLM layer against the fake OpenAI server with a fixed latency.

With latency L and C requests in flight, an ideal client does C / L requests per second; the
table shows how close ``LLMDetailedGenerator.generate`` gets at several concurrency levels
(cache off, so every request goes over HTTP; images are PNG-encoded per request as in a build;
``--cache`` writes every reply to a fresh on-disk cache as a build does). Every reply is
validated against its labels, as in a build, by the worker processes of
``generators/llm/checking.py``. Targets: at least 95% of ideal at concurrency 32 and 90% at 128,
with the server in its own process (the default).

Default images are 32 px so the table measures the concurrency machinery; ``--size 224`` adds
the real PNG cost (about 3 ms per image per request, 2-3 images per request), which at 160
requests/s needs more than one CPU core for encoding alone. ``client CPU`` is this process's
CPU time (all threads; not the validation workers) per request. With a fixed latency every
wave of requests returns at once, the worst case for a single event loop; a real server's
varying latency spreads them out.

    python benchmarks/llm.py                       # 200 ms latency, 32 px images, 32 and 128
    python benchmarks/llm.py --size 224 --levels 32
    python benchmarks/llm.py --cache               # with the reply cache on

On a shared machine the figures fall with its load: the header prints the load average.
"""

from __future__ import annotations

import os
import sys

# Run as a script, this folder comes first on sys.path, where benchmarks/distortions.py would
# shadow the ``distortions`` package; drop it.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from iqa_datagen.generators.base import DetailedRequest  # noqa: E402
from iqa_datagen.generators.llm import LLMConfig, LLMDetailedGenerator  # noqa: E402
from iqa_datagen.seeding import rng_for  # noqa: E402
from iqa_datagen.testing import fake_server  # noqa: E402
from iqa_datagen.schemas import DistortionLabel  # noqa: E402

LABELS = (DistortionLabel(category="blur", name="blur_gaussian", level=3, grade="obvious"),
          DistortionLabel(category="noise", name="noise_poisson", level=2, grade="moderate"))


def make_requests(n: int, size: int, tag: str) -> list[DetailedRequest]:
    requests = []
    for i in range(n):
        rng = rng_for(0, "bench-llm", tag, i)
        ref = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        a = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        requests.append(DetailedRequest(key=f"{tag}-{i}", task="assessment_reasoning",
                                        image_ref=ref, image_a=a, distortions_a=LABELS, seed=i))
    return requests


def run_level(base_url: str, key: str, concurrency: int, n: int, size: int,
              latency: float, cache_dir=None) -> dict:
    config = LLMConfig(base_url=base_url, api_key=key, model="bench", cache_dir=cache_dir,
                       concurrency=concurrency, timeout=30, max_attempts=1)
    generator = LLMDetailedGenerator(config)
    # Warm up as many connections as will be in flight: a long build runs on warm connections.
    generator.generate(make_requests(concurrency, size, f"warm{concurrency}"))
    requests = make_requests(n, size, f"c{concurrency}")
    started, cpu = time.perf_counter(), time.process_time()
    results = generator.generate(requests)
    seconds = time.perf_counter() - started
    cpu_ms = (time.process_time() - cpu) * 1000 / n
    generator.close()
    failed = sum(r.text is None for r in results)
    rate = n / seconds
    ideal = concurrency / latency
    return {"concurrency": concurrency, "requests": n, "seconds": seconds, "rate": rate,
            "ideal": ideal, "ratio": rate / ideal, "failed": failed, "cpu_ms": cpu_ms}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2, help="server latency, seconds")
    parser.add_argument("--levels", type=int, nargs="+", default=[32, 128])
    parser.add_argument("--requests", type=int, default=None,
                        help="requests per level (default: max(64, 16 × concurrency): at least "
                             "16 waves, so the first and last wave weigh little)")
    parser.add_argument("--size", type=int, default=32, help="image side in pixels")
    parser.add_argument("--in-process", action="store_true",
                        help="run the fake server in this process (shares the GIL)")
    parser.add_argument("--cache", action="store_true",
                        help="write every reply to an on-disk cache (fresh per level)")
    args = parser.parse_args(argv)

    rows = []
    load = os.getloadavg()[0]
    with fake_server(args.latency, args.in_process) as (base_url, key), \
            tempfile.TemporaryDirectory() as tmp:
        for level in args.levels:
            n = args.requests or max(64, 16 * level)
            cache = os.path.join(tmp, f"c{level}") if args.cache else None
            rows.append(run_level(base_url, key, level, n, args.size, args.latency, cache))
    where = "in-process" if args.in_process else "separate process"
    print(f"LLM layer throughput: fake server ({where}) latency {args.latency * 1000:.0f} ms, "
          f"{args.size}×{args.size} images, cache {'on' if args.cache else 'off'}, "
          f"{os.cpu_count()} CPUs, load average {load:.2f} before / "
          f"{os.getloadavg()[0]:.2f} after")
    print(f"{'concurrency':>11} {'requests':>8} {'wall s':>8} {'req/s':>8} {'ideal req/s':>11} "
          f"{'% ideal':>8} {'client CPU':>10} {'failed':>6}")
    for r in rows:
        print(f"{r['concurrency']:>11} {r['requests']:>8} {r['seconds']:>8.2f} {r['rate']:>8.1f} "
              f"{r['ideal']:>11.1f} {r['ratio'] * 100:>7.1f}% {r['cpu_ms']:>7.2f} ms "
              f"{r['failed']:>6}")


if __name__ == "__main__":
    main()
