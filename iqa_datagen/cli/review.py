"""``iqa-datagen browse|filter``: look at a built dataset in the browser, drop what was marked."""

from __future__ import annotations

import argparse

from iqa_datagen.cli.output import emit

DEFAULT_PORT = 8765


def cmd_browse(args: argparse.Namespace) -> int:
    from iqa_datagen.review.app import serve

    def announce() -> None:  # once the dataset opened: a bad folder is only its error line
        print(f"reviewing {args.dataset} at http://{args.host}:{args.port}/ (Ctrl-C stops)",
              flush=True)

    serve(args.dataset, host=args.host, port=args.port, announce=announce)
    return 0


def cmd_filter(args: argparse.Namespace) -> int:
    from iqa_datagen.review import drop_marked

    summary = drop_marked(args.dataset, args.drop_marked, dry_run=args.dry_run)

    def human() -> None:
        verb = "would drop" if summary["dry_run"] else "dropped"
        print(f"filter {args.dataset}: {verb} {summary['dropped']} record(s) marked "
              f"{summary['mark']} ({summary['marked']} marked, {summary['not_in_dataset']} "
              "no longer in the dataset)")
        for reason, n in summary["reasons"].items():
            print(f"  {n:>6}  {reason}")
        if summary.get("totals"):
            print(f"  dataset rows now {summary['totals'].get('rows')}")

    emit(args, summary, human)
    return 0


def add_parser(sub) -> None:
    b = sub.add_parser("browse", help="review a dataset's records in a local web app")
    b.add_argument("dataset", help="dataset folder made by `build`")
    b.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    b.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default loopback: only this machine can connect)")
    b.set_defaults(handler=cmd_browse)

    f = sub.add_parser("filter", help="rewrite a dataset in place without the records "
                                      "reviewers marked")
    f.add_argument("dataset", help="dataset folder made by `build`")
    f.add_argument("--drop-marked", required=True, choices=["bad", "good"],
                   help="drop records whose latest mark in review/marks.jsonl is this")
    f.add_argument("--dry-run", action="store_true", help="report what would go, change nothing")
    f.add_argument("--json", action="store_true", help="print the summary as JSON")
    f.set_defaults(handler=cmd_filter)
