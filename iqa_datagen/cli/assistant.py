"""``iqa-datagen train-assistant``: train and evaluate the assistant comparison model."""

from __future__ import annotations

import argparse
import os

from iqa_datagen.cli.output import emit
from iqa_datagen.settings import SETTINGS


def cmd_train(args: argparse.Namespace) -> int:
    from iqa_datagen.cli.build import folder_lock
    from iqa_datagen.cli.orchestration import interruptible, prefect_api

    config = {"setting": args.setting, "device": args.device, "seed": args.seed}
    for key in ("epochs", "pairs_per_reference", "cross_pairs_per_reference"):
        if getattr(args, key) is not None:
            config[key] = getattr(args, key)
    if args.per_image:
        config["pairwise"] = False
    if args.distortions:
        config["distortions"] = [n.strip() for n in args.distortions.split(",")]
    if args.data is not None and not os.path.isdir(args.data):  # refused before any server
        raise FileNotFoundError(f"--data {args.data}: no such folder")
    # One training per folder at a time (two would overwrite each other's checkpoints); an
    # --out that is a file is refused here, before any server starts.
    with folder_lock(args.out, "train-assistant"), interruptible("train-assistant"), \
            prefect_api() as ready:
        from iqa_datagen.flows import train_assistant  # imported while the server boots

        ready()
        metrics = train_assistant(out=args.out, data=args.data, config=config,
                                  resume=not args.no_resume, max_seconds=args.max_seconds)

    def human() -> None:
        test = metrics["evaluation"].get("test", {})
        print(f"assistant ({metrics['setting']}) trained on {metrics['device']} in "
              f"{metrics['seconds']:.1f} s, {metrics['epochs_run']} epochs (best {metrics['best_epoch']})")
        pct = lambda s: "–" if not s or s.get("accuracy") is None else \
            f"{100 * s['accuracy']:.1f}% of {s['count']}"
        cu = test.get("cross_unanimous", {})
        print(f"  held-out references, {test.get('pairs')} pairs:")
        print(f"    different distortions, panel unanimous: {pct(cu.get('all'))} (single "
              f"{pct(cu.get('single'))}, with a paired plan {pct(cu.get('multi'))})")
        if metrics["setting"] == "no_reference":  # the pairs no-reference records can state
            print(f"    different distortions, panel unanimous, no-reference visible: "
                  f"{pct(test.get('cross_unanimous_visible', {}).get('all'))}")
        print(f"    different distortions, all panel-labelled: {pct(test.get('cross', {}).get('all'))}")
        print(f"    one distortion at two levels: {pct(test.get('same_distortion'))}")
        print(f"    order consistency {test.get('order_consistency')}, ECE {test.get('ece')}")
        print(f"  checkpoint {args.out}/best.pt, model card {args.out}/MODEL_CARD.md")

    emit(args, metrics, human)
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("train-assistant", help="train and evaluate the assistant comparison model")
    p.add_argument("--data", help="a dataset folder (its training references), a folder of "
                                  "images, or nothing for the built-in demo images")
    p.add_argument("--out", default="assistant", help="output folder (default: ./assistant)")
    p.add_argument("--setting", choices=list(SETTINGS),
                   default="full_reference")
    p.add_argument("--epochs", type=int)
    p.add_argument("--pairs-per-reference", type=int, help="same-distortion level pairs")
    p.add_argument("--cross-pairs-per-reference", type=int,
                   help="cross-distortion pairs labelled by the metric panel")
    p.add_argument("--per-image", action="store_true",
                   help="no reference: score each image alone (per-image scores, so "
                        "evaluate-assistant reports SRCC/PLCC) instead of judging the two "
                        "images of a pair together (the default; more accurate on pairs)")
    p.add_argument("--distortions", help="comma-separated distortion names (default: all)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-seconds", type=float, help="stop after the epoch that crosses this")
    p.add_argument("--no-resume", action="store_true", help="ignore an existing checkpoint")
    p.add_argument("--json", action="store_true",
                   help="print the evaluation metrics as one JSON object on the last line")
    p.set_defaults(handler=cmd_train)
