"""``iqa-datagen serve``: run the scheduled-build deployment (cron) from this process."""

from __future__ import annotations

import argparse

DEFAULT_CRON = "0 3 * * *"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE", help="build config (YAML/TOML); defaults if omitted")
    p.add_argument("--out", default="datasets/{date}",
                   help="output folder; {date} and {datetime} are filled in per run")
    p.add_argument("--cron", default=DEFAULT_CRON, help=f"cron schedule (default {DEFAULT_CRON!r})")
    p.add_argument("--timezone", default="UTC")
    p.add_argument("--name", default="scheduled-build", help="deployment name")


def serve(args: argparse.Namespace) -> int:
    from iqa_datagen.flows.deploy import serve_from_args

    return serve_from_args(args)


def add_parser(sub) -> None:
    p = sub.add_parser("serve", help="serve a cron-scheduled build deployment (Prefect)")
    add_arguments(p)
    p.set_defaults(handler=serve)
