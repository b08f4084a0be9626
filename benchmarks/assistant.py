"""Speed and accuracy of the assistant comparison model; prints a table.

For each device (CPU, and CUDA when torch sees one) and each setting, train on the built-in
references within a fixed time budget, then measure:
- training throughput (ordered pairs per second, validation excluded),
- inference throughput (pairs per second through ``Assistant.label``),
- held-out accuracy on references never seen in training (all pairs and same-distortion pairs),
  order consistency and the share of verdicts with confidence ≥ 0.9.

    python benchmarks/assistant.py [--budget 60] [--distortions blur_gaussian,...] [--settings ...]
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

import torch  # noqa: E402

import distortions  # noqa: E402
from iqa_datagen.assistant import AssistantConfig, build_pairs, load_assistant, train_assistant


def working_distortions() -> list[str]:
    """Catalogue names that run today (others may still be under construction)."""
    import numpy as np

    probe = np.full((32, 32, 3), 128, np.uint8)
    names = []
    for spec in distortions.catalogue():
        try:
            distortions.apply(probe, spec.name, 1, 0)
            names.append(spec.name)
        except NotImplementedError:
            pass
    return names


def run(setting: str, device: str, budget: float, names: list[str], epochs: int) -> dict:
    config = AssistantConfig(setting=setting, device=device, distortions=names, epochs=epochs,
                             patience=epochs)
    with tempfile.TemporaryDirectory() as out:
        report = train_assistant(config, None, out, resume=False, max_seconds=budget)
        assistant = load_assistant(out, device=device)
        test = build_pairs(config)["test"]
        assistant.label(test[:8])  # warm-up
        if device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(3):
            assistant.label(test)
        if device == "cuda":
            torch.cuda.synchronize()
        infer_rate = 3 * len(test) / (time.perf_counter() - t0)
    h = report.history
    m = report.evaluation["test"]
    high = [b for b in m["calibration"] if b["low"] >= 0.9]
    return {
        "device": device, "setting": setting, "distortions": len(names),
        "epochs": report.epochs_run, "seconds": round(report.seconds, 1),
        "train_pairs_per_s": sum(e["train_samples"] for e in h) / sum(e["train_seconds"] for e in h),
        "infer_pairs_per_s": infer_rate,
        "test_pairs": m["pairs"], "test_accuracy": m["accuracy"],
        "test_accuracy_same_distortion": m["accuracy_strong"],
        "order_consistency": m["order_consistency"],
        "confident_share": sum(b["count"] for b in high) / (2 * m["pairs"]),
        "by_category": {k: round(v["accuracy"], 3) for k, v in m["by_category"].items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget", type=float, default=60.0, help="training seconds per run")
    parser.add_argument("--epochs", type=int, default=100, help="epoch cap inside the budget")
    parser.add_argument("--distortions", default=None, help="comma-separated (default: all working)")
    parser.add_argument("--settings", default="full_reference,no_reference")
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON")
    args = parser.parse_args()
    names = args.distortions.split(",") if args.distortions else working_distortions()
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    rows = [run(s, d, args.budget, names, args.epochs)
            for d in devices for s in args.settings.split(",")]
    header = ("device", "setting", "dist", "epochs", "time s", "train pairs/s", "infer pairs/s",
              "test pairs", "acc", "acc same-dist", "order cons.", "conf≥0.9")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, distortions: {', '.join(names)}")
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for r in rows:
        print(f"| {r['device']} | {r['setting']} | {r['distortions']} | {r['epochs']} | "
              f"{r['seconds']} | {r['train_pairs_per_s']:.0f} | {r['infer_pairs_per_s']:.0f} | "
              f"{r['test_pairs']} | {100 * r['test_accuracy']:.1f}% | "
              f"{100 * r['test_accuracy_same_distortion']:.1f}% | "
              f"{100 * r['order_consistency']:.1f}% | {100 * r['confident_share']:.1f}% |")
    for r in rows:
        print(f"{r['device']}/{r['setting']} accuracy by category: {r['by_category']}")
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
