"""``iqa-datagen evaluate-assistant``: agreement of a trained assistant with human MOS data."""

from __future__ import annotations

import argparse
import sys

from iqa_datagen.cli.output import emit
from iqa_datagen.settings import SETTINGS


def _source(text: str) -> tuple[str, str]:
    kind, sep, root = text.partition(":")
    if not sep or not kind or not root:
        raise argparse.ArgumentTypeError(f"--mos {text!r}: expected KIND:ROOT, e.g. tid2013:/data/tid2013")
    return kind, root


def cmd_evaluate(args: argparse.Namespace) -> int:
    try:
        return _evaluate(args)
    except ValueError as exc:  # a bad label file or checkpoint: one line naming it
        print(f"iqa-datagen evaluate-assistant: error: {exc}", file=sys.stderr)
        return 2


def _evaluate(args: argparse.Namespace) -> int:
    from iqa_datagen.assistant import load_assistant
    from iqa_datagen.assistant.human import evaluate_on_mos
    from iqa_datagen.assistant.inference import ModelMissing

    settings = SETTINGS if args.setting == "both" else (args.setting,)
    rows = []
    for setting in settings:
        try:
            model = load_assistant(args.assistant, None if args.device == "auto" else args.device,
                                   setting=setting)
        except ModelMissing:
            if args.setting == "both":  # a folder with one setting only: evaluate that one
                continue
            raise
        for kind, root in args.mos:
            rows.append(evaluate_on_mos(model, kind, root, seed=args.seed,
                                        max_pairs_per_reference=args.max_pairs_per_reference))
    if not rows:
        what = "assistant model" if args.setting == "both" else f"{args.setting} assistant model"
        raise ValueError(f"{args.assistant}: no {what} found (--assistant names a model folder "
                         f"or checkpoint, or a build's assistant/ folder)")
    summary = {"assistant": str(args.assistant), "results": rows}

    def human() -> None:
        print("| dataset | setting | images | pairs | pairwise accuracy | SRCC | PLCC |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        fmt = lambda v, pct=False: "–" if v is None else (f"{100 * v:.1f}%" if pct else f"{v:.3f}")
        for r in rows:
            print(f"| {r['dataset']} | {r['setting']} | {r['images'] or '–'} | {r['pairs']} | "
                  f"{fmt(r['pairwise_accuracy'], True)} | {fmt(r['srcc'])} | {fmt(r['plcc'])} |")

    emit(args, summary, human)
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("evaluate-assistant",
                       help="pairwise accuracy, SRCC and PLCC of an assistant on MOS datasets")
    p.add_argument("--mos", type=_source, action="append", required=True, metavar="KIND:ROOT",
                   help="a MOS dataset (tid2013, livemd, csiq, kadid10k, mdid2013, pipal, csv, "
                        "bapps) and its folder; repeat for several")
    p.add_argument("--assistant", default="assistant",
                   help="a model folder or checkpoint, or a build's assistant/ folder "
                        "(default: ./assistant)")
    p.add_argument("--setting", choices=[*SETTINGS, "both"], default="both",
                   help="which model of the folder to evaluate (default: each one present)")
    p.add_argument("--max-pairs-per-reference", type=int, default=None)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true",
                   help="print the results as one JSON object on the last line")
    p.set_defaults(handler=cmd_evaluate)
