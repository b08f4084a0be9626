"""``iqa-datagen label``: zero-shot quality scores for a folder of images, from an LLM."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from iqa_datagen.cli.output import emit


def cmd_label(args: argparse.Namespace) -> int:
    from iqa_datagen.generators.labeller import (LabelConfig, label_images, run_report,
                                                 write_labels_csv, write_report)
    from iqa_datagen.generators.llm import LLMConfig, LLMConfigError

    out = Path(args.out)
    report_path = Path(args.report) if args.report else out.with_suffix(".report.json")
    cache = args.cache or str(out.parent / f"{out.stem}.cache")
    llm_options = {"model": args.model, "temperature": args.temperature, "max_tokens": 16,
                   "concurrency": args.concurrency, "max_attempts": args.max_attempts,
                   "cache_dir": None if args.no_cache else cache}
    if args.base_url:
        llm_options["base_url"] = args.base_url
    try:
        llm = LLMConfig.from_env(**llm_options)
    except LLMConfigError as exc:
        print(f"iqa-datagen label: error: the labeller asks an LLM for every score and has no "
              f"offline mode: {exc}", file=sys.stderr)
        return 2
    config = LabelConfig(asks=args.asks, min_area=args.min_area,
                         max_segments=args.max_segments, segment_weight=args.segment_weight,
                         unstable_above=args.unstable_above, max_side=args.max_side,
                         seed=args.seed)

    def progress(done: int, total: int) -> None:
        print(f"labelled {done}/{total} images", file=sys.stderr, flush=True)

    result = label_images(args.images, llm, config, progress=None if args.json else progress)
    rows = write_labels_csv(result["labels"], out)
    report = run_report(result, config, llm.model)
    write_report(report, report_path)
    summary = {**report, "csv": str(out), "report": str(report_path), "rows": rows}

    def human() -> None:
        u = report["llm"]
        print(f"label: {rows}/{report['images']} images scored in {report['seconds']:.1f} s "
              f"-> {out}")
        print(f"  unstable    {len(report['unstable'])} (instability > "
              f"{config.unstable_above}; mean {report['instability']['mean']})")
        print(f"  LLM         {u['requests']} requests, {u['cache_hits']} cache hits, "
              f"{u['rejected_replies']} replies rejected, ~${u['estimated_cost_usd']}")
        for r in report["rejected"][:20]:
            print(f"  rejected    {r['image']}: {r['reason']}")
        print(f"  report      {report_path}")

    emit(args, summary, human)
    if report["rejected"]:  # missing results, as a build's missing samples: exit code 6
        print(f"iqa-datagen label: {len(report['rejected'])} image(s) could not be scored "
              f"(listed in {report_path}); rerun to retry them", file=sys.stderr)
        return 6
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("label", help="zero-shot quality scores for a folder of images (LLM)")
    p.add_argument("--images", required=True, help="folder of images (searched recursively)")
    p.add_argument("--out", required=True, help="CSV to write (a MOS source, kind: labeller)")
    p.add_argument("--report", help="JSON report (default: <out>.report.json)")
    p.add_argument("--cache", help="reply cache folder (default: <out stem>.cache next to the "
                                   "CSV); a rerun sends only the requests never answered")
    p.add_argument("--no-cache", action="store_true", help="keep no replies (no resume)")
    p.add_argument("--asks", type=int, default=5,
                   help="answers per image and sub-image, each with its own seed (default 5)")
    p.add_argument("--min-area", type=float, default=0.05,
                   help="smallest segmented region, as a share of the image (default 0.05)")
    p.add_argument("--max-segments", type=int, default=8,
                   help="largest regions asked about; the rest make one more (default 8)")
    p.add_argument("--segment-weight", type=float, default=0.5,
                   help="weight of the region-count term of the score (default 0.5)")
    p.add_argument("--unstable-above", type=float, default=0.25,
                   help="flag images whose instability exceeds this (default 0.25)")
    p.add_argument("--max-side", type=int, default=512,
                   help="downscale images to this long side first (default 512)")
    p.add_argument("--model", default="gpt-4o")
    p.add_argument("--temperature", type=float, default=0.7)
    p.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    p.add_argument("--max-attempts", type=int, default=3,
                   help="asks per answer before a non-score reply is given up on")
    p.add_argument("--base-url", help="OpenAI-compatible server (default: OPENAI_BASE_URL)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true",
                   help="print the report as one JSON object on the last line")
    p.set_defaults(handler=cmd_label)
