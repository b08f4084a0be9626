"""Accuracy and cost of the assistant comparison models on photographs training never saw.

Trains the default full-reference and no-reference assistants (``AssistantConfig()``, what
``iqa-datagen train-assistant`` trains) on the built-in demo references, then judges pairs made
from held-out photographs: scikit-image's grayscale photographs (camera, brick, grass, gravel,
moon, coins, clock; none is in the demo set) as RGB, each also as a flipped crop, so train and
test references are disjoint. On those it reports what builds ask:

- cross-distortion pairs (two different sampled plans, single or paired distortions) where the
  metric panel is unanimous, split single / with a paired plan — targets: FR >= 95%, NR >= 90%;
  for the no-reference model the target is checked on the pairs builds ask it about: those a
  no-reference record can state ("visible": neither plan holds a slight, level-1, change of
  brightness, contrast, saturation, quantization or sharpening, which builds keep out of
  no-reference records), and the figure on all unanimous pairs is printed next to it;
- same-distortion level pairs — target >= 95% (no reference: on the visible ones);
- order consistency and expected calibration error;
- training seconds (target: default train-assistant < 180 s on 2 CPU cores) and the in-process
  training of the demo build (FR + NR models; target: at most twice the former ~10 s).

Timings depend on contention: the script prints the load average before and after.

    python benchmarks/assistant.py [--json] [--skip-build]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

# Run as a script, this file's folder comes first on sys.path, where benchmarks/distortions.py
# would shadow the ``distortions`` package: drop that entry.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

import numpy as np  # noqa: E402

HELD_OUT = ("camera", "brick", "grass", "gravel", "moon", "coins", "clock")
TARGETS = {"full_reference": 0.95, "no_reference": 0.90}


def held_out_photographs() -> list[np.ndarray]:
    """The held-out photographs as RGB, plus a flipped centre crop of each (14 references)."""
    from skimage import data

    out = []
    for name in HELD_OUT:
        gray = np.asarray(getattr(data, name)())
        rgb = np.repeat(gray[..., None], 3, axis=2).astype(np.uint8)
        h, w = rgb.shape[:2]
        crop = rgb[h // 8: h - h // 8, w // 8: w - w // 8][:, ::-1]
        out += [np.ascontiguousarray(rgb), np.ascontiguousarray(crop)]
    return out


def evaluate_held_out(model_dir: str, setting: str, config) -> dict:
    from iqa_datagen.assistant import evaluate, load_assistant, load_references, synthetic_pairs

    refs = load_references(held_out_photographs(), config.reference_short_side)
    pairs = synthetic_pairs(refs, config)
    assistant = load_assistant(model_dir, setting=setting)
    return evaluate(assistant, pairs)


def train(setting: str, out: str, overrides: dict) -> tuple[dict, object, float]:
    from iqa_datagen.assistant import AssistantConfig, train_assistant

    config = AssistantConfig(setting=setting, **overrides)
    t0 = time.perf_counter()
    train_assistant(config, None, out, resume=False)
    seconds = time.perf_counter() - t0  # training alone: the held-out evaluation is not counted
    return evaluate_held_out(out, setting, config), config, seconds


def build_training_seconds() -> float:
    """Seconds of the demo build's in-process training (both models), from its config."""
    from iqa_datagen.config import BuildConfig
    from iqa_datagen.pipeline.assistant_step import train_for_build
    from iqa_datagen.pipeline.references import discover

    cfg = BuildConfig()
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        train_for_build(cfg, discover(cfg), out)
        return time.perf_counter() - t0


def _pct(share: dict) -> str:
    return "–" if not share or share.get("accuracy") is None else \
        f"{100 * share['accuracy']:.1f}% ({share['count']})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON")
    parser.add_argument("--skip-build", action="store_true", help="skip the build-training row")
    parser.add_argument("--settings", default="full_reference,no_reference")
    for name in ("epochs", "pairs_per_reference", "cross_pairs_per_reference", "cross_pool",
                 "num_threads"):
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=None,
                            help="override the default AssistantConfig (a smaller run)")
    parser.add_argument("--pairwise", choices=("on", "off"), default=None,
                        help="no reference: judge the two images together (default: the config's)")
    args = parser.parse_args()
    overrides = {k: getattr(args, k) for k in ("epochs", "pairs_per_reference",
                                              "cross_pairs_per_reference", "cross_pool",
                                              "num_threads") if getattr(args, k) is not None}
    if args.pairwise is not None:
        overrides["pairwise"] = args.pairwise == "on"
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for setting in args.settings.split(","):
            m, _, seconds = train(setting, os.path.join(tmp, setting), overrides)
            rows.append({"setting": setting, "train_seconds": round(seconds, 1),
                         "cross_unanimous": m["cross_unanimous"], "cross": m["cross"],
                         "cross_unanimous_visible": m["cross_unanimous_visible"],
                         "same_distortion": m["same_distortion"],
                         "same_distortion_visible": m["same_distortion_visible"],
                         "order_consistency": m["order_consistency"], "ece": m["ece"],
                         "target_cross_unanimous": TARGETS[setting]})
    build_seconds = None if args.skip_build else round(build_training_seconds(), 1)
    load_after = os.getloadavg()
    print(f"{os.cpu_count()} CPUs; load average before {load_before[0]:.1f}, after "
          f"{load_after[0]:.1f} (a load above the CPU count inflates every time below); "
          f"config overrides: {overrides or 'none (defaults)'}")
    header = ("setting", "train s", "cross unanimous, asked of it", "single", "paired plan",
              "cross unanimous, all", "cross (majority)", "same distortion, asked of it",
              "same distortion, all", "order cons.", "ECE", "target met")
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for r in rows:
        # what builds ask of each model: every pair (full reference), the visible ones (no reference)
        nr = r["setting"] == "no_reference"
        asked = r["cross_unanimous_visible"] if nr else r["cross_unanimous"]
        same = r["same_distortion_visible"] if nr else r["same_distortion"]
        met = (asked["all"]["accuracy"] or 0) >= r["target_cross_unanimous"] and \
            (same["accuracy"] or 0) >= 0.95 and r["train_seconds"] < 180
        print(f"| {r['setting']} | {r['train_seconds']} | {_pct(asked['all'])} | "
              f"{_pct(asked['single'])} | {_pct(asked['multi'])} | "
              f"{_pct(r['cross_unanimous']['all'])} | {_pct(r['cross']['all'])} | {_pct(same)} | "
              f"{_pct(r['same_distortion'])} | {100 * r['order_consistency']:.1f}% | "
              f"{100 * r['ece']:.1f}% | {'yes' if met else 'NO'} |")
    if build_seconds is not None:
        print(f"demo build in-process training (FR + NR models): {build_seconds} s "
              "(target: at most 2x the former ~10 s)")
    if args.json:
        print(json.dumps({"rows": rows, "build_training_seconds": build_seconds,
                          "load_before": load_before, "load_after": load_after}, indent=1))


if __name__ == "__main__":
    main()
