"""The ``iqa-datagen`` command line: build, resplit, extend, train-assistant, evaluate-assistant,
export, catalogue, stats, label, browse, filter. Each command is a thin layer over a Prefect flow
or a library function; ``--json`` prints one machine-readable JSON object on the last line of stdout (logs and
progress go to stderr)."""

from __future__ import annotations

import argparse
import gc
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


EXIT_CODES = {
    0: "success",
    1: "an unexpected failure (a bug: the traceback is printed)",
    2: "bad input: arguments, config, reference or MOS files, a dataset that fails "
       "stats --verify (one line naming it)",
    3: "LLM batches still running: rerun the same command later to collect them",
    4: "the output folder is in use by another command (its pid and host are named)",
    5: "the system refused a write that retrying cannot fix: disk full, permission denied, "
       "read-only file system (one line naming the path)",
    6: "the LLM could not serve the build, or samples are missing (finished parts kept): "
       "rerun the same command once it can, or set llm.on_failure offline|skip",
    130: "interrupted by SIGINT (Ctrl-C); rerun the same command to resume",
    143: "stopped by SIGTERM; rerun the same command to resume",
}
"""Exit codes of every command (also listed in the README)."""


def main(argv: list[str] | None = None) -> int:
    # A CLI run sends no usage analytics from its temporary Prefect server unless asked to.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        # The command's own summary and one-line errors are the output: Prefect's per-run
        # INFO lines and failure tracebacks, and Dask's INFO chatter, only with --verbose.
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    from iqa_datagen.config import ConfigError
    from iqa_datagen.distortions import DistortionError
    from iqa_datagen.distortions.images import ImageError
    from iqa_datagen.generators.mos.types import MosFormatError
    from iqa_datagen.storage import StorageError
    from iqa_datagen.storage.layout import permanent_os_error
    from iqa_datagen.storage.lock import FolderBusy

    where = f"iqa-datagen {args.command}"
    try:
        return int(args.handler(args) or 0)
    except (ConfigError, DistortionError, ImageError, MosFormatError, FileNotFoundError,
            StorageError) as exc:
        print(f"{where}: error: {exc}", file=sys.stderr)
        return 2
    except FolderBusy as exc:
        print(f"{where}: error: {exc}", file=sys.stderr)
        return 4
    except OSError as exc:
        if not permanent_os_error(exc):
            raise
        print(f"{where}: error: {os_error_line(exc)}", file=sys.stderr)
        return 5
    except Exception as exc:
        if type(exc).__name__ == "BatchPendingError":  # LLM batches still running: not a failure
            print(f"{where}: {exc}", file=sys.stderr)
            return 3
        if type(exc).__name__ == "LLMConfigError":  # e.g. llm.mode on without OPENAI_API_KEY
            print(f"{where}: error: {exc}", file=sys.stderr)
            return 2
        if type(exc).__name__ in ("LLMUnavailable", "BuildIncomplete"):  # finished parts kept
            print(f"{where}: error: {exc}", file=sys.stderr)
            return 6
        raise
    except KeyboardInterrupt:
        print(f"{where}: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130


def run(argv: list[str] | None = None) -> int:
    """The console entry point: ``main``, then ``gc.freeze()``, so that the interpreter's exit
    does not walk the objects of some 2,500 imported modules looking for garbage (seconds on a
    loaded machine, for nothing: the process ends)."""
    code = main(argv)
    gc.freeze()
    return code


def os_error_line(exc: OSError) -> str:
    path = f"{exc.filename}: " if exc.filename else ""
    return f"{path}{exc.strerror or exc}"
