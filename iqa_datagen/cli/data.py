"""``iqa-datagen export|stats``: use a built dataset (training formats, statistics, checks)."""

from __future__ import annotations

import argparse


from iqa_datagen.cli.output import emit


def cmd_export(args: argparse.Namespace) -> int:
    from iqa_datagen.storage import export_dataset

    splits = args.splits.split(",") if args.splits else None
    summary = export_dataset(args.dataset, args.format, args.out, splits=splits)
    emit(args, summary, lambda: print(f"exported {args.dataset} as {args.format} to {args.out}: "
                                      f"{summary}"))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from iqa_datagen.storage import dataset_stats, read_manifest, verify_manifest

    stats = dataset_stats(args.dataset)
    problems = verify_manifest(args.dataset) if args.verify else []
    if args.verify:
        stats["verify"] = {"ok": not problems, "problems": problems}
    build = read_manifest(args.dataset).get("build", {})

    def human() -> None:
        totals = stats["totals"]
        print(f"{args.dataset}: {totals['rows']} records in {stats['files']} files "
              f"({stats['bytes'] / 1e6:.1f} MB)")
        for split, tasks in stats["counts"].items():
            for task, settings in tasks.items():
                row = ", ".join(f"{s} {c['total']}" for s, c in settings.items())
                print(f"  {split:<6} {task:<27} {row}")
        for row in stats.get("response_words", []):
            if row["distortion"] == "all":
                print(f"  mean words  {row['task']:<27} {row['response_kind']:<9} "
                      f"{row['mean']:6.1f} (sd {row['std']:.1f}, {row['rows']} responses)")
        for source, row in (stats.get("quality_scores") or {}).items():
            inst = row.get("instability")
            extra = f", instability mean {inst['mean']:.3f} max {inst['max']:.3f}" if inst else ""
            levels = ", ".join(f"{k} {v}" for k, v in sorted(row["levels"].items()))
            print(f"  scores      {source:<27} {row['records']} records, mean "
                  f"{row['mean_score']:.2f} ({levels}){extra}")
        if build.get("rejects") is not None:
            print(f"  rejects at build: {build['rejects']}")
        if args.consistency:
            c = stats["consistency"]
            print(f"  consistency: {c['contradicting']} of {c['checked']} detailed reasoning "
                  f"records contradict their own description ({100 * c['share']:.2f}%)")
            for example in c["examples"]:
                print(f"    {example['id']} ({example['task']}): {example['reason']}")
            unstable = build.get("instability")
            if unstable:
                print(f"  instability at build: {unstable['unstable']} of {unstable['checked']} "
                      f"samples asked {unstable['samples_per_request']} times disagreed "
                      f"({100 * unstable['ratio']:.2f}%, dropped)")
        if args.verify:
            print("  checksums: " + ("ok" if not problems else "; ".join(problems)))

    emit(args, stats, human)
    if problems:  # the dataset is not what its manifest says: bad input, exit code 2
        import sys

        print(f"iqa-datagen stats: error: {args.dataset} does not match its manifest: "
              f"{'; '.join(problems[:3])}" + (f" (and {len(problems) - 3} more)"
                                               if len(problems) > 3 else ""), file=sys.stderr)
        return 2
    return 0


def add_parser(sub) -> None:
    e = sub.add_parser("export", help="export a dataset as LLaVA or DepictQA JSON + images")
    e.add_argument("dataset", help="dataset folder made by `build`")
    e.add_argument("--format", required=True,
                   help="llava, depictqa, or a format a plugin registers (entry-point group "
                        "iqa_datagen.export_formats)")
    e.add_argument("--out", required=True, help="folder for the JSON files and images")
    e.add_argument("--splits", help="comma-separated splits (default: all)")
    e.add_argument("--json", action="store_true", help="print the summary as JSON")
    e.set_defaults(handler=cmd_export)

    s = sub.add_parser("stats", help="counts, response lengths and image statistics of a dataset")
    s.add_argument("dataset", help="dataset folder made by `build`")
    s.add_argument("--verify", action="store_true",
                   help="also check every data file against the manifest's checksums")
    s.add_argument("--consistency", action="store_true",
                   help="report detailed records whose conclusion contradicts their own "
                        "description, with examples (the JSON always has the figures)")
    s.add_argument("--json", action="store_true", help="print the statistics as JSON")
    s.set_defaults(handler=cmd_stats)



