"""The ``iqa-datagen`` command line: build, resplit, extend, train-assistant, evaluate-assistant,
export, catalogue, stats, label, browse, filter. Each command is a thin layer over a Prefect flow
or a library function; ``--json`` prints one machine-readable JSON object on the last line of stdout (logs and
progress go to stderr)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from iqa_datagen.cli import assistant, build, catalogue, data, evaluate, label, review, serve

SUBCOMMANDS = (build, catalogue, assistant, evaluate, data, label, serve, review)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="iqa-datagen", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in SUBCOMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    # A CLI run sends no usage analytics from its temporary Prefect server unless asked to.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from iqa_datagen.distortions import DistortionError
    from iqa_datagen.distortions.images import ImageError
    from iqa_datagen.config import ConfigError
    from iqa_datagen.storage import StorageError

    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.handler(args) or 0)
    except (ConfigError, DistortionError, ImageError, FileNotFoundError, StorageError) as exc:
        print(f"iqa-datagen {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        if type(exc).__name__ == "BatchPendingError":  # LLM batches still running: not a failure
            print(f"iqa-datagen {args.command}: {exc}", file=sys.stderr)
            return 3
        if type(exc).__name__ == "LLMConfigError":  # e.g. llm.mode on without OPENAI_API_KEY
            print(f"iqa-datagen {args.command}: error: {exc}", file=sys.stderr)
            return 2
        if type(exc).__name__ in ("LLMUnavailable", "BuildIncomplete"):  # finished parts kept
            print(f"iqa-datagen {args.command}: error: {exc}", file=sys.stderr)
            return 6
        raise
    except KeyboardInterrupt:
        print(f"iqa-datagen {args.command}: interrupted; rerun the same command to resume",
              file=sys.stderr)
        return 130


