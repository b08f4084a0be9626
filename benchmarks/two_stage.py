"""Cost of two-stage records: a demo build with ``tasks.two_stage`` on against the same build
with it off; prints a table of seconds and the ratio (target: on ≤ 1.3 × off).

The build is the demo's content (the built-in references, every task, both settings, offline
writers, GT expansion) through the plain pipeline functions in one process, shards then the
manifest and card (``finalize``); the assistant is left out (it trains the same model either
way) and so is Prefect (its start-up is the same either way). Each measurement runs in a fresh
``python benchmarks/two_stage.py --child ...`` process, the two settings alternating, and the
table shows the median of ``--rounds`` rounds.

    python benchmarks/two_stage.py [--repeat 4] [--rounds 3]
"""

from __future__ import annotations

import os
import sys

if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

TARGET_RATIO = 1.3


def child(two_stage: bool, repeat: int) -> dict:
    """One build in this process; seconds for the shards and for finalize, and record counts."""
    from iqa_datagen.config import load_config
    from iqa_datagen.pipeline.output import finalize, summarize
    from iqa_datagen.pipeline.references import discover, make_shards
    from iqa_datagen.pipeline.shard import ShardRunner

    config = load_config(None, {"tasks.two_stage": two_stage, "assistant.enabled": False,
                                "llm.mode": "off", "references.builtin_repeat": repeat})
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        with ShardRunner(config, tmp) as runner:
            reports = [runner.run(s) for s in make_shards(discover(config), 100)]
        built = time.perf_counter()
        finalize(tmp, config, summarize(reports, config), {})
        done = time.perf_counter()
    records = sum(sum(r.records.values()) for r in reports)
    return {"shards_s": built - started, "finalize_s": done - built, "total_s": done - started,
            "records": records}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="copies of the 8 demo images")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", choices=["on", "off"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child == "on", args.repeat)))
        return
    runs: dict[str, list[dict]] = {"off": [], "on": []}
    for _ in range(args.rounds):
        for mode in ("off", "on"):
            out = subprocess.run([sys.executable, __file__, "--child", mode, "--repeat",
                                  str(args.repeat)], check=True, capture_output=True, text=True)
            runs[mode].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"demo build, {8 * args.repeat} references, offline writers, median of {args.rounds}")
    print(f"{'two_stage':>10} {'records':>8} {'shards s':>9} {'finalize s':>11} {'total s':>8}")
    median = {}
    for mode, rows in runs.items():
        median[mode] = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        m = median[mode]
        print(f"{mode:>10} {int(m['records']):>8} {m['shards_s']:>9.2f} {m['finalize_s']:>11.2f} "
              f"{m['total_s']:>8.2f}")
    ratio = median["on"]["total_s"] / median["off"]["total_s"]
    print(f"ratio on/off {ratio:.2f} (target ≤ {TARGET_RATIO})")


if __name__ == "__main__":
    main()
